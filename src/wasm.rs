//! The WebAssembly exports: the only file that knows about wasm-bindgen, js-sys and
//! serde-wasm-bindgen.
//!
//! One engine, two ways across: `call` reads its arguments from JS values (serde-wasm-bindgen),
//! but for the received answers of verifications, which are compared as text and so cross as
//! the text `JSON.stringify` writes (see [`received_as_text`]), and answers JS values: its JSON
//! text, parsed by the JS engine's `JSON.parse` (see [`parsed`]). `callJson` takes and answers
//! JSON text, for servers that hold text. Errors are thrown as the
//! package's own `RatecardError` objects (the JS entry gives the class once, `setErrorClass`),
//! so nothing parses error text.

use std::cell::RefCell;

use serde::de::DeserializeSeed;
use wasm_bindgen::prelude::*;

use crate::api::{self, TablePricer};
use crate::api::{Catalogs, Loaded};
use crate::error::{Code, Error};
use crate::input::{Drive, Json, Raw, Sink, Source};

thread_local! {
    static ERROR_CLASS: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Sets the class errors are thrown as: `new Class(code, path, message, problems)`.
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(class: js_sys::Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

/// `e` as a `RatecardError` (a plain `Error` with the same fields before a class is set).
fn thrown(e: Error) -> JsValue {
    let problems = js(e.problems()).unwrap_or(JsValue::NULL);
    let (code, path, message) =
        (JsValue::from_str(e.code().as_str()), JsValue::from_str(e.path()), e.to_string());
    let class = ERROR_CLASS.with(|c| c.borrow().clone());
    if let Some(class) = class {
        let args = js_sys::Array::of4(&code, &path, &JsValue::from_str(&message), &problems);
        if let Ok(error) = js_sys::Reflect::construct(&class, &args) {
            return error;
        }
    }
    let error = js_sys::Error::new(&message);
    error.set_name("RatecardError");
    for (key, value) in [("code", code), ("path", path), ("problems", problems)] {
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), &value);
    }
    error.into()
}

/// An answer's JSON text as a JS value, by the JS engine's own `JSON.parse`: the same plain
/// objects, arrays and strings a JS value writer would build member by member across the
/// boundary, for less (docs/performance.md).
fn parsed(text: &str) -> Result<JsValue, Error> {
    js_sys::JSON::parse(text).map_err(|_| Error::new(Code::InvalidValue, "", "cannot read the answer's JSON"))
}

/// `value` as a JS value: its JSON text, [`parsed`].
fn js<T: crate::json_text::ToJson + ?Sized>(value: &T) -> Result<JsValue, Error> {
    parsed(&crate::json_text::json_text(value)?)
}

/// A JS value as input: read member by member, with no JSON text between.
impl Source for JsValue {
    fn drive(&self, sink: &mut dyn Sink) -> Result<(), Error> {
        drive(self, Raw::No, sink)
    }
}

/// The arguments of a verification, each received answer in them a string of its JSON text
/// (see [`received_as_text`]).
struct ReceivedAsText(JsValue);

impl Source for ReceivedAsText {
    fn drive(&self, sink: &mut dyn Sink) -> Result<(), Error> {
        drive(&self.0, Raw::Text, sink)
    }
}

fn drive(value: &JsValue, raw: Raw, sink: &mut dyn Sink) -> Result<(), Error> {
    Drive(sink, raw).deserialize(serde_wasm_bindgen::Deserializer::from(value.clone())).map_err(|e| {
        let message = e.to_string();
        match message.starts_with("recursion limit exceeded") {
            true => Error::new(
                Code::JsonTooDeep,
                "",
                format!("nested deeper than {} levels", crate::limits::MAX_DEPTH),
            ),
            false => Error::new(Code::InvalidType, "", format!("not a JSON value: {message}")),
        }
    })
}

/// A verification's arguments with each received quote or invoice replaced by its
/// `JSON.stringify` text, in a copy; `None` for other operations and for arguments that are
/// not an object (the reader says what is wrong). The engine compares a received answer as
/// text, and the JS engine's own writer gives that text in a fraction of the time reading it
/// member by member takes (a quote's verification: 106 µs that way, 46 µs through text).
/// A received answer is so what JSON would carry of it: `undefined` members are left out.
fn received_as_text(op: &str, args: &JsValue) -> Result<Option<ReceivedAsText>, Error> {
    let (list, key) = match op {
        "verifyQuote" => (None, "quote"),
        "verifyInvoice" => (None, "invoice"),
        "verifyMany" => (Some("checks"), "quote"),
        "verifyInvoiceMany" => (Some("checks"), "invoice"),
        _ => return Ok(None),
    };
    let Some(args) = copy_of(args) else { return Ok(None) };
    match list {
        None => stringify_member(&args, key, key)?,
        Some(list) => {
            let items = js_sys::Reflect::get(&args, &list.into()).unwrap_or_default();
            if js_sys::Array::is_array(&items) {
                let items = js_sys::Array::from(&items);
                for i in 0..items.length() {
                    if let Some(item) = copy_of(&items.get(i)) {
                        stringify_member(&item, key, &format!("{list}[{i}].{key}"))?;
                        items.set(i, item.into());
                    }
                }
                let _ = js_sys::Reflect::set(&args, &list.into(), &items);
            }
        }
    }
    Ok(Some(ReceivedAsText(args.into())))
}

/// A shallow copy of a plain object (not an array), so that the caller's object is left as it was.
fn copy_of(value: &JsValue) -> Option<js_sys::Object> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return None;
    }
    Some(js_sys::Object::assign(&js_sys::Object::new(), value.unchecked_ref()))
}

/// Replaces `object[key]`, when it has one, by its JSON text (`undefined` as `null`, as the
/// reader of JS values reads it).
fn stringify_member(object: &js_sys::Object, key: &str, path: &str) -> Result<(), Error> {
    let key = JsValue::from_str(key);
    if !js_sys::Object::has_own(object, &key) {
        return Ok(());
    }
    let value = js_sys::Reflect::get(object, &key).unwrap_or_default();
    // The text stays a JS string until the reader takes it: one copy into wasm memory.
    let text: JsValue = match js_sys::JSON::stringify(&value) {
        Ok(text) if text.is_string() => text.into(),
        Ok(_) => JsValue::from_str("null"),
        Err(e) => {
            let why = js_sys::Error::from(e).message();
            return Err(Error::new(
                Code::InvalidType,
                path,
                format!("not a JSON value: {}", String::from(why)),
            ));
        }
    };
    // UTF-16 code units: no more than the UTF-8 bytes the text becomes.
    if js_sys::JsString::from(text.clone()).length() as usize > crate::limits::MAX_INPUT_BYTES {
        return Err(Error::new(
            Code::InputTooLarge,
            path,
            format!("more than {} bytes of JSON", crate::limits::MAX_INPUT_BYTES),
        ));
    }
    let _ = js_sys::Reflect::set(object, &key, &text);
    Ok(())
}

/// [`api::dispatch`] of JS values, a verification's received answers as text.
fn dispatch_js(op: &str, args: &JsValue, catalog: Option<Catalogs<'_>>) -> Result<JsValue, Error> {
    match received_as_text(op, args)? {
        Some(args) => api::dispatch(op, &args, catalog),
        None => api::dispatch(op, args, catalog),
    }
    .and_then(crate::limits::check_output)
    .and_then(|text| parsed(&text))
}

/// Runs one [`crate::api::call`] operation on JS values: arguments in, the answer out.
#[wasm_bindgen]
pub fn call(op: &str, args: JsValue) -> Result<JsValue, JsValue> {
    dispatch_js(op, &args, None).map_err(thrown)
}

/// Runs one [`crate::api::call`] operation on JSON text: the answer's text out.
#[wasm_bindgen(js_name = callJson)]
pub fn call_json(op: &str, args: &str) -> Result<String, JsValue> {
    api::call(op, args).map_err(thrown)
}

/// A catalog or a catalog set parsed and validated once (see [`crate::api::call_loaded`]).
#[wasm_bindgen]
pub struct LoadedCatalog {
    catalog: Loaded,
}

#[wasm_bindgen]
impl LoadedCatalog {
    /// Loads a catalog: a JS object, or its JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(catalog: JsValue) -> Result<LoadedCatalog, JsValue> {
        let loaded = match catalog.as_string() {
            Some(text) => api::load_catalog(&Json(&text)),
            None => api::load_catalog(&catalog),
        };
        Ok(LoadedCatalog { catalog: loaded.map_err(thrown)? })
    }

    /// The warnings found when the catalog was loaded.
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        let warnings = match &self.catalog {
            Loaded::One(c) => c.warnings(),
            Loaded::Set(set) => set.warnings(),
        };
        js(&warnings).map_err(thrown)
    }

    /// The versions of a catalog set, oldest first, as `[{version, effectiveFrom, hash}]`;
    /// `null` for a catalog that is not a set.
    pub fn versions(&self) -> Result<JsValue, JsValue> {
        use crate::json_text::{list, object};
        let Loaded::Set(set) = &self.catalog else { return Ok(JsValue::NULL) };
        let versions = list(set.versions(), |out, _, v| {
            object!(out, {
                "version": v.version.as_str(),
                "hash": v.hash.as_str(),
                "effectiveFrom": crate::phases::Instant(v.effective_from),
            })
        });
        js(&versions).map_err(thrown)
    }

    /// Runs an operation on the loaded catalog: JS values in and out.
    pub fn call(&self, op: &str, args: JsValue) -> Result<JsValue, JsValue> {
        dispatch_js(op, &args, Some(Catalogs::from(&self.catalog))).map_err(thrown)
    }

    /// Runs an operation on the loaded catalog: JSON text in and out.
    #[wasm_bindgen(js_name = callJson)]
    pub fn call_json(&self, op: &str, args: &str) -> Result<String, JsValue> {
        api::call_loaded(&self.catalog, op, args).map_err(thrown)
    }
}

/// A tier table loaded once (see [`crate::api::TablePricer`]).
#[wasm_bindgen]
pub struct LoadedTierTable {
    pricer: TablePricer,
}

#[wasm_bindgen]
impl LoadedTierTable {
    /// Loads a tier table (a JS object or its JSON text) and an optional ISO 4217 currency.
    #[wasm_bindgen(constructor)]
    pub fn new(table: JsValue, currency: Option<String>) -> Result<LoadedTierTable, JsValue> {
        let pricer = match table.as_string() {
            Some(text) => TablePricer::read(&Json(&text), currency.as_deref()),
            None => TablePricer::read(&table, currency.as_deref()),
        };
        Ok(LoadedTierTable { pricer: pricer.map_err(thrown)? })
    }

    /// The price of `quantity`, explained tier by tier.
    pub fn price(&self, quantity: &str) -> Result<JsValue, JsValue> {
        self.pricer.price(quantity).and_then(|text| parsed(&text)).map_err(thrown)
    }

    /// The amount of `quantity`, as decimal text.
    pub fn amount(&self, quantity: &str) -> Result<String, JsValue> {
        self.pricer.amount(quantity).map_err(thrown)
    }

    /// The amounts of many quantities, one a line.
    pub fn amounts(&self, quantities: &str) -> Result<String, JsValue> {
        self.pricer.amounts(quantities).map_err(thrown)
    }
}

/// `n` quotes on a loaded catalog, for `npm run bench` (engine cost without the JS boundary).
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub fn bench_quote(catalog: &LoadedCatalog, args: &str, n: u32) -> usize {
    let mut len = 0;
    for _ in 0..n {
        len = api::call_loaded(&catalog.catalog, "quote", args).map_or(0, |s| s.len());
    }
    len
}

/// `n` tier amounts, for `npm run bench`.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub fn bench_amount(table: &LoadedTierTable, quantity: &str, n: u32) -> usize {
    let mut len = 0;
    for _ in 0..n {
        len = table.pricer.amount(quantity).map_or(0, |s| s.len());
    }
    len
}
