// Helpers shared by the order form and the partner view. Amounts stay decimal strings from the
// engine to the screen: they are only ever concatenated, never turned into JS numbers.

const SYMBOLS = { USD: '$', EUR: '€', JPY: '¥', GBP: '£' };

/** "12.50" in USD -> "$12.50"; a currency without a symbol -> "12.50 CHF". */
export function money(amount, currency) {
  const symbol = SYMBOLS[currency];
  if (!symbol) return `${amount} ${currency}`;
  return amount.startsWith('-') ? `-${symbol}${amount.slice(1)}` : `${symbol}${amount}`;
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
