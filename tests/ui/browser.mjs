// The headless Chromium the UI tests drive: Debian's /usr/bin/chromium (CHROMIUM=... to change) through playwright-core,
// in a throw-away profile that close() deletes. With a drop token, the page starts with it kept (as the token dialog keeps it,
// which ui-test.mjs checks), so that its writes go through without asking.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function launchBrowser({ token } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-fashion-ui-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 1000 },
  });
  if (token) {
    await context.addInitScript((t) => {
      try {
        sessionStorage.setItem('tf-fashion.dropToken', t);
      } catch {
        // about:blank has no storage
      }
    }, token);
  }
  const page = context.pages()[0] || await context.newPage();
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => null);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
