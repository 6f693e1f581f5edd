/*
 * SuperServe charts: draws a chart frame (src/dashboard/frame.ts) with uPlot. Shared by the live dashboard
 * (live.js) and the offline report.html (report.js); plain browser JavaScript, no build step. A chart whose
 * columns the frame does not carry is left out (a simulation has no queue depth, for instance).
 * Exposes window.SuperServeCharts = { createBoard, formatNumber }.
 */
(function () {
  'use strict';

  /* Every line also differs by its dash pattern, so no series is told apart by colour alone. */
  const DASHES = [undefined, [8, 4], [2, 3], [10, 3, 2, 3]];

  /* Palette indices (see src/palette.ts): 0 blue, 1 orange, 2 bluish green, 3 vermillion, 4 sky blue, 5 purple, 7 black. */
  const CHARTS = [
    { id: 'requests', title: 'Requests', unit: 'requests / s', min0: true, series: [
      { col: 'arriving', label: 'arriving', color: 0 },
      { col: 'answered', label: 'answered', color: 2 },
      { col: 'refused', label: 'refused (503/4xx/5xx)', color: 3 },
      { col: 'expired', label: 'expired (504 deadline)', color: 1 },
    ] },
    { id: 'attainment', title: 'SLO attainment', unit: '% on time', range: [0, 100], series: [
      { col: 'attainment', label: 'on time / counted', color: 0 },
    ] },
    { id: 'accuracy', title: 'Mean served accuracy', unit: '% top-1 (ImageNet)', percent: true, series: [
      { col: 'accuracy', label: 'mean of served sub-networks', color: 2 },
    ] },
    { id: 'mix', title: 'Sub-network mix', unit: '% of executed images', range: [0, 100], stacked: true, series: [] },
    { id: 'batch', title: 'Batch size', unit: 'images / batch', min0: true, series: [
      { col: 'batchMean', label: 'mean', color: 0 },
      { col: 'batchMax', label: 'max', color: 1 },
    ] },
    { id: 'queue', title: 'Queue depth', unit: 'images', min0: true, series: [
      { col: 'queued', label: 'queued', color: 0 },
      { col: 'inFlight', label: 'in flight (in running batches)', color: 1 },
    ] },
    { id: 'latency', title: 'Latency', unit: 'ms', min0: true, slo: true, series: [
      { col: 'p50', label: 'p50', color: 0 },
      { col: 'p99', label: 'p99', color: 3 },
    ] },
    { id: 'factor', title: 'Latency factor', unit: '× profiled latency', series: [
      { col: 'latencyFactor', label: 'measured / profiled (EWMA)', color: 5 },
    ] },
    { id: 'workers', title: 'Workers', unit: 'workers', min0: true, integer: true, series: [
      { col: 'alive', label: 'alive', color: 2 },
      { col: 'busy', label: 'busy', color: 0 },
      { col: 'dead', label: 'dead', color: 3 },
    ] },
  ];

  /* Tick steps for counts (workers): never a half worker. */
  const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

  /* The y range: fixed, from 0, within 0-100 for a percentage (padded around the data), or uPlot's own. */
  function yRange(spec) {
    if (spec.range) return spec.range;
    if (spec.percent) {
      return (u, lo, hi) => {
        if (lo == null || hi == null) return [0, 100];
        const pad = Math.max(1, (hi - lo) * 0.1);
        return [Math.max(0, Math.floor(lo - pad)), Math.min(100, Math.ceil(hi + pad))];
      };
    }
    if (spec.integer) return (u, lo, hi) => [0, hi > 0 ? hi + Math.max(0.5, hi * 0.08) : 1];
    if (spec.min0) return (u, lo, hi) => [0, hi > 0 ? hi * 1.08 : 1];
    return undefined;
  }

  function formatNumber(v, digits) {
    if (v == null || !Number.isFinite(v)) return '–';
    const d = digits == null ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
    return v.toFixed(d);
  }

  /* Tick labels on a clock axis: local hh:mm:ss on one line (uPlot's default adds a second, date line). */
  function clockLabel(v) {
    const d = new Date(v * 1000);
    const two = (n) => String(n).padStart(2, '0');
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function hasData(col) {
    return Array.isArray(col) && col.some((v) => v != null);
  }

  /* The series of one chart spec that the frame carries: [{label, color, values(columns) -> array, raw?}]. */
  function resolveSeries(spec, frame) {
    const palette = frame.palette;
    if (spec.stacked) {
      // Stacked: series k is drawn at the sum of sub-networks 0..k; listed top of the stack first so the
      // opaque fills of smaller sums paint over larger ones.
      const subnets = frame.subnets.filter((s) => ('mix:' + s.id) in frame.columns);
      const out = subnets.map((s, k) => ({
        label: '#' + s.id + ' · ' + formatNumber(s.accuracy, 1) + ' %',
        color: palette[k % palette.length],
        fill: palette[k % palette.length],
        values: (cols) => cumulative(cols, subnets.slice(0, k + 1).map((x) => 'mix:' + x.id)),
        raw: (cols) => cols['mix:' + s.id],
      }));
      return out.reverse();
    }
    const out = spec.series.filter((s) => s.col in frame.columns).map((s, i) => ({
      label: s.label, color: palette[s.color % palette.length], dash: DASHES[i % DASHES.length],
      values: (cols) => cols[s.col],
    }));
    if (spec.slo && frame.sloMs != null && out.length > 0) {
      out.push({ label: 'SLO ' + frame.sloMs + ' ms', color: palette[7 % palette.length], dash: [4, 4], width: 1,
        values: (cols) => cols.t.map(() => frame.sloMs) });
    }
    return out;
  }

  function cumulative(cols, names) {
    const n = cols.t.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      let sum = null;
      for (const name of names) {
        const v = cols[name][i];
        if (v != null) sum = (sum || 0) + v;
      }
      out[i] = sum;
    }
    return out;
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  /*
   * Builds one card per chart the frame can fill inside `root`. Returns { update(columns), destroy() }:
   * update redraws every chart from the frame's (new) columns.
   */
  function createBoard(root, frame) {
    const charts = [];
    let current = frame.columns;
    const clockAxis = frame.timeAxis === 'clock';
    for (const spec of CHARTS) {
      const series = resolveSeries(spec, frame);
      if (series.length === 0 || (!clockAxis && !series.some((s) => hasData(s.values(frame.columns))))) continue;
      const card = el('figure', { class: 'chart', 'data-chart': spec.id });
      const caption = el('figcaption', {}, spec.title + (spec.id === 'attainment' && frame.sloMs != null ? ' (SLO ' + frame.sloMs + ' ms, ' + frame.windowS + ' s window)' : spec.id === 'accuracy' ? ' (' + frame.windowS + ' s window)' : ''));
      caption.append(el('span', { class: 'unit' }, spec.unit));
      const plot = el('div', { class: 'plot' });
      card.append(caption, plot);
      root.append(card);
      const width = Math.max(280, plot.clientWidth || root.clientWidth || 600);
      const opts = {
        width, height: 200,
        scales: { x: { time: clockAxis }, y: yRange(spec) ? { range: yRange(spec) } : {} },
        axes: [
          clockAxis
            ? { label: 'time (local clock)', labelSize: 18, size: 40, space: 64, values: (u, splits) => splits.map(clockLabel) }
            : { label: 'time since start (s)', labelSize: 18, size: 40 },
          spec.integer
            ? { label: spec.unit, labelSize: 18, size: 52, incrs: INTEGER_STEPS, values: (u, splits) => splits.map(String) }
            : { label: spec.unit, labelSize: 18, size: 52 },
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        series: [{ label: clockAxis ? 'time' : 't (s)', value: clockAxis ? '{HH}:{mm}:{ss}' : (u, v) => formatNumber(v, 1) }].concat(series.map((s) => ({
          label: s.label, stroke: s.color, width: s.width || 2, dash: s.dash, fill: s.fill, points: { show: false },
          value: s.raw ? (u, v, si, idx) => formatNumber(idx == null ? null : s.raw(current)[idx]) + ' %' : (u, v) => formatNumber(v),
        }))),
        hooks: { draw: [(u) => {
          if (!(u.cursor.left >= 0) && u.data[0].length > 0) u.setLegend({ idx: u.data[0].length - 1 }, false);
          // What the y axis shows (drawn on the canvas), readable from the page by tools and tests.
          card.dataset.yMin = String(u.scales.y.min);
          card.dataset.yMax = String(u.scales.y.max);
          card.dataset.yTicks = (u.axes[1]._splits || []).join(' ');
        }] },
      };
      const u = new uPlot(opts, dataOf(series, frame.columns), plot);
      charts.push({ u, series, plot });
    }
    const resize = () => { for (const c of charts) c.u.setSize({ width: Math.max(280, c.plot.clientWidth), height: 200 }); };
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(resize) : null;
    if (observer) observer.observe(root); else window.addEventListener('resize', resize);
    return {
      update(columns) {
        current = columns;
        for (const c of charts) c.u.setData(dataOf(c.series, columns));
      },
      destroy() {
        if (observer) observer.disconnect(); else window.removeEventListener('resize', resize);
        for (const c of charts) c.u.destroy();
        root.textContent = '';
      },
      chartIds: () => charts.map((c) => c.plot.parentElement.getAttribute('data-chart')),
    };
  }

  function dataOf(series, columns) {
    return [columns.t].concat(series.map((s) => s.values(columns)));
  }

  window.SuperServeCharts = { createBoard, formatNumber, el };
})();
