// Node entry: the module is instantiated synchronously on import (a web-target `init()` cannot
// fetch a file URL under Node), so every function is usable at once.
import { readFileSync } from 'node:fs';
import { initSync } from '../pkg/ratecard.js';
import { state } from './state.js';

initSync({ module: readFileSync(new URL('../pkg/ratecard_bg.wasm', import.meta.url)) });
state.ready = true;

export * from './core.js';

/** Already initialized under Node; kept so code can `await init()` in every runtime. */
export async function init() {}
