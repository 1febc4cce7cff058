//! Answers as JSON text, written directly: the keys of each object are literals joined at
//! compile time (`object!`), a string that needs no escaping (every id is validated at load) is
//! copied as it is, and decimals and instants are formatted once, in place. A quote's answer
//! costs a quarter of what serde_json's serializer spends on it, which writes every key and
//! value through its per-character escaping. Escaping itself stays serde_json's.

use rust_decimal::Decimal;

use crate::error::{Error, Problem};
use crate::money::write_decimal;
use crate::phases::{write_instant, Instant};

/// A value that writes itself as JSON text. Writing fails only where a figure is computed on
/// the way (a sum past the decimal range): `OVERFLOW`.
pub(crate) trait ToJson {
    /// Appends the value's JSON text to `out`.
    fn write_json(&self, out: &mut String) -> Result<(), Error>;
}

/// `value` as JSON text.
pub(crate) fn json_text(value: &(impl ToJson + ?Sized)) -> Result<String, Error> {
    // Most answers fit: one allocation, no regrowth (a quote's is 2.3 KB).
    let mut out = String::with_capacity(4096);
    value.write_json(&mut out)?;
    Ok(out)
}

/// Writes a JSON object with these keys, in this order: `object!(out, { "a": x, "b": y })`.
/// Each key (a literal that needs no escaping) is joined to its punctuation at compile time;
/// each value is a [`ToJson`]. Evaluates to `Ok(())` or the first value's error.
macro_rules! object {
    ($out:expr, { $first:literal : $value:expr $(, $key:literal : $rest:expr)* $(,)? }) => {{
        let out: &mut String = $out;
        out.push_str(concat!("{\"", $first, "\":"));
        $crate::json_text::ToJson::write_json(&$value, out)?;
        $(
            out.push_str(concat!(",\"", $key, "\":"));
            $crate::json_text::ToJson::write_json(&$rest, out)?;
        )*
        out.push('}');
        Ok::<(), $crate::error::Error>(())
    }};
}
pub(crate) use object;

/// Adds `"key": value` as the last member of the object `out` ends with: a member only some
/// answers have (a catalog set's version), without a `null` in every other answer.
pub(crate) fn add_member(out: &mut String, key: &str, value: &(impl ToJson + ?Sized)) -> Result<(), Error> {
    debug_assert!(out.ends_with('}'));
    out.pop();
    if !out.ends_with('{') {
        out.push(',');
    }
    write_str(key, out);
    out.push(':');
    value.write_json(out)?;
    out.push('}');
    Ok(())
}

/// A value written by a closure: what an answer writes with context (the currency's places)
/// or computes on the way. See [`with`].
pub(crate) struct With<F>(F);

/// The value `write` writes.
pub(crate) fn with<F: Fn(&mut String) -> Result<(), Error>>(write: F) -> With<F> {
    With(write)
}

impl<F: Fn(&mut String) -> Result<(), Error>> ToJson for With<F> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        (self.0)(out)
    }
}

/// A list written item by item by a closure given each item's index. See [`list`].
pub(crate) struct List<'a, T, F>(&'a [T], F);

/// The list of `items`, each written by `write` (given its index).
pub(crate) fn list<T, F: Fn(&mut String, usize, &T) -> Result<(), Error>>(
    items: &[T],
    write: F,
) -> List<'_, T, F> {
    List(items, write)
}

impl<T, F: Fn(&mut String, usize, &T) -> Result<(), Error>> ToJson for List<'_, T, F> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        out.push('[');
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            (self.1)(out, i, item)?;
        }
        out.push(']');
        Ok(())
    }
}

/// The bytes serde_json escapes: control characters, `"` and `\\` (one load a byte, where
/// three comparisons cost twice as much).
static ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// A string as JSON: copied as it is unless it holds a quote, a backslash or a control
/// character, the only characters serde_json escapes; then escaped by serde_json.
pub(crate) fn write_str(s: &str, out: &mut String) {
    if s.bytes().any(|b| ESCAPED[usize::from(b)]) {
        // Writing a string cannot fail.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        write_str(self, out);
        Ok(())
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        write_str(self, out);
        Ok(())
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        (**self).write_json(out)
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        match self {
            Some(value) => value.write_json(out),
            None => {
                out.push_str("null");
                Ok(())
            }
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        list(self, |out, _, item| item.write_json(out)).write_json(out)
    }
}

impl<T: ToJson, const N: usize> ToJson for [T; N] {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        self.as_slice().write_json(out)
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        self.as_slice().write_json(out)
    }
}

impl ToJson for usize {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(itoa::Buffer::new().format(*self));
        Ok(())
    }
}

impl ToJson for u32 {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(itoa::Buffer::new().format(*self));
        Ok(())
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
    }
}

/// A decimal as a JSON string, exactly as its `Display` writes it (amounts are never numbers).
impl ToJson for Decimal {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        out.push('"');
        write_decimal(*self, out);
        out.push('"');
        Ok(())
    }
}

/// An instant as a JSON string in RFC 3339 (`"2026-11-21T10:00:00Z"`).
impl ToJson for Instant {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let mut buf = [0u8; 32];
        let len = write_instant(self.0, &mut buf);
        out.push('"');
        // write_instant writes ASCII digits and punctuation only.
        out.push_str(std::str::from_utf8(&buf[..len]).unwrap_or_default());
        out.push('"');
        Ok(())
    }
}

/// `{code, path, message}`.
impl ToJson for Problem {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, { "code": self.code.as_str(), "path": self.path, "message": self.message })
    }
}

// Here rather than beside `Error`: errors are the bottom layer and write no JSON themselves.
impl Error {
    /// The error as JSON text `{code, path, message, problems}`: what every runtime throws.
    ///
    /// ```
    /// let e = ratecard::Catalog::from_json("{").unwrap_err();
    /// assert!(e.to_json().starts_with(r#"{"code":"INVALID_JSON","path":"","message":"#));
    /// ```
    pub fn to_json(&self) -> String {
        // Cannot fail: every field is a string or a list of problems.
        json_text(self).unwrap_or_default()
    }
}

/// `{code, path, message, problems}`: the first problem's code and path, every problem.
impl ToJson for Error {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, {
            "code": self.code().as_str(),
            "path": self.path(),
            "message": self.to_string(),
            "problems": self.problems(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn text(s: &str) -> String {
        let mut out = String::new();
        write_str(s, &mut out);
        out
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        // Every character serde_json treats specially, and some it leaves alone on purpose:
        // DEL, the JavaScript line separators, `/`, `<`, astral and combining characters.
        let cases = [
            "",
            "plain-id",
            "q\"uote",
            "back\\slash",
            "\u{0}",
            "\u{1f}",
            "\n\r\t\u{8}\u{c}",
            "\u{7f}",
            "\u{2028}\u{2029}",
            "</script>",
            "é😀",
            "e\u{301}",
            "\\\"\\",
            "\"",
            "a\u{0}b",
        ];
        for s in cases {
            assert_eq!(text(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn instants_are_strings_without_trailing_zeros() {
        let at = "2026-11-21T10:00:00.250Z".parse().unwrap();
        assert_eq!(json_text(&Instant(at)).unwrap(), "\"2026-11-21T10:00:00.25Z\"");
    }

    #[test]
    fn objects_lists_and_options_are_punctuated_like_serde_json() -> Result<(), Error> {
        let mut out = String::new();
        let list = [1usize, 2];
        let none: Option<&str> = None;
        object!(&mut out, {
            "a": list.as_slice(),
            "b": none,
            "c": Some("x"),
            "d": true,
            "e": with(|out| object!(out, { "f": Vec::<usize>::new() })),
        })?;
        let expected = serde_json::json!({"a": [1, 2], "b": null, "c": "x", "d": true, "e": {"f": []}});
        assert_eq!(out, serde_json::to_string(&expected).unwrap());
        Ok(())
    }
}

// proptest is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::tests::text;
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(s in any::<String>()) {
            prop_assert_eq!(text(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn any_decimal_is_written_as_its_display(m in any::<i64>(), scale in 0u32..=28) {
            let d = Decimal::new(m, scale);
            let mut out = String::new();
            d.write_json(&mut out).unwrap();
            prop_assert_eq!(out, format!("\"{d}\""));
        }
    }
}
