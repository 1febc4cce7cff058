// Helpers shared by the order form and the partner view. Amounts stay decimal strings from the
// engine to the screen: formatted by Intl from the string itself, never turned into JS numbers.

const formats = new Map();

/** A cached Intl.NumberFormat: building one costs more than a quote. */
function format(currency, digits) {
  const key = `${currency}:${digits}`;
  if (!formats.has(key)) {
    let f;
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      // Not a code Intl knows (a catalog's custom currency): grouped digits and the code.
      const plain = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
      f = { format: (amount) => `${plain.format(amount)} ${currency}` };
    }
    formats.set(key, f);
  }
  return formats.get(key);
}

/** Minor digits of a currency (2 for USD, 0 for JPY, 3 for KWD; 2 when Intl does not know it). */
function minorDigits(currency) {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().minimumFractionDigits;
  } catch {
    return 2;
  }
}
const digitsOf = new Map();

/** How many decimal places a currency's amounts have (2 for USD, 0 for JPY). */
export function currencyDigits(currency) {
  return minorDigits(currency);
}

/**
 * An amount for people: "50000000073.45" USD -> "$50,000,000,073.45", "7500" JPY -> "¥7,500",
 * "0.1" -> "$0.10", "0.0137" -> "$0.0137": grouped, with at least the currency's minor digits and
 * every digit the engine gave. The decimal string goes to Intl as a string, which formats it
 * exactly (never through a binary float).
 */
export function money(amount, currency) {
  if (!digitsOf.has(currency)) digitsOf.set(currency, minorDigits(currency));
  const decimals = amount.split('.')[1]?.length ?? 0;
  return format(currency, Math.max(digitsOf.get(currency), decimals)).format(amount);
}

/**
 * A rate (per hour) for people: four decimal places for a currency of two ("$0.0164" for
 * "0.0164383561643835616438356164"), rounded half away from zero by Intl from the decimal
 * string itself (exactly, never through a float).
 */
export function rate(amount, currency) {
  if (!digitsOf.has(currency)) digitsOf.set(currency, minorDigits(currency));
  return format(currency, digitsOf.get(currency) + 2).format(amount);
}

const QUANTITY = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 });

/** A quantity for people, grouped like amounts: "2500" -> "2,500", "1190.5" -> "1,190.5". The
 *  decimal string goes to Intl as a string, so every digit is kept (never a binary float). */
export function quantity(q) {
  return QUANTITY.format(String(q));
}

/** A unit in the customer's words: "CORE" -> "vCPU" (the catalog's unit types are the engine's). */
export function unitWords(unit) {
  return { CORE: 'vCPU' }[unit] ?? unit ?? '';
}

/** A package's memory for people: whole gigabytes when it is some ("2048" MB -> "2 GB"), else MB. */
export function memory(mb) {
  const text = String(mb);
  return /^\d+$/.test(text) && BigInt(text) % 1024n === 0n ? `${quantity((BigInt(text) / 1024n).toString())} GB` : `${quantity(text)} MB`;
}

/** `plural(1, 'problem')` -> "1 problem", `plural(3, 'problem')` -> "3 problems". */
export function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "2026-12-05T00:00:00Z" -> "5 Dec 2026". */
export function day(instant) {
  return DAY.format(new Date(instant));
}

/** An element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/** Replaces the options of a select, keeping the chosen value when it still exists. */
export function options(select, items, preferred) {
  const keep = select.value;
  select.replaceChildren(...items.map(([value, label]) => el('option', { value, text: label })));
  const values = items.map(([v]) => v);
  select.value = values.includes(keep) ? keep : values.includes(preferred) ? preferred : values[0] ?? '';
}

/** The list items of an engine error: every problem with its code and JSON path. */
export function problemItems(error) {
  const problems = error?.problems ?? [{ code: error?.code ?? 'ERROR', path: '', message: String(error?.message ?? error) }];
  return problems.map((p) => el('li', {}, el('code', { text: p.code }), p.path ? el('span', { class: 'path', text: ` ${p.path}` }) : null, `: ${p.message}`));
}

/** Today's date as YYYY-MM-DD (UTC): the default of the date inputs. */
export function today() {
  return new Date().toISOString().slice(0, 10);
}

/** The exact product of two decimal strings ("0.1" x "3" -> "0.3", never 0.30000000000000004). */
export function decimalTimes(a, b) {
  const parse = (s) => {
    const [whole, fraction = ''] = s.replace(/^-/, '').split('.');
    return { digits: BigInt(whole + fraction), scale: fraction.length, negative: s.startsWith('-') };
  };
  const x = parse(a);
  const y = parse(b);
  const scale = x.scale + y.scale;
  const digits = (x.digits * y.digits).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return x.negative !== y.negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** A tier rule's bounds in units of its product (a tier's `upTo` counts blocks of `blockSize`),
 *  as exact decimal strings, for the chart's labels: `upTo` "3" of blocks of "0.1" GB is "0.3". */
export function tierBounds(rule) {
  return rule.tiers.filter((t) => t.upTo !== null).map((t) => decimalTimes(t.upTo, rule.blockSize ?? '1'));
}
