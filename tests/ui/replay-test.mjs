// The replay diff in a real headless Chromium (issue 16): opens the page of a pipeline that has run a replay and checks
// that the Replay panel shows what changed between the two versions exactly as GET /v1/replay/{id} says: the title
// names both versions, the counts match, and every flipped picture is shown (its 28x28 preview loaded) with its class
// before and after. It needs a replay on the pipeline (it refuses to run otherwise); it posts nothing.
//
//   node replay-test.mjs [BASE_URL] [--replay ID]      (default: the newest replay of GET /v1/replay)

import { launchBrowser } from './browser.mjs';
import { check, fail, log } from './checks.mjs';

const args = process.argv.slice(2);
const base = (args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--replay')
  || process.env.UI_TEST_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const wanted = args.includes('--replay') ? args[args.indexOf('--replay') + 1] : null;
const MAX_FLIPS = 200;

async function api(pathName) {
  const response = await fetch(base + pathName, { headers: { Accept: 'application/json' } });
  if (!response.ok) fail(`GET ${pathName}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main() {
  const replays = await api('/v1/replay');
  const chosen = wanted || replays.find((r) => r.state === 'done')?.id;
  if (!chosen) fail('no finished replay on this pipeline: post one (README, "Replay") and wait for it, then run this test');
  const report = await api(`/v1/replay/${encodeURIComponent(chosen)}`);
  log(`replay ${report.id}: ${report.describe}, ${report.counts.flipped} flipped`);
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
    await page.locator(`#replay-list [data-replay="${report.id}"]`).click({ timeout: 30_000 });
    const from = report.fromVersion ? `v${report.fromVersion}` : 'the current predictions';
    await page.locator('#replay-diff-title', { hasText: `What changed between ${from} and v${report.toVersion}` })
      .waitFor({ timeout: 30_000 });
    const summary = await page.locator('#replay-summary').innerText();
    check(summary.includes(`${report.counts.flipped} flipped`), `the summary says "${summary}", the report ${report.counts.flipped} flipped`);
    check(summary.includes(`${report.counts.outOfReach} out of reach`), `the summary misses the images out of reach: "${summary}"`);
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
    await page.screenshot({ path: 'replay-failure.png', fullPage: true }).catch(() => null);
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
