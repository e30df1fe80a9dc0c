// The policy editor: preview a layer's changes with the validator's
// problems shown at their lines, apply it, and roll back to an earlier
// version after a confirmation step.
'use strict';
(function () {
  var P = window.Piste;
  var root = document.getElementById('policy-editor');
  if (!root) return;
  var scope = root.dataset.scope;
  var base = '/api/v1/policies/' + encodeURIComponent(scope);
  var yaml = document.getElementById('yaml');
  var applyBtn = document.getElementById('apply');
  var status = document.getElementById('policy-status');
  var lines = document.getElementById('policy-lines');
  var diff = document.getElementById('policy-diff');
  var diffList = document.getElementById('policy-diff-list');
  var previewed = null; // the text the last clean preview was of

  function say(text) { status.textContent = text; }

  function errorText(res) {
    return (res.body && res.body.error) || ('HTTP ' + res.status);
  }

  // showLines lists the YAML line by line, each problem under its line;
  // problems of no line (rules between keys) come first.
  function showLines(text, problems) {
    lines.textContent = '';
    var byLine = {};
    var general = [];
    problems.forEach(function (p) {
      if (p.line > 0) (byLine[p.line] = byLine[p.line] || []).push(p);
      else general.push(p);
    });
    general.forEach(function (p) {
      var li = document.createElement('li');
      li.className = 'has-problem general';
      li.value = 0;
      var msg = document.createElement('p');
      msg.className = 'problem';
      msg.textContent = p.message;
      li.appendChild(msg);
      lines.appendChild(li);
    });
    var all = text.split('\n');
    if (all.length > 1 && all[all.length - 1] === '') all.pop(); // the final newline ends the last line
    all.forEach(function (line, i) {
      var n = i + 1;
      var li = document.createElement('li');
      li.value = n;
      li.id = 'line-' + n;
      li.dataset.line = n;
      var code = document.createElement('code');
      code.textContent = line;
      li.appendChild(code);
      (byLine[n] || []).forEach(function (p) {
        li.className = 'has-problem';
        var msg = document.createElement('p');
        msg.className = 'problem';
        msg.setAttribute('role', 'note');
        msg.textContent = T('console.policy.line', n) + ': ' + p.message;
        li.appendChild(msg);
      });
      lines.appendChild(li);
    });
    lines.hidden = problems.length === 0;
  }

  function showDiff(text) {
    diffList.textContent = '';
    text.split('; ').forEach(function (part) {
      var li = document.createElement('li');
      li.textContent = part;
      diffList.appendChild(li);
    });
    diff.hidden = false;
  }

  function preview() {
    var text = yaml.value;
    applyBtn.disabled = true;
    previewed = null;
    say('');
    return P.api('POST', base + '/preview', { yaml: text }).then(function (res) {
      if (res.status !== 200) {
        say(T('console.policy.failed', errorText(res)));
        return;
      }
      var problems = res.body.problems || [];
      showLines(text, problems);
      showDiff(res.body.diff);
      if (problems.length) {
        say(T('console.policy.has_problems', problems.length));
        return;
      }
      say(T('console.policy.no_problems'));
      previewed = text;
      applyBtn.disabled = false;
    });
  }

  function apply() {
    if (previewed === null || previewed !== yaml.value) return preview();
    applyBtn.disabled = true;
    return P.api('PUT', base, { yaml: previewed }).then(function (res) {
      if (res.status !== 200) {
        say(T('console.policy.failed', errorText(res)));
        return;
      }
      say(T('console.policy.applied'));
      location.reload();
    });
  }

  yaml.addEventListener('input', function () {
    applyBtn.disabled = true;
    previewed = null;
  });
  document.getElementById('preview').addEventListener('click', preview);
  applyBtn.addEventListener('click', apply);

  // Rolling back asks once more, in the page: the button becomes a
  // question with "yes" and "no".
  document.querySelectorAll('button.rollback').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var version = Number(btn.dataset.version);
      var cell = btn.parentNode;
      var ask = document.createElement('span');
      ask.className = 'confirm';
      ask.textContent = T('console.policy.rollback_confirm', scope, version) + ' ';
      var yes = document.createElement('button');
      yes.type = 'button';
      yes.className = 'btn-small btn-danger confirm-yes';
      yes.textContent = T('console.policy.rollback', version);
      var no = document.createElement('button');
      no.type = 'button';
      no.className = 'btn-quiet btn-small confirm-no';
      no.textContent = '\u00d7';
      no.setAttribute('aria-label', 'cancel');
      ask.appendChild(yes);
      ask.appendChild(no);
      btn.hidden = true;
      cell.appendChild(ask);
      yes.focus();
      no.addEventListener('click', function () { cell.removeChild(ask); btn.hidden = false; btn.focus(); });
      yes.addEventListener('click', function () {
        yes.disabled = true;
        P.api('POST', base + '/rollback', { version: version }).then(function (res) {
          if (res.status !== 200) {
            say(T('console.policy.failed', errorText(res)));
            yes.disabled = false;
            return;
          }
          say(T('console.policy.rolled_back', version, res.body.version));
          location.reload();
        });
      });
    });
  });
})();
