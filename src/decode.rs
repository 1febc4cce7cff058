//! Reading typed values out of a parsed [`Value`], collecting every problem with its path.
//!
//! Decoders return `Option<T>`: `None` means "a problem was recorded here", so one pass over an
//! input reports everything that is wrong with it, not just the first thing.

use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::{join_path, Code, Error, Problem};
use crate::json::Value;
use crate::limits::{MAX_ID_LEN, MAX_PROBLEMS};

/// Largest integer a JSON number may hold and still mean the same in JavaScript (2^53 - 1).
const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Problems of one call that get a "did you mean" (see [`Decoder::unknown`]).
const MAX_SUGGESTED: usize = 20;

/// Ids searched for a suggestion: past this many, the message names none (the search is
/// O(ids x id length), and a catalog may hold 100,000 products).
const MAX_SUGGESTION_CANDIDATES: usize = 1_000;

/// "the catalog has no plan \"standrd\"; did you mean \"standard\"?": the known id closest to
/// `id` (the same but for case, at most two edits away, three for longer ids, or the only one
/// that begins with it), or when none is close and there are a few, all of them ("; it has \"a\", \"b\""). Ids are quoted
/// as they are: the message is data (terminals get it through [`terminal_safe`]).
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

/// Collects problems while decoding one input, at most [`MAX_PROBLEMS`] of them: past that,
/// decoding stops descending into the input and the error ends with one `TOO_MANY_PROBLEMS`,
/// so a hostile input cannot make the answer (or the work) larger than its first problems.
#[derive(Default)]
pub(crate) struct Decoder {
    pub(crate) problems: Vec<Problem>,
    /// Problems that were found past the cap and not kept.
    dropped: usize,
}

/// An object being decoded: its members and its path.
pub(crate) struct Obj<'a> {
    members: &'a [(crate::json::Key, Value)],
    path: String,
}

impl<'a> Obj<'a> {
    /// The member `key`; an explicit `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.get_raw(key).filter(|v| **v != Value::Null)
    }

    /// The member `key`, `null` included.
    pub(crate) fn get_raw(&self, key: &str) -> Option<&'a Value> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The path of member `key`.
    pub(crate) fn at(&self, key: &str) -> String {
        join_path(&self.path, key)
    }
}

/// `path[i]`, without the formatting machinery (called for every item of every list).
fn index_path(path: &str, i: usize) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    out.push_str(path);
    out.push('[');
    crate::money::push_integer(i, &mut out);
    out.push(']');
    out
}

/// Which JSON forms a decimal field accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Num {
    /// Prices, rates, amounts: a string only (`"0.0137"`), never a JSON number.
    Money,
    /// Quantities: a string, or a JSON number that is an exact integer.
    Quantity,
}

impl Decoder {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn problem(&mut self, code: Code, path: impl Into<String>, message: impl Into<String>) {
        if self.full() {
            self.dropped += 1;
            return;
        }
        self.problems.push(Problem::new(code, path, message));
    }

    /// An id the catalog does not have (`what`: "product", "plan", ...), with the closest
    /// known id as a suggestion (see [`unknown_id`]). Only the first problems of a call get a
    /// suggestion, so that 10,000 misspelt lines cost 10,000 lookups, not 10,000 searches.
    pub(crate) fn unknown<'k>(
        &mut self,
        code: Code,
        path: impl Into<String>,
        what: &str,
        id: &str,
        known: impl IntoIterator<Item = &'k str>,
    ) {
        let message = match self.problems.len() < MAX_SUGGESTED {
            true => unknown_id(what, id, known),
            false => unknown_id(what, id, []),
        };
        self.problem(code, path, message);
    }

    /// Adds problems found elsewhere (paths already complete), within the cap.
    pub(crate) fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            if self.full() {
                self.dropped += 1;
            } else {
                self.problems.push(p);
            }
        }
    }

    /// Whether the cap is reached: decoders stop looking for more.
    pub(crate) fn full(&self) -> bool {
        self.problems.len() >= MAX_PROBLEMS
    }

    /// Ends decoding: the value if no problem was recorded, otherwise every problem.
    pub(crate) fn finish<T>(mut self, value: Option<T>) -> Result<T, Error> {
        if self.full() {
            self.problems.push(Problem::new(
                Code::TooManyProblems,
                "",
                format!(
                    "the input has at least {MAX_PROBLEMS} problems: the first {MAX_PROBLEMS} are listed and the rest \
                     of the input was not checked ({} more were found on the way)",
                    self.dropped
                ),
            ));
        }
        match (Error::from_problems(self.problems), value) {
            (None, Some(v)) => Ok(v),
            (Some(e), _) => Err(e),
            // A decoder that returns None must have recorded why; keep the promise anyway.
            (None, None) => Err(Error::new(Code::InvalidValue, "", "invalid input")),
        }
    }

    fn wrong_type(&mut self, v: &Value, path: &str, expected: &str) {
        self.problem(Code::InvalidType, path, format!("expected {expected}, found {}", v.kind()));
    }

    /// An object whose keys must all be in `known`; reports each unknown key.
    pub(crate) fn object<'a>(&mut self, v: &'a Value, path: &str, known: &[&str]) -> Option<Obj<'a>> {
        let Value::Object(members) = v else {
            self.wrong_type(v, path, "an object");
            return None;
        };
        if self.full() {
            return None;
        }
        for (k, _) in members {
            if self.full() {
                return None;
            }
            if !known.contains(&k.as_ref()) {
                let hint = known
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(k))
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                self.problem(
                    Code::UnknownField,
                    join_path(path, k),
                    format!("unknown field \"{k}\"{hint}; known fields: {}", known.join(", ")),
                );
            }
        }
        Some(Obj { members, path: path.to_string() })
    }

    /// A required member, decoded by `f`.
    pub(crate) fn req<'a, T>(
        &mut self,
        o: &Obj<'a>,
        key: &str,
        f: impl FnOnce(&mut Self, &'a Value, &str) -> Option<T>,
    ) -> Option<T> {
        match o.get_raw(key) {
            Some(Value::Null) => {
                self.null_given(&o.at(key));
                None
            }
            Some(v) => f(self, v, &o.at(key)),
            None => {
                self.problem(Code::MissingField, o.at(key), format!("\"{key}\" is required"));
                None
            }
        }
    }

    /// `INPUT_TOO_LARGE` (with `message(length)`) for an array longer than `max`: checked before
    /// any of its items is decoded.
    pub(crate) fn too_long(
        &mut self,
        v: &Value,
        path: &str,
        max: usize,
        message: impl FnOnce(usize) -> String,
    ) -> bool {
        match v {
            Value::Array(items) if items.len() > max => {
                self.problem(Code::InputTooLarge, path, message(items.len()));
                true
            }
            _ => false,
        }
    }

    /// Reports a `null` where a value is required.
    pub(crate) fn null_given(&mut self, path: &str) {
        self.problem(
            Code::InvalidType,
            path,
            "expected a value, found null (JavaScript's NaN, Infinity and undefined in arrays arrive as null)",
        );
    }

    /// `DUPLICATE_ID` at `path[i]` for every item that repeats an earlier one (`what`: "region").
    pub(crate) fn repeats<'v>(&mut self, path: &str, items: impl Iterator<Item = &'v str>, what: &str) {
        let mut seen = std::collections::BTreeSet::new();
        for (i, item) in items.enumerate() {
            if !seen.insert(item) {
                self.problem(
                    Code::DuplicateId,
                    index_path(path, i),
                    format!("the {what} \"{item}\" is listed twice"),
                );
            }
        }
    }

    /// An optional member: `Some(None)` when absent or null, `None` when present but invalid.
    pub(crate) fn opt<'a, T>(
        &mut self,
        o: &Obj<'a>,
        key: &str,
        f: impl FnOnce(&mut Self, &'a Value, &str) -> Option<T>,
    ) -> Option<Option<T>> {
        match o.get(key) {
            Some(v) => f(self, v, &o.at(key)).map(Some),
            None => Some(None),
        }
    }

    /// An array, each item decoded by `f` (all items are visited, so all problems are found).
    pub(crate) fn array<'a, T>(
        &mut self,
        v: &'a Value,
        path: &str,
        f: impl FnMut(&mut Self, &'a Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Array(items) = v else {
            self.wrong_type(v, path, "an array");
            return None;
        };
        // Every item is decoded (all problems are found); the list only if every one decoded.
        let len = items.len();
        self.each(v, path, f).filter(|out| out.len() == len)
    }

    /// Like [`Decoder::array`], but keeps the items that decode when others do not (their
    /// problems are recorded), so that checks across items, such as ambiguous rules, still run.
    pub(crate) fn each<'a, T>(
        &mut self,
        v: &'a Value,
        path: &str,
        mut f: impl FnMut(&mut Self, &'a Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Array(items) = v else {
            self.wrong_type(v, path, "an array");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if self.full() {
                return None;
            }
            out.extend(f(self, item, &index_path(path, i)));
        }
        Some(out)
    }

    pub(crate) fn string<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a str> {
        match v {
            Value::String(s) => Some(s),
            _ => {
                self.wrong_type(v, path, "a string");
                None
            }
        }
    }

    /// An identifier: 1 to [`MAX_ID_LEN`] bytes without control, format or combining
    /// characters, so that two ids that look the same are the same id (`café` composed or
    /// decomposed, `small` with a zero-width space) and none can forge a line of output.
    pub(crate) fn id(&mut self, v: &Value, path: &str) -> Option<String> {
        let s = self.string(v, path)?;
        let why = if s.is_empty() || s.len() > MAX_ID_LEN {
            "an id must have 1 to 200 bytes".to_string()
        } else if let Some(c) = s.chars().find(|&c| is_control_or_format(c)) {
            format!("an id cannot hold control or format characters such as U+{:04X}", c as u32)
        } else if let Some(c) = s.chars().find(|&c| is_combining(c)) {
            format!(
                "an id cannot hold combining marks such as U+{:04X}: write accented letters composed (NFC), as one character",
                c as u32
            )
        } else {
            return Some(s.to_string());
        };
        self.problem(Code::InvalidId, path, why);
        None
    }

    pub(crate) fn boolean(&mut self, v: &Value, path: &str) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(v, path, "true or false");
                None
            }
        }
    }

    /// One of a fixed set of strings.
    pub(crate) fn choice<T: Copy>(&mut self, v: &Value, path: &str, options: &[(&str, T)]) -> Option<T> {
        let s = self.string(v, path)?;
        let found = options.iter().find(|(name, _)| *name == s).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<_> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            self.problem(Code::InvalidValue, path, format!("\"{s}\" is not one of {}", names.join(", ")));
        }
        found
    }

    /// An exact decimal; see [`Num`] for the accepted forms.
    pub(crate) fn decimal(&mut self, v: &Value, path: &str, num: Num) -> Option<Decimal> {
        match (v, num) {
            (Value::String(s), _) => match parse_decimal(s) {
                Ok(d) => Some(d),
                Err((code, msg)) => {
                    self.problem(code, path, msg);
                    None
                }
            },
            (Value::Number(n), Num::Quantity) => match exact_integer(n) {
                Some(i) => Some(Decimal::from(i)),
                None => {
                    self.problem(
                        Code::InexactNumber,
                        path,
                        format!(
                            "the JSON number {n} is not an exact integer: write it as a string (\"{n}\")"
                        ),
                    );
                    None
                }
            },
            (Value::Number(n), Num::Money) => {
                self.problem(
                    Code::InexactNumber,
                    path,
                    format!("prices are written as strings (\"{n}\"), never as JSON numbers"),
                );
                None
            }
            _ => {
                self.wrong_type(v, path, "a decimal string");
                None
            }
        }
    }

    /// A decimal that must not be negative.
    pub(crate) fn non_negative(&mut self, v: &Value, path: &str, num: Num) -> Option<Decimal> {
        let d = self.decimal(v, path, num)?;
        if d.is_sign_negative() {
            self.problem(Code::NegativeQuantity, path, format!("{d} is negative"));
            return None;
        }
        Some(d)
    }

    /// A decimal that must be greater than zero.
    pub(crate) fn positive(&mut self, v: &Value, path: &str, num: Num) -> Option<Decimal> {
        let d = self.decimal(v, path, num)?;
        if d <= Decimal::ZERO {
            self.problem(Code::InvalidValue, path, format!("must be greater than zero, found {d}"));
            return None;
        }
        Some(d)
    }

    /// A positive whole count (durations): an integer number or an integer string.
    pub(crate) fn count(&mut self, v: &Value, path: &str) -> Option<u32> {
        let d = self.decimal(v, path, Num::Quantity)?;
        match u32::try_from(d.trunc().mantissa()) {
            Ok(n) if d.fract().is_zero() && d.scale() == 0 && n > 0 => Some(n),
            _ => {
                self.problem(
                    Code::InvalidValue,
                    path,
                    format!("expected a whole number from 1 to 4294967295, found {d}"),
                );
                None
            }
        }
    }

    /// A whole number from 0 to 4294967295 (instance counts): an integer number or string.
    pub(crate) fn whole(&mut self, v: &Value, path: &str) -> Option<u32> {
        let d = self.decimal(v, path, Num::Quantity)?;
        match u32::try_from(d.trunc().mantissa()) {
            Ok(n) if d.fract().is_zero() && d.scale() == 0 => Some(n),
            _ => {
                self.problem(
                    Code::InvalidValue,
                    path,
                    format!("expected a whole number from 0 to 4294967295, found {d}"),
                );
                None
            }
        }
    }

    /// An instant: RFC 3339 (`2026-11-21T10:00:00Z`, any offset) or a date (`2026-11-21`, midnight UTC).
    pub(crate) fn instant(&mut self, v: &Value, path: &str) -> Option<DateTime<Utc>> {
        let s = self.string(v, path)?;
        let parsed = parse_instant(s);
        if parsed.is_none() {
            let shown: String = s.chars().take(40).collect();
            self.problem(
                Code::InvalidDate,
                path,
                format!("\"{shown}\" is not an ISO 8601 timestamp such as 2026-11-21T10:00:00Z or a date such as 2026-11-21"),
            );
        }
        parsed
    }
}

/// Whether `c` is a control character (Cc), a format character (Cf: zero-width spaces and
/// joiners, bidirectional overrides, the byte order mark...) or a line or paragraph separator:
/// characters that are invisible, or that a terminal or a text layout acts on.
pub fn is_control_or_format(c: char) -> bool {
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

/// Whether `c` is a combining mark of the combining diacritical blocks: what decomposed (NFD)
/// text is made of. An id without them is in NFC for every script whose letters compose from
/// these marks (a full NFC check would carry Unicode's composition tables: 125 KB of wasm).
fn is_combining(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
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

/// Parses a plain decimal string: optional `-`, digits, optional `.digits`. No exponent, no `+`,
/// no white space. `-0` is zero.
pub(crate) fn parse_decimal(s: &str) -> Result<Decimal, (Code, String)> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !plain(int) || !plain(frac) {
        let shown: String = s.chars().take(40).collect();
        return Err((
            Code::InvalidDecimal,
            format!("\"{shown}\" is not a decimal number (expected digits with an optional '-' and '.', such as \"12.50\")"),
        ));
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

/// The value of a JSON number literal when it is an integer JavaScript represents exactly.
fn exact_integer(literal: &str) -> Option<i64> {
    let body = literal.strip_prefix('-').unwrap_or(literal);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) || body.len() > 16 {
        return None;
    }
    safe_integer(literal.parse().ok()?)
}

/// `n`, if JavaScript holds it exactly (its magnitude is at most 2^53 - 1).
fn safe_integer(n: i64) -> Option<i64> {
    (n.abs() <= MAX_SAFE_INTEGER).then_some(n)
}

/// A JSON object, and only an object, read into `T` by its derived `Deserialize` (the typed
/// fast paths of orders and arguments): a derived struct would also take an array of its
/// fields in order, which no ratecard input is.
pub(crate) struct Object<T>(pub(crate) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Members<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(Members(PhantomData)).map(Object)
    }
}

/// A quantity as a typed fast path reads it: what [`Decoder::non_negative`] accepts with
/// [`Num::Quantity`] (a decimal string, or a JSON integer up to 2^53 - 1; not negative).
/// Anything else fails the fast path, and the decoder then says what is wrong.
pub(crate) struct Quantity(pub(crate) Decimal);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Amount;
        impl Visitor<'_> for Amount {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Quantity, E> {
                parse_decimal(s)
                    .ok()
                    .filter(|d| !d.is_sign_negative())
                    .map(Quantity)
                    .ok_or_else(|| E::custom("not a quantity"))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Quantity, E> {
                i64::try_from(n)
                    .ok()
                    .and_then(safe_integer)
                    .map(|n| Quantity(Decimal::from(n)))
                    .ok_or_else(|| E::custom("not an exact integer"))
            }
        }
        deserializer.deserialize_any(Amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut d = Decoder::new();
        for i in 0..25 {
            d.unknown(Code::UnknownPlan, format!("p{i}"), "plan", "standrd", ["standard"]);
        }
        let suggested = d.problems.iter().filter(|p| p.message.contains("did you mean")).count();
        assert_eq!(suggested, MAX_SUGGESTED);
    }

    #[test]
    fn decimal_strings_are_strict() {
        assert_eq!(parse_decimal("0.0137").unwrap().to_string(), "0.0137");
        assert_eq!(parse_decimal("-0").unwrap().to_string(), "0");
        assert_eq!(parse_decimal("-0.00").unwrap(), Decimal::ZERO);
        assert!(!parse_decimal("-0.00").unwrap().is_sign_negative());
        for bad in ["", "-", ".5", "5.", "1e3", "+1", " 1", "1 ", "NaN", "Infinity", "0x10", "1,5", "١"] {
            assert_eq!(parse_decimal(bad).unwrap_err().0, Code::InvalidDecimal, "{bad:?}");
        }
        let thirty_places = format!("0.{}1", "0".repeat(29));
        assert_eq!(parse_decimal(&thirty_places).unwrap_err().0, Code::DecimalOutOfRange);
        assert_eq!(parse_decimal(&"9".repeat(400)).unwrap_err().0, Code::DecimalOutOfRange);
    }

    #[test]
    fn json_numbers_only_as_exact_integers() {
        assert_eq!(exact_integer("9007199254740991"), Some(MAX_SAFE_INTEGER));
        assert_eq!(exact_integer("-12"), Some(-12));
        for bad in ["9007199254740992", "1.5", "1e3", "5.0", "-"] {
            assert_eq!(exact_integer(bad), None, "{bad}");
        }
        let mut d = Decoder::new();
        assert!(d.decimal(&Value::Number("3".into()), "q", Num::Money).is_none());
        assert_eq!(d.problems[0].code, Code::InexactNumber);
        assert_eq!(d.decimal(&Value::Number("3".into()), "q", Num::Quantity), Some(Decimal::from(3)));
    }

    #[test]
    fn instants_accept_rfc3339_and_dates_only() {
        let mut d = Decoder::new();
        let t = d.instant(&Value::str("2026-01-31T23:00:00+02:00"), "at").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-31T21:00:00+00:00");
        assert!(d.instant(&Value::str("2026-02-01"), "at").is_some());
        assert_eq!(
            d.instant(&Value::str("2026-01-31t23:00:00.5-01:30"), "at").unwrap().to_rfc3339(),
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
            assert!(d.instant(&Value::str(bad), "at").is_none(), "{bad}");
        }
        assert!(d.problems.iter().all(|p| p.code == Code::InvalidDate));
    }

    #[test]
    fn unknown_fields_name_the_likely_intent() {
        let mut d = Decoder::new();
        let v = crate::json::parse(r#"{"upto":"1"}"#).unwrap();
        d.object(&v, "tiers[0]", &["upTo", "unitPrice"]);
        assert_eq!(d.problems[0].path, "tiers[0].upto");
        assert!(d.problems[0].message.contains("did you mean \"upTo\""));
    }
}
