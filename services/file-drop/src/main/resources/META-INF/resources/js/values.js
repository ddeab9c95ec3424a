// Values on each link: a button per task output (with its count) and a table of its newest values:
// id, time, type, media type, size, annotations, and a viewer for the content and the lineage.

import { h, clear, time, dateTime, bytes } from './dom.js';

const SHOWN = 50;

export class ValuesView {
  constructor(tabs, table, store, viewer) {
    this.tabs = tabs;
    this.table = table;
    this.store = store;
    this.viewer = viewer;
    this.selected = null;
    this.buttons = new Map();
    this.signature = null;
  }

  build() {
    clear(this.tabs);
    this.buttons.clear();
    for (const output of this.store.outputs()) {
      const key = `${output.task}/${output.output}`;
      const target = output.links.length ? output.links.map((l) => l.toTask).join(', ') : 'result';
      const label = h('span', {}, [`${output.task}.${output.output} → ${target}`]);
      const count = h('span', { class: 'count' }, ['0']);
      const button = h('button', {
        type: 'button',
        class: 'tab',
        'aria-pressed': 'false',
        dataset: { task: output.task, output: output.output },
        onclick: () => this.select(output.task, output.output),
      }, [label, ' ', count]);
      this.tabs.append(button);
      this.buttons.set(key, { button, count, output });
    }
    const first = this.store.outputs()[0];
    if (!this.selected && first) this.selected = `${first.task}/${first.output}`;
    this.render();
  }

  select(task, output, { scroll = false } = {}) {
    this.selected = `${task}/${output}`;
    this.signature = null;
    this.render();
    if (scroll) this.tabs.closest('section')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  render() {
    for (const [key, entry] of this.buttons) {
      entry.count.textContent = String(this.store.countOf(entry.output.task, entry.output.output)) + (this.store.loading() ? '…' : '');
      entry.button.setAttribute('aria-pressed', String(key === this.selected));
    }
    const entry = this.buttons.get(this.selected);
    if (!entry) return;
    const values = this.store.valuesOf(entry.output.task, entry.output.output);
    const shown = values.slice(0, SHOWN);
    const total = this.store.countOf(entry.output.task, entry.output.output);
    const signature = [this.selected, total, this.store.loading(), ...shown.map((v) => v.id)].join('|');
    if (signature === this.signature) return;
    this.signature = signature;
    const topic = entry.output.links[0]?.topic;
    const caption = h('caption', {}, [
      `${entry.output.task}.${entry.output.output}`,
      topic ? h('span', { class: 'muted small' }, [' · topic ', h('code', {}, [topic])]) : null,
      h('span', { class: 'muted small' }, [` · ${total > shown.length ? `newest ${shown.length} of ${total}` : total} value${total === 1 ? '' : 's'}`]),
    ]);
    if (!values.length) {
      clear(this.table).append(h('table', { class: 'values' }, [caption]), h('p', { class: 'muted' },
        [this.store.loading() ? 'Loading the values of this link…' : 'No values on this link yet.']));
      return;
    }
    clear(this.table).append(h('table', { class: 'values' }, [
      caption,
      h('thead', {}, [h('tr', {}, ['Time', 'Id', 'Type', 'Media type', 'Size', 'Annotations', ''].map((t) => h('th', { scope: 'col' }, [t])))]),
      h('tbody', {}, shown.map((v) => h('tr', { dataset: { id: v.id } }, [
        h('td', { title: dateTime(v.createdAt) }, [h('time', { datetime: v.createdAt }, [time(v.createdAt)])]),
        h('td', {}, [h('button', { type: 'button', class: 'link-button id', title: 'Show this value and its content', onclick: () => this.viewer.showValue(v.id) }, [v.id])]),
        h('td', {}, [v.type]),
        h('td', {}, [v.mediaType || '']),
        h('td', { class: 'num' }, [bytes(v.size)]),
        h('td', { class: 'annotations' }, [annotationSummary(v.annotations)]),
        h('td', {}, [(v.sourceInputs || []).length ? h('a', {
          href: `/v1/values/${encodeURIComponent(v.id)}/lineage`,
          onclick: (e) => {
            if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
            e.preventDefault();
            this.viewer.showLineage(v.id);
          },
        }, ['lineage']) : '']),
      ]))),
    ]));
  }
}

function annotationSummary(annotations) {
  const entries = Object.entries(annotations || {}).filter(([k]) => k !== 'previewPng');
  const text = entries.map(([k, v]) => `${k}=${v.length > 40 ? v.slice(0, 38) + '…' : v}`).join(', ');
  return text.length > 160 ? text.slice(0, 158) + '…' : text;
}
