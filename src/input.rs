//! Reading input: every shape is declared once (see [`shape!`]), read in one pass from JSON
//! text or a JS value without failing on any leaf, then validated once into the model.
//!
//! - A leaf ([`Field`]) is `Ok`, `Null`, `Missing` or `Bad` with its code and why: a wrong value
//!   is read past and recorded, so one pass sees the whole input.
//! - An object is a type declared with [`shape!`]: its fields are the one list of its keys;
//!   every other key is kept by name in [`Unknown`], and a repeated key is a problem at its path.
//! - serde reads the input (serde_json for text, serde-wasm-bindgen for JS values) and drives a
//!   [`Sink`]: an object-safe reader, so each reader is instantiated once for every type rather
//!   than once per type (a derived `Deserialize` per type cost 0.8 MB of wasm here).
//! - Validation walks the typed input and records [`Problem`]s into one [`Problems`] per call:
//!   at most [`MAX_PROBLEMS`] and [`MAX_SUGGESTED`] "did you mean" searches, batches included.
//!   A path ([`At`]) is a chain of borrowed segments, written out only for a problem.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::{Code, Error, Problem};
use crate::limits::{MAX_DEPTH, MAX_ID_LEN, MAX_INPUT_BYTES, MAX_LIST_LEN, MAX_PROBLEMS};
use crate::lookalike::{lookalike, Lookalike};

/// Largest integer a JSON number may hold and still mean the same in JavaScript (2^53 - 1).
const MAX_SAFE_INTEGER: i128 = 9_007_199_254_740_991;

/// Problems of one call that get a "did you mean" (see [`Problems::unknown`]).
pub(crate) const MAX_SUGGESTED: usize = 20;

/// Ids searched for a suggestion: past this many, the message names none (the search is
/// O(ids x id length), and a catalog may hold 100,000 products).
const MAX_SUGGESTION_CANDIDATES: usize = 1_000;

/// A leaf that could not be read: its code and why.
pub(crate) type Bad = (Code, String);

/// A value no leaf can read past: text that is not JSON, nesting past [`MAX_DEPTH`], a JS value
/// that is no JSON value. The reader's own error is kept for text (see [`locate`]).
#[derive(Debug)]
pub(crate) struct Failed(pub(crate) String);

/// A JSON value that is not an object or an array.
#[derive(Debug)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
    String(String),
}

impl Scalar<'_> {
    /// What kind of value it is, for "expected ..., found ...".
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) | Scalar::Float(_) => "a number",
            Scalar::Str(_) | Scalar::String(_) => "a string",
        }
    }

    /// The text of a string.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            Scalar::String(s) => Some(s),
            _ => None,
        }
    }
}

/// What a value read is given to: a scalar, or the members or items of an object or array,
/// read one by one. Object-safe, so that each reader exists once for every type.
pub(crate) trait Sink {
    fn scalar(&mut self, value: Scalar<'_>);
    fn map(&mut self, map: &mut dyn Entries<'_>) -> Result<(), Failed>;
    fn seq(&mut self, seq: &mut dyn Items) -> Result<(), Failed>;
}

/// The members of an object being read.
pub(crate) trait Entries<'de> {
    /// The next key; `None` past the last.
    fn key(&mut self) -> Result<Option<Cow<'de, str>>, Failed>;
    /// Gives the value of the key just read to `sink`.
    fn value(&mut self, sink: &mut dyn Sink) -> Result<(), Failed>;
    /// The value of the key just read as the text it is written in, when the input is JSON
    /// text (`None` otherwise, the value unread).
    fn raw(&mut self) -> Result<Option<String>, Failed>;
}

/// The items of an array being read.
pub(crate) trait Items {
    /// Gives the next item to `sink`; `false` past the last.
    fn next(&mut self, sink: &mut dyn Sink) -> Result<bool, Failed>;
}

/// One field of an input, read without failing.
#[derive(Debug, Default)]
pub(crate) enum Field<T> {
    /// The key is absent.
    #[default]
    Missing,
    /// The value is `null` (or `undefined` in a JS object).
    Null,
    /// A value of the right kind.
    Ok(T),
    /// A value of the wrong kind or form.
    Bad(Code, String),
}

impl<T> Field<T> {
    /// The value, when there is a good one.
    pub(crate) fn ok(&self) -> Option<&T> {
        match self {
            Field::Ok(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the key is absent or null.
    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, Field::Missing | Field::Null)
    }
}

impl<T> From<Result<T, Bad>> for Field<T> {
    fn from(r: Result<T, Bad>) -> Self {
        match r {
            Ok(v) => Field::Ok(v),
            Err((code, why)) => Field::Bad(code, why),
        }
    }
}

/// How a leaf reads each kind of JSON value; every kind it does not take is a `Bad` value
/// (read past, so reading goes on).
pub(crate) trait Leaf: Sized {
    /// What the field holds, for "expected ..., found ...".
    const EXPECTED: &'static str;

    /// `null` never reaches it (it is [`Field::Null`]).
    fn from_scalar(value: Scalar<'_>) -> Result<Self, Bad> {
        Err(wrong(Self::EXPECTED, value.kind()))
    }
    fn from_map(map: &mut dyn Entries<'_>) -> Result<Result<Self, Bad>, Failed> {
        Ok(Err(skip_map(map, Self::EXPECTED)?))
    }
    fn from_seq(seq: &mut dyn Items) -> Result<Result<Self, Bad>, Failed> {
        Ok(Err(skip_seq(seq, Self::EXPECTED)?))
    }
    /// A leaf kept as the JSON text it is written in, where the input is text (a received
    /// answer, compared as bytes): `None` for every other leaf.
    fn from_raw(_: &str) -> Option<Self> {
        None
    }
    /// Whether [`Leaf::from_raw`] takes raw text.
    const RAW: bool = false;
}

#[inline(never)]
fn wrong(expected: &str, found: &str) -> Bad {
    (Code::InvalidType, format!("expected {expected}, found {found}"))
}

/// Reads past an object where `expected` was expected.
#[inline(never)]
fn skip_map(map: &mut dyn Entries<'_>, expected: &str) -> Result<Bad, Failed> {
    Skip(0).map(map)?;
    Ok(wrong(expected, "an object"))
}

/// Reads past an array where `expected` was expected.
#[inline(never)]
fn skip_seq(seq: &mut dyn Items, expected: &str) -> Result<Bad, Failed> {
    Skip(0).seq(seq)?;
    Ok(wrong(expected, "an array"))
}

impl<T> Field<T> {
    /// Sets a field read for the first time. A sink is always a fresh `Missing` field
    /// (`read_field` reads a repeated key past), which holds nothing to drop: forgetting it
    /// spares a call of the type's drop code for each type and reader.
    fn set(&mut self, value: Field<T>) {
        debug_assert!(matches!(self, Field::Missing), "a field is read once");
        std::mem::forget(std::mem::replace(self, value));
    }
}

impl<T: Leaf> Sink for Field<T> {
    fn scalar(&mut self, value: Scalar<'_>) {
        match value {
            Scalar::Null => self.set(Field::Null),
            value => self.set(T::from_scalar(value).into()),
        }
    }
    fn map(&mut self, map: &mut dyn Entries<'_>) -> Result<(), Failed> {
        self.set(T::from_map(map)?.into());
        Ok(())
    }
    fn seq(&mut self, seq: &mut dyn Items) -> Result<(), Failed> {
        self.set(T::from_seq(seq)?.into());
        Ok(())
    }
}

/// The depth of a value inside one at `depth`, or a failure past [`MAX_DEPTH`] levels (for
/// every reader that walks a value of any shape: a JS object has no parser to stop it).
pub(crate) fn deeper(depth: usize) -> Result<usize, Failed> {
    if depth < MAX_DEPTH {
        Ok(depth + 1)
    } else {
        Err(Failed("recursion limit exceeded".to_string()))
    }
}

/// Reads past a value, at most [`MAX_DEPTH`] levels deep: a value nested 10,000 deep is
/// refused wherever it is.
pub(crate) struct Skip(usize);

impl Skip {
    fn deeper(&self) -> Result<Skip, Failed> {
        deeper(self.0).map(Skip)
    }
}

impl Sink for Skip {
    fn scalar(&mut self, _: Scalar<'_>) {}
    fn map(&mut self, map: &mut dyn Entries<'_>) -> Result<(), Failed> {
        let mut inner = self.deeper()?;
        while map.key()?.is_some() {
            map.value(&mut inner)?;
        }
        Ok(())
    }
    fn seq(&mut self, seq: &mut dyn Items) -> Result<(), Failed> {
        let mut inner = self.deeper()?;
        while seq.next(&mut inner)? {}
        Ok(())
    }
}

/// serde's side: gives what a deserializer reads to a [`Sink`]. The one visitor of every input.
pub(crate) struct Drive<'s>(pub(crate) &'s mut dyn Sink, pub(crate) Raw);

/// How a reader gives the values of raw leaves ([`Leaf::RAW`]: a received answer) as text.
#[derive(Clone, Copy)]
pub(crate) enum Raw {
    /// It does not: they are read like any value.
    No,
    /// As the JSON text they are written in (serde_json's `RawValue`).
    Json,
    /// They are strings holding their JSON text (JS values whose received answers were written
    /// by `JSON.stringify` first: see `wasm.rs`).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Text,
}

impl<'de> DeserializeSeed<'de> for Drive<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Drive<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.scalar(Scalar::Null);
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.0.scalar(Scalar::Null);
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<(), E> {
        self.0.scalar(Scalar::Bool(b));
        Ok(())
    }
    fn visit_i64<E>(self, n: i64) -> Result<(), E> {
        self.0.scalar(Scalar::Int(n.into()));
        Ok(())
    }
    fn visit_u64<E>(self, n: u64) -> Result<(), E> {
        self.0.scalar(Scalar::Int(n.into()));
        Ok(())
    }
    fn visit_f64<E>(self, n: f64) -> Result<(), E> {
        self.0.scalar(Scalar::Float(n));
        Ok(())
    }
    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.scalar(Scalar::Str(s));
        Ok(())
    }
    fn visit_string<E>(self, s: String) -> Result<(), E> {
        self.0.scalar(Scalar::String(s));
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let mut entries = Reader { access: map, error: None, raw: self.1 };
        let read = self.0.map(&mut entries);
        entries.finish(read)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let mut items = Reader { access: seq, error: None, raw: self.1 };
        let read = self.0.seq(&mut items);
        items.finish(read)
    }
}

/// A deserializer's map or sequence access, read through [`Entries`] or [`Items`]; its own
/// error is kept, to be returned as it is (with its line and column).
struct Reader<A, E> {
    access: A,
    error: Option<E>,
    raw: Raw,
}

impl<A, E: serde::de::Error> Reader<A, E> {
    fn fail(&mut self, e: E) -> Failed {
        let failed = Failed(e.to_string());
        self.error = Some(e);
        failed
    }

    fn finish(self, read: Result<(), Failed>) -> Result<(), E> {
        read.map_err(|Failed(why)| self.error.unwrap_or_else(|| E::custom(why)))
    }
}

impl<'de, A: MapAccess<'de>> Entries<'de> for Reader<A, A::Error> {
    fn key(&mut self) -> Result<Option<Cow<'de, str>>, Failed> {
        match self.access.next_key::<Key<'de>>() {
            Ok(key) => Ok(key.map(|Key(k)| k)),
            Err(e) => Err(self.fail(e)),
        }
    }
    fn value(&mut self, sink: &mut dyn Sink) -> Result<(), Failed> {
        self.access.next_value_seed(Drive(sink, self.raw)).map_err(|e| self.fail(e))
    }
    fn raw(&mut self) -> Result<Option<String>, Failed> {
        let text = match self.raw {
            Raw::No => return Ok(None),
            Raw::Json => {
                self.access.next_value::<&serde_json::value::RawValue>().map(|raw| raw.get().to_string())
            }
            Raw::Text => self.access.next_value::<String>(),
        };
        text.map(Some).map_err(|e| self.fail(e))
    }
}

impl<'de, A: SeqAccess<'de>> Items for Reader<A, A::Error> {
    fn next(&mut self, sink: &mut dyn Sink) -> Result<bool, Failed> {
        match self.access.next_element_seed(Drive(sink, self.raw)) {
            Ok(item) => Ok(item.is_some()),
            Err(e) => Err(self.fail(e)),
        }
    }
}

/// An object key, borrowed from the text when it holds no escape.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

impl Leaf for String {
    const EXPECTED: &'static str = "a string";
    fn from_scalar(value: Scalar<'_>) -> Result<Self, Bad> {
        match value {
            Scalar::Str(s) => Ok(s.to_string()),
            Scalar::String(s) => Ok(s),
            other => Err(wrong(Self::EXPECTED, other.kind())),
        }
    }
}

impl Leaf for bool {
    const EXPECTED: &'static str = "true or false";
    fn from_scalar(value: Scalar<'_>) -> Result<Self, Bad> {
        match value {
            Scalar::Bool(b) => Ok(b),
            other => Err(wrong(Self::EXPECTED, other.kind())),
        }
    }
}

/// An exact decimal: from a plain decimal string, or from a JSON number that is an integer
/// JavaScript holds exactly (`number`: validation refuses those where only a string will do).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num {
    pub(crate) value: Decimal,
    /// Written as a JSON number, not a string.
    pub(crate) number: bool,
}

impl Leaf for Num {
    const EXPECTED: &'static str = "a decimal string";
    fn from_scalar(value: Scalar<'_>) -> Result<Self, Bad> {
        match value {
            Scalar::Int(n) => match i64::try_from(n) {
                Ok(i) if n.abs() <= MAX_SAFE_INTEGER => Ok(Num { value: Decimal::from(i), number: true }),
                _ => Err(inexact(&n.to_string())),
            },
            Scalar::Float(n) if !n.is_finite() => Err(wrong(Self::EXPECTED, "NaN or an infinity")),
            Scalar::Float(n) => Err(inexact(&float_text(n))),
            other => match other.text() {
                Some(s) => parse_decimal(s).map(|value| Num { value, number: false }),
                None => Err(wrong(Self::EXPECTED, other.kind())),
            },
        }
    }
}

/// A binary float as JSON writes it (`1000.0`, `1e300`), with the writer every answer uses.
pub(crate) fn float_text(n: f64) -> String {
    serde_json::to_string(&n).unwrap_or_else(|_| "null".to_string())
}

fn inexact(n: &str) -> Bad {
    (
        Code::InexactNumber,
        format!("the JSON number {n} is not an exact integer: write it as a string (\"{n}\")"),
    )
}

/// An instant: RFC 3339 (`2026-11-21T10:00:00Z`, any offset) or a date (`2026-11-21`, midnight
/// UTC), in the years 0001 to 9999 once in UTC: the four-digit years every answer writes, so
/// that no offset can carry an instant to a year its text cannot show.
impl Leaf for DateTime<Utc> {
    const EXPECTED: &'static str = "an ISO 8601 timestamp";
    fn from_scalar(value: Scalar<'_>) -> Result<Self, Bad> {
        let Some(s) = value.text() else { return Err(wrong(Self::EXPECTED, value.kind())) };
        let shown = || s.chars().take(40).collect::<String>();
        let Some(t) = parse_instant(s) else {
            return Err((
                Code::InvalidDate,
                format!("\"{}\" is not an ISO 8601 timestamp such as 2026-11-21T10:00:00Z or a date such as 2026-11-21", shown()),
            ));
        };
        if !(1..=9999).contains(&t.year()) {
            return Err((
                Code::InvalidDate,
                format!("\"{}\" is in the year {} in UTC: instants are from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z", shown(), t.year()),
            ));
        }
        Ok(t)
    }
}

/// A list, its items read one by one; past `MAX` items the rest are read past and counted (the
/// list is then refused as too long without any of its items being looked at).
#[derive(Debug)]
pub(crate) struct List<T, const MAX: usize = MAX_LIST_LEN> {
    pub(crate) items: Vec<Field<T>>,
    /// How many items the list has (more than `items` when it is too long).
    pub(crate) len: usize,
}

impl<T: Leaf, const MAX: usize> Leaf for List<T, MAX> {
    const EXPECTED: &'static str = "an array";
    fn from_seq(seq: &mut dyn Items) -> Result<Result<Self, Bad>, Failed> {
        let mut items = Vec::new();
        loop {
            let mut item = Field::Missing;
            if !seq.next(&mut item)? {
                return Ok(Ok(List { len: items.len(), items }));
            }
            items.push(item);
            if items.len() == MAX {
                break;
            }
        }
        let mut len = items.len();
        while seq.next(&mut Skip(0))? {
            len += 1;
        }
        Ok(Ok(List { items, len }))
    }
}

impl<T, const MAX: usize> List<T, MAX> {
    /// The items, or `INPUT_TOO_LARGE` (with `what(length)`) past `MAX`.
    pub(crate) fn within_limit(
        &self,
        p: &mut Problems,
        at: &At<'_>,
        what: impl FnOnce(usize) -> String,
    ) -> Option<&[Field<T>]> {
        if self.len > MAX {
            p.add(Code::InputTooLarge, at, what(self.len));
            return None;
        }
        Some(&self.items)
    }
}

/// An object with keys of the input's choosing (`instances` of partner margins).
#[derive(Debug)]
pub(crate) struct Map<T> {
    pub(crate) entries: Vec<(String, Field<T>)>,
    pub(crate) len: usize,
}

impl<T: Leaf> Leaf for Map<T> {
    const EXPECTED: &'static str = "an object";
    fn from_map(map: &mut dyn Entries<'_>) -> Result<Result<Self, Bad>, Failed> {
        let (mut entries, mut len) = (Vec::new(), 0);
        while let Some(key) = map.key()? {
            len += 1;
            if entries.len() < MAX_LIST_LEN {
                let mut value = Field::Missing;
                map.value(&mut value)?;
                entries.push((key.into_owned(), value));
            } else {
                map.value(&mut Skip(0))?;
            }
        }
        Ok(Ok(Map { entries, len }))
    }
}

/// The keys of an object that its type does not declare, in document order (the first
/// [`MAX_PROBLEMS`]; the others are counted).
#[derive(Debug, Default)]
pub(crate) struct Unknown {
    pub(crate) keys: Vec<String>,
    pub(crate) more: usize,
}

/// An input object type, declared with [`shape!`]: the one list of its keys.
pub(crate) trait Shape: Default {
    /// The keys it declares, as written in JSON.
    const FIELDS: &'static [&'static str];
    /// Reads the value of `key` if the type declares it (`false` otherwise, the value unread).
    fn read_key(&mut self, key: &str, map: &mut dyn Entries<'_>) -> Result<bool, Failed>;
    /// The keys it was given that no type declares.
    fn unknown(&self) -> &Unknown;
    fn unknown_mut(&mut self) -> &mut Unknown;
    /// Every key it reads, a part read with it included.
    fn known() -> Vec<&'static str> {
        Self::FIELDS.to_vec()
    }
    /// The path of every key it reads, nested objects' included (`plans[].prices[].tiers[].upTo`).
    fn paths(prefix: &str, out: &mut Vec<String>);
    /// The keys it declares that the input gave.
    fn given(&self) -> Vec<&'static str>;
}

/// The key paths a leaf holds below it (objects and lists of objects): what the `.d.ts` must
/// declare, checked key by key by `tests/js/types.test.mjs`.
pub(crate) trait Paths {
    fn paths(_prefix: &str, _out: &mut Vec<String>) {}
}

impl Paths for String {}
impl Paths for bool {}
impl Paths for Num {}
impl Paths for DateTime<Utc> {}
impl<T> Paths for Map<T> {}
impl<T: Paths> Paths for Field<T> {
    fn paths(prefix: &str, out: &mut Vec<String>) {
        T::paths(prefix, out)
    }
}
impl<T: Paths, const MAX: usize> Paths for List<T, MAX> {
    fn paths(prefix: &str, out: &mut Vec<String>) {
        T::paths(&format!("{prefix}[]"), out)
    }
}
impl<T: Shape> Paths for Box<T> {
    fn paths(prefix: &str, out: &mut Vec<String>) {
        T::paths(prefix, out)
    }
}

/// A boxed shape is read as the shape.
impl<T: Shape> Shape for Box<T> {
    const FIELDS: &'static [&'static str] = T::FIELDS;
    fn read_key(&mut self, key: &str, map: &mut dyn Entries<'_>) -> Result<bool, Failed> {
        (**self).read_key(key, map)
    }
    fn unknown(&self) -> &Unknown {
        (**self).unknown()
    }
    fn unknown_mut(&mut self) -> &mut Unknown {
        (**self).unknown_mut()
    }
    fn known() -> Vec<&'static str> {
        T::known()
    }
    fn paths(prefix: &str, out: &mut Vec<String>) {
        T::paths(prefix, out)
    }
    fn given(&self) -> Vec<&'static str> {
        (**self).given()
    }
}

/// An object is read into a box: a field of the input is then the size of a pointer, however
/// large the object's type (moving fields is what most of the reading code would be).
impl<T: Shape> Leaf for Box<T> {
    const EXPECTED: &'static str = "an object";
    fn from_map(map: &mut dyn Entries<'_>) -> Result<Result<Self, Bad>, Failed> {
        read_shape(map).map(|shape| Ok(Box::new(shape)))
    }
}

/// Reads an object into a [`Shape`]: every key once (a repeated one is a `DUPLICATE_KEY`
/// problem at its path), every other key kept by name.
pub(crate) fn read_shape<S: Shape>(map: &mut dyn Entries<'_>) -> Result<S, Failed> {
    let mut shape = S::default();
    while let Some(key) = map.key()? {
        if !shape.read_key(&key, map)? {
            map.value(&mut Skip(0))?;
            let unknown = shape.unknown_mut();
            if unknown.keys.len() < MAX_PROBLEMS {
                unknown.keys.push(key.into_owned());
            } else {
                unknown.more += 1;
            }
        }
    }
    Ok(shape)
}

/// Reads the value of `key` into `field`; a key given twice makes it `DUPLICATE_KEY`.
pub(crate) fn read_field<T: Leaf>(
    field: &mut Field<T>,
    key: &str,
    map: &mut dyn Entries<'_>,
) -> Result<(), Failed> {
    if matches!(field, Field::Missing) {
        if T::RAW {
            if let Some(text) = map.raw()? {
                *field = match T::from_raw(&text) {
                    _ if text == "null" => Field::Null,
                    Some(v) => Field::Ok(v),
                    None => Field::Missing,
                };
                return Ok(());
            }
        }
        return map.value(field);
    }
    map.value(&mut Skip(0))?;
    *field = Field::Bad(Code::DuplicateKey, format!("the key \"{key}\" appears twice in one object"));
    Ok(())
}

/// Declares an input object: `shape!(RegionDoc { id: Field<String>, name: Field<String> })`.
/// Field names are the JSON keys (camelCase); every field may be absent; other keys are kept
/// in `unknown`. `shape!(RuleDoc { ... } with table: TableDoc)` also reads the keys another
/// declared type declares into `table`.
///
/// Written out rather than derived: a derived `Deserialize` sees stray keys only through
/// `flatten`, which buffers values and instantiates every type once more per buffer, and it
/// stops at a repeated key instead of reporting it with the rest.
macro_rules! shape {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? } $(with $flat:ident: $fty:ty)?) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        #[allow(non_snake_case)]
        pub(crate) struct $name {
            $(pub(crate) $field: $ty,)*
            $(pub(crate) $flat: $fty,)?
            pub(crate) unknown: $crate::input::Unknown,
        }
        impl $crate::input::Shape for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            #[allow(unused_variables)]
            fn read_key(&mut self, key: &str, map: &mut dyn $crate::input::Entries<'_>) -> Result<bool, $crate::input::Failed> {
                match key {
                    $(stringify!($field) => $crate::input::read_field(&mut self.$field, key, map).map(|()| true),)*
                    _ => {
                        $(return $crate::input::Shape::read_key(&mut self.$flat, key, map);)?
                        #[allow(unreachable_code)]
                        Ok(false)
                    }
                }
            }
            fn unknown(&self) -> &$crate::input::Unknown {
                &self.unknown
            }
            fn unknown_mut(&mut self) -> &mut $crate::input::Unknown {
                &mut self.unknown
            }
            fn known() -> Vec<&'static str> {
                [Self::FIELDS $(, <$fty as $crate::input::Shape>::FIELDS)?].concat()
            }
            fn given(&self) -> Vec<&'static str> {
                #[allow(unused_mut)]
                let mut keys = Vec::new();
                $(if !self.$field.is_absent() {
                    keys.push(stringify!($field));
                })*
                $(keys.extend($crate::input::Shape::given(&self.$flat));)?
                keys
            }
            #[allow(unused_variables)]
            fn paths(prefix: &str, out: &mut Vec<String>) {
                $(
                    let path = $crate::error::join_path(prefix, stringify!($field));
                    <$ty as $crate::input::Paths>::paths(&path, out);
                    out.push(path);
                )*
                $(<$fty as $crate::input::Shape>::paths(prefix, out);)?
            }
        }
    };
}
pub(crate) use shape;

/// Where a value is in the input: a chain of borrowed segments, written out as a JSON path
/// (`plans[0].prices[3].tiers[2].upTo`) only when a problem is recorded there.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At<'a> {
    /// The input itself.
    Root,
    /// A member of an object.
    Key(&'a At<'a>, &'a str),
    /// An item of a list.
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    /// The member `key` of this object.
    pub(crate) fn key(&'a self, key: &'a str) -> At<'a> {
        At::Key(self, key)
    }

    /// Item `i` of this list.
    pub(crate) fn index(&'a self, i: usize) -> At<'a> {
        At::Index(self, i)
    }

    /// The last key, for "\"key\" is required".
    fn last_key(&self) -> &str {
        match self {
            At::Key(_, key) => key,
            _ => "",
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            At::Root => {}
            At::Key(parent, key) => {
                parent.write(out);
                if !out.is_empty() && !key.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            At::Index(parent, i) => {
                parent.write(out);
                out.push('[');
                out.push_str(itoa::Buffer::new().format(*i));
                out.push(']');
            }
        }
    }
}

/// A path, borrowed ([`At`]) or written out.
pub(crate) trait IntoPath {
    fn into_path(self) -> String;
}
impl IntoPath for &At<'_> {
    fn into_path(self) -> String {
        let mut out = String::with_capacity(32);
        self.write(&mut out);
        out
    }
}
impl IntoPath for String {
    fn into_path(self) -> String {
        self
    }
}
impl IntoPath for &str {
    fn into_path(self) -> String {
        self.to_string()
    }
}

/// The problems of one call: at most [`MAX_PROBLEMS`] kept (the rest counted), and at most
/// [`MAX_SUGGESTED`] searches for a "did you mean", across every input and batch item.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) list: Vec<Problem>,
    /// Problems of the items of a batch already answered (each with its own error): they
    /// count against the cap, and make the call's error when the cap is reached.
    settled: Vec<Problem>,
    /// Problems found past the cap and not kept.
    dropped: usize,
    suggested: usize,
}

impl Problems {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records a problem (its path is written out only if it is kept).
    pub(crate) fn add(&mut self, code: Code, at: impl IntoPath, message: impl Into<String>) {
        if self.full() {
            self.dropped += 1;
            return;
        }
        self.list.push(Problem::new(code, at.into_path(), message));
    }

    /// Records the problems of an error whose paths are complete.
    pub(crate) fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            if self.full() {
                self.dropped += 1;
            } else {
                self.list.push(p);
            }
        }
    }

    /// Records `e`, its paths put under `at`; `None`, for `?` in validation.
    pub(crate) fn error<T>(&mut self, e: Error, at: &At<'_>) -> Option<T> {
        let prefix = at.into_path();
        self.extend(e.within(&prefix).problems().iter().cloned());
        None
    }

    /// Whether one more problem would be kept; if not, it is counted as found. For problems
    /// whose message costs something to write (`NO_PRICE_RULE` for each segment of an invoice).
    pub(crate) fn wants(&mut self) -> bool {
        if self.full() {
            self.dropped += 1;
            return false;
        }
        true
    }

    /// The problems as a list, ending with one `TOO_MANY_PROBLEMS` past the cap (warnings).
    pub(crate) fn into_list(self) -> Vec<Problem> {
        self.into_error().map(|e| e.problems().to_vec()).unwrap_or_default()
    }

    /// Whether the cap is reached: validation stops looking for more.
    pub(crate) fn full(&self) -> bool {
        self.list.len() + self.settled.len() >= MAX_PROBLEMS
    }

    /// Where the problems of what comes next (a batch item) start.
    pub(crate) fn mark(&self) -> usize {
        self.list.len()
    }

    /// The problems recorded since `mark`, as the error of one batch item: they are set
    /// aside, and still count against the call's cap.
    pub(crate) fn settle(&mut self, mark: usize) -> Option<Error> {
        let mine: Vec<Problem> = self.list.drain(mark..).collect();
        self.settled.extend(mine.iter().cloned());
        Error::from_problems(mine)
    }

    /// Ends one stage of a call: an error with every problem so far, if there is any.
    pub(crate) fn check<T>(&mut self, value: Option<T>) -> Result<T, Error> {
        std::mem::take(self).finish(value)
    }

    /// An id the catalog does not have (`what`: "product", "plan", ...), with the closest
    /// known id as a suggestion (see [`unknown_id`]) for the first [`MAX_SUGGESTED`] of the call.
    pub(crate) fn unknown<'k>(
        &mut self,
        code: Code,
        at: impl IntoPath,
        what: &str,
        id: &str,
        known: impl IntoIterator<Item = &'k str>,
    ) {
        if self.full() {
            self.dropped += 1;
            return;
        }
        self.suggested += 1;
        let message = match self.suggested <= MAX_SUGGESTED {
            true => unknown_id(what, id, known),
            false => unknown_id(what, id, []),
        };
        self.add(code, at, message);
    }

    /// `UNKNOWN_FIELD` for each key of an object that its type does not declare.
    pub(crate) fn fields<D: Shape>(&mut self, doc: &D, at: &At<'_>) {
        let unknown = doc.unknown();
        if !unknown.keys.is_empty() {
            self.unknown_fields(unknown, at, &D::known());
        }
    }

    /// `UNKNOWN_FIELD` for each key of `unknown`, which are not among `known`.
    pub(crate) fn unknown_fields(&mut self, unknown: &Unknown, at: &At<'_>, known: &[&str]) {
        for key in &unknown.keys {
            if self.full() {
                break;
            }
            let hint = known
                .iter()
                .find(|n| n.eq_ignore_ascii_case(key))
                .map(|n| format!(" (did you mean \"{n}\"?)"))
                .unwrap_or_default();
            let message = format!("unknown field \"{key}\"{hint}; known fields: {}", known.join(", "));
            self.add(Code::UnknownField, &at.key(key), message);
        }
        self.dropped += unknown.more;
    }

    /// A required field, read by `then`.
    pub(crate) fn req<'f, T, U>(
        &mut self,
        field: &'f Field<T>,
        at: &At<'_>,
        then: impl FnOnce(&mut Self, &'f T, &At<'_>) -> Option<U>,
    ) -> Option<U> {
        match field {
            Field::Ok(v) => then(self, v, at),
            Field::Missing => self.missing(at),
            other => self.bad(other, at),
        }
    }

    /// `MISSING_FIELD` at `at`.
    #[inline(never)]
    fn missing<U>(&mut self, at: &At<'_>) -> Option<U> {
        self.add(Code::MissingField, at, format!("\"{}\" is required", at.last_key()));
        None
    }

    /// An optional field: `Some(None)` when absent or null, `None` when it is wrong.
    pub(crate) fn opt<'f, T, U>(
        &mut self,
        field: &'f Field<T>,
        at: &At<'_>,
        then: impl FnOnce(&mut Self, &'f T, &At<'_>) -> Option<U>,
    ) -> Option<Option<U>> {
        match field {
            Field::Ok(v) => then(self, v, at).map(Some),
            Field::Missing | Field::Null => Some(None),
            other => self.bad(other, at),
        }
    }

    /// Records why a field that is not `Ok` is wrong (`Missing` is left to the caller).
    pub(crate) fn bad<T, U>(&mut self, field: &Field<T>, at: &At<'_>) -> Option<U> {
        match field {
            Field::Null => self.wrong(None, at),
            Field::Bad(code, why) => self.wrong(Some((*code, why)), at),
            Field::Ok(_) | Field::Missing => {}
        }
        None
    }

    /// Records a bad value (`None`: a null).
    #[inline(never)]
    fn wrong(&mut self, bad: Option<(Code, &str)>, at: &At<'_>) {
        match bad {
            Some((code, why)) => self.add(code, at, why),
            None => {
                self.add(Code::InvalidType, at, "expected a value, found null (or JavaScript's undefined)")
            }
        }
    }

    /// Every item of a list read by `f` (all are visited, so all problems are found); the
    /// items that read, with their indexes, and whether every one did.
    pub(crate) fn each<'f, T, U>(
        &mut self,
        items: &'f [Field<T>],
        at: &At<'_>,
        mut f: impl FnMut(&mut Self, &'f T, &At<'_>) -> Option<U>,
    ) -> (Vec<U>, bool) {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if self.full() {
                return (out, false);
            }
            let at = at.index(i);
            match item {
                Field::Ok(v) => out.extend(f(self, v, &at)),
                Field::Missing => {}
                other => {
                    self.bad::<T, ()>(other, &at);
                }
            }
        }
        let complete = out.len() == items.len();
        (out, complete)
    }

    /// [`Problems::each`], the list only when every item read.
    pub(crate) fn all<'f, T, U>(
        &mut self,
        items: &'f [Field<T>],
        at: &At<'_>,
        f: impl FnMut(&mut Self, &'f T, &At<'_>) -> Option<U>,
    ) -> Option<Vec<U>> {
        let (out, complete) = self.each(items, at, f);
        complete.then_some(out)
    }

    /// `DUPLICATE_ID` at `at[i]` for every item that repeats an earlier one (`what`: "region").
    pub(crate) fn repeats<'v>(&mut self, at: &At<'_>, items: impl Iterator<Item = &'v str>, what: &str) {
        let mut seen = std::collections::BTreeSet::new();
        for (i, item) in items.enumerate() {
            if !seen.insert(item) {
                self.add(Code::DuplicateId, &at.index(i), format!("the {what} \"{item}\" is listed twice"));
            }
        }
    }

    /// Ends the call: the value if no problem was recorded, otherwise every problem (and one
    /// `TOO_MANY_PROBLEMS` past the cap).
    pub(crate) fn finish<T>(self, value: Option<T>) -> Result<T, Error> {
        match (self.into_error(), value) {
            (None, Some(v)) => Ok(v),
            (Some(e), _) => Err(e),
            // A validation that returns None has recorded why; keep the promise anyway.
            (None, None) => Err(Error::new(Code::InvalidValue, "", "invalid input")),
        }
    }

    /// The problems recorded as one error, `None` when there are none.
    pub(crate) fn into_error(mut self) -> Option<Error> {
        if self.full() {
            self.settled.append(&mut self.list);
            self.list = std::mem::take(&mut self.settled);
            self.list.push(Problem::new(
                Code::TooManyProblems,
                "",
                format!(
                    "the input has at least {MAX_PROBLEMS} problems: the first {MAX_PROBLEMS} are listed and the rest \
                     of the input was not checked ({} more were found on the way)",
                    self.dropped
                ),
            ));
        }
        Error::from_problems(self.list)
    }

    // Leaves, checked for what the model needs of them.

    /// A string. (Leaf checks take the field's own `&String`: they are callbacks of `req`.)
    #[allow(clippy::ptr_arg)]
    pub(crate) fn text(&mut self, s: &String, _: &At<'_>) -> Option<String> {
        Some(s.clone())
    }

    /// An identifier: 1 to [`MAX_ID_LEN`] bytes without control or format characters, and
    /// without what [`lookalike`] refuses (marks, invisible characters, what NFC changes), so
    /// that two ids that look the same are the same id (`café` composed or decomposed, `small`
    /// with a zero-width space, the Kelvin sign beside `K`) and none can forge a line of output.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn id(&mut self, s: &String, at: &At<'_>) -> Option<String> {
        let why = if s.is_empty() || s.len() > MAX_ID_LEN {
            "an id must have 1 to 200 bytes".to_string()
        } else if let Some(c) = s.chars().find(|&c| is_control_or_format(c)) {
            format!("an id cannot hold control or format characters such as U+{:04X}", c as u32)
        } else if let Some((c, why)) = s.chars().find_map(|c| lookalike(c).map(|why| (c, why))) {
            let (what, fix) = match why {
                Lookalike::Mark => (
                    "a combining mark or variation selector",
                    "write accented letters composed (NFC), as one character",
                ),
                Lookalike::Invisible => (
                    "an invisible character or a space other than U+0020",
                    "write ids with visible characters only",
                ),
                Lookalike::Composes => {
                    ("a character that NFC replaces or composes", "write the id in NFC, as NFC gives it")
                }
            };
            format!("an id cannot hold U+{:04X} ({what}): {fix}", c as u32)
        } else {
            return Some(s.clone());
        };
        self.add(Code::InvalidId, at, why);
        None
    }

    /// One of a fixed set of names.
    pub(crate) fn choice<T: Copy>(&mut self, s: &str, at: &At<'_>, options: &[(&str, T)]) -> Option<T> {
        let found = options.iter().find(|(name, _)| *name == s).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<_> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            self.add(Code::InvalidValue, at, format!("\"{s}\" is not one of {}", names.join(", ")));
        }
        found
    }

    /// A price, rate or amount: a decimal string, never a JSON number.
    pub(crate) fn money(&mut self, n: &Num, at: &At<'_>) -> Option<Decimal> {
        if n.number {
            let message = format!("prices are written as strings (\"{}\"), never as JSON numbers", n.value);
            self.add(Code::InexactNumber, at, message);
            return None;
        }
        Some(n.value)
    }

    /// A quantity: a decimal string or an exact JSON integer.
    pub(crate) fn quantity(&mut self, n: &Num, _: &At<'_>) -> Option<Decimal> {
        Some(n.value)
    }

    /// A quantity that is not negative.
    pub(crate) fn non_negative(&mut self, n: &Num, at: &At<'_>) -> Option<Decimal> {
        if n.value.is_sign_negative() {
            self.add(Code::NegativeQuantity, at, format!("{} is negative", n.value));
            return None;
        }
        Some(n.value)
    }

    /// A quantity greater than zero.
    pub(crate) fn positive(&mut self, n: &Num, at: &At<'_>) -> Option<Decimal> {
        if n.value <= Decimal::ZERO {
            self.add(Code::InvalidValue, at, format!("must be greater than zero, found {}", n.value));
            return None;
        }
        Some(n.value)
    }

    /// A whole number from 1 to 4294967295 (durations, ages).
    pub(crate) fn count(&mut self, n: &Num, at: &At<'_>) -> Option<u32> {
        self.whole(n, at, 1)
    }

    /// A whole number from `min` to 4294967295.
    pub(crate) fn whole(&mut self, n: &Num, at: &At<'_>, min: u32) -> Option<u32> {
        let d = n.value;
        match u32::try_from(d.trunc().mantissa()) {
            Ok(n) if d.fract().is_zero() && d.scale() == 0 && n >= min => Some(n),
            _ => {
                self.add(
                    Code::InvalidValue,
                    at,
                    format!("expected a whole number from {min} to 4294967295, found {d}"),
                );
                None
            }
        }
    }
}

/// Where an input comes from: JSON text, or (in wasm) a JS value.
pub(crate) trait Source {
    /// Reads the input into `sink`.
    ///
    /// # Errors
    /// What no leaf can read past (see [`read`]).
    fn drive(&self, sink: &mut dyn Sink) -> Result<(), Error>;
}

/// JSON text, read with serde_json.
pub(crate) struct Json<'a>(pub(crate) &'a str);

impl Source for Json<'_> {
    fn drive(&self, sink: &mut dyn Sink) -> Result<(), Error> {
        let text = self.0;
        if text.len() > MAX_INPUT_BYTES {
            return Err(Error::new(
                Code::InputTooLarge,
                "",
                format!("the input is {} bytes; the limit is {MAX_INPUT_BYTES}", text.len()),
            ));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        Drive(sink, Raw::Json).deserialize(&mut de).and_then(|()| de.end()).map_err(|_| locate(text))
    }
}

/// Reads one input into its typed form, without failing on any leaf.
///
/// # Errors
/// `INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`] of text; for text that is not JSON or that nests
/// too deep: `INVALID_JSON` (with its line and column), `JSON_TOO_DEEP`, `INEXACT_NUMBER` for a
/// number past the range of a binary float; each with the path where reading stopped.
pub(crate) fn read<T: Leaf>(input: &dyn Source) -> Result<Field<T>, Error> {
    let mut field = Field::Missing;
    input.drive(&mut field)?;
    Ok(field)
}

/// Reads JSON text into shape `S` and checks it with `validate`: the value, or every problem,
/// each path under `root`, the name the JSON API gives the argument (`order` + `lines[0]` =
/// `order.lines[0]`, as every runtime reports it), or relative to the text's root for `""`.
///
/// # Errors
/// As [`read`], then every problem `validate` records.
pub(crate) fn from_json<S: Shape, T>(
    text: &str,
    root: &str,
    validate: impl FnOnce(&mut Problems, &S, &At<'_>) -> Option<T>,
) -> Result<T, Error> {
    let read_and_check = || {
        let doc = read::<Box<S>>(&Json(text))?;
        let mut p = Problems::new();
        let value = p.req(&doc, &At::Root, |p, doc, at| validate(p, doc, at));
        p.finish(value)
    };
    read_and_check().map_err(|e| e.within(root))
}

/// Why `text` does not read, with the path where reading stopped: walked once more, building
/// nothing and tracking the path (the rare case needs no tracking on the common path). A
/// repeated key stops the walk too: where a shape reports it as a problem, a hard error was
/// found elsewhere, and where a generic value is read (a received quote), it is the error.
#[cold]
pub(crate) fn locate(text: &str) -> Error {
    let mut trail = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let walked = Drive(&mut Locate { depth: 0, trail: &mut trail }, Raw::No)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    let Err(e) = walked else { return Error::new(Code::InvalidJson, "", "invalid JSON") };
    // The trail was built from the innermost segment outwards.
    let path = trail.iter().rev().fold(String::new(), |p, s| crate::error::join_path(&p, s));
    let message = e.to_string();
    if let Some(key) = message.strip_prefix("duplicate field `").and_then(|m| m.split('`').next()) {
        return Error::new(
            Code::DuplicateKey,
            path,
            format!("the key \"{key}\" appears twice in one object"),
        );
    }
    if message.starts_with("recursion limit exceeded") {
        return Error::new(Code::JsonTooDeep, path, format!("JSON nested deeper than {MAX_DEPTH} levels"));
    }
    if message.starts_with("number out of range") {
        // A literal past what a binary float holds (`1` and 400 zeros): valid JSON, and
        // refused like any number that is not an exact integer.
        let message = format!("the JSON {message} and is not an exact integer: write it as a string");
        return Error::new(Code::InexactNumber, path, message);
    }
    Error::new(Code::InvalidJson, path, format!("invalid JSON: {message}"))
}

/// Reads past a value, recording on the way out of an error the path where it happened.
struct Locate<'t> {
    depth: usize,
    trail: &'t mut Vec<String>,
}

impl Locate<'_> {
    fn deeper(&mut self) -> Result<Locate<'_>, Failed> {
        Ok(Locate { depth: deeper(self.depth)?, trail: self.trail })
    }
}

impl Sink for Locate<'_> {
    fn scalar(&mut self, _: Scalar<'_>) {}
    fn map(&mut self, map: &mut dyn Entries<'_>) -> Result<(), Failed> {
        self.deeper()?;
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.key()? {
            let key = key.into_owned();
            let read = match seen.contains(&key) {
                true => Err(Failed(format!("duplicate field `{key}`"))),
                false => map.value(&mut self.deeper()?),
            };
            if read.is_err() {
                self.trail.push(key);
                return read;
            }
            seen.insert(key);
        }
        Ok(())
    }
    fn seq(&mut self, seq: &mut dyn Items) -> Result<(), Failed> {
        for i in 0.. {
            match seq.next(&mut self.deeper()?) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    self.trail.push(format!("[{i}]"));
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// "the catalog has no plan \"standrd\"; did you mean \"standard\"?": the known id closest to
/// `id` (the same but for case, at most two edits away, three for longer ids, or the only one
/// that begins with it), or when none is close and there are a few, all of them ("; it has
/// \"a\", \"b\""). Ids are quoted as they are: the message is data (terminals get it through
/// [`terminal_safe`]).
pub(crate) fn unknown_id<'k>(what: &str, id: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    // Generic only in collecting the ids: one copy of the search for every kind of list.
    unknown_among(what, id, &known.into_iter().take(MAX_SUGGESTION_CANDIDATES + 1).collect::<Vec<_>>())
}

fn unknown_among(what: &str, id: &str, candidates: &[&str]) -> String {
    let mut message = format!("the catalog has no {what} \"{id}\"");
    if candidates.is_empty() || candidates.len() > MAX_SUGGESTION_CANDIDATES {
        return message;
    }
    let allowed = if id.chars().count() >= 10 { 3 } else { 2 };
    let closest = candidates
        .iter()
        .filter_map(|k| {
            let distance = if k.eq_ignore_ascii_case(id) { 0 } else { edit_distance(id, k, allowed)? };
            Some((distance, *k))
        })
        .min()
        .or_else(|| {
            // No id is close, but just one begins with what was given: "nordic-prod".
            let mut starting = candidates.iter().filter(|k| id.len() >= 3 && k.starts_with(id));
            starting.next().filter(|_| starting.next().is_none()).map(|k| (0, *k))
        });
    match closest {
        Some((_, k)) => message.push_str(&format!("; did you mean \"{k}\"?")),
        None if candidates.len() <= 10 => {
            let all: Vec<String> = candidates.iter().map(|k| format!("\"{k}\"")).collect();
            message.push_str(&format!("; it has {}", all.join(", ")));
        }
        None => {}
    }
    message
}

/// Levenshtein distance between `a` and `b` in characters, if it is at most `max` (computed
/// only in a band of `max` either side of the diagonal: O(length x max)).
fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let far = max + 1;
    // row[j]: distance between a[..i] and b[..j]; outside the band it counts as `far`.
    let mut row: Vec<usize> = (0..=b.len()).map(|j| j.min(far)).collect();
    for i in 1..=a.len() {
        let (from, to) = (i.saturating_sub(max).max(1), (i + max).min(b.len()));
        let mut diagonal = row[from - 1];
        row[from - 1] = if from == 1 { i.min(far) } else { far };
        let mut best = row[from - 1];
        for j in from..=to {
            let substitute = diagonal + usize::from(a[i - 1] != b[j - 1]);
            diagonal = row[j];
            row[j] = substitute.min(row[j] + 1).min(row[j - 1] + 1).min(far);
            best = best.min(row[j]);
        }
        if to < b.len() {
            row[to + 1] = far;
        }
        if best > max {
            return None;
        }
    }
    Some(row[b.len()]).filter(|d| *d <= max)
}

/// Whether `c` is a control character (Cc), a format character (Cf: zero-width spaces and
/// joiners, bidirectional overrides, the byte order mark...) or a line or paragraph separator:
/// characters that are invisible, or that a terminal or a text layout acts on.
pub fn is_control_or_format(c: char) -> bool {
    // Most text is ASCII, where only the controls are: the table below is for the rest.
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0001}'
                | '\u{e0020}'..='\u{e007f}'
        )
}

/// `text` with every control and format character (see [`is_control_or_format`]) and every
/// backslash written as an escape (`\n`, `\u{202e}`, `\\`): safe to print on one terminal
/// line whatever an input held.
///
/// # Example
/// ```
/// assert_eq!(ratecard::terminal_safe("a\nb\u{202e}c"), "a\\nb\\u{202e}c");
/// assert_eq!(ratecard::terminal_safe("plain"), "plain");
/// ```
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || is_control_or_format(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_control_or_format(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (a `t`, `z` or a space
/// for `T` are accepted, as RFC 3339 allows). Written out rather than with chrono's format
/// parser, which costs more wasm than the whole pricing engine.
pub(crate) fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-')) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 2)?, num(8, 2)?)?;
    if b.len() == 10 {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    if !(matches!(b.get(10), Some(b'T' | b't' | b' ')) && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let time = date.and_hms_opt(num(11, 2)?, num(14, 2)?, num(17, 2)?)?;
    let mut i = 19;
    let mut nanos = 0u32;
    if sep(i, b'.') {
        let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(i + 1, digits)? * 10u32.pow(9 - digits as u32);
        i += 1 + digits;
    }
    let offset_minutes: i64 = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && sep(i + 3, b':') => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = i64::from(h * 60 + m);
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let local = time.with_nanosecond(nanos)?.and_utc();
    local.checked_sub_signed(chrono::TimeDelta::minutes(offset_minutes))
}

/// `INVALID_DECIMAL` for `s`, shown cut to 40 characters.
fn not_decimal(s: &str) -> Bad {
    let shown: String = s.chars().take(40).collect();
    (
        Code::InvalidDecimal,
        format!("\"{shown}\" is not a decimal number (expected digits with an optional '-' and '.', such as \"12.50\")"),
    )
}

/// Parses a plain decimal string: optional `-`, digits, optional `.digits`. No exponent, no `+`,
/// no white space. `-0` is zero.
pub(crate) fn parse_decimal(s: &str) -> Result<Decimal, Bad> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    // One pass over the bytes, every decimal of every input passes here: digits and at most
    // one '.', the first 18 bytes' digits read in 64 bits on the way (every price and quantity
    // in practice); longer texts are left to rust_decimal, which checks its 28 digits.
    let (mut mantissa, mut point) = (0i64, None);
    for (i, b) in digits.bytes().enumerate() {
        match b {
            b'0'..=b'9' if i < 18 => mantissa = mantissa * 10 + i64::from(b - b'0'),
            b'0'..=b'9' => {}
            b'.' if point.is_none() => point = Some(i),
            _ => return Err(not_decimal(s)),
        }
    }
    // A digit before the point and one after it.
    if digits.is_empty() || point == Some(0) || point == Some(digits.len() - 1) {
        return Err(not_decimal(s));
    }
    if digits.len() <= 18 {
        let scale = point.map_or(0, |p| digits.len() - p - 1) as u32;
        let signed = if digits.len() < s.len() { -mantissa } else { mantissa };
        return Ok(if mantissa == 0 { Decimal::ZERO } else { Decimal::new(signed, scale) });
    }
    let d = Decimal::from_str_exact(s).map_err(|_| {
        (
            Code::DecimalOutOfRange,
            format!(
                "{} digits cannot be represented exactly (at most 28 significant digits, 28 decimal places)",
                digits.len() - 1
            ),
        )
    })?;
    Ok(if d.is_zero() { Decimal::ZERO } else { d })
}

#[cfg(test)]
mod tests {
    use super::*;

    shape!(Probe { upTo: Field<Num>, unitPrice: Field<Num>, tiers: Field<List<Box<Probe>, 2>> });

    fn probe(text: &str) -> (Probe, Problems) {
        let Field::Ok(doc) = read::<Box<Probe>>(&Json(text)).unwrap() else { panic!("{text}") };
        let mut p = Problems::new();
        p.fields(&doc, &At::Root);
        (*doc, p)
    }

    /// Levenshtein distance, the plain way: the banded one must agree within its bound.
    #[cfg(not(target_arch = "wasm32"))]
    fn plain_distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut diagonal = row[0];
            row[0] = i;
            for j in 1..=b.len() {
                let next = (diagonal + usize::from(a[i - 1] != b[j - 1])).min(row[j] + 1).min(row[j - 1] + 1);
                diagonal = row[j];
                row[j] = next;
            }
        }
        row[b.len()]
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn banded_edit_distance_is_levenshtein_within_its_bound(a in "[abc]{0,8}", b in "[abc]{0,8}", max in 0usize..4) {
            let plain = plain_distance(&a, &b);
            proptest::prop_assert_eq!(edit_distance(&a, &b, max), Some(plain).filter(|d| *d <= max));
        }
    }

    #[test]
    fn an_unknown_id_names_the_closest_known_one_or_the_few_there_are() {
        let plans = ["standard", "pro"];
        assert_eq!(
            unknown_id("plan", "standrd", plans),
            "the catalog has no plan \"standrd\"; did you mean \"standard\"?"
        );
        assert_eq!(
            unknown_id("plan", "PRO", plans),
            "the catalog has no plan \"PRO\"; did you mean \"pro\"?"
        );
        assert_eq!(
            unknown_id("plan", "enterprise", plans),
            "the catalog has no plan \"enterprise\"; it has \"standard\", \"pro\""
        );
        // Many ids and none close: no list; past 1,000 ids, no search at all.
        let many: Vec<String> = (0..20).map(|i| format!("plan-{i:03}")).collect();
        assert_eq!(
            unknown_id("plan", "zzz", many.iter().map(String::as_str)),
            "the catalog has no plan \"zzz\""
        );
        let huge: Vec<String> = (0..1_001).map(|i| format!("p{i}")).collect();
        assert_eq!(
            unknown_id("plan", "p1", huge.iter().map(String::as_str)),
            "the catalog has no plan \"p1\""
        );
    }

    #[test]
    fn only_the_first_problems_of_a_call_get_a_suggestion() {
        let mut p = Problems::new();
        for i in 0..25 {
            p.unknown(Code::UnknownPlan, format!("p{i}"), "plan", "standrd", ["standard"]);
        }
        let suggested = p.list.iter().filter(|p| p.message.contains("did you mean")).count();
        assert_eq!(suggested, MAX_SUGGESTED);
    }

    #[test]
    fn problems_past_the_cap_are_counted_and_end_with_one_too_many_problems() {
        let mut p = Problems::new();
        for i in 0..MAX_PROBLEMS + 5 {
            p.add(Code::InvalidValue, &At::Root.key("x").index(i), "no");
        }
        let e = p.into_error().unwrap();
        assert_eq!(e.problems().len(), MAX_PROBLEMS + 1);
        assert_eq!(e.problems()[1].path, "x[1]");
        assert_eq!(e.problems()[MAX_PROBLEMS].code, Code::TooManyProblems);
        assert!(e.problems()[MAX_PROBLEMS].message.contains("5 more"));
    }

    #[test]
    fn decimal_strings_are_strict() {
        assert_eq!(parse_decimal("0.0137").unwrap().to_string(), "0.0137");
        assert_eq!(parse_decimal("-0").unwrap().to_string(), "0");
        assert!(!parse_decimal("-0.00").unwrap().is_sign_negative());
        for bad in ["", "-", ".5", "5.", "1e3", "+1", " 1", "1 ", "NaN", "Infinity", "0x10", "1,5", "١"] {
            assert_eq!(parse_decimal(bad).unwrap_err().0, Code::InvalidDecimal, "{bad:?}");
        }
        let thirty_places = format!("0.{}1", "0".repeat(29));
        assert_eq!(parse_decimal(&thirty_places).unwrap_err().0, Code::DecimalOutOfRange);
        assert_eq!(parse_decimal(&"9".repeat(400)).unwrap_err().0, Code::DecimalOutOfRange);
        for bad in ["-.5", "1.2.3", "--1", "1-", "-"] {
            assert_eq!(parse_decimal(bad).unwrap_err().0, Code::InvalidDecimal, "{bad:?}");
        }
    }

    #[test]
    fn short_decimals_read_in_64_bits_are_what_rust_decimal_reads() {
        // Value and scale both: "12.50" keeps its two places.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..50_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = x.to_string();
            let digits = &digits[..1 + (i as usize % digits.len().min(20))];
            let point = (x >> 50) as usize % (digits.len() + 1);
            let mut text = if point == digits.len() {
                digits.to_string()
            } else {
                format!("{}.{}", &digits[..point.max(1)], &digits[point.max(1)..])
            };
            if text.ends_with('.') {
                text.pop();
            }
            let zeros = ["", "0", "00", "0000000000"][i as usize % 4];
            let sign = if i % 3 == 0 { "-" } else { "" };
            let text = format!("{sign}{zeros}{text}");
            let want = Decimal::from_str_exact(&text).map(|d| if d.is_zero() { Decimal::ZERO } else { d });
            let got = parse_decimal(&text);
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(
                    (w, w.scale(), w.is_sign_negative()),
                    (g, g.scale(), g.is_sign_negative()),
                    "{text}"
                ),
                (Err(_), Err(e)) => assert_eq!(e.0, Code::DecimalOutOfRange, "{text}"),
                (w, g) => panic!("{text}: rust_decimal {w:?}, ours {g:?}"),
            }
        }
    }

    #[test]
    fn json_numbers_only_as_exact_integers() {
        let (doc, _) = probe(r#"{"upTo": 9007199254740991, "unitPrice": 9007199254740992}"#);
        assert!(matches!(doc.upTo, Field::Ok(Num { number: true, .. })));
        assert!(matches!(doc.unitPrice, Field::Bad(Code::InexactNumber, _)));
        for bad in ["1.5", "1e3", "5.0", "-1.0"] {
            let (doc, _) = probe(&format!(r#"{{"upTo": {bad}}}"#));
            assert!(matches!(doc.upTo, Field::Bad(Code::InexactNumber, _)), "{bad}");
        }
        let mut p = Problems::new();
        let (doc, _) = probe(r#"{"upTo": 3}"#);
        assert_eq!(p.req(&doc.upTo, &At::Root.key("upTo"), Problems::money), None);
        assert_eq!(p.list[0].code, Code::InexactNumber);
    }

    #[test]
    fn every_wrong_leaf_is_read_past_and_every_stray_key_is_kept() {
        let (doc, p) = probe(
            r#"{"upto": "1", "unitPrice": [{"deep": [1, 2]}], "tiers": [{}, 7, {"x": 1}, {}], "z": {}}"#,
        );
        let paths: Vec<_> = p.list.iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(paths, [(Code::UnknownField, "upto"), (Code::UnknownField, "z")]);
        assert!(p.list[0].message.contains("did you mean \"upTo\""));
        assert!(matches!(doc.unitPrice, Field::Bad(Code::InvalidType, _)));
        let Field::Ok(tiers) = &doc.tiers else { panic!() };
        assert_eq!((tiers.items.len(), tiers.len), (2, 4), "past the limit, items are counted, not kept");
    }

    #[test]
    fn malformed_text_is_located_by_line_column_and_path() {
        let e = read::<Box<Probe>>(&Json("{\"tiers\": [{},\n {\"upTo\": 1,}]}")).unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::InvalidJson, "tiers[1]"));
        assert!(e.problems()[0].message.contains("line 2 column"), "{e}");
        let e = read::<Box<Probe>>(&Json(&format!("{{\"upTo\": 1{}}}", "0".repeat(400)))).unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::InexactNumber, "upTo"));
        let (doc, _) = probe(r#"{"upTo": "1", "tiers": [], "upTo": "2"}"#);
        assert!(
            matches!(doc.upTo, Field::Bad(Code::DuplicateKey, _)),
            "a repeated key is a problem at its path"
        );
        assert!(matches!(doc.tiers, Field::Ok(_)), "and reading goes on");
        let deep = format!("{{\"upTo\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(read::<Box<Probe>>(&Json(&deep)).unwrap_err().code(), Code::JsonTooDeep);
        for bad in
            ["", "{", "[1,]", "01", "1.", "-", "\"abc", "{\"a\" 1}", "nul", "1 2", "\"\\ud800\"", "\"\t\""]
        {
            assert_eq!(read::<Box<Probe>>(&Json(bad)).unwrap_err().code(), Code::InvalidJson, "{bad:?}");
        }
    }

    #[test]
    fn instants_accept_rfc3339_and_dates_only() {
        let t = parse_instant("2026-01-31T23:00:00+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-31T21:00:00+00:00");
        assert!(parse_instant("2026-02-01").is_some());
        assert_eq!(
            parse_instant("2026-01-31t23:00:00.5-01:30").unwrap().to_rfc3339(),
            "2026-02-01T00:30:00.500+00:00"
        );
        for bad in [
            "2026-13-01",
            "yesterday",
            "2026-1-1",
            "2026-02-30T00:00:00Z",
            "0000-00-00",
            "2026-01-01T00:00:00",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01Z",
            "+2026-01-01",
            "2026-01-01T00:00:00Zjunk",
        ] {
            assert!(parse_instant(bad).is_none(), "{bad}");
            assert_eq!(
                <DateTime<Utc> as Leaf>::from_scalar(Scalar::Str(bad)).unwrap_err().0,
                Code::InvalidDate
            );
        }
    }
}
