// The pipeline UI: loads the graph, subscribes to the live feed (GET /v1/events), then loads the snapshot
// (status from the compacted status topic, recent values per task) and keeps every view up to date.

import { coalesce, fetchJson } from './dom.js';
import { Store } from './state.js';
import { GraphView } from './graph.js';
import { setupDropZone } from './drops.js';
import { TrainingView } from './training.js';
import { PredictionsView } from './predictions.js';
import { ValuesView } from './values.js';
import { Viewer } from './viewer.js';

const SNAPSHOT_LIMIT = 200;

const store = new Store();
const $ = (id) => document.getElementById(id);
const connection = $('connection');
const viewer = new Viewer($('viewer'), store);
const values = new ValuesView($('link-tabs'), $('values'), store, viewer);
const graph = new GraphView($('graph'), $('graph-tooltip'), store, (task, output) => values.select(task, output, { scroll: true }));
const training = new TrainingView({
  status: $('training-status'),
  bar: $('training-progress'),
  barText: $('training-progress-text'),
  chart: $('training-chart'),
  models: $('models'),
  confusion: $('confusion'),
}, store, viewer);
const predictions = new PredictionsView($('predictions'), store, viewer);

const renderAll = coalesce(() => {
  graph.update();
  training.render();
  predictions.render();
  values.render();
});
store.onChange(renderAll);

for (const zone of document.querySelectorAll('.dropzone')) {
  setupDropZone(zone, {
    onView: (id) => viewer.showValue(id),
    onAccepted: (task, id) => {
      fetchJson(`/v1/values/${encodeURIComponent(id)}`).then((v) => store.applyValue(v)).catch(() => {});
    },
  });
}

window.tfFashion = { store };

function setConnection(state, text) {
  connection.dataset.state = state;
  if (connection.textContent !== text) connection.textContent = text;
}

async function loadPipeline() {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchJson('/v1/pipeline');
    } catch (e) {
      setConnection('offline', `The file drop does not answer (${e.message}); retrying…`);
      await new Promise((r) => setTimeout(r, Math.min(10000, 1000 * 2 ** attempt)));
    }
  }
}

/** Status of every task (compacted status topic) and the newest values of each task. */
async function loadSnapshot() {
  const pipeline = await fetchJson('/v1/pipeline');
  store.setPipeline(pipeline);
  const tasks = store.tasks().filter((t) => (t.outputs || []).length);
  const lists = await Promise.all(tasks.map((t) => fetchJson(`/v1/values?task=${encodeURIComponent(t.name)}&limit=${SNAPSHOT_LIMIT}`)
    .then((list) => ({ task: t.name, list }))));
  for (const { task, list } of lists) {
    if (list.length >= SNAPSHOT_LIMIT) store.truncated.add(task);
    for (const value of list.slice().reverse()) store.applyValue(value);
  }
  renderAll();
}

function subscribe() {
  const source = new EventSource('/v1/events');
  const handle = (apply) => (message) => {
    try {
      const event = JSON.parse(message.data);
      apply(event.payload);
    } catch (e) {
      console.warn('unreadable live event', e, message.data);
    }
  };
  source.addEventListener('ready', () => {
    setConnection('live', 'live');
    loadSnapshot().catch((e) => setConnection('offline', `Could not load the pipeline state (${e.message}); retrying…`));
  });
  source.addEventListener('value', handle((v) => store.applyValue(v)));
  source.addEventListener('status', handle((e) => store.applyStatus(e)));
  source.addEventListener('deadLetter', handle((d) => store.applyDeadLetter(d)));
  source.addEventListener('error', () => {
    setConnection('offline', 'live updates interrupted; reconnecting…');
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(subscribe, 5000);
    }
  });
}

async function start() {
  const pipeline = await loadPipeline();
  document.getElementById('pipeline-name').textContent = pipeline.name;
  document.getElementById('pipeline-description').textContent = pipeline.description || '';
  document.title = `${pipeline.name} pipeline`;
  store.setPipeline(pipeline);
  graph.build();
  values.build();
  renderAll();
  setConnection('connecting', 'connecting to live updates…');
  subscribe();
}

start();
