// The pipeline graph as inline SVG: tasks laid out in layers from GET /v1/pipeline, coloured by live status,
// with the number of values on each link. Nodes and links are focusable; focus or hover shows the reason.

import { h, s, clear, percent, dateTime, duration } from './dom.js';

const NODE_W = 156;
const NODE_H = 66;
const GAP_X = 74;
const GAP_Y = 34;
const PAD = 16;
const SINK_W = 92;

export class GraphView {
  constructor(container, tooltip, store, onSelectOutput) {
    this.container = container;
    this.tooltip = tooltip;
    this.store = store;
    this.onSelectOutput = onSelectOutput;
    this.nodes = new Map();
    this.linkLabels = [];
  }

  build() {
    const tasks = this.store.tasks();
    const layout = layoutTasks(tasks);
    const position = (name) => {
      const p = layout.get(name);
      return { x: PAD + p.layer * (NODE_W + GAP_X), y: PAD + p.row * (NODE_H + GAP_Y) };
    };
    const outputs = this.store.outputs();
    const sinks = outputs.filter((o) => o.links.length === 0);
    const maxLayer = Math.max(0, ...[...layout.values()].map((p) => p.layer));
    const maxRow = Math.max(0, ...[...layout.values()].map((p) => p.row));
    const width = PAD * 2 + (maxLayer + 1) * NODE_W + maxLayer * GAP_X + (sinks.length ? GAP_X + SINK_W : 0);
    const height = PAD * 2 + (maxRow + 1) * NODE_H + maxRow * GAP_Y;

    const svg = s('svg', {
      viewBox: `0 0 ${width} ${height}`,
      class: 'graph-svg',
      role: 'group',
      'aria-label': `Pipeline ${this.store.pipeline.name}: ${tasks.length} tasks`,
    });
    svg.append(s('defs', {}, [
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        [s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' })]),
    ]));

    const edges = s('g', { class: 'edges' });
    const labels = s('g', { class: 'edge-labels' });
    this.linkLabels = [];
    for (const output of outputs) {
      const from = position(output.task);
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const targets = output.links.length
        ? output.links.map((l) => ({ x: position(l.toTask).x, y: position(l.toTask).y + NODE_H / 2, link: l }))
        : [{ x: PAD + (maxLayer + 1) * (NODE_W + GAP_X), y: y1, link: null }];
      for (const target of targets) {
        const dx = Math.max(30, (target.x - x1) / 2);
        edges.append(s('path', {
          d: `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${target.x - dx} ${target.y}, ${target.x - 2} ${target.y}`,
          class: 'edge' + (target.link?.policy === 'latest' ? ' edge-latest' : ''),
          'marker-end': 'url(#arrow)',
        }));
        const mx = (x1 + target.x) / 2;
        const my = (y1 + target.y) / 2;
        const name = target.link
          ? `${output.task}.${output.output} to ${target.link.toTask}.${target.link.toInput}`
          : `${output.task}.${output.output}, the pipeline's result`;
        const pill = s('g', {
          class: 'edge-label',
          tabindex: 0,
          role: 'button',
          dataset: { task: output.task, output: output.output },
        });
        const rect = s('rect', { x: mx - 20, y: my - 11, width: 40, height: 22, rx: 11 });
        const text = s('text', { x: mx, y: my + 4, 'text-anchor': 'middle' }, ['0']);
        pill.append(s('title', {}, [name]), rect, text);
        const select = () => this.onSelectOutput(output.task, output.output);
        pill.addEventListener('click', select);
        pill.addEventListener('keydown', (e) => activateOnKey(e, select));
        labels.append(pill);
        this.linkLabels.push({ output, pill, rect, text, name });
        if (!target.link) {
          labels.append(s('text', { x: target.x + 6, y: target.y + 4, class: 'sink-label' }, [output.output]));
        }
      }
    }

    const nodes = s('g', { class: 'nodes' });
    this.nodes.clear();
    for (const task of tasks) {
      const p = position(task.name);
      const g = s('g', {
        class: 'node state-idle',
        transform: `translate(${p.x} ${p.y})`,
        tabindex: 0,
        role: 'button',
        dataset: { task: task.name, state: 'idle' },
        'aria-describedby': 'graph-tooltip',
      });
      const box = s('rect', { class: 'node-box', width: NODE_W, height: NODE_H, rx: 10 });
      const name = s('text', { class: 'node-name', x: 12, y: 22 }, [task.name]);
      const state = s('text', { class: 'node-state', x: 12, y: 40 }, ['idle']);
      const detail = s('text', { class: 'node-detail', x: 12, y: 56 }, ['']);
      const barBack = s('rect', { class: 'node-bar-back', x: 0, y: NODE_H - 5, width: NODE_W, height: 5, visibility: 'hidden' });
      const bar = s('rect', { class: 'node-bar', x: 0, y: NODE_H - 5, width: 0, height: 5, visibility: 'hidden' });
      const replicas = s('g', { class: 'node-replicas' });
      g.append(box, name, state, detail, barBack, bar, replicas);
      const firstOutput = (task.outputs || [])[0];
      const select = () => firstOutput && this.onSelectOutput(task.name, firstOutput.name);
      g.addEventListener('click', select);
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') this.hideTooltip();
        activateOnKey(e, select);
      });
      g.addEventListener('mouseenter', () => this.showTooltip(task.name, g));
      g.addEventListener('focus', () => this.showTooltip(task.name, g));
      g.addEventListener('mouseleave', () => this.hideTooltip());
      g.addEventListener('blur', () => this.hideTooltip());
      nodes.append(g);
      this.nodes.set(task.name, { task, g, state, detail, bar, barBack, replicas });
    }

    svg.append(edges, labels, nodes);
    clear(this.container).append(svg);
    this.update();
  }

  update() {
    for (const [name, node] of this.nodes) {
      const event = this.store.status.get(name);
      const state = event?.state || 'idle';
      node.g.setAttribute('class', `node state-${state}`);
      node.g.dataset.state = state;
      node.state.textContent = state;
      node.detail.textContent = fit(nodeDetail(node.task, event), 24);
      const progress = progressOf(event);
      const showBar = state === 'active' && progress !== null;
      node.bar.setAttribute('visibility', showBar ? 'visible' : 'hidden');
      node.barBack.setAttribute('visibility', showBar ? 'visible' : 'hidden');
      node.bar.setAttribute('width', String(NODE_W * (progress ?? 0)));
      drawReplicas(node.replicas, event?.replicas || []);
      node.g.setAttribute('aria-label', `${name}: ${state}${event?.reason ? ', ' + event.reason : ''}. Show its values.`);
      if (this.tooltipTask === name) this.fillTooltip(name);
    }
    for (const label of this.linkLabels) {
      const loading = this.store.loading();
      const text = String(this.store.countOf(label.output.task, label.output.output)) + (loading ? '…' : '');
      label.text.textContent = text;
      const w = Math.max(30, 12 + text.length * 8);
      const x = Number(label.text.getAttribute('x'));
      label.rect.setAttribute('x', String(x - w / 2));
      label.rect.setAttribute('width', String(w));
      label.pill.dataset.count = String(this.store.countOf(label.output.task, label.output.output));
      label.pill.setAttribute('aria-label', `${text} values on ${label.name}${loading ? ' so far (loading the history)' : ''}. Show them.`);
    }
  }

  showTooltip(task, g) {
    this.tooltipTask = task;
    this.fillTooltip(task);
    this.tooltip.hidden = false;
    const section = this.tooltip.offsetParent || this.container;
    const box = g.getBoundingClientRect();
    const origin = section.getBoundingClientRect();
    const left = Math.min(box.left - origin.left, origin.width - this.tooltip.offsetWidth - 8);
    this.tooltip.style.left = Math.max(8, left) + 'px';
    this.tooltip.style.top = (box.bottom - origin.top + 6) + 'px';
  }

  hideTooltip() {
    this.tooltipTask = null;
    this.tooltip.hidden = true;
  }

  fillTooltip(name) {
    const node = this.nodes.get(name);
    const event = this.store.status.get(name);
    const rows = [];
    const row = (k, v) => v !== undefined && v !== null && v !== '' && rows.push(h('dt', {}, [k]), h('dd', {}, [String(v)]));
    row('state', event?.state || 'idle (no status published yet)');
    row('reason', event?.reason);
    if (event?.progress !== undefined && event?.progress !== null) row('progress', percent(event.progress, 0));
    for (const [k, v] of Object.entries(event?.details || {})) {
      row(k, k === 'etaSeconds' ? duration(v) : typeof v === 'object' ? JSON.stringify(v).slice(0, 80) : v);
    }
    for (const [k, v] of Object.entries(event?.counters || {})) row(k, v);
    row('updated', event?.updatedAt ? dateTime(event.updatedAt) : null);
    const replicas = event?.replicas || [];
    if (replicas.length > 1 || (replicas.length === 1 && replicas[0].instance !== '-')) {
      row('replicas', replicas.map(replicaText).join('; '));
    }
    clear(this.tooltip).append(
      h('strong', {}, [name]),
      h('p', { class: 'small muted' }, [node?.task.description || '']),
      h('dl', {}, rows),
    );
  }
}

/** One dot per replica at the node's top right, coloured by the replica's state; a stale (gone) replica is hollow. */
function drawReplicas(group, replicas) {
  const dots = replicas.length > 1 || (replicas.length === 1 && replicas[0].instance !== '-') ? replicas : [];
  clear(group);
  dots.slice(0, 8).forEach((replica, i) => {
    const dot = s('circle', {
      class: `replica replica-${replica.state}${replica.stale ? ' replica-stale' : ''}`,
      cx: NODE_W - 10 - i * 12, cy: 12, r: 4.5,
      'data-instance': replica.instance, 'data-state': replica.state, 'data-stale': String(!!replica.stale),
    });
    dot.append(s('title', {}, [replicaText(replica)]));
    group.append(dot);
  });
  group.dataset.count = String(dots.length);
}

function replicaText(replica) {
  return `${replica.instance}: ${replica.state}${replica.stale ? ' (gone: no heartbeat)' : ''}`;
}

function fit(text, max) {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function activateOnKey(event, action) {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    action();
  }
}

export function progressOf(event) {
  if (!event) return null;
  const p = Number(event.progress);
  if (event.progress !== undefined && event.progress !== null && Number.isFinite(p)) return Math.max(0, Math.min(1, p));
  const d = event.details || {};
  if (Number(d.epochs) > 0 && Number.isFinite(Number(d.epoch))) return Math.max(0, Math.min(1, Number(d.epoch) / Number(d.epochs)));
  return null;
}

function nodeDetail(task, event) {
  const d = event?.details || {};
  if (task.name === 'learn' || d.epoch !== undefined) {
    if (event?.state === 'active' && d.epoch !== undefined) {
      return `epoch ${d.epoch}${d.epochs ? '/' + d.epochs : ''}` + (d.etaSeconds !== undefined ? ` · ${duration(d.etaSeconds)} left` : '');
    }
  }
  if (d.version !== undefined) return `model version ${d.version}`;
  if ((event?.state === 'failed' || event?.state === 'waiting') && event.reason) return event.reason;
  const c = event?.counters || {};
  const produced = c.produced ?? c.published ?? c.accepted;
  if (produced !== undefined) return `${produced} out` + (c.failed ? ` · ${c.failed} failed` : '');
  if (c.consumed !== undefined) return `${c.consumed} in` + (c.failed ? ` · ${c.failed} failed` : '');
  if (!event) return 'no status yet';
  return task.service && task.service !== task.name ? task.service : '';
}

/** Layers by longest path from the drops; rows by the mean row of the inputs, kept apart. */
export function layoutTasks(tasks) {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const layers = new Map();
  const layerOf = (name, seen = new Set()) => {
    if (layers.has(name)) return layers.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const inputs = (byName.get(name)?.inputs || []).filter((i) => byName.has(i.fromTask));
    const layer = inputs.length ? 1 + Math.max(...inputs.map((i) => layerOf(i.fromTask, seen))) : 0;
    layers.set(name, layer);
    return layer;
  };
  tasks.forEach((t) => layerOf(t.name));
  const result = new Map();
  const maxLayer = Math.max(0, ...layers.values());
  for (let layer = 0; layer <= maxLayer; layer++) {
    const members = tasks.filter((t) => layers.get(t.name) === layer).map((t, index) => {
      const inputs = (t.inputs || []).filter((i) => result.has(i.fromTask));
      const wanted = inputs.length ? inputs.reduce((sum, i) => sum + result.get(i.fromTask).row, 0) / inputs.length : index;
      return { name: t.name, wanted, index };
    });
    members.sort((a, b) => a.wanted - b.wanted || a.index - b.index);
    let last = -Infinity;
    for (const m of members) {
      const row = Math.max(m.wanted, last + 1);
      result.set(m.name, { layer, row });
      last = row;
    }
  }
  return result;
}
