// Asyncio Lens Timeline webview page: draws the TimelineData the extension posts (client/runtime/timelineData.ts)
// on a canvas, only the rows in view, so thousands of tasks scroll smoothly. No network, no eval; the extension only
// accepts {type: 'ready' | 'reveal' | 'rendered'} back.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const ROW = 18;
  const AXIS = 26;
  const LABEL = 190;
  const PAD = 10;

  const viewport = document.getElementById('viewport');
  const spacer = document.getElementById('spacer');
  const canvas = document.getElementById('chart');
  const tip = document.getElementById('tip');
  const summary = document.getElementById('summary');
  const context = canvas.getContext('2d');

  let data = null;
  let colors = {};
  let hoverRow = -1;

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function readTheme() {
    colors = {
      pending: cssVar('--vscode-charts-blue', '#3794ff'),
      running: cssVar('--vscode-charts-green', '#89d185'),
      done: cssVar('--vscode-testing-iconPassed', '#73c991'),
      cancelled: cssVar('--vscode-disabledForeground', '#8c8c8c'),
      failed: cssVar('--vscode-charts-red', '#f14c4c'),
      blocked: cssVar('--vscode-charts-red', '#f14c4c'),
      text: cssVar('--vscode-foreground', '#cccccc'),
      muted: cssVar('--vscode-descriptionForeground', '#9d9d9d'),
      grid: cssVar('--vscode-editorWidget-border', '#454545'),
      hover: cssVar('--vscode-list-hoverBackground', 'rgba(128,128,128,0.15)'),
      font: cssVar('--vscode-font-family', 'sans-serif'),
      fontSize: cssVar('--vscode-font-size', '13px'),
    };
  }

  function seconds(ms) {
    const s = ms / 1000;
    return s < 10 ? s.toFixed(2) + ' s' : s < 100 ? s.toFixed(1) + ' s' : Math.round(s) + ' s';
  }

  function scaleX(time, width) {
    const span = Math.max(1, data.end - data.start);
    return LABEL + ((time - data.start) / span) * (width - LABEL - PAD);
  }

  function timeAt(x, width) {
    const span = Math.max(1, data.end - data.start);
    return data.start + ((x - LABEL) / (width - LABEL - PAD)) * span;
  }

  function niceStep(span, pixels) {
    const target = span / Math.max(1, pixels / 90);
    const power = Math.pow(10, Math.floor(Math.log10(target)));
    for (const m of [1, 2, 5, 10]) if (power * m >= target) return power * m;
    return power * 10;
  }

  function draw() {
    const width = viewport.clientWidth;
    const height = viewport.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = width + 'px';
      canvas.style.height = height + 'px';
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    if (!data) return;
    context.font = colors.fontSize + ' ' + colors.font;
    context.textBaseline = 'middle';

    // Time axis.
    const span = data.end - data.start;
    const step = niceStep(span, width - LABEL - PAD);
    context.strokeStyle = colors.grid;
    context.fillStyle = colors.muted;
    context.lineWidth = 1;
    for (let t = 0; t <= span; t += step) {
      const x = Math.round(scaleX(data.start + t, width)) + 0.5;
      context.beginPath();
      context.moveTo(x, AXIS - 6);
      context.lineTo(x, height);
      context.globalAlpha = 0.35;
      context.stroke();
      context.globalAlpha = 1;
      context.fillText(seconds(t), x + 3, AXIS / 2 - 2);
    }

    // Blocked-loop intervals across every row.
    for (const block of data.blocks) {
      const x0 = scaleX(block.start, width);
      const x1 = Math.max(x0 + 2, scaleX(block.end, width));
      context.fillStyle = colors.blocked;
      context.globalAlpha = 0.16;
      context.fillRect(x0, AXIS, x1 - x0, height - AXIS);
      context.globalAlpha = 1;
      context.fillRect(x0, AXIS - 5, x1 - x0, 4);
    }

    // Visible rows only.
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW));
    const last = Math.min(data.rows.length, first + Math.ceil((height - AXIS) / ROW) + 1);
    for (let i = first; i < last; i++) {
      const row = data.rows[i];
      const y = AXIS + (i - first) * ROW - (viewport.scrollTop % ROW);
      if (i === hoverRow) {
        context.fillStyle = colors.hover;
        context.fillRect(0, y, width, ROW);
      }
      context.fillStyle = colors.text;
      context.fillText(fit(row.name, LABEL - 12), 6, y + ROW / 2);
      const x0 = scaleX(row.createdAt, width);
      const x1 = Math.max(x0 + 3, scaleX(row.finishedAt === null ? data.end : row.finishedAt, width));
      context.fillStyle = colors[row.state] || colors.pending;
      context.globalAlpha = row.finishedAt === null ? 0.95 : 0.7;
      context.fillRect(x0, y + 4, x1 - x0, ROW - 8);
      context.globalAlpha = 1;
    }
  }

  /** The sticky canvas covers the viewport; the spacer below it makes the scroll height match every row. */
  function sizeSpacer() {
    const total = data ? AXIS + data.rows.length * ROW + 4 : 0;
    spacer.style.height = Math.max(0, total - viewport.clientHeight) + 'px';
  }

  function fit(text, pixels) {
    if (context.measureText(text).width <= pixels) return text;
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (context.measureText(text.slice(0, mid) + '…').width <= pixels) low = mid;
      else high = mid - 1;
    }
    return text.slice(0, low) + '…';
  }

  function rowAt(event) {
    const rect = viewport.getBoundingClientRect();
    const y = event.clientY - rect.top;
    if (y < AXIS || !data) return -1;
    const index = Math.floor((y - AXIS + viewport.scrollTop) / ROW);
    return index < data.rows.length ? index : -1;
  }

  function blockAt(event) {
    if (!data) return null;
    const rect = viewport.getBoundingClientRect();
    const time = timeAt(event.clientX - rect.left, viewport.clientWidth);
    return data.blocks.find((b) => time >= b.start && time <= b.end) || null;
  }

  function showTip(event, lines) {
    tip.replaceChildren(
      ...lines.map((line, i) => {
        const element = document.createElement(i === 0 ? 'strong' : 'div');
        element.textContent = line;
        return element;
      }),
    );
    tip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 6);
    const y = Math.min(event.clientY + 14, window.innerHeight - tip.offsetHeight - 6);
    tip.style.left = Math.max(0, x) + 'px';
    tip.style.top = Math.max(0, y) + 'px';
  }

  viewport.addEventListener('mousemove', (event) => {
    const index = rowAt(event);
    if (index !== hoverRow) {
      hoverRow = index;
      draw();
    }
    const rect = viewport.getBoundingClientRect();
    if (index >= 0 && event.clientX - rect.left >= LABEL) {
      const row = data.rows[index];
      const end = row.finishedAt === null ? 'still running' : 'ended after ' + seconds(row.finishedAt - row.createdAt);
      showTip(event, [row.name + ' — ' + row.state, row.coro + (row.where ? '  ' + row.where : ''), 'created at +' + seconds(row.createdAt - data.start) + ', ' + end, 'click to reveal in the Tasks view']);
      return;
    }
    const block = event.clientX - rect.left >= LABEL ? blockAt(event) : null;
    if (block) {
      showTip(event, ['Loop blocked — ' + seconds(block.end - block.start) + (block.ongoing ? ' so far' : ''), block.where || '', block.label]);
      return;
    }
    tip.hidden = true;
  });
  viewport.addEventListener('mouseleave', () => {
    hoverRow = -1;
    tip.hidden = true;
    draw();
  });
  viewport.addEventListener('click', (event) => {
    const index = rowAt(event);
    if (index >= 0) vscode.postMessage({ type: 'reveal', taskId: data.rows[index].id });
  });
  viewport.addEventListener('scroll', () => requestAnimationFrame(draw));
  new ResizeObserver(() => {
    sizeSpacer();
    draw();
  }).observe(viewport);
  new MutationObserver(() => {
    readTheme();
    draw();
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || message.type !== 'data') return;
    data = message.data;
    if (!data) {
      summary.textContent = 'No program is being inspected.';
      sizeSpacer();
      draw();
      return;
    }
    const live = data.rows.filter((r) => r.finishedAt === null).length;
    summary.textContent =
      data.rows.length + ' tasks (' + live + ' live) over ' + seconds(data.end - data.start) +
      (data.blocks.length ? ' · loop blocked ' + data.blocks.length + '×' : '') +
      (data.omitted ? ' · ' + data.omitted + ' oldest not shown' : '');
    sizeSpacer();
    draw();
    vscode.postMessage({ type: 'rendered', rows: data.rows.length });
  });

  readTheme();
  vscode.postMessage({ type: 'ready' });
})();
