// The value viewer: a modal dialog with a value's metadata and its content (image, text, JSON, tensor drawing),
// and the lineage tree from GET /v1/values/{id}/lineage.

import { h, clear, dateTime, bytes, fetchJson, parseJson } from './dom.js';
import { tensorPixelsFromBytes, tensorCanvas } from './charts.js';

const MAX_TEXT = 256 * 1024;

export class Viewer {
  constructor(dialog, store) {
    this.dialog = dialog;
    this.store = store;
    this.title = dialog.querySelector('#viewer-title');
    this.body = dialog.querySelector('#viewer-body');
    dialog.querySelector('#viewer-close').addEventListener('click', () => dialog.close());
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close();
    });
    dialog.addEventListener('close', () => this.opener?.focus?.());
  }

  open(title) {
    this.opener = document.activeElement;
    this.title.textContent = title;
    clear(this.body);
    if (!this.dialog.open) this.dialog.showModal();
    return this.body;
  }

  async showValue(id) {
    const body = this.open('Value ' + id);
    let value = this.store.values.get(id);
    if (!value) {
      try {
        value = await fetchJson(`/v1/values/${encodeURIComponent(id)}`);
      } catch (e) {
        body.append(h('p', { class: 'error' }, [e.message]), e.body?.hint ? h('p', { class: 'muted' }, [e.body.hint]) : null);
        return;
      }
    }
    this.title.textContent = `${value.task}.${value.output} · ${value.type}`;
    body.append(metadata(value));
    const contentBox = h('div', { class: 'content-box' }, [h('p', { class: 'muted' }, ['Loading the content…'])]);
    body.append(h('h3', {}, ['Content']), contentBox);
    await renderContent(value, contentBox);
  }

  async showLineage(id) {
    const body = this.open('Lineage of ' + id);
    body.append(h('p', { class: 'muted small' }, [
      'How this value was made, from GET ',
      h('a', { href: `/v1/values/${encodeURIComponent(id)}/lineage`, target: '_blank', rel: 'noopener' }, [`/v1/values/${id}/lineage`]),
      '.',
    ]));
    try {
      const tree = await fetchJson(`/v1/values/${encodeURIComponent(id)}/lineage`);
      body.append(h('ul', { class: 'lineage-tree' }, [lineageNode(tree, this)]));
    } catch (e) {
      body.append(h('p', { class: 'error' }, [e.message]), e.body?.hint ? h('p', { class: 'muted' }, [e.body.hint]) : null);
    }
  }
}

function metadata(value) {
  const rows = [];
  const row = (k, v) => v !== undefined && v !== null && v !== '' && rows.push(h('dt', {}, [k]), h('dd', {}, [v]));
  row('id', h('code', {}, [value.id]));
  row('from', `${value.task}.${value.output}`);
  row('type', value.type);
  row('created', dateTime(value.createdAt));
  row('media type', value.mediaType);
  row('size', bytes(value.size));
  row('sha256', value.sha256 ? h('code', { class: 'wrap' }, [value.sha256]) : null);
  row('stored', value.data?.startsWith('data:') ? 'inline in the record' : value.data?.split(':').slice(0, 2).join(':'));
  for (const input of value.sourceInputs || []) row('made from ' + input.input, (input.ids || []).join(', '));
  const annotations = Object.entries(value.annotations || {});
  const dl = h('dl', { class: 'meta' }, rows);
  const out = [dl];
  if (annotations.length) {
    out.push(h('h3', {}, ['Annotations']), h('dl', { class: 'meta' }, annotations.flatMap(([k, v]) => [
      h('dt', {}, [k]),
      h('dd', {}, [k === 'previewPng' ? h('img', { src: `/v1/values/${encodeURIComponent(value.id)}/preview`, class: 'pixelated preview-small', alt: '28×28 preview' })
        : v.length > 300 ? h('details', {}, [h('summary', {}, [v.slice(0, 80) + '…']), h('pre', {}, [pretty(v)])]) : v]),
    ])));
  }
  out.push(h('p', { class: 'small' }, [
    h('a', { href: `/v1/values/${encodeURIComponent(value.id)}/content`, target: '_blank', rel: 'noopener' }, ['raw content']),
    ' · ',
    h('a', { href: `/v1/values/${encodeURIComponent(value.id)}`, target: '_blank', rel: 'noopener' }, ['value JSON']),
    ' · ',
    h('a', { href: `/v1/values/${encodeURIComponent(value.id)}/lineage`, target: '_blank', rel: 'noopener' }, ['lineage JSON']),
  ]));
  return h('div', {}, out);
}

function pretty(text) {
  const parsed = parseJson(text, undefined);
  return parsed === undefined ? text : JSON.stringify(parsed, null, 2);
}

async function renderContent(value, box) {
  const url = `/v1/values/${encodeURIComponent(value.id)}/content`;
  const type = (value.mediaType || '').toLowerCase();
  if (type.startsWith('image/')) {
    box.replaceChildren(h('img', { src: url, alt: `content of ${value.id}`, class: 'content-image' }));
    return;
  }
  if (type.startsWith('application/x-tensor')) {
    const response = await fetch(url).catch(() => null);
    const tensor = response?.ok ? tensorPixelsFromBytes(await response.arrayBuffer()) : null;
    box.replaceChildren(tensor ? tensorCanvas(tensor, 'the tensor drawn as an image') : h('p', { class: 'muted' }, ['The tensor could not be drawn.']),
      h('p', { class: 'small muted' }, [`${type}: `, h('a', { href: url, download: value.id + '.f32' }, ['raw float32 values'])]));
    return;
  }
  const textual = type.startsWith('text/') || type.includes('json') || type.includes('yaml') || type.includes('xml') || type === '';
  if (!textual || Number(value.size) > 8 * MAX_TEXT) {
    box.replaceChildren(h('p', {}, [`Binary content (${type || 'unknown type'}, ${bytes(value.size)}): `,
      h('a', { href: url, download: value.annotations?.fileName || value.id }, ['download it'])]));
    return;
  }
  try {
    const response = await fetch(url);
    const text = await response.text();
    if (!response.ok) {
      const error = parseJson(text, {});
      box.replaceChildren(h('p', { class: 'error' }, [error.error || `${response.status} ${response.statusText}`]),
        error.hint ? h('p', { class: 'muted' }, [error.hint]) : null);
      return;
    }
    const children = [];
    const shown = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '\n… (cut; open the raw content for all of it)' : text;
    children.push(h('pre', { class: 'content-text' }, [type.includes('json') && text.length < 200000 ? pretty(shown) : shown]));
    box.replaceChildren(...children);
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error' }, [`The content could not be read: ${e.message}`]));
  }
}

function lineageNode(node, viewer) {
  const input = node.input ? h('span', { class: 'lineage-input' }, [node.input + ': ']) : null;
  if (node.missing || !node.value) {
    return h('li', {}, [input, h('code', {}, [node.id]), h('span', { class: 'muted' }, [' (not in the index)'])]);
  }
  const v = node.value;
  const a = v.annotations || {};
  const summary = [a.className, a.fileName, a.model, a.modelVersion ? 'version ' + a.modelVersion : null, a.testAccuracy ? 'accuracy ' + a.testAccuracy : null]
    .filter(Boolean).join(' · ');
  const thumb = v.type === 'imageFile'
    ? h('img', { src: `/v1/values/${encodeURIComponent(v.id)}/content`, alt: 'dropped picture', class: 'lineage-thumb' })
    : v.type === 'tensor' ? h('img', { src: `/v1/values/${encodeURIComponent(v.id)}/preview`, alt: '28×28 preview', class: 'lineage-thumb pixelated' })
      : null;
  return h('li', {}, [
    h('div', { class: 'lineage-entry' }, [
      thumb,
      h('div', {}, [
        input,
        h('strong', {}, [v.type]),
        ` from ${v.task}.${v.output}, ${dateTime(v.createdAt)} `,
        h('button', { type: 'button', class: 'link-button', onclick: () => viewer.showValue(v.id) }, ['view ' + v.id]),
        summary ? h('div', { class: 'muted small' }, [summary]) : null,
      ]),
    ]),
    (node.sources || []).length ? h('ul', {}, node.sources.map((n) => lineageNode(n, viewer))) : null,
  ]);
}
