#!/usr/bin/env node
// What a returning user sees: reads the pipeline's state from the REST API (models, the version in service, the link counts,
// the last training run), restarts the whole pipeline with `bin/tf-fashion down` and `up` on the same data folder
// (TF_FASHION_HOME), opens the page in headless Chromium as soon as file-drop answers (while its index may still be reading
// the topics), and checks that the page fills in the same state, without ever saying "No training yet" or showing a count
// below the one before the restart without marking it as loading. Run it after a model was trained and served and pictures
// were predicted (bin/test runs it after the demo and ui-test.mjs). Exits non-zero on failure; screenshots go to out/.
//
// --hold-broker SECONDS pauses the broker (SIGSTOP to the PID the launcher recorded, SIGCONT after) as soon as file-drop's
// index starts following the topics (its log says so), until the page has shown its "loading history" state, at most SECONDS
// (keep it well under the 60 s the services wait for the broker at start): so the page opens while the index loads, however
// fast the machine reads the topics. 0 (the default) leaves the broker alone.
//
//   node restart-test.mjs [BASE_URL] [--timeout-minutes N] [--hold-broker SECONDS]

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { check, fail, log } from './checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, 'out');
const launcher = path.join(root, 'bin/tf-fashion');
const home = process.env.TF_FASHION_HOME || path.join(root, '.tf-fashion');
const options = parseArgs(process.argv.slice(2));
const base = options.base.replace(/\/$/, '');
const NO_TRAINING = 'No training yet';

function parseArgs(args) {
  const o = { base: process.env.UI_TEST_BASE_URL || 'http://127.0.0.1:8080', timeoutMinutes: 5, holdBroker: 0 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--timeout-minutes') o.timeoutMinutes = Number(args[++i]);
    else if (a === '--hold-broker') o.holdBroker = Number(args[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node restart-test.mjs [BASE_URL] [--timeout-minutes N] [--hold-broker SECONDS]');
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}; see --help`);
    else o.base = a;
  }
  if (!Number.isFinite(o.timeoutMinutes) || o.timeoutMinutes <= 0) fail('--timeout-minutes needs a positive number');
  if (!Number.isFinite(o.holdBroker) || o.holdBroker < 0) fail('--hold-broker needs a number of seconds, 0 or more');
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(pathName) {
  const response = await fetch(base + pathName);
  check(response.ok, `GET ${pathName} answered ${response.status}`);
  return response.json();
}

/** The state the page must show, read from the REST API: counts per link, models, the endpoint in service, the last run. */
async function readState() {
  const pipeline = await api('/v1/pipeline');
  check(pipeline.caughtUp === true, 'before the restart, file-drop\'s index has not caught up (GET /v1/pipeline caughtUp is not true)');
  check(pipeline.counts && typeof pipeline.counts === 'object', 'GET /v1/pipeline has no counts per task output');
  const models = await api('/v1/values?task=learn&limit=1000');
  const endpoints = await api('/v1/values?task=serve&limit=1000');
  const named = pipeline.status?.serve?.details?.endpointId;
  const newest = (list) => list.slice().sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  const serving = endpoints.find((e) => e.id === named) || newest(endpoints);
  const model = newest(models);
  const failure = pipeline.deadLetters?.learn?.latest;
  const lastRun = failure && (!model || Date.parse(failure.at) > Date.parse(model.createdAt))
    ? { outcome: 'failed', id: failure.id } : model ? { outcome: 'succeeded', id: model.id } : null;
  const counts = {};
  for (const [task, outputs] of Object.entries(pipeline.counts)) {
    for (const [output, n] of Object.entries(outputs)) counts[`${task}/${output}`] = n;
  }
  return {
    counts,
    learnState: pipeline.status?.learn?.state,
    models: models.map((m) => m.id),
    serving: serving ? { id: serving.id, model: (serving.sourceInputs || []).find((s) => s.input === 'model')?.ids?.[0],
      version: serving.annotations?.modelVersion } : null,
    lastRun,
  };
}

function runLauncher(command) {
  log(`bin/tf-fashion ${command} (TF_FASHION_HOME=${path.relative(root, home) || home})`);
  const result = spawnSync(launcher, [command], { cwd: root, env: process.env, encoding: 'utf8' });
  process.stdout.write(indent(result.stdout));
  process.stderr.write(indent(result.stderr));
  check(result.status === 0, `bin/tf-fashion ${command} exited with ${result.status}`);
}

function indent(text) {
  return (text || '').split('\n').filter(Boolean).map((l) => `    ${l}\n`).join('');
}

/** The broker's PID as the launcher recorded it, only while that process still runs the broker's jar. */
function brokerPid() {
  const pid = Number(fs.readFileSync(path.join(home, 'pids/kafka.pid'), 'utf8').trim());
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  check(cmdline.includes('kafka-local'), `pid ${pid} of ${home}/pids/kafka.pid is not the broker`);
  return pid;
}

/**
 * Pauses the broker as soon as file-drop's log says its index started following the topics ("follower file-drop-index:
 * following"), before file-drop answers HTTP; answers the function that resumes it (null when file-drop answered first).
 * Services that still provision their topics then wait for the broker (up to 60 s): the pause is kept well under that.
 */
async function pauseWhenIndexStarts(logFile, from, gaveUp) {
  while (!gaveUp()) {
    if (fs.existsSync(logFile) && fs.statSync(logFile).size > from) {
      const fd = fs.openSync(logFile, 'r');
      const buffer = Buffer.alloc(fs.statSync(logFile).size - from);
      fs.readSync(fd, buffer, 0, buffer.length, from);
      fs.closeSync(fd);
      if (buffer.toString('utf8').includes('follower file-drop-index: following')) return pauseBroker();
    }
    await sleep(20);
  }
  return null;
}

let resumeBroker = () => {};

/** Pauses the broker (file-drop's index then cannot read further); answers the idempotent resume, called after SECONDS at the latest. */
function pauseBroker() {
  const pid = brokerPid();
  process.kill(pid, 'SIGSTOP');
  log(`broker paused (SIGSTOP to pid ${pid}) so that file-drop's index cannot catch up yet`);
  let held = true;
  const resume = () => {
    if (!held) return;
    held = false;
    process.kill(pid, 'SIGCONT');
    log(`broker resumed (SIGCONT to pid ${pid})`);
  };
  setTimeout(resume, options.holdBroker * 1000).unref();
  process.once('exit', resume);
  resumeBroker = resume;
  return resume;
}

/** What the page shows: every text the training panel, the connection line and the link counts had since it loaded. */
function recordPage() {
  window.__restart = { training: new Set(), connection: new Set(), counts: [], models: new Set() };
  const take = () => {
    const r = window.__restart;
    const status = document.getElementById('training-status');
    if (status?.textContent) r.training.add(status.textContent);
    const connection = document.getElementById('connection');
    if (connection) r.connection.add(connection.dataset.state + ': ' + connection.textContent);
    const models = document.querySelector('#models > p');
    if (models?.textContent) r.models.add(models.textContent);
    const pictures = document.querySelector('#predictions > p.empty');
    if (pictures?.textContent) r.models.add(pictures.textContent);
    const chart = document.querySelector('#training-chart .chart-empty');
    if (chart?.textContent) r.models.add(chart.textContent);
    for (const pill of document.querySelectorAll('#graph g.edge-label')) {
      const text = pill.querySelector('text')?.textContent;
      if (text) r.counts.push(`${pill.dataset.task}/${pill.dataset.output}=${text}`);
    }
    if (r.counts.length > 5000) r.counts.splice(0, r.counts.length - 5000);
  };
  document.addEventListener('DOMContentLoaded', () => {
    take();
    new MutationObserver(take).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

/** Compares the page with the state read before the restart; answers what differs (empty when all is shown). */
async function differences(page, want) {
  const seen = await page.evaluate(() => ({
    connection: document.getElementById('connection').dataset.state,
    counts: Object.fromEntries([...document.querySelectorAll('#graph g.edge-label')].map((p) => [`${p.dataset.task}/${p.dataset.output}`,
      p.querySelector('text').textContent])),
    rows: [...document.querySelectorAll('#models table.models tbody tr')].map((tr) => ({ id: tr.dataset.modelId,
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim()) })),
    lastRun: { id: document.getElementById('training-last')?.dataset.valueId, outcome: document.getElementById('training-last')?.dataset.outcome,
      text: document.getElementById('training-last')?.textContent },
    training: document.getElementById('training-status').textContent,
  }));
  const diff = [];
  if (seen.connection !== 'live') diff.push(`the connection line is ${seen.connection}, not live`);
  for (const [link, n] of Object.entries(want.counts)) {
    if (seen.counts[link] !== undefined && seen.counts[link] !== String(n)) diff.push(`link ${link} shows ${seen.counts[link]}, not ${n}`);
  }
  for (const id of want.models) {
    if (!seen.rows.some((r) => r.id === id)) diff.push(`the model table has no row for model ${id}`);
  }
  if (want.serving) {
    const row = seen.rows.find((r) => r.id === want.serving.model);
    const text = `version ${want.serving.version} (serving)`;
    if (!row || !row.cells.some((c) => c.includes(text))) diff.push(`the row of model ${want.serving.model} does not say "${text}"`);
  }
  if (want.lastRun && (seen.lastRun.id !== want.lastRun.id || seen.lastRun.outcome !== want.lastRun.outcome)) {
    diff.push(`the last training run shown is ${seen.lastRun.outcome} ${seen.lastRun.id || '(none)'} ("${seen.lastRun.text}"), not `
      + `${want.lastRun.outcome} ${want.lastRun.id}`);
  }
  return { diff, seen };
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const before = await readState().catch((e) => fail(`cannot read the state before the restart from ${base}: ${e.message}`));
  check(before.models.length > 0, 'no model was trained before the restart: run the demo (or ui-test.mjs) first');
  check(before.serving, 'no model is served before the restart: nothing to compare the version in service with');
  check(Object.values(before.counts).some((n) => n > 0), 'every link counts 0 before the restart');
  check((before.counts['predict/prediction'] || 0) > 0, 'no picture was predicted before the restart');
  log(`before the restart: ${before.models.length} model(s), version ${before.serving.version} in service (model ${before.serving.model}), `
    + `last run ${before.lastRun.outcome} ${before.lastRun.id}; counts ${JSON.stringify(before.counts)}`);

  const browser = await launchBrowser();
  const { page } = browser;
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push('console: ' + m.text()));
  page.on('requestfailed', (r) => log(`the page's request ${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));
  await page.addInitScript(recordPage);
  let upExit = null;
  try {
    runLauncher('down');
    check(!(await fetch(base + '/').then(() => true).catch(() => false)), `${base} still answers after bin/tf-fashion down`);

    // file-drop's log is appended to across runs: only what this start writes counts.
    const fileDropLog = path.join(home, 'logs/file-drop.log');
    const logStart = fs.existsSync(fileDropLog) ? fs.statSync(fileDropLog).size : 0;
    log('bin/tf-fashion up, in the background; the page opens as soon as file-drop answers');
    const up = spawn(launcher, ['up'], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const upOutput = [];
    up.stdout.on('data', (d) => upOutput.push(String(d)));
    up.stderr.on('data', (d) => upOutput.push(String(d)));
    const upFinished = new Promise((resolve) => up.on('exit', (code) => {
      upExit = code;
      resolve(code);
    }));

    let answered = false;
    const paused = options.holdBroker > 0 ? pauseWhenIndexStarts(fileDropLog, logStart, () => answered || upExit !== null) : null;
    const deadline = Date.now() + options.timeoutMinutes * 60_000;
    while (!(await fetch(base + '/').then((r) => r.ok).catch(() => false))) {
      check(upExit === null || upExit === 0, `bin/tf-fashion up failed (exit ${upExit}):\n${indent(upOutput.join(''))}`);
      check(Date.now() < deadline, `file-drop did not answer within ${options.timeoutMinutes} min of bin/tf-fashion up`);
      await sleep(50);
    }
    answered = true;
    let heldWhileLoading = false;
    if (paused) {
      await paused;
      heldWhileLoading = (await api('/v1/pipeline')).caughtUp === false;
      log(`file-drop answers; GET /v1/pipeline says caughtUp ${!heldWhileLoading}`);
      if (!heldWhileLoading) {
        resumeBroker();
        log('file-drop\'s index had caught up before the broker was paused: the page opens on a whole index this time');
      }
    }
    await page.goto(base + '/', { waitUntil: 'load' });
    log(`opened ${base}/ at once (GET /v1/pipeline said caughtUp ${!heldWhileLoading && options.holdBroker > 0 ? 'true' : heldWhileLoading ? 'false' : 'unread'})`);
    if (heldWhileLoading) {
      await page.waitForFunction(() => [...window.__restart.connection].some((c) => c.startsWith('loading')), null,
        { timeout: options.holdBroker * 1000 })
        .catch(async () => fail('with the index loading (broker paused), the page never said it was loading the history '
          + `(#connection data-state=loading); its connection line said: ${JSON.stringify(await page.evaluate(() => [...window.__restart.connection]))}`));
      const shown = await page.evaluate(() => ({
        connection: document.getElementById('connection').textContent,
        training: document.getElementById('training-status').textContent,
        lastRun: document.getElementById('training-last').textContent,
        models: document.getElementById('models').textContent,
      }));
      log(`while the index loads the page says: "${shown.connection}" | training: "${shown.training}" | "${shown.lastRun}" | `
        + `models: "${shown.models.slice(0, 80)}"`);
      await page.screenshot({ path: path.join(out, 'ui-restart-loading.png'), fullPage: true });
      resumeBroker();
    }

    const code = await Promise.race([upFinished, new Promise((r) => setTimeout(r, options.timeoutMinutes * 60_000, 'timeout').unref())]);
    check(code === 0, `bin/tf-fashion up did not finish well (${code}):\n${indent(upOutput.join(''))}`);
    log('bin/tf-fashion up finished: every service is ready');

    let result;
    while (true) {
      result = await differences(page, before);
      if (!result.diff.length) break;
      check(Date.now() < deadline, `after the restart the page does not show the state from before it:\n  ${result.diff.join('\n  ')}`);
      await sleep(500);
    }
    const after = await readState();
    check(JSON.stringify(after.counts) === JSON.stringify(before.counts),
      `after the restart GET /v1/pipeline counts ${JSON.stringify(after.counts)}, before ${JSON.stringify(before.counts)}`);

    const history = await page.evaluate(() => ({ training: [...window.__restart.training], connection: [...window.__restart.connection],
      counts: window.__restart.counts, models: [...window.__restart.models] }));
    const misleading = history.training.filter((t) => t.includes(NO_TRAINING));
    check(!misleading.length, `the page said "${misleading[0]}" while ${before.models.length} model(s) had been trained`);
    // learn was not training before the restart and nothing was dropped since: a "Training" line is history replayed as live.
    const replayed = before.learnState === 'active' ? [] : history.training.filter((t) => /^Training[:.]/.test(t));
    check(!replayed.length, `after the restart the page showed an old training run as if it were running: "${replayed[0]}"`);
    const glued = history.training.filter((t) => /model\.\s*:/.test(t));
    check(!glued.length, `the training panel glued two messages together: "${glued[0]}"`);
    for (const wrong of ['No model yet.', 'No pictures yet: drop one above.', 'No training run yet: drop a recipe.']) {
      check(!history.models.includes(wrong), `the page said "${wrong}" while there was history (models, predicted pictures)`);
    }
    const low = history.counts.filter((entry) => {
      const [link, text] = entry.split('=');
      return !text.endsWith('…') && Number.parseInt(text, 10) < (before.counts[link] || 0);
    });
    check(!low.length, `the page showed a count below the one before the restart, not marked as loading: ${low[0]}`);
    const sawLoading = history.connection.some((c) => c.startsWith('loading'));
    log(`the page ${sawLoading ? 'opened while the index was loading and filled in' : 'opened after the index had caught up'}; `
      + `training panel said: ${history.training.map((t) => `"${t}"`).join(' then ')}`);
    check(!heldWhileLoading || sawLoading, 'the loading state was never recorded');
    log(`after the restart the page shows: links ${JSON.stringify(result.seen.counts)}; last run "${result.seen.lastRun.text}"; `
      + `models ${result.seen.rows.map((r) => r.cells.filter(Boolean).join(' | ')).join(' ; ')}`);
    check(pageErrors.length === 0, `the page reported errors: ${pageErrors.join(' | ')}`);
    await page.screenshot({ path: path.join(out, 'ui-restart.png'), fullPage: true });
    log('PASSED (restart)');
  } catch (e) {
    const shot = path.join(out, 'ui-restart-failure.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => null);
    console.error(`FAILED: ${e.message}${e.expected ? '' : '\n' + e.stack}\n(screenshot ${path.relative(root, shot)})`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
    process.exitCode = 1;
  } finally {
    resumeBroker();
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`FAILED: ${e.message}`);
  process.exitCode = 1;
});
