// The volunteers' help queue: live over a WebSocket, with a sound and a
// browser notification for every new request. Everything a visitor or a
// volunteer wrote is set as text, never as HTML.
'use strict';
(function () {
  var P = window.Piste, T = P.T;
  var cfg = JSON.parse(document.getElementById('help-config').textContent);
  var queue = document.getElementById('queue');
  var empty = document.getElementById('queue-empty');
  var count = document.getElementById('queue-count');
  var liveState = document.getElementById('live-state');
  var dutyState = document.getElementById('duty-state');
  var dutyButton = document.getElementById('duty');
  var nameInput = document.getElementById('display-name');
  var pageError = document.getElementById('help-error');
  var tpl = document.getElementById('request-template');

  var items = {};      // id -> request as the server last sent it
  var rows = {};       // id -> <li>
  var known = {};      // ids seen, so only new requests ring
  var loaded = false;  // the first full queue is not "new"
  var duty = { on: false, branches: [], display_name: '' };
  var audio = null;

  function topicText(id) { var k = 'help.topic.' + id, s = T(k); return s === k ? id : s; }
  function langText(id) { var k = 'help.lang.' + id, s = T(k); return s === k ? id : s; }

  function duration(secs) {
    secs = Math.max(0, Math.floor(secs));
    return secs < 60 ? T('help.seconds', secs) : T('help.minutes', Math.floor(secs / 60));
  }

  function option(sel, value, label) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    sel.appendChild(o);
  }

  function fillTopics(sel, selected) {
    sel.textContent = '';
    cfg.topics.forEach(function (t) { option(sel, t, topicText(t)); });
    if (selected) sel.value = selected;
  }

  function showError(el, res) {
    var msg = res && res.body && res.body.error ? res.body.error : String(res && res.status || res);
    el.textContent = T('help.error', msg);
    el.hidden = false;
  }

  // ---- alerts: a sound and a notification for a new request ----

  function unlockAudio() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }

  function ring() {
    if (!audio) return;
    try {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound device: the notification still shows */ }
  }

  function alertNew(it) {
    queue.dataset.alerts = String(Number(queue.dataset.alerts || 0) + 1);
    ring();
    if (window.Notification && Notification.permission === 'granted') {
      try {
        new Notification(T('help.notify.title'), {
          body: T('help.notify.body', topicText(it.topic), it.terminal || T('help.walkin.label')), tag: it.id
        });
      } catch (e) { /* some browsers allow notifications only from a service worker */ }
    }
  }

  // ---- one request ----

  function build(id) {
    var li = tpl.content.firstElementChild.cloneNode(true);
    li.dataset.id = id;
    li.querySelector('.req-claim').textContent = T('help.req.claim');
    li.querySelector('.req-release').textContent = T('help.req.release');
    var say = li.querySelector('.req-say');
    var sayText = say.querySelector('.req-say-text');
    sayText.id = 'say-' + id;
    sayText.maxLength = cfg.max_text;
    var sayLabel = say.querySelector('label');
    sayLabel.htmlFor = sayText.id;
    sayLabel.textContent = T('help.req.say_label');
    sayText.placeholder = T('help.req.say_label');
    say.querySelector('.req-say-send').textContent = T('help.req.send');
    var outcome = li.querySelector('.req-outcome');
    outcome.id = 'outcome-' + id;
    li.querySelector('.req-outcome-label').htmlFor = outcome.id;
    li.querySelector('.req-outcome-label').textContent = T('help.req.outcome');
    cfg.outcomes.forEach(function (o) { option(outcome, o, T('help.outcome.' + o)); });
    var final = li.querySelector('.req-final-topic');
    final.id = 'final-' + id;
    li.querySelector('.req-final-label').htmlFor = final.id;
    li.querySelector('.req-final-label').textContent = T('help.req.final_topic');
    li.querySelector('.req-resolve-send').textContent = T('help.req.resolve');

    li.querySelector('.req-claim').addEventListener('click', function () { act(id, 'claim'); });
    li.querySelector('.req-release').addEventListener('click', function () { act(id, 'release'); });
    say.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = sayText.value.trim();
      if (!text) return;
      act(id, 'messages', { text: text }).then(function (ok) { if (ok) sayText.value = ''; });
    });
    li.querySelector('.req-resolve').addEventListener('submit', function (e) {
      e.preventDefault();
      act(id, 'resolve', { outcome: outcome.value, topic: final.value });
    });
    return li;
  }

  function render(it) {
    var li = rows[it.id];
    if (!li) {
      li = build(it.id);
      rows[it.id] = li;
      fillTopics(li.querySelector('.req-final-topic'), it.topic);
    }
    li.className = 'help-request status-' + it.status + (it.mine ? ' mine' : '');
    var where = it.terminal || T('help.walkin.label');
    if (cfg.branches.length !== 1) where += ' · ' + it.branch;
    P.setText(li.querySelector('.req-where'), where);
    P.setText(li.querySelector('.req-status'), T('help.status.' + it.status));
    P.setText(li.querySelector('.req-topic'), topicText(it.topic));
    P.setText(li.querySelector('.req-lang'), langText(it.language));
    var note = li.querySelector('.req-note');
    P.setText(note, it.note || '');
    note.hidden = !it.note;
    var who = li.querySelector('.req-who');
    P.setText(who, it.status === 'claimed' ? (it.mine ? T('help.req.mine') : T('help.req.claimed_by', it.volunteer)) : '');
    who.hidden = it.status !== 'claimed';
    li.querySelector('.req-claim').hidden = it.status !== 'open';
    li.querySelector('.req-release').hidden = !(it.mine || cfg.release_any && it.status === 'claimed');
    li.querySelector('.req-chat').hidden = !it.mine;
    var ol = li.querySelector('.req-messages');
    if (ol.childElementCount !== it.messages.length) {
      ol.textContent = '';
      it.messages.forEach(function (m) {
        var item = document.createElement('li');
        item.className = 'msg from-' + m.from;
        var from = document.createElement('span');
        from.className = 'msg-from';
        from.textContent = m.from === 'visitor' ? T('help.req.from_visitor') : T('help.req.from_you');
        var text = document.createElement('span');
        text.className = 'msg-text';
        text.textContent = m.text;
        item.appendChild(from);
        item.appendChild(text);
        ol.appendChild(item);
      });
    }
    tickOne(it, li);
    return li;
  }

  function tickOne(it, li) {
    var created = P.time(it.created_at);
    var wait = it.status === 'open' ? (P.now() - created) / 1000 : it.wait_seconds;
    P.setText(li.querySelector('.req-wait'), T(it.status === 'open' ? 'help.req.waiting' : 'help.req.waited', duration(wait)));
  }

  function live(it) { return it.status === 'open' || it.status === 'claimed'; }

  // upsert shows a request, or drops it once it is closed.
  function upsert(it) {
    if (!live(it)) {
      if (rows[it.id]) rows[it.id].remove();
      delete rows[it.id];
      delete items[it.id];
      return;
    }
    var isNew = !known[it.id];
    known[it.id] = true;
    items[it.id] = it;
    render(it);
    if (isNew && loaded && it.status === 'open') alertNew(it);
  }

  // order puts mine first, then the waiting oldest first, then the rest.
  function order() {
    var list = Object.keys(items).map(function (id) { return items[id]; });
    list.sort(function (a, b) {
      var ra = a.mine ? 0 : a.status === 'open' ? 1 : 2, rb = b.mine ? 0 : b.status === 'open' ? 1 : 2;
      return ra - rb || P.time(a.created_at) - P.time(b.created_at);
    });
    list.forEach(function (it) { queue.appendChild(rows[it.id]); });
    var waiting = list.filter(function (it) { return it.status === 'open'; }).length;
    P.setText(count, waiting ? T('help.queue.count', waiting) : '');
    empty.hidden = list.length > 0;
  }

  function act(id, what, body) {
    var li = rows[id];
    var err = li && li.querySelector('.req-error');
    if (err) err.hidden = true;
    return P.api('POST', '/api/v1/help-requests/' + encodeURIComponent(id) + '/' + what, body || {}).then(function (res) {
      if (res.status >= 400) {
        if (err) showError(err, res);
        return false;
      }
      // The change comes back over the live socket, in order with every
      // other change; showing this answer too could show an older state
      // after a newer one (a reply that arrived meanwhile).
      return true;
    });
  }

  // ---- duty ----

  function showDuty() {
    P.setText(dutyButton, duty.on ? T('help.duty.off') : T('help.duty.on'));
    dutyButton.setAttribute('aria-pressed', duty.on ? 'true' : 'false');
    P.setText(dutyState, duty.on ? T('help.duty.is_on', duty.display_name, duty.branches.join(', ')) : T('help.duty.is_off'));
    dutyState.className = 'duty-state ' + (duty.on ? 'on' : 'off');
    if (duty.on && !nameInput.value) nameInput.value = duty.display_name;
  }

  dutyButton.addEventListener('click', function () {
    unlockAudio(); // a click is what lets a page play sound
    if (window.Notification && Notification.permission === 'default') {
      try { Notification.requestPermission(); } catch (e) { /* old browsers */ }
    }
    P.api('PUT', '/api/v1/help/duty', { on: !duty.on, display_name: nameInput.value.trim() }).then(function (res) {
      if (res.status >= 400) { showError(pageError, res); return; }
      pageError.hidden = true;
      duty = res.body;
      showDuty();
    });
  });
  document.addEventListener('click', unlockAudio, { once: true });

  // ---- walk-ins ----

  var wBranch = document.getElementById('walkin-branch');
  cfg.branches.forEach(function (b) { option(wBranch, b, b); });
  wBranch.hidden = document.getElementById('walkin-branch-label').hidden = cfg.branches.length < 2;
  fillTopics(document.getElementById('walkin-topic'));
  var wLang = document.getElementById('walkin-language');
  cfg.languages.forEach(function (l) { option(wLang, l, langText(l)); });
  wLang.value = P.lang;
  document.getElementById('walkin-note').maxLength = cfg.max_note;
  document.getElementById('walkin').addEventListener('submit', function (e) {
    e.preventDefault();
    var result = document.getElementById('walkin-result');
    var body = {
      branch: wBranch.value, topic: document.getElementById('walkin-topic').value, language: wLang.value,
      note: document.getElementById('walkin-note').value, claim: document.getElementById('walkin-claim').checked
    };
    P.api('POST', '/api/v1/help-requests', body).then(function (res) {
      if (res.status >= 400) { showError(result, res); result.hidden = false; return; }
      known[res.body.id] = true; // one's own walk-in does not ring
      upsert(res.body);
      order();
      document.getElementById('walkin-note').value = '';
      P.setText(result, T('help.walkin.done'));
    });
  });

  // ---- the live queue ----

  var retry = 500;
  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/help/live');
    ws.onopen = function () {
      retry = 500;
      P.setText(liveState, T('help.live.connected'));
      liveState.className = 'live-state muted';
    };
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === 'full') {
        var seen = {};
        (msg.requests || []).forEach(function (it) { seen[it.id] = true; upsert(it); });
        Object.keys(items).forEach(function (id) {
          if (!seen[id]) upsert({ id: id, status: 'cancelled' });
        });
        if (msg.duty) { duty = msg.duty; showDuty(); }
        loaded = true;
      } else if (msg.type === 'request' && msg.request) {
        upsert(msg.request);
      }
      order();
      document.body.dataset.liveFrames = String(Number(document.body.dataset.liveFrames || 0) + 1);
    };
    ws.onclose = function (ev) {
      if (ev.code === 1008 || ev.code === 4001) { location.assign(P.loginURL()); return; }
      P.setText(liveState, T('help.live.reconnecting'));
      liveState.className = 'live-state warn';
      // A socket refused for a lapsed login closes like a lost one; an API
      // call tells them apart and sends a logged-out page to the login.
      P.api('GET', '/api/v1/help/duty').catch(function () { /* the fleet is away: retry */ });
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  setInterval(function () {
    Object.keys(items).forEach(function (id) { tickOne(items[id], rows[id]); });
  }, 1000);
  showDuty();
  connect();
})();
