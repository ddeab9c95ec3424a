// Drop zones: drag and drop or a keyboard-reachable file picker, posted as multipart to POST /scriptInput or
// POST /imageInput. Each result (the id, or the API's error and hint in its own words) goes to a live region.
// A drop answered 401 asks for the drop token (token.js), then is sent again with it.

import { h } from './dom.js';
import { askForToken, authorization, forgetToken } from './token.js';

const MAX_RESULTS = 5;

export function setupDropZone(zone, { onAccepted, onView }) {
  const task = zone.dataset.task;
  const input = zone.querySelector('input[type=file]');
  const results = zone.querySelector('.drop-result');

  const send = async (files) => {
    for (const file of files) {
      const line = h('p', { class: 'result pending' }, [`Sending ${file.name}…`]);
      results.prepend(line);
      while (results.childElementCount > MAX_RESULTS) results.lastElementChild.remove();
      const outcome = await upload(task, file);
      line.replaceChildren(...render(outcome, file, onView));
      line.className = 'result ' + (outcome.ok ? 'ok' : 'error');
      line.dataset.outcome = outcome.ok ? 'accepted' : 'refused';
      if (outcome.ok) {
        line.dataset.id = outcome.id;
        onAccepted?.(task, outcome.id, file);
      }
    }
  };

  input.multiple = true;
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    if (files.length) send(files);
  });
  zone.addEventListener('dragenter', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', (e) => {
    if (!zone.contains(e.relatedTarget)) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const files = [...(e.dataTransfer?.files || [])];
    if (files.length) send(files);
    else results.prepend(h('p', { class: 'result error' }, ['Nothing to send: drop a file, not text or a link.']));
  });
}

async function upload(task, file) {
  for (;;) {
    const sent = authorization();
    const outcome = await post(task, file, sent);
    if (outcome.status !== 401) return outcome;
    if (sent.Authorization && sent.Authorization === authorization().Authorization) forgetToken();
    const kept = authorization().Authorization || await askForToken(sent.Authorization ? `The token was refused: ${outcome.error}.` : '');
    if (!kept) return outcome;
  }
}

async function post(task, file, headers) {
  const form = new FormData();
  form.append('file', file, file.name);
  try {
    const response = await fetch('/' + task, { method: 'POST', body: form, headers: { Accept: 'application/json', ...headers } });
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (response.status === 202 || response.ok) {
      return { ok: true, id: body?.id, replayed: body?.replayed === true };
    }
    return {
      ok: false,
      status: response.status,
      error: body?.error || text.trim() || response.statusText,
      hint: body?.hint,
    };
  } catch (e) {
    return { ok: false, status: 0, error: `the file drop did not answer (${e.message})`, hint: 'check that file-drop is running, then drop the file again' };
  }
}

function render(outcome, file, onView) {
  if (outcome.ok) {
    return [
      h('span', { class: 'mark', 'aria-hidden': 'true' }, ['✓ ']),
      `${file.name} accepted${outcome.replayed ? ' (again: same Idempotency-Key)' : ''}, id `,
      h('button', { type: 'button', class: 'link-button id', title: 'Show this value', onclick: () => onView?.(outcome.id) }, [outcome.id]),
    ];
  }
  return [
    h('span', { class: 'mark', 'aria-hidden': 'true' }, ['✗ ']),
    `${file.name} refused${outcome.status ? ` (${outcome.status})` : ''}: `,
    h('span', { class: 'api-error' }, [outcome.error]),
    outcome.hint ? h('span', { class: 'api-hint' }, [' — ' + outcome.hint]) : null,
  ];
}
