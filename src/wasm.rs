//! The WebAssembly exports: the only file that knows about wasm-bindgen.
//!
//! Everything crosses the boundary as JSON text, which is cheaper than walking JS objects field
//! by field and keeps one parser and one writer for every runtime. Errors are thrown as the
//! error's JSON text; the hand-written wrapper in `js/` turns them into `RatecardError`s.

use wasm_bindgen::prelude::*;

use crate::api;
use crate::catalog::Catalog;
use crate::error::Error;

fn thrown(e: Error) -> String {
    e.to_json()
}

/// Runs one [`crate::api::call`] operation. On error, throws the error as JSON text.
#[wasm_bindgen]
pub fn call(op: &str, args: &str) -> Result<String, String> {
    api::call(op, args).map_err(thrown)
}

/// A catalog parsed and validated once, for many quotes.
#[wasm_bindgen]
pub struct LoadedCatalog {
    catalog: Catalog,
}

#[wasm_bindgen]
impl LoadedCatalog {
    /// Parses and validates a catalog's JSON text; throws `INVALID_CATALOG` with every problem.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<LoadedCatalog, String> {
        let value = api::parse_input(text).map_err(|e| thrown(e.within("catalog")))?;
        let catalog = Catalog::from_value(value).map_err(|e| thrown(api::invalid_catalog(e)))?;
        Ok(LoadedCatalog { catalog })
    }

    /// The catalog's warnings as a JSON array.
    pub fn warnings(&self) -> String {
        serde_json::to_string(self.catalog.warnings()).unwrap_or_default()
    }

    /// Runs an operation that takes a catalog (see [`crate::api::call_loaded`]) on this one;
    /// `args` is the JSON text of its other arguments.
    pub fn call(&self, op: &str, args: &str) -> Result<String, String> {
        api::call_loaded(&self.catalog, op, args).map_err(thrown)
    }
}

/// A tier table loaded once for many prices (see [`crate::api::TablePricer`]).
#[wasm_bindgen]
pub struct LoadedTierTable {
    pricer: api::TablePricer,
}

#[wasm_bindgen]
impl LoadedTierTable {
    /// Parses and validates a tier table's JSON text, with an optional currency to round to.
    #[wasm_bindgen(constructor)]
    pub fn new(table: &str, currency: Option<String>) -> Result<LoadedTierTable, String> {
        let pricer = api::TablePricer::from_json(table, currency.as_deref()).map_err(thrown)?;
        Ok(LoadedTierTable { pricer })
    }

    /// The explained price of a quantity (decimal text) as JSON text.
    pub fn price(&self, quantity: &str) -> Result<String, String> {
        self.pricer.price(quantity).map_err(thrown)
    }

    /// The amount of a quantity (decimal text).
    pub fn amount(&self, quantity: &str) -> Result<String, String> {
        self.pricer.amount(quantity).map_err(thrown)
    }

    /// The amounts of `\n`-separated quantities, `\n`-separated.
    pub fn amounts(&self, quantities: &str) -> Result<String, String> {
        self.pricer.amounts(quantities).map_err(thrown)
    }
}

/// Compute-only loops for `npm run bench` (cargo feature `bench`): the same work as the API
/// calls, repeated `n` times inside the module, so that engine cost and boundary cost can be
/// told apart. Each returns the length of the last output, so the work cannot be skipped.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub fn bench_quote(catalog: &LoadedCatalog, args: &str, n: u32) -> usize {
    let mut len = 0;
    for _ in 0..n {
        len = api::call_loaded(&catalog.catalog, "quote", args).map_or(0, |s| s.len());
    }
    len
}

/// See [`bench_quote`]: `n` tier amounts of one quantity on a loaded table.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub fn bench_amount(table: &LoadedTierTable, quantity: &str, n: u32) -> usize {
    let mut len = 0;
    for _ in 0..n {
        len = table.pricer.amount(quantity).map_or(0, |s| s.len());
    }
    len
}
