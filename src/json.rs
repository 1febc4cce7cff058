//! The JSON document model of inputs, read and written with `serde_json`.
//!
//! Every runtime (native, wasm in Node, wasm in a browser) reads its input and writes its
//! output through this module, so the same input gives the same bytes everywhere. Input is
//! read into a [`Value`] tree first (not straight into typed structs) because pricing input
//! needs what a derived deserializer stops at: every problem reported at once with its path
//! (the decoders walk the tree), and duplicate keys rejected in every object.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};

use crate::error::{join_path, Code, Error, Problem};

/// An object key: borrowed for the fixed keys of outputs (no allocation), owned when parsed.
pub type Key = Cow<'static, str>;

pub use crate::limits::MAX_DEPTH;

/// A parsed JSON value. Object members keep their order; numbers keep their literal text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number: an integer as written (`12`), any other number as serde_json writes the
    /// binary float it reads (`-0.5`, `1e3` as `1000.0`). Amounts are strings, never numbers.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; members in document order, keys unique.
    Object(Vec<(Key, Value)>),
}

impl Value {
    /// A short name of the value's JSON type, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The member `key` of an object, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Takes member `key` out of an object, leaving `null` in its place (`null` when absent).
    pub(crate) fn take(&mut self, key: &str) -> Value {
        match self {
            Value::Object(members) => {
                members.iter_mut().find(|(k, _)| k == key).map_or(Value::Null, |(_, v)| std::mem::take(v))
            }
            _ => Value::Null,
        }
    }

    /// Shorthand for a string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Serializes to compact JSON, byte for byte what `JSON.stringify` gives for the same value.
    pub fn to_json(&self) -> String {
        // Cannot fail: keys are strings, and a number that is not JSON is written as a string.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parses JSON text (with `serde_json`). The whole text must be one value (surrounding white
/// space allowed).
///
/// # Errors
/// `INVALID_JSON` for malformed text, with its line, column and path; `INEXACT_NUMBER` for a
/// number past the range of a binary float; `JSON_TOO_DEEP` past [`MAX_DEPTH`] levels;
/// `DUPLICATE_KEY` when an object names a key twice.
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_at(text, 0)
}

/// Parses the text of one member of a call's arguments (kept as text by the caller): nested
/// one level down, so that depth is counted as if the whole arguments were parsed.
pub(crate) fn parse_argument(text: &str) -> Result<Value, Error> {
    parse_at(text, 1)
}

fn parse_at(text: &str, depth: usize) -> Result<Value, Error> {
    let state = ParseState::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = ValueSeed { depth, state: &state }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| {
        let ParseState { refused, path } = state;
        if let Some(own) = refused.into_inner() {
            return own;
        }
        // The path was built from the innermost segment outwards.
        let path = path.into_inner().iter().rev().fold(String::new(), |p, segment| join_path(&p, segment));
        let message = e.to_string();
        if message.starts_with("number out of range") {
            // A literal past what a binary float holds (`1` and 400 zeros): valid JSON, and
            // refused like any number that is not an exact integer.
            let message = format!("the JSON {message} and is not an exact integer: write it as a string");
            return Error::new(Code::InexactNumber, path, message);
        }
        Error::new(Code::InvalidJson, path, format!("invalid JSON: {message}"))
    })
}

/// What a parse found wrong: ratecard's own refusal (a duplicate key, too deep a value:
/// serde's error type carries only a message), and the path of the value where parsing
/// stopped, built segment by segment on the way out of the error.
#[derive(Default)]
struct ParseState {
    refused: RefCell<Option<Error>>,
    path: RefCell<Vec<String>>,
}

/// `value` as JSON text, with serde_json.
///
/// # Errors
/// `INVALID_VALUE` if a `Serialize` impl fails: none of ratecard's outputs does.
pub(crate) fn text<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map_err(|e| Error::new(Code::InvalidValue, "", format!("cannot write JSON: {e}")))
}

/// Reads one value at nesting `depth`.
#[derive(Clone, Copy)]
struct ValueSeed<'s> {
    depth: usize,
    state: &'s ParseState,
}

impl ValueSeed<'_> {
    fn refuse<E: serde::de::Error>(&self, e: Error) -> E {
        let message = e.to_string();
        *self.state.refused.borrow_mut() = Some(e);
        E::custom(message)
    }

    /// The seed of a member or item, one level down; refused past [`MAX_DEPTH`].
    fn nested<E: serde::de::Error>(&self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            let e = Error::new(Code::JsonTooDeep, "", format!("JSON nested deeper than {MAX_DEPTH} levels"));
            return Err(self.refuse(e));
        }
        Ok(ValueSeed { depth: self.depth + 1, state: self.state })
    }

    /// Records `segment` in the path of an error found inside it, on its way out.
    fn within<E>(&self, e: E, segment: impl FnOnce() -> String) -> E {
        let segment = segment();
        let mut refused = self.state.refused.borrow_mut();
        match refused.take() {
            Some(own) => *refused = Some(own.within(&segment)),
            None => self.state.path.borrow_mut().push(segment),
        }
        e
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }

    /// A number with a fraction or an exponent, or past 64 bits: kept as serde_json writes it
    /// back (`5.0`, `1e300`); never read as an amount (see `decode::exact_integer`).
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(serde_json::to_string(&n).unwrap_or_else(|_| "null".to_string())))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let item = self.nested()?;
        let mut items = Vec::with_capacity(4);
        loop {
            match seq.next_element_seed(item) {
                Ok(Some(v)) => items.push(v),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => return Err(self.within(e, || format!("[{}]", items.len()))),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let member = self.nested()?;
        let mut members: Vec<(Key, Value)> = Vec::with_capacity(8);
        let mut seen = SeenKeys::default();
        while let Some(name) = map.next_key_seed(KeySeed)? {
            if seen.repeats(&members, &name) {
                let message = format!("the key \"{name}\" appears twice in one object");
                return Err(self.refuse(Error::new(Code::DuplicateKey, name.into_owned(), message)));
            }
            match map.next_value_seed(member) {
                Ok(v) => members.push((name, v)),
                Err(e) => return Err(self.within(e, || name.to_string())),
            }
        }
        Ok(Value::Object(members))
    }
}

/// An object key: a known key is borrowed from [`KNOWN_KEYS`], unallocated.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, s: &str) -> Result<Key, E> {
        Ok(match KNOWN_KEYS.binary_search(&s) {
            Ok(i) => Cow::Borrowed(KNOWN_KEYS[i]),
            Err(_) => Cow::Owned(s.to_string()),
        })
    }
}

/// The keys of every input format, sorted: a parsed key equal to one of them borrows it instead
/// of allocating (catalogs and orders repeat the same few keys thousands of times).
const KNOWN_KEYS: &[&str] = &[
    "aggregated",
    "allowCredits",
    "allowed",
    "amount",
    "amountMinor",
    "at",
    "backupGb",
    "bandwidthGb",
    "billingStart",
    "blockRounding",
    "blockSize",
    "blocks",
    "catalog",
    "chain",
    "checks",
    "code",
    "cost",
    "cpu",
    "currencies",
    "currency",
    "customCurrencies",
    "customer",
    "days",
    "default",
    "defaultCurrency",
    "differences",
    "discount",
    "end",
    "environment",
    "environments",
    "error",
    "exactAmount",
    "expected",
    "exponent",
    "externalId",
    "fees",
    "flatPrice",
    "from",
    "grantedTo",
    "hourly",
    "hours",
    "hoursPerMonth",
    "id",
    "included",
    "instance",
    "instances",
    "kind",
    "line",
    "lines",
    "measured",
    "memoryMb",
    "message",
    "mode",
    "monthly",
    "months",
    "name",
    "options",
    "order",
    "orders",
    "owner",
    "package",
    "parent",
    "partner",
    "partners",
    "path",
    "paysTo",
    "period",
    "phase",
    "phaseClock",
    "phases",
    "plan",
    "planType",
    "planTypes",
    "plans",
    "previousReading",
    "price",
    "prices",
    "problems",
    "product",
    "products",
    "profit",
    "quantities",
    "quantity",
    "quote",
    "reading",
    "reasons",
    "received",
    "recurring",
    "region",
    "regions",
    "request",
    "resource",
    "rounding",
    "rows",
    "rule",
    "start",
    "storageGb",
    "strict",
    "table",
    "tier",
    "tiered",
    "tiers",
    "timeline",
    "total",
    "totalProfit",
    "totals",
    "trial",
    "unit",
    "unitPrice",
    "unitType",
    "upTo",
    "warnings",
];

/// Finds a repeated key in linear time: small objects (all of a catalog's and an order's) are
/// scanned, larger ones get a sorted set, so an object of 100,000 keys costs 100,000 look-ups,
/// not 5 billion comparisons.
#[derive(Default)]
struct SeenKeys {
    set: Option<std::collections::BTreeSet<Key>>,
}

impl SeenKeys {
    /// Objects up to this many members are scanned.
    const SCAN: usize = 16;

    /// Whether `name` is among `members` (whose keys this has seen, in order); remembers it.
    fn repeats(&mut self, members: &[(Key, Value)], name: &Key) -> bool {
        if members.len() < Self::SCAN {
            return members.iter().any(|(k, _)| k == name);
        }
        let set = self.set.get_or_insert_with(|| members.iter().map(|(k, _)| k.clone()).collect());
        !set.insert(name.clone())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            // Written back exactly as read (numbers are kept as their text).
            Value::Number(n) => match serde_json::value::RawValue::from_string(n.clone()) {
                Ok(raw) => raw.serialize(serializer),
                Err(_) => serializer.serialize_str(n),
            },
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(members) => serializer.collect_map(members.iter().map(|(k, v)| (k.as_ref(), v))),
        }
    }
}

/// Builds output objects in a fixed member order.
#[derive(Default)]
pub(crate) struct ObjectBuilder(Vec<(Key, Value)>);

impl ObjectBuilder {
    pub(crate) fn new() -> Self {
        ObjectBuilder(Vec::with_capacity(8))
    }
    pub(crate) fn put(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.0.push((Cow::Borrowed(key), value.into()));
        self
    }
    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

impl From<&Problem> for Value {
    fn from(p: &Problem) -> Value {
        ObjectBuilder::new()
            .put("code", p.code.as_str())
            .put("path", p.path.as_str())
            .put("message", p.message.as_str())
            .build()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<usize> for Value {
    fn from(n: usize) -> Value {
        Value::Number(n.to_string())
    }
}
impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_escapes_like_json_stringify() {
        let text = r#"{"a":[1,-0,-0.5,1e3,true,false,null],"b":"q\"\\\n\u0001é\ud83d\ude00/"}"#;
        let v = parse(text).unwrap();
        // Integers are kept as written; other numbers are binary floats, written back as such
        // (and never read as an amount).
        assert_eq!(
            v.to_json(),
            "{\"a\":[1,-0.0,-0.5,1000.0,true,false,null],\"b\":\"q\\\"\\\\\\n\\u0001é😀/\"}"
        );
    }

    #[test]
    fn rejects_duplicate_keys_with_their_path() {
        let e = parse(r#"{"a":{"b":1,"b":2}}"#).unwrap_err();
        assert_eq!(e.code(), Code::DuplicateKey);
        assert_eq!(e.path(), "a.b");
        // Past the scanned size, the sorted set finds repeats of early and late keys alike.
        for repeated in ["k0", "k15", "k16", "k4999"] {
            let keys: Vec<String> = (0..5000).map(|i| format!("\"k{i}\":{i}")).collect();
            let text = format!("{{\"a\":{{{},\"{repeated}\":0}}}}", keys.join(","));
            let e = parse(&text).unwrap_err();
            assert_eq!((e.code(), e.path()), (Code::DuplicateKey, format!("a.{repeated}").as_str()));
            assert!(parse(&text.replace(&format!(",\"{repeated}\":0"), "")).is_ok());
        }
    }

    #[test]
    fn rejects_deep_nesting_without_recursing_further() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(parse(&deep).unwrap_err().code(), Code::JsonTooDeep);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn known_keys_are_sorted_so_they_can_be_found() {
        assert!(KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]));
        let v = parse(r#"{"amount":"1","amoun\u0074":"2"}"#).unwrap_err();
        assert_eq!(v.code(), Code::DuplicateKey, "an escaped key is the same key");
        assert!(
            matches!(parse(r#"{"upTo":1}"#).unwrap(), Value::Object(m) if matches!(m[0].0, Cow::Borrowed("upTo")))
        );
    }

    #[test]
    fn malformed_text_is_located_by_line_column_and_path() {
        let e = parse("{\"order\": {\"lines\": [{},\n {\"quantity\": 1,}]}}").unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::InvalidJson, "order.lines[1]"));
        assert!(e.problems()[0].message.contains("line 2 column"), "{e}");
        let huge = format!("{{\"quantity\": 1{}}}", "0".repeat(400));
        let e = parse(&huge).unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::InexactNumber, "quantity"));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in
            ["", "{", "[1,]", "01", "1.", "-", "\"abc", "{\"a\" 1}", "nul", "1 2", "\"\\ud800\"", "\"\t\""]
        {
            assert_eq!(parse(bad).unwrap_err().code(), Code::InvalidJson, "{bad:?}");
        }
    }
}
