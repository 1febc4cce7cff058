// Launches Debian's Chromium through playwright-core (no browser download) and serves the repo.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const shots = new URL('../../test-results/screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

export async function launch() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const server = await serve({ port: 0 });
  return {
    browser, url: server.url, operatorUrl: server.operatorUrl,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** The instant every page's clock is pinned to unless a test names another: no test depends
 *  on the day it runs. */
export const PINNED_NOW = '2026-11-20T10:30:00Z';

/** A new page that records every request and fails on uncaught page errors; `base` is the
 *  customer server's URL unless given (the operator server's for the partner view); the page's
 *  clock stands still at `now` (Date.now and new Date(); timers run as usual). */
export async function openPage(env, path = '', viewport = { width: 1280, height: 900 }, base = env.url, now = PINNED_NOW) {
  const page = await env.browser.newPage({ viewport });
  await page.clock.setFixedTime(new Date(now));
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(base + path);
  return { page, requests, errors };
}

const axeSource = (await import('node:fs')).readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/** WCAG 2.1 A and AA violations on the page as it is now, by axe-core (evaluated in the page,
 *  not loaded from anywhere): `[{ id, impact, nodes: [selector...] }]`. */
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}
