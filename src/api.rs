//! The JSON-in, JSON-out API shared by every runtime.
//!
//! [`call`] is what the wasm module exports, what the CLI runs and what the shared fixtures in
//! `tests/fixtures/` exercise natively, in Node and in Chromium: one function, so the three
//! runtimes cannot drift apart. `args` is a JSON object of named arguments; the result is JSON
//! text, or an [`Error`] whose paths start with the argument's name (`order.lines[0].quantity`).
//! Problems inside a catalog keep paths relative to the catalog, as `validateCatalog` reports
//! them, under an `INVALID_CATALOG` error at path `catalog`.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use serde_json::value::RawValue;

use crate::catalog::Environment;
use crate::decode::{Decoder, Num, Object};
use crate::error::{join_path, Code, Error};
use crate::invoice::{invoice_within, verify_invoice_within, InvoiceRequest, TrustedCustomer};
use crate::json::{self, ObjectBuilder, Value};
use crate::limits::{
    check_output, output_too_large, Budget, MAX_BATCH_ITEMS, MAX_OUTPUT_BYTES, MAX_PRICED_LINES,
};
use crate::money::{Currency, Money, Rounding};
use crate::order::{Order, OrderText, Trusted};
use crate::quote::{differences, differences_value, price_matrix, quote_within, Detail, MatrixOptions};
use crate::tiers::{TierTable, TABLE_FIELDS};
use rust_decimal::Decimal;

pub use crate::limits::MAX_INPUT_BYTES;

/// An operation that needs no catalog, or validates one without failing on it: JSON text out.
type Operation = fn(&Args<'_>) -> Result<String, Error>;
/// An operation on a loaded catalog (its `catalog` argument, or a [`call_loaded`] catalog).
type CatalogOperation = fn(&Catalog, &Args<'_>) -> Result<String, Error>;

/// The operations [`call`] knows, with their arguments (`?` marks an optional one). Those with
/// a `catalog` argument also run on a loaded catalog through [`call_loaded`].
pub const OPERATIONS: &[(&str, &[&str])] = &[
    ("version", &[]),
    ("priceTiers", &["table", "quantity", "currency?"]),
    ("validateCatalog", &["catalog"]),
    ("quote", &["catalog", "order"]),
    ("quoteSummary", &["catalog", "order"]),
    ("priceMatrix", &["catalog", "options?"]),
    ("verifyQuote", &["catalog", "order", "quote", "trusted?"]),
    ("planMargins", &["catalog", "planType", "instances?"]),
    ("partnerMargins", &["catalog", "partner", "instances?"]),
    ("checkAssignment", &["catalog", "request"]),
    ("publicCatalog", &["catalog"]),
    ("quoteMany", &["catalog", "orders"]),
    ("verifyMany", &["catalog", "checks"]),
    ("invoice", &["catalog", "request"]),
    ("verifyInvoice", &["catalog", "request", "invoice", "trusted?"]),
    ("verifyInvoiceMany", &["catalog", "checks"]),
];

enum Run {
    Plain(Operation),
    WithCatalog(CatalogOperation),
}

fn operation(op: &str) -> Option<Run> {
    Some(match op {
        "version" => Run::Plain(|_| Ok(Value::str(crate::VERSION).to_json())),
        "priceTiers" => Run::Plain(price_tiers),
        "validateCatalog" => Run::Plain(|a| Ok(Catalog::validate_value(a.get("catalog")).to_json())),
        "quote" => Run::WithCatalog(|c, a| quote_with(c, a.get("order"), Detail::Full)),
        "quoteSummary" => Run::WithCatalog(|c, a| quote_with(c, a.get("order"), Detail::Summary)),
        "priceMatrix" => Run::WithCatalog(|c, a| Ok(matrix_with(c, a.get("options"))?.to_json())),
        "verifyQuote" => Run::WithCatalog(|c, a| {
            let check = Check {
                order: sent_order(c, a.get("order"))?,
                quote: Received::Parsed(a.get("quote")),
                trusted: a.get("trusted"),
            };
            Ok(verify_with(c, check, &mut Budget::default())?.to_json())
        }),
        "planMargins" => Run::WithCatalog(plan_margins),
        "partnerMargins" => Run::WithCatalog(partner_margins),
        "checkAssignment" => Run::WithCatalog(check_assignment),
        "publicCatalog" => Run::WithCatalog(|c, _| Ok(c.public_view().to_json())),
        "quoteMany" => Run::WithCatalog(|c, a| {
            each(a.get("orders"), "orders", None, |order, budget| quote_value(c, order, Detail::Full, budget))
        }),
        "verifyMany" => Run::WithCatalog(|c, a| {
            each(a.get("checks"), "checks", Some("order"), |check, budget| {
                let mut d = Decoder::new();
                d.object(check, "", &["order", "quote", "trusted"]);
                d.finish(Some(()))?;
                let field = |k| check.get(k).unwrap_or(&Value::Null);
                let check = Check {
                    order: sent_order(c, field("order"))?,
                    quote: Received::Parsed(field("quote")),
                    trusted: field("trusted"),
                };
                Ok(verify_with(c, check, budget)?.to_json())
            })
        }),
        "invoice" => Run::WithCatalog(|c, a| {
            let request = InvoiceRequest::from_value(c, a.get("request")).map_err(|e| e.within("request"))?;
            invoice_within(c, &request, &mut Budget::default()).map_err(|e| e.within("request"))?.to_json()
        }),
        "verifyInvoice" => Run::WithCatalog(|c, a| {
            let check = InvoiceCheck {
                request: a.get("request"),
                invoice: a.get("invoice"),
                trusted: a.get("trusted"),
            };
            Ok(check_invoice(c, check, &mut Budget::default())?.to_json())
        }),
        "verifyInvoiceMany" => Run::WithCatalog(|c, a| {
            each(a.get("checks"), "checks", None, |check, budget| {
                let mut d = Decoder::new();
                d.object(check, "", &["request", "invoice", "trusted"]);
                d.finish(Some(()))?;
                let field = |k| check.get(k).unwrap_or(&Value::Null);
                let check = InvoiceCheck {
                    request: field("request"),
                    invoice: field("invoice"),
                    trusted: field("trusted"),
                };
                Ok(check_invoice(c, check, budget)?.to_json())
            })
        }),
        _ => return None,
    })
}

/// One invoice verification's arguments: the request, the invoice a browser sent, and what
/// the server trusts of the customer (`Null` for nothing).
struct InvoiceCheck<'a> {
    request: &'a Value,
    invoice: &'a Value,
    trusted: &'a Value,
}

/// Verifies a received invoice against the request it bills, with the trusted customer's
/// fields in place: `{ok, differences}` (paths under `request` for what the trusted fields
/// corrected, under `invoice` for the invoice; the request's errors under `request`).
fn check_invoice(catalog: &Catalog, check: InvoiceCheck<'_>, budget: &mut Budget) -> Result<Value, Error> {
    let (request, trusted_differences) = trusted_request(catalog, check.request, check.trusted)?;
    let diffs =
        verify_invoice_within(catalog, &request, check.invoice, budget).map_err(|e| e.within("request"))?;
    Ok(differences_value(&[("request", &trusted_differences), ("invoice", &diffs)]))
}

/// The request a browser sent, checked, with the trusted customer's fields in place.
fn trusted_request(
    catalog: &Catalog,
    request: &Value,
    trusted: &Value,
) -> Result<(InvoiceRequest, Vec<crate::order::Difference>), Error> {
    let request = InvoiceRequest::from_value(catalog, request).map_err(|e| e.within("request"))?;
    Ok(match trusted {
        Value::Null => (request, Vec::new()),
        v => TrustedCustomer::from_value(catalog, v).map_err(|e| e.within("trusted"))?.apply(&request),
    })
}

/// Checked arguments of one call.
struct Args<'a>(&'a Value);

impl Args<'_> {
    /// The argument, `Null` when absent.
    fn get(&self, name: &str) -> &Value {
        self.0.get(name).unwrap_or(&Value::Null)
    }
}

/// A catalog's problems, under one `INVALID_CATALOG` error at path `catalog` that counts them
/// and quotes the first (so the error's text counts no other).
pub(crate) fn invalid_catalog(e: Error) -> Error {
    let message = match e.problems() {
        [only] => format!("the catalog has 1 problem: {only}"),
        all => format!("the catalog has {} problems; the first: {}", all.len(), all[0]),
    };
    let mut problems = vec![crate::error::Problem::new(Code::InvalidCatalog, "catalog", message)];
    problems.extend(e.problems().iter().cloned());
    Error::from_problems(problems).unwrap_or(e)
}

/// Runs one operation on JSON arguments and returns its JSON result.
///
/// # Errors
/// `INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`]; `INVALID_JSON`; `INVALID_VALUE` for an unknown
/// operation; `UNKNOWN_FIELD`/`MISSING_FIELD` for arguments; `INVALID_CATALOG` with every
/// problem of a bad catalog; then whatever the operation reports.
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
    let (run, params) = find(op)?;
    let mut value = parse_input(args)?;
    check_args(&value, params, false)?;
    let out = match run {
        Run::Plain(f) => f(&Args(&value)),
        Run::WithCatalog(f) => {
            // The catalog moves out of the arguments into the loaded catalog: no copy.
            let catalog = Catalog::from_value(value.take("catalog")).map_err(invalid_catalog)?;
            f(&catalog, &Args(&value))
        }
    };
    check_output(out?)
}

/// Runs one operation that takes a catalog on an already loaded `catalog`; `args` are its other
/// arguments (no `catalog`). This is how a catalog is parsed and validated once for many calls.
///
/// # Errors
/// As [`call`]; `INVALID_VALUE` for an operation that takes no catalog.
///
/// # Example
/// ```
/// let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let out = ratecard::api::call_loaded(&catalog, "planMargins", r#"{"planType":"acme-production-110"}"#).unwrap();
/// assert!(out.contains(r#""profit":"36.00""#));
/// ```
pub fn call_loaded(catalog: &Catalog, op: &str, args: &str) -> Result<String, Error> {
    // Fast paths for the calls a server makes most, on plainly valid arguments; anything else
    // takes the general path below, which reports every problem.
    if args.len() <= MAX_INPUT_BYTES {
        let detail = match op {
            "quote" => Some(Detail::Full),
            "quoteSummary" => Some(Detail::Summary),
            _ => None,
        };
        if let Some((detail, order)) = detail.and_then(|d| Some((d, quote_args(catalog, args)?))) {
            let answer = priced(catalog, &order, detail, &mut Budget::default());
            return check_output(answer.map_err(|e| e.within("order"))?);
        }
        if op == "verifyInvoice" {
            if let Some(answer) = verify_invoice_text(catalog, args) {
                return check_output(answer?);
            }
        }
        if op == "verifyQuote" {
            if let Some(check) = unparsed_check(args) {
                if let Some(order) = check.order.0.checked(catalog) {
                    return check_output(verify_unparsed(catalog, order, check.quote, check.trusted)?);
                }
            }
        }
    }
    let (run, params) = find(op)?;
    let Run::WithCatalog(f) = run else {
        return Err(Error::new(Code::InvalidValue, "", format!("\"{op}\" does not run on a loaded catalog")));
    };
    let value = parse_input(args)?;
    check_args(&value, params, true)?;
    check_output(f(catalog, &Args(&value))?)
}

fn find(op: &str) -> Result<(Run, &'static [&'static str]), Error> {
    match (operation(op), OPERATIONS.iter().find(|(name, _)| *name == op)) {
        (Some(run), Some((_, params))) => Ok((run, params)),
        _ => {
            let names: Vec<_> = OPERATIONS.iter().map(|(n, _)| *n).collect();
            Err(Error::new(
                Code::InvalidValue,
                "",
                format!("unknown operation \"{op}\"; known: {}", names.join(", ")),
            ))
        }
    }
}

/// Unknown, missing and null arguments; `loaded` leaves `catalog` out of the parameters.
fn check_args(value: &Value, params: &[&str], loaded: bool) -> Result<(), Error> {
    let params: Vec<&str> = params.iter().copied().filter(|p| !(loaded && *p == "catalog")).collect();
    let known: Vec<&str> = params.iter().map(|p| p.trim_end_matches('?')).collect();
    let mut d = Decoder::new();
    if let Some(o) = d.object(value, "", &known) {
        for p in params.iter().filter(|p| !p.ends_with('?')) {
            match o.get_raw(p) {
                None => d.problem(Code::MissingField, *p, format!("the argument \"{p}\" is required")),
                Some(Value::Null) => d.null_given(p),
                Some(_) => {}
            }
        }
    }
    d.finish(Some(()))
}

/// Parses one JSON input no larger than [`MAX_INPUT_BYTES`].
///
/// # Errors
/// `INPUT_TOO_LARGE`, or the parser's errors.
pub fn parse_input(text: &str) -> Result<Value, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::new(
            Code::InputTooLarge,
            "",
            format!("the input is {} bytes; the limit is {MAX_INPUT_BYTES}", text.len()),
        ));
    }
    json::parse(text)
}

/// Prices an order with a loaded catalog: the quote's JSON text (error paths start with `order`).
pub(crate) fn quote_with(catalog: &Catalog, order: &Value, detail: Detail) -> Result<String, Error> {
    quote_value(catalog, order, detail, &mut Budget::default()).map_err(|e| e.within("order"))
}

/// Prices an order: the quote's JSON text, error paths relative to the order.
fn quote_value(
    catalog: &Catalog,
    order: &Value,
    detail: Detail,
    budget: &mut Budget,
) -> Result<String, Error> {
    priced(catalog, &Order::from_value(catalog, order)?, detail, budget)
}

/// Prices a checked order: the quote's JSON text, in full or its summary (error paths
/// relative to the order).
fn priced(catalog: &Catalog, order: &Order, detail: Detail, budget: &mut Budget) -> Result<String, Error> {
    let quote = quote_within(catalog, order, detail, budget)?;
    match detail {
        Detail::Full => quote.to_json(),
        Detail::Summary => quote.summary_json(),
    }
}

/// quote's arguments, read by serde straight into an [`Order`] when they are plainly valid
/// (see [`crate::order::OrderText`]); `None` otherwise.
fn quote_args(catalog: &Catalog, args: &str) -> Option<Order> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct QuoteArgs<'a> {
        #[serde(borrow)]
        order: Object<OrderText<'a>>,
    }
    let Object(QuoteArgs { order: Object(order) }) = serde_json::from_str(args).ok()?;
    order.checked(catalog)
}

/// The price matrix with a loaded catalog.
pub(crate) fn matrix_with(catalog: &Catalog, options: &Value) -> Result<Value, Error> {
    let options = match options {
        Value::Null => MatrixOptions::default(),
        v => MatrixOptions::decode(catalog, v).map_err(|e| e.within("options"))?,
    };
    price_matrix(catalog, &options).map_err(|e| e.within("options"))
}

/// One verification's arguments: the browser's order and quote, and what the server trusts.
struct Check<'a> {
    order: Order,
    quote: Received<'a>,
    trusted: &'a Value,
}

/// The quote a browser sent: parsed, or still JSON text.
enum Received<'a> {
    Parsed(&'a Value),
    Text(&'a str),
}

/// Verifies a received quote with a loaded catalog: `{ok, differences}`. With a trusted
/// instant the quote is recomputed at the server's instant and written with the instant the
/// browser priced at, so that an honest quote made a little earlier is the very same text
/// (SPEC 7); its age is checked first. A received summary (`quoteSummary`'s answer) is
/// compared with the recomputed summary.
fn verify_with(catalog: &Catalog, check: Check<'_>, budget: &mut Budget) -> Result<Value, Error> {
    let sent_at = check.order.at;
    let trusted = match check.trusted {
        Value::Null => Trusted::default(),
        v => Trusted::from_value(catalog, v).map_err(|e| e.within("trusted"))?,
    };
    trusted.check_age(sent_at, "order.at")?;
    let (order, trusted_differences) = trusted.apply(&check.order);
    let mut quote = quote_within(catalog, &order, Detail::Full, budget).map_err(|e| e.within("order"))?;
    quote.at = sent_at;
    let full = quote.to_json()?;
    let compare = |received: &Value| {
        if is_summary(received) {
            differences(&quote.summary_json()?, received)
        } else {
            differences(&full, received)
        }
    };
    let diffs = match check.quote {
        // An untouched quote is the very text the engine writes: equal without a parse.
        Received::Text(text) if text == full => Vec::new(),
        Received::Text(text) => compare(&json::parse_argument(text).map_err(|e| e.within("quote"))?)?,
        Received::Parsed(received) => compare(received)?,
    };
    Ok(differences_value(&[("order", &trusted_differences), ("quote", &diffs)]))
}

/// Whether a received quote is a summary: its lines hold only amounts (no line has a `kind`,
/// which every full line has).
fn is_summary(received: &Value) -> bool {
    matches!(received.get("lines"), Some(Value::Array(lines))
        if !lines.is_empty() && lines.iter().all(|l| matches!(l, Value::Object(_)) && l.get("kind").is_none()))
}

/// verifyQuote's arguments with the received quote left as text, and the order read typed.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UnparsedCheck<'a> {
    #[serde(borrow)]
    order: Object<OrderText<'a>>,
    #[serde(borrow)]
    quote: &'a RawValue,
    #[serde(borrow, default)]
    trusted: Option<&'a RawValue>,
}

/// verifyQuote's arguments split without parsing the received quote, which is then compared
/// as text (an untouched quote is the very text the engine writes, as `JSON.stringify` gives
/// it): a verification costs a quote and a comparison. `None` when the arguments are not
/// plainly well-formed (an unknown or repeated argument, a null quote): the general path then
/// reports every problem.
fn unparsed_check(args: &str) -> Option<UnparsedCheck<'_>> {
    let Object(check) = serde_json::from_str::<Object<UnparsedCheck<'_>>>(args).ok()?;
    Some(check).filter(|c| c.quote.get() != "null")
}

/// verifyQuote on arguments split by [`unparsed_check`], its order checked: the trusted fields
/// are parsed, the received quote is compared as text first.
fn verify_unparsed(
    catalog: &Catalog,
    order: Order,
    quote: &RawValue,
    trusted: Option<&RawValue>,
) -> Result<String, Error> {
    let trusted = match trusted {
        Some(raw) => json::parse_argument(raw.get()).map_err(|e| e.within("trusted"))?,
        None => Value::Null,
    };
    let check = Check { order, quote: Received::Text(quote.get()), trusted: &trusted };
    Ok(verify_with(catalog, check, &mut Budget::default())?.to_json())
}

/// verifyInvoice with the received invoice compared as text first: an untouched invoice is the
/// very text the engine writes, so a verification costs an invoice and a comparison. `None`
/// when the arguments are not plainly well-formed (the general path then reports every problem).
fn verify_invoice_text(catalog: &Catalog, args: &str) -> Option<Result<String, Error>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Arguments<'a> {
        #[serde(borrow)]
        request: &'a RawValue,
        #[serde(borrow)]
        invoice: &'a RawValue,
        #[serde(borrow, default)]
        trusted: Option<&'a RawValue>,
    }
    let Object(a) = serde_json::from_str::<Object<Arguments<'_>>>(args).ok()?;
    if a.request.get() == "null" || a.invoice.get() == "null" || a.trusted.is_some_and(|t| t.get() == "null")
    {
        return None;
    }
    let answer = (|| {
        let request = json::parse_argument(a.request.get()).map_err(|e| e.within("request"))?;
        let trusted = match a.trusted {
            Some(raw) => json::parse_argument(raw.get()).map_err(|e| e.within("trusted"))?,
            None => Value::Null,
        };
        let (request, trusted_differences) = trusted_request(catalog, &request, &trusted)?;
        let expected = invoice_within(catalog, &request, &mut Budget::default())
            .and_then(|i| i.to_json())
            .map_err(|e| e.within("request"))?;
        let diffs = if a.invoice.get() == expected {
            Vec::new()
        } else {
            let received = json::parse_argument(a.invoice.get()).map_err(|e| e.within("invoice"))?;
            differences(&expected, &received)?
        };
        Ok(differences_value(&[("request", &trusted_differences), ("invoice", &diffs)]).to_json())
    })();
    Some(answer)
}

/// The order a browser sent, checked against the catalog (error paths start with `order`).
fn sent_order(catalog: &Catalog, order: &Value) -> Result<Order, Error> {
    Order::from_value(catalog, order).map_err(|e| e.within("order"))
}

/// Runs `f` on every item of the array `list` (argument `name`): its result, or `{"error": ...}`
/// with the item's problems, so that one bad item does not hide the answers for the others.
/// The items share one [`Budget`]; past [`MAX_BATCH_ITEMS`] items, [`MAX_PRICED_LINES`] order
/// lines in all (counted up front in each item, or in its member `order`), or an answer too
/// large, the whole call is refused.
fn each(
    list: &Value,
    name: &str,
    order: Option<&str>,
    mut f: impl FnMut(&Value, &mut Budget) -> Result<String, Error>,
) -> Result<String, Error> {
    let Value::Array(items) = list else {
        return Err(Error::new(Code::InvalidType, name, format!("expected an array, found {}", list.kind())));
    };
    if items.len() > MAX_BATCH_ITEMS {
        return Err(Error::new(
            Code::InputTooLarge,
            name,
            format!("{} items; one call takes at most {MAX_BATCH_ITEMS}", items.len()),
        ));
    }
    let lines: usize = items
        .iter()
        .filter_map(|item| match order.map_or(Some(item), |key| item.get(key))?.get("lines")? {
            Value::Array(lines) => Some(lines.len()),
            _ => None,
        })
        .sum();
    if lines > MAX_PRICED_LINES {
        return Err(Error::new(
            Code::InputTooLarge,
            name,
            format!("{lines} order lines in all; one call prices at most {MAX_PRICED_LINES}"),
        ));
    }
    let mut budget = Budget::default();
    // The answers are JSON text already: joined, not parsed and written again.
    let mut out = String::with_capacity(4096);
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match f(item, &mut budget) {
            Ok(text) => out.push_str(&text),
            Err(e) if e.code() == Code::OutputTooLarge => return Err(e.within(name)),
            Err(e) => {
                out.push_str("{\"error\":");
                out.push_str(&json::text(&e.within(&format!("{name}[{i}]")))?);
                out.push('}');
            }
        }
        if out.len() > MAX_OUTPUT_BYTES {
            return Err(output_too_large(name, &format!("more than {MAX_OUTPUT_BYTES} bytes of answers")));
        }
    }
    out.push(']');
    Ok(out)
}

fn price_tiers(a: &Args<'_>) -> Result<String, Error> {
    let mut d = Decoder::new();
    let pricer = TablePricer::decode(&mut d, a.get("table"), a.get("currency"));
    let quantity = d.decimal(a.get("quantity"), "quantity", Num::Quantity);
    let (pricer, quantity) = d.finish(pricer.zip(quantity))?;
    pricer.price_json(quantity)
}

/// A tier table loaded once, with an optional currency, for many prices: what an order form
/// uses on every keystroke, and what `priceTiers` runs once.
///
/// # Example
/// ```
/// let storage = ratecard::api::TablePricer::from_json(
///     r#"{"mode":"graduated","tiers":[{"upTo":"100","unitPrice":"0.10"},{"upTo":null,"unitPrice":"0.08"}]}"#,
///     Some("USD"),
/// ).unwrap();
/// assert_eq!(storage.amount("250").unwrap(), "22.00");
/// assert_eq!(storage.amounts("0\n100\n250").unwrap(), "0.00\n10.00\n22.00");
/// ```
#[derive(Debug, Clone)]
pub struct TablePricer {
    table: TierTable,
    currency: Option<Currency>,
}

impl TablePricer {
    /// Loads a tier table (JSON text) and an optional ISO 4217 currency to round to.
    ///
    /// # Errors
    /// Every problem of the table (paths start with `table`), `UNKNOWN_CURRENCY` at `currency`.
    pub fn from_json(table: &str, currency: Option<&str>) -> Result<TablePricer, Error> {
        let table = parse_input(table).map_err(|e| e.within("table"))?;
        let currency = currency.map_or(Value::Null, Value::str);
        let mut d = Decoder::new();
        let pricer = TablePricer::decode(&mut d, &table, &currency);
        d.finish(pricer)
    }

    fn decode(d: &mut Decoder, table: &Value, currency: &Value) -> Option<TablePricer> {
        let table = d.object(table, "table", &TABLE_FIELDS).and_then(|o| TierTable::decode(d, &o, false));
        let currency = match currency {
            Value::Null => Some(None),
            v => d.string(v, "currency").and_then(|code| match Currency::iso(code) {
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
        Some(TablePricer { table: table?, currency: currency? })
    }

    fn price_json(&self, quantity: Decimal) -> Result<String, Error> {
        let price = self.table.price(quantity).map_err(|e| e.within("quantity"))?;
        price.to_json(self.currency.as_ref().map(|c| (c, Rounding::HalfUp)))
    }

    /// The price of `quantity` (decimal text) explained tier by tier, as JSON: what
    /// `priceTiers` returns.
    ///
    /// # Errors
    /// `INVALID_DECIMAL`, `NEGATIVE_QUANTITY`, `QUANTITY_ABOVE_LAST_TIER`, `OVERFLOW` at `quantity`.
    pub fn price(&self, quantity: &str) -> Result<String, Error> {
        self.price_json(quantity_text(quantity).map_err(|e| e.within("quantity"))?)
    }

    /// Just the amount for `quantity` (decimal text): rounded to the currency when there is
    /// one, exact otherwise.
    ///
    /// # Errors
    /// As [`TablePricer::price`].
    pub fn amount(&self, quantity: &str) -> Result<String, Error> {
        self.amount_of(quantity).map_err(|e| e.within("quantity"))
    }

    /// The amounts for many quantities in one call: quantities and amounts separated by `\n`.
    ///
    /// # Errors
    /// As [`TablePricer::price`], at `quantities[i]`; `INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`].
    pub fn amounts(&self, quantities: &str) -> Result<String, Error> {
        if quantities.len() > MAX_INPUT_BYTES {
            return Err(Error::new(
                Code::InputTooLarge,
                "quantities",
                format!("more than {MAX_INPUT_BYTES} bytes"),
            ));
        }
        let mut out = String::with_capacity(quantities.len() + quantities.len() / 2);
        for (i, q) in quantities.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            // The path is only written when there is an error to report.
            out.push_str(&self.amount_of(q).map_err(|e| e.within(&format!("quantities[{i}]")))?);
        }
        Ok(out)
    }

    /// The amount of one quantity; error paths are relative to it.
    fn amount_of(&self, quantity: &str) -> Result<String, Error> {
        let exact = self.table.amount(quantity_text(quantity)?)?;
        Ok(match &self.currency {
            Some(c) => Money::round(exact, c, Rounding::HalfUp)?.amount_text(),
            None => crate::tiers::plain(exact),
        })
    }
}

/// A quantity written as decimal text.
fn quantity_text(text: &str) -> Result<Decimal, Error> {
    crate::decode::parse_decimal(text).map_err(|(code, message)| Error::new(code, "", message))
}

fn plan_margins(catalog: &Catalog, a: &Args<'_>) -> Result<String, Error> {
    let mut d = Decoder::new();
    let plan_type = d.id(a.get("planType"), "planType");
    let instances = match a.get("instances") {
        Value::Null => Some(1),
        v => d.whole(v, "instances"),
    };
    let (plan_type, instances) = d.finish(plan_type.zip(instances))?;
    Ok(catalog.plan_margins(&plan_type, instances)?.to_value()?.to_json())
}

fn partner_margins(catalog: &Catalog, a: &Args<'_>) -> Result<String, Error> {
    let mut d = Decoder::new();
    let partner = d.id(a.get("partner"), "partner");
    let instances = match a.get("instances") {
        Value::Null => Some(BTreeMap::new()),
        Value::Object(members) => {
            let mut counts = BTreeMap::new();
            for (id, n) in members {
                if let Some(count) = d.whole(n, &join_path("instances", id)) {
                    counts.insert(id.to_string(), count);
                }
            }
            (counts.len() == members.len()).then_some(counts)
        }
        v => d.object(v, "instances", &[]).and(None),
    };
    let (partner, instances) = d.finish(partner.zip(instances))?;
    Ok(catalog.partner_margins(&partner, &instances)?.to_value()?.to_json())
}

fn check_assignment(catalog: &Catalog, a: &Args<'_>) -> Result<String, Error> {
    let mut d = Decoder::new();
    let request = d.object(a.get("request"), "request", &["planType", "instance"]).and_then(|o| {
        let plan_type = d.req(&o, "planType", |d, v, p| d.id(v, p));
        let instance = d.req(&o, "instance", |d, v, p| {
            let i = d.object(v, p, &["id", "owner", "environment"])?;
            let _id = d.opt(&i, "id", |d, v, p| d.id(v, p));
            let owner = d.req(&i, "owner", |d, v, p| d.id(v, p));
            let environment = d.req(&i, "environment", |d, v, p| d.choice(v, p, &Environment::ALL));
            owner.zip(environment)
        });
        plan_type.zip(instance)
    });
    let (plan_type, (owner, environment)) = d.finish(request)?;
    let reasons =
        catalog.check_assignment(&plan_type, &owner, environment).map_err(|e| e.within("request"))?;
    Ok(ObjectBuilder::new()
        .put("allowed", reasons.is_empty())
        .put("reasons", reasons.iter().map(Value::from).collect::<Vec<_>>())
        .build()
        .to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_operation_is_wired() {
        for (name, _) in OPERATIONS {
            assert!(operation(name).is_some(), "{name}");
        }
    }

    #[test]
    fn arguments_are_checked_like_any_input() {
        let e = call("priceTiers", r#"{"tabel":{},"quantity":"1"}"#).unwrap_err();
        let got: Vec<_> = e.problems().iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(got, [(Code::UnknownField, "tabel"), (Code::MissingField, "table")]);
        assert_eq!(call("nope", "{}").unwrap_err().code(), Code::InvalidValue);
        assert_eq!(call("version", "[]").unwrap_err().code(), Code::InvalidType);
        let big = " ".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(call("version", &big).unwrap_err().code(), Code::InputTooLarge);
    }

    #[test]
    fn paths_start_with_the_argument_name() {
        let e = call("priceTiers", r#"{"table":{"tiers":[{"upTo":"5","unitPrice":"1"}]},"quantity":"-2"}"#)
            .unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::NegativeQuantity, "quantity"));
        let e = call(
            "priceTiers",
            r#"{"table":{"tiers":[{"upTo":"5","unitPrice":1}]},"quantity":2.5,"currency":"XXY"}"#,
        )
        .unwrap_err();
        let got: Vec<_> = e.problems().iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (Code::InexactNumber, "table.tiers[0].unitPrice"),
                (Code::UnknownCurrency, "currency"),
                (Code::InexactNumber, "quantity")
            ]
        );
    }

    #[test]
    fn a_bad_catalog_is_one_error_carrying_every_problem() {
        let e = call("quote", r#"{"catalog":{"currencies":["USD"],"plans":[{"id":"a"}]},"order":{}}"#)
            .unwrap_err();
        let got: Vec<_> = e.problems().iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (Code::InvalidCatalog, "catalog"),
                (Code::MissingField, "defaultCurrency"),
                (Code::MissingField, "plans[0].name"),
            ]
        );
        // Its text counts the catalog's problems once, not its own summary among them.
        let text = e.to_string();
        assert!(text.starts_with("catalog: INVALID_CATALOG: the catalog has 2 problems; the first: defaultCurrency: MISSING_FIELD: "), "{text}");
        assert!(!text.contains("more problem"), "{text}");
        let one = call("quote", r#"{"catalog":{"currencies":["USD"]},"order":{}}"#).unwrap_err().to_string();
        assert!(
            one.starts_with("catalog: INVALID_CATALOG: the catalog has 1 problem: defaultCurrency: "),
            "{one}"
        );
    }
}
