//! Verification: a received quote or invoice compared with the one recomputed from its inputs.
//!
//! Answers are canonical, so an untouched one writes back to the very same text, and the common
//! case is one comparison of two strings. Anything else is read into a small generic [`Value`]
//! and compared field by field, at most [`MAX_DIFFERENCES`] differences.

use serde::{Serialize, Serializer};

use crate::error::{join_path, Error};
use crate::input::{deeper, Bad, Entries, Failed, Field, Items, Leaf, Scalar, Sink};
use crate::json_text::{list, object, ToJson};
use crate::limits::MAX_DIFFERENCES;

/// A JSON value as received, for comparison. Object members keep their order; numbers keep
/// the text they are written back with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number: an integer as written (`12`), any other number as the binary float it reads
    /// (`-0.5`, `1e3` as `1000.0`). Amounts are strings, never numbers.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; members in document order, keys unique.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// Parses JSON text.
    ///
    /// # Errors
    /// `INVALID_JSON`, `JSON_TOO_DEEP`, `DUPLICATE_KEY` (a key twice in one object, which
    /// `JSON.parse` would silently resolve to the last), `INPUT_TOO_LARGE`.
    ///
    /// # Example
    /// ```
    /// let v = ratecard::Value::parse(r#"{"a":[1,"x",null]}"#).unwrap();
    /// assert_eq!(v.get("a").unwrap().to_json(), r#"[1,"x",null]"#);
    /// assert_eq!(ratecard::Value::parse(r#"{"a":1,"a":2}"#).unwrap_err().code().as_str(), "DUPLICATE_KEY");
    /// ```
    pub fn parse(text: &str) -> Result<Value, Error> {
        Ok(match crate::input::read::<Value>(&crate::input::Json(text))? {
            Field::Ok(v) => v,
            _ => Value::Null,
        })
    }

    /// The member `key` of an object, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Shorthand for a string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Compact JSON, byte for byte what `JSON.stringify` gives for the same value.
    pub fn to_json(&self) -> String {
        // Cannot fail: keys are strings, and numbers are written as numbers.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => match (n.parse::<i64>(), n.parse::<u64>(), n.parse::<f64>()) {
                (Ok(i), _, _) => serializer.serialize_i64(i),
                (_, Ok(u), _) => serializer.serialize_u64(u),
                (_, _, Ok(f)) => serializer.serialize_f64(f),
                _ => serializer.serialize_str(n),
            },
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(members) => serializer.collect_map(members.iter().map(|(k, v)| (k.as_str(), v))),
        }
    }
}

impl crate::input::Paths for Value {}
impl crate::input::Paths for Received {}

/// A value of any kind: a received quote or invoice, as an argument.
impl Leaf for Value {
    const EXPECTED: &'static str = "a JSON value";
    fn from_scalar(value: Scalar<'_>) -> Result<Self, Bad> {
        Ok(match value {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(n) => Value::Number(n.to_string()),
            // As JSON.stringify writes them.
            Scalar::Float(n) if !n.is_finite() => Value::Null,
            Scalar::Float(n) => Value::Number(crate::input::float_text(n)),
            Scalar::Str(s) => Value::str(s),
            Scalar::String(s) => Value::String(s),
        })
    }
    fn from_map(map: &mut dyn Entries<'_>) -> Result<Result<Self, Bad>, Failed> {
        let mut v = Nested { value: Value::Null, depth: 0 };
        v.map(map)?;
        Ok(Ok(v.value))
    }
    fn from_seq(seq: &mut dyn Items) -> Result<Result<Self, Bad>, Failed> {
        let mut v = Nested { value: Value::Null, depth: 0 };
        v.seq(seq)?;
        Ok(Ok(v.value))
    }
}

/// Reads a value `depth` levels down; past [`crate::limits::MAX_DEPTH`] levels it is refused (a JS object has
/// no parser to stop it).
struct Nested {
    value: Value,
    depth: usize,
}

impl Nested {
    fn member(&self) -> Result<Nested, Failed> {
        Ok(Nested { value: Value::Null, depth: deeper(self.depth)? })
    }
}

impl Sink for Nested {
    fn scalar(&mut self, value: Scalar<'_>) {
        // Every scalar reads as a value.
        self.value = Value::from_scalar(value).unwrap_or_default();
    }
    fn map(&mut self, map: &mut dyn Entries<'_>) -> Result<(), Failed> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(key) = map.key()? {
            let mut member = self.member()?;
            map.value(&mut member)?;
            members.push((key.into_owned(), member.value));
        }
        if let Some(key) = repeated_key(&members) {
            // Worded as serde words it: the walk that locates an error then finds the first
            // repeated key of the document and its path, wherever this one is.
            return Err(Failed(format!("duplicate field `{key}`")));
        }
        self.value = Value::Object(members);
        Ok(())
    }
    fn seq(&mut self, seq: &mut dyn Items) -> Result<(), Failed> {
        let mut items = Vec::new();
        loop {
            let mut item = self.member()?;
            if !seq.next(&mut item)? {
                break;
            }
            items.push(item.value);
        }
        self.value = Value::Array(items);
        Ok(())
    }
}

/// A key that two members share, if any. Small objects are scanned; larger ones have their
/// keys sorted, borrowed: an object of a million keys costs one sort, with no key copied and no
/// tree built. (A sorted set of copied keys made such an object cost 1.5 s in wasm, the sort
/// 1.0 s; the sort's code is 9 KB of the module.)
fn repeated_key(members: &[(String, Value)]) -> Option<&str> {
    const SCAN: usize = 16;
    if members.len() <= SCAN {
        return members
            .iter()
            .enumerate()
            .find(|(i, (key, _))| members[..*i].iter().any(|(k, _)| k == key))
            .map(|(_, (key, _))| key.as_str());
    }
    let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2).find(|pair| pair[0] == pair[1]).map(|pair| pair[0])
}

/// A received answer (a quote or an invoice a browser sent) as JSON text: from JSON text, the
/// text it was written in, untouched; from a JS value, the text `JSON.stringify` writes for it
/// (`wasm.rs`), which is the engine's own text for the engine's own answer. An untouched answer
/// is then equal to the recomputed one byte for byte, with no tree built; only a different one
/// is read into a [`Value`] to say where it differs.
#[derive(Debug, Default)]
pub(crate) struct Received(pub(crate) String);

impl Leaf for Received {
    const EXPECTED: &'static str = "a JSON value";
    // Always read as text: the JSON text it was written in, or (from JS values) the string
    // `JSON.stringify` made of it; never member by member.
    const RAW: bool = true;
    fn from_raw(text: &str) -> Option<Self> {
        Some(Received(text.to_string()))
    }
}

impl Received {
    /// The received value, read into a tree (only when it differs from what was expected).
    pub(crate) fn value(&self) -> Result<Value, Error> {
        Value::parse(&self.0)
    }
}

/// One difference between a received answer and the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Path in the answer (`lines[0].amount`).
    pub path: String,
    /// The recomputed value (`None`: the received answer has a value that should not be there).
    pub expected: Option<Value>,
    /// The received value (`None`: missing).
    pub received: Option<Value>,
}

/// How `received` differs from the answer whose JSON text is `expected`.
pub(crate) fn differences(expected: &str, received: &Value) -> Result<Vec<Difference>, Error> {
    if received.to_json() == expected {
        return Ok(Vec::new());
    }
    tree_differences(expected, received)
}

/// How `received` differs from `expected`, value by value.
pub(crate) fn tree_differences(expected: &str, received: &Value) -> Result<Vec<Difference>, Error> {
    let expected = Value::parse(expected)?;
    let mut out = Vec::new();
    diff("", &expected, received, &mut out);
    Ok(out)
}

fn diff(path: &str, expected: &Value, received: &Value, out: &mut Vec<Difference>) {
    if out.len() >= MAX_DIFFERENCES {
        return;
    }
    let join = |key: &str| join_path(path, key);
    // Past the cap, nothing more is looked at: a received object of a million extra keys costs
    // the first MAX_DIFFERENCES of them.
    let full = |out: &Vec<Difference>| out.len() >= MAX_DIFFERENCES;
    match (expected, received) {
        (Value::Object(e), Value::Object(r)) => {
            for (k, ev) in e {
                match received.get(k) {
                    Some(rv) => diff(&join(k), ev, rv, out),
                    None => {
                        out.push(Difference { path: join(k), expected: Some(ev.clone()), received: None })
                    }
                }
            }
            for (k, rv) in r.iter().filter(|(k, _)| expected.get(k).is_none()) {
                if full(out) {
                    break;
                }
                out.push(Difference { path: join(k), expected: None, received: Some(rv.clone()) });
            }
        }
        (Value::Array(e), Value::Array(r)) => {
            for i in 0..e.len().max(r.len()) {
                if full(out) {
                    break;
                }
                let p = format!("{path}[{i}]");
                match (e.get(i), r.get(i)) {
                    (Some(ev), Some(rv)) => diff(&p, ev, rv, out),
                    (ev, rv) => {
                        out.push(Difference { path: p, expected: ev.cloned(), received: rv.cloned() })
                    }
                }
            }
        }
        _ if expected != received => out.push(Difference {
            path: path.to_string(),
            expected: Some(expected.clone()),
            received: Some(received.clone()),
        }),
        _ => {}
    }
    out.truncate(MAX_DIFFERENCES);
}

/// `{ok, differences: [{path, expected, received}]}`: each group's differences under its
/// prefix, in order (a verified quote: the order's trusted fields under `order`, then the
/// quote's differences under `quote`), at most [`MAX_DIFFERENCES`].
pub(crate) struct Verdict {
    ok: bool,
    differences: Vec<DifferenceJson>,
}

struct DifferenceJson {
    path: String,
    expected: Value,
    received: Value,
}

impl ToJson for Verdict {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, {
            "ok": self.ok,
            "differences": list(&self.differences, |out, _, d| object!(out, {
                "path": d.path,
                "expected": d.expected,
                "received": d.received,
            })),
        })
    }
}

/// A value as `JSON.stringify` writes it (its numbers through serde_json, as floats or integers).
impl ToJson for Value {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(&self.to_json());
        Ok(())
    }
}

impl Verdict {
    pub(crate) fn of(groups: &[(&str, &[Difference])]) -> Verdict {
        let all = groups.iter().flat_map(|(prefix, list)| list.iter().map(move |d| (*prefix, d)));
        let differences: Vec<_> = all
            .take(MAX_DIFFERENCES)
            .map(|(prefix, d)| DifferenceJson {
                path: join_path(prefix, &d.path),
                expected: d.expected.clone().unwrap_or_default(),
                received: d.received.clone().unwrap_or_default(),
            })
            .collect();
        Verdict { ok: differences.is_empty(), differences }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use crate::limits::MAX_DEPTH;

    #[test]
    fn round_trips_and_escapes_like_json_stringify() {
        let text = r#"{"a":[1,-0,-0.5,1e3,true,false,null],"b":"q\"\\\n\u0001é\ud83d\ude00/"}"#;
        // Integers are kept as written; other numbers are binary floats, written back as such.
        assert_eq!(
            Value::parse(text).unwrap().to_json(),
            "{\"a\":[1,-0.0,-0.5,1000.0,true,false,null],\"b\":\"q\\\"\\\\\\n\\u0001é😀/\"}"
        );
    }

    #[test]
    fn rejects_duplicate_keys_with_their_path() {
        let e = Value::parse(r#"{"a":{"b":1,"b":2}}"#).unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::DuplicateKey, "a.b"));
        // Past the scanned size, the sorted set finds repeats of early and late keys alike.
        for repeated in ["k0", "k15", "k16", "k4999"] {
            let keys: Vec<String> = (0..5000).map(|i| format!("\"k{i}\":{i}")).collect();
            let text = format!("{{\"a\":{{{},\"{repeated}\":0}}}}", keys.join(","));
            let e = Value::parse(&text).unwrap_err();
            assert_eq!((e.code(), e.path()), (Code::DuplicateKey, format!("a.{repeated}").as_str()));
            assert!(Value::parse(&text.replace(&format!(",\"{repeated}\":0"), "")).is_ok());
        }
    }

    #[test]
    fn rejects_deep_nesting_without_recursing_further() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(Value::parse(&deep).unwrap_err().code(), Code::JsonTooDeep);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Value::parse(&ok).is_ok());
    }

    #[test]
    fn differences_stop_at_the_cap_in_document_order() {
        let extra: Vec<String> = (0..10_000).map(|i| format!("\"k{i}\":0")).collect();
        let received = Value::parse(&format!("{{\"a\":\"1\",{}}}", extra.join(","))).unwrap();
        let got = differences(r#"{"a":"2"}"#, &received).unwrap();
        assert_eq!(got.len(), MAX_DIFFERENCES);
        assert_eq!(got[0].path, "a");
        assert_eq!(got[1].path, "k0");
        assert_eq!(got[MAX_DIFFERENCES - 1].path, format!("k{}", MAX_DIFFERENCES - 2));
        let items = format!("[{}]", vec!["0"; 10_000].join(","));
        let got = differences("[]", &Value::parse(&items).unwrap()).unwrap();
        assert_eq!((got.len(), got[0].path.as_str()), (MAX_DIFFERENCES, "[0]"));
    }

    #[test]
    fn differences_name_each_changed_missing_and_extra_member() {
        let expected = r#"{"a":"1","b":["x","y"],"c":true}"#;
        let received = Value::parse(r#"{"a":"2","b":["x"],"d":null}"#).unwrap();
        let got: Vec<_> = differences(expected, &received).unwrap().into_iter().map(|d| d.path).collect();
        assert_eq!(got, ["a", "b[1]", "c", "d"]);
        assert!(differences(expected, &Value::parse(expected).unwrap()).unwrap().is_empty());
    }
}
