// The rollout panel: what the serve task reports of its rollout (status details "rollout", the same as GET /v1/rollout/{name}):
// policy, live and challenger versions, agreement overall and per class, p99 of both, the gate and its last decision, and
// the manual Promote and Roll back (POST /v1/rollout/{name}/promote|rollback, with the drop token like drops).

import { clear, h, number, percent } from './dom.js';
import { askForToken, authorization, forgetToken } from './token.js';

const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export class RolloutView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.message = '';
  }

  rollout() {
    return this.store.status.get('serve')?.details?.rollout || null;
  }

  render() {
    const r = this.rollout();
    clear(this.root);
    if (!r) {
      this.root.append(h('p', { class: 'muted small' }, ['No model is served yet.']));
      return;
    }
    const rows = [
      ['Model', r.modelName],
      ['Policy', r.challengerVersion ? r.policy : `${r.policy} (new models: ${r.defaultPolicy})`],
      ['Live version', r.liveVersion != null ? `v${r.liveVersion}` : '—'],
    ];
    if (r.challengerVersion) {
      rows.push(['Challenger', `v${r.challengerVersion}${r.canaryWeight != null ? ` (canary ${percent(r.canaryWeight)})` : ''}`]);
      const s = r.shadow || {};
      rows.push(['Predictions compared', `${s.predictions || 0} of ${r.gate.shadowPredictions}`]);
      rows.push(['Agreement', s.agreement != null ? percent(s.agreement) : '—']);
      rows.push(['p99 live / challenger', `${s.liveP99Millis != null ? number(s.liveP99Millis) : '—'} ms / `
        + `${s.challengerP99Millis != null ? number(s.challengerP99Millis) : '—'} ms`]);
    }
    if (r.lastDecision) {
      rows.push(['Last decision', `${r.lastDecision.outcome}: ${r.lastDecision.reason}`]);
    }
    const table = h('table', { class: 'rollout-table', id: 'rollout-table' }, [
      h('tbody', {}, rows.map(([k, v]) => h('tr', {}, [h('th', { scope: 'row' }, [k]), h('td', {}, [String(v)])]))),
    ]);
    this.root.append(table);
    const perClass = r.shadow?.agreementPerClass || {};
    if (Object.keys(perClass).length) {
      this.root.append(h('table', { class: 'rollout-classes', id: 'rollout-classes' }, [
        h('caption', { class: 'small' }, ['Agreement per class (the live version\'s class)']),
        h('tbody', {}, Object.entries(perClass).map(([c, a]) => h('tr', {}, [
          h('th', { scope: 'row' }, [CLASS_NAMES[Number(c)] || c]), h('td', {}, [percent(a)]),
        ]))),
      ]));
    }
    const promote = h('button', { type: 'button', class: 'button', id: 'rollout-promote' }, ['Promote challenger']);
    promote.disabled = !r.challengerVersion;
    promote.addEventListener('click', () => this.send(r.modelName, 'promote'));
    const rollback = h('button', { type: 'button', class: 'button', id: 'rollout-rollback' }, ['Roll back']);
    rollback.addEventListener('click', () => this.send(r.modelName, 'rollback'));
    this.root.append(h('div', { class: 'rollout-actions' }, [promote, ' ', rollback]));
    this.root.append(h('p', { class: 'small', role: 'status', id: 'rollout-message' }, [this.message]));
  }

  async send(name, action) {
    const url = `/v1/rollout/${encodeURIComponent(name)}/${action}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const sent = authorization();
      const response = await fetch(url, { method: 'POST', headers: { Accept: 'application/json', ...sent } });
      const body = await response.json().catch(() => ({}));
      if (response.status === 401 && attempt === 0) {
        if (sent.Authorization) forgetToken();
        if (!(await askForToken(body.error || ''))) break;
        continue;
      }
      this.message = response.ok ? `${action} sent (command ${body.command}); the outcome shows above.`
        : `${action} refused: ${body.error || response.status}${body.hint ? ` (${body.hint})` : ''}`;
      break;
    }
    this.render();
  }
}
