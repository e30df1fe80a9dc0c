// The terminal list keeps itself up to date over the /api/v1/live
// WebSocket: a full list on connect, then batches of changed rows. Rows are
// updated in place by terminal id, and only cells whose text changed are
// written, so a list of ten thousand stays smooth.
'use strict';
(function () {
  var P = window.Piste;
  var table = document.getElementById('terminals');
  if (!table) return;
  var tbody = table.tBodies[0];
  var tpl = document.getElementById('row-template');
  var live = document.getElementById('live');
  var liveText = live.querySelector('.live-text');
  var filter = {
    branch: table.dataset.branch || '',
    status: table.dataset.status || '',
    q: (table.dataset.q || '').toLowerCase()
  };
  // Column positions, as in templates/rows.html.
  var NAME = 0, BRANCH = 1, KIND = 2, STATUS = 3, CPU = 4, MEM = 5, DISK = 6, UPTIME = 7, AGENT = 8, SEEN = 9;

  var rows = new Map(); // id -> <tr> shown
  var data = new Map(); // id -> terminal passing the branch and text filters
  Array.prototype.forEach.call(tbody.rows, function (tr) { rows.set(tr.dataset.id, tr); });

  function matches(t) {
    if (t.revoked) return false;
    if (filter.branch && t.branch !== filter.branch) return false;
    if (!filter.q) return true;
    return [t.name, t.id, t.hostname || ''].some(function (s) { return s.toLowerCase().indexOf(filter.q) >= 0; });
  }

  function fill(tr, t) {
    var c = tr.cells;
    var link = c[NAME].firstElementChild;
    var href = '/terminals/' + encodeURIComponent(t.id);
    if (link.getAttribute('href') !== href) link.setAttribute('href', href);
    P.setText(link, t.name);
    P.setText(c[BRANCH], t.branch);
    P.setText(c[KIND], P.kindText(t.kind));
    var cls = 'st-' + t.status;
    if (tr.className !== cls) {
      // A change on a row already shown is news for a screen reader too.
      if (tr.className) P.announce(t.name + ': ' + P.statusText(t.status));
      tr.className = cls;
      c[STATUS].firstElementChild.className = 'badge ' + cls;
    }
    P.setText(c[STATUS].firstElementChild, P.statusText(t.status));
    var h = t.health || {};
    var known = P.time(h.at) > 0;
    P.setText(c[CPU], P.percent(h.cpu_percent, known));
    P.setText(c[MEM], P.percent(h.mem_used_percent, known));
    P.setText(c[DISK], P.percent(h.disk_used_percent, known));
    P.setText(c[UPTIME], P.uptime(h.uptime_seconds, known));
    P.setText(c[AGENT], t.agent_version || '');
    var seen = String(P.time(t.last_seen));
    if (c[SEEN].dataset.seen !== seen) c[SEEN].dataset.seen = seen;
    P.setText(c[SEEN], P.ago(Number(seen)));
  }

  // before reports whether terminal t sorts before row tr: by branch, then
  // name, as the server orders the list.
  function before(t, tr) {
    var b = tr.cells[BRANCH].textContent;
    if (t.branch !== b) return t.branch < b;
    return t.name < tr.cells[NAME].textContent;
  }

  function insert(tr, t) {
    var list = tbody.rows, lo = 0, hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (before(t, list[mid])) hi = mid; else lo = mid + 1;
    }
    tbody.insertBefore(tr, list[lo] || null);
  }

  function upsert(t) {
    var tr = rows.get(t.id);
    if (tr) {
      fill(tr, t);
      return;
    }
    tr = tpl.content.firstElementChild.cloneNode(true);
    tr.dataset.id = t.id;
    fill(tr, t);
    insert(tr, t);
    rows.set(t.id, tr);
  }

  function remove(id) {
    var tr = rows.get(id);
    if (!tr) return;
    tr.remove();
    rows.delete(id);
  }

  function apply(list, full) {
    var present = full ? new Set() : null;
    list.forEach(function (t) {
      if (present) present.add(t.id);
      if (!matches(t)) {
        data.delete(t.id);
        remove(t.id);
        return;
      }
      data.set(t.id, t);
      if (filter.status && t.status !== filter.status) remove(t.id);
      else upsert(t);
    });
    if (present) {
      data.forEach(function (_, id) { if (!present.has(id)) data.delete(id); });
      rows.forEach(function (_, id) { if (!present.has(id)) remove(id); });
    }
    summarize();
  }

  function summarize() {
    var n = { '': 0 };
    data.forEach(function (t) {
      n[''] += 1;
      n[t.status] = (n[t.status] || 0) + 1;
    });
    document.querySelectorAll('.counts a[data-status]').forEach(function (a) {
      P.setText(a.querySelector('.count-n'), String(n[a.dataset.status] || 0));
    });
    P.setText(document.getElementById('shown'), String(rows.size));
    P.setText(document.getElementById('total'), String(n['']));
    document.getElementById('empty').hidden = rows.size > 0;
  }

  // Relative times age by themselves; a coarse tick is plenty.
  setInterval(function () {
    rows.forEach(function (tr) {
      var cell = tr.cells[SEEN];
      P.setText(cell, P.ago(Number(cell.dataset.seen)));
    });
  }, 5000);

  function setLive(state, text) {
    live.dataset.state = state;
    P.setText(liveText, text);
  }

  var delay = 1000;

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(scheme + location.host + '/api/v1/live');
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      delay = 1000;
      setLive('live', 'Live');
      apply(msg.terminals || [], !!msg.full);
    };
    ws.onclose = function () {
      setLive('reconnecting', 'Reconnecting…');
      // Back off with jitter, so that many open pages do not all return in
      // the same second after a fleet restart.
      var wait = delay * (0.5 + Math.random());
      delay = Math.min(delay * 2, 30000);
      setTimeout(reconnect, wait);
    };
  }

  // reconnect first checks the login: a failed upgrade looks the same to a
  // page whether the server is down or the session has ended.
  function reconnect() {
    P.api('GET', '/api/v1/auth/me').then(function (res) {
      if (res.status === 401) location.assign(P.loginURL());
      else connect();
    }, connect);
  }

  connect();
})();
