// The terminal page: a 24-hour health chart drawn as SVG, fields that
// refresh by themselves, the command form with each command's progress,
// and revoking with a confirmation step.
'use strict';
(function () {
  var P = window.Piste;
  var T = P.T;

  // agoT says how long ago a time was, in the page's language.
  function agoT(ms) {
    if (!ms) return T('console.ago.never');
    var s = Math.floor((P.now() - ms) / 1000);
    if (s < 0) return T('console.ago.now');
    if (s < 60) return T('console.ago.s', s);
    if (s < 3600) return T('console.ago.min', Math.floor(s / 60));
    if (s < 86400) return T('console.ago.h', Math.floor(s / 3600));
    return T('console.ago.d', Math.floor(s / 86400));
  }
  var root = document.getElementById('terminal');
  if (!root) return;
  var id = root.dataset.id;
  var base = '/api/v1/terminals/' + encodeURIComponent(id);
  var SVG = 'http://www.w3.org/2000/svg';
  var DAY = 24 * 3600 * 1000;

  // ---- chart ----

  var series = [
    { key: 'cpu_percent', cls: 'cpu', name: 'CPU' },
    { key: 'mem_used_percent', cls: 'mem', name: 'memory' },
    { key: 'disk_used_percent', cls: 'disk', name: 'disk' }
  ];

  function el(name, attrs, text) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // bucket keeps at most one point (the highest) per horizontal pixel
  // column, so a day of frequent reports stays a light drawing.
  function bucket(samples, x) {
    var out = [], last = -1;
    samples.forEach(function (s) {
      var px = Math.round(x(s.t));
      if (px !== last) {
        out.push({ t: s.t, px: px, v: s.v.slice() });
        last = px;
        return;
      }
      var o = out[out.length - 1];
      for (var i = 0; i < o.v.length; i++) o.v[i] = Math.max(o.v[i], s.v[i]);
    });
    return out;
  }

  // segments splits points where reports stopped for a while, so an
  // offline night is a gap in the line and not a straight ramp.
  function segments(points) {
    var gaps = [];
    for (var i = 1; i < points.length; i++) gaps.push(points[i].t - points[i - 1].t);
    var sorted = gaps.slice().sort(function (a, b) { return a - b; });
    var median = sorted.length ? sorted[sorted.length >> 1] : 0;
    var limit = Math.max(3 * median, 10 * 60 * 1000);
    var out = [[]];
    points.forEach(function (p, i) {
      if (i > 0 && gaps[i - 1] > limit) out.push([]);
      out[out.length - 1].push(p);
    });
    return out;
  }

  function describe(samples) {
    var last = samples[samples.length - 1].v;
    var peak = Math.max.apply(null, samples.map(function (s) { return s.v[0]; }));
    return T('console.terminal.chart_desc', samples.length, Math.round(last[0]), Math.round(last[1]),
      Math.round(last[2]), Math.round(peak));
  }

  // ticks labels the time axis at whole local hours divisible by six,
  // and "now" at the right end.
  function ticks(start, end) {
    var out = [], d = new Date(start);
    d.setMinutes(0, 0, 0);
    do d.setHours(d.getHours() + 1); while (d.getHours() % 6 !== 0);
    for (; d.getTime() < end - 90 * 60 * 1000; d.setHours(d.getHours() + 6)) {
      out.push({ t: d.getTime(), anchor: 'middle', label: String(d.getHours()).padStart(2, '0') + ':00' });
    }
    out.push({ t: end, anchor: 'end', label: T('console.terminal.now') });
    return out;
  }

  function draw(list) {
    var fig = document.getElementById('chart');
    var end = P.now(), start = end - DAY;
    var samples = list.map(function (s) {
      return { t: P.time(s.at), v: series.map(function (k) { return s[k.key] || 0; }) };
    }).filter(function (s) { return s.t >= start; });
    fig.textContent = '';
    if (!samples.length) {
      fig.appendChild(document.createElement('p')).textContent = T('console.terminal.no_health');
      fig.firstChild.className = 'chart-msg';
      return;
    }
    // Drawn at the figure's own pixel width, so labels keep their size
    // on a phone instead of shrinking with a scaled drawing.
    var W = Math.max(fig.clientWidth || 640, 280), H = 220, L = 44, R = 12, TOP = 10, B = 28;
    var x = function (t) { return L + (t - start) / DAY * (W - L - R); };
    var y = function (v) { return TOP + (1 - Math.min(Math.max(v, 0), 100) / 100) * (H - TOP - B); };
    var svg = el('svg', {
      viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'chart-title chart-desc',
      'data-samples': String(samples.length)
    });
    svg.appendChild(el('title', { id: 'chart-title' }, T('console.terminal.chart_title')));
    svg.appendChild(el('desc', { id: 'chart-desc' }, describe(samples)));
    [0, 25, 50, 75, 100].forEach(function (v) {
      svg.appendChild(el('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      svg.appendChild(el('text', { class: 'axis', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, v + ' %'));
    });
    ticks(start, end).forEach(function (tk) {
      svg.appendChild(el('text', { class: 'axis', x: x(tk.t), y: H - 8, 'text-anchor': tk.anchor }, tk.label));
    });
    var points = bucket(samples, x);
    segments(points).forEach(function (seg) {
      series.forEach(function (s, i) {
        if (seg.length === 1) {
          svg.appendChild(el('circle', { class: 'dot-' + s.cls, cx: seg[0].px, cy: y(seg[0].v[i]), r: 2.5 }));
          return;
        }
        var pts = seg.map(function (p) { return p.px + ',' + y(p.v[i]).toFixed(1); }).join(' ');
        svg.appendChild(el('polyline', { class: 'line line-' + s.cls, points: pts }));
      });
    });
    fig.appendChild(svg);
  }

  var history = null;

  function loadChart() {
    P.api('GET', base + '/health').then(function (res) {
      if (res.status !== 200) return;
      history = res.body || [];
      draw(history);
    });
  }

  var resizeTimer;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (history) draw(history); }, 150);
  });

  // ---- fields ----

  function field(name) { return root.querySelector('[data-field="' + name + '"]'); }

  function refresh() {
    P.api('GET', base).then(function (res) {
      if (res.status !== 200) return;
      var t = res.body, h = t.health || {}, known = P.time(h.at) > 0;
      var badge = document.getElementById('d-badge');
      badge.className = 'badge st-' + t.status;
      P.setText(badge, T('console.status.' + t.status));
      P.setText(field('status'), T('console.status.' + t.status));
      P.setText(field('state'), t.state + (t.state_reason ? ' (' + t.state_reason + ')' : ''));
      P.setText(field('cpu'), P.percent(h.cpu_percent, known));
      P.setText(field('mem'), P.percent(h.mem_used_percent, known));
      P.setText(field('disk'), P.percent(h.disk_used_percent, known));
      P.setText(field('uptime'), P.uptime(h.uptime_seconds, known));
      P.setText(field('agent'), t.agent_version || '');
      field('seen').dataset.seen = String(P.time(t.last_seen));
      tickSeen();
    });
  }

  function tickSeen() {
    var f = field('seen');
    P.setText(f, agoT(Number(f.dataset.seen)));
  }

  // ---- confirmation ----

  var dialog = document.getElementById('confirm');

  // confirm asks in a modal dialog (keyboard and screen-reader friendly,
  // and allowed by the page's Content-Security-Policy, unlike inline code).
  function confirm(title, text, ok, then) {
    P.setText(document.getElementById('confirm-title'), title);
    P.setText(document.getElementById('confirm-text'), text);
    P.setText(document.getElementById('confirm-ok'), ok);
    dialog.returnValue = '';
    dialog.addEventListener('close', function onClose() {
      dialog.removeEventListener('close', onClose);
      if (dialog.returnValue === 'ok') then();
    });
    dialog.showModal();
  }

  // ---- commands ----

  var form = document.getElementById('command-form');
  var FINAL = { done: true, failed: true, expired: true };
  var statusWords = {
    queued: T('console.cmdstatus.queued'),
    delivered: T('console.cmdstatus.delivered'),
    done: T('console.cmdstatus.done'),
    failed: T('console.cmdstatus.failed'),
    expired: T('console.cmdstatus.expired')
  };

  function showFieldError(name, msg) {
    var input = form.elements[name];
    var err = document.getElementById('c-' + name + '-err');
    if (input) input.setAttribute('aria-invalid', msg ? 'true' : 'false');
    if (err) {
      err.textContent = msg;
      err.hidden = !msg;
    }
  }

  function showFormError(msg) {
    var err = document.getElementById('c-error');
    err.textContent = msg;
    err.hidden = !msg;
  }

  function track(cmd, label) {
    document.getElementById('commands-none').hidden = true;
    var li = document.createElement('li');
    li.dataset.command = cmd.id;
    var what = li.appendChild(document.createElement('span'));
    what.className = 'cmd-what';
    what.textContent = label;
    var state = li.appendChild(document.createElement('span'));
    state.className = 'cmd-status';
    document.getElementById('commands').prepend(li);
    var wait = 500;
    function show(c) {
      state.dataset.status = c.status;
      P.setText(state, statusWords[c.status] + (c.error ? ': ' + c.error : ''));
    }
    function poll() {
      P.api('GET', '/api/v1/commands/' + encodeURIComponent(cmd.id)).then(function (res) {
        if (res.status === 200) show(res.body);
        if (res.status === 200 && FINAL[res.body.status]) return;
        wait = Math.min(wait * 1.5, 5000);
        setTimeout(poll, wait);
      }, function () { setTimeout(poll, 5000); });
    }
    show(cmd);
    setTimeout(poll, wait);
  }

  function send() {
    var type = form.elements.type.value;
    var body = { type: type, text: type === 'message' ? form.elements.text.value.trim() : '', ttl: form.elements.ttl.value.trim() };
    var opt = form.elements.type.selectedOptions[0];
    P.api('POST', base + '/commands', body).then(function (res) {
      if (res.status === 202) {
        track(res.body, opt.textContent + (body.text ? ': \u201c' + body.text + '\u201d' : ''));
        form.elements.text.value = '';
        return;
      }
      var b = res.body || {};
      if (b.field === 'text' || b.field === 'ttl') showFieldError(b.field, b.error);
      else showFormError(b.error || T('console.terminal.send_failed', res.status));
    }, function () { showFormError(T('console.unreachable')); });
  }

  function syncType() {
    document.getElementById('c-text-field').hidden = form.elements.type.value !== 'message';
  }

  if (form) {
    form.elements.type.addEventListener('change', syncType);
    syncType();
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      showFieldError('text', '');
      showFieldError('ttl', '');
      showFormError('');
      var opt = form.elements.type.selectedOptions[0];
      if (form.elements.type.value === 'message' && !form.elements.text.value.trim()) {
        showFieldError('text', T('console.terminal.need_text'));
        form.elements.text.focus();
        return;
      }
      if (opt.dataset.confirm) {
        confirm(opt.textContent + '?', T('console.terminal.interrupts'), opt.textContent, send);
        return;
      }
      send();
    });
  }

  // ---- revoke ----

  var revoke = document.getElementById('revoke');
  if (revoke) {
    revoke.addEventListener('click', function () {
      var name = document.querySelector('h1').textContent;
      confirm(T('console.terminal.revoke_q', name), T('console.terminal.revoke_text'),
        T('console.terminal.revoke'), function () {
          P.api('POST', base + '/revoke').then(function (res) {
            if (res.status === 204) {
              location.assign('/?revoked=' + encodeURIComponent(id));
              return;
            }
            var err = document.getElementById('revoke-error');
            err.textContent = (res.body && res.body.error) || T('console.terminal.revoke_failed', res.status);
            err.hidden = false;
          });
        });
    });
  }

  loadChart();
  setInterval(refresh, 5000);
  setInterval(loadChart, 60000);
  setInterval(tickSeen, 5000);
})();
