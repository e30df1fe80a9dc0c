// The playlist preview: the slides in order, each for its seconds, drawn
// on a canvas of the chosen screen's shape as the player draws them:
// images letterboxed, text large on its own colours, live slides with their
// heading. (A canvas, so that no inline style is needed under the CSP.)
'use strict';
(function () {
  var T = Piste.T;
  var data = JSON.parse(document.getElementById('preview-data').textContent);
  var canvas = document.getElementById('screen');
  var caption = document.getElementById('caption');
  var ratio = data.aspect.split(':').map(Number);
  var W = ratio[0] >= ratio[1] ? 960 : 540;
  canvas.width = W;
  canvas.height = Math.round(W * ratio[1] / ratio[0]);
  var H = canvas.height;
  var g = canvas.getContext('2d');
  var items = data.items || [];
  var i = 0;

  function wrap(text, size, width) {
    g.font = size + 'px sans-serif';
    var lines = [];
    text.split('\n').forEach(function (para) {
      var cur = '';
      para.split(/\s+/).filter(Boolean).forEach(function (w) {
        var next = cur ? cur + ' ' + w : w;
        if (cur && g.measureText(next).width > width) { lines.push(cur); cur = w; } else { cur = next; }
      });
      lines.push(cur);
    });
    return lines;
  }

  function textSlide(fg, bg, title, body, done) {
    g.fillStyle = bg;
    g.fillRect(0, 0, W, H);
    var m = H / 12, y = m, ts = Math.round(H / 10), bs = Math.round(H / 18);
    g.fillStyle = fg;
    g.textBaseline = 'top';
    wrap(title, ts, W - 2 * m).forEach(function (l) { g.font = 'bold ' + ts + 'px sans-serif'; g.fillText(l, m, y); y += ts * 1.3; });
    y += bs * 0.6;
    wrap(body || '', bs, W - 2 * m).forEach(function (l) { g.font = bs + 'px sans-serif'; g.fillText(l, m, y); y += bs * 1.4; });
    if (done) done();
  }

  function letterbox(src) {
    g.fillStyle = '#101010';
    g.fillRect(0, 0, W, H);
    var img = new Image();
    img.onload = function () {
      var s = Math.min(W / img.width, H / img.height);
      var w = img.width * s, h = img.height * s;
      g.drawImage(img, (W - w) / 2, (H - h) / 2, w, h);
      canvas.dataset.drawn = 'image';
    };
    img.src = src;
  }

  function show() {
    if (!items.length) {
      textSlide('#ffffff', '#003a70', T('signage.preview.empty'), '');
      return;
    }
    var it = items[i % items.length];
    canvas.dataset.item = it.id;
    canvas.dataset.drawn = it.kind;
    if (it.kind === 'image') {
      letterbox(it.image);
    } else if (it.kind === 'text' && it.text) {
      textSlide(it.text.fg, it.text.bg, it.text.title, it.text.body);
    } else {
      textSlide('#ffffff', '#003a70', T('signage.live.' + it.live), T('signage.preview.live_note'));
    }
    caption.textContent = T('signage.preview.caption', (i % items.length) + 1, items.length, it.title || it.id, it.seconds);
    setTimeout(function () { i++; show(); }, Math.max(3, it.seconds) * 1000);
  }
  show();
})();
