// The partner view: a draft plan type is added to the partner's catalog and the engine answers
// its validation and margins on every keystroke. Amounts stay decimal strings throughout.
import { init, planMargins, validateCatalog, version } from '../js/browser.js';
import { currencyDigits, el, money, options, problemItems } from './shared.js';

const $ = (id) => document.getElementById(id);
const DRAFT = 'draft-plan';
const ENVIRONMENTS = ['production', 'staging', 'dev', 'qa'];

const [, full] = await Promise.all([init(), fetch('../catalogs/demo.json').then((r) => r.json())]);
const partners = full.partners ?? [];
const types = full.planTypes ?? [];

function owner() {
  return $('owner').value;
}

/** Plan types the owner may build on: its own and those granted to it. */
function usableParents() {
  return types.filter((t) => t.owner === owner() || (t.grantedTo ?? []).includes(owner()));
}

function addFee(name = '', price = '') {
  const i = $('fees').children.length;
  $('fees').append(el('div', { class: 'fee' },
    el('label', { for: `fee-name-${i}`, text: 'Usage fee name' }), el('input', { id: `fee-name-${i}`, class: 'fee-name', value: name, autocomplete: 'off', list: 'parent-fees',
      'aria-describedby': `fee-name-${i}-error` }),
    el('label', { for: `fee-price-${i}`, text: 'Price' }), el('input', { id: `fee-price-${i}`, class: 'fee-price', value: price, inputmode: 'decimal', autocomplete: 'off',
      'aria-describedby': `fee-price-${i}-error` }),
    el('button', { type: 'button', class: 'remove', 'aria-label': `Remove usage fee ${i + 1}`, text: 'Remove', onclick: (e) => { e.target.closest('.fee').remove(); update(); } }),
    el('p', { id: `fee-name-${i}-error`, class: 'field-error', hidden: true }),
    el('p', { id: `fee-price-${i}-error`, class: 'field-error', hidden: true })));
}

/** A parent's fee price marked up 10%, rounded half up to the price's own decimal places
 *  (BigInt, exact): what a reseller's new plan starts from ("110.00" -> "121.00"). */
function markedUp(price) {
  const [whole, fraction = ''] = price.split('.');
  const tenths = BigInt(whole + fraction) * 11n; // x 1.1, one more decimal place
  const rounded = ((tenths + 5n) / 10n).toString().padStart(fraction.length + 1, '0');
  return fraction.length ? `${rounded.slice(0, -fraction.length)}.${rounded.slice(-fraction.length)}` : rounded;
}

/** A new plan on the chosen parent: its name after the parent's and the owner's, and the
 *  parent's fees marked up 10%, so that it starts with a profit (not the last owner's plan). */
function resetPlan() {
  const parent = types.find((t) => t.id === $('parent').value);
  const me = partners.find((p) => p.id === owner());
  $('plan-name').value = parent ? `${parent.name} by ${me?.name ?? owner()}` : '';
  $('fees').replaceChildren();
  for (const f of parent?.fees ?? []) addFee(f.name, markedUp(f.price));
  if (!parent?.fees?.length) addFee();
}

/** A fee's problem, in words, on its field. */
function feeWords(problem, currency) {
  switch (problem.code) {
    case 'NEGATIVE_PRICE': return 'A price cannot be negative.';
    case 'AMOUNT_PRECISION': return `A price in ${currency} has at most ${currencyDigits(currency)} decimal places.`;
    case 'INVALID_DECIMAL': case 'INEXACT_NUMBER': case 'INVALID_TYPE': case 'DECIMAL_OUT_OF_RANGE': return 'A price is a number, such as 110.00.';
    case 'MISSING_FIELD': case 'INVALID_VALUE': case 'INVALID_ID':
      return problem.path.endsWith('.name') && !/control|format|look/i.test(problem.message) ? 'Give the fee a name, such as Hosting.' : problem.message;
    default: return problem.message;
  }
}

/** Puts each fee's problem on its field and returns the other problems. */
function showFeeErrors(problems, currency) {
  for (const p of document.querySelectorAll('#fees .field-error')) p.hidden = true;
  for (const input of document.querySelectorAll('#fees input')) input.removeAttribute('aria-invalid');
  return problems.filter((p) => {
    const m = p.path.match(/^fees\[(\d+)\]\.(name|price)$/);
    const input = m && $(`fee-${m[2]}-${m[1]}`);
    if (!input) return true;
    input.setAttribute('aria-invalid', 'true');
    const message = $(`${input.id}-error`);
    message.textContent = feeWords(p, currency);
    message.hidden = false;
    return false;
  });
}

/** What the chosen parent allows: its environments (the only ones offered) and its fee names. */
function onParentChange() {
  const parent = types.find((t) => t.id === $('parent').value);
  const allowed = parent?.environments ?? ENVIRONMENTS;
  const checked = new Set([...document.querySelectorAll('#environments input:checked')].map((i) => i.value));
  const keep = allowed.filter((e) => checked.has(e));
  const chosen = new Set(keep.length ? keep : allowed.slice(0, 1));
  $('environments').replaceChildren(...allowed.map((e) => el('label', { class: 'check' }, el('input', { type: 'checkbox', value: e, checked: chosen.has(e) }), ` ${e}`)));
  $('environments-hint').textContent = parent ? `Where ${parent.name} may be used: a plan on it can be offered there only.` : '';
  $('parent-fees').replaceChildren(...(parent?.fees ?? []).map((f) => el('option', { value: f.name })));
}

/** The instance count, or null with an error on its field. */
function instances() {
  const text = $('instances').value.trim();
  const ok = /^\d+$/.test(text) && Number(text) <= 1_000_000;
  $('instances').setAttribute('aria-invalid', String(!ok));
  $('instances-error').hidden = ok;
  $('instances-error').textContent = ok ? '' : 'Instances is a whole number, such as 10.';
  return ok ? Number(text) : null;
}

function onOwnerChange(reset = true) {
  const parents = usableParents();
  // A reseller builds on what another partner granted it, when it was granted something.
  const resold = parents.find((t) => t.owner !== owner() && t.owner !== 'platform') ?? parents.find((t) => t.id === 'platform-production') ?? parents[0];
  options($('parent'), parents.map((t) => [t.id, `${t.name} (${t.owner})`]), resold?.id);
  if (reset && resold) {
    $('parent').value = resold.id;
    resetPlan();
  }
  onParentChange();
  const subs = partners.filter((p) => p.parent === owner());
  $('grants').replaceChildren(...(subs.length ? subs.map((p) => el('label', { class: 'check' }, el('input', { type: 'checkbox', value: p.id }), ` ${p.name}`))
    : [el('p', { class: 'hint', text: 'You have no sub-partners.' })]));
  update();
}

/** The draft plan type the form describes. */
function draft() {
  const parent = types.find((t) => t.id === $('parent').value);
  return {
    id: DRAFT,
    name: $('plan-name').value,
    owner: owner(),
    parent: parent?.id,
    currency: parent?.currency ?? full.defaultCurrency,
    recurring: parent?.recurring ?? 'monthly',
    fees: [...document.querySelectorAll('#fees .fee')].map((f) => ({ name: f.querySelector('.fee-name').value, price: f.querySelector('.fee-price').value })),
    environments: [...document.querySelectorAll('#environments input:checked')].map((i) => i.value),
    grantedTo: [...document.querySelectorAll('#grants input:checked')].map((i) => i.value),
  };
}

function update() {
  const plan = draft();
  $('fee-currency').textContent = plan.currency;
  const catalog = { ...full, planTypes: [...types, plan] };
  const index = types.length;
  const problems = validateCatalog(catalog).errors.filter((p) => p.path.startsWith(`planTypes[${index}]`))
    .map((p) => ({ ...p, path: p.path.replace(`planTypes[${index}].`, '') }));
  const rest = showFeeErrors(problems, plan.currency);
  $('margin-problems').replaceChildren(...(rest.length ? problemItems({ problems: rest }) : []));
  showExport(problems.length ? null : catalog, plan);
  const fees = $('fee-table').tBodies[0];
  const chain = $('chain').tBodies[0];
  const n = instances();
  if (problems.length || n === null) {
    $('profit').textContent = 'Fix the plan to see its margin.';
    $('margin-warning').hidden = true;
    fees.replaceChildren();
    chain.replaceChildren();
    return;
  }
  const m = planMargins(catalog, DRAFT, n);
  const cur = m.currency;
  $('profit').replaceChildren('Profit per instance: ', el('output', { 'data-testid': 'profit-amount', text: money(m.profit, cur) }),
    ` (${money(m.price, cur)} − ${money(m.cost, cur)}); for ${m.instances} instance${m.instances === 1 ? '' : 's'}: ${money(m.total.profit, cur)} a month`);
  const loss = m.warnings.find((w) => w.code === 'NEGATIVE_PROFIT' && w.path === `chain[${m.chain.length - 1}].profit`);
  $('margin-warning').hidden = !loss;
  $('margin-warning').textContent = loss ? `Warning: this plan sells below its cost; every instance loses ${money(m.profit.replace('-', ''), cur)} a month.` : '';
  fees.replaceChildren(...m.fees.map((f) => el('tr', {}, el('td', { text: f.name }), el('td', { text: money(f.price, cur) }), el('td', { text: money(f.cost, cur) }),
    el('td', { class: f.profit.startsWith('-') ? 'loss' : '', text: money(f.profit, cur) }))));
  const name = (id) => partners.find((p) => p.id === id)?.name ?? id ?? '—';
  $('chain-total-head').textContent = `Profit for ${m.instances}`;
  chain.replaceChildren(...m.chain.map((l) => el('tr', {}, el('td', { text: l.planType === DRAFT ? `${plan.name} (this plan)` : l.name }), el('td', { text: name(l.owner) }),
    el('td', { text: l.paysTo ? `${money(l.cost, cur)} to ${name(l.paysTo)}` : '—' }), el('td', { text: money(l.price, cur) }),
    el('td', { class: l.profit.startsWith('-') ? 'loss' : '', text: money(l.profit, cur) }), el('td', { text: money(l.totalProfit, cur) }))));
}

/** "Copy as catalog JSON": the catalog with the plan type built, under an id of its own, as
 *  the catalog check page (or a server) loads it; offered only for a plan that validates. */
function showExport(catalog, plan) {
  $('export').disabled = !catalog;
  if (!catalog) {
    $('export-json').value = '';
    return;
  }
  const slug = `${owner()}-${plan.name}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const planTypes = catalog.planTypes.map((t) => (t.id === DRAFT ? { ...t, id: slug } : t));
  $('export-json').value = JSON.stringify({ ...catalog, planTypes }, null, 2);
}

options($('owner'), partners.filter((p) => p.parent).map((p) => [p.id, p.name]), 'acme');
addFee('Hosting', '110.00');
$('engine-version').textContent = `ratecard ${version()} (WebAssembly)`;
$('owner').addEventListener('change', () => onOwnerChange());
$('export').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('export-json').value);
    $('export-status').textContent = 'Copied: paste it into "Check a catalog" to see it validate.';
  } catch {
    $('export-json').select();
    $('export-status').textContent = 'Selected: copy it, then paste it into "Check a catalog".';
  }
});
$('plan-form').addEventListener('input', (e) => {
  if (e.target.id === 'owner') return; // onOwnerChange
  if (e.target.id === 'parent') onParentChange();
  update();
});
$('plan-form').addEventListener('submit', (e) => e.preventDefault());
$('add-fee').addEventListener('click', () => { addFee(); update(); });
onOwnerChange(false);
document.body.dataset.ready = 'true';
