// What a JavaScript developer would write instead of ratecard, for the benchmark only: the same
// tier rules and the same quote of the demo catalog (phases from billingStart, package
// allowances, readings, blocks, hour and month rules, half-up rounding per line), over two
// number backends: decimal.js, and BigInt fixed-point (the sceptical engineer's choice).
// bench.mjs checks that both give ratecard's answers before timing them.
import Decimal from 'decimal.js';

/** decimal.js numbers. */
export const decimalJs = {
  name: 'decimal.js',
  parse: (s) => new Decimal(s),
  zero: new Decimal(0),
  add: (a, b) => a.plus(b),
  sub: (a, b) => a.minus(b),
  mul: (a, b) => a.times(b),
  lt: (a, b) => a.lt(b),
  lte: (a, b) => a.lte(b),
  isZero: (a) => a.isZero(),
  ceilDiv: (a, b) => a.div(b).ceil(),
  round: (a, places) => a.toDecimalPlaces(places, Decimal.ROUND_HALF_UP),
  text: (a, places) => a.toFixed(places),
};

// BigInt fixed-point with 12 decimal places: enough for every price of the demo catalog.
const SCALE = 12n;
const ONE = 10n ** SCALE;
function parseFixed(s) {
  const neg = s.startsWith('-');
  const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
  if (frac.length > Number(SCALE)) throw new Error(`${s} has more than ${SCALE} decimals`);
  const v = BigInt(int) * ONE + BigInt(frac.padEnd(Number(SCALE), '0'));
  return neg ? -v : v;
}
function roundFixed(a, places) {
  const unit = 10n ** (SCALE - BigInt(places));
  const half = unit / 2n;
  const q = (a >= 0n ? a + half : a - half) / unit; // half away from zero
  return q * unit;
}

/** BigInt numbers scaled by 10^12. */
export const bigIntFixed = {
  name: 'BigInt',
  parse: parseFixed,
  zero: 0n,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  // Exact while the operands' decimals add up to at most 12 (true of the demo catalog).
  mul: (a, b) => (a * b) / ONE,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  isZero: (a) => a === 0n,
  ceilDiv: (a, b) => ((a + b - 1n) / b) * ONE,
  round: roundFixed,
  text: (a, places) => {
    const r = roundFixed(a, places);
    const neg = r < 0n;
    const digits = (neg ? -r : r).toString().padStart(Number(SCALE) + 1, '0');
    const int = digits.slice(0, digits.length - Number(SCALE));
    const frac = digits.slice(digits.length - Number(SCALE), digits.length - Number(SCALE) + places);
    return `${neg ? '-' : ''}${int}${places > 0 ? `.${frac}` : ''}`;
  },
};

/** A tier table with its prices parsed once (what a careful JS developer would do too). */
export function loadTable(N, table) {
  return {
    mode: table.mode ?? 'volume',
    blockSize: table.blockSize === undefined ? null : N.parse(String(table.blockSize)),
    tiers: table.tiers.map((t) => ({
      upTo: t.upTo === null ? null : N.parse(String(t.upTo)),
      unitPrice: N.parse(t.unitPrice),
      flatPrice: t.flatPrice === undefined ? N.zero : N.parse(t.flatPrice),
    })),
  };
}

/** The exact price of `q` (a parsed number) with a loaded table. */
export function tierPrice(N, t, q) {
  const units = t.blockSize === null ? q : N.ceilDiv(q, t.blockSize);
  if (t.mode === 'volume') {
    const tier = t.tiers.find((x) => x.upTo === null || N.lte(units, x.upTo));
    return N.add(N.mul(units, tier.unitPrice), tier.flatPrice);
  }
  let total = N.zero;
  let from = N.zero;
  for (const tier of t.tiers) {
    if (!N.lt(from, units) && !(N.isZero(from) && N.isZero(units))) break;
    const top = tier.upTo === null || N.lt(units, tier.upTo) ? units : tier.upTo;
    total = N.add(total, N.add(N.mul(N.sub(top, from), tier.unitPrice), tier.flatPrice));
    if (tier.upTo === null) break;
    from = tier.upTo;
  }
  return total;
}

const DAY = 86_400_000;

/** The demo catalog prepared for quoting: rules indexed, tables loaded. */
export function loadCatalog(N, catalog) {
  const plan = catalog.plans.find((p) => p.default);
  const rules = new Map();
  for (const r of plan.prices) {
    const regions = r.regions ?? ['*'];
    for (const region of regions) {
      rules.set(`${r.product}|${r.phase}|${r.currency}|${region}`, { period: r.period ?? 'hour', table: loadTable(N, r) });
    }
  }
  const products = new Map(catalog.products.map((p) => [p.id, p]));
  // Under the monthly cap (SPEC 10), a month of an hourly rule is capHours of it.
  const hours = catalog.monthlyCap === true ? catalog.capHours ?? catalog.hoursPerMonth ?? '730' : catalog.hoursPerMonth ?? '730';
  return { N, plan, rules, products, hoursPerMonth: N.parse(hours) };
}

/** Monthly amounts per line and the timeline, as ratecard's quote gives them. */
export function quote(c, order) {
  const { N } = c;
  const start = Date.parse(order.customer.billingStart);
  const at = Date.parse(order.at);
  const trialEnd = start + c.plan.phases.trial.days * DAY;
  const discountEnd = start + c.plan.phases.discount.days * DAY;
  const phases = [['trial', start, trialEnd], ['discount', trialEnd, discountEnd], ['final', discountEnd, null]];
  const current = phases.findIndex(([, , end]) => end === null || at < end);
  const region = order.customer.region;
  const currency = order.customer.currency ?? 'USD';
  const timeline = [];
  let lines;
  for (const [phase] of phases.slice(current)) {
    const pool = new Map();
    const priced = order.lines.map((line) => {
      const product = c.products.get(line.product);
      let quantity;
      if (product.kind === 'package') {
        quantity = N.parse(String(line.quantity));
        for (const [res, key] of [['storage', 'storageGb'], ['bandwidth', 'bandwidthGb'], ['backup', 'backupGb']]) {
          pool.set(res, N.add(pool.get(res) ?? N.zero, N.mul(N.parse(String(product.package[key] ?? 0)), quantity)));
        }
      } else {
        let measured;
        if (line.reading !== undefined) {
          const reading = N.parse(String(line.reading));
          const previous = line.previousReading === undefined ? null : N.parse(String(line.previousReading));
          measured = previous === null || N.lt(reading, previous) ? reading : N.sub(reading, previous);
        } else {
          measured = N.parse(String(line.quantity));
        }
        const left = pool.get(product.resource) ?? N.zero;
        const included = N.lt(measured, left) ? measured : left;
        pool.set(product.resource, N.sub(left, included));
        quantity = N.sub(measured, included);
      }
      const rule = c.rules.get(`${line.product}|${phase}|${currency}|${region}`) ?? c.rules.get(`${line.product}|${phase}|${currency}|*`);
      if (!rule) return N.text(N.zero, 2);
      const price = tierPrice(N, rule.table, quantity);
      const monthly = rule.period === 'month' ? price : N.mul(price, c.hoursPerMonth);
      return N.text(monthly, 2);
    });
    const total = priced.reduce((sum, a) => N.add(sum, N.parse(a)), N.zero);
    timeline.push({ phase, amount: N.text(total, 2) });
    lines ??= priced;
  }
  return { lines, timeline };
}
