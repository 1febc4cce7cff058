// Whether the wasm module is instantiated. Internal: not re-exported by the entry points.
export const state = { ready: false };
