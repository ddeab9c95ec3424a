// The rollout panel in a real headless Chromium (issue 16): on a pipeline that serves a model, drops a second recipe with
// `rollout: shadow` (a weaker model: fewer training images, another seed), waits until serve-manager serves it in shadow, drops
// pictures, and checks that the Rollout panel shows the live and challenger versions, the predictions compared, the agreement
// overall and per class and the p99 of both exactly as GET /v1/rollout/{name} says, while every picture is answered by the live
// version. Then it promotes the challenger with the panel's button and checks that the panel, the API, the model table and the
// next picture's prediction all name the new version. The gate must not decide during the test (it refuses to start when the
// gate's serving.rollout.shadow-predictions is not above the pictures it drops).
//
// It writes out/rollout.json ({model, fromVersion, toVersion}): replay-test.mjs --after-rollout replays from the old live
// version to the promoted one.
//
//   node rollout-test.mjs [BASE_URL] [--recipe FILE] [--pictures N] [--timeout-minutes N] [--token TOKEN]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser } from './browser.mjs';
import { argumentsOrExit, check, fail, log, restApi } from './checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, 'out');
// Fashion-MNIST's classes by label: the panel names the classes of agreementPerClass (keyed by label) with them.
const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const PICTURE = /\.(png|jpe?g|gif|bmp)$/i;

function parseArgs(args) {
  const o = { base: process.env.UI_TEST_BASE_URL || 'http://127.0.0.1:8080', recipe: path.join(root, 'samples/recipes/quick.yaml'),
    pictures: 12, timeoutMinutes: 10, token: process.env.FILE_DROP_TOKEN || null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--recipe') o.recipe = args[++i];
    else if (a === '--pictures') o.pictures = Number(args[++i]);
    else if (a === '--timeout-minutes') o.timeoutMinutes = Number(args[++i]);
    else if (a === '--token') o.token = args[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: node rollout-test.mjs [BASE_URL] [--recipe FILE] [--pictures N] [--timeout-minutes N] [--token TOKEN]');
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}; see --help`);
    else o.base = a;
  }
  if (!Number.isInteger(o.pictures) || o.pictures < 1) fail('--pictures needs a whole number of at least 1');
  if (!Number.isFinite(o.timeoutMinutes) || o.timeoutMinutes <= 0) fail('--timeout-minutes needs a positive number');
  if (!fs.existsSync(o.recipe)) fail(`the recipe ${o.recipe} does not exist; give one with --recipe FILE`);
  return o;
}

const options = argumentsOrExit('rollout-test', () => parseArgs(process.argv.slice(2)));
const base = options.base.replace(/\/$/, '');
const api = restApi(base, options.token);
const WAIT = options.timeoutMinutes * 60_000;

/** The challenger's recipe: the given one with fewer training images and another seed, so that it disagrees now and then. */
function shadowRecipe() {
  const kept = fs.readFileSync(options.recipe, 'utf8').split('\n')
    .filter((line) => !/^\s*(rollout|seed|maxTrainExamples)\s*:/.test(line));
  return [...kept, 'seed: 7', 'maxTrainExamples: 1000', 'rollout: shadow', ''].join('\n');
}

async function until(what, probe, ms = WAIT) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) fail(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function rollout() {
  const serve = (await api.get('/v1/pipeline')).status?.serve;
  const r = serve?.details?.rollout;
  if (!r?.modelName) fail('no model is served (GET /v1/pipeline has no rollout on the serve task): run bin/demo first');
  return api.get(`/v1/rollout/${encodeURIComponent(r.modelName)}`);
}

let dropped = 0;
async function dropPicture(file) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const name = encodeURIComponent(path.basename(file));
  const answer = await api.post(`/imageInput?name=${name}`, bytes, { 'Idempotency-Key': `rollout-test-${process.pid}-${dropped++}` });
  return answer.id;
}

async function prediction(imageId) {
  return until(`the prediction of picture ${imageId}`, async () => {
    const response = await fetch(`${base}/v1/predictions/${encodeURIComponent(imageId)}`, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (body.state === 'failed') fail(`picture ${imageId} failed: ${JSON.stringify(body)}`);
    return response.ok ? body : null;
  }, 120_000);
}

/** The panel's main table as {row header: cell text}. */
async function panel(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#rollout-table tr')]
    .map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])));
}

async function panelRow(page, header, text, what) {
  await page.waitForFunction(([h, t]) => [...document.querySelectorAll('#rollout-table tr')]
    .some((tr) => tr.querySelector('th').textContent === h && tr.querySelector('td').textContent === t), [header, text],
  { timeout: WAIT }).catch(async () => fail(`the rollout panel never showed ${header} "${text}" (${what}); it shows `
    + JSON.stringify(await panel(page))));
}

const percent = (x) => `${(x * 100).toFixed(1)} %`;
const millis = (x) => `${x.toFixed(3)} ms`;

async function main() {
  const before = await rollout();
  const name = before.modelName;
  check(before.liveVersion != null, `GET /v1/rollout/${name} names no live version: run bin/demo first`);
  if (before.challengerVersion != null) {
    fail(`version ${before.challengerVersion} of ${name} is already in ${before.policy} beside v${before.liveVersion}: promote or roll `
      + `it back (POST /v1/rollout/${name}/promote|rollback) before this test`);
  }
  const gate = before.gate.shadowPredictions;
  if (gate <= options.pictures) {
    fail(`the gate decides after ${gate} shadow predictions, at or below the ${options.pictures} pictures this test drops; start `
      + `serve-manager with a larger serving.rollout.shadow-predictions or give --pictures below ${gate}`);
  }
  const live = before.liveVersion;
  log(`${name}: v${live} live, the gate decides after ${gate} shadow predictions`);

  const browser = await launchBrowser({ token: options.token });
  const { page } = browser;
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
    await panelRow(page, 'Live version', `v${live}`, 'the live version of GET /v1/rollout');

    const recipe = shadowRecipe();
    const recipeId = (await api.post('/scriptInput?name=rollout-shadow.yaml', new TextEncoder().encode(recipe),
      { 'Content-Type': 'application/octet-stream', 'Idempotency-Key': `rollout-test-recipe-${process.pid}` })).id;
    log(`dropped a recipe with "rollout: shadow" as ${recipeId}; waiting for its model to be served in shadow`);
    const trial = await until('the new model in shadow (GET /v1/rollout)', async () => {
      const learn = (await api.get('/v1/pipeline')).status?.learn;
      if (learn?.state === 'failed' && (learn.reason || '').includes(recipeId)) fail(`training the shadow recipe failed: ${learn.reason}`);
      const r = await api.get(`/v1/rollout/${encodeURIComponent(name)}`);
      if (r.lastDecision && r.lastDecision.version > live && r.lastDecision.outcome !== 'promoted') {
        fail(`the new version ${r.lastDecision.version} was ${r.lastDecision.outcome}: ${r.lastDecision.reason}`);
      }
      return r.challengerVersion != null ? r : null;
    });
    const challenger = trial.challengerVersion;
    check(trial.liveVersion === live, `the live version changed from v${live} to v${trial.liveVersion} when v${challenger} came`);
    check(trial.policy === 'shadow', `the recipe asked for a shadow rollout, GET /v1/rollout says policy ${trial.policy}`);
    log(`v${challenger} is in shadow beside v${live}`);
    await panelRow(page, 'Challenger', `v${challenger}`, 'the challenger of GET /v1/rollout');

    const files = fs.readdirSync(path.join(root, 'samples/images')).filter((f) => PICTURE.test(f)).sort()
      .map((f) => path.join(root, 'samples/images', f));
    check(files.length > 0, 'no pictures in samples/images');
    const ids = [];
    for (let i = 0; i < options.pictures; i++) ids.push(await dropPicture(files[i % files.length]));
    for (const id of ids) {
      const p = await prediction(id);
      check(p.model?.version === live, `picture ${id} was answered by v${p.model?.version}, not the live v${live}: a shadow `
        + 'challenger must never answer a user');
    }
    log(`${ids.length} pictures dropped, each answered by the live v${live}`);
    const r = await until(`${ids.length} shadow predictions on GET /v1/rollout`, async () => {
      const now = await api.get(`/v1/rollout/${encodeURIComponent(name)}`);
      check(now.challengerVersion === challenger, `the challenger v${challenger} left the shadow before the test promoted it: `
        + JSON.stringify(now.lastDecision));
      return now.shadow?.predictions >= ids.length ? now : null;
    }, 120_000);
    const s = r.shadow;
    check(s.predictions === ids.length, `GET /v1/rollout counts ${s.predictions} shadow predictions, ${ids.length} pictures were dropped`);
    check(typeof s.agreement === 'number' && typeof s.liveP99Millis === 'number' && typeof s.challengerP99Millis === 'number',
      `GET /v1/rollout lacks the agreement or a p99: ${JSON.stringify(s)}`);

    await panelRow(page, 'Predictions compared', `${s.predictions} of ${gate}`, 'the shadow predictions of GET /v1/rollout');
    const expected = {
      Model: name,
      Policy: 'shadow',
      'Live version': `v${live}`,
      Challenger: `v${challenger}`,
      'Predictions compared': `${s.predictions} of ${gate}`,
      Agreement: percent(s.agreement),
      'p99 live / challenger': `${millis(s.liveP99Millis)} / ${millis(s.challengerP99Millis)}`,
    };
    const shown = await panel(page);
    for (const [k, v] of Object.entries(expected)) {
      check(shown[k] === v, `the rollout panel shows ${k} "${shown[k]}", GET /v1/rollout/${name} says "${v}"`);
    }
    const classes = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#rollout-classes tbody tr')]
      .map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])));
    const expectedClasses = Object.fromEntries(Object.entries(s.agreementPerClass)
      .map(([label, a]) => [CLASS_NAMES[Number(label)], percent(a)]));
    check(Object.keys(expectedClasses).length > 0, 'GET /v1/rollout has no agreement per class');
    check(JSON.stringify(classes) === JSON.stringify(expectedClasses),
      `the panel's agreement per class is ${JSON.stringify(classes)}, GET /v1/rollout/${name} says ${JSON.stringify(expectedClasses)}`);
    log(`the panel shows v${live} live, v${challenger} in shadow, ${s.predictions} compared, agreement ${expected.Agreement}, `
      + `per class for ${Object.keys(classes).length} classes, p99 ${expected['p99 live / challenger']}, as the API says`);
    await page.locator('#rollout-section').screenshot({ path: path.join(out, 'ui-rollout-shadow.png') });

    check(await page.isEnabled('#rollout-promote'), 'the panel\'s Promote button is disabled while a challenger is in shadow');
    await page.click('#rollout-promote');
    await page.locator('#rollout-message', { hasText: /^promote sent \(command / }).waitFor({ timeout: 30_000 })
      .catch(async () => fail(`the Promote button did not send the command: "${await page.textContent('#rollout-message')}"`));
    const promoted = await until(`v${challenger} live on GET /v1/rollout after Promote`, async () => {
      const now = await api.get(`/v1/rollout/${encodeURIComponent(name)}`);
      return now.liveVersion === challenger && now.challengerVersion == null ? now : null;
    });
    const d = promoted.lastDecision;
    check(d?.version === challenger && d.outcome === 'promoted', `after Promote the last decision is ${JSON.stringify(d)}`);
    await panelRow(page, 'Live version', `v${challenger}`, 'the promoted version');
    await panelRow(page, 'Last decision', `${d.outcome}: ${d.reason}`, 'the last decision of GET /v1/rollout');
    const after = await panel(page);
    check(!('Challenger' in after), `the panel still shows a challenger after the promotion: ${JSON.stringify(after)}`);
    check(!(await page.isEnabled('#rollout-promote')), 'the Promote button is enabled without a challenger');
    log(`Promote in the panel: v${challenger} is live ("${after['Last decision']}")`);

    await until(`the model table to say "version ${challenger} (serving)"`, async () => (await page.textContent('#models'))
      .includes(`version ${challenger} (serving)`), 60_000);
    const next = await prediction(await dropPicture(files[0]));
    check(next.model?.version === challenger, `a picture dropped after the promotion was answered by v${next.model?.version}, not v${challenger}`);
    log(`the model table says version ${challenger} (serving); the next picture was answered by v${challenger}`);
    await page.locator('#rollout-section').screenshot({ path: path.join(out, 'ui-rollout-promoted.png') });
    check(errors.length === 0, `the page reported JavaScript errors: ${errors.join('; ')}`);
    fs.writeFileSync(path.join(out, 'rollout.json'), JSON.stringify({ model: name, fromVersion: live, toVersion: challenger }) + '\n');
  } catch (e) {
    await page.screenshot({ path: path.join(out, 'rollout-failure.png'), fullPage: true }).catch(() => null);
    throw e;
  } finally {
    await browser.close();
  }
}

fs.mkdirSync(out, { recursive: true });
fs.rmSync(path.join(out, 'rollout.json'), { force: true }); // never the versions of an earlier run
main().catch((e) => {
  console.error(e.expected ? `rollout test FAILED: ${e.message}` : e.stack || String(e));
  process.exit(1);
});
