// The replay diff in a real headless Chromium (issue 16): opens the page and checks that the Replay panel shows what changed
// between two versions exactly as GET /v1/replay/{id} says: the title names both versions, the counts match, the class table
// matches, and every flipped picture is shown (its 28x28 preview loaded) with its class before and after.
//
// With --from N --to M (or --after-rollout, which takes both from out/rollout.json that rollout-test.mjs wrote) it first asks
// for the replay with the panel's form, as a user would, and waits until predict has finished it. Without them it checks a
// replay that already ran (--replay ID, default the newest finished one of GET /v1/replay) and posts nothing.
//
//   node replay-test.mjs [BASE_URL] [--replay ID | --from N --to M | --after-rollout [FILE]] [--timeout-minutes N] [--token TOKEN]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser } from './browser.mjs';
import { argumentsOrExit, check, fail, log, restApi } from './checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'out');
const MAX_FLIPS = 200;

function parseArgs(args) {
  const o = { base: process.env.UI_TEST_BASE_URL || 'http://127.0.0.1:8080', replay: null, from: null, to: null, timeoutMinutes: 10,
    token: process.env.FILE_DROP_TOKEN || null };
  const version = (flag, text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) fail(`${flag} needs a model version (a whole number from 1), got ${text}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--replay') o.replay = args[++i];
    else if (a === '--from') o.from = version(a, args[++i]);
    else if (a === '--to') o.to = version(a, args[++i]);
    else if (a === '--after-rollout') {
      const file = args[i + 1] && !args[i + 1].startsWith('--') && !/^https?:/.test(args[i + 1]) ? args[++i]
        : path.join(out, 'rollout.json');
      if (!fs.existsSync(file)) fail(`--after-rollout: ${file} does not exist; run rollout-test.mjs first (it writes it)`);
      const r = JSON.parse(fs.readFileSync(file, 'utf8'));
      o.from = version('fromVersion of ' + file, r.fromVersion);
      o.to = version('toVersion of ' + file, r.toVersion);
    } else if (a === '--timeout-minutes') o.timeoutMinutes = Number(args[++i]);
    else if (a === '--token') o.token = args[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: node replay-test.mjs [BASE_URL] [--replay ID | --from N --to M | --after-rollout [FILE]] '
        + '[--timeout-minutes N] [--token TOKEN]');
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}; see --help`);
    else o.base = a;
  }
  if ((o.from == null) !== (o.to == null)) fail('give both --from and --to (the versions to replay between)');
  if (o.from != null && o.replay) fail('--replay checks a replay that ran; --from/--to ask for a new one: give one of them');
  if (!Number.isFinite(o.timeoutMinutes) || o.timeoutMinutes <= 0) fail('--timeout-minutes needs a positive number');
  return o;
}

const options = argumentsOrExit('replay-test', () => parseArgs(process.argv.slice(2)));
const base = options.base.replace(/\/$/, '');
const api = restApi(base, options.token);

/** Asks for the replay with the panel's form; answers its id once predict has finished it. */
async function postReplay(page) {
  await page.fill('#replay-form input[name="fromVersion"]', String(options.from));
  await page.fill('#replay-form input[name="toVersion"]', String(options.to));
  await page.click('#replay-submit');
  const answer = page.locator('#replay-result p');
  await answer.waitFor({ timeout: 30_000 });
  const text = await answer.innerText();
  check(!(await answer.getAttribute('class'))?.includes('api-error'), `the replay form was refused: "${text}"`);
  const id = await page.evaluate(() => window.tfFashion.replay.selected);
  check(typeof id === 'string' && text.includes(id.slice(0, 10)), `the form's answer "${text}" names no replay`);
  log(`the form asked for a replay from v${options.from} to v${options.to}: "${text}"`);
  const deadline = Date.now() + options.timeoutMinutes * 60_000;
  for (;;) {
    const response = await fetch(`${base}/v1/replay/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' } });
    const report = response.status === 404 ? null : await response.json();
    if (response.status !== 404) check(response.ok, `GET /v1/replay/${id} answered ${response.status}: ${JSON.stringify(report)}`);
    if (report?.state === 'done') return id;
    if (report?.state === 'failed') fail(`the replay failed: ${report.reason || JSON.stringify(report)}`);
    if (Date.now() > deadline) {
      fail(`the replay ${id} was not done within ${options.timeoutMinutes} minutes: ${report ? JSON.stringify(report.counts)
        : 'predict has not started it (GET /v1/replay/{id} is 404)'}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function main() {
  const browser = await launchBrowser({ token: options.token });
  const { page } = browser;
  try {
    await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
    let chosen = options.replay;
    if (options.from != null) chosen = await postReplay(page);
    else if (!chosen) {
      chosen = (await api.get('/v1/replay')).find((r) => r.state === 'done')?.id;
      if (!chosen) fail('no finished replay on this pipeline: post one (README, "Replay"; or give --from N --to M), then run this test');
    }
    const report = await api.get(`/v1/replay/${encodeURIComponent(chosen)}`);
    log(`replay ${report.id}: ${report.describe}, ${report.counts.replayed} re-predicted, ${report.counts.flipped} flipped`);
    if (options.from != null) {
      check(report.fromVersion === options.from && report.toVersion === options.to,
        `the form asked for v${options.from} to v${options.to}, the report is of v${report.fromVersion} to v${report.toVersion}`);
      check(report.counts.replayed > 0, `the replay from v${options.from} to v${options.to} re-predicted no picture: ${JSON.stringify(report.counts)}`);
    }
    await page.locator(`#replay-list [data-replay="${report.id}"]`).click({ timeout: 30_000 });
    const from = report.fromVersion ? `v${report.fromVersion}` : 'the current predictions';
    await page.locator('#replay-diff-title', { hasText: `What changed between ${from} and v${report.toVersion}` })
      .waitFor({ timeout: 30_000 });
    // the panel polls: wait until it shows the report in the state the API gave (not a running one it had before)
    await page.locator('#replay-summary', { hasText: new RegExp(`^${report.state}`) }).waitFor({ timeout: 30_000 })
      .catch(async () => fail(`the panel's summary never said "${report.state}": "${await page.textContent('#replay-summary')}"`));
    const summary = await page.locator('#replay-summary').innerText();
    for (const [count, words] of [['replayed', 'pictures re-predicted'], ['flipped', 'flipped'], ['unchanged', 'unchanged'],
      ['outOfReach', 'out of reach']]) {
      check(new RegExp(`(^|\\D)${report.counts[count]} ${words}`).test(summary),
        `the summary says "${summary}", the report ${report.counts[count]} ${words}`);
    }
    const shown = Math.min(report.flips.length, MAX_FLIPS);
    const figures = page.locator('#replay-flips figure');
    await page.waitForFunction((n) => document.querySelectorAll('#replay-flips figure').length === n, shown, { timeout: 30_000 });
    for (let i = 0; i < shown; i++) {
      const flip = report.flips[i];
      const figure = figures.nth(i);
      check(await figure.getAttribute('data-image') === flip.imageId, `flip ${i} shows another image than the report's ${flip.imageId}`);
      check(await figure.locator('.before').innerText() === flip.before.className, `flip ${i}: wrong class before`);
      check(await figure.locator('.after').innerText() === flip.after.className, `flip ${i}: wrong class after`);
      const img = figure.locator('img');
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction((el) => el.complete, await img.elementHandle(), { timeout: 10_000 });
      check(await img.evaluate((el) => el.naturalWidth === 28 && el.naturalHeight === 28),
        `flip ${i}: the picture ${flip.preview} did not load as a 28x28 image`);
    }
    for (const row of report.perClass) {
      const cells = await page.locator(`#replay-classes tbody tr[data-label="${row.label}"] td`).allInnerTexts();
      check(cells.join(',') === [row.before, row.after, row.lost, row.gained].join(','),
        `class ${row.className}: the table shows ${cells}, the report ${JSON.stringify(row)}`);
    }
    log(`replay diff: ${shown} flipped pictures shown with their classes before and after`);
  } catch (e) {
    await page.screenshot({ path: path.join(out, 'replay-failure.png'), fullPage: true }).catch(() => null);
    throw e;
  } finally {
    await browser.close();
  }
}

fs.mkdirSync(out, { recursive: true });
main().catch((e) => {
  console.error(e.expected ? `replay test FAILED: ${e.message}` : e.stack || String(e));
  process.exit(1);
});
