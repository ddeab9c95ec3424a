// The replay panel (issue 16, README "Replay"): asks predict to re-predict past pictures with another model version
// (POST /v1/replay, behind the drop token like every write), lists the replays (GET /v1/replay) and shows what changed
// between the two versions (GET /v1/replay/{id}): the counts, the classes before and after, and each flipped picture
// (the 28x28 image the model saw, GET /v1/values/{tensor}/preview) with its class before and after.

import { clear, dateTime, fetchJson, h, percent, shortId } from './dom.js';
import { askForToken, authorization, forgetToken } from './token.js';

const POLL_MS = 2000;
const MAX_FLIPS = 200;

export class ReplayView {
  constructor(elements, viewer) {
    this.form = elements.form;
    this.result = elements.result;
    this.list = elements.list;
    this.report = elements.report;
    this.viewer = viewer;
    this.selected = null;
    this.listed = null; // what the list shows, and the report shown: rebuilt only when they change, so that the pictures
    this.shown = null; // and the buttons under the user's pointer are not replaced every poll
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.post();
    });
    this.refresh();
    setInterval(() => this.refresh(), POLL_MS);
  }

  body() {
    const data = new FormData(this.form);
    const from = data.get('fromVersion');
    const to = data.get('toVersion');
    return JSON.stringify({ fromVersion: Number(from), toVersion: Number(to) });
  }

  async post() {
    const send = () => fetch('/v1/replay', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authorization() },
      body: this.body(),
    });
    let response = await send();
    if (response.status === 401) {
      forgetToken();
      const error = (await response.json().catch(() => ({}))).error;
      if (await askForToken(error)) response = await send();
    }
    const answer = await response.json().catch(() => ({}));
    clear(this.result);
    if (!response.ok) {
      this.result.append(h('p', { class: 'api-error', role: 'alert' }, [answer.error || response.statusText,
        answer.hint ? h('span', { class: 'muted small' }, [' ', answer.hint]) : null]));
      return;
    }
    this.result.append(h('p', { class: 'small' }, [`Replay ${answer.describe} (${shortId(answer.id)}): ${answer.state}. `,
      answer.note || '']));
    this.selected = answer.id;
    this.refresh();
  }

  async refresh() {
    let replays;
    try {
      replays = await fetchJson('/v1/replay');
    } catch {
      return;
    }
    if (!this.selected && replays.length) this.selected = replays[0].id;
    const listed = JSON.stringify([this.selected, replays]);
    if (listed !== this.listed) {
      this.listed = listed;
      this.renderList(replays);
    }
    if (this.selected) this.show(this.selected);
  }

  renderList(replays) {
    clear(this.list);
    if (!replays.length) {
      this.list.append(h('p', { class: 'muted small' }, ['No replay yet.']));
    }
    for (const r of replays) {
      const button = h('button', {
        type: 'button', class: 'tab', 'aria-pressed': String(r.id === this.selected), dataset: { replay: r.id },
        onclick: () => {
          this.selected = r.id;
          this.refresh();
        },
      }, [`${r.describe} · ${r.state} · ${r.counts.flipped} flipped`]);
      this.list.append(button);
    }
  }

  async show(id) {
    let r;
    try {
      r = await fetchJson(`/v1/replay/${encodeURIComponent(id)}`);
    } catch (e) {
      this.shown = null;
      clear(this.report).append(h('p', { class: 'muted small' }, [e.status === 404 ? 'Waiting for predict to start the replay…'
        : e.message]));
      return;
    }
    const shown = JSON.stringify([r.id, r.state, r.updatedAt, r.counts]);
    if (shown === this.shown) return;
    this.shown = shown;
    const from = r.fromVersion ? `v${r.fromVersion}` : 'the current predictions';
    const c = r.counts;
    const flips = r.flips.slice(0, MAX_FLIPS);
    clear(this.report).append(
      h('h3', { id: 'replay-diff-title' }, [`What changed between ${from} and v${r.toVersion}`]),
      h('p', { class: 'small', id: 'replay-summary' }, [
        `${r.state}${r.state === 'running' ? ' (' + percent(r.progress, 0) + ')' : ''} · ${c.replayed} pictures re-predicted · `,
        h('strong', {}, [`${c.flipped} flipped`]), ` · ${c.unchanged} unchanged · ${c.outOfReach} out of reach`,
        c.alreadyAtVersion ? ` · ${c.alreadyAtVersion} already at v${r.toVersion}` : '',
        c.refused ? ` · ${c.refused} refused` : '', ` · updated ${dateTime(r.updatedAt)}`]),
      r.reason ? h('p', { class: 'api-error' }, [r.reason]) : null,
      classTable(r.perClass),
      h('div', { class: 'flips', id: 'replay-flips', role: 'list', 'aria-label': 'Flipped pictures' },
        flips.map((f) => h('figure', { class: 'flip', role: 'listitem', dataset: { image: f.imageId } }, [
          h('img', { src: f.preview, alt: `picture ${shortId(f.imageId)}`, width: 56, height: 56, loading: 'lazy' }),
          h('figcaption', {}, [
            h('span', { class: 'before' }, [f.before.className]), ' → ', h('span', { class: 'after' }, [f.after.className]),
            h('br'), h('a', { href: f.prediction, class: 'small' }, [shortId(f.imageId)]),
          ]),
        ]))),
      r.flips.length > MAX_FLIPS ? h('p', { class: 'muted small' }, [`${r.flips.length - MAX_FLIPS} more flips in `,
        h('a', { href: `/v1/replay/${r.id}` }, ['the report'])]) : null,
    );
  }
}

function classTable(rows) {
  if (!rows.length) return null;
  return h('div', { class: 'table-wrap' }, [h('table', { class: 'small', id: 'replay-classes' }, [
    h('thead', {}, [h('tr', {}, ['class', 'before', 'after', 'lost', 'gained'].map((t) => h('th', { scope: 'col' }, [t])))]),
    h('tbody', {}, rows.map((row) => h('tr', { dataset: { label: row.label } }, [h('th', { scope: 'row' }, [row.className]),
      h('td', {}, [row.before]), h('td', {}, [row.after]), h('td', {}, [row.lost]), h('td', {}, [row.gained])]))),
  ])]);
}
