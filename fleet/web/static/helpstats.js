// The coordinators' digital-support figures: totals and bar charts drawn
// as SVG from the statistics API, with links to the anonymous exports.
'use strict';
(function () {
  var P = window.Piste, T = P.T;
  var SVG = 'http://www.w3.org/2000/svg';
  var from = document.getElementById('from'), to = document.getElementById('to');
  var errorEl = document.getElementById('stats-error');

  function label(prefix, id) { var k = prefix + id, s = T(k); return s === k ? id : s; }

  function duration(secs) {
    return secs < 60 ? T('help.seconds', secs) : T('help.minutes', Math.round(secs / 60));
  }

  function el(name, attrs, text) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // bars draws a horizontal bar chart of [label, value] pairs.
  function bars(container, pairs) {
    container.textContent = '';
    if (!pairs.length) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = T('help.stats.none');
      container.appendChild(p);
      return;
    }
    var max = Math.max.apply(null, pairs.map(function (p) { return p[1]; })) || 1;
    var row = 28, width = 480, labelW = 190;
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + row * pairs.length, role: 'img', class: 'bars' });
    pairs.forEach(function (p, i) {
      var y = i * row;
      var w = Math.max(1, (width - labelW - 50) * p[1] / max);
      svg.appendChild(el('text', { x: labelW - 8, y: y + 18, 'text-anchor': 'end', class: 'bar-label' }, p[0]));
      var r = el('rect', { x: labelW, y: y + 5, width: w, height: row - 10, class: 'bar' });
      r.appendChild(el('title', {}, p[0] + ': ' + p[1]));
      svg.appendChild(r);
      svg.appendChild(el('text', { x: labelW + w + 6, y: y + 18, class: 'bar-value' }, String(p[1])));
    });
    container.appendChild(svg);
  }

  // days draws requests and people helped per day as paired columns.
  function days(container, rows) {
    container.textContent = '';
    var byDay = {};
    rows.forEach(function (r) {
      var d = byDay[r.day] || (byDay[r.day] = { requests: 0, helped: 0 });
      d.requests += r.requests;
      d.helped += r.helped;
    });
    var keys = Object.keys(byDay).sort();
    if (!keys.length) { bars(container, []); return; }
    var max = Math.max.apply(null, keys.map(function (k) { return byDay[k].requests; })) || 1;
    var col = 28, h = 160, width = Math.max(300, keys.length * col + 40);
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + (h + 40), role: 'img', class: 'columns' });
    keys.forEach(function (k, i) {
      var x = 20 + i * col, d = byDay[k];
      var rh = h * d.requests / max, hh = h * d.helped / max;
      var r1 = el('rect', { x: x, y: h - rh + 10, width: 11, height: rh, class: 'col-requests' });
      r1.appendChild(el('title', {}, k + ': ' + T('help.stats.requests') + ' ' + d.requests));
      var r2 = el('rect', { x: x + 12, y: h - hh + 10, width: 11, height: hh, class: 'col-helped' });
      r2.appendChild(el('title', {}, k + ': ' + T('help.stats.helped') + ' ' + d.helped));
      svg.appendChild(r1);
      svg.appendChild(r2);
      svg.appendChild(el('text', { x: x + 11, y: h + 28, 'text-anchor': 'middle', class: 'col-label' }, k.slice(8)));
    });
    container.appendChild(svg);
  }

  function pairs(obj, prefix) {
    return Object.keys(obj).sort(function (a, b) { return obj[b] - obj[a]; })
      .map(function (k) { return [prefix ? label(prefix, k) : k, obj[k]]; });
  }

  function totals(t) {
    var dl = document.getElementById('totals');
    dl.textContent = '';
    [
      ['requests', String(t.requests)],
      ['helped', String(t.helped)],
      ['share_answered', Math.round(t.share_answered * 100) + ' %'],
      ['wait_p50', duration(t.wait_p50_seconds)],
      ['wait_p90', duration(t.wait_p90_seconds)],
      ['handling', duration(t.handling_p50_seconds)],
      ['volunteer_hours', (Math.round(t.volunteer_hours * 10) / 10).toString()],
      ['branches', String(t.branches_giving_support)],
      ['new_topics', t.new_topics.length ? t.new_topics.map(function (k) { return label('help.topic.', k); }).join(', ') : '0']
    ].forEach(function (p) {
      var div = document.createElement('div');
      div.className = 'total';
      div.dataset.key = p[0];
      var dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = T('help.stats.' + p[0]);
      dd.textContent = p[1];
      div.appendChild(dt);
      div.appendChild(dd);
      dl.appendChild(div);
    });
  }

  function load() {
    var q = '?from=' + encodeURIComponent(from.value) + '&to=' + encodeURIComponent(to.value);
    document.getElementById('export-csv').href = '/api/v1/stats/help.csv' + q;
    document.getElementById('export-json').href = '/api/v1/stats/help.json' + q;
    P.api('GET', '/api/v1/stats/help' + q).then(function (res) {
      if (res.status >= 400) {
        errorEl.textContent = T('help.error', res.body && res.body.error || res.status);
        errorEl.hidden = false;
        return;
      }
      errorEl.hidden = true;
      var st = res.body;
      from.value = st.from;
      to.value = st.to;
      totals(st.totals);
      days(document.getElementById('chart-day'), st.rows);
      bars(document.getElementById('chart-topic'), pairs(st.totals.by_topic, 'help.topic.'));
      bars(document.getElementById('chart-branch'), pairs(st.totals.by_branch));
      bars(document.getElementById('chart-outcome'), pairs(st.totals.by_outcome, 'help.outcome.'));
      bars(document.getElementById('chart-language'), pairs(st.totals.by_language, 'help.lang.'));
      document.body.dataset.statsLoaded = String(Number(document.body.dataset.statsLoaded || 0) + 1);
    });
  }

  document.getElementById('period').addEventListener('submit', function (e) { e.preventDefault(); load(); });
  load();
})();
