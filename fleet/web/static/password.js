// Choosing a new password, also the one page a member with a reset
// password reaches.
'use strict';
(function () {
  var P = window.Piste;
  var form = document.getElementById('password-form');
  var status = document.getElementById('password-status');
  if (!form) return;
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var current = document.getElementById('pw-current').value;
    var next = document.getElementById('pw-new').value;
    if (next !== document.getElementById('pw-again').value) {
      status.textContent = T('console.password.mismatch');
      return;
    }
    P.api('POST', '/api/v1/auth/password', { current: current, new: next }).then(function (res) {
      if (res.status !== 204) {
        status.textContent = T('console.password.failed', (res.body && res.body.error) || ('HTTP ' + res.status));
        return;
      }
      status.textContent = T('console.password.done');
      location.assign('/');
    });
  });
})();
