// The content editor's page: its forms call the JSON API and the page
// reloads to show the result. Uploads post as a plain form (no script needed).
'use strict';
(function () {
  var T = Piste.T;
  var result = document.getElementById('result');

  function say(text, bad) {
    result.hidden = false;
    result.textContent = text;
    result.className = bad ? 'notice warn' : 'notice';
  }

  function done(okText) {
    return function (res) {
      if (res.status >= 200 && res.status < 300) {
        say(okText);
        setTimeout(function () { location.reload(); }, 400);
        return;
      }
      say((res.body && res.body.error) || T('signage.failed', res.status), true);
    };
  }

  function checked(form, name) {
    return Array.prototype.filter.call(form.querySelectorAll('input[name="' + name + '"]'), function (el) {
      return el.checked;
    }).map(function (el) { return el.value; });
  }

  function list(s) {
    return s.split(',').map(function (x) { return x.trim(); }).filter(Boolean);
  }

  // Contrast as WCAG 2 computes it, shown while colours are chosen; the
  // fleet checks it again and refuses below 4.5:1.
  function lum(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  var slide = document.getElementById('slide-form');
  var fg = document.getElementById('s-fg'), bg = document.getElementById('s-bg');
  var shown = document.getElementById('contrast');
  bg.value = '#003a70';
  fg.value = '#ffffff';
  function showContrast() {
    var r = contrast(fg.value, bg.value);
    shown.textContent = T(r >= 4.5 ? 'signage.slide.contrast_ok' : 'signage.slide.contrast_low', r.toFixed(2));
    shown.className = r >= 4.5 ? 'contrast' : 'contrast field-error';
  }
  fg.addEventListener('change', showContrast);
  bg.addEventListener('change', showContrast);
  showContrast();

  slide.addEventListener('submit', function (e) {
    e.preventDefault();
    var kind = slide.kind.value;
    var body = { kind: 'text', title: slide.title.value, body: slide.body.value, lang: slide.lang.value, fg: fg.value, bg: bg.value };
    if (kind !== 'text') body = { kind: 'live', live: kind, title: slide.title.value || kind, lang: slide.lang.value };
    Piste.api('POST', '/api/v1/content', body).then(done(T('signage.saved')));
  });

  document.getElementById('playlist-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var items = Array.prototype.filter.call(document.querySelectorAll('input.secs'), function (el) {
      return Number(el.value) > 0;
    }).map(function (el) { return { content_id: el.dataset.content, seconds: Number(el.value) }; });
    Piste.api('POST', '/api/v1/playlists', { name: e.target.name.value, items: items }).then(done(T('signage.saved')));
  });

  var sched = document.getElementById('schedule-form');
  sched.addEventListener('submit', function (e) {
    e.preventDefault();
    var body = {
      playlist_id: sched.playlist.value,
      targets: { branches: checked(sched, 'branch'), tags: list(sched.tags.value), terminals: list(sched.terminals.value) },
      weekdays: checked(sched, 'weekday').map(Number),
      from: sched.from.value, to: sched.to.value === '00:00' ? '24:00' : sched.to.value,
      start_date: sched.start.value, end_date: sched.end.value,
      priority: Number(sched.priority.value), draft: sched.draft.checked
    };
    Piste.api('POST', '/api/v1/schedules', body).then(done(T('signage.saved')));
  });

  var notice = document.getElementById('notice-form');
  notice.addEventListener('submit', function (e) {
    e.preventDefault();
    var expires = new Date(Piste.now() + Number(notice.minutes.value) * 60000).toISOString();
    Piste.api('POST', '/api/v1/notices', { text: notice.text.value, targets: { branches: checked(notice, 'branch') }, expires_at: expires })
      .then(done(T('signage.notice.sent')));
  });

  document.addEventListener('click', function (e) {
    var id = e.target.dataset && (e.target.dataset.publish || e.target.dataset.withdraw);
    if (!id) return;
    if (e.target.dataset.publish) {
      Piste.api('POST', '/api/v1/schedules/' + encodeURIComponent(id) + '/publish').then(done(T('signage.schedule.done')));
    } else {
      Piste.api('DELETE', '/api/v1/notices/' + encodeURIComponent(id)).then(done(T('signage.notice.withdrawn')));
    }
  });
})();
