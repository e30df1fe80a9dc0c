// The power page: set one date's opening hours for a branch, or wake a
// branch's PCs now.
'use strict';
(function () {
  var P = window.Piste;
  var form = document.getElementById('day-hours');
  var status = document.getElementById('power-status');
  if (!form) return;

  function failed(res) {
    status.textContent = T('console.power.failed', (res.body && res.body.error) || ('HTTP ' + res.status));
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var branch = form.elements.branch.value;
    var path = '/api/v1/branches/' + encodeURIComponent(branch) + '/hours/' + encodeURIComponent(form.elements.date.value);
    P.api('PUT', path, { hours: form.elements.hours.value.trim(), note: form.elements.note.value.trim() }).then(function (res) {
      if (res.status !== 200) return failed(res);
      location.reload();
    });
  });

  document.querySelectorAll('#schedules button.wake').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var branch = btn.closest('tr').dataset.branch;
      btn.disabled = true;
      P.api('POST', '/api/v1/branches/' + encodeURIComponent(branch) + '/wake').then(function (res) {
        btn.disabled = false;
        if (res.status !== 202) return failed(res);
        status.textContent = res.body.targets.length
          ? T('console.power.woken', res.body.relay, res.body.targets.length)
          : T('console.power.none_asleep');
      });
    });
  });
})();
