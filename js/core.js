// The JavaScript API of ratecard, shared by the Node and browser entries.
// Arguments cross into WebAssembly as JSON text and results come back as JSON text: one parser
// and one writer in Rust for every runtime, so a browser and a server get the same bytes.
import { call as rawCall } from '../pkg/ratecard.js';
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
  if (!state.ready) {
    throw new RatecardError('NOT_INITIALIZED', '', 'ratecard is not initialized: await init() first');
  }
  try {
    return rawCall(op, argsJson);
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
