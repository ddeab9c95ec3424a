// The pipeline UI: loads the graph, subscribes to the live feed (GET /v1/events), then loads the snapshot
// (status from the compacted status topic, recent values per task, counts per link) and keeps every view up to date.
// After file-drop restarts, its index reads the topics again: until it has (`caughtUp`), the snapshot is partial, so the
// page says "loading history…", polls GET /v1/pipeline and loads the snapshot again once the index is whole (the feed's
// `caughtUp` event says so too). A snapshot that fails (file-drop down, 503) is retried, never left half-loaded.

import { coalesce, fetchJson } from './dom.js';
import { Store } from './state.js';
import { GraphView } from './graph.js';
import { setupDropZone } from './drops.js';
import { TrainingView } from './training.js';
import { PredictionsView } from './predictions.js';
import { RolloutView } from './rollout.js';
import { ValuesView } from './values.js';
import { Viewer } from './viewer.js';
import { ReplayView } from './replay.js';

const SNAPSHOT_LIMIT = 200;
const INDEX_POLL_MS = 1000;
const COUNTS_DELAY_MS = 2000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const store = new Store();
const $ = (id) => document.getElementById(id);
const connection = $('connection');
const viewer = new Viewer($('viewer'), store);
const values = new ValuesView($('link-tabs'), $('values'), store, viewer);
const graph = new GraphView($('graph'), $('graph-tooltip'), store, (task, output) => values.select(task, output, { scroll: true }));
const training = new TrainingView({
  status: $('training-status'),
  lastRun: $('training-last'),
  bar: $('training-progress'),
  barText: $('training-progress-text'),
  chart: $('training-chart'),
  models: $('models'),
  confusion: $('confusion'),
}, store, viewer);
const predictions = new PredictionsView($('predictions'), store, viewer);
const rollout = new RolloutView($('rollout'), store);
const replay = new ReplayView({ form: $('replay-form'), result: $('replay-result'), list: $('replay-list'), report: $('replay-report') },
  viewer);

const renderAll = coalesce(() => {
  graph.update();
  training.render();
  predictions.render();
  rollout.render();
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

window.tfFashion = { store, replay };

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

/** Status of every task (compacted status topic), the counts per link and the newest values of each task. */
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
  const whole = pipeline.caughtUp !== false;
  if (whole) store.setSnapshotLoaded();
  showIndexState();
  renderAll();
  return whole;
}

let refreshing = null;
let refreshAgain = false;

/**
 * Loads the snapshot, retrying until it is whole: after a failure (file-drop restarting, 503) with a growing delay, and while
 * the index is still loading every second (GET /v1/pipeline says caughtUp false). One refresh at a time; asked again
 * meanwhile, it runs once more at the end.
 */
function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    for (let attempt = 0; ; attempt++) {
      refreshAgain = false;
      try {
        const whole = await loadSnapshot();
        if (whole && !refreshAgain) return;
        if (!whole) await sleep(INDEX_POLL_MS);
        attempt = -1;
      } catch (e) {
        setConnection('offline', `Could not load the pipeline state (${e.message}); retrying…`);
        await sleep(Math.min(10000, 1000 * 2 ** attempt));
      }
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** The connection line: live, or loading the history while file-drop's index reads the topics. */
function showIndexState() {
  if (connection.dataset.state === 'offline' && !live) return;
  if (store.loading()) {
    const missing = store.index.missingTopics.length ? `; waiting for topic ${store.index.missingTopics.join(', ')}` : '';
    setConnection('loading', `loading history… (file-drop is reading the pipeline's topics${missing})`);
  } else {
    setConnection('live', 'live');
  }
}

let countsTimer = null;

/** Counts of links whose values the page holds only in part (200 per task) come from the index, a little after new values. */
function refreshCountsSoon(value) {
  if (countsTimer || !value || !store.truncated.has(value.task)) return;
  countsTimer = setTimeout(() => {
    fetchJson('/v1/pipeline').then((p) => store.setPipeline(p)).catch(() => {}).finally(() => {
      countsTimer = null;
    });
  }, COUNTS_DELAY_MS);
}

let live = false;

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
  source.addEventListener('ready', handle((ready) => {
    live = true;
    if (typeof ready?.caughtUp === 'boolean') store.setIndex(ready.caughtUp, store.index.missingTopics);
    showIndexState();
    refresh();
  }));
  source.addEventListener('caughtUp', handle(() => {
    store.setIndex(true, []);
    refresh();
  }));
  source.addEventListener('value', handle((v) => {
    if (store.applyValue(v)) refreshCountsSoon(v);
  }));
  // Each task's status across its replicas (the aggregate with its replicas); the raw per-replica 'status' events are not used.
  source.addEventListener('taskStatus', handle((e) => store.applyStatus(e)));
  source.addEventListener('deadLetter', handle((d) => store.applyDeadLetter(d)));
  source.addEventListener('error', () => {
    live = false;
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
