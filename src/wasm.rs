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
    e.to_value().to_json()
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
        let catalog = Catalog::from_value(&value).map_err(|e| thrown(api::invalid_catalog(e)))?;
        Ok(LoadedCatalog { catalog })
    }

    /// The catalog's warnings as a JSON array.
    pub fn warnings(&self) -> String {
        crate::json::Value::Array(self.catalog.warnings.iter().map(|p| p.to_value()).collect()).to_json()
    }

    /// Prices an order (JSON text); returns the quote's JSON text.
    pub fn quote(&self, order: &str) -> Result<String, String> {
        let order = api::parse_input(order).map_err(|e| thrown(e.within("order")))?;
        Ok(api::quote_with(&self.catalog, &order).map_err(thrown)?.to_json())
    }

    /// The price matrix for options (JSON text, `null` for all).
    pub fn matrix(&self, options: &str) -> Result<String, String> {
        let options = api::parse_input(options).map_err(|e| thrown(e.within("options")))?;
        Ok(api::matrix_with(&self.catalog, &options).map_err(thrown)?.to_json())
    }

    /// Verifies a received quote (JSON text) for an order (JSON text).
    pub fn verify(&self, order: &str, quote: &str) -> Result<String, String> {
        let order = api::parse_input(order).map_err(|e| thrown(e.within("order")))?;
        let quote = api::parse_input(quote).map_err(|e| thrown(e.within("quote")))?;
        Ok(api::verify_with(&self.catalog, &order, &quote).map_err(thrown)?.to_json())
    }
}
