// The terminal list: the server renders one page of the filtered, sorted
// list; this script keeps the rows on screen up to date over the
// /api/v1/live WebSocket (it tells the fleet which rows it shows and under
// which filter, and hears about those rows only), refreshes the counts and
// the open alerts, acknowledges alerts, and sends bulk commands with a
// confirmation that states how many terminals they reach.
'use strict';
(function () {
  var P = window.Piste;
  var T = P.T;
  var table = document.getElementById('terminals');
  if (!table) return;
  var tbody = table.tBodies[0];
  var tpl = document.getElementById('row-template');
  var live = document.getElementById('live');
  var liveText = live.querySelector('.live-text');
  var filter = {
    branch: table.dataset.branch || '', status: table.dataset.status || '', kind: table.dataset.kind || '',
    version: table.dataset.version || '', q: table.dataset.q || ''
  };
  // Column positions, as in templates/rows.html.
  var NAME = 1, BRANCH = 2, KIND = 3, STATUS = 4, CPU = 5, MEM = 6, DISK = 7, UPTIME = 8, AGENT = 9, SEEN = 10;

  var rows = new Map(); // id -> <tr> on screen
  Array.prototype.forEach.call(tbody.rows, function (tr) { rows.set(tr.dataset.id, tr); });

  function agoT(ms) {
    if (!ms) return T('console.ago.never');
    var s = Math.floor((P.now() - ms) / 1000);
    if (s < 0) return T('console.ago.now');
    if (s < 60) return T('console.ago.s', s);
    if (s < 3600) return T('console.ago.min', Math.floor(s / 60));
    if (s < 86400) return T('console.ago.h', Math.floor(s / 3600));
    return T('console.ago.d', Math.floor(s / 86400));
  }

  // ---- rows ----

  function fill(tr, t) {
    var c = tr.cells;
    P.setText(c[NAME].firstElementChild, t.name);
    P.setText(c[BRANCH], t.branch);
    P.setText(c[KIND], T('console.kind.' + t.kind));
    var cls = 'st-' + t.status;
    if (tr.className !== cls) {
      // A change on a row already shown is news for a screen reader too.
      if (tr.className) P.announce(t.name + ': ' + P.statusText(t.status));
      tr.className = cls;
      c[STATUS].firstElementChild.className = 'badge ' + cls;
    }
    P.setText(c[STATUS].firstElementChild, T('console.status.' + t.status));
    var h = t.health || {};
    var known = P.time(h.at) > 0;
    P.setText(c[CPU], P.percent(h.cpu_percent, known));
    P.setText(c[MEM], P.percent(h.mem_used_percent, known));
    P.setText(c[DISK], P.percent(h.disk_used_percent, known));
    P.setText(c[UPTIME], P.uptime(h.uptime_seconds, known));
    P.setText(c[AGENT], t.agent_version || '');
    var seen = String(P.time(t.last_seen));
    if (c[SEEN].dataset.seen !== seen) c[SEEN].dataset.seen = seen;
    P.setText(c[SEEN], agoT(Number(seen)));
  }

  // A row that no longer matches the filter stays until the next page
  // load, marked, so the list does not jump under the reader's eyes.
  function gone(id) {
    var tr = rows.get(id);
    if (!tr) return;
    tr.classList.add('gone');
    tr.dataset.gone = 'true';
    rows.delete(id);
  }

  setInterval(function () {
    rows.forEach(function (tr) {
      var cell = tr.cells[SEEN];
      P.setText(cell, agoT(Number(cell.dataset.seen)));
    });
  }, 5000);

  // ---- counts ----

  function counts(c, total) {
    var all = 0;
    document.querySelectorAll('.counts a[data-status]').forEach(function (a) {
      var st = a.dataset.status;
      if (!st) return;
      all += c[st] || 0;
      P.setText(a.querySelector('.count-n'), String(c[st] || 0));
    });
    var a = document.querySelector('.counts a[data-status=""] .count-n');
    if (a) P.setText(a, String(all));
    P.setText(document.getElementById('all-matching'), T('console.bulk.all_matching', total));
    matching = total;
  }

  // ---- alerts ----

  var alertBox = document.getElementById('alerts');
  var alertList = document.getElementById('alert-list');

  function alerts(list) {
    alertList.textContent = '';
    list.forEach(function (a) {
      var li = alertList.appendChild(document.createElement('li'));
      li.dataset.alert = String(a.id);
      li.className = 'alert-' + a.kind;
      var link = li.appendChild(document.createElement('a'));
      link.href = '/terminals/' + encodeURIComponent(a.terminal_id);
      link.textContent = a.terminal_id;
      li.appendChild(document.createTextNode(' (' + a.branch + '): '));
      li.appendChild(document.createElement('strong')).textContent = T('console.alert.' + a.kind);
      li.appendChild(document.createTextNode(' ' + new Date(P.time(a.opened_at)).toLocaleString(P.lang) + ' \u2014 '));
      var d = li.appendChild(document.createElement('span'));
      d.className = 'alert-detail';
      d.textContent = a.detail;
      li.appendChild(document.createTextNode(' '));
      var adv = li.appendChild(document.createElement('span'));
      adv.className = 'advice';
      adv.textContent = T('console.advice.' + a.kind);
      li.appendChild(document.createTextNode(' '));
      if (a.acked_by) {
        var s = li.appendChild(document.createElement('span'));
        s.className = 'acked';
        s.textContent = T('console.alerts.acked_by', a.acked_by);
      } else {
        var b = li.appendChild(document.createElement('button'));
        b.type = 'button';
        b.className = 'btn-small ack';
        b.dataset.ack = String(a.id);
        b.textContent = T('console.alerts.ack');
      }
    });
    P.setText(document.getElementById('h-alerts'), T('console.alerts.open', list.length));
    alertBox.hidden = list.length === 0;
  }

  alertList.addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-ack]');
    if (!b) return;
    b.disabled = true;
    P.api('POST', '/api/v1/alerts/' + encodeURIComponent(b.dataset.ack) + '/ack').then(function (res) {
      if (res.status !== 200) b.disabled = false;
      // The live view sends the alerts again, acknowledged.
    }, function () { b.disabled = false; });
  });

  // ---- live ----

  function setLive(state, key) {
    live.dataset.state = state;
    P.setText(liveText, T(key));
  }

  var delay = 1000;
  var socket = null;

  function watch() {
    if (!socket || socket.readyState !== 1) return;
    socket.send(JSON.stringify({ watch: { ids: Array.from(rows.keys()), filter: filter } }));
  }

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(scheme + location.host + '/api/v1/live');
    socket = ws;
    ws.onopen = function () {
      delay = 1000;
      setLive('live', 'console.live.live');
      watch();
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      (msg.terminals || []).forEach(function (t) {
        var tr = rows.get(t.id);
        if (tr) fill(tr, t);
      });
      (msg.gone || []).forEach(gone);
      if (msg.counts) counts(msg.counts, msg.total || 0);
      if (msg.alerts) alerts(msg.alerts);
      if (msg.terminals && msg.terminals.length) table.dataset.updated = String(Date.now());
    };
    ws.onclose = function () {
      socket = null;
      setLive('reconnecting', 'console.live.reconnecting');
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

  // ---- bulk actions ----

  var bulk = document.getElementById('bulk');
  var matching = Number((document.getElementById('all-matching').dataset.n) || 0);
  var pickAll = document.getElementById('pick-all');

  function picked() {
    return Array.prototype.filter.call(tbody.querySelectorAll('input.pick'), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }

  function syncPicked() {
    var n = picked().length;
    P.setText(document.getElementById('picked-n'), String(n));
    if (n > 0) bulk.elements.target.value = 'picked';
  }

  tbody.addEventListener('change', function (ev) {
    if (ev.target.classList.contains('pick')) syncPicked();
  });
  pickAll.addEventListener('change', function () {
    tbody.querySelectorAll('input.pick').forEach(function (c) { c.checked = pickAll.checked; });
    syncPicked();
  });

  function syncType() {
    document.getElementById('b-texts').hidden = bulk.elements.type.value !== 'message';
  }
  bulk.elements.type.addEventListener('change', syncType);
  syncType();

  function showError(msg) {
    var e = document.getElementById('b-error');
    e.textContent = msg;
    e.hidden = !msg;
  }

  function request() {
    var body = { type: bulk.elements.type.value };
    if (bulk.elements.target.value === 'picked') body.terminals = picked();
    else body.filter = filter;
    if (body.type === 'message') {
      body.texts = {};
      ['fi', 'sv', 'en'].forEach(function (l) {
        var v = bulk.elements[l].value.trim();
        if (v) body.texts[l] = v;
      });
    }
    return body;
  }

  var dialog = document.getElementById('confirm');

  function confirm(text, then) {
    P.setText(document.getElementById('confirm-text'), text);
    dialog.returnValue = '';
    dialog.addEventListener('close', function onClose() {
      dialog.removeEventListener('close', onClose);
      if (dialog.returnValue === 'ok') then();
    });
    dialog.showModal();
  }

  function progress(id, count) {
    var out = document.getElementById('b-progress');
    out.hidden = false;
    out.dataset.bulk = id;
    function poll() {
      P.api('GET', '/api/v1/commands/bulk/' + encodeURIComponent(id)).then(function (res) {
        if (res.status !== 200) return;
        var s = res.body.statuses || {};
        var finished = (s.done || 0) + (s.failed || 0) + (s.expired || 0);
        P.setText(out, T('console.bulk.progress', s.done || 0, count, s.delivered || 0, s.queued || 0, (s.failed || 0) + (s.expired || 0)));
        out.dataset.done = String(s.done || 0);
        if (finished < count) setTimeout(poll, 1000);
      });
    }
    poll();
  }

  bulk.addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError('');
    var body = request();
    if (body.terminals && body.terminals.length === 0) {
      showError(T('console.bulk.none_picked'));
      return;
    }
    var dry = Object.assign({ dry_run: true }, body);
    P.api('POST', '/api/v1/commands/bulk', dry).then(function (res) {
      if (res.status !== 200) {
        showError((res.body && res.body.error) || T('console.bulk.failed', res.status));
        return;
      }
      var n = res.body.count;
      var what = bulk.elements.type.selectedOptions[0].textContent;
      confirm(T('console.bulk.confirm_text', what, n), function () {
        body.confirm_count = n;
        P.api('POST', '/api/v1/commands/bulk', body).then(function (res) {
          if (res.status !== 202) {
            showError((res.body && res.body.error) || T('console.bulk.failed', res.status));
            return;
          }
          progress(res.body.id, res.body.count);
        }, function () { showError(T('console.unreachable')); });
      });
    }, function () { showError(T('console.unreachable')); });
  });

  connect();
})();
