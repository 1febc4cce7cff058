//! Orders: what a customer buys or uses, and at what instant (SPEC section 4), read from JSON and
//! checked against a catalog; and the fields a server trusts more than a browser.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::{Catalog, Plan, Product, ProductKind};
use crate::error::{Code, Error};
use crate::input::{shape, At, Field, List, Map, Num, Problems};
use crate::limits::{MAX_CONTEXT_RATES, MAX_ORDER_LINES, MAX_REDEMPTIONS};
use crate::money::Currency;
use crate::phases::instant_text;
use crate::verify::{Difference, Value};

shape!(
    /// An order as JSON gives it.
    OrderDoc {
        catalogVersion: Field<String>,
        at: Field<DateTime<Utc>>,
        customer: Field<Box<CustomerDoc>>,
        lines: Field<List<Box<LineDoc>, MAX_ORDER_LINES>>,
        tax: Field<Box<TaxDoc>>,
        strict: Field<bool>,
    }
);
shape!(
    /// A customer as JSON gives it (in an order, an invoice request or trusted fields).
    CustomerDoc {
        plan: Field<String>,
        currency: Field<String>,
        region: Field<String>,
        billingStart: Field<DateTime<Utc>>,
        redemptions: Field<List<Box<RedemptionDoc>, MAX_REDEMPTIONS>>,
    }
);
shape!(RedemptionDoc { coupon: Field<String>, at: Field<DateTime<Utc>> });
shape!(LineDoc { product: Field<String>, region: Field<String>, quantity: Field<Num>, reading: Field<Num>, previousReading: Field<Num> });
shape!(
    /// What a server trusts of a quote, as JSON gives it.
    TrustedDoc { catalogVersion: Field<String>, at: Field<DateTime<Utc>>, maxAgeSeconds: Field<Num>, customer: Field<Box<CustomerDoc>>, tax: Field<Box<TaxDoc>> }
);

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
    /// The coupons the customer redeemed (SPEC 12); `None` when not given (in trusted fields:
    /// the request's are taken).
    pub redemptions: Option<Vec<Redemption>>,
}

shape!(
    /// A tax context as JSON gives it: exactly one of its members.
    TaxDoc { rates: Field<Map<List<String>>>, reverseCharge: Field<Box<ReverseChargeDoc>>, exempt: Field<bool> }
);
shape!(ReverseChargeDoc { taxId: Field<String> });

/// What taxes a sale, as the caller decided (SPEC 14).
///
/// # Example
/// ```
/// use ratecard::{Catalog, Order, TaxContext};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let order = Order::from_json(&catalog, r#"{"at": "2027-01-10T00:00:00Z",
///     "tax": {"rates": {"standard": ["de-vat-19"]}}, "lines": [{"product": "small", "quantity": 1}]}"#).unwrap();
/// assert!(matches!(order.tax, Some(TaxContext::Rates(_))));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxContext {
    /// The rates that apply to each tax class (an empty list: zero-rated).
    Rates(BTreeMap<String, Vec<String>>),
    /// No tax: the customer accounts for it (EU reverse charge), with their tax id.
    ReverseCharge {
        /// The customer's tax id, printed on the note.
        tax_id: String,
    },
    /// No tax: the sale is exempt.
    Exempt,
}

impl TaxContext {
    /// Checks a tax context read from JSON against the catalog's rates.
    pub(crate) fn validate(
        p: &mut Problems,
        o: &TaxDoc,
        at: &At<'_>,
        catalog: &Catalog,
    ) -> Option<TaxContext> {
        p.fields(o, at);
        let given = [!o.rates.is_absent(), !o.reverseCharge.is_absent(), !o.exempt.is_absent()];
        if given.iter().filter(|g| **g).count() != 1 {
            p.add(
                Code::InvalidValue,
                at,
                "a tax context is one of {\"rates\"}, {\"reverseCharge\"} and {\"exempt\": true}",
            );
            return None;
        }
        let rates = p.opt(&o.rates, &at.key("rates"), |p, map, at| {
            // Every line is looked up in its class's rates: a context names a few.
            let named =
                map.len + map.entries.iter().filter_map(|(_, l)| l.ok()).map(|l| l.len).sum::<usize>();
            if named > MAX_CONTEXT_RATES {
                let why =
                    format!("{named} tax classes and rates; a tax context names at most {MAX_CONTEXT_RATES}");
                p.add(Code::InputTooLarge, at, why);
                return None;
            }
            let mut out = Some(BTreeMap::new());
            for (class, ids) in &map.entries {
                let at = at.key(class);
                let ids = p.req(ids, &at, |p, l, at| {
                    let items = crate::catalog::load::entries(p, l, at)?;
                    let ids = p.all(items, at, |_, s, _| Some(s.clone()))?;
                    p.repeats(at, ids.iter().map(String::as_str), "tax rate");
                    let mut known = true;
                    for (i, id) in ids.iter().enumerate() {
                        if catalog.tax_rate(id).is_none() {
                            let rates = catalog.tax_rates().iter().map(|r| r.id.as_str());
                            p.unknown(Code::UnknownTaxRate, &at.index(i), "tax rate", id, rates);
                            known = false;
                        }
                    }
                    known.then_some(ids)
                });
                match (ids, &mut out) {
                    (Some(ids), Some(out)) => {
                        if out.insert(class.clone(), ids).is_some() {
                            p.add(
                                Code::DuplicateKey,
                                &at,
                                format!("the key \"{class}\" appears twice in one object"),
                            );
                        }
                    }
                    _ => out = None,
                }
            }
            out
        });
        let reverse = p.opt(&o.reverseCharge, &at.key("reverseCharge"), |p, r, at| {
            p.fields(&**r, at);
            p.req(&r.taxId, &at.key("taxId"), Problems::text)
        });
        let exempt = p.opt(&o.exempt, &at.key("exempt"), |p, b, at| {
            if !*b {
                p.add(Code::InvalidValue, at, "\"exempt\" is true, or left out");
                return None;
            }
            Some(())
        });
        match (rates?, reverse?, exempt?) {
            (Some(rates), _, _) => Some(TaxContext::Rates(rates)),
            (_, Some(tax_id), _) => Some(TaxContext::ReverseCharge { tax_id }),
            _ => Some(TaxContext::Exempt),
        }
    }
}

/// A coupon the customer redeemed, and when (SPEC 12).
///
/// # Example
/// ```
/// use ratecard::{Catalog, Order};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let order = Order::from_json(&catalog, r#"{"at": "2027-01-10T00:00:00Z", "customer": {
///     "redemptions": [{"coupon": "welcome20", "at": "2027-01-10T00:00:00Z"}]},
///     "lines": [{"product": "small", "quantity": 1}]}"#).unwrap();
/// assert_eq!(order.customer.redemptions.unwrap()[0].coupon, "welcome20");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The coupon's id.
    pub coupon: String,
    /// When it was redeemed: a `forever` or `repeating` coupon applies from then on.
    pub at: DateTime<Utc>,
}

impl Customer {
    /// The customer's redemptions, none when not given.
    pub(crate) fn redeemed(&self) -> &[Redemption] {
        self.redemptions.as_deref().unwrap_or_default()
    }
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
/// // The paths every runtime reports: the argument's name first.
/// assert_eq!(paths, ["order.at", "order.lines[0].product"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The catalog version the customer is on (SPEC 16), in a catalog set: without one, the
    /// version in force at their billing start.
    pub catalog_version: Option<String>,
    /// The instant priced.
    pub at: DateTime<Utc>,
    /// Who it is for.
    pub customer: Customer,
    /// What is ordered or used.
    pub lines: Vec<OrderLine>,
    /// What taxes the order (SPEC 14); no tax step without one.
    pub tax: Option<TaxContext>,
    /// Refuse to price anything at zero for lack of a rule (`NO_PRICE_RULE` becomes an error).
    pub strict: bool,
}

impl Order {
    /// Parses an order and checks it against the catalog.
    ///
    /// # Errors
    /// Every problem at once, with paths under `order`, as the JSON API gives them
    /// (`order.lines[2].quantity`).
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<Order, Error> {
        crate::input::from_json(text, "order", |p, doc, at| Order::validate(p, doc, at, catalog))
    }

    /// Checks an order read from JSON against the catalog.
    pub(crate) fn validate(p: &mut Problems, o: &OrderDoc, at: &At<'_>, catalog: &Catalog) -> Option<Order> {
        p.fields(o, at);
        let version = p.opt(&o.catalogVersion, &at.key("catalogVersion"), Problems::id);
        let when = p.req(&o.at, &at.key("at"), |_, t, _| Some(*t));
        let customer =
            p.opt(&o.customer, &at.key("customer"), |p, c, at| Customer::validate(p, c, at, catalog));
        let lines = p.req(&o.lines, &at.key("lines"), |p, l, at| {
            let items = l.within_limit(p, at, |n| format!("{n} lines; at most {MAX_ORDER_LINES}"))?;
            p.all(items, at, |p, line, at| order_line(p, line, at, catalog))
        });
        let tax = p.opt(&o.tax, &at.key("tax"), |p, t, at| TaxContext::validate(p, t, at, catalog));
        let strict = p.opt(&o.strict, &at.key("strict"), |_, b, _| Some(*b));
        Some(Order {
            catalog_version: version?,
            at: when?,
            customer: customer?.unwrap_or_default(),
            lines: lines?,
            tax: tax?,
            strict: strict?.unwrap_or(false),
        })
    }
}

/// The catalog version of a request with trusted fields in place (SPEC 16): the trusted
/// version; none when a trusted billing start decides it (a difference if the request named
/// one); the request's otherwise.
pub(crate) fn trusted_version(
    trusted: Option<&str>,
    trusted_start: bool,
    sent: &Option<String>,
    differences: &mut Vec<Difference>,
) -> Option<String> {
    let kept = match trusted {
        Some(v) => Some(v.to_string()),
        None if trusted_start => None,
        None => return sent.clone(),
    };
    if kept != *sent {
        let value = |v: &Option<String>| v.as_ref().map(|s| Value::String(s.clone()));
        differences.push(Difference {
            path: "catalogVersion".to_string(),
            expected: value(&kept),
            received: value(sent),
        });
    }
    kept
}

/// A product id the catalog has: the product.
pub(crate) fn known_product<'c>(
    p: &mut Problems,
    id: &str,
    at: &At<'_>,
    catalog: &'c Catalog,
) -> Option<&'c Product> {
    let found = catalog.product(id);
    if found.is_none() {
        p.unknown(Code::UnknownProduct, at, "product", id, catalog.products().iter().map(|p| p.id.as_str()));
    }
    found
}

/// A region id the catalog has.
pub(crate) fn known_region(p: &mut Problems, r: &str, at: &At<'_>, catalog: &Catalog) -> Option<String> {
    if !catalog.has_region(r) {
        p.unknown(Code::UnknownRegion, at, "region", r, catalog.regions().iter().map(|r| r.id.as_str()));
        return None;
    }
    Some(r.to_string())
}

impl Customer {
    /// Checks `{plan?, currency?, region?, billingStart?}` against the catalog.
    pub(crate) fn validate(
        p: &mut Problems,
        c: &CustomerDoc,
        at: &At<'_>,
        catalog: &Catalog,
    ) -> Option<Customer> {
        p.fields(c, at);
        let plan = p.opt(&c.plan, &at.key("plan"), |p, id, at| {
            if catalog.plan(id).is_none() {
                p.unknown(Code::UnknownPlan, at, "plan", id, catalog.plans().iter().map(|p| p.id.as_str()));
                return None;
            }
            Some(id.clone())
        });
        let currency = p.opt(&c.currency, &at.key("currency"), |p, code, at| {
            if catalog.currency(code).is_none() {
                p.unknown(
                    Code::UnknownCurrency,
                    at,
                    "currency",
                    code,
                    catalog.currencies().iter().map(|c| c.code()),
                );
                return None;
            }
            Some(code.clone())
        });
        let region = p.opt(&c.region, &at.key("region"), |p, r, at| known_region(p, r, at, catalog));
        let billing_start = p.opt(&c.billingStart, &at.key("billingStart"), |_, t, _| Some(*t));
        let redemptions =
            p.opt(&c.redemptions, &at.key("redemptions"), |p, l, at| redemptions(p, l, at, catalog));
        Some(Customer {
            plan: plan?,
            currency: currency?,
            region: region?,
            billing_start: billing_start?,
            redemptions: redemptions?,
        })
    }
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
    /// The customer's catalog version (SPEC 16) from the server's records: it replaces the
    /// order's. Without it, a trusted billing start decides the version, and the order may
    /// name none.
    pub catalog_version: Option<String>,
    /// The instant the server charges at (its clock), when given.
    pub at: Option<DateTime<Utc>>,
    /// How old a quote may be at `at`, in seconds; [`Trusted::DEFAULT_MAX_AGE_SECONDS`] when `None`.
    pub max_age_seconds: Option<u64>,
    /// The customer's fields the server sets; those left `None` are taken from the order.
    pub customer: Customer,
    /// What taxes the sale, as the server decided (SPEC 14): it replaces the order's.
    pub tax: Option<TaxContext>,
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
    /// Every problem at once, with paths under `trusted` (`trusted.customer.plan`).
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<Trusted, Error> {
        crate::input::from_json(text, "trusted", |p, doc, at| Trusted::validate(p, doc, at, catalog))
    }

    /// Checks trusted fields read from JSON against the catalog.
    pub(crate) fn validate(
        p: &mut Problems,
        o: &TrustedDoc,
        at: &At<'_>,
        catalog: &Catalog,
    ) -> Option<Trusted> {
        p.fields(o, at);
        let version = p.opt(&o.catalogVersion, &at.key("catalogVersion"), Problems::id);
        let when = p.opt(&o.at, &at.key("at"), |_, t, _| Some(*t));
        let max_age = p.opt(&o.maxAgeSeconds, &at.key("maxAgeSeconds"), Problems::count);
        let customer =
            p.opt(&o.customer, &at.key("customer"), |p, c, at| Customer::validate(p, c, at, catalog));
        let tax = p.opt(&o.tax, &at.key("tax"), |p, t, at| TaxContext::validate(p, t, at, catalog));
        Some(Trusted {
            catalog_version: version?,
            at: when?,
            max_age_seconds: max_age?.map(u64::from),
            customer: customer?.unwrap_or_default(),
            tax: tax?,
        })
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
        let trusted_start = self.customer.billing_start.is_some();
        out.catalog_version = trusted_version(
            self.catalog_version.as_deref(),
            trusted_start,
            &order.catalog_version,
            &mut differences,
        );
        out.customer = customer;
        if let Some(tax) = &self.tax {
            differences.extend(tax_difference(tax, order.tax.as_ref(), "tax"));
            out.tax = Some(tax.clone());
        }
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

/// A difference at `path` when a trusted tax context is not the one received.
pub(crate) fn tax_difference(
    trusted: &TaxContext,
    sent: Option<&TaxContext>,
    path: &str,
) -> Option<Difference> {
    let value = |t: &TaxContext| match t {
        TaxContext::Rates(rates) => Value::Object(vec![(
            "rates".to_string(),
            Value::Object(
                rates
                    .iter()
                    .map(|(class, ids)| (class.clone(), Value::Array(ids.iter().map(Value::str).collect())))
                    .collect(),
            ),
        )]),
        TaxContext::ReverseCharge { tax_id } => Value::Object(vec![(
            "reverseCharge".to_string(),
            Value::Object(vec![("taxId".to_string(), Value::str(tax_id))]),
        )]),
        TaxContext::Exempt => Value::Object(vec![("exempt".to_string(), Value::Bool(true))]),
    };
    (Some(trusted) != sent).then(|| Difference {
        path: path.to_string(),
        expected: Some(value(trusted)),
        received: sent.map(value),
    })
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
        // A browser cannot invent, drop or move a redemption the server knows of.
        let listed = |r: &Option<Vec<Redemption>>| {
            r.as_ref().map(|list| {
                Value::Array(
                    list.iter()
                        .map(|r| {
                            Value::Object(vec![
                                ("coupon".to_string(), Value::str(&r.coupon)),
                                ("at".to_string(), Value::str(instant_text(r.at))),
                            ])
                        })
                        .collect(),
                )
            })
        };
        let sent_redemptions = listed(&sent.redemptions).or_else(|| Some(Value::Array(Vec::new())));
        field("redemptions", listed(&self.redemptions), sent_redemptions);
        let keep = |trusted: &Option<String>, sent: &Option<String>| trusted.clone().or_else(|| sent.clone());
        let customer = Customer {
            plan: keep(&self.plan, &sent.plan),
            currency: keep(&self.currency, &sent.currency),
            region: keep(&self.region, &sent.region),
            billing_start: self.billing_start.or(sent.billing_start),
            redemptions: self.redemptions.clone().or_else(|| sent.redemptions.clone()),
        };
        (customer, differences)
    }
}

/// `[{coupon, at}]`: coupons the catalog has, each redeemed once, by its `redeemBy`.
fn redemptions(
    p: &mut Problems,
    list: &List<Box<RedemptionDoc>, MAX_REDEMPTIONS>,
    at: &At<'_>,
    catalog: &Catalog,
) -> Option<Vec<Redemption>> {
    let items = list.within_limit(p, at, |n| format!("{n} redemptions; at most {MAX_REDEMPTIONS}"))?;
    let all = p.all(items, at, |p, r, at| {
        p.fields(&**r, at);
        let when = p.req(&r.at, &at.key("at"), |_, t, _| Some(*t));
        let coupon = p.req(&r.coupon, &at.key("coupon"), |p, id, at| {
            let found = catalog.coupon(id);
            if found.is_none() {
                let known = catalog.coupons().iter().map(|c| c.id.as_str());
                p.unknown(Code::UnknownCoupon, at, "coupon", id, known);
            }
            found
        });
        let (coupon, when) = (coupon?, when?);
        if let Some(by) = coupon.redeem_by.filter(|by| when > *by) {
            let why = format!(
                "coupon \"{}\" can be redeemed until {}, not at {}",
                coupon.id,
                instant_text(by),
                instant_text(when)
            );
            p.add(Code::CouponNotRedeemable, &at.key("at"), why);
            return None;
        }
        Some(Redemption { coupon: coupon.id.clone(), at: when })
    });
    // Checked on what was written, so that a repeat is reported with the other problems.
    let mut seen = std::collections::BTreeMap::new();
    for (i, coupon) in items.iter().enumerate().filter_map(|(i, r)| Some((i, r.ok()?.coupon.ok()?))) {
        if let Some(first) = seen.insert(coupon.as_str(), i) {
            let why = format!("coupon \"{coupon}\" is already redeemed by redemptions[{first}]");
            p.add(Code::DuplicateId, &at.index(i).key("coupon"), why);
            return None;
        }
    }
    all
}

fn order_line(p: &mut Problems, o: &LineDoc, at: &At<'_>, catalog: &Catalog) -> Option<OrderLine> {
    p.fields(o, at);
    let product = p.req(&o.product, &at.key("product"), |p, id, at| known_product(p, id, at, catalog));
    let region = p.opt(&o.region, &at.key("region"), |p, r, at| known_region(p, r, at, catalog));
    let quantity = p.opt(&o.quantity, &at.key("quantity"), Problems::non_negative);
    let reading = p.opt(&o.reading, &at.key("reading"), Problems::non_negative);
    let previous = p.opt(&o.previousReading, &at.key("previousReading"), Problems::non_negative);
    let (quantity, reading, previous) = (quantity?, reading?, previous?);
    let amount = match line_amount(product.map(|p| &p.kind), quantity, reading, previous) {
        Ok(amount) => amount,
        Err((code, field, message)) => {
            match field {
                Some(f) => p.add(code, &at.key(f), message),
                None => p.add(code, at, message),
            }
            return None;
        }
    };
    Some(OrderLine { product: product?.id.clone(), region: region?, amount })
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
