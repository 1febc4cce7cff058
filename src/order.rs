//! Orders: what a customer buys or uses, and at what instant (SPEC section 4), read from JSON and
//! checked against a catalog; and the fields a server trusts more than a browser.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::{Catalog, Plan, Product, ProductKind};
use serde::Deserialize;

use crate::decode::{parse_instant, Decoder, Num, Object, Quantity};
use crate::error::{Code, Error};
use crate::json::Value;
use crate::limits::MAX_ORDER_LINES;
use crate::money::Currency;
use crate::phases::instant_text;

/// The customer an order is for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    /// Plan id; the catalog's default plan when absent.
    pub plan: Option<String>,
    /// Currency code; the catalog's default currency when absent.
    pub currency: Option<String>,
    /// Region of lines that name none.
    pub region: Option<String>,
    /// Start of billing (first order, or set by an administrator); the order's `at` when absent.
    pub billing_start: Option<DateTime<Utc>>,
}

impl Customer {
    /// The customer's plan, or the catalog's default plan.
    pub(crate) fn plan_in<'c>(&self, catalog: &'c Catalog) -> Result<&'c Plan, Error> {
        match &self.plan {
            Some(id) => catalog.plan(id),
            None => catalog.default_plan(),
        }
        .ok_or_else(|| {
            Error::new(
                Code::NoDefaultPlan,
                "customer.plan",
                "the customer has no plan and the catalog has no default plan",
            )
        })
    }

    /// The customer's currency, or the catalog's default currency.
    pub(crate) fn currency_in<'c>(&self, catalog: &'c Catalog) -> &'c Currency {
        self.currency.as_deref().and_then(|code| catalog.currency(code)).unwrap_or(catalog.default_currency())
    }
}

/// How much of a product a line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// A quantity (packages, or measured usage of a metered product).
    Quantity(Decimal),
    /// A cumulative meter reading, and the previous one for aggregated products.
    Reading {
        /// The current reading.
        reading: Decimal,
        /// The previous reading, if any.
        previous: Option<Decimal>,
    },
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// Product id.
    pub product: String,
    /// Region; the customer's when absent.
    pub region: Option<String>,
    /// Quantity or reading.
    pub amount: Amount,
}

/// An order to price at an instant.
///
/// # Example
/// ```
/// use ratecard::{Catalog, Order};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let order = Order::from_json(&catalog, r#"{"at": "2026-11-21T00:00:00Z",
///     "customer": {"region": "us-east"}, "lines": [{"product": "medium", "quantity": 1}]}"#).unwrap();
/// assert_eq!(order.lines.len(), 1);
/// let err = Order::from_json(&catalog, r#"{"at": "yesterday", "lines": [{"product": "huge", "quantity": 1}]}"#)
///     .unwrap_err();
/// let paths: Vec<_> = err.problems().iter().map(|p| p.path.as_str()).collect();
/// assert_eq!(paths, ["at", "lines[0].product"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The instant priced.
    pub at: DateTime<Utc>,
    /// Who it is for.
    pub customer: Customer,
    /// What is ordered or used.
    pub lines: Vec<OrderLine>,
    /// Refuse to price anything at zero for lack of a rule (`NO_PRICE_RULE` becomes an error).
    pub strict: bool,
}

impl Order {
    /// Parses an order and checks it against the catalog.
    ///
    /// # Errors
    /// Every problem at once, with paths relative to the order (`lines[2].quantity`).
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<Order, Error> {
        if let Some(order) = Order::read(catalog, text) {
            return Ok(order);
        }
        Order::from_value(catalog, &crate::json::parse(text)?)
    }

    pub(crate) fn from_value(catalog: &Catalog, value: &Value) -> Result<Order, Error> {
        let mut d = Decoder::new();
        let order = decode_order(&mut d, value, catalog);
        d.finish(order)
    }
}

fn decode_order(d: &mut Decoder, value: &Value, catalog: &Catalog) -> Option<Order> {
    let o = d.object(value, "", &["at", "customer", "lines", "strict"])?;
    let at = d.req(&o, "at", |d, v, p| d.instant(v, p));
    let region_ok = |d: &mut Decoder, v: &Value, p: &str| known_region(d, v, p, catalog);
    let customer = d.opt(&o, "customer", |d, v, p| decode_customer(d, v, p, catalog));
    let lines = d.req(&o, "lines", |d, v, p| {
        if d.too_long(v, p, MAX_ORDER_LINES, |n| format!("{n} lines; at most {MAX_ORDER_LINES}")) {
            return None;
        }
        d.array(v, p, |d, v, p| decode_line(d, v, p, catalog, &region_ok))
    });
    let strict = d.opt(&o, "strict", |d, v, p| d.boolean(v, p));
    Some(Order {
        at: at?,
        customer: customer?.unwrap_or_default(),
        lines: lines?,
        strict: strict?.unwrap_or(false),
    })
}

/// A product id the catalog has: the product.
pub(crate) fn known_product<'c>(
    d: &mut Decoder,
    v: &Value,
    path: &str,
    catalog: &'c Catalog,
) -> Option<&'c Product> {
    let id = d.string(v, path)?;
    let found = catalog.product(id);
    if found.is_none() {
        d.unknown(
            Code::UnknownProduct,
            path,
            "product",
            id,
            catalog.products().iter().map(|p| p.id.as_str()),
        );
    }
    found
}

/// A region id the catalog has.
pub(crate) fn known_region(d: &mut Decoder, v: &Value, path: &str, catalog: &Catalog) -> Option<String> {
    let r = d.string(v, path)?;
    if !catalog.has_region(r) {
        d.unknown(Code::UnknownRegion, path, "region", r, catalog.regions().iter().map(|r| r.id.as_str()));
        return None;
    }
    Some(r.to_string())
}

/// `{plan?, currency?, region?, billingStart?}`, each checked against the catalog.
pub(crate) fn decode_customer(d: &mut Decoder, v: &Value, path: &str, catalog: &Catalog) -> Option<Customer> {
    let c = d.object(v, path, &["plan", "currency", "region", "billingStart"])?;
    let plan = d.opt(&c, "plan", |d, v, p| {
        let id = d.string(v, p)?;
        if catalog.plan(id).is_none() {
            d.unknown(Code::UnknownPlan, p, "plan", id, catalog.plans().iter().map(|p| p.id.as_str()));
            return None;
        }
        Some(id.to_string())
    });
    let currency = d.opt(&c, "currency", |d, v, p| {
        let code = d.string(v, p)?;
        if catalog.currency(code).is_none() {
            d.unknown(
                Code::UnknownCurrency,
                p,
                "currency",
                code,
                catalog.currencies().iter().map(|c| c.code()),
            );
            return None;
        }
        Some(code.to_string())
    });
    let region = d.opt(&c, "region", |d, v, p| known_region(d, v, p, catalog));
    let billing_start = d.opt(&c, "billingStart", |d, v, p| d.instant(v, p));
    Some(Customer { plan: plan?, currency: currency?, region: region?, billing_start: billing_start? })
}

/// What a server knows about an order better than the browser that sent it: the instant it
/// charges at, and the customer's plan, currency, region and billing start, as its own records
/// say. [`Trusted::apply`] puts them into the browser's order before a quote is recomputed, so
/// a browser cannot move its billing start back into the trial and verify a free quote.
///
/// The server's instant is not compared with the order's: an honest quote made seconds or
/// minutes before the server checks it is recomputed at the server's instant and verifies when
/// every amount, line, phase and timeline entry still matches. A quote older than
/// `maxAgeSeconds` (default [`Trusted::DEFAULT_MAX_AGE_SECONDS`]) is `QUOTE_EXPIRED`; one later
/// than the server's instant by more than [`Trusted::CLOCK_SKEW_SECONDS`], `QUOTE_FROM_FUTURE`.
///
/// # Example
/// ```
/// use ratecard::{Catalog, Order, Trusted};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let sent = Order::from_json(&catalog, r#"{"at": "2027-01-01T00:00:00Z",
///     "customer": {"billingStart": "2026-12-31T00:00:00Z"}, "lines": [{"product": "small", "quantity": 1}]}"#).unwrap();
/// let trusted = Trusted::from_json(&catalog, r#"{"at": "2027-01-01T00:00:40Z",
///     "customer": {"billingStart": "2026-11-01T00:00:00Z"}}"#).unwrap();
/// let (order, differences) = trusted.apply(&sent);
/// assert_eq!(differences.len(), 1); // the instants differ by 40 s: no difference by itself
/// assert_eq!(differences[0].path, "customer.billingStart");
/// assert_eq!(order.customer.billing_start, trusted.customer.billing_start);
/// assert_eq!(order.at, trusted.at.unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trusted {
    /// The instant the server charges at (its clock), when given.
    pub at: Option<DateTime<Utc>>,
    /// How old a quote may be at `at`, in seconds; [`Trusted::DEFAULT_MAX_AGE_SECONDS`] when `None`.
    pub max_age_seconds: Option<u64>,
    /// The customer's fields the server sets; those left `None` are taken from the order.
    pub customer: Customer,
}

impl Trusted {
    /// How old a quote may be when the server checks it, unless `maxAgeSeconds` says otherwise.
    pub const DEFAULT_MAX_AGE_SECONDS: u64 = 3600;
    /// How far a browser's clock may run ahead of the server's.
    pub const CLOCK_SKEW_SECONDS: i64 = 60;

    /// Parses `{at?, maxAgeSeconds?, customer?: {plan?, currency?, region?, billingStart?}}` and
    /// checks it against the catalog.
    ///
    /// # Errors
    /// Every problem at once, with paths relative to it.
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<Trusted, Error> {
        Trusted::from_value(catalog, &crate::json::parse(text)?)
    }

    pub(crate) fn from_value(catalog: &Catalog, value: &Value) -> Result<Trusted, Error> {
        let mut d = Decoder::new();
        let trusted = d.object(value, "", &["at", "maxAgeSeconds", "customer"]).and_then(|o| {
            let at = d.opt(&o, "at", |d, v, p| d.instant(v, p));
            let max_age = d.opt(&o, "maxAgeSeconds", |d, v, p| d.count(v, p));
            let customer = d.opt(&o, "customer", |d, v, p| decode_customer(d, v, p, catalog));
            Some(Trusted {
                at: at?,
                max_age_seconds: max_age?.map(u64::from),
                customer: customer?.unwrap_or_default(),
            })
        });
        d.finish(trusted)
    }

    /// The order with the trusted fields in place, and each place where the order said
    /// otherwise (paths relative to the order). A trusted region also replaces the region of
    /// every line that names another one. The order's instant becomes the server's, without a
    /// difference: see [`Trusted::check_age`].
    pub fn apply(&self, order: &Order) -> (Order, Vec<Difference>) {
        let mut out = order.clone();
        let (customer, mut differences) = self.customer.apply_to(&order.customer, "customer");
        let regions = out.lines.iter_mut().map(|l| &mut l.region);
        self.customer.replace_regions("lines", regions, &mut differences);
        out.at = self.at.unwrap_or(order.at);
        out.customer = customer;
        // A customer who starts with this order starts when the browser priced it (never
        // after the server's instant), not seconds later when the server checks it.
        if out.customer.billing_start.is_none() && self.at.is_some() {
            out.customer.billing_start = Some(order.at.min(out.at));
        }
        (out, differences)
    }

    /// `QUOTE_EXPIRED` (at `path`) for a quote made at `made` more than `maxAgeSeconds` before
    /// the server's instant, `QUOTE_FROM_FUTURE` for one more than
    /// [`Trusted::CLOCK_SKEW_SECONDS`] after it; nothing without a trusted instant.
    ///
    /// # Errors
    /// As above.
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, Trusted};
    /// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let trusted = Trusted::from_json(&catalog, r#"{"at": "2026-12-02T12:00:00Z"}"#).unwrap();
    /// let at = |t: &str| t.parse().unwrap();
    /// assert!(trusted.check_age(at("2026-12-02T11:59:58Z"), "order.at").is_ok());
    /// assert_eq!(trusted.check_age(at("2026-12-02T10:59:59Z"), "order.at").unwrap_err().code().as_str(), "QUOTE_EXPIRED");
    /// assert_eq!(trusted.check_age(at("2026-12-02T12:01:01Z"), "order.at").unwrap_err().code().as_str(), "QUOTE_FROM_FUTURE");
    /// ```
    pub fn check_age(&self, made: DateTime<Utc>, path: &str) -> Result<(), Error> {
        let Some(now) = self.at else { return Ok(()) };
        let max_age = self.max_age_seconds.unwrap_or(Self::DEFAULT_MAX_AGE_SECONDS);
        let age = (now - made).num_seconds();
        if age > 0 && age.unsigned_abs() > max_age {
            return Err(Error::new(
                Code::QuoteExpired,
                path,
                format!(
                    "the quote was made at {}, {age} s before the server's instant {}; it may be at most {max_age} s old",
                    instant_text(made),
                    instant_text(now)
                ),
            ));
        }
        if -age > Self::CLOCK_SKEW_SECONDS {
            return Err(Error::new(
                Code::QuoteFromFuture,
                path,
                format!(
                    "the quote is dated {}, {} s after the server's instant {}; a clock may run at most {} s ahead",
                    instant_text(made),
                    -age,
                    instant_text(now),
                    Self::CLOCK_SKEW_SECONDS
                ),
            ));
        }
        Ok(())
    }
}

impl Customer {
    /// Where this customer's trusted region replaces another region an entry of `list` names
    /// (order lines, invoice items): the entry's region is cleared, so the customer's applies,
    /// and reported at `list[i].region`.
    pub(crate) fn replace_regions<'a>(
        &self,
        list: &str,
        regions: impl Iterator<Item = &'a mut Option<String>>,
        differences: &mut Vec<Difference>,
    ) {
        let Some(trusted) = &self.region else { return };
        for (i, region) in regions.enumerate() {
            if region.as_ref().is_some_and(|r| r != trusted) {
                differences.push(Difference {
                    path: format!("{list}[{i}].region"),
                    expected: Some(Value::str(trusted)),
                    received: region.as_deref().map(Value::str),
                });
                *region = None;
            }
        }
    }

    /// `sent` with each field this one sets in place, and each place where `sent` said
    /// otherwise (paths under `path`).
    pub(crate) fn apply_to(&self, sent: &Customer, path: &str) -> (Customer, Vec<Difference>) {
        let mut differences = Vec::new();
        let mut field = |key: &str, trusted: Option<Value>, received: Option<Value>| {
            if trusted.is_some() && trusted != received {
                differences.push(Difference { path: format!("{path}.{key}"), expected: trusted, received });
            }
        };
        let text = |s: &Option<String>| s.as_deref().map(Value::str);
        let instant = |t: Option<DateTime<Utc>>| t.map(|t| Value::str(instant_text(t)));
        field("plan", text(&self.plan), text(&sent.plan));
        field("currency", text(&self.currency), text(&sent.currency));
        field("region", text(&self.region), text(&sent.region));
        field("billingStart", instant(self.billing_start), instant(sent.billing_start));
        let keep = |trusted: &Option<String>, sent: &Option<String>| trusted.clone().or_else(|| sent.clone());
        let customer = Customer {
            plan: keep(&self.plan, &sent.plan),
            currency: keep(&self.currency, &sent.currency),
            region: keep(&self.region, &sent.region),
            billing_start: self.billing_start.or(sent.billing_start),
        };
        (customer, differences)
    }
}

fn decode_line(
    d: &mut Decoder,
    v: &Value,
    path: &str,
    catalog: &Catalog,
    region_ok: &dyn Fn(&mut Decoder, &Value, &str) -> Option<String>,
) -> Option<OrderLine> {
    let o = d.object(v, path, &["product", "region", "quantity", "reading", "previousReading"])?;
    let product = d.req(&o, "product", |d, v, p| known_product(d, v, p, catalog));
    let region = d.opt(&o, "region", region_ok);
    let quantity = d.opt(&o, "quantity", |d, v, p| d.non_negative(v, p, Num::Quantity));
    let reading = d.opt(&o, "reading", |d, v, p| d.non_negative(v, p, Num::Quantity));
    let previous = d.opt(&o, "previousReading", |d, v, p| d.non_negative(v, p, Num::Quantity));
    let (quantity, reading, previous) = (quantity?, reading?, previous?);
    let amount = match line_amount(product.map(|p| &p.kind), quantity, reading, previous) {
        Ok(amount) => amount,
        Err((code, field, message)) => {
            d.problem(code, field.map_or_else(|| path.to_string(), |f| o.at(f)), message);
            return None;
        }
    };
    Some(OrderLine { product: product?.id.clone(), region: region?, amount })
}

/// One difference between a received quote and the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Path in the quote (`lines[0].amount`).
    pub path: String,
    /// The recomputed value (`None`: the received quote has a value that should not be there).
    pub expected: Option<Value>,
    /// The received value (`None`: missing).
    pub received: Option<Value>,
}

/// What a line is for: a quantity, or a reading (with an optional previous one) of a metered
/// product. Otherwise the code, the field at fault (`None`: the line) and why.
fn line_amount(
    kind: Option<&ProductKind>,
    quantity: Option<Decimal>,
    reading: Option<Decimal>,
    previous: Option<Decimal>,
) -> Result<Amount, (Code, Option<&'static str>, &'static str)> {
    match (quantity, reading, previous) {
        (Some(q), None, None) => Ok(Amount::Quantity(q)),
        (None, Some(reading), previous) => match kind {
            Some(ProductKind::Package(_)) => Err((
                Code::NotMetered,
                Some("reading"),
                "readings are for metered products; give a package a quantity",
            )),
            Some(ProductKind::Metered(m)) if previous.is_some() && !m.aggregated => Err((
                Code::NotAggregated,
                Some("previousReading"),
                "a previous reading is for aggregated products (counters such as bandwidth); \
                 this product bills its reading as it is",
            )),
            _ => Ok(Amount::Reading { reading, previous }),
        },
        _ => Err((
            Code::MissingField,
            None,
            "give either \"quantity\", or \"reading\" (with an optional \"previousReading\")",
        )),
    }
}

/// An order as its JSON text spells it, read by serde with strings borrowed from the text: the
/// fast path for orders that are plainly valid. It is stricter than the decoder (a string
/// with an escape, a repeated key, anything out of place fails it), never looser: whatever it
/// accepts, the decoder accepts as the same [`Order`] (`tests/order.rs` holds the two to that),
/// and whatever it refuses goes to the decoder, which reports every problem with its path.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderText<'a> {
    #[serde(borrow)]
    at: &'a str,
    #[serde(borrow, default)]
    customer: Option<Object<CustomerText<'a>>>,
    #[serde(borrow)]
    lines: Vec<Object<LineText<'a>>>,
    #[serde(default)]
    strict: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CustomerText<'a> {
    #[serde(borrow, default)]
    plan: Option<&'a str>,
    #[serde(borrow, default)]
    currency: Option<&'a str>,
    #[serde(borrow, default)]
    region: Option<&'a str>,
    #[serde(borrow, default)]
    billing_start: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LineText<'a> {
    #[serde(borrow)]
    product: &'a str,
    #[serde(borrow, default)]
    region: Option<&'a str>,
    #[serde(default)]
    quantity: Option<Quantity>,
    #[serde(default)]
    reading: Option<Quantity>,
    #[serde(default)]
    previous_reading: Option<Quantity>,
}

impl Order {
    /// The typed fast path: the order, if `text` is one that is plainly valid for the catalog;
    /// `None` at its first problem of any kind.
    pub(crate) fn read(catalog: &Catalog, text: &str) -> Option<Order> {
        let Object(order) = serde_json::from_str::<Object<OrderText<'_>>>(text).ok()?;
        order.checked(catalog)
    }
}

impl OrderText<'_> {
    /// The order, if it is valid for the catalog; `None` at its first problem.
    pub(crate) fn checked(self, catalog: &Catalog) -> Option<Order> {
        if self.lines.len() > MAX_ORDER_LINES {
            return None;
        }
        let region = |r: Option<&str>| match r {
            Some(r) => catalog.has_region(r).then(|| Some(r.to_string())),
            None => Some(None),
        };
        let instant = |t: Option<&str>| match t {
            Some(t) => parse_instant(t).map(Some),
            None => Some(None),
        };
        let customer = match self.customer {
            Some(Object(c)) => Customer {
                plan: match c.plan {
                    Some(id) => Some(catalog.plan(id)?.id.clone()),
                    None => None,
                },
                currency: match c.currency {
                    Some(code) => Some(catalog.currency(code)?.code().to_string()),
                    None => None,
                },
                region: region(c.region)?,
                billing_start: instant(c.billing_start)?,
            },
            None => Customer::default(),
        };
        let mut lines = Vec::with_capacity(self.lines.len());
        for Object(line) in self.lines {
            let product = catalog.product(line.product)?;
            let amount = line_amount(
                Some(&product.kind),
                line.quantity.map(|q| q.0),
                line.reading.map(|q| q.0),
                line.previous_reading.map(|q| q.0),
            )
            .ok()?;
            lines.push(OrderLine { product: product.id.clone(), region: region(line.region)?, amount });
        }
        Some(Order { at: parse_instant(self.at)?, customer, lines, strict: self.strict.unwrap_or(false) })
    }
}

// proptest is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn demo() -> Catalog {
        Catalog::from_json(crate::DEMO_CATALOG).unwrap()
    }

    /// Both readers of `text`: the typed fast path, and the decoder over the parsed tree.
    fn both(catalog: &Catalog, text: &str) -> (Option<Order>, Result<Order, Error>) {
        let decoded = crate::json::parse(text).and_then(|v| Order::from_value(catalog, &v));
        (Order::read(catalog, text), decoded)
    }

    /// A JSON value for an order's field: valid ones, and every kind of wrong one.
    fn value() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            r#""2026-11-05T00:00:00Z""#,
            r#""2026-11-05""#,
            r#""2026-02-30""#,
            r#""medium""#,
            r#""storage""#,
            r#""bandwidth""#,
            r#""\u0073mall""#,
            r#""huge""#,
            r#""us-east""#,
            r#""mars""#,
            r#""USD""#,
            r#""XXX""#,
            r#""pro""#,
            r#""10""#,
            r#""0.5""#,
            r#""-3""#,
            r#""1e3""#,
            r#""-0""#,
            "1",
            "0",
            "-1",
            "1.5",
            "1e3",
            "9007199254740991",
            "9007199254740992",
            "null",
            "true",
            "[]",
            "{}",
            r#"["2026-11-05T00:00:00Z"]"#,
        ])
        .prop_map(str::to_string)
    }

    /// A member `"key":value` for each present field, and at times one out of place.
    fn object(members: Vec<(&'static str, Option<String>)>, stray: Option<(&'static str, String)>) -> String {
        let mut out: Vec<String> =
            members.into_iter().filter_map(|(k, v)| Some(format!("\"{k}\":{}", v?))).collect();
        if let Some((k, v)) = stray {
            out.insert(out.len() / 2, format!("\"{k}\":{v}"));
        }
        format!("{{{}}}", out.join(","))
    }

    /// Mostly one of `valid`, at times any value at all.
    fn field(valid: &'static [&'static str]) -> BoxedStrategy<String> {
        prop_oneof![6 => prop::sample::select(valid).prop_map(str::to_string), 1 => value()].boxed()
    }

    fn maybe<T: Strategy>(s: T) -> impl Strategy<Value = Option<T::Value>> {
        prop::option::weighted(0.5, s)
    }

    /// Now and then a member that should not be there (unknown, misspelled, repeated).
    fn stray(keys: &'static [&'static str]) -> impl Strategy<Value = Option<(&'static str, String)>> {
        prop::option::weighted(0.15, (prop::sample::select(keys), value()))
    }

    fn line() -> impl Strategy<Value = String> {
        let products = &["\"medium\"", "\"storage\"", "\"bandwidth\"", "\"cpu\"", "\"backup\""];
        let quantities = &["1", "\"250\"", "\"0.5\"", "0", "\"1800\""];
        (
            field(products),
            maybe(field(&["\"us-east\"", "\"eu-west\""])),
            maybe(field(quantities)),
            maybe(field(quantities)),
            maybe(field(quantities)),
            stray(&["product", "quantity", "Quantity", "extra"]),
        )
            .prop_map(|(product, region, quantity, reading, previous, stray)| {
                let members = vec![
                    ("product", Some(product)),
                    ("region", region),
                    ("quantity", quantity),
                    ("reading", reading),
                    ("previousReading", previous),
                ];
                object(members, stray)
            })
    }

    fn order() -> impl Strategy<Value = String> {
        let customer = (
            maybe(field(&["\"standard\"", "\"pro\""])),
            maybe(field(&["\"USD\"", "\"JPY\""])),
            maybe(field(&["\"us-east\"", "\"ap-tokyo\""])),
            maybe(field(&["\"2026-11-01T00:00:00Z\"", "\"2026-11-01\""])),
            stray(&["plan", "name"]),
        )
            .prop_map(|(plan, currency, region, start, stray)| {
                let members =
                    vec![("plan", plan), ("currency", currency), ("region", region), ("billingStart", start)];
                object(members, stray)
            });
        let lines = prop::collection::vec(line(), 0..4).prop_map(|l| format!("[{}]", l.join(",")));
        (
            field(&["\"2026-11-05T00:00:00Z\"", "\"2026-12-20\""]),
            maybe(prop_oneof![4 => customer, 1 => value()]),
            prop_oneof![6 => lines, 1 => value()],
            maybe(field(&["true", "false"])),
            stray(&["at", "lines", "extra", "Lines"]),
        )
            .prop_map(|(at, customer, lines, strict, stray)| {
                let members = vec![
                    ("at", Some(at)),
                    ("customer", customer),
                    ("lines", Some(lines)),
                    ("strict", strict),
                ];
                object(members, stray)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The fast path is never looser than the decoder: what it accepts, the decoder
        /// accepts as the same order.
        #[test]
        fn the_fast_path_agrees_with_the_decoder(text in order()) {
            let catalog = demo();
            if let (Some(fast), decoded) = both(&catalog, &text) {
                prop_assert_eq!(Ok(fast), decoded, "{}", text);
            }
        }
    }

    #[test]
    fn the_fast_path_takes_valid_orders_and_nothing_else() {
        let catalog = demo();
        let valid = [
            r#"{"at":"2026-11-05T00:00:00Z","customer":{"region":"us-east","currency":"USD","billingStart":"2026-11-01T00:00:00Z"},"lines":[{"product":"medium","quantity":1},{"product":"storage","quantity":"250"},{"product":"bandwidth","reading":"1800","previousReading":"300"}]}"#,
            r#"{"at":"2026-11-05","customer":{"plan":"pro"},"lines":[],"strict":true}"#,
            r#"{"at":"2026-11-05T00:00:00Z","customer":null,"lines":[{"product":"cpu","region":"eu-west","quantity":"0.5","reading":null}],"strict":null}"#,
        ];
        for text in valid {
            let (fast, decoded) = both(&catalog, text);
            assert_eq!(fast.as_ref(), Some(decoded.as_ref().unwrap()), "{text}");
        }
        // Valid, but spelled so that only the decoder reads it.
        let escaped = r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"\u0073mall","quantity":1}]}"#;
        assert_eq!(both(&catalog, escaped).0, None);
        assert!(Order::from_json(&catalog, escaped).is_ok());
        let invalid = [
            r#"["2026-11-05T00:00:00Z", null, []]"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[["medium", null, 1]]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","at":"2026-11-06T00:00:00Z","lines":[]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"medium","quantity":1.0}]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"medium","quantity":9007199254740992}]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"medium","quantity":"-1"}]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"medium","reading":"1"}]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"cpu","reading":"2","previousReading":"1"}]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[{"product":"cpu"}]}"#,
            r#"{"at":"2026-11-05T00:00:00Z","lines":[],"customer":{"plan":"gold"}}"#,
        ];
        for text in invalid {
            let (fast, decoded) = both(&catalog, text);
            assert_eq!(fast, None, "{text}");
            assert!(decoded.is_err(), "{text}");
        }
    }
}
