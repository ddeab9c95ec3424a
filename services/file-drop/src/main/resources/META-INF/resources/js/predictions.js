// Predictions: one card per dropped picture (newest first) with its 28x28 preview, the predicted class, the ten
// class probabilities as bars, the model version and a link to the lineage; or where the picture is on its way.
// The preview is the tensor's (GET /v1/values/{tensor}/preview, the tensor named by the prediction's lineage), and the
// probabilities come from GET /v1/predictions/{image}: a prediction value carries neither.

import { h, clear, time, percent, fetchJson } from './dom.js';
import { readProbabilities, probabilityBars } from './charts.js';
import { traceTimeline } from './trace.js';

const MAX_CARDS = 40;

export class PredictionsView {
  constructor(container, store, viewer) {
    this.container = container;
    this.store = store;
    this.viewer = viewer;
    this.cards = new Map();
    this.pending = new Map();
    this.asked = new Set();
    this.answers = new Map();
  }

  render() {
    const images = this.store.valuesOf('imageInput').slice(0, MAX_CARDS);
    if (!images.length) {
      const text = this.store.loading() ? 'Loading the pictures dropped before…' : 'No pictures yet: drop one above.';
      if (this.container.querySelector('.empty')?.textContent !== text) {
        clear(this.container).append(h('p', { class: 'empty muted' }, [text]));
      }
      return;
    }
    this.container.querySelector('.empty')?.remove();
    const keep = new Set(images.map((v) => v.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.el.remove();
        this.cards.delete(id);
      }
    }
    let previous = null;
    for (const image of images) {
      let card = this.cards.get(image.id);
      if (!card) {
        card = this.createCard(image);
        this.cards.set(image.id, card);
      }
      const expected = previous ? previous.nextSibling : this.container.firstChild;
      if (card.el !== expected) this.container.insertBefore(card.el, expected);
      this.updateCard(card, image);
      previous = card.el;
    }
  }

  createCard(image) {
    const name = image.annotations?.fileName || image.id;
    const el = h('article', { class: 'prediction', id: 'pred-' + image.id, dataset: { imageId: image.id, state: 'pending' } });
    const preview = h('div', { class: 'preview-slot' }, [h('span', { class: 'muted small' }, ['…'])]);
    const result = h('div', { class: 'result' });
    el.append(
      h('header', {}, [
        h('h3', { title: name }, [name]),
        h('time', { datetime: image.createdAt, class: 'muted small' }, [time(image.createdAt)]),
      ]),
      h('div', { class: 'pictures' }, [
        h('figure', {}, [
          h('img', { src: `/v1/values/${encodeURIComponent(image.id)}/content`, alt: `dropped picture ${name}`, loading: 'lazy' }),
          h('figcaption', {}, ['dropped']),
        ]),
        h('figure', {}, [preview, h('figcaption', {}, ['28×28 input'])]),
      ]),
      result,
    );
    return { el, preview, result, signature: null, previewFor: null };
  }

  updateCard(card, image) {
    const tensor = this.store.tensorOfImage(image.id);
    const prediction = this.store.predictionOfImage(image.id);
    this.updatePreview(card, tensor?.id || lineageId(prediction, 'tensor'));
    const failure = this.store.deadLetters.get(image.id) || (tensor && this.store.deadLetters.get(tensor.id));
    const predictState = this.store.status.get('predict');
    const asked = this.pending.get(image.id);
    const answer = prediction ? this.answerOf(image.id, prediction.id) : null;
    const loading = this.store.loading();
    const signature = JSON.stringify([prediction?.id, tensor?.id, failure?.reason, predictState?.state, predictState?.reason, asked,
      Boolean(answer), loading]);
    if (signature === card.signature) return;
    card.signature = signature;

    if (prediction) {
      card.el.dataset.state = 'predicted';
      card.el.dataset.predictionId = prediction.id;
      card.result.replaceChildren(...predictionResult(prediction, answer, this.viewer, image.id));
      return;
    }
    if (failure) {
      card.el.dataset.state = 'failed';
      card.result.replaceChildren(h('p', { class: 'error' }, [`Refused by ${failure.task}: ${failure.reason || 'no reason given'}`]),
        h('p', { class: 'muted small' }, ['Fix the picture and drop it again.']));
      return;
    }
    // While file-drop's index still reads the topics, its tensor may be on its way: ask only once the history is whole.
    if (!tensor && !asked && !loading) this.askWhere(image.id);
    card.el.dataset.state = 'pending';
    let text;
    if (asked && asked.state === 'failed') {
      card.el.dataset.state = 'failed';
      text = asked.detail || asked.error;
    } else if (!tensor) {
      text = loading ? 'Loading the history of this picture…' : 'Converting to a 28×28 tensor…';
    } else if (predictState?.state === 'waiting' || predictState?.state === 'failed') {
      text = `Converted; predict is ${predictState.state}${predictState.reason ? ': ' + predictState.reason : ''}.`;
    } else {
      text = 'Converted; predicting…';
    }
    card.result.replaceChildren(h('p', { class: card.el.dataset.state === 'failed' ? 'error' : 'muted' }, [text]));
  }

  updatePreview(card, tensorId) {
    if (!tensorId || card.previewFor === tensorId) return;
    card.previewFor = tensorId;
    const img = h('img', { src: `/v1/values/${encodeURIComponent(tensorId)}/preview`, class: 'pixelated', alt: '28×28 image the model sees' });
    img.addEventListener('error', () => card.preview.replaceChildren(h('span', { class: 'muted small' }, ['no preview'])));
    card.preview.replaceChildren(img);
  }

  /** The answer of GET /v1/predictions/{image} for a known prediction (class, probabilities, lineage), once it has come. */
  answerOf(imageId, predictionId) {
    const known = this.answers.get(predictionId);
    if (known !== undefined) return known;
    this.answers.set(predictionId, null);
    fetchJson(`/v1/predictions/${encodeURIComponent(imageId)}`)
      .then((answer) => {
        this.answers.set(predictionId, answer);
        this.render();
      })
      .catch(() => this.answers.delete(predictionId));
    return null;
  }

  /** After a reload, asks GET /v1/predictions/{image} once where an image without a tensor stands (dead letters are not replayed to the page). */
  askWhere(imageId) {
    if (this.asked.has(imageId)) return;
    this.asked.add(imageId);
    fetchJson(`/v1/predictions/${encodeURIComponent(imageId)}`)
      .then((answer) => {
        this.answers.set(answer.id, answer);
        return fetchJson(`/v1/values/${encodeURIComponent(answer.id)}`);
      })
      .then((prediction) => this.store.applyValue(prediction))
      .catch((e) => {
        if (e.status === 503) {
          // index loading (file-drop restarted): not an answer about the picture; ask again a little later.
          setTimeout(() => {
            this.asked.delete(imageId);
            this.render();
          }, 2000);
          return;
        }
        if (e.body) {
          this.pending.set(imageId, e.body);
          this.store.emit('pending', e.body);
        }
      });
  }
}

function lineageId(value, input) {
  return value?.sourceInputs?.find((s) => s.input === input)?.ids?.[0];
}

function predictionResult(prediction, answer, viewer, imageId) {
  const a = prediction.annotations || {};
  const entries = answer ? readProbabilities(JSON.stringify(answer.probabilities)) : [];
  const className = a.className || (entries.length ? entries.reduce((x, y) => (y.p > x.p ? y : x)).name : `label ${a.label ?? '?'}`);
  const score = a.score !== undefined ? Number(a.score) : entries.find((e) => e.name === className)?.p;
  const model = [a.modelName, a.modelVersion !== undefined ? 'version ' + a.modelVersion : null].filter(Boolean).join(' ');
  const lineageUrl = `/v1/values/${encodeURIComponent(prediction.id)}/lineage`;
  return [
    h('p', { class: 'class-name' }, [className, ' ', h('span', { class: 'score' }, [Number.isFinite(score) ? percent(score) : ''])]),
    h('p', { class: 'muted small model-version' }, [model ? 'model ' + model : 'model version not given']),
    entries.length ? probabilityBars(entries, className) : h('p', { class: 'muted small' }, [answer ? 'no probabilities given' : 'loading the probabilities…']),
    h('p', { class: 'small links' }, [
      h('a', {
        href: lineageUrl,
        class: 'lineage-link',
        onclick: (e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          viewer.showLineage(prediction.id);
        },
      }, ['lineage']),
      ' · ',
      h('button', { type: 'button', class: 'link-button', onclick: () => viewer.showValue(prediction.id) }, ['prediction value']),
      ' · ',
      h('button', {
        type: 'button',
        class: 'link-button trace-link',
        onclick: (e) => {
          const links = e.target.closest('.links');
          const shown = links.nextElementSibling?.classList.contains('trace-timeline') ? links.nextElementSibling : null;
          if (shown) shown.remove();
          else links.after(traceTimeline(imageId));
        },
      }, ['trace']),
    ]),
  ];
}
