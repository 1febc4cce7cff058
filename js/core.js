// The JavaScript API of ratecard, shared by the Node and browser entries.
// Arguments cross into WebAssembly as JS values, read by the same Rust code as JSON text is
// (serde-wasm-bindgen); answers come back as JS values parsed from the engine's own JSON text,
// the same answer, byte for byte, as every other runtime. callJson keeps text for servers that
// hold text. Errors are thrown from Rust as RatecardError objects.
import { LoadedCatalog, LoadedTierTable, call as rawCall, callJson as rawCallJson, setErrorClass } from '../pkg/ratecard.js';
import { state } from './state.js';

/** An error from ratecard: a stable `code`, the JSON `path` of what was wrong, every `problems`. */
export class RatecardError extends Error {
  constructor(code, path, message, problems) {
    super(message);
    this.name = 'RatecardError';
    this.code = code;
    this.path = path;
    this.problems = problems ?? [{ code, path, message }];
  }
}


/** Largest text crossing into WebAssembly, in UTF-8 bytes: `ratecard::limits::MAX_INPUT_BYTES`. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A JavaScript value's kind, as an error message names it. */
function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'undefined' : `a ${t}`;
}

function invalidType(name, expected, v) {
  return new RatecardError('INVALID_TYPE', name, `${name}: expected ${expected}, found ${kind(v)}`);
}

// Argument checks, run before anything crosses into WebAssembly: wasm-bindgen's string
// conversion traps on a non-string (and under V8's optimiser, a trap can become a crash), and
// a wrong type deserves a RatecardError naming the argument, not a TypeError from inside.
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
function object(v, name) {
  if (!isObject(v)) throw invalidType(name, 'an object', v);
  return v;
}
function optionalObject(v, name) {
  return v === undefined || v === null ? undefined : object(v, name);
}
function string(v, name) {
  if (typeof v !== 'string') throw invalidType(name, 'a string', v);
  return v;
}
function optionalString(v, name) {
  return v === undefined || v === null ? undefined : string(v, name);
}
function array(v, name) {
  if (!Array.isArray(v)) throw invalidType(name, 'an array', v);
  return v;
}
/** A count: a safe integer or its decimal text (whole and in range: checked in Rust). */
function optionalCount(v, name) {
  return v === undefined || v === null ? undefined : quantityArg(v, name);
}

/** UTF-8 length of a string, counted without copying it: a surrogate pair is 4 bytes, a lone
 *  surrogate 3 (the U+FFFD it becomes when copied). */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; } else n += 3;
  }
  return n;
}

/** Refuses text over MAX_INPUT_BYTES before it is copied into WebAssembly memory. */
function sized(text, name) {
  // A string's UTF-8 length is at least its length and at most three times it.
  if (text.length > MAX_INPUT_BYTES || (text.length * 3 > MAX_INPUT_BYTES && utf8Length(text) > MAX_INPUT_BYTES)) {
    throw new RatecardError('INPUT_TOO_LARGE', name, `${name}: more than ${MAX_INPUT_BYTES} bytes of text; the limit is ${MAX_INPUT_BYTES}`);
  }
  return text;
}

/** A catalog or table argument: an object, or its JSON text (sized before it is copied). */
function source(v, name) {
  return typeof v === 'string' ? sized(v, name) : object(v, name);
}

/** Arguments without the members left undefined: an absent argument is absent, not null. */
function defined(args) {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

/** Runs one operation of the Rust API (see `ratecard::api::call`) on JSON text: JSON text out. */
export function callJson(op, argsJson) {
  string(op, 'op');
  sized(string(argsJson, 'argsJson'), 'argsJson');
  return guarded(() => rawCallJson(op, argsJson));
}

let errorClassSet = false;

/** Runs `f` against the wasm module (which throws RatecardError objects). */
function guarded(f) {
  if (!state.ready) {
    throw new RatecardError('NOT_INITIALIZED', '', 'ratecard is not initialized: await init() first');
  }
  if (!errorClassSet) {
    setErrorClass(RatecardError);
    errorClassSet = true;
  }
  return f();
}

function invoke(op, args) {
  return guarded(() => rawCall(op, defined(args)));
}

/** The version of the engine. */
export function version() {
  return invoke('version', {});
}

/** Prices `quantity` with a tier table; rounds to `currency` when one is given. */
export function priceTiers(table, quantity, currency) {
  object(table, 'table');
  return invoke('priceTiers', { table, quantity: quantityArg(quantity, 'quantity'), currency: optionalString(currency, 'currency') });
}

/** Validates a catalog: `{ valid, errors, warnings }`, every problem with its path. Never throws for a bad catalog. */
export function validateCatalog(catalog) {
  return invoke('validateCatalog', { catalog: object(catalog, 'catalog') });
}

/** Prices an order against a catalog (parses and validates the catalog on every call: see loadCatalog). */
export function quote(catalog, order) {
  return invoke('quote', { catalog: object(catalog, 'catalog'), order: object(order, 'order') });
}

/**
 * The summary of `order`'s quote: each line's amount, the totals, the phase and the timeline,
 * without each line's explanation (rule, quantities, tiers). The same amounts as quote(), in a
 * third of the text: for pages that quote on every keystroke.
 */
export function quoteSummary(catalog, order) {
  return invoke('quoteSummary', { catalog: object(catalog, 'catalog'), order: object(order, 'order') });
}

/** The price matrix of an order form: every product x region x currency x phase of a plan. */
export function priceMatrix(catalog, options) {
  return invoke('priceMatrix', { catalog: object(catalog, 'catalog'), options: optionalObject(options, 'options') });
}

/**
 * Recomputes the quote of `order` and lists every difference with the `received` quote (a full
 * quote, or a quoteSummary answer). `trusted` ({ at?, maxAgeSeconds?, customer?: { plan?,
 * currency?, region?, billingStart? } }) is what the server knows better than the browser: `at`
 * is the instant it charges at (the quote is recomputed there; an older quote verifies while
 * its prices still hold, `QUOTE_EXPIRED` past maxAgeSeconds, default 3600, `QUOTE_FROM_FUTURE`
 * more than 60 s ahead); the customer's fields replace the order's, and each one the order said
 * otherwise is a difference.
 */
export function verifyQuote(catalog, order, received, trusted) {
  return invoke('verifyQuote', {
    catalog: object(catalog, 'catalog'), order: object(order, 'order'), quote: received, trusted: optionalObject(trusted, 'trusted'),
  });
}

/** Margins of a plan type per instance and for `instances` (default 1): fee by fee and through its chain up to the platform. */
export function planMargins(catalog, planType, instances) {
  return invoke('planMargins', {
    catalog: object(catalog, 'catalog'), planType: string(planType, 'planType'), instances: optionalCount(instances, 'instances'),
  });
}

/** What a partner earns per instance of each plan type built on its own, and in total for `instances` ({ planTypeId: count }). */
export function partnerMargins(catalog, partner, instances) {
  return invoke('partnerMargins', {
    catalog: object(catalog, 'catalog'), partner: string(partner, 'partner'), instances: optionalObject(instances, 'instances'),
  });
}

/** Whether a plan type may be assigned to an instance: `{ allowed, reasons }`, every reason when it may not. */
export function checkAssignment(catalog, request) {
  return invoke('checkAssignment', { catalog: object(catalog, 'catalog'), request: object(request, 'request') });
}

/** The catalog for customer-facing pages: partners, wholesale plan types, owners, parents and grants left out. */
export function publicCatalog(catalog) {
  return invoke('publicCatalog', { catalog: object(catalog, 'catalog') });
}

/**
 * Bills a period: `request` is { period: { start, end }, customer (with billingStart), items,
 * planChanges? }. One line per item, cut into segments at every phase boundary, plan change
 * and level change; each line rounded once; the total is the sum of the rounded lines.
 */
export function invoice(catalog, request) {
  return invoke('invoice', { catalog: object(catalog, 'catalog'), request: object(request, 'request') });
}

/**
 * Recomputes the invoice of `request` and lists every difference with the `received` invoice.
 * `trusted` ({ customer?: { plan?, currency?, region?, billingStart? } }) replaces the request's
 * customer fields, and each one the request said otherwise is a difference.
 */
export function verifyInvoice(catalog, request, received, trusted) {
  return invoke('verifyInvoice', {
    catalog: object(catalog, 'catalog'), request: object(request, 'request'), invoice: received, trusted: optionalObject(trusted, 'trusted'),
  });
}

/** A catalog's wasm memory: freed when no Catalog handle holds it and it left the cache. */
class Loaded {
  constructor(inner, cached) {
    this.inner = inner;
    this.handles = 0;
    this.cached = cached;
  }

  release() {
    if (this.handles === 0 && !this.cached) this.inner.free();
  }
}

// Loaded catalogs by their JSON text, least recently used first. A server that loads the same
// catalog text for every request (from its database, a file, a header) gets the catalog loaded
// the first time, shared by every handle, instead of a new copy of wasm memory per request: V8
// feels no pressure from wasm memory, so copies dropped without free() were reclaimed late or
// never (a loop of 20,000 loads held 900 MiB). Objects are not cached: their JSON text is not
// their identity (`undefined` members, NaN).
const loadedByText = new Map();
/** At most this many catalogs, and this much text, stay loaded in the cache. */
export const CATALOG_CACHE = Object.freeze({ entries: 8, textLength: 32 * 1024 * 1024 });
let cachedTextLength = 0;

function loadShared(text) {
  let loaded = loadedByText.get(text);
  if (loaded) {
    loadedByText.delete(text); // re-inserted as the most recently used
  } else {
    loaded = new Loaded(guarded(() => new LoadedCatalog(text)), true);
    cachedTextLength += text.length;
  }
  loadedByText.set(text, loaded);
  for (const [old, entry] of loadedByText) {
    if (loadedByText.size <= CATALOG_CACHE.entries && cachedTextLength <= CATALOG_CACHE.textLength) break;
    if (entry === loaded) break;
    loadedByText.delete(old);
    cachedTextLength -= old.length;
    entry.cached = false;
    entry.release();
  }
  return loaded;
}

function freed(what) {
  return new RatecardError('FREED', '', `this ${what} was freed: load it again to use it`);
}

/** A catalog parsed and validated once, for many quotes (an order form, a backend checking quotes). */
export class Catalog {
  #loaded;

  /** Use loadCatalog(). */
  constructor(loaded) {
    this.#loaded = loaded;
    loaded.handles += 1;
  }

  /** The wasm side, or FREED after free(). */
  get #inner() {
    if (!this.#loaded) throw freed('catalog');
    return this.#loaded.inner;
  }

  /** Warnings found when the catalog was loaded. */
  get warnings() {
    return guarded(() => this.#inner.warnings());
  }

  /** A catalog set's versions, oldest first (`[{ version, hash, effectiveFrom }]`); null otherwise. */
  get versions() {
    return guarded(() => this.#inner.versions());
  }

  #call(op, args) {
    return guarded(() => this.#inner.call(op, defined(args)));
  }

  /** Prices an order (see quote()). */
  quote(order) {
    return this.#call('quote', { order: object(order, 'order') });
  }

  /** The summary of an order's quote (see quoteSummary()). */
  quoteSummary(order) {
    return this.#call('quoteSummary', { order: object(order, 'order') });
  }

  /** Text in, text out, for servers that hold JSON already: `op` is any operation that takes a
   *  catalog ("quote", "verifyQuote", ...) and `argsJson` its other arguments as JSON text. */
  callJson(op, argsJson) {
    string(op, 'op');
    sized(string(argsJson, 'argsJson'), 'argsJson');
    return guarded(() => this.#inner.callJson(op, argsJson));
  }

  /** The price matrix (see priceMatrix()). */
  priceMatrix(options) {
    return this.#call('priceMatrix', { options: optionalObject(options, 'options') });
  }

  /** Verifies a quote a browser sent (see verifyQuote()), with the fields the server trusts. */
  verifyQuote(order, received, trusted) {
    return this.#call('verifyQuote', { order: object(order, 'order'), quote: received, trusted: optionalObject(trusted, 'trusted') });
  }

  /** Margins of a plan type (see planMargins()). */
  planMargins(planType, instances) {
    return this.#call('planMargins', { planType: string(planType, 'planType'), instances: optionalCount(instances, 'instances') });
  }

  /** What a partner earns (see partnerMargins()). */
  partnerMargins(partner, instances) {
    return this.#call('partnerMargins', { partner: string(partner, 'partner'), instances: optionalObject(instances, 'instances') });
  }

  /** Whether a plan type may be assigned to an instance (see checkAssignment()). */
  checkAssignment(request) {
    return this.#call('checkAssignment', { request: object(request, 'request') });
  }

  publicCatalog() {
    return this.#call('publicCatalog', {});
  }

  /** Many quotes in one call: each a quote, or `{ error }` for an order that cannot be priced. */
  quoteMany(orders) {
    return this.#call('quoteMany', { orders: array(orders, 'orders') });
  }

  /** Many verifications in one call (`checks`: `[{ order, quote }]`): each `{ ok, differences }` or `{ error }`. */
  verifyMany(checks) {
    return this.#call('verifyMany', { checks: array(checks, 'checks') });
  }

  /** Bills a period (see invoice()). */
  invoice(request) {
    return this.#call('invoice', { request: object(request, 'request') });
  }

  /** Verifies an invoice against the request it bills, with the customer fields the server trusts (see verifyInvoice()). */
  verifyInvoice(request, received, trusted) {
    return this.#call('verifyInvoice', { request: object(request, 'request'), invoice: received, trusted: optionalObject(trusted, 'trusted') });
  }

  /** Many invoice verifications in one call (`checks`: `[{ request, invoice, trusted? }]`): each `{ ok, differences }` or `{ error }`. */
  verifyInvoiceMany(checks) {
    return this.#call('verifyInvoiceMany', { checks: array(checks, 'checks') });
  }

  /** Lets go of the catalog: every later call throws FREED. Its wasm memory is freed once no
   *  handle holds it and the cache let it go. Calling it again does nothing. */
  free() {
    const loaded = this.#loaded;
    if (!loaded) return;
    this.#loaded = null;
    loaded.handles -= 1;
    loaded.release();
  }

  /** `using catalog = loadCatalog(text)` frees it at the end of the block. */
  [Symbol.dispose]() {
    this.free();
  }
}

/**
 * Parses and validates a catalog once; throws INVALID_CATALOG with every problem when it is not
 * valid. The same JSON text loaded again shares the catalog already loaded (see CATALOG_CACHE).
 */
export function loadCatalog(catalog) {
  const value = source(catalog, 'catalog');
  if (typeof value === 'string') return new Catalog(loadShared(value));
  return new Catalog(new Loaded(guarded(() => new LoadedCatalog(value)), false));
}

/** loadCatalog for a catalog set alone: a plain catalog is INVALID_CATALOG (`versions` missing). */
export function loadCatalogSet(catalog) {
  const loaded = loadCatalog(catalog);
  if (loaded.versions === null) {
    loaded.free();
    throw new RatecardError('INVALID_CATALOG', 'catalog', 'catalog: INVALID_CATALOG: a catalog set is {"versions": [...]}; this is one catalog (load it with loadCatalog)', [
      { code: 'INVALID_CATALOG', path: 'catalog', message: 'a catalog set is {"versions": [...]}; this is one catalog (load it with loadCatalog)' },
      { code: 'MISSING_FIELD', path: 'versions', message: 'a catalog set is {"versions": [...]}' },
    ]);
  }
  return loaded;
}

/** A quantity argument: a decimal string or a safe integer; a fraction, NaN or anything else is refused. */
function quantityArg(q, path) {
  if (typeof q === 'string' || Number.isSafeInteger(q)) return q;
  if (typeof q === 'number' && Number.isFinite(q)) {
    throw new RatecardError('INEXACT_NUMBER', path, `the number ${q} is not an exact integer: write it as a string`);
  }
  throw invalidType(path, 'a decimal string', q);
}

/** A quantity as decimal text for the loaded-table calls, which take one quantity a line. */
function quantityText(q, path) {
  const text = typeof quantityArg(q, path) === 'string' ? q : String(q);
  if (text.includes('\n')) throw new RatecardError('INVALID_DECIMAL', path, `${path}: a quantity cannot contain a line break`);
  return sized(text, path);
}

/** A tier table parsed and validated once, for prices on every keystroke and in batches. */
export class TierPricer {
  #table;

  /** Use loadTierTable(). */
  constructor(table) {
    this.#table = table;
  }

  /** The wasm side, or FREED after free(). */
  get #inner() {
    if (!this.#table) throw freed('tier table');
    return this.#table;
  }

  /** The price of `quantity`, explained tier by tier (what priceTiers returns). */
  price(quantity) {
    return guarded(() => this.#inner.price(quantityText(quantity, 'quantity')));
  }

  /** Just the amount of `quantity`: a decimal string, rounded when the table has a currency. */
  amount(quantity) {
    return guarded(() => this.#inner.amount(quantityText(quantity, 'quantity')));
  }

  /** The amounts of many quantities in one call. */
  amounts(quantities) {
    if (array(quantities, 'quantities').length === 0) return [];
    const text = sized(quantities.map((q, i) => quantityText(q, `quantities[${i}]`)).join('\n'), 'quantities');
    return guarded(() => this.#inner.amounts(text)).split('\n');
  }

  /** Frees the wasm memory now: every later call throws FREED. Calling it again does nothing. */
  free() {
    this.#table?.free();
    this.#table = null;
  }

  /** `using pricer = loadTierTable(table)` frees it at the end of the block. */
  [Symbol.dispose]() {
    this.free();
  }
}

/** Loads a tier table once; `currency` (ISO 4217) rounds amounts to its minor unit. */
export function loadTierTable(table, currency) {
  const value = source(table, 'table');
  const code = optionalString(currency, 'currency');
  return new TierPricer(guarded(() => new LoadedTierTable(value, code)));
}
