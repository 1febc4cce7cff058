// Partner plans through the npm package under Node: margins, assignment and the public view.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkAssignment, loadCatalog, partnerMargins, planMargins, publicCatalog, validateCatalog } from '../../js/node.js';

const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));

test('planMargins shows the profit per instance, for N instances and through the chain', () => {
  const m = planMargins(demo, 'nordic-production', 4);
  assert.deepEqual([m.price, m.cost, m.profit], ['147.50', '110.00', '37.50']);
  assert.deepEqual(m.total, { price: '590.00', cost: '440.00', profit: '150.00' });
  assert.deepEqual(m.chain.map((l) => `${l.owner}<-${l.paysTo ?? 'nobody'} ${l.profit}`), [
    'platform<-nobody 74.00', 'acme<-platform 36.00', 'nordic<-acme 37.50',
  ]);
});

test('a loaded catalog answers the partner questions like the one-off functions', () => {
  const c = loadCatalog(demo);
  try {
    assert.deepEqual(c.planMargins('acme-production-110'), planMargins(demo, 'acme-production-110'));
    const counts = { 'acme-production-110': 3 };
    assert.deepEqual(c.partnerMargins('acme', counts), partnerMargins(demo, 'acme', counts));
    const request = { planType: 'acme-production-110', instance: { owner: 'nordic', environment: 'staging' } };
    assert.deepEqual(c.checkAssignment(request), checkAssignment(demo, request));
    assert.equal(c.checkAssignment(request).reasons[0].code, 'ENVIRONMENT_NOT_ALLOWED');
    assert.deepEqual(c.publicCatalog(), publicCatalog(demo));
  } finally {
    c.free();
  }
});

test('the public catalog leaks no wholesale price and loads as a catalog', () => {
  const pub = publicCatalog(demo);
  const text = JSON.stringify(pub);
  for (const secret of ['"74.00"', '"110.00"', 'platform-production', 'grantedTo', '"owner"', '"parent"', '"partners"']) {
    assert.ok(!text.includes(secret), `public catalog contains ${secret}`);
  }
  assert.deepEqual(pub.planTypes.map((t) => t.id), ['acme-staging', 'nordic-production']);
  assert.equal(validateCatalog(pub).valid, true);
});

test('partner errors carry codes and paths', () => {
  assert.throws(() => planMargins(demo, 'nope'), { name: 'RatecardError', code: 'UNKNOWN_PLAN_TYPE', path: 'planType' });
  assert.throws(() => planMargins(demo, 'acme-staging', 1.5), { code: 'INEXACT_NUMBER', path: 'instances' });
  assert.throws(() => partnerMargins(demo, 'acme', { 'acme-staging': -2 }), { code: 'INVALID_VALUE', path: 'instances.acme-staging' });
  assert.throws(() => checkAssignment(demo, { planType: 'acme-staging', instance: { owner: 'acme', env: 'qa' } }), (e) => {
    assert.deepEqual(e.problems.map((p) => `${p.code} ${p.path}`), [
      'UNKNOWN_FIELD request.instance.env', 'MISSING_FIELD request.instance.environment',
    ]);
    return true;
  });
});
