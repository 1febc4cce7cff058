// docs/catalog.md against the code: every field the .d.ts declares and every error code the
// engine has is documented there, and every example in it is accepted as it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import { invoice, loadCatalog, priceTiers, quote, validateCatalog } from '../../js/node.js';

const root = new URL('../../', import.meta.url).pathname;
const docs = readFileSync(`${root}docs/catalog.md`, 'utf8');
const demo = JSON.parse(readFileSync(`${root}catalogs/demo.json`, 'utf8'));

test('every field the types declare is documented', () => {
  const path = `${root}js/ratecard.d.ts`;
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const fields = new Set();
  (function visit(node) {
    if (ts.isPropertySignature(node)) fields.add(node.name.text);
    ts.forEachChild(node, visit);
  })(source);
  assert.ok(fields.size > 100, `only ${fields.size} fields found`);
  const missing = [...fields].filter((f) => !docs.includes(`\`${f}\``));
  assert.deepEqual(missing, []);
});

test('every error code is documented', () => {
  const codes = [...readFileSync(`${root}src/error.rs`, 'utf8').matchAll(/^\s+\w+ = "([A-Z_]+)",$/gm)].map((m) => m[1]);
  assert.ok(codes.length > 50, `only ${codes.length} codes found`);
  assert.deepEqual(codes.filter((c) => !docs.includes(`\`${c}\``)), []);
});

/** The examples: fenced blocks tagged with what they are (```json catalog). */
const examples = [...docs.matchAll(/```json (\S+)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1], value: JSON.parse(m[2]) }));

test('every example in the reference is accepted as it is', () => {
  const kinds = examples.map((e) => e.kind).sort();
  assert.deepEqual(kinds, ['catalog', 'invoice-request', 'order', 'tier-table']);
  for (const { kind, value } of examples) {
    switch (kind) {
      case 'catalog': assert.deepEqual(validateCatalog(value), { valid: true, errors: [], warnings: [] }); break;
      case 'tier-table': assert.equal(priceTiers(value, '150', 'USD').amount, '15.00'); break; // 10.00 + 4.00 + flat 1.00
      case 'order': assert.equal(quote(demo, value).lines.length, value.lines.length); break;
      case 'invoice-request': assert.equal(invoice(demo, value).lines.length, value.items.length); break;
      default: assert.fail(`unknown example kind ${kind}`);
    }
  }
  assert.ok(loadCatalog(examples.find((e) => e.kind === 'catalog').value).quote({ at: '2027-01-01', lines: [{ product: 'small', quantity: 1 }] }));
});

test('the README and the types point to the reference', () => {
  assert.match(readFileSync(`${root}README.md`, 'utf8'), /\(docs\/catalog\.md\)/);
  assert.match(readFileSync(`${root}js/ratecard.d.ts`, 'utf8'), /docs\/catalog\.md/);
});
