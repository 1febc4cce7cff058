// The JavaScript API of ratecard, shared by the Node and browser entries.
// Arguments cross into WebAssembly as JSON text and results come back as JSON text: one parser
// and one writer in Rust for every runtime, so a browser and a server get the same bytes.
import { LoadedCatalog, LoadedTierTable, call as rawCall } from '../pkg/ratecard.js';
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

/** Turns what the wasm module threw into a RatecardError (other errors pass unchanged). */
function toError(thrown) {
  if (typeof thrown !== 'string') return thrown;
  const e = JSON.parse(thrown);
  return new RatecardError(e.code, e.path, e.message, e.problems);
}

/** JSON text for the wasm side; BigInt and cycles become RatecardErrors instead of TypeErrors. */
function encode(args) {
  try {
    return JSON.stringify(args);
  } catch (e) {
    throw new RatecardError('INVALID_TYPE', '', `arguments cannot be sent as JSON: ${e.message}`);
  }
}

/** Runs one operation of the Rust API (see `ratecard::api::call`) and returns its parsed result. */
export function callJson(op, argsJson) {
  return guarded(() => rawCall(op, argsJson));
}

/** Runs `f` against the wasm module, turning thrown error text into a RatecardError. */
function guarded(f) {
  if (!state.ready) {
    throw new RatecardError('NOT_INITIALIZED', '', 'ratecard is not initialized: await init() first');
  }
  try {
    return f();
  } catch (e) {
    throw toError(e);
  }
}

function invoke(op, args) {
  return JSON.parse(callJson(op, encode(args)));
}

/** The version of the engine. */
export function version() {
  return invoke('version', {});
}

/** Prices `quantity` with a tier table; rounds to `currency` when one is given. */
export function priceTiers(table, quantity, currency) {
  return invoke('priceTiers', { table, quantity, currency });
}

/** Validates a catalog: `{ valid, errors, warnings }`, every problem with its path. Never throws for a bad catalog. */
export function validateCatalog(catalog) {
  return invoke('validateCatalog', { catalog });
}

/** Prices an order against a catalog (parses and validates the catalog on every call: see loadCatalog). */
export function quote(catalog, order) {
  return invoke('quote', { catalog, order });
}

/** The price matrix of an order form: every product x region x currency x phase of a plan. */
export function priceMatrix(catalog, options) {
  return invoke('priceMatrix', { catalog, options });
}

/** Recomputes the quote of `order` and lists every difference with the `received` quote. */
export function verifyQuote(catalog, order, received) {
  return invoke('verifyQuote', { catalog, order, quote: received });
}

/** Margins of a plan type per instance and for `instances` (default 1): fee by fee and through its chain up to the platform. */
export function planMargins(catalog, planType, instances) {
  return invoke('planMargins', { catalog, planType, instances });
}

/** What a partner earns per instance of each plan type built on its own, and in total for `instances` ({ planTypeId: count }). */
export function partnerMargins(catalog, partner, instances) {
  return invoke('partnerMargins', { catalog, partner, instances });
}

/** Whether a plan type may be assigned to an instance: `{ allowed, reasons }`, every reason when it may not. */
export function checkAssignment(catalog, request) {
  return invoke('checkAssignment', { catalog, request });
}

/** The catalog for customer-facing pages: partners, wholesale plan types, owners, parents and grants left out. */
export function publicCatalog(catalog) {
  return invoke('publicCatalog', { catalog });
}

/** A catalog parsed and validated once, for many quotes (an order form, a backend checking quotes). */
export class Catalog {
  #inner;

  /** Use loadCatalog(). */
  constructor(inner) {
    this.#inner = inner;
  }

  /** Warnings found when the catalog was loaded. */
  get warnings() {
    return JSON.parse(guarded(() => this.#inner.warnings()));
  }

  #call(op, args) {
    return JSON.parse(guarded(() => this.#inner.call(op, encode(args))));
  }

  quote(order) {
    return this.#call('quote', { order });
  }

  /** Text in, text out, for servers that hold JSON already: `op` is any operation that takes a
   *  catalog ("quote", "verifyQuote", ...) and `argsJson` its other arguments as JSON text. */
  callJson(op, argsJson) {
    return guarded(() => this.#inner.call(op, argsJson));
  }

  priceMatrix(options) {
    return this.#call('priceMatrix', { options });
  }

  verifyQuote(order, received) {
    return this.#call('verifyQuote', { order, quote: received });
  }

  planMargins(planType, instances) {
    return this.#call('planMargins', { planType, instances });
  }

  partnerMargins(partner, instances) {
    return this.#call('partnerMargins', { partner, instances });
  }

  checkAssignment(request) {
    return this.#call('checkAssignment', { request });
  }

  publicCatalog() {
    return this.#call('publicCatalog', {});
  }

  /** Many quotes in one call: each a quote, or `{ error }` for an order that cannot be priced. */
  quoteMany(orders) {
    return this.#call('quoteMany', { orders });
  }

  /** Many verifications in one call (`checks`: `[{ order, quote }]`): each `{ ok, differences }` or `{ error }`. */
  verifyMany(checks) {
    return this.#call('verifyMany', { checks });
  }

  /** Frees the wasm memory now (it is also freed when the object is garbage-collected). */
  free() {
    this.#inner.free();
  }
}

/** Parses and validates a catalog once; throws INVALID_CATALOG with every problem when it is not valid. */
export function loadCatalog(catalog) {
  const text = typeof catalog === 'string' ? catalog : encode(catalog);
  return new Catalog(guarded(() => new LoadedCatalog(text)));
}

/** A quantity as decimal text: strings pass, safe integers are written out, anything else is refused. */
function quantityText(q, path) {
  if (typeof q === 'string') return q;
  if (Number.isSafeInteger(q)) return String(q);
  const what = typeof q === 'number' ? `the number ${q} is not an exact integer: write it as a string` : `expected a decimal string, found ${typeof q}`;
  throw new RatecardError(typeof q === 'number' ? 'INEXACT_NUMBER' : 'INVALID_TYPE', path, what);
}

/** A tier table parsed and validated once, for prices on every keystroke and in batches. */
export class TierPricer {
  #inner;

  /** Use loadTierTable(). */
  constructor(inner) {
    this.#inner = inner;
  }

  /** The price of `quantity`, explained tier by tier (what priceTiers returns). */
  price(quantity) {
    return JSON.parse(guarded(() => this.#inner.price(quantityText(quantity, 'quantity'))));
  }

  /** Just the amount of `quantity`: a decimal string, rounded when the table has a currency. */
  amount(quantity) {
    return guarded(() => this.#inner.amount(quantityText(quantity, 'quantity')));
  }

  /** The amounts of many quantities in one call. */
  amounts(quantities) {
    if (quantities.length === 0) return [];
    const text = quantities.map((q, i) => quantityText(q, `quantities[${i}]`)).join('\n');
    return guarded(() => this.#inner.amounts(text)).split('\n');
  }

  /** Frees the wasm memory now (it is also freed when the object is garbage-collected). */
  free() {
    this.#inner.free();
  }
}

/** Loads a tier table once; `currency` (ISO 4217) rounds amounts to its minor unit. */
export function loadTierTable(table, currency) {
  const text = typeof table === 'string' ? table : encode(table);
  return new TierPricer(guarded(() => new LoadedTierTable(text, currency ?? undefined)));
}
