//! A small JSON document model with one parser and one writer.
//!
//! Every runtime (native, wasm in Node, wasm in a browser) reads its input and writes its
//! output through this module, so the same input gives the same bytes everywhere. It exists
//! instead of serde because pricing input needs things a generic deserializer does not give:
//! every problem reported at once with its path, unknown and duplicated keys rejected, and
//! numbers kept as their literal text so that no binary float ever touches a price.

use std::borrow::Cow;

use crate::error::{Code, Error};

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
    /// A number, as written (`12`, `-0.5`, `1e3`).
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
        let mut out = String::with_capacity(256);
        write_value(self, &mut out);
        out
    }
}

/// Parses JSON text. The whole text must be one value (surrounding white space allowed).
///
/// # Errors
/// `INVALID_JSON` with the byte offset for malformed text, `JSON_TOO_DEEP` past
/// [`MAX_DEPTH`] levels, `DUPLICATE_KEY` when an object names a key twice.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut p = Parser { text, bytes: text.as_bytes(), pos: 0 };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(p.fail("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    /// The input; slices of it are taken at ASCII bytes, so they are valid UTF-8 without a check.
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
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

/// Puts the segment of the value being unwound in front of the path of a DUPLICATE_KEY or
/// JSON_TOO_DEEP error. Paths are built only on the way out of an error, so parsing valid
/// JSON allocates nothing for them. (INVALID_JSON errors give a byte offset instead.)
fn within_segment(e: Error, segment: impl FnOnce() -> String) -> Error {
    match e.code() {
        Code::DuplicateKey | Code::JsonTooDeep => e.within(&segment()),
        _ => e,
    }
}

impl Parser<'_> {
    fn fail(&self, what: &str) -> Error {
        Error::new(Code::InvalidJson, "", format!("invalid JSON at byte {}: {what}", self.pos))
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.fail("expected a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        match self.bytes.get(self.pos) {
            None => Err(self.fail("unexpected end of input")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => {
                Err(Error::new(Code::JsonTooDeep, "", format!("JSON nested deeper than {MAX_DEPTH} levels")))
            }
            Some(b'[') => self.array(depth),
            Some(b'{') => self.object(depth),
            Some(_) => Err(self.fail("expected a JSON value")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        self.pos += 1;
        let mut items = Vec::with_capacity(4);
        self.skip_ws();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            let item =
                self.value(depth + 1).map_err(|e| within_segment(e, || format!("[{}]", items.len())))?;
            items.push(item);
            self.skip_ws();
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.fail("expected ',' or ']'"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        self.pos += 1;
        let mut members: Vec<(Key, Value)> = Vec::with_capacity(8);
        let mut seen = SeenKeys::default();
        self.skip_ws();
        if self.eat(b'}') {
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.fail("expected a string key"));
            }
            let name = self.key()?;
            if seen.repeats(&members, &name) {
                let message = format!("the key \"{name}\" appears twice in one object");
                return Err(Error::new(Code::DuplicateKey, name.into_owned(), message));
            }
            self.skip_ws();
            if !self.eat(b':') {
                return Err(self.fail("expected ':'"));
            }
            self.skip_ws();
            let value = self.value(depth + 1).map_err(|e| within_segment(e, || name.to_string()))?;
            members.push((name, value));
            self.skip_ws();
            if self.eat(b'}') {
                return Ok(Value::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.fail("expected ',' or '}'"));
            }
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        self.eat(b'-');
        let int_start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while let Some(b'0'..=b'9') = p.bytes.get(p.pos) {
                p.pos += 1;
            }
            p.pos - s
        };
        let n = digits(self);
        if n == 0 || (n > 1 && self.bytes[int_start] == b'0') {
            return Err(self.fail("malformed number"));
        }
        if self.eat(b'.') && digits(self) == 0 {
            return Err(self.fail("malformed number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if digits(self) == 0 {
                return Err(self.fail("malformed number"));
            }
        }
        // The slice is ASCII by construction.
        let text = self.text[start..self.pos].to_string();
        Ok(Value::Number(text))
    }

    /// An object key: a known key without escapes is borrowed from [`KNOWN_KEYS`], unallocated.
    fn key(&mut self) -> Result<Key, Error> {
        let start = self.pos + 1;
        let end =
            self.bytes[start..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|n| start + n);
        if let Some(end) = end.filter(|&e| self.bytes[e] == b'"') {
            let text = &self.text[start..end];
            if let Ok(i) = KNOWN_KEYS.binary_search(&text) {
                self.pos = end + 1;
                return Ok(Cow::Borrowed(KNOWN_KEYS[i]));
            }
        }
        Ok(Cow::Owned(self.string()?))
    }

    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Input is a &str and the run stops only at ASCII bytes: a valid UTF-8 slice.
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                None => return Err(self.fail("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.bytes.get(self.pos).copied();
                    self.pos += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => out.push(self.unicode_escape()?),
                        _ => return Err(self.fail("invalid escape in string")),
                    }
                }
                Some(_) => return Err(self.fail("control character in string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.bytes.get(self.pos).and_then(|b| (*b as char).to_digit(16));
            let Some(d) = d else {
                return Err(self.fail("invalid \\u escape"));
            };
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, Error> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if !(self.eat(b'\\') && self.eat(b'u')) {
                return Err(self.fail("lone surrogate in \\u escape"));
            }
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.fail("lone surrogate in \\u escape"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.fail("lone surrogate in \\u escape"))
    }
}

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

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// Escapes exactly as `JSON.stringify` does, so output is byte-identical across runtimes.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    // Most strings need no escape: copy them whole.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes JSON straight into one buffer, for outputs written many times a second (quotes,
/// prices): no tree of values, no string per member. Commas are placed automatically.
pub(crate) struct Writer {
    out: String,
    /// Whether the next value needs a comma before it.
    comma: bool,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer { out: String::with_capacity(4096), comma: false }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    fn sep(&mut self) {
        if self.comma {
            self.out.push(',');
        }
        self.comma = true;
    }

    /// Starts an object or an array with `bracket`.
    fn begin(&mut self, bracket: char) -> &mut Self {
        self.sep();
        self.out.push(bracket);
        self.comma = false;
        self
    }

    /// Ends an object or an array with `bracket`.
    fn end(&mut self, bracket: char) -> &mut Self {
        self.out.push(bracket);
        self.comma = true;
        self
    }

    /// `{`; members follow as `key` + a value.
    pub(crate) fn open(&mut self) -> &mut Self {
        self.begin('{')
    }

    pub(crate) fn close(&mut self) -> &mut Self {
        self.end('}')
    }

    pub(crate) fn open_array(&mut self) -> &mut Self {
        self.begin('[')
    }

    pub(crate) fn close_array(&mut self) -> &mut Self {
        self.end(']')
    }

    /// A member's key; its value comes next.
    pub(crate) fn key(&mut self, key: &str) -> &mut Self {
        self.sep();
        write_string(key, &mut self.out);
        self.out.push(':');
        self.comma = false;
        self
    }

    pub(crate) fn str(&mut self, s: &str) -> &mut Self {
        self.sep();
        write_string(s, &mut self.out);
        self
    }

    /// A string, or `null`.
    pub(crate) fn opt_str(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.str(s),
            None => self.literal("null"),
        }
    }

    /// A number, `true`, `false` or `null`, written as given.
    pub(crate) fn literal(&mut self, text: &str) -> &mut Self {
        self.sep();
        self.out.push_str(text);
        self
    }

    pub(crate) fn number(&mut self, n: usize) -> &mut Self {
        self.sep();
        crate::money::push_integer(n, &mut self.out);
        self
    }

    /// A decimal as a JSON string, as `Display` writes it (`"0.05"`).
    pub(crate) fn decimal(&mut self, d: rust_decimal::Decimal) -> &mut Self {
        self.sep();
        self.out.push('"');
        crate::money::write_decimal(d, &mut self.out);
        self.out.push('"');
        self
    }

    /// A decimal, or `null`.
    pub(crate) fn opt_decimal(&mut self, d: Option<rust_decimal::Decimal>) -> &mut Self {
        match d {
            Some(d) => self.decimal(d),
            None => self.literal("null"),
        }
    }

    /// A whole value.
    pub(crate) fn value(&mut self, v: &Value) -> &mut Self {
        self.sep();
        write_value(v, &mut self.out);
        self
    }

    /// JSON text that is already written (an item of a batch).
    pub(crate) fn json(&mut self, text: &str) -> &mut Self {
        self.literal(text)
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
        let text = r#"{"a":[1,-0.5,1e3,true,false,null],"b":"q\"\\\n\u0001é\ud83d\ude00/"}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.to_json(), "{\"a\":[1,-0.5,1e3,true,false,null],\"b\":\"q\\\"\\\\\\n\\u0001é😀/\"}");
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
    fn rejects_malformed_text() {
        for bad in
            ["", "{", "[1,]", "01", "1.", "-", "\"abc", "{\"a\" 1}", "nul", "1 2", "\"\\ud800\"", "\"\t\""]
        {
            assert_eq!(parse(bad).unwrap_err().code(), Code::InvalidJson, "{bad:?}");
        }
    }
}
