//! The WebAssembly exports: the only file that knows about wasm-bindgen.
//!
//! Everything crosses the boundary as JSON text, which is cheaper than walking JS objects field
//! by field and keeps one parser and one writer for every runtime. The hand-written wrapper in
//! `js/` turns the text back into objects and thrown errors into `RatecardError`s.

use wasm_bindgen::prelude::*;

/// Runs one [`crate::api::call`] operation. On error, throws the error as JSON text.
#[wasm_bindgen]
pub fn call(op: &str, args: &str) -> Result<String, String> {
    crate::api::call(op, args).map_err(|e| e.to_value().to_json())
}
