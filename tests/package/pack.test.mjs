// As an npm consumer: `npm pack`, install the tarball into a fresh project, import it from Node,
// type-check a consumer with tsc, and load it in Chromium from the installed files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url).pathname;
let dir;
const sh = (cmd, args, cwd = dir) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratecard-consumer-'));
  const tarball = sh('npm', ['pack', '--silent', '--pack-destination', dir], root).trim().split('\n').pop();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  sh('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, tarball)]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the tarball holds only the package files', () => {
  const files = readdirSync(join(dir, 'node_modules', 'ratecard'), { recursive: true }).sort();
  assert.ok(files.includes('pkg/ratecard_bg.wasm') && files.includes('js/ratecard.d.ts'));
  // package.json says MIT OR Apache-2.0: both texts ship.
  assert.ok(files.includes('LICENSE-MIT') && files.includes('LICENSE-APACHE'), files.join(', '));
  assert.deepEqual(files.filter((f) => /^(src|tests|scripts|www|target)\b/.test(f)), []);
  // The README's links to the docs work in the installed package too.
  const readme = readFileSync(join(dir, 'node_modules', 'ratecard', 'README.md'), 'utf8');
  const linked = [...readme.matchAll(/\]\((docs\/[\w.-]+\.md)/g)].map((m) => m[1]);
  assert.ok(linked.length >= 5);
  assert.deepEqual(linked.filter((f) => !files.includes(f)), []);
});

test('Node ESM import works and prices', () => {
  const out = sh(process.execPath, ['--input-type=module', '-e', `
    import { priceTiers, version, RatecardError } from 'ratecard';
    const p = priceTiers({ tiers: [{ upTo: null, unitPrice: '0.10' }] }, '3', 'USD');
    let code; try { priceTiers({ tiers: [] }, '1'); } catch (e) { code = e instanceof RatecardError && e.code; }
    console.log(JSON.stringify({ v: version(), amount: p.amount, code }));`]);
  assert.deepEqual(JSON.parse(out), { v: JSON.parse(sh('node', ['-p', 'JSON.stringify(require("./package.json").version)'], root)), amount: '0.30', code: 'EMPTY_TIERS' });
});

test('the demo catalog ships with the package and loads as a JSON import (ratecard/demo-catalog.json)', () => {
  const out = sh(process.execPath, ['--input-type=module', '-e', `
    import demo from 'ratecard/demo-catalog.json' with { type: 'json' };
    import demoSet from 'ratecard/demo-catalog-set.json' with { type: 'json' };
    import { loadCatalog } from 'ratecard';
    const order = { at: '2027-01-01T00:00:00Z', lines: [{ product: 'medium', quantity: 1 }] };
    console.log(JSON.stringify([loadCatalog(demo).quote(order).totals[0].currency, loadCatalog(demoSet).versions.length]));`]);
  const shipped = (file) => JSON.parse(readFileSync(join(root, 'catalogs', file), 'utf8'));
  assert.deepEqual(JSON.parse(out), [shipped('demo.json').defaultCurrency, shipped('demo-set.json').versions.length]);
});

test('the .d.ts resolves and types a consumer (tsc --noEmit)', () => {
  cpSync(join(root, 'tests', 'package', 'consumer.ts'), join(dir, 'consumer.ts'));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // --resolveJsonModule: the consumer imports the shipped catalogs as JSON modules.
  sh(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--resolveJsonModule', '--target', 'es2022', '--lib', 'es2022,dom', 'consumer.ts']);
});

test('a page in Chromium imports the installed package', async () => {
  const installed = join(dir, 'node_modules', 'ratecard');
  const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
    import { init, priceTiers } from '/ratecard/js/browser.js';
    await init();
    document.title = priceTiers({ tiers: [{ upTo: null, unitPrice: '0.25' }] }, '3', 'EUR').amount;
  </script>`;
  const server = createServer((req, res) => {
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    const file = join(installed, req.url.replace(/^\/ratecard\//, ''));
    try {
      const body = readFileSync(file);
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      res.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'] });
  try {
    const p = await browser.newPage();
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await p.waitForFunction(() => document.title !== '');
    assert.equal(await p.title(), '0.75');
  } finally {
    await browser.close();
    server.close();
  }
});

test('npm pack in a clone that was never built builds the package first, and the tarball holds it', () => {
  // The repository's files as a fresh clone has them (tracked and new, nothing ignored: no pkg/,
  // no www/catalog.public.json, no target/), timestamps kept so that cargo reuses the compiled
  // dependencies in the shared target directory; the npm packages are the installed ones.
  const clone = join(root, 'target', 'never-built');
  rmSync(clone, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files.filter((f) => existsSync(join(root, f)))) cpSync(join(root, f), join(clone, f), { preserveTimestamps: true });
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
  assert.ok(!existsSync(join(clone, 'pkg')) && !existsSync(join(clone, 'www', 'catalog.public.json')));
  const out = execFileSync('npm', ['pack', '--pack-destination', dir], {
    cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CARGO_TARGET_DIR: join(root, 'target') },
  });
  const tarball = out.trim().split('\n').pop();
  const listed = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n');
  assert.ok(listed.includes('package/pkg/ratecard_bg.wasm') && listed.includes('package/pkg/ratecard.js'), listed.join(', '));
  rmSync(clone, { recursive: true, force: true });
});
