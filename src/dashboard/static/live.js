/*
 * The live dashboard: one EventSource on /dashboard/events. `init` (sent on every connection, so also after a
 * reconnect or a server restart) carries the history and rebuilds the page; `sample` appends one row per tick.
 * Reconnects on its own: the browser retries a dropped stream, and a stream the browser gave up on is reopened.
 */
(function () {
  'use strict';
  const { createBoard, formatNumber, el } = window.SuperServeCharts;
  const $ = (id) => document.getElementById(id);
  const HTTP_STATUS = { queue_full: 503, overloaded: 503, deadline: 504, not_ready: 503, no_worker: 503, shutting_down: 503, bad_request: 400, cancelled: 499, worker_failed: 500 };

  let board = null;
  let columns = null;
  let names = [];
  let capacity = 600;
  let dirty = false;
  let source = null;
  let lastMessageAt = 0;
  let silenceMs = 5000;

  function setConnection(state, text) {
    const badge = $('connection');
    badge.className = 'badge ' + state;
    badge.textContent = text;
  }

  function stat(id, label, value, unit) {
    let tile = document.querySelector('[data-stat="' + id + '"]');
    if (!tile) {
      tile = el('div', { class: 'stat', 'data-stat': id });
      tile.append(el('span', { class: 'label' }, label), el('span', { class: 'value' }), el('span', { class: 'unit' }, unit));
      $('stats').append(tile);
    }
    tile.querySelector('.value').textContent = value;
  }

  function last(col) {
    const c = columns && columns[col];
    return c && c.length ? c[c.length - 1] : null;
  }

  function renderLive(live) {
    stat('answered-total', 'answered', String(live.totals.answered), 'requests');
    stat('refused-total', 'errors', String(live.totals.refused), 'requests');
    stat('arriving', 'arriving', formatNumber(last('arriving')), 'req/s');
    stat('attainment', 'SLO attainment', formatNumber(last('attainment'), 1), '%');
    stat('accuracy', 'served accuracy', formatNumber(last('accuracy'), 2), '%');
    stat('queued', 'queue', formatNumber(last('queued'), 0), 'images');
    stat('p99', 'p99 latency', formatNumber(last('p99'), 0), 'ms');

    const wt = $('workers-body');
    wt.textContent = '';
    for (const w of live.workers) {
      const tr = el('tr', { 'data-state': w.state });
      tr.append(el('td', {}, w.name), el('td', {}, w.kind), el('td', { class: 'state' }, w.state), el('td', {}, w.backend || '–'),
        el('td', {}, w.batch ? '#' + w.batch.subnetId + ' × ' + w.batch.size : '–'));
      wt.append(tr);
    }
    if (live.workers.length === 0) {
      const tr = el('tr');
      tr.append(el('td', { colspan: '5' }, 'no worker yet'));
      wt.append(tr);
    }

    const et = $('errors-body');
    et.textContent = '';
    for (const e of live.errors) {
      const tr = el('tr', { 'data-reason': e.reason, class: e.total > 0 ? '' : 'zero' });
      tr.append(el('td', {}, e.reason), el('td', {}, String(HTTP_STATUS[e.reason] || '')), el('td', { class: 'num' }, String(e.total)),
        el('td', {}, e.lastAt == null ? '–' : new Date(e.lastAt).toLocaleTimeString()));
      et.append(tr);
    }
    renderPriorities(live.priorities);
  }

  function renderPriorities(priorities) {
    const pt = $('priority-body');
    pt.textContent = '';
    for (const p of priorities || []) {
      const counted = p.onTime + p.late + p.refused;
      const tr = el('tr', { 'data-priority': String(p.priority) });
      tr.append(el('td', {}, String(p.priority) + (p.priority === 1 ? ' (highest)' : '')), el('td', { class: 'num' }, String(p.onTime)),
        el('td', { class: 'num' }, String(p.late)), el('td', { class: 'num' }, String(p.refused)),
        el('td', { class: 'num' }, counted ? formatNumber((100 * p.onTime) / counted, 1) + ' %' : '–'));
      pt.append(tr);
    }
  }

  function renderModel(model, server, sloMs) {
    const dl = $('model');
    dl.textContent = '';
    const row = (k, v, cls) => { dl.append(el('dt', {}, k), el('dd', cls ? { class: cls } : {}, v)); };
    row('model', model.name);
    row('architecture', model.arch);
    row('weights', model.untrained ? 'UNTRAINED (seeded random): predictions are meaningless' : 'trained', model.untrained ? 'warn' : '');
    row('backend', model.backend);
    row('policy', model.policy);
    row('SLO (default)', sloMs + ' ms');
    row('sub-networks', model.subnets.map((s) => '#' + s.id + ' ' + formatNumber(s.accuracy, 1) + ' %').join(', '));
    row('checkpoint', model.checkpoint);
    row('server started', new Date(server.startedAt).toLocaleString());
    $('model-line').textContent = model.arch + ' · ' + model.backend + ' · ' + model.policy + (model.untrained ? ' · untrained' : '');
    document.body.dataset.serverStarted = String(server.startedAt);
  }

  function onInit(e) {
    const m = JSON.parse(e.data);
    lastMessageAt = Date.now();
    silenceMs = 5 * m.resolutionMs;
    names = m.names;
    capacity = m.capacity;
    columns = m.frame.columns;
    if (board) board.destroy();
    board = createBoard($('charts'), m.frame);
    renderModel(m.model, m.server, m.frame.sloMs);
    renderLive(m.live);
    setConnection('live', 'live');
  }

  function onSample(e) {
    const m = JSON.parse(e.data);
    lastMessageAt = Date.now();
    if (!columns) return;
    names.forEach((name, i) => {
      const col = columns[name];
      col.push(m.row[i]);
      if (col.length > capacity) col.splice(0, col.length - capacity);
    });
    if (m.model) renderModel(m.model, m.server, m.sloMs);
    renderLive(m.live);
    dirty = true;
    if (!document.hidden) draw();
  }

  function draw() {
    if (!dirty || !board) return;
    dirty = false;
    board.update(columns);
  }

  function connect() {
    source = new EventSource('/dashboard/events');
    source.addEventListener('init', onInit);
    source.addEventListener('sample', onSample);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the server answered an error while restarting): open a new stream.
        setConnection('down', 'reconnecting…');
        source.close();
        setTimeout(connect, 2000);
      } else {
        setConnection('down', 'reconnecting…');
      }
    };
  }

  // A stream that stays silent (a server that hung, a connection dropped without a reset) is reopened.
  setInterval(() => {
    if (source && source.readyState === EventSource.OPEN && lastMessageAt > 0 && Date.now() - lastMessageAt > silenceMs) {
      setConnection('down', 'reconnecting…');
      source.close();
      lastMessageAt = 0;
      connect();
    }
  }, 1000);

  document.addEventListener('visibilitychange', draw);
  connect();
})();
