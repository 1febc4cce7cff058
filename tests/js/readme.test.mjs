// Every example in README.md runs as written. The JavaScript blocks run in order as one module
// inside the repository (so `import ... from 'ratecard'` resolves to this package, and
// `examples/...` to the example inputs); a line `expression; // 'value'` (or true, false, a
// number) asserts that the expression gives that value. The shell blocks of the command line
// section run with the `ratecard` binary cargo built, each command expected to exit 0 unless its
// comment says "exit 1". The Rust block is a doctest (src/lib.rs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced blocks of a language, in order. */
function blocks(lang) {
  return [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

const CHECKED = /^(\s*)(.+?);\s*\/\/\s*('(?:[^'\\]|\\.)*'|true|false|undefined|-?\d+(?:\.\d+)?)(?=\s|$)/;

/** A README line with its value in a comment, as an assertion; other lines as they are. */
function checked(line, n) {
  const m = line.match(CHECKED);
  if (!m) return line;
  const [, indent, expression, value] = m;
  const opens = (expression.match(/[([{]/g) ?? []).length;
  const closes = (expression.match(/[)\]}]/g) ?? []).length;
  assert.equal(opens, closes, `README line ${n}: a checked expression must be on one line: ${line}`);
  return `${indent}assert.deepStrictEqual(${expression}, ${value}, ${JSON.stringify(`README: ${line.trim()}`)});`;
}

test('the README has JavaScript, shell and Rust examples', () => {
  assert.ok(blocks('js').length >= 4 && blocks('sh').length >= 2 && blocks('rust').length >= 1);
});

test('the README\'s verification recipe is examples/check-quote.mjs, the file the checkout test runs', () => {
  assert.ok(readme.includes(`\`\`\`js\n${readFileSync(join(root, 'examples', 'check-quote.mjs'), 'utf8')}\`\`\``));
});

test('every JavaScript example in the README runs as written, and its stated values hold', () => {
  const lines = blocks('js').join('\n').split('\n');
  const asserted = lines.filter((l) => CHECKED.test(l)).length;
  assert.ok(asserted >= 15, `only ${asserted} stated values`);
  const source = ["import assert from 'node:assert/strict';", ...lines.map(checked)].join('\n');
  const dir = join(root, 'target', 'readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'examples.mjs');
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}\n(the module: ${file})`);
});

const scratch = mkdtempSync(join(tmpdir(), 'ratecard-readme-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('every command line example in the README runs as written, with the exit code it states', () => {
  // In a scratch directory that sees the repository's catalogs and examples, so that the
  // examples that write files (> invoice.json) write there.
  for (const d of ['catalogs', 'examples']) symlinkSync(join(root, d), join(scratch, d));
  const bin = join(root, 'target', 'debug');
  const commands = blocks('sh').flatMap((b) => b.split('\n')).filter((l) => /^(ratecard|echo) /.test(l));
  assert.ok(commands.length >= 10, `only ${commands.length} commands`);
  for (const command of commands) {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
      cwd: scratch, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    const expected = /# .*exit 1/.test(command) ? 1 : 0;
    assert.equal(r.status, expected, `${command}\n${r.stdout}${r.stderr}`);
    assert.ok(r.stdout.length > 0 || command.includes('>'), `${command} printed nothing`);
  }
});

test('every command `ratecard --help` lists is in the README\'s command line examples, and no other', () => {
  const help = spawnSync(join(root, 'target', 'debug', 'ratecard'), ['--help'], { encoding: 'utf8' }).stdout;
  const listed = [...help.split('Commands:')[1].split('Options:')[0].matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
  assert.ok(listed.length >= 10, help);
  const used = new Set(blocks('sh').flatMap((b) => [...b.matchAll(/^ratecard ([a-z-]+)/gm)].map((m) => m[1])));
  assert.deepEqual([...used].sort(), [...listed].sort());
});
