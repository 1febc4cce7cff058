// Browser entry: `await init()` once (it fetches ratecard_bg.wasm next to the glue), then call.
import initWasm from '../pkg/ratecard.js';
import { state } from './state.js';

export * from './core.js';

let loading;

/**
 * Loads the WebAssembly module; safe to call more than once.
 * @param {string | URL | Request | Response | BufferSource | WebAssembly.Module} [source]
 *   where the .wasm file is, when it is not served next to the glue
 */
export function init(source) {
  loading ??= initWasm(source === undefined ? undefined : { module_or_path: source }).then(() => {
    state.ready = true;
  });
  return loading;
}
