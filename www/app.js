// The customer order form. It loads the engine once and the *public* catalog (no partner costs
// or margins ever reach this page), then requotes on every change without a reload.
import { init, loadCatalog, loadTierTable, version } from '../js/browser.js';
import { day, el, memory, money, options, plural, problemItems, quantity, rate, tierBounds, today, unitWords } from './shared.js';

const $ = (id) => document.getElementById(id);
const PHASES = { trial: 'Trial', discount: 'Discount', final: 'Regular price' };

/** The catalog in use: its JSON document (names, packages, rules) and the loaded engine side.
 *  For a catalog set (SPEC 16), `doc` is the version the customer is on, `source` the set. */
let doc;
let catalog;
let source;
/** The last quote the order form could compute: the chart marks what it bills. */
let lastQuote;

/** "month" or "hour": what every price on the page is per (the seed bills by the hour). */
function per() {
  return document.querySelector('input[name="per"]:checked')?.value ?? 'month';
}

/** A monthly amount or its hourly rate, as the toggle says: "$12.00/month", "$0.0164/hour". */
function priced(monthly, hourly, cur) {
  return per() === 'hour' ? `${rate(hourly, cur)}/hour` : `${money(monthly, cur)}/month`;
}

/** A price billed by the hour and capped at the monthly price (the catalog's monthlyCap):
 *  "$0.0179 an hour, at most $12.00 a month"; without a cap, as priced() says. */
function cappedPrice(monthly, hourly, cap, cur) {
  return cap ? `${rate(hourly, cur)} an hour, at most ${money(cap, cur)} a month` : priced(monthly, hourly, cur);
}

/** A figure for a table whose header says what it is per: "$12.00", or "$0.0164" an hour. */
function figure(monthly, hourly, cur) {
  return per() === 'hour' ? rate(hourly, cur) : money(monthly, cur);
}

/** The quote in each phase of its timeline: the quote itself for the current phase, then one
 *  batch call (quoteMany) for the order priced at the start of each later phase. */
function phaseQuotes(o, q) {
  const later = q.timeline.slice(1).map((t) => ({ ...o, at: t.start }));
  const answers = later.length ? catalog.quoteMany(later) : [];
  return [q, ...answers.map((a) => (a.error ? null : a))];
}
const quantities = new Map(); // metered product id -> the text typed in its input

function plan() {
  return doc.plans.find((p) => p.id === $('plan').value);
}

function phasesOf(p) {
  return ['trial', 'discount', 'final'].filter((ph) => ph === 'final' || p?.phases?.[ph]);
}

function currencies() {
  return [...doc.currencies, ...(doc.customCurrencies ?? []).map((c) => c.code)];
}

/** The version of a catalog set a customer whose billing starts at `start` is on (the newest in
 *  force then; the first for a start before every version, which the engine refuses with
 *  NO_CATALOG_VERSION), or the catalog itself when it is not a set. */
function versionAt(start) {
  if (!source.versions) return { version: null, catalog: source };
  const t = Date.parse(start);
  return source.versions.findLast((v) => Date.parse(v.effectiveFrom) <= t) ?? source.versions[0];
}

/** The customer's billing start as the order says it: the field, or the quote's instant. */
function customerStart() {
  return $('billing-start').value ? `${$('billing-start').value}T00:00:00Z` : quoteInstant();
}

/** Puts a new catalog (or catalog set) in place: selects, packages and resources follow it. */
function useCatalog(document_, loaded) {
  catalog?.free();
  source = document_;
  doc = versionAt(customerStart()).catalog;
  catalog = loaded;
  const regions = doc.regions ?? [];
  options($('region'), regions.map((r) => [r.id, r.name ?? r.id]));
  $('region').disabled = regions.length === 0;
  options($('currency'), currencies().map((c) => [c, c]), doc.defaultCurrency);
  options($('plan'), doc.plans.map((p) => [p.id, p.name]), doc.plans.find((p) => p.default)?.id);
  const packages = doc.products.filter((p) => p.kind === 'package');
  const first = packages.find((p) => p.id === 'medium') ?? packages[0];
  $('packages').replaceChildren(...packages.map((p) => el('label', { class: 'package' },
    el('input', { type: 'radio', name: 'package', value: p.id, checked: p === first }),
    el('span', { class: 'package-name', text: p.name }),
    el('span', { class: 'specs', text: `${quantity(p.package.cpu)} vCPU · ${memory(p.package.memoryMb)} RAM` }),
    el('span', { class: 'specs', text: `incl. ${quantity(p.package.storageGb ?? 0)} GB storage · ${quantity(p.package.bandwidthGb ?? 0)} GB traffic · ${quantity(p.package.backupGb ?? 0)} GB backup` }),
    el('span', { class: 'phase-prices', 'data-product': p.id }))));
  const metered = doc.products.filter((p) => p.kind === 'metered');
  $('metered').replaceChildren(...metered.map((p) => el('div', {},
    el('label', { for: `q-${p.id}`, text: `${p.name} (${unitWords(p.unitType)}${p.aggregated ? ' this month' : ''})` }),
    el('input', { id: `q-${p.id}`, 'data-product': p.id, inputmode: 'decimal', autocomplete: 'off', value: quantities.get(p.id) ?? '0',
      'aria-describedby': `q-${p.id}-error` }),
    el('p', { id: `q-${p.id}-error`, class: 'field-error', hidden: true }))));
  options($('tier-product'), metered.map((p) => [p.id, p.name]), 'storage');
  const taxed = COUNTRIES.filter((c) => !c.rate || (doc.taxRates ?? []).some((r) => r.id === c.rate));
  options($('country'), taxed.map((c) => [c.code, c.name]), '');
  $('country').closest('.tax-fields').hidden = taxed.length < 2;
  refresh();
}

/** Where a customer may be, and the catalog's VAT rate for each (this demo's seller is in
 *  Germany). ratecard never decides where a sale is taxed: this page does, and says how. */
const COUNTRIES = [
  { code: '', name: 'Outside the EU (no VAT)' },
  { code: 'DE', name: 'Germany', rate: 'de-vat-19' },
  { code: 'FR', name: 'France', rate: 'fr-vat-20' },
  { code: 'IE', name: 'Ireland', rate: 'ie-vat-23' },
  { code: 'NL', name: 'Netherlands', rate: 'nl-vat-21' },
];
const SELLER_COUNTRY = 'DE';

/** The order's tax context: none outside the EU; a business with a VAT number in another EU
 *  country than the seller's accounts for the VAT itself (reverse charge); everyone else in
 *  the EU pays their country's rate. */
function taxContext() {
  const country = COUNTRIES.find((c) => c.code === $('country').value);
  if (!country?.rate) return undefined;
  const vatId = $('vat-id').value.trim().toUpperCase();
  if (vatId && country.code !== SELLER_COUNTRY) return { reverseCharge: { taxId: vatId } };
  return { rates: { standard: [country.rate] } };
}

/** The summary's tax line: "$12.00 + $2.28 VAT 19%", "incl. $1.92 VAT 19%", or the note. */
function showTax(q, cur) {
  const line = $('summary-tax');
  const t = q.timeline[0];
  const status = $('vat-status');
  const country = COUNTRIES.find((c) => c.code === $('country').value);
  status.textContent = $('vat-id').value.trim() && country?.code === SELLER_COUNTRY
    ? 'A business in Germany pays German VAT: reverse charge is for other EU countries.' : '';
  if (q.taxNote) {
    line.hidden = false;
    line.textContent = `No VAT: reverse charge, VAT number ${q.taxNote.taxId}.`;
    return;
  }
  const taxes = q.taxes;
  line.hidden = taxes.length === 0;
  if (taxes.length === 0) return;
  const names = taxes.map((x) => x.name).join(', ');
  const net = money(fromMinor(BigInt(t.amountDueMinor) - BigInt(minorOf(t.tax, cur)), digitsOf(cur)), cur);
  line.textContent = taxes[0].included ? `incl. ${money(t.tax, cur)} ${names}` : `${net} + ${money(t.tax, cur)} ${names}`;
}

/** An amount's minor units as text ("2.28" in USD -> "228"). */
function minorOf(amount, cur) {
  const [whole, frac = ''] = amount.split('.');
  return `${whole}${frac.padEnd(digitsOf(cur), '0')}`.replace(/^(-?)0+(?=\d)/, '$1');
}

/** The currency's minor digits, as the engine writes its amounts. */
function digitsOf(cur) {
  return (lastQuote?.totals[0].amount.split('.')[1] ?? '').length;
}

function refresh() {
  // An existing customer (an earlier billing start) sees the prices of their own version.
  doc = versionAt(customerStart()).catalog;
  options($('tier-phase'), phasesOf(plan()).map((ph) => [ph, PHASES[ph]]), 'final');
  tierPhaseChosen = false;
  options($('matrix-phase'), phasesOf(plan()).map((ph) => [ph, PHASES[ph]]), 'final');
  // The quote first: the package cards and the matrix show the prices of its version.
  showQuote();
  showPackagePrices();
  showTiers();
  showMatrix();
}

/** "14 days", "12 hours", "3 days and 14 hours": how long from one instant to another, for
 *  people (to the hour). */
function length(start, end) {
  const hours = Math.round((Date.parse(end) - Date.parse(start)) / 3_600_000);
  if (hours < 48) return plural(hours, 'hour');
  const days = plural(Math.floor(hours / 24), 'day');
  return hours % 24 === 0 ? days : `${days} and ${plural(hours % 24, 'hour')}`;
}

function showPackagePrices() {
  const currency = $('currency').value;
  let rows = [];
  let lengths = {};
  try {
    rows = catalog.priceMatrix({ plan: $('plan').value, currency, region: $('region').value || undefined, ...pricesVersion() }).rows;
    // How long each phase lasts for a customer who starts now: the engine's own timeline.
    const at = quoteInstant();
    const timeline = catalog.quote({ at, customer: { plan: $('plan').value, billingStart: at }, lines: [] }).timeline;
    lengths = Object.fromEntries(timeline.filter((t) => t.end).map((t) => [t.phase, length(t.start, t.end)]));
  } catch { /* shown by the quote */ }
  for (const span of document.querySelectorAll('.phase-prices')) {
    const mine = rows.filter((r) => r.product === span.dataset.product);
    span.replaceChildren(...mine.map((r) => el('span', { class: 'phase-price' },
      `${PHASES[r.phase]}${lengths[r.phase] ? ` (${lengths[r.phase]})` : ''}: `,
      el('strong', { text: r.amount === '0' || /^0(\.0+)?$/.test(r.amount) ? 'free' : cappedPrice(r.amount, r.hourly, r.cap, currency) }))));
  }
}

/** On a catalog set, the matrix's version: the one whose prices the customer pays now (their
 *  own, or the newer one their plan moved to), as the last quote says. */
function pricesVersion() {
  const version = lastQuote?.timeline[0].version ?? versionAt(customerStart()).version;
  return version ? { catalogVersion: version } : {};
}

/** The input each order line comes from (index = the line's), for errors on their field. */
let lineInputs = [];

/** The instant the form quotes at: now (to the second) for today's date, the default, so that
 *  the quote shown is the one a server recomputes at its own instant and verifies; midnight UTC
 *  of another date chosen under "Advanced". */
function quoteInstant() {
  const date = $('order-date').value || today();
  return date === today() ? new Date().toISOString().replace(/\.\d+Z$/, 'Z') : `${date}T00:00:00Z`;
}

/** The order the form describes, as the engine takes it (and which input each line is from). */
function order() {
  const lines = [];
  lineInputs = [];
  const pkg = document.querySelector('input[name="package"]:checked');
  if (pkg) {
    lines.push({ product: pkg.value, quantity: 1 });
    lineInputs.push(pkg);
  }
  for (const input of $('metered').querySelectorAll('input')) {
    const q = input.value.trim();
    if (q !== '' && q !== '0') {
      lines.push({ product: input.dataset.product, quantity: q });
      lineInputs.push(input);
    }
  }
  const at = quoteInstant();
  const coupon = couponFor($('coupon-code').value, at);
  const tax = taxContext();
  return {
    at,
    ...(tax ? { tax } : {}),
    customer: { plan: $('plan').value, currency: $('currency').value, region: $('region').value || undefined, billingStart: $('billing-start').value || undefined,
      ...(coupon.coupon ? { redemptions: [{ coupon: coupon.coupon.id, at }] } : {}) },
    lines,
  };
}

/** The catalog's coupon a typed code names, redeemed at `at` for the chosen plan and currency:
 *  `{ coupon }`, or `{ why }` in words when it does not apply (`{}` for no code). The engine
 *  would refuse an expired one (COUPON_NOT_REDEEMABLE) and let one in another currency take
 *  nothing; the page says so before asking it. */
function couponFor(typed, at) {
  const code = typed.trim();
  if (code === '') return {};
  const coupon = (doc.coupons ?? []).find((c) => c.code.toUpperCase() === code.toUpperCase());
  if (!coupon) return { why: `There is no coupon with the code ${code}.` };
  if (coupon.redeemBy && Date.parse(coupon.redeemBy) < Date.parse(at)) return { why: `The code ${coupon.code} expired on ${day(coupon.redeemBy)}.` };
  const currency = $('currency').value;
  if (coupon.amountOff && !coupon.amountOff[currency]) {
    return { why: `The code ${coupon.code} is for prices in ${Object.keys(coupon.amountOff).join(' or ')}, not ${currency}.` };
  }
  const plans = coupon.appliesTo?.plans;
  if (plans && !plans.includes($('plan').value)) {
    const names = plans.map((id) => doc.plans.find((p) => p.id === id)?.name ?? id);
    return { why: `The code ${coupon.code} is for the ${names.join(' or ')} plan${plans.length > 1 ? 's' : ''} only.` };
  }
  return { coupon };
}

/** What a coupon takes, in words: "20% off for 3 months", "$5.00 off the first invoice". */
function couponTerms(coupon, cur) {
  const off = coupon.percentOff ? `${coupon.percentOff}% off` : `${money(coupon.amountOff[cur], cur)} off`;
  switch (coupon.duration) {
    case 'once': return `${off} the first invoice`;
    case 'repeating': return `${off} for ${plural(coupon.months, 'month')}`;
    default: return off;
  }
}

/** The coupon field's status, and the summary's line for it. */
function showCoupon(o, q) {
  const found = couponFor($('coupon-code').value, o.at);
  const input = $('coupon-code');
  const status = $('coupon-status');
  const summary = $('summary-coupon');
  if (found.why) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  status.classList.toggle('field-error', Boolean(found.why));
  summary.hidden = !found.coupon;
  if (!found.coupon) {
    status.textContent = found.why ?? '';
    return;
  }
  const cur = q.currency;
  const discount = q.discounts.find((d) => d.coupon === found.coupon.id);
  const taken = discount && discount.amountMinor !== '0' ? `: ${money(discount.amount, cur)} off this month` : '';
  status.textContent = `${found.coupon.code} applied: ${found.coupon.name} (${couponTerms(found.coupon, cur)})${taken}.`;
  summary.textContent = `Coupon ${found.coupon.code}: ${couponTerms(found.coupon, cur)}`;
}

function productName(id) {
  return doc.products.find((p) => p.id === id)?.name ?? id;
}

/** A problem with a quantity, in the customer's words. */
function inWords(problem, name) {
  switch (problem.code) {
    case 'NEGATIVE_QUANTITY': return `${name} cannot be negative.`;
    case 'INVALID_DECIMAL': case 'INEXACT_NUMBER': case 'INVALID_TYPE': return `${name} must be a number, such as 250 or 12.5.`;
    case 'DECIMAL_OUT_OF_RANGE': case 'OVERFLOW': return `${name} is too large.`;
    default: return `${name}: ${problem.message}`;
  }
}

/** Marks each field a problem of the order concerns (or clears it); returns the problems left. */
function showFieldErrors(problems) {
  for (const input of $('metered').querySelectorAll('input')) {
    input.removeAttribute('aria-invalid');
    $(`${input.id}-error`).hidden = true;
  }
  return problems.filter((p) => {
    const line = p.path.match(/^order\.lines\[(\d+)\]/)?.[1];
    const input = line === undefined ? null : lineInputs[Number(line)];
    if (!input || input.type === 'radio') return true;
    input.setAttribute('aria-invalid', 'true');
    const message = $(`${input.id}-error`);
    message.textContent = inWords(p, productName(input.dataset.product));
    message.hidden = false;
    return false;
  });
}

function showQuote() {
  const error = $('quote-error');
  const o = order();
  let q;
  try {
    q = catalog.quote(o);
    lastQuote = q;
    // What a checkout posts to the server, which re-checks it (docs/javascript.md, "Verifying a quote from a browser").
    window.checkout = { order: o, quote: q };
    showFieldErrors([]);
    $('quote').classList.remove('stale');
    $('summary').classList.remove('stale');
    $('stale-note').hidden = true;
    error.hidden = true;
  } catch (e) {
    // Each problem on its field; the last good quote stays on screen, dimmed, until it is fixed.
    const rest = showFieldErrors(e.problems ?? [e]);
    error.replaceChildren(...(rest.length ? [el('span', { text: 'This order cannot be priced: ' }), el('ul', {}, ...problemItems({ problems: rest }))] : []));
    error.hidden = rest.length === 0;
    $('quote').classList.add('stale');
    $('summary').classList.add('stale');
    $('stale-note').hidden = false;
    return;
  }
  const cur = q.currency;
  // One column per phase of the timeline: what each line costs now, and in each later phase.
  const phases = phaseQuotes(o, q);
  const unitLabel = per() === 'hour' ? 'an hour' : 'a month';
  $('quote-lines').tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Item' }), el('th', { scope: 'col', text: 'Billed quantity' }),
    ...q.timeline.map((t, i) => el('th', { scope: 'col', class: 'num', 'data-phase': t.phase,
      text: `${PHASES[t.phase]}${i === 0 ? ' (now)' : ` from ${day(t.start)}`}, ${unitLabel}` }))));
  $('quote-lines').tBodies[0].replaceChildren(...q.lines.map((l, n) => {
    const billed = billedText(l);
    const spec = doc.products.find((p) => p.id === l.product)?.package;
    const item = el('td', {}, productName(l.product),
      spec ? el('span', { class: 'line-specs', text: ` (${quantity(spec.cpu)} vCPU, ${memory(spec.memoryMb)} RAM)` }) : null,
      // On a phone the quantity goes under the item, so that every price column fits.
      l.kind === 'metered' ? el('span', { class: 'phone-only', text: billed }) : null);
    // The tiers of the phase the customer pays in: a free trial prices nothing, so it has none.
    const paying = payingQuote(q, phases);
    const tiered = paying?.lines[n];
    if (l.kind === 'metered' && tiered?.tiers.length > 0) {
      const i = phases.indexOf(paying);
      const when = i === 0 ? 'now' : `${PHASES[q.timeline[i].phase].toLowerCase()}, from ${day(q.timeline[i].start)}`;
      item.append(el('details', { class: 'breakdown' }, el('summary', { text: `Tier breakdown (${when})` }),
        el('ul', {}, ...tiered.tiers.map((t) => el('li', { 'data-tier': t.tier, text: `${quantity(t.quantity)}${tiered.blocks !== null ? ' blocks' : ''} in tier ${t.tier + 1} (${quantity(t.from)}–${t.upTo === null ? '∞' : quantity(t.upTo)}) at ${money(t.unitPrice, cur)} = ${money(t.amount, cur)}` })))));
    }
    return el('tr', { 'data-product': l.product }, item, el('td', { text: billed }),
      ...phases.map((pq, i) => {
        const line = pq?.lines[n];
        // A line billed on usage has no hourly rate: its monthly amount, said so.
        const text = !line ? '—' : per() === 'hour' && usageLine(line) ? `${money(line.amount, cur)}/month` : figure(line.amount, line.hourly, cur);
        return el('td', { class: 'num', 'data-phase': q.timeline[i].phase, text });
      }));
  }));
  // The coupons' and the tax's part of each column, so that its total is the sum of what it shows.
  const stepRow = (label, key, sign) => (q.timeline.some((t) => !/^0(\.0+)?$/.test(t[key] ?? '0'))
    ? [el('tr', { 'data-step': key }, el('th', { scope: 'row', colspan: 2, text: label }),
      ...q.timeline.map((t) => el('td', { class: 'num', 'data-phase': t.phase, text: `${sign}${money(t[key], cur)}` })))] : []);
  const taxName = q.taxes[0]?.included ? `of which ${q.taxes.map((x) => x.name).join(', ')}` : q.taxes.map((x) => x.name).join(', ') || 'Tax';
  $('quote-lines').tFoot.replaceChildren(...stepRow('Coupons', 'discount', '−'), ...(q.taxes[0]?.included ? [] : stepRow(taxName, 'tax', '+')),
    el('tr', {}, el('th', { scope: 'row', colspan: 2, text: 'Total' }),
    ...phases.map((pq, i) => el('td', { class: 'num', id: i === 0 ? 'total' : undefined, 'data-testid': i === 0 ? 'total' : undefined,
      'data-phase': q.timeline[i].phase, text: pq ? monthFigure(q.timeline[i], pq, cur) : '—' }))));
  const region = (doc.regions ?? []).find((r) => r.id === $('region').value);
  $('print-date').textContent = `Quote of ${day(q.at)}: plan ${plan()?.name ?? q.plan}${region ? `, ${region.name ?? region.id}` : ''}, in ${cur}.`;
  $('timeline').textContent = timelineSentence(q, phases);
  // What a month is billed: the lines, or the plan's minimum commitment when that is more.
  // Nothing to pay now (a free trial): "Free until 5 Dec 2026", not "$0.00 a month".
  const free = /^0(\.0+)?$/.test(q.timeline[0].amountDue) && q.timeline[0].end;
  $('summary-now').hidden = Boolean(free);
  const hourly = per() === 'hour' && !discounted(q.timeline[0]) ? hourlyOf(q) : null;
  $('summary-total').textContent = free ? 'Free' : hourly ? hourly.rate : monthFigure(q.timeline[0], q, cur);
  // A coupon's or a tax's month has no hourly rate: then a monthly figure, said so.
  $('summary-per').textContent = free ? `until ${day(q.timeline[0].end)}` : hourly ? `an hour${hourly.usage}` : 'a month';
  $('summary-timeline').textContent = timelineSentence(q, phases);
  $('timeline-list').replaceChildren(...q.timeline.map((t, i) => el('li', { 'data-phase': t.phase },
    el('strong', { text: PHASES[t.phase] }), ` from ${day(t.start)}${t.end ? ` until ${day(t.end)}` : ''}: `,
    phases[i] ? monthPrice(t, phases[i], cur) : `${money(t.amountDue, cur)}/month`,
    t.discount !== undefined && !/^0(\.0+)?$/.test(t.discount) ? ` instead of ${money(t.amount, cur)}/month` : '')));
  showCoupon(o, q);
  showVersions(o, q, cur);
  showTax(q, cur);
  showFirstInvoice(o, cur);
  showComparison(o, cur);
  // Warnings (a product with no price in this phase, say) are shown, not hidden with errors.
  error.replaceChildren(...q.warnings.map((w) => el('span', { class: 'warning', text: `${w.code} ${w.path}: ${w.message}` })));
  error.hidden = q.warnings.length === 0;
}

/** On a catalog set: which version's prices the customer has, and the next version's price
 *  when one is announced ("Price from 1 Mar 2027: $13.00/month"), quoted by the engine for a
 *  customer who starts then, with what ordering now keeps. */
function showVersions(o, q, cur) {
  const note = $('summary-announcement');
  const mine = $('summary-version');
  note.hidden = true;
  mine.hidden = !q.catalog;
  if (!q.catalog) return;
  const versions = catalog.versions;
  const own = versions.findIndex((v) => v.version === q.catalog.version);
  mine.textContent = `Prices of catalog version ${q.catalog.version}, in force when billing started on ${day(q.billingStart)}.`;
  const next = versions.slice(own + 1).find((v) => Date.parse(v.effectiveFrom) > Date.parse(o.at));
  if (!next) return;
  let later;
  try {
    const start = next.effectiveFrom;
    later = catalog.quote({ ...o, catalogVersion: next.version, at: start, customer: { ...o.customer, billingStart: start, redemptions: undefined } });
  } catch {
    return; // this order cannot be bought on the new version: nothing to announce
  }
  const regular = (t) => t.at(-1).amount;
  if (regular(later.timeline) === regular(q.timeline.filter((t) => t.version === q.catalog.version))) return;
  // The customer's own regular price, until their plan moves to newer prices (if it does).
  const moved = q.timeline.find((t) => t.version !== q.catalog.version);
  const kept = q.timeline.filter((t) => t.version === q.catalog.version).at(-1);
  note.hidden = false;
  note.textContent = `Price from ${day(next.effectiveFrom)}: ${money(regular(later.timeline), cur)}/month. `
    + `Ordering now, you pay ${money(kept.amount, cur)}/month${moved ? ` until ${day(moved.start)}` : ''}.`;
}

/** A line's billed quantity as the customer typed it: "2,500 GB − 2,000 GB included = 500 GB
 *  billed", "250 GB", or a package's count. */
function billedText(l) {
  if (l.kind === 'package') return quantity(l.quantity);
  const unit = unitWords(doc.products.find((p) => p.id === l.product)?.unitType);
  if (/^0(\.0+)?$/.test(l.included)) return `${quantity(l.quantity)} ${unit}`;
  return `${quantity(l.measured)} ${unit} − ${quantity(l.included)} ${unit} included = ${quantity(l.quantity)} ${unit} billed`;
}

/** The quote of the first phase the customer pays something in (the current one when it is
 *  paid): the one whose tiers a breakdown shows. */
function payingQuote(q, phases) {
  return phases.find((pq, i) => pq && !/^0(\.0+)?$/.test(q.timeline[i].amount)) ?? phases[0];
}

/** Whether a quote line is billed on usage (a counter such as traffic), not by the hour: it has
 *  no hourly price to show. */
function usageLine(l) {
  return doc.products.find((p) => p.id === l.product)?.aggregated === true;
}

/** A decimal string rounded half away from zero to `places`, as an integer of that scale
 *  (what `rate` shows, exactly: BigInt, never a float). */
function scaled(amount, places) {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  let v = BigInt(whole + fraction.slice(0, places).padEnd(places, '0'));
  if ((fraction[places] ?? '0') >= '5') v += 1n;
  return negative ? -v : v;
}

/** What a quote costs per hour as the page shows it: the sum of the hourly rates it shows, each
 *  rounded as shown (so that the total is the sum of the lines above it), and the lines billed on
 *  usage, which have no hourly rate, as a monthly amount beside it. */
function hourlyOf(pq) {
  const cur = pq.currency;
  const digits = (pq.totals[0].amount.split('.')[1] ?? '').length;
  const hourly = pq.lines.filter((l) => !usageLine(l)).reduce((sum, l) => sum + scaled(l.hourly, digits + 2), 0n);
  const usage = pq.lines.filter(usageLine).reduce((sum, l) => sum + scaled(l.amount, digits), 0n);
  return { rate: rate(fromMinor(hourly, digits + 2), cur), usage: usage === 0n ? '' : ` + ${money(fromMinor(usage, digits), cur)}/month usage` };
}

/** What a month in a timeline stretch costs, as a table figure: per hour as the toggle says,
 *  except after a coupon, whose discount is a monthly amount (the engine gives no hourly rate
 *  of it): then the monthly figure, so that no shown price is the undiscounted one. */
function monthFigure(t, pq, cur) {
  if (discounted(t) || per() !== 'hour') return money(t.amountDue, cur);
  const h = hourlyOf(pq);
  return `${h.rate}${h.usage}`;
}

/** As monthFigure, with what it is per: "$9.60/month", "$0.0164/hour". */
function monthPrice(t, pq, cur) {
  if (discounted(t) || per() !== 'hour') return `${money(t.amountDue, cur)}/month`;
  const h = hourlyOf(pq);
  return `${h.rate}/hour${h.usage}`;
}

/** Whether a stretch's price has a coupon's discount or a tax in it: monthly amounts the
 *  engine gives no hourly rate of. */
function discounted(t) {
  return [t.discount, t.tax].some((x) => x !== undefined && !/^0(\.0+)?$/.test(x));
}

/** How many invoices "Compare plans" adds up: the first one and the 11 calendar months after it. */
const COMPARED_INVOICES = 12;

/** "1,234.56" from 123456n minor units and 2 digits: BigInt sums of the engine's amountMinor,
 *  never a float. */
function fromMinor(minor, digits) {
  const text = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return minor < 0n ? `-${whole}` : whole;
}

/** The order on every plan of the catalog, compared over the same time: what the customer pays
 *  today (per month or per hour, as the toggle says), the first invoice, and the first 12
 *  invoices in total, the cheapest of each marked (compared as integers in minor units); and
 *  each phase with its price and length, which differ from plan to plan and so are not
 *  compared. */
function showComparison(o, cur) {
  const plans = doc.plans;
  const orders = plans.map((p) => ({ ...o, customer: { ...o.customer, plan: p.id } }));
  const answers = catalog.quoteMany(orders);
  const later = answers.flatMap((a, i) => (a.error ? [] : a.timeline.slice(1).map((t) => ({ plan: i, phase: t.phase, order: { ...orders[i], at: t.start } }))));
  const laterAnswers = later.length ? catalog.quoteMany(later.map((l) => l.order)) : [];
  /** The plan's quote in a phase: its own for the current phase, else the one at the phase's start. */
  const quoteIn = (i, phase) => {
    if (answers[i].error) return undefined;
    if (answers[i].timeline[0].phase === phase) return answers[i];
    const k = later.findIndex((l) => l.plan === i && l.phase === phase);
    return k < 0 || laterAnswers[k].error ? undefined : laterAnswers[k];
  };
  const periods = invoicePeriods(o.at, COMPARED_INVOICES);
  const invoices = orders.map((po) => {
    try {
      // What each invoice asks for: its lines and any minimum-commitment true-up.
      return invoicesOver(po, periods).map((bill) => ({ amount: bill.amountDue, amountMinor: bill.amountDueMinor }));
    } catch {
      return null;
    }
  });
  const digits = (answers.find((a) => !a.error)?.totals[0].amount.split('.')[1] ?? '').length;
  const figures = plans.map((_, i) => ({
    today: answers[i].error ? null : BigInt(answers[i].timeline[0].amountDueMinor),
    first: invoices[i] ? BigInt(invoices[i][0].amountMinor) : null,
    year: invoices[i] ? invoices[i].reduce((sum, t) => sum + BigInt(t.amountMinor), 0n) : null,
  }));
  const lowest = (key) => {
    const known = figures.map((f) => f[key]).filter((m) => m !== null);
    return known.length > 1 ? known.reduce((a, b) => (b < a ? b : a)) : null;
  };
  const low = { today: lowest('today'), first: lowest('first'), year: lowest('year') };
  const unitLabel = per() === 'hour' ? 'an hour' : 'a month';
  const phases = Object.keys(PHASES);
  $('compare').tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Plan' }),
    el('th', { scope: 'col', class: 'num', text: `Today, ${unitLabel}` }),
    ...phases.map((phase) => el('th', { scope: 'col', text: PHASES[phase] })),
    el('th', { scope: 'col', class: 'num', text: `First invoice, until ${day(periods[0].end)}` }),
    el('th', { scope: 'col', class: 'num', text: `First ${COMPARED_INVOICES} invoices, until ${day(periods.at(-1).end)}` })));
  const marked = (key, i, text) => {
    const best = low[key] !== null && figures[i][key] === low[key];
    return el('td', { class: best ? 'num cheapest' : 'num', 'data-compare': key }, text, best ? el('span', { class: 'badge', text: ' cheapest' }) : null);
  };
  $('compare').tBodies[0].replaceChildren(...plans.map((p, i) => {
    if (answers[i].error) {
      return el('tr', { 'data-plan': p.id }, el('th', { scope: 'row', text: p.name }), el('td', { colspan: phases.length + 3, text: 'cannot be priced' }));
    }
    const q = answers[i];
    const phaseCells = phases.map((phase) => {
      // A phase a coupon's window cuts is several stretches: "$9.60/month for 92 days, then $12.00/month from 21 Feb 2027".
      const stretches = q.timeline.filter((x) => x.phase === phase);
      if (stretches.length === 0) return el('td', { 'data-phase': phase, text: '—' });
      const inPhase = quoteIn(i, phase);
      const text = stretches.map((t) => {
        const hourly = per() === 'hour' && inPhase ? hourlyOf(inPhase) : null;
        const price = discounted(t) ? `${money(t.amountDue, cur)}/month` : /^0(\.0+)?$/.test(t.amount) ? 'free'
          : hourly ? `${hourly.rate}/hour${hourly.usage}` : `${money(t.amount, cur)}/month`;
        const from = Date.parse(t.start) > Date.parse(q.at) ? t.start : q.at;
        return t.end ? `${price} for ${length(from, t.end)}` : `${price} from ${day(t.start)}`;
      });
      return el('td', { 'data-phase': phase, text: text.join(', then ') });
    });
    return el('tr', { 'data-plan': p.id }, el('th', { scope: 'row', text: p.name }),
      marked('today', i, monthFigure(q.timeline[0], q, cur)),
      ...phaseCells,
      invoices[i] ? marked('first', i, money(invoices[i][0].amount, cur)) : el('td', { text: 'cannot be billed' }),
      invoices[i] ? marked('year', i, money(fromMinor(figures[i].year, digits), cur)) : el('td', { text: 'cannot be billed' }));
  }));
}

/** Invoice periods from `at`: the first to the end of its calendar month, then each calendar
 *  month after it, `count` in all. */
function invoicePeriods(at, count) {
  const start = new Date(at);
  const periods = [];
  let from = at;
  for (let k = 1; k <= count; k++) {
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + k, 1)).toISOString().replace('.000Z', 'Z');
    periods.push({ start: from, end });
    from = end;
  }
  return periods;
}

/** The request that bills the order over `period`: its items from the start; a counter
 *  (traffic) with the usage entered, which the engine shares over the phases of the period
 *  (free in a free trial), as the server's invoice will. */
function invoiceRequest(o, period) {
  return { period, customer: { ...o.customer, billingStart: o.customer.billingStart ?? o.at }, items: o.lines, ...(o.tax ? { tax: o.tax } : {}) };
}

/** The invoices of the order over consecutive periods, as the server bills them: a `once`
 *  coupon is given with each invoice until one consumes it (not a free trial's). */
function invoicesOver(o, periods) {
  let pending = o.customer.redemptions ?? [];
  return periods.map((period) => {
    const bill = catalog.invoice(invoiceRequest({ ...o, customer: { ...o.customer, redemptions: pending } }, period));
    const consumed = new Set(bill.discounts.filter((d) => d.consumed === true).map((d) => d.coupon));
    pending = pending.filter((r) => !consumed.has(r.coupon));
    return bill;
  });
}

/** ", with 1,500 GB of traffic": the counters' usage the first invoice counts, for its summary. */
function usageCounted(o) {
  const used = o.lines.map((l) => [l, doc.products.find((p) => p.id === l.product)]).filter(([, p]) => p?.aggregated === true);
  if (used.length === 0) return '';
  const parts = used.map(([l, p]) => `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 }).format(l.quantity)} ${p.unitType ?? ''} of ${p.name.toLowerCase()}`);
  return `, with ${parts.join(' and ')}`;
}

function showFirstInvoice(o, cur) {
  let bill;
  try {
    bill = catalog.invoice(invoiceRequest(o, invoicePeriods(o.at, 1)[0]));
  } catch {
    // The quote above says what is wrong with the order.
    $('invoice-lines').tBodies[0].replaceChildren();
    $('invoice-total').textContent = '—';
    $('invoice-summary').textContent = '';
    return;
  }
  // One row per segment; the line's amount, rounded once by the engine, on its last row.
  const rows = bill.lines.flatMap((l) => l.segments.map((s, k) => el('tr', { 'data-product': l.product, 'data-phase': s.phase },
    el('td', {}, k === 0 ? productName(l.product) : '',
      // On a phone the dates and hours go under the item, so that the amount column fits.
      el('span', { class: 'phone-only', text: `${day(s.start)} – ${day(s.end)}, ${s.hours} h` })),
    el('td', { text: day(s.start) }), el('td', { text: day(s.end) }),
    el('td', { text: PHASES[s.phase] }), el('td', { class: 'num', text: s.hours }),
    el('td', { text: k === l.segments.length - 1 ? money(l.amount, cur) : '' }))));
  // A plan's minimum commitment: what the month lacks of it, after the lines.
  const trueUps = bill.trueUps.map((t) => el('tr', { 'data-true-up': t.plan },
    el('td', { text: `${t.name} (${money(t.commitment, cur)}/month)` }), el('td', { text: day(bill.period.start) }),
    el('td', { text: day(bill.period.end) }), el('td', { text: '' }), el('td', { class: 'num', text: t.activeHours }),
    el('td', { text: money(t.amount, cur) })));
  // Each coupon after them, with what it took (SPEC 11: lines, true-ups, then discounts).
  const discounts = bill.discounts.filter((d) => d.amountMinor !== '0').map((d) => el('tr', { 'data-coupon': d.coupon },
    el('td', { text: `Coupon: ${d.name}` }), el('td', { text: '' }), el('td', { text: '' }), el('td', { text: '' }),
    el('td', { class: 'num', text: '' }), el('td', { text: `−${money(d.amount, cur)}` })));
  // Then the tax of each rate (or why there is none): SPEC 11's step 4.
  const taxes = bill.taxes.map((t) => el('tr', { 'data-tax': t.rate },
    el('td', { text: t.included ? `${t.name} included, on ${money(t.taxable, cur)}` : `${t.name} on ${money(t.taxable, cur)}` }),
    el('td', { text: '' }), el('td', { text: '' }), el('td', { text: '' }), el('td', { class: 'num', text: '' }),
    el('td', { text: money(t.amount, cur) })));
  const note = bill.taxNote ? [el('tr', { 'data-tax-note': bill.taxNote.code },
    el('td', { colspan: 5, text: `No VAT: reverse charge, the customer accounts for it (VAT number ${bill.taxNote.taxId ?? ''})` }),
    el('td', { text: money('0', cur) }))] : [];
  $('invoice-lines').tBodies[0].replaceChildren(...rows, ...trueUps, ...discounts, ...taxes, ...note);
  $('invoice-total').textContent = money(bill.amountDue, cur);
  $('summary-invoice').textContent = `First invoice, until ${day(bill.period.end)}: ${money(bill.amountDue, cur)}${usageCounted(o)}`;
  $('invoice-summary').textContent = `From ${day(bill.period.start)} until ${day(bill.period.end)}${usageCounted(o)}: ${money(bill.amountDue, cur)}, billed by the hour.`;
}

/** "Free for 14 days until 5 Dec 2026, then $6.00/month for 16 days until 21 Dec 2026, then
 *  $12.00/month." (or each price an hour, as the toggle says); `phases`: the quote in each phase. */
function timelineSentence(q, phases) {
  const parts = q.timeline.map((t, i) => {
    const price = /^0(\.0+)?$/.test(t.amountDue) ? 'free' : phases[i] ? monthPrice(t, phases[i], q.currency) : `${money(t.amountDue, q.currency)}/month`;
    // The current phase counts from the quote's instant, the later ones from their start.
    const from = Date.parse(t.start) > Date.parse(q.at) ? t.start : q.at;
    return t.end ? `${price} for ${length(from, t.end)} until ${day(t.end)}` : price;
  });
  const sentence = parts.map((p, i) => (i === 0 ? p : `then ${p}`)).join(', ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

/** The rule that prices `product` in `phase` for the current plan, currency and region. */
function ruleFor(product, phase) {
  const rules = (plan()?.prices ?? []).filter((r) => r.product === product && r.phase === phase && r.currency === $('currency').value);
  return rules.find((r) => r.regions?.includes($('region').value)) ?? rules.find((r) => !r.regions);
}

/** Whether the customer chose the tier view's phase; until then it follows the quote. */
let tierPhaseChosen = false;

function showTiers() {
  // The phase the customer pays in first, as the breakdown shows, until they choose another.
  const paying = lastQuote?.timeline.find((t) => !/^0(\.0+)?$/.test(t.amount))?.phase;
  if (!tierPhaseChosen && paying && [...$('tier-phase').options].some((o) => o.value === paying)) $('tier-phase').value = paying;
  const product = $('tier-product').value;
  const rule = ruleFor(product, $('tier-phase').value);
  const cur = $('currency').value;
  const svg = $('tier-chart');
  svg.replaceChildren(...[...svg.children].slice(0, 2)); // its title and description stay
  $('tier-caption').textContent = '';
  if (!rule) {
    $('tier-summary').textContent = `${productName(product)} costs nothing in this phase.`;
    $('tier-table').tBodies[0].replaceChildren();
    return;
  }
  const unit = doc.products.find((p) => p.id === product)?.unitType ?? '';
  const per = rule.blockSize ? `block of ${rule.blockSize} ${unit}` : unit;
  $('tier-summary').textContent = `${rule.mode === 'graduated' ? 'Graduated: each tier prices the part of the quantity inside it' : 'Volume: the whole quantity is priced at the tier it falls in'}; prices per ${per} and ${rule.period}.`;
  let from = '0';
  $('tier-table').tBodies[0].replaceChildren(...rule.tiers.map((t, i) => {
    const row = el('tr', {}, el('td', { class: 'num', text: String(i + 1) }), el('td', { class: 'num', text: quantity(from) }), el('td', { class: 'num', text: t.upTo === null ? 'no limit' : quantity(t.upTo) }),
      el('td', { class: 'num', text: `${money(t.unitPrice, cur)}${t.flatPrice ? ` + ${money(t.flatPrice, cur)}` : ''}` }));
    from = t.upTo ?? from;
    return row;
  }));
  drawChart(rule, product, cur);
}

/** Price against quantity: axes with units and amounts, a dashed line at each tier bound, and
 *  a round marker at the quantity the quote bills (after what the packages include), with the
 *  same figure in the caption. Pixel positions are the only numbers computed in JS here; every
 *  amount comes from the engine as a string. */
function drawChart(rule, product, cur) {
  const unit = doc.products.find((p) => p.id === product)?.unitType ?? '';
  const line = lastQuote?.lines.find((l) => l.product === product);
  const typed = $(`q-${product}`)?.value.trim() || '0';
  const billed = line ? line.quantity : typed;
  let table;
  try {
    // Labels are exact decimal strings; only pixel positions and sample spacing use numbers (a
    // quantity typed past what a number holds, "1e400", is left out of the scale).
    const bounds = tierBounds(rule);
    const typedScale = Number.isFinite(Number(billed)) ? Number(billed) * 1.2 : 0;
    const top = Math.max(Number(bounds.at(-1) ?? 100) * 1.5, typedScale, 10);
    const samples = Array.from({ length: 61 }, (_, i) => BigInt(Math.round((i * top) / 60)).toString());
    table = loadTierTable({ mode: rule.mode, tiers: rule.tiers, blockSize: rule.blockSize, blockRounding: rule.blockRounding }, cur);
    const amounts = table.amounts(samples);
    const marker = Number.isFinite(Number(billed)) && Number(billed) >= 0 ? table.amount(billed) : null;
    const maxAmount = [...amounts, marker ?? '0'].reduce((a, b) => (Number(b) > Number(a) ? b : a), '0');
    const maxY = Math.max(Number(maxAmount), 0.01);
    // Plot area: x from 60 to 580, y from 20 (top) to 200 (zero).
    const x = (q) => 60 + (Number(q) / top) * 520;
    const y = (a) => 200 - (Number(a) / maxY) * 180;
    const ns = 'http://www.w3.org/2000/svg';
    const svgEl = (tag, attrs, text) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      return e;
    };
    const svg = $('tier-chart');
    const period = rule.period;
    svg.append(
      svgEl('line', { x1: 60, y1: 200, x2: 580, y2: 200, class: 'axis' }), svgEl('line', { x1: 60, y1: 20, x2: 60, y2: 200, class: 'axis' }),
      svgEl('text', { x: 56, y: 204, class: 'tick', 'text-anchor': 'end' }, money('0', cur)),
      svgEl('text', { x: 56, y: 24, class: 'tick', 'text-anchor': 'end' }, money(maxAmount, cur)),
      svgEl('text', { x: 60, y: 216, class: 'tick', 'text-anchor': 'middle' }, '0'),
      svgEl('text', { x: 580, y: 234, class: 'tick', 'text-anchor': 'end' }, `${unit}, a ${period}`),
    );
    for (const bound of bounds.filter((b) => Number(b) <= top)) {
      svg.append(svgEl('line', { x1: x(bound), y1: 20, x2: x(bound), y2: 200, class: 'bound', 'data-testid': 'tier-bound' }),
        svgEl('text', { x: x(bound), y: 216, class: 'tick', 'text-anchor': 'middle' }, quantity(bound)));
    }
    svg.append(svgEl('polyline', { points: samples.map((q, i) => `${x(q)},${y(amounts[i])}`).join(' '), class: 'curve' }));
    if (marker !== null && Number(billed) <= top) {
      svg.append(svgEl('circle', { cx: x(billed), cy: y(marker), r: 6, class: 'marker', 'data-testid': 'tier-marker' }));
    }
    const included = line && line.included !== '0' ? ` (${quantity(line.measured)} ${unit} less ${quantity(line.included)} ${unit} included)` : '';
    const caption = marker === null ? '' : `At ${quantity(billed)} ${unit} billed${included}: ${money(marker, cur)} per ${period}.`;
    $('tier-caption').textContent = caption;
    const tiers = rule.tiers.map((t, i) => `${t.upTo === null ? 'then' : `up to ${bounds[i]} ${unit}`} at ${money(t.unitPrice, cur)}`).join(', ');
    $('tier-chart-desc').textContent = `${rule.mode === 'graduated' ? 'Graduated' : 'Volume'} tiers, per ${unit} and ${period}: ${tiers}. ${caption}`;
  } catch (e) {
    $('tier-caption').textContent = `${e.code ?? 'ERROR'}: ${e.message}`;
  } finally {
    table?.free();
  }
}

function showMatrix() {
  const cur = $('currency').value;
  const regions = doc.regions ?? [];
  const packages = doc.products.filter((p) => p.kind === 'package');
  let rows = [];
  try {
    rows = catalog.priceMatrix({ plan: $('plan').value, currency: cur, phase: $('matrix-phase').value, ...pricesVersion() }).rows;
  } catch { /* an empty table */ }
  $('matrix').tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Package' }), ...regions.map((r) => el('th', { scope: 'col', class: 'num', text: r.name ?? r.id }))));
  $('matrix').tBodies[0].replaceChildren(...packages.map((p) => el('tr', {}, el('th', { scope: 'row', text: p.name }),
    ...regions.map((r) => {
      const row = rows.find((x) => x.product === p.id && x.region === r.id);
      return el('td', { class: 'num', text: row ? figure(row.amount, row.hourly, cur) : '—' });
    }))));
}

/** Who sells, from the catalog: its name above the page, and its details in the footer and on
 *  the printout ("Demo Cloud GmbH · Musterstraße 1, 10115 Berlin · sales@... · VAT DE123456789"). */
function showSeller() {
  const seller = doc.seller;
  $('seller-name').textContent = seller?.name ?? '';
  $('seller-name').hidden = !seller;
  const parts = seller ? [seller.name, seller.address, seller.email, seller.url, seller.taxId ? `VAT ${seller.taxId}` : null].filter(Boolean) : [];
  for (const id of ['seller', 'print-seller']) $(id).textContent = parts.join(' · ');
}

// ----- the page's state in its URL: a link reopens the same quote, Back walks through changes -----

/** The form as URL parameters: region, currency, plan, dates, package, and each quantity not 0. */
function stateParams() {
  const params = new URLSearchParams();
  for (const id of ['region', 'currency', 'plan', 'billing-start', 'order-date']) if ($(id).value) params.set(id, $(id).value);
  const pkg = document.querySelector('input[name="package"]:checked');
  if (pkg) params.set('package', pkg.value);
  if ($('coupon-code').value.trim()) params.set('coupon', $('coupon-code').value.trim());
  if ($('country').value) params.set('country', $('country').value);
  if ($('vat-id').value.trim()) params.set('vat-id', $('vat-id').value.trim());
  for (const input of $('metered').querySelectorAll('input')) {
    if (input.value.trim() !== '' && input.value.trim() !== '0') params.set(input.dataset.product, input.value.trim());
  }
  return params;
}

/** Sets the form from URL parameters (unknown values are ignored: the selects keep theirs). */
function applyParams(params) {
  const set = (id, value) => {
    if (value === null) return;
    const field = $(id);
    if (field.tagName !== 'SELECT' || [...field.options].some((o) => o.value === value)) field.value = value;
  };
  set('region', params.get('region'));
  set('currency', params.get('currency'));
  set('plan', params.get('plan'));
  set('billing-start', params.get('billing-start') ?? today());
  set('order-date', params.get('order-date') ?? today());
  $('coupon-code').value = params.get('coupon') ?? '';
  set('country', params.get('country') ?? '');
  $('vat-id').value = params.get('vat-id') ?? '';
  const pkg = document.querySelector(`input[name="package"][value="${CSS.escape(params.get('package') ?? '')}"]`);
  if (pkg) pkg.checked = true;
  for (const input of $('metered').querySelectorAll('input')) {
    input.value = params.get(input.dataset.product) ?? '0';
    quantities.set(input.dataset.product, input.value);
  }
  refresh();
}

/** A history entry for each settled change (a select, a date, a quantity once left): Back goes
 *  to the last settled order, not through every keystroke. */
function saveState() {
  const url = `${location.pathname}?${stateParams()}`;
  if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url);
}

const publicCatalog = await Promise.all([init(), fetch('catalog.public.json').then((r) => r.json())]).then(([, d]) => d);
$('billing-start').value = today();
$('order-date').value = today();
useCatalog(publicCatalog, loadCatalog(publicCatalog));
$('print-meta').textContent = `${doc.name ?? 'Catalog'} · priced by ratecard ${version()}`;
showSeller();
if (location.search) applyParams(new URLSearchParams(location.search));
window.addEventListener('popstate', () => applyParams(new URLSearchParams(location.search)));
$('order').addEventListener('change', saveState);
$('print').addEventListener('click', () => window.print());
$('per').addEventListener('change', refresh);

$('order').addEventListener('input', (e) => {
  if (e.target.dataset.product) quantities.set(e.target.dataset.product, e.target.value);
  // The dates choose the catalog version too (an existing customer's own prices).
  if (['plan', 'currency', 'region', 'billing-start', 'order-date'].includes(e.target.id)) refresh();
  else {
    showQuote();
    showTiers();
  }
});
$('order').addEventListener('submit', (e) => e.preventDefault());
$('tier-product').addEventListener('change', showTiers);
$('tier-phase').addEventListener('change', () => {
  tierPhaseChosen = true;
  showTiers();
});
$('matrix-phase').addEventListener('change', showMatrix);
document.body.dataset.ready = 'true';
