//! The JSON-in, JSON-out API shared by every runtime.
//!
//! [`call`] is what the wasm module exports, what the CLI runs and what the shared fixtures in
//! `tests/fixtures/` exercise natively, in Node and in Chromium: one function, so the three
//! runtimes cannot drift apart. `args` is a JSON object of named arguments; the result is JSON
//! text, or an [`Error`] whose paths start with the argument's name (`order.lines[0].quantity`).

use crate::decode::Decoder;
use crate::error::{Code, Error};
use crate::json::{self, Value};
use crate::money::{Currency, Rounding};
use crate::tiers::{TierTable, TABLE_FIELDS};

/// Largest JSON input accepted by [`call`], in bytes (16 MiB).
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// The operations [`call`] knows, with their arguments (`?` marks an optional one).
pub const OPERATIONS: &[(&str, &[&str])] = &[
    ("version", &[]),
    ("priceTiers", &["table", "quantity", "currency?"]),
];

/// Runs one operation on JSON arguments and returns its JSON result.
///
/// # Errors
/// `INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`]; `INVALID_JSON`; `INVALID_VALUE` for an unknown
/// operation; `UNKNOWN_FIELD`/`MISSING_FIELD` for arguments; then whatever the operation reports.
///
/// # Example
/// ```
/// let out = ratecard::api::call(
///     "priceTiers",
///     r#"{"table":{"tiers":[{"upTo":null,"unitPrice":"0.10"}]},"quantity":"3","currency":"USD"}"#,
/// ).unwrap();
/// assert!(out.starts_with(r#"{"quantity":"3","blocks":null,"currency":"USD","amount":"0.30""#));
/// ```
pub fn call(op: &str, args: &str) -> Result<String, Error> {
    if args.len() > MAX_INPUT_BYTES {
        return Err(Error::new(
            Code::InputTooLarge,
            "",
            format!(
                "the input is {} bytes; the limit is {MAX_INPUT_BYTES}",
                args.len()
            ),
        ));
    }
    let Some((_, params)) = OPERATIONS.iter().find(|(name, _)| *name == op) else {
        let names: Vec<_> = OPERATIONS.iter().map(|(n, _)| *n).collect();
        return Err(Error::new(
            Code::InvalidValue,
            "",
            format!("unknown operation \"{op}\"; known: {}", names.join(", ")),
        ));
    };
    let value = json::parse(args)?;
    let known: Vec<&str> = params.iter().map(|p| p.trim_end_matches('?')).collect();
    let mut d = Decoder::new();
    if let Some(o) = d.object(&value, "", &known) {
        for p in params.iter().filter(|p| !p.ends_with('?')) {
            if o.get(p).is_none() {
                d.problem(
                    Code::MissingField,
                    *p,
                    format!("the argument \"{p}\" is required"),
                );
            }
        }
    }
    d.finish(Some(()))?;
    let arg = |name: &str| value.get(name).filter(|v| **v != Value::Null);
    let result = match op {
        "version" => Value::str(crate::VERSION),
        "priceTiers" => price_tiers(arg("table"), arg("quantity"), arg("currency"))?,
        _ => unreachable_op(op)?,
    };
    Ok(result.to_json())
}

fn unreachable_op(op: &str) -> Result<Value, Error> {
    Err(Error::new(
        Code::InvalidValue,
        "",
        format!("operation \"{op}\" is listed but not wired"),
    ))
}

fn price_tiers(
    table: Option<&Value>,
    quantity: Option<&Value>,
    currency: Option<&Value>,
) -> Result<Value, Error> {
    let mut d = Decoder::new();
    let table = table
        .and_then(|v| d.object(v, "table", &TABLE_FIELDS))
        .and_then(|o| TierTable::decode(&mut d, &o, false));
    let quantity = quantity.and_then(|v| d.decimal(v, "quantity", crate::decode::Num::Quantity));
    let currency = match currency {
        None => Some(None),
        Some(v) => d
            .string(v, "currency")
            .and_then(|code| match Currency::iso(code) {
                Some(c) => Some(Some(c)),
                None => {
                    d.problem(
                        Code::UnknownCurrency,
                        "currency",
                        format!("\"{code}\" is not an ISO 4217 currency code"),
                    );
                    None
                }
            }),
    };
    let (table, quantity, currency) = d.finish(
        table
            .zip(quantity)
            .zip(currency)
            .map(|((t, q), c)| (t, q, c)),
    )?;
    let price = table.price(quantity).map_err(|e| e.within("quantity"))?;
    price.to_value(currency.as_ref().map(|c| (c, Rounding::HalfUp)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_like_any_input() {
        let e = call("priceTiers", r#"{"tabel":{},"quantity":"1"}"#).unwrap_err();
        let got: Vec<_> = e
            .problems()
            .iter()
            .map(|p| (p.code, p.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [(Code::UnknownField, "tabel"), (Code::MissingField, "table")]
        );
        assert_eq!(call("nope", "{}").unwrap_err().code(), Code::InvalidValue);
        assert_eq!(call("version", "[]").unwrap_err().code(), Code::InvalidType);
        let big = " ".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(
            call("version", &big).unwrap_err().code(),
            Code::InputTooLarge
        );
    }

    #[test]
    fn paths_start_with_the_argument_name() {
        let e = call(
            "priceTiers",
            r#"{"table":{"tiers":[{"upTo":"5","unitPrice":"1"}]},"quantity":"-2"}"#,
        )
        .unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::NegativeQuantity, "quantity"));
        let e = call(
            "priceTiers",
            r#"{"table":{"tiers":[{"upTo":"5","unitPrice":1}]},"quantity":2.5,"currency":"XXY"}"#,
        )
        .unwrap_err();
        let got: Vec<_> = e
            .problems()
            .iter()
            .map(|p| (p.code, p.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Code::InexactNumber, "table.tiers[0].unitPrice"),
                (Code::InexactNumber, "quantity"),
                (Code::UnknownCurrency, "currency")
            ]
        );
    }
}
