//! Orders: what a customer buys or uses, and at what instant (SPEC section 4), read from JSON and
//! checked against a catalog; and the fields a server trusts more than a browser.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::{Catalog, ProductKind};
use crate::decode::{Decoder, Num};
use crate::error::{Code, Error};
use crate::json::Value;
use crate::limits::MAX_ORDER_LINES;
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
        if let Value::Array(items) = v {
            if items.len() > MAX_ORDER_LINES {
                d.problem(
                    Code::InputTooLarge,
                    p,
                    format!("{} lines; at most {MAX_ORDER_LINES}", items.len()),
                );
                return None;
            }
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

/// A region id the catalog has.
fn known_region(d: &mut Decoder, v: &Value, path: &str, catalog: &Catalog) -> Option<String> {
    let r = d.string(v, path)?;
    if !catalog.has_region(r) {
        d.problem(Code::UnknownRegion, path, format!("the catalog has no region \"{r}\""));
        return None;
    }
    Some(r.to_string())
}

/// `{plan?, currency?, region?, billingStart?}`, each checked against the catalog.
fn decode_customer(d: &mut Decoder, v: &Value, path: &str, catalog: &Catalog) -> Option<Customer> {
    let c = d.object(v, path, &["plan", "currency", "region", "billingStart"])?;
    let plan = d.opt(&c, "plan", |d, v, p| {
        let id = d.string(v, p)?;
        if catalog.plan(id).is_none() {
            d.problem(Code::UnknownPlan, p, format!("the catalog has no plan \"{id}\""));
            return None;
        }
        Some(id.to_string())
    });
    let currency = d.opt(&c, "currency", |d, v, p| {
        let code = d.string(v, p)?;
        if catalog.currency(code).is_none() {
            d.problem(Code::UnknownCurrency, p, format!("the catalog has no currency \"{code}\""));
            return None;
        }
        Some(code.to_string())
    });
    let region = d.opt(&c, "region", |d, v, p| known_region(d, v, p, catalog));
    let billing_start = d.opt(&c, "billingStart", |d, v, p| d.instant(v, p));
    Some(Customer { plan: plan?, currency: currency?, region: region?, billing_start: billing_start? })
}

/// What a server knows about an order better than the browser that sent it: the instant it
/// prices at, and the customer's plan, currency, region and billing start, as its own records
/// say. [`Trusted::apply`] puts them into the browser's order before a quote is recomputed, so
/// a browser cannot move its billing start back into the trial and verify a free quote.
///
/// # Example
/// ```
/// use ratecard::{Catalog, Order, Trusted};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let sent = Order::from_json(&catalog, r#"{"at": "2027-01-01T00:00:00Z",
///     "customer": {"billingStart": "2026-12-31T00:00:00Z"}, "lines": [{"product": "small", "quantity": 1}]}"#).unwrap();
/// let trusted = Trusted::from_json(&catalog, r#"{"customer": {"billingStart": "2026-11-01T00:00:00Z"}}"#).unwrap();
/// let (order, differences) = trusted.apply(&sent);
/// assert_eq!(differences[0].path, "customer.billingStart");
/// assert_eq!(order.customer.billing_start, trusted.customer.billing_start);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trusted {
    /// The instant to price at (the server's clock), when given.
    pub at: Option<DateTime<Utc>>,
    /// The customer's fields the server sets; those left `None` are taken from the order.
    pub customer: Customer,
}

impl Trusted {
    /// Parses `{at?, customer?: {plan?, currency?, region?, billingStart?}}` and checks it
    /// against the catalog.
    ///
    /// # Errors
    /// Every problem at once, with paths relative to it.
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<Trusted, Error> {
        Trusted::from_value(catalog, &crate::json::parse(text)?)
    }

    pub(crate) fn from_value(catalog: &Catalog, value: &Value) -> Result<Trusted, Error> {
        let mut d = Decoder::new();
        let trusted = d.object(value, "", &["at", "customer"]).and_then(|o| {
            let at = d.opt(&o, "at", |d, v, p| d.instant(v, p));
            let customer = d.opt(&o, "customer", |d, v, p| decode_customer(d, v, p, catalog));
            Some(Trusted { at: at?, customer: customer?.unwrap_or_default() })
        });
        d.finish(trusted)
    }

    /// The order with the trusted fields in place, and each place where the order said
    /// otherwise (paths relative to the order). A trusted region also replaces the region of
    /// every line that names another one.
    pub fn apply(&self, order: &Order) -> (Order, Vec<Difference>) {
        let mut out = order.clone();
        let mut differences = Vec::new();
        let mut set = |path: &str, trusted: Option<Value>, sent: Option<Value>| {
            if trusted.is_some() && trusted != sent {
                differences.push(Difference { path: path.to_string(), expected: trusted, received: sent });
            }
        };
        let instant = |t: Option<DateTime<Utc>>| t.map(|t| Value::str(instant_text(t)));
        let text = |s: &Option<String>| s.as_deref().map(Value::str);
        let (t, c) = (&self.customer, &order.customer);
        set("at", instant(self.at), instant(Some(order.at)));
        set("customer.plan", text(&t.plan), text(&c.plan));
        set("customer.currency", text(&t.currency), text(&c.currency));
        set("customer.region", text(&t.region), text(&c.region));
        set("customer.billingStart", instant(t.billing_start), instant(c.billing_start));
        if let Some(region) = &t.region {
            for (i, line) in out.lines.iter_mut().enumerate() {
                if line.region.as_ref().is_some_and(|r| r != region) {
                    set(&format!("lines[{i}].region"), text(&t.region), text(&line.region));
                    line.region = None;
                }
            }
        }
        out.at = self.at.unwrap_or(order.at);
        let keep = |trusted: &Option<String>, sent: &Option<String>| trusted.clone().or_else(|| sent.clone());
        out.customer = Customer {
            plan: keep(&t.plan, &c.plan),
            currency: keep(&t.currency, &c.currency),
            region: keep(&t.region, &c.region),
            billing_start: t.billing_start.or(c.billing_start),
        };
        (out, differences)
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
    let product = d.req(&o, "product", |d, v, p| {
        let id = d.string(v, p)?;
        let found = catalog.product(id);
        if found.is_none() {
            d.problem(Code::UnknownProduct, p, format!("the catalog has no product \"{id}\""));
        }
        found
    });
    let region = d.opt(&o, "region", region_ok);
    let quantity = d.opt(&o, "quantity", |d, v, p| d.non_negative(v, p, Num::Quantity));
    let reading = d.opt(&o, "reading", |d, v, p| d.non_negative(v, p, Num::Quantity));
    let previous = d.opt(&o, "previousReading", |d, v, p| d.non_negative(v, p, Num::Quantity));
    let amount = match (quantity?, reading?, previous?) {
        (Some(q), None, None) => Amount::Quantity(q),
        (None, Some(reading), previous) => {
            match product.map(|p| &p.kind) {
                Some(ProductKind::Package(_)) => {
                    d.problem(
                        Code::NotMetered,
                        o.at("reading"),
                        "readings are for metered products; give a package a quantity",
                    );
                    return None;
                }
                Some(ProductKind::Metered(m)) if previous.is_some() && !m.aggregated => {
                    d.problem(
                        Code::NotAggregated,
                        o.at("previousReading"),
                        "a previous reading is for aggregated products (counters such as bandwidth); \
                         this product bills its reading as it is",
                    );
                    return None;
                }
                _ => {}
            }
            Amount::Reading { reading, previous }
        }
        _ => {
            d.problem(
                Code::MissingField,
                path,
                "give either \"quantity\", or \"reading\" (with an optional \"previousReading\")",
            );
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
