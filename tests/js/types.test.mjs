// The hand-written js/ratecard.d.ts against what the engine really returns and accepts: every
// shared fixture's output (and the inputs of the calls that succeed) is written into a
// TypeScript file as `<value> satisfies <declared type>` and checked by tsc in its strictest
// mode, so a field the Rust code adds, renames or drops fails here until the types say so.
// Every property the output types declare must also appear in some fixture's output, so a
// declared field cannot outlive the code that wrote it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { loadCases, nativeOutputs } from './fixtures.mjs';

const root = new URL('../../', import.meta.url).pathname;
const declarations = join(root, 'js', 'ratecard.d.ts');

/** The declared type of each operation's answer. */
const ANSWERS = {
  version: 'string',
  priceTiers: 'R.TierPrice',
  validateCatalog: 'R.Validation',
  quote: 'R.Quote',
  quoteSummary: 'R.QuoteSummary',
  priceMatrix: 'R.PriceMatrix',
  verifyQuote: 'R.Verification',
  planMargins: 'R.PlanMargins',
  partnerMargins: 'R.PartnerMargins',
  checkAssignment: 'R.AssignmentCheck',
  publicCatalog: 'R.AnyCatalogDocument',
  quoteMany: "ReturnType<R.Catalog['quoteMany']>",
  verifyMany: "ReturnType<R.Catalog['verifyMany']>",
  invoice: 'R.Invoice',
  verifyInvoice: 'R.Verification',
  verifyInvoiceMany: "ReturnType<R.Catalog['verifyInvoiceMany']>",
};

/** The declared type of each argument, as the JS API takes it. */
const ARGUMENTS = {
  catalog: 'R.AnyCatalogDocument',
  order: 'R.OrderDocument',
  orders: 'R.OrderDocument[]',
  table: 'R.TierTable',
  quantity: 'R.Quantity',
  currency: 'string',
  options: 'R.MatrixOptions',
  trusted: { verifyQuote: 'R.Trusted', verifyInvoice: 'R.TrustedInvoice' },
  request: { checkAssignment: 'R.AssignmentRequest', invoice: 'R.InvoiceRequest', verifyInvoice: 'R.InvoiceRequest' },
  planType: 'string',
  partner: 'string',
  quote: 'unknown',
  invoice: 'unknown',
  checks: { verifyMany: "Parameters<R.Catalog['verifyMany']>[0]", verifyInvoiceMany: "Parameters<R.Catalog['verifyInvoiceMany']>[0]" },
  instances: { planMargins: 'R.Quantity', partnerMargins: 'Record<string, R.Quantity>' },
};

/** What an error answer is: a problem, with every problem. */
const ERROR = 'R.Problem & { problems: R.Problem[] }';

/** Interfaces of answers, whose every property some fixture's answer must show. */
const ANSWER_INTERFACES = ['Problem', 'TierLine', 'TierPrice', 'Validation', 'QuoteLine', 'Quote', 'SummaryLine', 'QuoteSummary', 'PriceMatrix',
  'Verification', 'Figures', 'PlanMargins', 'PartnerMargins', 'AssignmentCheck', 'InvoiceSegment', 'CapGroup', 'InvoiceLine', 'InvoiceTrueUp', 'Invoice', 'Discount', 'DiscountLine', 'TaxAmount', 'TaxShare', 'TaxNote', 'InvoiceCredit', 'CatalogVersionRef'];
/** Interfaces of inputs (checked by the `satisfies` lines above only). */
const INPUT_INTERFACES = ['Tier', 'TierTable', 'CatalogDocument', 'PlanDocument', 'OrderDocument', 'MatrixOptions',
  'PlanTypeDocument', 'AssignmentRequest', 'Trusted', 'TrustedCustomer', 'TrustedInvoice', 'InvoiceRequest', 'CreditDocument', 'CatalogSetDocument', 'CatalogVersionDocument'];

function cases() {
  const outputs = nativeOutputs();
  return loadCases().filter((c) => !c.raw && outputs[c.name]).map((c) => ({ ...c, ...outputs[c.name] }));
}

test('every fixture answer and accepted input satisfies the declared types (tsc --strict --exactOptionalPropertyTypes)', () => {
  const lines = ["import type * as R from '../../js/ratecard.js';"];
  let checked = 0;
  for (const c of cases()) {
    const answer = c.ok ? ANSWERS[c.call] : ERROR;
    assert.ok(answer, `no declared answer type for the operation ${c.call} (${c.name})`);
    lines.push(`// ${c.name.replace(/\s+/g, ' ')}`, `export const answer${checked} = ${c.output} satisfies ${answer};`);
    // validateCatalog answers for any document, valid or not: its input is not a CatalogDocument.
    if (c.ok && c.call !== 'validateCatalog') {
      for (const [name, value] of Object.entries(JSON.parse(c.args))) {
        const declared = typeof ARGUMENTS[name] === 'object' ? ARGUMENTS[name][c.call] : ARGUMENTS[name];
        assert.ok(declared, `no declared type for the argument ${name} of ${c.call} (${c.name})`);
        lines.push(`export const input${checked}_${name} = ${JSON.stringify(value)} satisfies ${declared};`);
      }
    }
    checked += 1;
  }
  assert.ok(checked > 40, `only ${checked} fixture answers were found`);
  const dir = join(root, 'target', 'types-check');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'answers.ts'), `${lines.join('\n')}\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--exactOptionalPropertyTypes', '--noUncheckedIndexedAccess',
      '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom',
      join(dir, 'answers.ts')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    assert.fail(`the fixture answers disagree with js/ratecard.d.ts (see target/types-check/answers.ts):\n${e.stdout}${e.stderr}`);
  }
});

/** Property names of each interface declared in the .d.ts. */
function declaredProperties() {
  const source = ts.createSourceFile(declarations, readFileSync(declarations, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = {};
  for (const node of source.statements) {
    if (ts.isInterfaceDeclaration(node)) {
      interfaces[node.name.text] = node.members.filter(ts.isPropertySignature).map((m) => m.name.getText(source));
    }
  }
  return interfaces;
}

/** Every object key in a JSON value. */
function keys(value, into = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => keys(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keys(v, into);
    }
  }
  return into;
}

test('every property an answer type declares is in some fixture answer', () => {
  const interfaces = declaredProperties();
  const unclassified = Object.keys(interfaces).filter((i) => !ANSWER_INTERFACES.includes(i) && !INPUT_INTERFACES.includes(i));
  assert.deepEqual(unclassified, [], 'classify each new interface of js/ratecard.d.ts as an answer or an input in this test');
  const seen = new Set();
  for (const c of cases()) keys(JSON.parse(c.output), seen);
  const missing = ANSWER_INTERFACES.flatMap((i) => (interfaces[i] ?? [`(interface ${i} is gone)`]).filter((p) => !seen.has(p)).map((p) => `${i}.${p}`));
  assert.deepEqual(missing, [], 'declared, but in no fixture answer: a field the engine no longer writes, or a fixture to add');
});

/** Every key path of a declared type, through unions, intersections, arrays and nested objects. */
function declaredPaths(name) {
  const program = ts.createProgram([declarations], { strict: true, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(declarations);
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)).find((s) => s.name === name);
  assert.ok(symbol, `no type ${name} in js/ratecard.d.ts`);
  const out = new Set();
  const walk = (type, prefix, depth) => {
    if (depth > 10) return;
    if (type.isUnion() || type.isIntersection()) return type.types.forEach((t) => walk(t, prefix, depth));
    if (checker.isArrayType(type)) return walk(checker.getTypeArguments(type)[0], `${prefix}[]`, depth + 1);
    if (!(type.flags & ts.TypeFlags.Object)) return;
    for (const property of checker.getPropertiesOfType(type)) {
      const path = prefix ? `${prefix}.${property.name}` : property.name;
      out.add(path);
      walk(checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(property, source)), path, depth + 1);
    }
  };
  walk(checker.getDeclaredTypeOfSymbol(symbol), '', 0);
  return [...out].sort();
}

test('every input document declares exactly the keys the engine reads, key by key', () => {
  const inputs = JSON.parse(readFileSync(join(root, 'target', 'fixture-out', 'inputs.json'), 'utf8'));
  assert.ok(Object.keys(inputs).length >= 8);
  for (const [name, paths] of Object.entries(inputs)) {
    const declared = declaredPaths(name);
    assert.deepEqual(
      { undeclared: paths.filter((p) => !declared.includes(p)), unread: declared.filter((p) => !paths.includes(p)) },
      { undeclared: [], unread: [] },
      `${name}: keys the engine reads that the .d.ts does not declare, and keys it declares that no Rust shape reads`,
    );
  }
});

test('one field, one type: every amount in minor units is an integer string, every money amount a Decimal', () => {
  const source = ts.createSourceFile(declarations, readFileSync(declarations, 'utf8'), ts.ScriptTarget.Latest, true);
  const wrong = [];
  const visit = (node) => {
    if (ts.isPropertySignature(node) && node.type && ts.isIdentifier(node.name)) {
      const name = node.name.text;
      const type = node.type.getText(source);
      const want = /Minor$/.test(name) ? 'string' : ['exact', 'profit', 'hourly', 'monthly', 'unusedAmount', 'remainingBalance'].includes(name) ? 'Decimal' : null;
      if (want && type !== want && type !== `${want} | null`) wrong.push(`${name}: ${type} (want ${want}) at line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  assert.deepEqual(wrong, []);
});
