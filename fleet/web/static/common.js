// Shared helpers of the fleet pages: the same formats as the server's
// (fleet/web/format.go), the server clock, and JSON API calls.
'use strict';
(function () {
  var main = document.getElementById('main');
  var serverNow = main && Number(main.dataset.now);
  // Relative times use the server's clock, so a browser whose clock is off
  // still shows "12 s ago" and not "in 3 min".
  var offset = serverNow ? serverNow - Date.now() : 0;

  function now() { return Date.now() + offset; }

  var statusText = {
    online: 'Online', offline: 'Offline', in_session: 'In session', out_of_service: 'Out of service'
  };
  var kindText = { pc: 'PC', screen: 'Info screen' };
  var none = '\u2014';

  function percent(v, known) {
    if (!known || typeof v !== 'number' || !isFinite(v)) return none;
    return Math.round(v) + ' %';
  }

  function uptime(s, known) {
    if (!known) return none;
    var d = 86400, h = 3600, m = 60;
    if (s >= d) return Math.floor(s / d) + ' d ' + Math.floor(s % d / h) + ' h';
    if (s >= h) return Math.floor(s / h) + ' h ' + Math.floor(s % h / m) + ' min';
    if (s >= m) return Math.floor(s / m) + ' min';
    return Math.floor(s) + ' s';
  }

  function ago(ms) {
    if (!ms) return 'never';
    var s = Math.floor((now() - ms) / 1000);
    if (s < 0) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  // time parses an API time; Go's zero time means "never".
  function time(v) {
    if (!v || v.indexOf('0001-') === 0) return 0;
    var t = Date.parse(v);
    return isNaN(t) ? 0 : t;
  }

  function setText(el, s) {
    if (el.textContent !== s) el.textContent = s;
  }

  function loginURL() {
    return '/login?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // api calls the JSON API with the session cookie. It resolves to
  // {status, body, headers}; a lost login sends the page to the login.
  // Every write says it is JSON, also without a body: the fleet refuses
  // cookie writes that are not, which is what no other site's form can send.
  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: {} };
    if (method !== 'GET' && method !== 'HEAD') {
      init.headers['Content-Type'] = 'application/json';
    }
    if (body !== undefined) {
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      if (res.status === 401 && path.indexOf('/api/v1/auth/') !== 0) {
        location.assign(loginURL());
      }
      var ct = res.headers.get('Content-Type') || '';
      var parsed = ct.indexOf('application/json') === 0 ? res.json() : Promise.resolve(null);
      return parsed.then(function (b) { return { status: res.status, body: b, headers: res.headers }; });
    });
  }

  // The page's texts in its language: the server puts the keys a page's
  // script needs into <script type="application/json" id="texts"> (the
  // template's {{texts "prefix."}}). T(key, args...) formats like the
  // server: %s, %d and %v in order, or %[n]s by position; a plural text
  // picks its form by the first number.
  var texts = { lang: document.documentElement.lang || 'en', texts: {} };
  var textsEl = document.getElementById('texts');
  if (textsEl) {
    try { texts = JSON.parse(textsEl.textContent); } catch (e) { /* keep the keys visible */ }
  }
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(texts.lang) : null;

  function T(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    var s = texts.texts[key];
    if (s === undefined) {
      var n = args.filter(function (a) { return typeof a === 'number'; })[0];
      var form = plurals && typeof n === 'number' ? plurals.select(n) : 'other';
      s = texts.texts[key + '#' + form];
      if (s === undefined) s = texts.texts[key + '#other'];
    }
    if (s === undefined) return key;
    var next = 0;
    return s.replace(/%(\[(\d+)\])?([sdv%])/g, function (m, _, pos, verb) {
      if (verb === '%') return '%';
      var i = pos ? Number(pos) - 1 : next++;
      return i < args.length ? String(args[i]) : m;
    });
  }

  // announce tells screen readers of a change on a live page (a terminal's
  // status) through one polite live region, made on first use, that
  // sighted users do not see.
  var live = null;
  function announce(text) {
    if (!live) {
      live = document.createElement('div');
      live.id = 'announcer';
      live.className = 'visually-hidden';
      live.setAttribute('role', 'status');
      live.setAttribute('aria-live', 'polite');
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  window.T = T;
  window.Piste = {
    lang: texts.lang, T: T,
    now: now, percent: percent, uptime: uptime, ago: ago, time: time, setText: setText,
    statusText: function (s) { return statusText[s] || s; },
    kindText: function (k) { return kindText[k] || k; },
    api: api, loginURL: loginURL, announce: announce
  };
})();
