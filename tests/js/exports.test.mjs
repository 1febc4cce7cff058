// The package's runtime exports against js/ratecard.d.ts: the same names, and the same methods
// on the classes, so nothing exported is undeclared (TS2305 for a consumer) and nothing declared
// is missing at run time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import * as node from '../../js/node.js';

const path = new URL('../../js/ratecard.d.ts', import.meta.url).pathname;
const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
const exported = (s) => ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export;

/** Names the declarations export as values (functions, classes, constants), not types. */
function declaredValues() {
  const names = new Set();
  for (const s of source.statements) {
    if (!exported(s)) continue;
    if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) names.add(s.name.text);
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) names.add(d.name.text);
  }
  return [...names].sort();
}

/** Public members a declared class has (methods and properties, not the constructor). */
function declaredMembers(className) {
  const c = source.statements.find((s) => ts.isClassDeclaration(s) && s.name.text === className);
  return c.members
    .filter((m) => m.name && !(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Private))
    .map((m) => (ts.isComputedPropertyName(m.name) ? `[${m.name.expression.getText()}]` : m.name.text))
    .sort();
}

/** Public members of a runtime class: prototype methods and getters, symbols as `[Symbol.x]`. */
function runtimeMembers(cls) {
  const symbols = Object.getOwnPropertySymbols(cls.prototype).map((s) => (s === Symbol.dispose ? '[Symbol.dispose]' : String(s)));
  return [...Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor'), ...symbols].sort();
}

test('the runtime exports and the declared exports are the same names', () => {
  assert.deepEqual(Object.keys(node).sort(), declaredValues());
});

test('the browser entry exports the same names as the Node entry', () => {
  const browser = readFileSync(new URL('../../js/browser.js', import.meta.url), 'utf8');
  assert.match(browser, /export \* from '\.\/core\.js';/);
  assert.match(browser, /export function init\(/);
});

for (const [name, cls] of [['Catalog', node.Catalog], ['TierPricer', node.TierPricer]]) {
  test(`${name}: its runtime methods are the declared ones`, () => {
    assert.deepEqual(runtimeMembers(cls), declaredMembers(name));
  });
}
