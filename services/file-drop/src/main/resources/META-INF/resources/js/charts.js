// Charts as inline SVG: class probabilities (bars), loss and accuracy per epoch (lines), the 28x28 tensor preview,
// and the readers that make the annotations of predictions and models (lists or maps) into one shape.

import { s, h, parseJson, number, percent } from './dom.js';

/** Fashion-MNIST's classes in label order, used when a producer sends bare numbers. */
export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** [{name, p}] from a probabilities annotation: a list of numbers, a list of objects, or a map of class name to number. */
export function readProbabilities(annotation) {
  const parsed = parseJson(annotation, null);
  if (Array.isArray(parsed)) {
    return parsed.map((item, i) => {
      if (typeof item === 'number' || typeof item === 'string') return { name: CLASSES[i] ?? `class ${i}`, p: Number(item) };
      const label = item.className ?? item.class ?? item.name ?? item.label;
      const name = typeof label === 'number' ? CLASSES[label] ?? `class ${label}` : label ?? CLASSES[i];
      return { name, p: Number(item.probability ?? item.score ?? item.p ?? item.value) };
    }).filter((e) => Number.isFinite(e.p));
  }
  if (parsed && typeof parsed === 'object') {
    return Object.entries(parsed).map(([name, p]) => ({ name, p: Number(p) })).filter((e) => Number.isFinite(e.p));
  }
  return [];
}

/** Per-class accuracy as [{name, accuracy}] from a list or a map. */
export function readPerClass(annotation) {
  const parsed = parseJson(annotation, null);
  if (Array.isArray(parsed)) {
    return parsed.map((item, i) => (typeof item === 'object' && item !== null
      ? { name: item.className ?? item.name ?? CLASSES[i], accuracy: Number(item.accuracy ?? item.value) }
      : { name: CLASSES[i] ?? `class ${i}`, accuracy: Number(item) }));
  }
  if (parsed && typeof parsed === 'object') return Object.entries(parsed).map(([name, a]) => ({ name, accuracy: Number(a) }));
  return [];
}

/** Horizontal bars of the class probabilities; the predicted class is highlighted. */
export function probabilityBars(entries, predicted) {
  const rowH = 17;
  const labelW = 84;
  const barW = 150;
  const height = entries.length * rowH + 4;
  const top = entries.reduce((best, e) => (best === null || e.p > best.p ? e : best), null);
  const described = entries.map((e) => `${e.name} ${percent(e.p)}`).join(', ');
  const svg = s('svg', {
    class: 'bars',
    viewBox: `0 0 ${labelW + barW + 52} ${height}`,
    role: 'img',
    'aria-label': `Class probabilities: ${described}`,
  });
  entries.forEach((e, i) => {
    const y = 2 + i * rowH;
    const isTop = predicted ? e.name === predicted : e === top;
    svg.append(
      s('text', { x: labelW - 4, y: y + 12, 'text-anchor': 'end', class: 'bar-label' + (isTop ? ' top' : '') }, [e.name]),
      s('rect', { x: labelW, y: y + 2, width: barW, height: rowH - 5, class: 'bar-track', rx: 2 }),
      s('rect', { x: labelW, y: y + 2, width: Math.max(0.5, barW * Math.max(0, Math.min(1, e.p))), height: rowH - 5, rx: 2,
        class: 'bar' + (isTop ? ' top' : '') }, [s('title', {}, [`${e.name}: ${percent(e.p, 2)}`])]),
      s('text', { x: labelW + barW + 4, y: y + 12, class: 'bar-value' }, [percent(e.p)]),
    );
  });
  return svg;
}

/**
 * Loss (left axis) and accuracy (right axis, 0..1) per epoch; {@code empty}: what an empty chart says; {@code reference}:
 * another run's points (the live model's), drawn dashed behind.
 */
export function epochChart(points, epochs, empty = 'No training run yet: drop a recipe.', reference = []) {
  const W = 520;
  const H = 210;
  const m = { l: 44, r: 44, t: 14, b: 32 };
  const svg = s('svg', { class: 'line-chart', viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  if (!points.length) {
    svg.setAttribute('aria-label', empty);
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, [empty]));
    return svg;
  }
  const all = points.concat(reference);
  const maxEpoch = Math.max(Number(epochs) || 0, ...all.map((p) => p.epoch), 1);
  const minEpoch = Math.min(...all.map((p) => p.epoch), 1);
  const losses = all.map((p) => p.loss).filter(Number.isFinite);
  const maxLoss = Math.max(0.1, ...losses) * 1.1;
  const x = (e) => m.l + (maxEpoch === minEpoch ? pw / 2 : ((e - minEpoch) / (maxEpoch - minEpoch)) * pw);
  const yLoss = (v) => m.t + ph - (v / maxLoss) * ph;
  const yAcc = (v) => m.t + ph - v * ph;

  const grid = s('g', { class: 'grid' });
  for (let i = 0; i <= 4; i++) {
    const y = m.t + (ph * i) / 4;
    grid.append(s('line', { x1: m.l, x2: m.l + pw, y1: y, y2: y }));
    grid.append(s('text', { x: m.l - 6, y: y + 4, 'text-anchor': 'end', class: 'axis loss' }, [number(maxLoss * (1 - i / 4), 2)]));
    grid.append(s('text', { x: m.l + pw + 6, y: y + 4, class: 'axis accuracy' }, [Math.round(100 * (1 - i / 4)) + '%']));
  }
  const step = Math.max(1, Math.ceil((maxEpoch - minEpoch + 1) / 10));
  for (let e = minEpoch; e <= maxEpoch; e += step) {
    grid.append(s('text', { x: x(e), y: H - m.b + 16, 'text-anchor': 'middle', class: 'axis' }, [String(e)]));
  }
  grid.append(s('text', { x: m.l + pw / 2, y: H - 3, 'text-anchor': 'middle', class: 'axis' }, ['epoch']));
  svg.append(grid);

  const line = (key, y, cls) => {
    const pts = points.filter((p) => Number.isFinite(p[key]));
    if (!pts.length) return;
    svg.append(s('polyline', { class: 'series ' + cls, points: pts.map((p) => `${x(p.epoch)},${y(p[key])}`).join(' ') }));
    for (const p of pts) {
      svg.append(s('circle', { class: 'dot ' + cls, cx: x(p.epoch), cy: y(p[key]), r: 3.5 },
        [s('title', {}, [`epoch ${p.epoch}: ${key} ${key === 'accuracy' ? percent(p[key]) : number(p[key])}`])]));
    }
  };
  for (const [key, y] of [['loss', yLoss], ['accuracy', yAcc]]) {
    const pts = reference.filter((p) => Number.isFinite(p[key]));
    if (pts.length) {
      svg.append(s('polyline', { class: `series ${key} reference`, 'stroke-dasharray': '5 4', opacity: 0.55,
        points: pts.map((p) => `${x(p.epoch)},${y(p[key])}`).join(' ') }, [s('title', {}, [`live model: ${key}`])]));
    }
  }
  line('loss', yLoss, 'loss');
  line('accuracy', yAcc, 'accuracy');
  const last = points[points.length - 1];
  svg.setAttribute('aria-label', `Training over ${points.length} epochs; latest epoch ${last.epoch}: loss ${number(last.loss)}, accuracy ${percent(last.accuracy)}`);
  svg.append(s('g', { class: 'legend-svg' }, [
    s('rect', { x: m.l + 8, y: m.t + 4, width: 12, height: 4, class: 'swatch-loss' }),
    s('text', { x: m.l + 24, y: m.t + 10 }, ['loss']),
    s('rect', { x: m.l + 68, y: m.t + 4, width: 12, height: 4, class: 'swatch-accuracy' }),
    s('text', { x: m.l + 84, y: m.t + 10 }, ['accuracy']),
    reference.length ? s('text', { x: m.l + 150, y: m.t + 10, class: 'reference-legend' }, ['dashed: the live model\'s run']) : null,
  ].filter(Boolean)));
  return svg;
}

/** 28x28 pixels in [0,1] from tensor content: {"shape": [...], "values": [...]} (flat or nested), or a bare array. */
export function tensorPixels(content) {
  const values = Array.isArray(content) ? content : content?.values ?? content?.data ?? content?.tensor;
  if (!Array.isArray(values)) return null;
  const flat = values.flat(Infinity).map(Number);
  const side = Math.round(Math.sqrt(flat.length));
  if (side * side !== flat.length || side === 0) return null;
  const max = Math.max(...flat);
  const scale = max > 1.5 ? 1 / 255 : 1;
  return { side, pixels: flat.map((v) => Math.max(0, Math.min(1, v * scale))) };
}

/** 28x28 pixels in [0,1] from a raw tensor's bytes: float32 little-endian, row-major (application/x-tensor). */
export function tensorPixelsFromBytes(buffer) {
  if (!buffer || buffer.byteLength % 4 !== 0) return null;
  const view = new DataView(buffer);
  const flat = Array.from({ length: buffer.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  return tensorPixels(flat);
}

/** A canvas drawing of tensor pixels (white = 1), scaled up by CSS with pixelated rendering. */
export function tensorCanvas(tensor, label) {
  const canvas = h('canvas', { width: tensor.side, height: tensor.side, class: 'pixelated', role: 'img', 'aria-label': label });
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(tensor.side, tensor.side);
  tensor.pixels.forEach((v, i) => {
    const g = Math.round(v * 255);
    image.data.set([g, g, g, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
  return canvas;
}
