// Training: learn's progress (epoch, ETA), loss and accuracy per epoch (drawn against the live model's run), the model
// versions with their test and photo accuracy, and for the one selected its confusion matrix with per-class accuracy and
// its ten most confident mistakes on the test set.

import { h, clear, dateTime, duration, number, percent, parseJson, shortId } from './dom.js';
import { CLASSES, epochChart, readPerClass, tensorCanvas } from './charts.js';
import { progressOf } from './graph.js';
import { sourceIds } from './state.js';

const SHORT = { 'T-shirt/top': 'T-shirt', 'Ankle boot': 'Boot' };

export class TrainingView {
  constructor(elements, store, viewer) {
    this.el = elements;
    this.store = store;
    this.viewer = viewer;
    this.points = new Map();
    this.runState = null;
    this.selectedModel = null;
    this.modelsSignature = null;
    store.onChange((kind, payload) => {
      if (kind === 'status' && payload.task === 'learn') this.record(payload);
    });
  }

  /** Keeps one point per epoch of the current run; a new run (active again after an end, or an earlier epoch) starts afresh. */
  record(event) {
    const d = event.details || {};
    const history = parseJson(d.history, null);
    if (Array.isArray(history) && history.length) {
      this.points = new Map(history.map((p, i) => [Number(p.epoch ?? i + 1), toPoint(p, i + 1)]));
    } else if (d.epoch !== undefined) {
      const epoch = Number(d.epoch);
      const newRun = event.state === 'active' && this.runState !== null && this.runState !== 'active';
      const earlier = this.points.size && epoch < Math.max(...this.points.keys());
      if (newRun || earlier) this.points = new Map();
      if (Number.isFinite(epoch)) this.points.set(epoch, toPoint(d, epoch));
    } else if (event.state === 'active' && this.runState !== 'active') {
      this.points = new Map();
    }
    this.runState = event.state;
  }

  render() {
    this.renderProgress();
    this.renderModels();
  }

  renderProgress() {
    const event = this.store.status.get('learn');
    const state = event?.state || 'idle';
    const d = event?.details || {};
    const progress = progressOf(event);
    const { status, bar, barText, chart } = this.el;
    bar.value = progress ?? (state === 'succeeded' ? 1 : 0);
    bar.dataset.state = state;
    if (progress === null && state === 'active') bar.removeAttribute('value');
    const parts = [];
    if (d.epoch !== undefined) parts.push(`epoch ${d.epoch}${d.epochs ? ' of ' + d.epochs : ''}`);
    if (d.step !== undefined) parts.push(`step ${d.step}`);
    if (d.loss !== undefined) parts.push(`loss ${number(d.loss)}`);
    if (d.accuracy !== undefined) parts.push(`accuracy ${percent(d.accuracy)}`);
    if (state === 'active' && d.etaSeconds !== undefined) parts.push(`about ${duration(d.etaSeconds)} left`);
    barText.textContent = (progress !== null ? Math.round(progress * 100) + ' % · ' : '') + parts.join(' · ');
    const models = this.store.valuesOf('learn', 'model');
    const loading = this.store.loading();
    const trainedBefore = models.length > 0 || !!this.store.latestDeadLetter('learn');
    const headline = {
      idle: trainedBefore ? 'No training running: drop a recipe to train another model.'
        : 'No training yet: drop a recipe to train a model.',
      waiting: 'Waiting',
      active: 'Training',
      succeeded: 'Training finished',
      failed: 'Training failed',
    }[state] || state;
    // Idle has one message of its own: learn's idle reason ("waiting for a recipe ...") says the same thing again.
    // While file-drop's index still reads the topics, an idle learn says nothing about the past: never "No training yet" then.
    const text = loading && state === 'idle' && !trainedBefore ? 'Loading the training history…'
      : state === 'idle' ? headline : headline + (event?.reason ? ': ' + event.reason : '.');
    if (status.textContent !== text) status.textContent = text;
    status.dataset.state = loading && state === 'idle' && !trainedBefore ? 'loading' : state;
    this.renderLastRun(models, loading);
    let points = [...this.points.values()].sort((a, b) => a.epoch - b.epoch);
    if (points.length <= 1 && state !== 'active') {
      const history = parseJson(models[0]?.annotations?.history, null);
      if (Array.isArray(history) && history.length) points = history.map((p, i) => toPoint(p, i + 1));
    }
    const live = this.liveModel();
    const liveHistory = parseJson(live?.annotations?.history, null);
    const reference = Array.isArray(liveHistory) && liveHistory.length ? liveHistory.map((p, i) => toPoint(p, i + 1)) : [];
    const sameRun = reference.length === points.length && reference.every((p, i) => p.loss === points[i].loss);
    clear(chart).append(epochChart(points, d.epochs, loading ? 'Loading the training history…' : undefined,
      sameRun ? [] : reference));
  }

  /** The model the serving endpoint serves (the newest endpoint's), or null. */
  liveModel() {
    const serving = this.store.servingEndpoint();
    if (!serving) return null;
    return this.store.valuesOf('learn', 'model').find((m) => this.store.endpointsOfModel(m.id).includes(serving)) || null;
  }

  /**
   * The last training run, from the topics rather than learn's status (which says "idle" again once learn restarts): the newer of
   * the newest model value and learn's newest dead letter (a run that failed).
   */
  renderLastRun(models, loading) {
    const box = this.el.lastRun;
    if (!box) return;
    const model = models[0];
    const failure = this.store.latestDeadLetter('learn');
    let run = null;
    if (failure && (!model || Date.parse(failure.at) > Date.parse(model.createdAt))) {
      run = { outcome: 'failed', id: failure.id, text: `Last training run failed (${dateTime(failure.at)}): ${failure.reason || 'no reason given'}.` };
    } else if (model) {
      const a = model.annotations || {};
      const from = a.recipeFileName ? ` from ${a.recipeFileName}` : '';
      const facts = [a.testAccuracy !== undefined ? `test accuracy ${percent(a.testAccuracy)}` : null,
        a.trainingSeconds !== undefined ? `trained in ${duration(a.trainingSeconds)}` : null].filter(Boolean);
      run = { outcome: 'succeeded', id: model.id,
        text: `Last training run: ${a.model || 'model'}${from}, finished ${dateTime(model.createdAt)}` + (facts.length ? `: ${facts.join(', ')}.` : '.') };
    }
    const text = run ? run.text : loading ? 'Loading the last training run…' : '';
    if (box.textContent !== text) box.textContent = text;
    box.dataset.outcome = run ? run.outcome : loading ? 'loading' : 'none';
    box.dataset.valueId = run ? run.id : '';
    box.hidden = !text;
  }

  renderModels() {
    const models = this.store.valuesOf('learn', 'model');
    const endpoints = this.store.valuesOf('serve');
    const serving = this.store.servingEndpoint();
    const loading = this.store.loading();
    const signature = JSON.stringify([models.map((m) => m.id), endpoints.map((e) => e.id), serving?.id, this.selectedModel, loading]);
    if (signature === this.modelsSignature) return;
    this.modelsSignature = signature;
    const { models: box, confusion } = this.el;
    if (!models.length) {
      clear(box).append(h('p', { class: 'muted', dataset: { state: loading ? 'loading' : 'empty' } },
        [loading ? 'Loading the model versions…' : 'No model yet.']));
      clear(confusion);
      return;
    }
    if (!this.selectedModel || !models.some((m) => m.id === this.selectedModel)) this.selectedModel = models[0].id;
    const rows = models.map((model) => {
      const a = model.annotations || {};
      const served = this.store.endpointsOfModel(model.id);
      const servedText = served.length
        ? served.map((e) => 'version ' + (e.annotations?.modelVersion ?? '?') + (e === serving ? ' (serving)' : '')).join(', ')
        : '–';
      const selected = model.id === this.selectedModel;
      const recipe = sourceIds(model, 'script')[0];
      return h('tr', { class: selected ? 'selected' : '', dataset: { modelId: model.id } }, [
        h('td', {}, [dateTime(model.createdAt)]),
        h('td', {}, [a.model || a.modelType || '–']),
        h('td', { class: 'num' }, [a.testAccuracy !== undefined ? percent(a.testAccuracy) : '–']),
        h('td', { class: 'num photo-accuracy', title: 'test images as product photos, through the preprocessing' },
          [a.photoAccuracy !== undefined ? percent(a.photoAccuracy) : '–']),
        h('td', { class: 'num' }, [a.trainingSeconds !== undefined ? duration(a.trainingSeconds) : '–']),
        h('td', {}, [servedText]),
        h('td', {}, [
          h('button', { type: 'button', class: 'link-button', title: model.id, onclick: () => this.viewer.showValue(model.id) }, [shortId(model.id)]),
          recipe ? h('span', { class: 'muted small' }, [' from recipe ', h('button', {
            type: 'button', class: 'link-button', title: recipe, onclick: () => this.viewer.showValue(recipe),
          }, [shortId(recipe)])]) : null,
        ]),
        h('td', {}, [h('button', {
          type: 'button',
          class: 'button small',
          'aria-pressed': String(selected),
          onclick: () => {
            this.selectedModel = model.id;
            this.renderModels();
          },
        }, ['details'])]),
      ]);
    });
    clear(box).append(h('table', { class: 'models' }, [
      h('caption', { class: 'visually-hidden' }, ['Model versions, newest first']),
      h('thead', {}, [h('tr', {}, ['Trained', 'Model', 'Test accuracy', 'Photo accuracy', 'Training time', 'Served as', 'Value', ''].map((t) => h('th', { scope: 'col' }, [t])))]),
      h('tbody', {}, rows),
    ]));
    const selected = models.find((m) => m.id === this.selectedModel);
    clear(confusion).append(confusionMatrix(selected), mistakesGallery(selected));
  }
}

/** The ten test images the model was surest of and wrong about (annotation "mistakes": raw 28x28 pixels in base64). */
function mistakesGallery(model) {
  const mistakes = parseJson(model?.annotations?.mistakes, null);
  if (!Array.isArray(mistakes)) return h('p', { class: 'muted small' }, ['This model carries no list of mistakes.']);
  const figures = mistakes.map((m) => {
    const raw = atob(m.image || '');
    const pixels = Array.from(raw, (c) => c.charCodeAt(0) / 255);
    const label = `test image ${m.testIndex}: a ${m.className} taken for a ${m.predictedClassName} (${percent(m.confidence)} sure)`;
    return h('figure', { class: 'mistake', title: label }, [
      pixels.length === 784 ? tensorCanvas({ side: 28, pixels }, label) : null,
      h('figcaption', { class: 'small' }, [
        h('span', { class: 'true-class' }, [m.className]), ' → ',
        h('span', { class: 'predicted-class' }, [m.predictedClassName]),
        h('span', { class: 'muted' }, [' ' + percent(m.confidence)]),
      ]),
    ]);
  });
  return h('section', { class: 'mistakes', 'aria-label': 'Most confident mistakes' }, [
    h('h4', {}, ['Most confident mistakes on the test set (true → predicted, confidence)']),
    h('div', { class: 'mistakes-grid' }, figures),
  ]);
}

function toPoint(p, epoch) {
  return { epoch: Number(p.epoch ?? epoch), loss: Number(p.loss), accuracy: Number(p.accuracy ?? p.acc) };
}

function confusionMatrix(model) {
  const a = model?.annotations || {};
  const matrix = parseJson(a.confusionMatrix, null);
  const perClass = readPerClass(a.perClassAccuracy);
  if (!Array.isArray(matrix) || !matrix.length) {
    return h('p', { class: 'muted small' }, ['This model carries no confusion matrix.']);
  }
  const names = matrix.map((_, i) => perClass[i]?.name && !/^\d+$/.test(perClass[i].name) ? perClass[i].name : CLASSES[i] ?? String(i));
  const head = h('tr', {}, [
    h('th', { scope: 'col', class: 'corner' }, ['true ↓ / predicted →']),
    ...names.map((n) => h('th', { scope: 'col', title: n }, [SHORT[n] || n])),
    perClass.length ? h('th', { scope: 'col' }, ['accuracy']) : null,
  ]);
  const body = matrix.map((row, i) => {
    const total = row.reduce((x, y) => x + Number(y), 0) || 1;
    return h('tr', {}, [
      h('th', { scope: 'row', title: names[i] }, [SHORT[names[i]] || names[i]]),
      ...row.map((count, j) => {
        const share = Number(count) / total;
        const style = `--share:${share.toFixed(3)}`;
        return h('td', { class: 'cell ' + (i === j ? 'diag' : 'off') + (share > 0.5 ? ' strong' : ''), style,
          title: `true ${names[i]}, predicted ${names[j]}: ${count} (${percent(share)})` }, [String(count)]);
      }),
      perClass.length ? h('td', { class: 'num' }, [percent(perClass[i]?.accuracy)]) : null,
    ]);
  });
  return h('table', { class: 'confusion-table' }, [
    h('caption', {}, [`Confusion matrix of ${a.model || 'model'} ${shortId(model.id)}` +
      (a.testAccuracy !== undefined ? ` (test accuracy ${percent(a.testAccuracy)}` : '') +
      (a.photoAccuracy !== undefined ? `, photo accuracy ${percent(a.photoAccuracy)}` : '') +
      (a.testAccuracy !== undefined ? ')' : '') + '; per-class accuracy on the right']),
    h('thead', {}, [head]),
    h('tbody', {}, body),
  ]);
}
