// The page's model of the pipeline: the graph, each task's latest status, the values seen and their joins.
// It is fed by the snapshot (GET /v1/pipeline, GET /v1/values) and the live feed (GET /v1/events); every
// merge is idempotent (values by id, status by time), so the two can arrive in any order.
// The index behind the API is rebuilt from the topics when file-drop starts: until it has read them all (`caughtUp`),
// what it answers is partial, and the page says it is loading rather than "no training yet" or counts of zero.

export const STATES = ['idle', 'waiting', 'active', 'succeeded', 'failed'];

export class Store {
  constructor() {
    this.pipeline = null;
    this.status = new Map();
    this.values = new Map();
    this.deadLetters = new Map();
    this.tensorByImage = new Map();
    this.predictionByTensor = new Map();
    this.truncated = new Set();
    this.counts = new Map();
    this.deadLetterSummary = {};
    this.index = { caughtUp: null, missingTopics: [] };
    this.snapshotLoaded = false;
    this.transitions = [];
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  emit(kind, payload) {
    for (const listener of this.listeners) {
      try {
        listener(kind, payload);
      } catch (e) {
        console.error('listener failed on', kind, e);
      }
    }
  }

  setPipeline(pipeline) {
    const first = this.pipeline === null;
    this.pipeline = {
      name: pipeline.name,
      description: pipeline.description,
      tasks: pipeline.tasks || [],
      links: pipeline.links || [],
      statusTopic: pipeline.statusTopic,
    };
    if (first) this.emit('pipeline', this.pipeline);
    for (const event of Object.values(pipeline.status || {})) this.applyStatus(event);
    if (pipeline.counts) {
      this.counts = new Map();
      for (const [task, outputs] of Object.entries(pipeline.counts)) {
        for (const [output, n] of Object.entries(outputs || {})) this.counts.set(`${task}/${output}`, Number(n) || 0);
      }
    }
    if (pipeline.deadLetters) {
      this.deadLetterSummary = pipeline.deadLetters;
      for (const summary of Object.values(pipeline.deadLetters)) if (summary?.latest) this.applyDeadLetter(summary.latest);
    }
    if (typeof pipeline.caughtUp === 'boolean') this.setIndex(pipeline.caughtUp, pipeline.missingTopics);
  }

  /** Whether file-drop's index has read every topic (null: not known yet). */
  setIndex(caughtUp, missingTopics) {
    const changed = this.index.caughtUp !== caughtUp;
    this.index = { caughtUp, missingTopics: missingTopics || [] };
    if (changed) this.emit('index', this.index);
  }

  /** Called once the page has loaded a snapshot of a caught-up index: the values, not only the statuses and counts. */
  setSnapshotLoaded() {
    if (this.snapshotLoaded) return;
    this.snapshotLoaded = true;
    this.emit('index', this.index);
  }

  /**
   * True until file-drop says its index holds the whole history and the page has loaded its values: what the page shows is
   * partial meanwhile (the graph and statuses come first, the models only with the snapshot).
   */
  loading() {
    return this.index.caughtUp !== true || !this.snapshotLoaded;
  }

  /**
   * Values a task output has published: the index's count (every value, not only those loaded), or the values the page
   * holds when it knows more (values that arrived live since the count was read).
   */
  countOf(task, output) {
    return Math.max(this.counts.get(`${task}/${output}`) || 0, this.valuesOf(task, output).length);
  }

  tasks() {
    return this.pipeline ? this.pipeline.tasks : [];
  }

  links() {
    return this.pipeline ? this.pipeline.links : [];
  }

  /** Every output of every task, with the links leaving it (none for the pipeline's final outputs). */
  outputs() {
    const result = [];
    for (const task of this.tasks()) {
      for (const output of task.outputs || []) {
        const links = this.links().filter((l) => l.fromTask === task.name && l.fromOutput === output.name);
        result.push({ task: task.name, output: output.name, links, type: links[0]?.type || output.type || null });
      }
    }
    return result;
  }

  stateOf(task) {
    return this.status.get(task)?.state || 'idle';
  }

  applyStatus(event) {
    if (!event || !event.task) return false;
    const previous = this.status.get(event.task);
    // An aggregate of replicas (it lists them) may go back in time when a replica turns stale: it always replaces the last one.
    const aggregate = Array.isArray(event.replicas);
    if (!aggregate && previous && previous.updatedAt && event.updatedAt
      && Date.parse(previous.updatedAt) > Date.parse(event.updatedAt)) {
      return false;
    }
    this.status.set(event.task, event);
    if ((previous?.state || null) !== event.state) {
      this.transitions.push({ task: event.task, from: previous?.state || null, to: event.state, at: event.updatedAt });
      if (this.transitions.length > 500) this.transitions.shift();
    }
    this.emit('status', event);
    return true;
  }

  applyValue(value) {
    if (!value || !value.id || this.values.has(value.id)) return false;
    this.values.set(value.id, value);
    if (value.type === 'tensor') {
      for (const image of sourceIds(value, 'image')) this.tensorByImage.set(image, value.id);
    } else if (value.type === 'prediction') {
      for (const tensor of sourceIds(value, 'tensor')) {
        if (!this.predictionByTensor.has(tensor)) this.predictionByTensor.set(tensor, value.id);
      }
    }
    this.emit('value', value);
    return true;
  }

  applyDeadLetter(letter) {
    if (!letter) return false;
    if (letter.id) this.deadLetters.set(letter.id, letter);
    this.emit('deadLetter', letter);
    return true;
  }

  /** Values of one task output, newest first. */
  valuesOf(task, output) {
    const list = [];
    for (const value of this.values.values()) {
      if (value.task === task && (!output || value.output === output)) list.push(value);
    }
    return list.sort(newestFirst);
  }

  tensorOfImage(imageId) {
    return this.values.get(this.tensorByImage.get(imageId));
  }

  predictionOfImage(imageId) {
    const tensor = this.tensorByImage.get(imageId);
    return tensor ? this.values.get(this.predictionByTensor.get(tensor)) : undefined;
  }

  /** The endpoint in service: the one serve's status names (endpointId), else the newest announced. */
  servingEndpoint() {
    const endpoints = this.valuesOf('serve');
    const named = this.status.get('serve')?.details?.endpointId;
    return endpoints.find((e) => e.id === named) || endpoints[0];
  }

  /** The newest dead letter of a task (for learn: the last training run that failed), if any. */
  latestDeadLetter(task) {
    let latest;
    for (const letter of this.deadLetters.values()) {
      if (letter.task === task && (!latest || Date.parse(letter.at) > Date.parse(latest.at))) latest = letter;
    }
    return latest;
  }

  /** The endpoints announced for a model value, newest first. */
  endpointsOfModel(modelId) {
    return this.valuesOf('serve').filter((e) => sourceIds(e, 'model').includes(modelId) || e.annotations?.modelId === modelId);
  }
}

export function sourceIds(value, input) {
  const entry = (value.sourceInputs || []).find((s) => s.input === input);
  return entry ? entry.ids || [] : [];
}

export function newestFirst(a, b) {
  return (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0);
}
