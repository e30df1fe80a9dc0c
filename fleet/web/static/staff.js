// Staff management: add an account, change its role and branches,
// disable or enable it, reset its password. A one-time password is shown
// once, in the page's status line.
'use strict';
(function () {
  var P = window.Piste;
  var table = document.getElementById('staff');
  var form = document.getElementById('staff-add');
  var status = document.getElementById('staff-status');
  if (!form) return;

  function say(text) { status.textContent = text; }
  function failed(res) { say(T('console.staff.failed', (res.body && res.body.error) || ('HTTP ' + res.status))); }

  function checked(scope, selector) {
    return Array.prototype.map.call(scope.querySelectorAll(selector + ':checked'), function (c) { return c.value; });
  }

  // done reloads the list, keeping a one-time password on the page: it
  // is shown once and would be lost with the reload.
  function done(oneTime) {
    if (oneTime) {
      say(T('console.staff.one_time', oneTime.name, oneTime.one_time_password));
      status.className = 'notice one-time';
      return;
    }
    location.reload();
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { name: form.elements.name.value.trim(), role: form.elements.role.value, branches: checked(form, 'input[name=branch]') };
    P.api('POST', '/api/v1/staff', body).then(function (res) {
      if (res.status !== 201) return failed(res);
      done(res.body);
    });
  });

  if (!table) return;
  table.addEventListener('click', function (e) {
    var btn = e.target.closest('button');
    if (!btn) return;
    var row = btn.closest('tr');
    var name = row.dataset.name;
    var base = '/api/v1/staff/' + encodeURIComponent(name);
    if (btn.classList.contains('save')) {
      var body = { role: row.querySelector('select.role').value, branches: checked(row, 'input.branch') };
      P.api('PUT', base + '/access', body).then(function (res) {
        if (res.status !== 204) return failed(res);
        done();
      });
    } else if (btn.classList.contains('enable')) {
      P.api('POST', base + '/enable').then(function (res) {
        if (res.status !== 204) return failed(res);
        done();
      });
    } else if (btn.classList.contains('disable') || btn.classList.contains('reset')) {
      var reset = btn.classList.contains('reset');
      if (btn.dataset.armed !== 'yes') {
        // A second click confirms: the button asks first.
        btn.dataset.armed = 'yes';
        btn.textContent = T(reset ? 'console.staff.confirm_reset' : 'console.staff.confirm_disable', name);
        return;
      }
      P.api('POST', base + (reset ? '/reset-password' : '/disable')).then(function (res) {
        if (res.status !== (reset ? 200 : 204)) return failed(res);
        done(reset ? res.body : null);
      });
    }
  });
})();
