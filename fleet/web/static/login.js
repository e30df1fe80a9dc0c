// The login form posts to the JSON login asking for the cookie flow: the
// session goes into the HttpOnly cookie and never reaches this script. Then
// the page goes on to where the user first asked to go.
'use strict';
(function () {
  var form = document.getElementById('login-form');
  var err = document.getElementById('login-error');
  var submit = document.getElementById('login-submit');

  function show(msg) {
    err.textContent = msg;
    err.hidden = !msg;
  }

  var T = window.T;

  function waitText(secs) {
    if (secs < 90) return T('staff.login.js.seconds', secs);
    return T('staff.login.js.minutes', Math.ceil(secs / 60));
  }

  function blockFor(secs) {
    submit.disabled = true;
    setTimeout(function () { submit.disabled = false; }, secs * 1000);
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = form.elements.name.value.trim();
    var password = form.elements.password.value;
    if (!name || !password) {
      show(T('staff.login.js.missing'));
      (name ? form.elements.password : form.elements.name).focus();
      return;
    }
    show('');
    submit.disabled = true;
    window.Piste.api('POST', '/api/v1/auth/login', { name: name, password: password, cookie: true }).then(function (res) {
      submit.disabled = false;
      if (res.status === 200) {
        location.assign(form.dataset.next || '/');
        return;
      }
      if (res.status === 401) {
        show(T('staff.login.js.wrong'));
        form.elements.password.select();
        return;
      }
      if (res.status === 429) {
        var secs = parseInt(res.headers.get('Retry-After'), 10) || 60;
        show(T('staff.login.js.too_many', waitText(secs)));
        blockFor(secs);
        return;
      }
      show((res.body && res.body.error) || T('staff.login.js.failed', res.status));
    }, function () {
      submit.disabled = false;
      show(T('staff.login.js.unreachable'));
    });
  });
})();
