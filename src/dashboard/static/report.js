/*
 * report.html: draws the runs embedded in #report-data with the dashboard's charts; a picker when there are
 * several runs, summary tiles of the selected run, and a table of all runs.
 */
(function () {
  'use strict';
  const { createBoard, formatNumber, el } = window.SuperServeCharts;
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($('report-data').textContent);
  let board = null;

  function stats(run) {
    const box = $('stats');
    box.textContent = '';
    const s = run.summary;
    if (!s) return;
    const tile = (id, label, value, unit) => {
      const t = el('div', { class: 'stat', 'data-stat': id });
      t.append(el('span', { class: 'label' }, label), el('span', { class: 'value' }, value), el('span', { class: 'unit' }, unit));
      box.append(t);
    };
    tile('sent', 'sent', String(s.sent), 'requests');
    tile('attainment', 'SLO attainment', formatNumber(100 * s.slo_attainment, 2), '% (SLO ' + s.slo_ms + ' ms)');
    tile('accuracy', 'served accuracy', formatNumber(s.mean_accuracy, 2), '% (on-time answers)');
    tile('p50', 'p50 latency', formatNumber(s.p50_ms), 'ms');
    tile('p99', 'p99 latency', formatNumber(s.p99_ms), 'ms');
  }

  function show(i) {
    const run = data.runs[i];
    if (!run) return;
    if (board) board.destroy();
    board = createBoard($('charts'), run.frame);
    stats(run);
  }

  function runsTable() {
    const t = $('runs');
    const head = el('tr');
    for (const h of ['run', 'policy', 'sent', 'attainment %', 'accuracy %', 'p99 ms']) head.append(el('th', {}, h));
    t.append(head);
    for (const r of data.runs) {
      const s = r.summary || {};
      const tr = el('tr');
      tr.append(el('td', {}, r.name), el('td', {}, s.policy || '–'), el('td', { class: 'num' }, s.sent == null ? '–' : String(s.sent)),
        el('td', { class: 'num' }, s.slo_attainment == null ? '–' : formatNumber(100 * s.slo_attainment, 2)),
        el('td', { class: 'num' }, formatNumber(s.mean_accuracy, 2)), el('td', { class: 'num' }, formatNumber(s.p99_ms)));
      t.append(tr);
    }
  }

  if (data.runs.length > 1) {
    const select = $('run');
    data.runs.forEach((r, i) => select.append(el('option', { value: String(i) }, r.name)));
    select.addEventListener('change', () => show(Number(select.value)));
    $('run-picker').hidden = false;
  }
  runsTable();
  show(0);
})();
