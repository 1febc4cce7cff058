// README.md and docs/ against the code. Every JavaScript example runs as written: the blocks of
// one page run in order as one module inside the repository (so `import ... from 'ratecard'`
// resolves to this package, and `examples/...` to the example inputs); a line
// `expression; // 'value'` (or true, false, a number) asserts that the expression gives that
// value. The shell blocks run with the `ratecard` binary cargo built, each command expected to
// exit 0 unless its comment says "exit 1". The README's Rust block is a doctest (src/lib.rs).
// Links, file paths, error codes and the layout page are checked against the repository, and
// the README stays short: what a newcomer reads first.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const read = (file) => readFileSync(join(root, file), 'utf8');
const PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const text = Object.fromEntries(PAGES.map((p) => [p, read(p)]));

/** The fenced blocks of a language in a page, in order. */
function blocks(page, lang) {
  return [...text[page].matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** A page's prose: its text without fenced blocks. */
const prose = (page) => text[page].replace(/```[\s\S]*?```/g, '');

/** The repository's tracked files, and their top-level entries. */
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const tops = new Set(tracked.map((f) => f.split('/')[0]));

const CHECKED = /^(\s*)(.+?);\s*\/\/\s*('(?:[^'\\]|\\.)*'|true|false|undefined|-?\d+(?:\.\d+)?)(?=\s|$)/;

/** A line with its value in a comment, as an assertion; other lines as they are. */
function checked(page, line) {
  const m = line.match(CHECKED);
  if (!m) return line;
  const [, indent, expression, value] = m;
  const opens = (expression.match(/[([{]/g) ?? []).length;
  const closes = (expression.match(/[)\]}]/g) ?? []).length;
  assert.equal(opens, closes, `${page}: a checked expression must be on one line: ${line}`);
  return `${indent}assert.deepStrictEqual(${expression}, ${value}, ${JSON.stringify(`${page}: ${line.trim()}`)});`;
}

test('the README is what a newcomer reads: under 200 lines, linking every page of docs/', () => {
  const lines = text['README.md'].split('\n').length;
  assert.ok(lines < 200, `README.md has ${lines} lines`);
  const unlinked = PAGES.filter((p) => p.startsWith('docs/') && !text['README.md'].includes(`](${p})`));
  assert.deepEqual(unlinked, []);
  assert.ok(blocks('README.md', 'js').length >= 1 && blocks('README.md', 'sh').length >= 2 && blocks('README.md', 'rust').length === 1);
});

test('the verification recipe in docs/javascript.md is examples/check-quote.mjs, the file the checkout test runs', () => {
  assert.ok(text['docs/javascript.md'].includes(`\`\`\`js\n${read('examples/check-quote.mjs')}\`\`\``));
});

for (const page of PAGES.filter((p) => blocks(p, 'js').length)) {
  test(`every JavaScript example in ${page} runs as written, and its stated values hold`, () => {
    const lines = blocks(page, 'js').join('\n').split('\n');
    const asserted = lines.filter((l) => CHECKED.test(l)).length;
    assert.ok(asserted >= 4, `only ${asserted} stated values`);
    // Imports first, as a module needs them.
    const imports = lines.filter((l) => /^import /.test(l));
    const source = ["import assert from 'node:assert/strict';", ...new Set(imports), ...lines.filter((l) => !/^import /.test(l)).map((l) => checked(page, l))].join('\n');
    const dir = join(root, 'target', 'readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${page.replace(/\W/g, '-')}.mjs`);
    writeFileSync(file, source);
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stderr}\n(the module: ${file})`);
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'ratecard-readme-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
for (const d of ['catalogs', 'examples']) symlinkSync(join(root, d), join(scratch, d));
const bin = join(root, 'target', 'debug');

/** The command lines of a page's shell blocks. */
const commands = (page) => blocks(page, 'sh').flatMap((b) => b.split('\n')).filter((l) => /^(ratecard|echo) /.test(l));

for (const page of PAGES.filter((p) => commands(p).length)) {
  test(`every command line example in ${page} runs as written, with the exit code it states`, () => {
    // In a scratch directory that sees the repository's catalogs and examples, so that the
    // examples that write files (> invoice.json) write there.
    for (const command of commands(page)) {
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
        cwd: scratch, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      const expected = /# .*exit 1/.test(command) ? 1 : 0;
      assert.equal(r.status, expected, `${command}\n${r.stdout}${r.stderr}`);
      assert.ok(r.stdout.length > 0 || command.includes('>'), `${command} printed nothing`);
    }
  });
}

test('docs/cli.md shows every command `ratecard --help` lists, and no other; the README only those', () => {
  const help = spawnSync(join(bin, 'ratecard'), ['--help'], { encoding: 'utf8' }).stdout;
  const listed = [...help.split('Commands:')[1].split('Options:')[0].matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
  assert.ok(listed.length >= 10, help);
  const used = (page) => new Set(commands(page).flatMap((l) => [...l.matchAll(/^ratecard ([a-z-]+)/g)].map((m) => m[1])));
  assert.deepEqual([...used('docs/cli.md')].sort(), [...listed].sort());
  assert.deepEqual([...used('README.md')].filter((c) => !listed.includes(c)), []);
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

test('every link between the pages resolves, to a file and to a heading in it', () => {
  const broken = [];
  for (const page of PAGES) {
    for (const [, target] of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file, hash] = target.split('#');
      const path = file ? join(dirname(page), file) : page;
      if (!existsSync(join(root, path))) {
        broken.push(`${page}: ${target} (no ${path})`);
        continue;
      }
      if (hash && path.endsWith('.md')) {
        const headings = [...read(path).replace(/```[\s\S]*?```/g, '').matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]));
        if (!headings.includes(hash)) broken.push(`${page}: ${target} (no heading #${hash} in ${path})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('every repository path the pages name in backticks exists', () => {
  const missing = [];
  for (const page of PAGES) {
    for (const [, path] of prose(page).matchAll(/`([.\w-]+\/[\w./-]*)`/g)) {
      // Paths the build or a run writes, and package specifiers, are not in the repository.
      if (!tops.has(path.split('/')[0]) || /^(pkg|target|test-results|ratecard)\//.test(path)) continue;
      if (!existsSync(join(root, path))) missing.push(`${page}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every error code the pages name is one the engine or the npm package has', () => {
  const codes = new Set([...read('src/error.rs').matchAll(/^\s+\w+ = "([A-Z_]+)",$/gm)].map((m) => m[1]));
  for (const [, code] of read('js/core.js').matchAll(/'([A-Z]+(?:_[A-Z]+)+)'/g)) codes.add(code);
  assert.ok(codes.size > 50);
  // Upper-case names that are not codes: environment variables, constants and tax notes.
  const other = /^(PORT|OPERATOR_PORT|FUZZ_SECONDS|BENCH_\w+|CATALOG_CACHE|MAX_\w+|DEMO_CATALOG\w*|REVERSE_CHARGE|TAX_EXEMPT|CHROMEDRIVER|WASM_BINDGEN_\w+|CARGO_\w+|RUSTDOCFLAGS)$/;
  const unknown = [];
  for (const page of PAGES) {
    for (const [, code] of prose(page).matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
      if (!codes.has(code) && !other.test(code)) unknown.push(`${page}: ${code}`);
    }
  }
  assert.deepEqual([...new Set(unknown)], []);
});

test("docs/performance.md's figures are what bench/results.json holds, as npm run bench writes them", async () => {
  const { figuresOf, performanceFigures } = await import('../../bench/report.mjs');
  const results = JSON.parse(read('bench/results.json'));
  assert.equal(figuresOf(text['docs/performance.md']), performanceFigures(results), 'run npm run bench, or write the figures from bench/results.json with bench/report.mjs');
  // No figure outside the block: the page's prose has no measured number.
  const outside = text['docs/performance.md'].replace(figuresOf(text['docs/performance.md']), '');
  assert.equal(outside.match(/\d[\d,.]*\s?(µs|ms|KB|MiB|instructions|rows)\b/g), null);
});

test("docs/setup.md lists setup's steps with the costs setup prints, and every step npm test runs", async () => {
  const { SETUP_STEPS } = await import('../../scripts/setup.mjs');
  const { steps } = await import('../../scripts/test.mjs');
  const page = text['docs/setup.md'];
  const rows = (heading) => [...page.split(heading)[1].split('\n## ')[0].matchAll(/^\| (?!step |---)(.+?) \|/gm)].map((m) => m[1]);
  assert.deepEqual(rows('## What a first run installs'), SETUP_STEPS.map((s) => s.name));
  for (const s of SETUP_STEPS) assert.ok(page.includes(`| ${s.name} | ${s.for} | ${s.cost} | ${s.root ? 'yes' : 'no'} |`), s.name);
  assert.deepEqual(rows('## npm test'), steps.map((s) => s.label));
});

test("docs/reliability.md's limits are src/limits.rs's constants, each with its value", () => {
  const source = read('src/limits.rs') + read('src/error.rs');
  const constants = [...source.matchAll(/^pub const (MAX_\w+): \w+ = ([\d_]+)(?: << (\d+))?;/gm)]
    .map(([, name, n, shift]) => [name, shift === '20' ? `${Number(n.replace(/_/g, ''))} MiB` : Number(n.replace(/_/g, '')).toLocaleString('en')]);
  assert.ok(constants.length >= 20, `only ${constants.length} limits found`);
  const page = text['docs/reliability.md'];
  const rows = [...page.matchAll(/^ {2}\| `(MAX_\w+)` \| (.+?) \|/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows.map(([name]) => name).sort(), constants.map(([name]) => name).sort());
  const wrong = constants.filter(([name, value]) => !rows.find(([n]) => n === name)[1].match(new RegExp(`(^|\\D)${value}(\\D|$)`)));
  assert.deepEqual(wrong, []);
});

test('docs/layout.md names every top-level entry, every source file of the crate and every page', () => {
  const layout = text['docs/layout.md'];
  const sources = tracked.filter((f) => /^src\/.*\.rs$/.test(f));
  const pages = PAGES.filter((p) => p.startsWith('docs/') && p !== 'docs/layout.md').map((p) => p.slice(5));
  const missing = [...[...tops].filter((t) => !layout.includes(`\`${t}`)), ...sources.filter((s) => !layout.includes(`\`${s}\``)),
    ...pages.filter((p) => !layout.includes(`](${p})`))];
  assert.deepEqual(missing, []);
});
