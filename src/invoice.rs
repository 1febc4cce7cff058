//! Billing a period (SPEC section 9): invoices with proration across phases, plan changes and
//! level changes, and their verification.
//!
//! An item's time in the period is cut into segments; in each, one plan, one phase, one
//! quantity and one price rule apply. A segment's amount is kept as a numerator over one
//! denominator per catalog (3600 x hoursPerMonth): every segment's numerator is exact, and a
//! line divides once. So a whole month of 730 hours is exactly the monthly price, and billing a
//! period in two halves gives the very numerator of billing it whole.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::json_text::{add_member, json_text, list, object, with, ToJson};
use chrono::{DateTime, Datelike, Months, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::catalog::{
    Catalog, CatalogVersion, Off, Period, Pinned, Plan, PriceRule, Product, ProductKind, VersionJson,
};
use crate::credits::{credits, Credit, CreditDoc};
use crate::credits::{AppliedCredit, CreditsJson};
use crate::discounts::{Discount, DiscountsJson, Offer, Target};
use crate::error::{Code, Error, Problem};
use crate::input::{shape, At, Field, List, Num, Problems, Shape};
use crate::limits::{
    output_too_large, Budget, MAX_CREDITS, MAX_INVOICE_ITEMS, MAX_LEVEL_CHANGES, MAX_PERIOD_MONTHS,
    MAX_PLAN_CHANGES, MAX_SEGMENTS,
};
use crate::money::{checked, exact, Currency, Money, Rounding};
use crate::order::{known_product, known_region, Customer, CustomerDoc, TaxContext, TaxDoc};
use crate::phases::{instant_text, month_start, HourRounding, Instant, Phase};
use crate::quote::{rule_pricing, unpriced_message, Pricing, RuleJson};
use crate::taxes::{NoteJson, TaxStep, TaxesJson};
use crate::tiers::{TierMode, TierTable};
use crate::verify::{differences, Difference, Value};

type Time = DateTime<Utc>;

/// What to bill: a period, a customer, the subscription's items and its plan changes.
///
/// # Example
/// ```
/// use ratecard::{Catalog, InvoiceRequest};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let err = InvoiceRequest::from_json(&catalog, r#"{
///     "period": {"start": "2026-12-01", "end": "2026-11-01"},
///     "customer": {"billingStart": "2026-01-01"},
///     "items": [{"product": "medium", "quantity": 1, "from": "2026-10-01"}]}"#).unwrap_err();
/// let codes: Vec<_> = err.problems().iter().map(|p| (p.path.as_str(), p.code.as_str())).collect();
/// assert_eq!(codes, [("request.period.end", "INVALID_PERIOD")]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRequest {
    /// The catalog version the customer is on (SPEC 16), in a catalog set: without one, the
    /// version in force at their billing start.
    pub catalog_version: Option<String>,
    /// First instant billed.
    pub start: Time,
    /// First instant not billed (the period is `[start, end)`).
    pub end: Time,
    /// The customer; its `billing_start` is required.
    pub customer: Customer,
    /// What the subscription has, one invoice line each.
    pub items: Vec<InvoiceItem>,
    /// Plan changes inside the period, in time order: from `at` on, the customer is on `plan`.
    pub plan_changes: Vec<PlanChange>,
    /// What taxes the invoice (SPEC 14); no tax step without one.
    pub tax: Option<TaxContext>,
    /// The customer's prepaid credit balances (SPEC 15), applied after tax.
    pub credits: Vec<Credit>,
    /// Refuse to bill anything at zero for lack of a rule (`NO_PRICE_RULE` becomes an error).
    pub strict: bool,
}

/// What a server trusts of an invoice request: the customer's plan, currency, region and
/// billing start from its own records (`{customer?}`: an invoice bills a period, and has no
/// instant of its own). A browser cannot move its billing start into a trial on an invoice.
///
/// # Example
/// ```
/// use ratecard::{Catalog, InvoiceRequest, TrustedCustomer};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let sent = InvoiceRequest::from_json(&catalog, r#"{"period": {"start": "2026-11-01", "end": "2026-12-01"},
///     "customer": {"billingStart": "2026-11-01"}, "items": [{"product": "medium", "quantity": 1}]}"#).unwrap();
/// let trusted = TrustedCustomer::from_json(&catalog, r#"{"customer": {"billingStart": "2026-01-01"}}"#).unwrap();
/// let (request, differences) = trusted.apply(&sent);
/// assert_eq!(differences[0].path, "customer.billingStart");
/// assert_eq!(request.customer.billing_start, trusted.customer.billing_start);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustedCustomer {
    /// The customer's catalog version (SPEC 16) from the server's records: as
    /// [`crate::Trusted::catalog_version`].
    pub catalog_version: Option<String>,
    /// The customer's fields the server sets; those left `None` are taken from the request.
    pub customer: Customer,
    /// What taxes the invoice, as the server decided (SPEC 14): it replaces the request's.
    pub tax: Option<TaxContext>,
    /// The customer's credit balances, from the server's records (SPEC 15): they replace the
    /// request's.
    pub credits: Option<Vec<Credit>>,
}

impl TrustedCustomer {
    /// Parses `{customer?: {plan?, currency?, region?, billingStart?}}` and checks it against
    /// the catalog.
    ///
    /// # Errors
    /// Every problem at once, with paths under `trusted` (`UNKNOWN_FIELD` for an `at`).
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<TrustedCustomer, Error> {
        crate::input::from_json(text, "trusted", |p, doc, at| TrustedCustomer::validate(p, doc, at, catalog))
    }

    /// Checks trusted fields read from JSON against the catalog.
    pub(crate) fn validate(
        p: &mut Problems,
        o: &TrustedCustomerDoc,
        at: &At<'_>,
        catalog: &Catalog,
    ) -> Option<TrustedCustomer> {
        p.fields(o, at);
        let version = p.opt(&o.catalogVersion, &at.key("catalogVersion"), Problems::id);
        let customer =
            p.opt(&o.customer, &at.key("customer"), |p, c, at| Customer::validate(p, c, at, catalog));
        let tax = p.opt(&o.tax, &at.key("tax"), |p, t, at| TaxContext::validate(p, t, at, catalog));
        let credits = p.opt(&o.credits, &at.key("credits"), |p, l, at| credits(p, l, at, catalog));
        Some(TrustedCustomer {
            catalog_version: version?,
            customer: customer?.unwrap_or_default(),
            tax: tax?,
            credits: credits?,
        })
    }

    /// The request with the trusted fields in place, and each place where it said otherwise
    /// (paths relative to the request). A trusted region also replaces the region of every
    /// item that names another one.
    pub fn apply(&self, request: &InvoiceRequest) -> (InvoiceRequest, Vec<Difference>) {
        let mut out = request.clone();
        let (customer, mut differences) = self.customer.apply_to(&request.customer, "customer");
        let trusted_start = self.customer.billing_start.is_some();
        out.catalog_version = crate::order::trusted_version(
            self.catalog_version.as_deref(),
            trusted_start,
            &request.catalog_version,
            &mut differences,
        );
        out.customer = customer;
        let regions = out.items.iter_mut().map(|item| &mut item.region);
        self.customer.replace_regions("items", regions, &mut differences);
        if let Some(tax) = &self.tax {
            differences.extend(crate::order::tax_difference(tax, request.tax.as_ref(), "tax"));
            out.tax = Some(tax.clone());
        }
        if let Some(credits) = &self.credits {
            if *credits != request.credits {
                let listed = |c: &[Credit]| Value::Array(c.iter().map(Credit::value).collect());
                differences.push(Difference {
                    path: "credits".to_string(),
                    expected: Some(listed(credits)),
                    received: Some(listed(&request.credits)),
                });
            }
            out.credits = credits.clone();
        }
        (out, differences)
    }
}

/// From `at` on, the customer is on `plan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    /// When the change takes effect.
    pub at: Time,
    /// The new plan's id.
    pub plan: String,
}

/// One item of a subscription: a product in a region, for part or all of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceItem {
    /// Product id.
    pub product: String,
    /// Region; the customer's when absent.
    pub region: Option<String>,
    /// When the item starts, if inside the period (an item with level changes starts at its first).
    pub from: Option<Time>,
    /// When the item stops, if inside the period.
    pub until: Option<Time>,
    /// How much of the product.
    pub usage: Usage,
}

/// How much of a product an item has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// A level held through the item's time (packages, cpu, memory, storage, backup); for an
    /// aggregated product (a counter such as bandwidth), its usage over the item's time.
    Quantity(Decimal),
    /// Levels over time: each holds from its instant until the next; the first is the item's start.
    Changes(Vec<(Time, Decimal)>),
    /// Readings of an aggregated product's counter at the item's end, at its start, and
    /// optionally in between (at phase and plan boundaries, say), which say exactly how the
    /// usage is shared over the phases and plans in force (SPEC 9; otherwise by the hours).
    Readings {
        /// The reading at the item's end.
        reading: Decimal,
        /// The reading at the item's start; zero when absent.
        previous: Option<Decimal>,
        /// Readings strictly inside the item's time, in time order.
        between: Vec<(Time, Decimal)>,
    },
}

impl InvoiceItem {
    /// The item's first instant in the period `[start, _)`.
    fn starts(&self, period_start: Time) -> Time {
        match &self.usage {
            Usage::Changes(levels) => levels.first().map_or(period_start, |(at, _)| *at),
            _ => self.from.unwrap_or(period_start),
        }
    }
}

impl InvoiceRequest {
    /// Parses an invoice request and checks it against the catalog.
    ///
    /// # Errors
    /// Every problem at once, with paths under `request`, as the JSON API gives them
    /// (`request.items[2].changes[1].at`).
    pub fn from_json(catalog: &Catalog, text: &str) -> Result<InvoiceRequest, Error> {
        crate::input::from_json(text, "request", |p, doc, at| InvoiceRequest::validate(p, doc, at, catalog))
    }
}

shape!(
    /// An invoice request as JSON gives it.
    RequestDoc {
        catalogVersion: Field<String>,
        period: Field<Box<PeriodDoc>>,
        customer: Field<Box<CustomerDoc>>,
        items: Field<List<Box<ItemDoc>, MAX_INVOICE_ITEMS>>,
        planChanges: Field<List<Box<PlanChangeDoc>, MAX_PLAN_CHANGES>>,
        tax: Field<Box<TaxDoc>>,
        credits: Field<List<Box<CreditDoc>, MAX_CREDITS>>,
        strict: Field<bool>,
    }
);
shape!(PeriodDoc { start: Field<Time>, end: Field<Time> });
shape!(PlanChangeDoc { at: Field<Time>, plan: Field<String> });
shape!(ItemDoc {
    product: Field<String>,
    region: Field<String>,
    from: Field<Time>,
    until: Field<Time>,
    quantity: Field<Num>,
    changes: Field<List<Box<ChangeDoc>, MAX_LEVEL_CHANGES>>,
    reading: Field<Num>,
    previousReading: Field<Num>,
    readings: Field<List<Box<ReadingDoc>, MAX_LEVEL_CHANGES>>,
});
shape!(ChangeDoc { at: Field<Time>, quantity: Field<Num> });
shape!(ReadingDoc { at: Field<Time>, reading: Field<Num> });
shape!(
    /// What a server trusts of an invoice request, as JSON gives it.
    TrustedCustomerDoc {
        catalogVersion: Field<String>,
        customer: Field<Box<CustomerDoc>>,
        tax: Field<Box<TaxDoc>>,
        credits: Field<List<Box<CreditDoc>, MAX_CREDITS>>,
    }
);

impl InvoiceRequest {
    /// Checks an invoice request read from JSON against the catalog.
    pub(crate) fn validate(
        p: &mut Problems,
        o: &RequestDoc,
        at: &At<'_>,
        catalog: &Catalog,
    ) -> Option<InvoiceRequest> {
        p.fields(o, at);
        let version = p.opt(&o.catalogVersion, &at.key("catalogVersion"), Problems::id);
        let period = p.req(&o.period, &at.key("period"), |p, o, at| period(p, o, at));
        let customer =
            p.req(&o.customer, &at.key("customer"), |p, c, at| Customer::validate(p, c, at, catalog));
        if customer.as_ref().is_some_and(|c| c.billing_start.is_none()) {
            p.add(
                Code::MissingField,
                &at.key("customer").key("billingStart"),
                "an invoice needs the customer's billingStart",
            );
        }
        let items = p.req(&o.items, &at.key("items"), |p, l, at| {
            let items =
                l.within_limit(p, at, |n| format!("{n} items; one invoice takes at most {MAX_INVOICE_ITEMS}"))?;
            let changes: usize = items
                .iter()
                .filter_map(Field::ok)
                .map(|item| item.changes.ok().map_or(0, |c| c.len) + item.readings.ok().map_or(0, |r| r.len))
                .sum();
            if changes > MAX_LEVEL_CHANGES {
                p.add(
                    Code::InputTooLarge,
                    at,
                    format!("{changes} level changes and readings in all; one invoice takes at most {MAX_LEVEL_CHANGES}"),
                );
                return None;
            }
            p.all(items, at, |p, item, at| invoice_item(p, item, at, catalog, period))
        });
        let plan_changes = p.opt(&o.planChanges, &at.key("planChanges"), |p, l, at| {
            let list = l.within_limit(p, at, |n| {
                format!("{n} plan changes; one invoice takes at most {MAX_PLAN_CHANGES}")
            })?;
            let changes = p.all(list, at, |p, c, at| {
                p.fields(&**c, at);
                let when = p.req(&c.at, &at.key("at"), |p, t, at| within(p, at, *t, period, false));
                let plan = p.req(&c.plan, &at.key("plan"), |p, id, at| {
                    if catalog.plan(id).is_none() {
                        p.unknown(
                            Code::UnknownPlan,
                            at,
                            "plan",
                            id,
                            catalog.plans().iter().map(|p| p.id.as_str()),
                        );
                        return None;
                    }
                    Some(id.clone())
                });
                Some(PlanChange { at: when?, plan: plan? })
            })?;
            in_order(p, at, changes.iter().map(|c| c.at), "plan changes");
            Some(changes)
        });
        let tax = p.opt(&o.tax, &at.key("tax"), |p, t, at| TaxContext::validate(p, t, at, catalog));
        let credits = p.opt(&o.credits, &at.key("credits"), |p, l, at| credits(p, l, at, catalog));
        let strict = p.opt(&o.strict, &at.key("strict"), |_, b, _| Some(*b));
        let (period, customer, items) = (period?, customer?, items?);
        // No item is billed before billing starts: phases have no meaning there.
        if let (Some(billing_start), Some((i, first))) = (
            customer.billing_start,
            items.iter().map(|item| item.starts(period.0)).enumerate().min_by_key(|(_, t)| *t),
        ) {
            if first < billing_start {
                p.add(
                    Code::BillingStartAfterAt,
                    &at.key("customer").key("billingStart"),
                    format!(
                        "billingStart {} is after the start of items[{i}] ({}): nothing is billed before billing starts",
                        instant_text(billing_start),
                        instant_text(first)
                    ),
                );
            }
        }
        Some(InvoiceRequest {
            catalog_version: version?,
            start: period.0,
            end: period.1,
            customer,
            items,
            plan_changes: plan_changes?.unwrap_or_default(),
            tax: tax?,
            credits: credits?.unwrap_or_default(),
            strict: strict?.unwrap_or(false),
        })
    }
}

/// `{start, end}`: a non-empty period of at most [`MAX_PERIOD_MONTHS`] months.
fn period(p: &mut Problems, o: &PeriodDoc, at: &At<'_>) -> Option<(Time, Time)> {
    p.fields(o, at);
    let start = p.req(&o.start, &at.key("start"), |_, t, _| Some(*t));
    let end = p.req(&o.end, &at.key("end"), |_, t, _| Some(*t));
    let (start, end) = (start?, end?);
    if end <= start {
        p.add(
            Code::InvalidPeriod,
            &at.key("end"),
            format!("the period ends at {}, not after its start {}", instant_text(end), instant_text(start)),
        );
        return None;
    }
    if start.checked_add_months(Months::new(MAX_PERIOD_MONTHS)).is_some_and(|limit| end > limit) {
        p.add(
            Code::PeriodTooLong,
            &at.key("end"),
            format!(
                "the period from {} to {} is longer than {MAX_PERIOD_MONTHS} months: bill it in parts",
                instant_text(start),
                instant_text(end)
            ),
        );
        return None;
    }
    Some((start, end))
}

/// `at` if it is in the period (`[start, end)`, or `(start, end]` for an end), else `OUTSIDE_PERIOD`.
fn within(
    p: &mut Problems,
    path: &At<'_>,
    at: Time,
    period: Option<(Time, Time)>,
    is_end: bool,
) -> Option<Time> {
    let Some((start, end)) = period else { return Some(at) };
    let ok = if is_end { start < at && at <= end } else { start <= at && at < end };
    if !ok {
        p.add(
            Code::OutsidePeriod,
            path,
            format!(
                "{} is outside the period from {} to {}",
                instant_text(at),
                instant_text(start),
                instant_text(end)
            ),
        );
        return None;
    }
    Some(at)
}

/// A list of `{at, quantity}` (level changes) or `{at, reading}` (counter readings): instants
/// inside the period, in increasing order, each with a quantity that is not negative.
fn timed<T: Shape>(
    p: &mut Problems,
    list: &[Field<Box<T>>],
    at: &At<'_>,
    period: Option<(Time, Time)>,
    key: &'static str,
    entry: impl Fn(&T) -> (&Field<Time>, &Field<Num>),
) -> Option<Vec<(Time, Decimal)>> {
    let what = if key == "reading" { "the readings" } else { "the changes" };
    let list = p.all(list, at, |p, doc, at| {
        let (when, q) = entry(doc);
        p.fields(&**doc, at);
        let when = p.req(when, &at.key("at"), |p, t, at| within(p, at, *t, period, false));
        let q = p.req(q, &at.key(key), Problems::non_negative);
        Some((when?, q?))
    })?;
    in_order(p, at, list.iter().map(|(t, _)| *t), what);
    Some(list)
}

/// `CHANGES_OUT_OF_ORDER` at each instant (`at[j].at`) not after the one before it.
fn in_order(p: &mut Problems, at: &At<'_>, times: impl Iterator<Item = Time>, what: &str) {
    let mut last: Option<Time> = None;
    for (j, t) in times.enumerate() {
        if let Some(before) = last.filter(|before| t <= *before) {
            let path = crate::input::IntoPath::into_path(at);
            p.add(
                Code::ChangesOutOfOrder,
                &at.index(j).key("at"),
                format!(
                    "{what} of {path} must be in increasing time order: {} is not after {}",
                    instant_text(t),
                    instant_text(before)
                ),
            );
        }
        last = Some(t);
    }
}

fn invoice_item(
    p: &mut Problems,
    o: &ItemDoc,
    at: &At<'_>,
    catalog: &Catalog,
    period: Option<(Time, Time)>,
) -> Option<InvoiceItem> {
    p.fields(o, at);
    let product = p.req(&o.product, &at.key("product"), |p, id, at| known_product(p, id, at, catalog));
    let region = p.opt(&o.region, &at.key("region"), |p, r, at| known_region(p, r, at, catalog));
    let from = p.opt(&o.from, &at.key("from"), |p, t, at| within(p, at, *t, period, false));
    let until = p.opt(&o.until, &at.key("until"), |p, t, at| within(p, at, *t, period, true));
    let quantity = p.opt(&o.quantity, &at.key("quantity"), Problems::non_negative);
    let changes = p.opt(&o.changes, &at.key("changes"), |p, l, at| {
        let levels = timed(p, &l.items, at, period, "quantity", |c: &ChangeDoc| (&c.at, &c.quantity))?;
        if levels.is_empty() {
            p.add(Code::InvalidValue, at, "give at least one change, or a quantity");
            return None;
        }
        Some(levels)
    });
    let reading = p.opt(&o.reading, &at.key("reading"), Problems::non_negative);
    let previous = p.opt(&o.previousReading, &at.key("previousReading"), Problems::non_negative);
    let readings = p.opt(&o.readings, &at.key("readings"), |p, l, at| {
        timed(p, &l.items, at, period, "reading", |r: &ReadingDoc| (&r.at, &r.reading))
    });
    let (product, from, until, readings) = (product?, from?, until?, readings?);
    let aggregated = matches!(&product.kind, ProductKind::Metered(m) if m.aggregated);
    let usage = match (quantity?, changes?, reading?, previous?) {
        (Some(q), None, None, None) => Usage::Quantity(q),
        (None, Some(_), None, None) if aggregated => {
            p.add(
                Code::InvalidValue,
                &at.key("changes"),
                format!(
                    "\"{}\" counts usage: give its readings (reading, previousReading), not levels",
                    product.id
                ),
            );
            return None;
        }
        (None, Some(levels), None, None) => {
            if from.is_some() {
                p.add(
                    Code::InvalidValue,
                    &at.key("from"),
                    "an item with changes starts at its first change: give no \"from\"",
                );
                return None;
            }
            Usage::Changes(levels)
        }
        (None, None, Some(reading), previous) => match &product.kind {
            ProductKind::Package(_) => {
                p.add(
                    Code::NotMetered,
                    &at.key("reading"),
                    "readings are for aggregated products; give a package a quantity or changes",
                );
                return None;
            }
            ProductKind::Metered(_) if !aggregated => {
                p.add(
                    Code::NotAggregated,
                    &at.key("reading"),
                    format!("\"{}\" is a level, not a counter: give a quantity or changes", product.id),
                );
                return None;
            }
            ProductKind::Metered(_) => {
                Usage::Readings { reading, previous, between: readings.clone().unwrap_or_default() }
            }
        },
        (None, None, None, None) | (None, None, None, Some(_)) => {
            p.add(
                Code::MissingField,
                at,
                "give \"quantity\", \"changes\" ([{at, quantity}]), or for a counter \"reading\" (with an optional \"previousReading\")",
            );
            return None;
        }
        _ => {
            p.add(Code::InvalidValue, at, "give only one of \"quantity\", \"changes\" and \"reading\"");
            return None;
        }
    };
    if readings.is_some() && !matches!(usage, Usage::Readings { .. }) {
        p.add(
            Code::InvalidValue,
            &at.key("readings"),
            "readings in between go with a counter's \"reading\" (and \"previousReading\")",
        );
        return None;
    }
    let item = InvoiceItem { product: product.id.clone(), region: region?, from, until, usage };
    if let (Usage::Readings { between, .. }, Some((start, end))) = (&item.usage, period) {
        let (first, last) = (item.starts(start), item.until.unwrap_or(end));
        if let Some(j) = between.iter().position(|(at, _)| *at <= first || *at >= last) {
            p.add(
                Code::OutsidePeriod,
                &at.key("readings").index(j).key("at"),
                format!(
                    "a reading in between lies strictly inside the item's time, from {} to {}",
                    instant_text(first),
                    instant_text(last)
                ),
            );
            return None;
        }
    }
    if let (Some(until), Some((start, _))) = (item.until, period) {
        let last = match &item.usage {
            Usage::Changes(levels) => levels.last().map_or(start, |(at, _)| *at),
            _ => item.starts(start),
        };
        if until <= last {
            p.add(
                Code::UntilBeforeFrom,
                &at.key("until"),
                format!(
                    "the item stops at {}, not after it starts (or last changes) at {}",
                    instant_text(until),
                    instant_text(last)
                ),
            );
            return None;
        }
    }
    Some(item)
}

/// A computed invoice (see [`invoice`]): JSON via [`Invoice::to_json`]. It borrows every name
/// from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice<'c> {
    /// In a catalog set (SPEC 16), the customer's version.
    pub version: Option<&'c CatalogVersion>,
    /// First instant billed.
    pub start: Time,
    /// First instant not billed.
    pub end: Time,
    /// The customer's currency.
    pub currency: Currency,
    /// The customer's billing start.
    pub billing_start: Time,
    /// The plan and phase in force over the period, in time order.
    pub plans: Vec<PlanSpan<'c>>,
    /// One line per item, in order.
    pub lines: Vec<InvoiceLine<'c>>,
    /// Minimum-commitment true-ups (SPEC 13), one per plan and calendar month that costs less
    /// than the plan's commitment, after the lines (SPEC 11, step 2).
    pub true_ups: Vec<TrueUp<'c>>,
    /// The coupons applied (SPEC 12), in the order they apply, each on what the ones before
    /// it left of the lines and true-ups (SPEC 11, step 3).
    pub discounts: Vec<Discount<'c>>,
    /// The tax of the discounted lines and true-ups (SPEC 14; step 4), or why there is none.
    pub taxes: TaxStep<'c>,
    /// The customer's credits applied to what is due after tax (SPEC 15; step 5).
    pub credits: Vec<AppliedCredit>,
    /// Segments billed at zero for lack of a rule, and the like.
    pub warnings: Vec<Problem>,
    /// The sum of every line's numerator (see [`Segment`]).
    numerator: Decimal,
    /// The denominator of every numerator: 3600 x hoursPerMonth (capHours under the cap).
    denominator: Decimal,
}

/// What a plan's calendar month lacks of its minimum commitment (SPEC 13): `commitment x
/// activeHours / monthHours - billed`, exact, then rounded once; only a positive one is billed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrueUp<'c> {
    /// The plan's id.
    pub plan: &'c str,
    /// The calendar month (UTC), `"2026-11"`.
    pub month: String,
    /// The plan's commitment for a whole month in the invoice's currency.
    pub commitment: Money,
    /// The hours of the month, inside the period, that the customer was on the plan (a trial
    /// counts).
    pub active_hours: Decimal,
    /// The hours of the calendar month.
    pub month_hours: Decimal,
    /// The exact amounts of the plan's segments in the month (a segment that runs into another
    /// month counts by its time in this one).
    pub billed: Decimal,
    /// The true-up, rounded once.
    pub amount: Money,
    /// The calendar month's first instant, and the next month's.
    month_bounds: (Time, Time),
}

/// A stretch of the period with one plan and one phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpan<'c> {
    /// The plan's id.
    pub plan: &'c str,
    /// In a catalog set (SPEC 16), the version whose prices and phases of the plan apply.
    pub version: Option<&'c str>,
    /// The phase.
    pub phase: Phase,
    /// First instant.
    pub start: Time,
    /// First instant after it.
    pub end: Time,
}

/// One invoice line: an item, its segments, and its amount rounded once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine<'c> {
    /// Product id.
    pub product: &'c str,
    /// The product's external id.
    pub external_id: Option<&'c str>,
    /// `"package"` or `"metered"`.
    pub kind: &'static str,
    /// The region billed.
    pub region: Option<&'c str>,
    /// The item's first instant in the period.
    pub start: Time,
    /// The item's first instant after its time in the period.
    pub end: Time,
    /// Whether the line bills usage once (a counter) rather than levels by the hour.
    pub usage: bool,
    /// The item's time cut where anything that sets its price changes.
    pub segments: Vec<Segment<'c>>,
    /// Under the monthly cap, each group of segments a cap applies to; empty without it.
    pub caps: Vec<CapGroup<'c>>,
    /// The exact amount: the segments' numerators over the catalog's denominator, one division.
    pub exact: Decimal,
    /// The exact amount rounded to the currency: what the line costs.
    pub amount: Money,
}

/// A stretch of an item's time with one plan, phase, quantity and rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'c> {
    /// First instant.
    pub start: Time,
    /// First instant after it.
    pub end: Time,
    /// Seconds billed: the segment's length, or whole started hours under `hourRounding: "up"`.
    pub seconds: Decimal,
    /// The plan's id.
    pub plan: &'c str,
    /// In a catalog set (SPEC 16), the version whose prices apply.
    pub version: Option<&'c str>,
    /// The phase.
    pub phase: Phase,
    /// Quantity measured (level or usage, after the unit divisor), before allowances.
    pub measured: Decimal,
    /// Part of it covered by the subscription's packages.
    pub included: Decimal,
    /// Quantity billed: measured - included.
    pub quantity: Decimal,
    /// The rule used, or `None` when none matched (price zero).
    pub rule: Option<&'c PriceRule>,
    /// Period of the rule's amounts.
    pub period: Option<Period>,
    /// The rate per hour at the quantity; `None` for usage billed once.
    pub hourly_rate: Option<Decimal>,
    /// The segment's amount, exact to 28 significant digits.
    pub amount: Decimal,
    /// The amount x 3600 x hoursPerMonth (capHours under the cap), exact: lines and totals
    /// add these.
    numerator: Decimal,
    /// Under the monthly cap, the rule's monthly price at the quantity.
    cap: Option<Decimal>,
}

/// Under the monthly cap (SPEC 10), the segments of one item in one calendar month with the
/// same rule at the same quantity: together they cost at most the rule's monthly price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapGroup<'c> {
    /// The calendar month (UTC), `"2026-10"`.
    pub month: String,
    /// The rule.
    pub rule: &'c PriceRule,
    /// In a catalog set (SPEC 16), the version the rule is in.
    pub version: Option<&'c str>,
    /// The quantity billed.
    pub quantity: Decimal,
    /// What the segments would cost without the cap, exact to 28 significant digits.
    pub uncapped: Decimal,
    /// The cap: the rule's monthly price at the quantity.
    pub cap: Decimal,
    /// Whether the uncapped amount was above the cap (and so the group costs the cap).
    pub capped: bool,
}

impl Invoice<'_> {
    /// What the customer owes (SPEC 11): the lines and the true-ups, less the discounts, plus
    /// the tax when prices exclude it, less the credits applied.
    ///
    /// # Errors
    /// `OVERFLOW` when the sum exceeds the decimal range.
    pub fn amount_due(&self) -> Result<Money, Error> {
        let credited = Money::sum(self.credits.iter().map(|c| &c.applied), &self.currency)?;
        let due = checked::sub(self.amount_before_credits()?.amount(), credited.amount())?;
        Money::round(due, &self.currency, Rounding::HalfUp)
    }

    /// What credits apply to: the lines and true-ups, less the discounts, plus an exclusive tax.
    fn amount_before_credits(&self) -> Result<Money, Error> {
        let true_ups = self.true_ups.iter().map(|t| &t.amount);
        let billed = Money::sum(self.lines.iter().map(|l| &l.amount).chain(true_ups), &self.currency)?;
        let discounts = crate::discounts::total(&self.discounts, &self.currency)?;
        let tax = self.taxes.added(&self.currency)?;
        let due = checked::add(checked::sub(billed.amount(), discounts.amount())?, tax.amount())?;
        Money::round(due, &self.currency, Rounding::HalfUp)
    }

    /// The total of the lines: the sum of their rounded amounts.
    ///
    /// # Errors
    /// `OVERFLOW` when the sum exceeds the decimal range.
    pub fn total(&self) -> Result<Money, Error> {
        Money::sum(self.lines.iter().map(|l| &l.amount), &self.currency)
    }

    /// The exact total, before rounding: every segment's numerator over the denominator, one division.
    ///
    /// # Errors
    /// `OVERFLOW` past the decimal range.
    pub fn exact_total(&self) -> Result<Decimal, Error> {
        checked::div(self.numerator, self.denominator)
    }

    /// The invoice as JSON text: what every runtime returns, byte for byte.
    ///
    /// # Errors
    /// `OVERFLOW` when a total exceeds the decimal range.
    pub fn to_json(&self) -> Result<String, Error> {
        json_text(self)
    }
}

/// The shape the `.d.ts` declares as `Invoice`.
impl ToJson for Invoice<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let places = self.currency.exponent();
        let (total, due) = (self.total()?, self.amount_due()?);
        let currency = self.currency.code();
        let segment = |out: &mut String, _, s: &Segment<'_>| {
            object!(out, {
                "start": Instant(s.start),
                "end": Instant(s.end),
                "hours": hours(s.seconds)?,
                "plan": s.plan,
                "phase": s.phase.as_str(),
                "measured": s.measured.normalize(),
                "included": s.included.normalize(),
                "quantity": s.quantity.normalize(),
                "rule": s.rule.map(RuleJson),
                "period": s.period.map(Period::as_str),
                "hourlyRate": s.hourly_rate.map(|r| exact(r, places)),
                "amount": exact(s.amount, places),
            })?;
            versioned(out, s.version)
        };
        let cap = |out: &mut String, _, g: &CapGroup<'_>| {
            object!(out, {
                "month": g.month,
                "rule": RuleJson(g.rule),
                "quantity": g.quantity.normalize(),
                "uncapped": exact(g.uncapped, places),
                "cap": exact(g.cap, places),
                "capped": g.capped,
            })?;
            versioned(out, g.version)
        };
        let line = |out: &mut String, i, l: &InvoiceLine<'_>| {
            let mut seconds = Decimal::ZERO;
            for s in &l.segments {
                seconds = checked::add(seconds, s.seconds)?;
            }
            object!(out, {
                "line": i,
                "product": l.product,
                "externalId": l.external_id,
                "kind": l.kind,
                "region": l.region,
                "start": Instant(l.start),
                "end": Instant(l.end),
                "billing": if l.usage { "usage" } else { "hours" },
                "hours": hours(seconds)?,
                "segments": list(&l.segments, segment),
                "caps": list(&l.caps, cap),
                "exact": exact(l.exact, places),
                "amount": l.amount.amount(),
                "amountMinor": l.amount.minor(),
            })
        };
        object!(out, {
            "period": with(|out| object!(out, { "start": Instant(self.start), "end": Instant(self.end) })),
            "currency": currency,
            "billingStart": Instant(self.billing_start),
            "plans": list(&self.plans, |out, _, s| {
                object!(out, {
                    "plan": s.plan,
                    "phase": s.phase.as_str(),
                    "start": Instant(s.start),
                    "end": Instant(s.end),
                })?;
                versioned(out, s.version)
            }),
            "lines": list(&self.lines, line),
            "trueUps": list(&self.true_ups, |out, _, t| object!(out, {
                "name": "Minimum commitment",
                "plan": t.plan,
                "month": t.month,
                "commitment": t.commitment.amount(),
                "activeHours": t.active_hours,
                "monthHours": t.month_hours,
                "billed": exact(t.billed, places),
                "amount": t.amount.amount(),
                "amountMinor": t.amount.minor(),
            })),
            "discounts": DiscountsJson(&self.discounts),
            "taxes": TaxesJson(&self.taxes),
            "taxNote": NoteJson(&self.taxes.note),
            "credits": CreditsJson(&self.credits),
            "totals": [with(|out| object!(out, {
                "currency": currency,
                "exact": exact(self.exact_total()?, places),
                "amount": total.amount(),
                "amountMinor": total.minor(),
            }))],
            "amountDue": due.amount(),
            "amountDueMinor": due.minor(),
            "warnings": self.warnings,
        })?;
        match self.version {
            Some(v) => add_member(out, "catalog", &VersionJson(v)),
            None => Ok(()),
        }
    }
}

/// In a catalog set, the version whose prices a stretch used, as the object's last member.
fn versioned(out: &mut String, version: Option<&str>) -> Result<(), Error> {
    match version {
        Some(v) => add_member(out, "version", v),
        None => Ok(()),
    }
}

/// A plan and phase from an instant on (the period's plan timeline, resolved to the catalog).
struct Span<'a> {
    start: Time,
    end: Time,
    plan: &'a Plan,
    /// The catalog whose rules price it: the customer's, or in a catalog set the newer version
    /// the plan moved to (SPEC 16).
    rules: &'a Catalog,
    /// The plan's index in `rules`.
    plan_index: Option<usize>,
    /// In a catalog set, the version of `rules`.
    version: Option<&'a str>,
    phase: Phase,
}

/// Bills a period.
///
/// # Errors
/// `NO_DEFAULT_PLAN`, `MISSING_FIELD` without a billingStart, tier errors and `OVERFLOW` with
/// the item's path, `OUTPUT_TOO_LARGE` past [`crate::limits::MAX_SEGMENTS`], and in strict
/// mode every `NO_PRICE_RULE`.
///
/// # Example
/// ```
/// use ratecard::{invoice, Catalog, InvoiceRequest};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// // Ordered on Nov 15 at 12.00 a month: 16 days of 30 are 384 hours; the demo catalog bills
/// // a monthly price by the hour at price / 672 (its capHours): 384/672 of 12.00.
/// let request = InvoiceRequest::from_json(&catalog, r#"{
///     "period": {"start": "2027-11-01", "end": "2027-12-01"},
///     "customer": {"region": "us-east", "billingStart": "2026-01-01"},
///     "items": [{"product": "medium", "quantity": 1, "from": "2027-11-15"}]}"#).unwrap();
/// let bill = invoice(&catalog, &request).unwrap();
/// assert_eq!(bill.lines[0].amount.to_string(), "6.86 USD");
/// assert_eq!(bill.total().unwrap().to_string(), "6.86 USD");
/// ```
pub fn invoice<'c>(catalog: &'c Catalog, request: &InvoiceRequest) -> Result<Invoice<'c>, Error> {
    invoice_within(Pinned::one(catalog), request, &mut Budget::default())
}

/// [`invoice`] within what the call may still spend (batches share one budget).
pub(crate) fn invoice_within<'c>(
    pinned: Pinned<'c>,
    request: &InvoiceRequest,
    budget: &mut Budget,
) -> Result<Invoice<'c>, Error> {
    let catalog = pinned.catalog;
    budget.take_lines(request.items.len())?;
    pinned.check_named(request.catalog_version.as_deref())?;
    check_times(request)?;
    let plan = request.customer.plan_in(catalog)?;
    let currency = request.customer.currency_in(catalog);
    let billing_start = request.customer.billing_start.ok_or_else(|| {
        Error::new(
            Code::MissingField,
            "customer.billingStart",
            "an invoice needs the customer's billingStart",
        )
    })?;
    let spans = plan_spans(pinned, request, plan, billing_start)?;
    let mut biller = Biller {
        catalog,
        request,
        currency,
        spans: &spans,
        denominator: checked::mul(Decimal::from(3600), catalog.rate_hours())?,
        month_seconds: checked::mul(Decimal::from(3600), catalog.hours_per_month())?,
        coupon_cuts: coupon_cuts(catalog, request),
        warnings: Problems::new(),
        errors: Problems::new(),
    };
    let level_steps = level_allowances(catalog, request)?;
    let mut usage_pools = usage_allowances(&biller)?;
    let mut lines = Vec::with_capacity(request.items.len());
    for (i, item) in request.items.iter().enumerate() {
        let at = |e: Error| e.within(&format!("items[{i}]"));
        let product = catalog.product(&item.product).ok_or_else(|| {
            Error::new(Code::UnknownProduct, format!("items[{i}].product"), "unknown product")
        })?;
        let line = match (&product.kind, &item.usage) {
            (ProductKind::Metered(m), Usage::Quantity(_) | Usage::Readings { .. }) if m.aggregated => {
                biller.usage_line(i, item, product, &mut usage_pools).map_err(at)?
            }
            _ => biller
                .level_line(i, item, product, level_steps.get(&i).map_or(&[], Vec::as_slice))
                .map_err(at)?,
        };
        budget.take_segments(line.segments.len())?;
        lines.push(line);
    }
    if let Some(e) = std::mem::take(&mut biller.errors).into_error() {
        return Err(e);
    }
    let mut numerator = Decimal::ZERO;
    for segment in lines.iter().flat_map(|l| &l.segments) {
        numerator = checked::add(numerator, segment.numerator)?;
    }
    let true_ups = true_ups(catalog, &spans, &lines, currency, biller.denominator)?;
    // Step 3: the discounts, on the lines and true-ups (listed only when a coupon or a tax
    // needs them: most invoices have neither).
    let stepped = !request.customer.redeemed().is_empty() || request.tax.is_some();
    let bases: Vec<(Target, Money)> = match stepped {
        true => (lines.iter().enumerate().map(|(i, l)| (Target::Line(i), l.amount)))
            .chain(true_ups.iter().enumerate().map(|(j, t)| (Target::TrueUp(j), t.amount)))
            .collect(),
        false => Vec::new(),
    };
    let discounts = discounts(catalog, request, &spans, &lines, &true_ups, &bases, &mut biller.warnings)?;
    // Step 4: tax on what the discounts left of each line and true-up (a true-up is `standard`).
    let class_of = |i: usize| catalog.product(lines[i].product).map_or("standard", |p| p.tax_class.as_str());
    let taxables = crate::taxes::taxables(&bases, lines.len(), &discounts, currency, class_of)?;
    let problems = match request.strict || catalog.strict() {
        true => &mut biller.errors,
        false => &mut biller.warnings,
    };
    let taxes = crate::taxes::tax(catalog, currency, request.tax.as_ref(), &taxables, problems)?;
    if let Some(e) = std::mem::take(&mut biller.errors).into_error() {
        return Err(e);
    }
    let mut bill = Invoice {
        version: pinned.pinned(),
        start: request.start,
        end: request.end,
        currency: *currency,
        billing_start,
        true_ups,
        discounts,
        taxes,
        credits: Vec::new(),
        plans: spans
            .iter()
            .map(|s| PlanSpan {
                plan: &s.plan.id,
                version: s.version,
                phase: s.phase,
                start: s.start,
                end: s.end,
            })
            .collect(),
        lines,
        warnings: biller.warnings.into_list(),
        numerator,
        denominator: biller.denominator,
    };
    // Step 5: the credits, on what is due after tax.
    bill.credits =
        crate::credits::apply(&request.credits, bill.amount_before_credits()?, currency, request.end)?;
    Ok(bill)
}

/// The minimum-commitment true-ups of an invoice (SPEC 13): for each plan with a commitment in
/// the invoice's currency and each calendar month the customer was on it inside the period,
/// what the month's segments of that plan lack of the commitment prorated by those hours.
/// Segment amounts are numerators over `denominator` (see [`Segment`]).
fn true_ups<'c>(
    catalog: &'c Catalog,
    spans: &[Span<'c>],
    lines: &[InvoiceLine<'c>],
    currency: &Currency,
    denominator: Decimal,
) -> Result<Vec<TrueUp<'c>>, Error> {
    let seconds = |a: Time, b: Time| Decimal::from((b - a).num_seconds());
    // Each (plan, month) in time order: the plan, its commitment, the month and the customer's
    // seconds on the plan in it.
    let mut months: Vec<(&'c Plan, &Money, Time, Time, Decimal)> = Vec::new();
    for span in spans {
        let Some(commitment) = span.plan.commitment_in(currency) else { continue };
        let mut from = span.start;
        while from < span.end {
            let first = month_start(from);
            let next = first.checked_add_months(Months::new(1)).unwrap_or(Time::MAX_UTC);
            let to = next.min(span.end);
            match months.iter_mut().find(|m| m.0.id == span.plan.id && m.2 == first) {
                Some(month) => month.4 = checked::add(month.4, seconds(from, to))?,
                None => months.push((span.plan, commitment, first, next, seconds(from, to))),
            }
            from = to;
        }
    }
    let mut out = Vec::new();
    for (plan, commitment, first, next, active) in months {
        // The month's segments of the plan as numerators over the invoice's one denominator:
        // exact sums, where 28-digit amounts would not add.
        let mut billed = Decimal::ZERO;
        for segment in lines.iter().flat_map(|l| &l.segments).filter(|s| s.plan == plan.id) {
            let (from, to) = (segment.start.max(first), segment.end.min(next));
            if from >= to {
                continue;
            }
            let share = if from == segment.start && to == segment.end {
                segment.numerator
            } else {
                let time = seconds(from, to);
                checked::div(checked::mul(segment.numerator, time)?, seconds(segment.start, segment.end))?
            };
            billed = checked::add(billed, share)?;
        }
        // commitment x active / month - billed / denominator, rounded once from the exact ratio.
        let month = seconds(first, next);
        let lacking = checked::sub(
            checked::mul(checked::mul(commitment.amount(), active)?, denominator)?,
            checked::mul(billed, month)?,
        )?;
        if lacking <= Decimal::ZERO {
            continue;
        }
        let amount =
            Money::round_ratio(lacking, checked::mul(month, denominator)?, currency, catalog.rounding())?;
        if amount.amount().is_zero() {
            continue;
        }
        let billed = checked::div(billed, denominator)?;
        out.push(TrueUp {
            plan: &plan.id,
            month: month_of(first),
            commitment: *commitment,
            active_hours: hours(active)?,
            month_hours: hours(month)?,
            billed,
            amount,
            month_bounds: (first, next),
        });
    }
    Ok(out)
}

/// Where the windows of the customer's percent coupons start or end inside the period, in
/// time order (`once` coupons apply to the whole invoice, amount coupons whole or not at all).
fn coupon_cuts(catalog: &Catalog, request: &InvoiceRequest) -> Vec<Time> {
    let mut cuts = Vec::new();
    for (coupon, redemption, _) in crate::discounts::redeemed(catalog, request.customer.redeemed()) {
        let Some((start, end)) = crate::discounts::window_of(coupon, redemption) else { continue };
        if matches!(coupon.off, Off::Percent(_)) {
            cuts.extend(
                [Some(start), end].into_iter().flatten().filter(|t| request.start < *t && *t < request.end),
            );
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The customer's coupons applied to the lines and true-ups (SPEC 12): a percent coupon to
/// each eligible segment inside its window, an amount coupon to an invoice whose period starts
/// inside its window, a `once` coupon to this invoice.
fn discounts<'c>(
    catalog: &'c Catalog,
    request: &InvoiceRequest,
    spans: &[Span<'c>],
    lines: &[InvoiceLine<'c>],
    true_ups: &[TrueUp<'c>],
    bases: &[(Target, Money)],
    warnings: &mut Problems,
) -> Result<Vec<Discount<'c>>, Error> {
    let redeemed = crate::discounts::redeemed(catalog, request.customer.redeemed());
    if redeemed.is_empty() {
        return Ok(Vec::new());
    }
    let currency = request.customer.currency_in(catalog);
    let period = (request.start, Some(request.end));
    let seconds = |a: Time, b: Time| Decimal::from((b - a).num_seconds().max(0));
    let mut offers = Vec::with_capacity(redeemed.len());
    for (coupon, redemption, k) in redeemed {
        let percent = matches!(coupon.off, Off::Percent(_));
        if !percent && coupon.amount_in(currency).is_none() {
            if warnings.wants() {
                let problem = crate::discounts::currency_mismatch(coupon, k, currency);
                warnings.add(problem.code, problem.path, problem.message);
            }
            continue;
        }
        let window = crate::discounts::window_of(coupon, redemption);
        // Where the coupon takes from: a percent coupon's window inside the period (none:
        // not this invoice), the whole period for the rest.
        let within = match (window, percent) {
            (None, _) => period,
            (Some(w), true) => {
                let (start, end) = (w.0.max(request.start), w.1.map_or(request.end, |e| e.min(request.end)));
                if start >= end {
                    continue;
                }
                (start, Some(end))
            }
            (Some(w), false) if crate::discounts::inside(w, request.start) => period,
            (Some(_), false) => continue,
        };
        let inside = |s: &Segment<'_>| within.0 <= s.start && within.1.is_none_or(|e| s.end <= e);
        let mut shares = Vec::with_capacity(lines.len() + true_ups.len());
        for (i, line) in lines.iter().enumerate() {
            let mut part = Decimal::ZERO;
            let mut whole = Decimal::ZERO;
            for s in &line.segments {
                whole = checked::add(whole, s.numerator)?;
                if inside(s) && coupon.covers(line.product, s.plan, s.phase) {
                    part = checked::add(part, s.numerator)?;
                }
            }
            shares.push((i, part, whole));
        }
        for (j, t) in true_ups.iter().enumerate() {
            if !coupon.covers_true_up(t.plan) {
                continue;
            }
            let (first, next) = t.month_bounds;
            let (mut part, mut whole) = (Decimal::ZERO, Decimal::ZERO);
            for span in spans.iter().filter(|s| s.plan.id == t.plan) {
                let (a, b) = (span.start.max(first), span.end.min(next));
                whole = checked::add(whole, seconds(a, b))?;
                let (a, b) = (a.max(within.0), within.1.map_or(b, |e| b.min(e)));
                part = checked::add(part, seconds(a, b))?;
            }
            shares.push((lines.len() + j, part, whole));
        }
        offers.push(Offer { coupon, redeemed_at: redemption.at, window: window.unwrap_or(period), shares });
    }
    crate::discounts::apply(catalog, currency, bases, offers)
}

/// Seconds as hours, normalised (`384`, `0.5`).
fn hours(seconds: Decimal) -> Result<Decimal, Error> {
    checked::div(seconds, Decimal::from(3600)).map(|h| h.normalize())
}

/// What [`InvoiceRequest::from_json`] makes sure of and a request built in Rust may lack, so
/// that billing never meets an empty item or a change out of order.
fn check_times(request: &InvoiceRequest) -> Result<(), Error> {
    if request.end <= request.start {
        return Err(Error::new(Code::InvalidPeriod, "period.end", "the period ends before it starts"));
    }
    let changes = request.plan_changes.iter().map(|c| c.at);
    if !changes.clone().is_sorted() || changes.clone().any(|t| t < request.start || t >= request.end) {
        return Err(Error::new(
            Code::ChangesOutOfOrder,
            "planChanges",
            "plan changes must be in time order, inside the period",
        ));
    }
    for (i, item) in request.items.iter().enumerate() {
        let (levels, start, end) = levels(request, item);
        let in_order = levels.windows(2).all(|w| w[0].0 < w[1].0);
        let empty = matches!(item.usage, Usage::Changes(_)) && levels.is_empty();
        let readings_inside = match &item.usage {
            Usage::Readings { between, .. } => {
                between.windows(2).all(|w| w[0].0 < w[1].0)
                    && between.iter().all(|(at, _)| start < *at && *at < end)
            }
            _ => true,
        };
        if empty
            || !in_order
            || !readings_inside
            || start < request.start
            || end > request.end
            || end <= start
        {
            return Err(Error::new(
                Code::ChangesOutOfOrder,
                format!("items[{i}]"),
                "an item's start, level changes and end must be in time order, inside the period",
            ));
        }
    }
    Ok(())
}

/// The plan and phase over the period: cut at every plan change, at every phase boundary of
/// the plan in force and, in a catalog set, where the plan moves to a newer version's prices
/// (SPEC 16). Phases only move forward, across plan changes and moves too.
fn plan_spans<'a>(
    pinned: Pinned<'a>,
    request: &InvoiceRequest,
    first: &'a Plan,
    billing_start: Time,
) -> Result<Vec<Span<'a>>, Error> {
    let catalog = pinned.catalog;
    let mut plans = vec![(request.start, first)];
    for (j, change) in request.plan_changes.iter().enumerate() {
        let plan = catalog
            .plan(&change.plan)
            .ok_or_else(|| Error::new(Code::UnknownPlan, format!("planChanges[{j}].plan"), "unknown plan"))?;
        plans.push((change.at, plan));
    }
    let mut spans = Vec::new();
    let mut reached = Phase::Trial;
    for (k, (from, plan)) in plans.iter().enumerate() {
        let to = plans.get(k + 1).map_or(request.end, |(at, _)| *at);
        if *from < to {
            pinned.spans(plan, billing_start, (*from, Some(to)), &mut reached, &mut spans)?;
        }
    }
    Ok(spans
        .into_iter()
        .map(|s| Span {
            start: s.start,
            end: s.end.unwrap_or(request.end),
            plan: s.stretch.plan,
            rules: s.stretch.rules,
            plan_index: s.stretch.rules.plan_index(s.stretch.plan),
            version: s.stretch.version,
            phase: s.phase,
        })
        .collect())
}

/// The region of an item: its own, or the customer's.
fn region_of<'r>(request: &'r InvoiceRequest, item: &'r InvoiceItem) -> Option<&'r str> {
    item.region.as_deref().or(request.customer.region.as_deref())
}

/// An item's levels (each from its instant on) and its time `[start, end)` in the period.
fn levels<'i>(request: &InvoiceRequest, item: &'i InvoiceItem) -> (Cow<'i, [(Time, Decimal)]>, Time, Time) {
    let start = item.starts(request.start);
    let end = item.until.unwrap_or(request.end);
    let levels = match &item.usage {
        Usage::Changes(levels) => Cow::Borrowed(levels.as_slice()),
        Usage::Quantity(q) => Cow::Owned(vec![(start, *q)]),
        Usage::Readings { .. } => Cow::Owned(Vec::new()),
    };
    (levels, start, end)
}

/// Package allowance of a level (storage, backup) from an instant on: how much of the item's
/// level is included, and whether any allowance was left for it (usage within it costs
/// nothing, flat prices included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Allowance {
    at: Time,
    included: Decimal,
    allowed: bool,
}

/// For every metered level item that a package allowance covers, its allowance over time.
/// Per region and resource, the packages active at an instant include their allowance x
/// their quantity; the items of that resource use it up in item order, as in a quote.
fn level_allowances(
    catalog: &Catalog,
    request: &InvoiceRequest,
) -> Result<BTreeMap<usize, Vec<Allowance>>, Error> {
    // Per (region, resource): contributions (item, included per unit of level) and users (item, unit divisor).
    type Pool = (Vec<(usize, Decimal)>, Vec<(usize, Decimal)>);
    let mut pools: BTreeMap<(Option<&str>, &str), Pool> = BTreeMap::new();
    for (i, item) in request.items.iter().enumerate() {
        if let Some(ProductKind::Package(spec)) = catalog.product(&item.product).map(|p| &p.kind) {
            for resource in ALLOWANCE_RESOURCES {
                if let Some(inc) = spec.included(resource).filter(|inc| *inc > Decimal::ZERO) {
                    pools.entry((region_of(request, item), resource)).or_default().0.push((i, inc));
                }
            }
        }
    }
    for (i, item) in request.items.iter().enumerate() {
        if let Some(ProductKind::Metered(m)) = catalog.product(&item.product).map(|p| &p.kind) {
            if let (false, Some((_, users))) =
                (m.aggregated, pools.get_mut(&(region_of(request, item), m.resource.as_str())))
            {
                users.push((i, m.unit));
            }
        }
    }
    let mut out = BTreeMap::new();
    let mut steps_left = MAX_ALLOWANCE_STEPS;
    for (givers, users) in pools.values().filter(|(g, u)| !g.is_empty() && !u.is_empty()) {
        // Every change of any member (the givers, then the users), in time order.
        let mut events: Vec<PoolEvent> = Vec::new();
        let members = givers
            .iter()
            .map(|(i, inc)| (*i, *inc, true))
            .chain(users.iter().map(|(i, unit)| (*i, *unit, false)));
        for (member, (i, factor, gives)) in members.enumerate() {
            let (levels, _, end) = levels(request, &request.items[i]);
            for &(at, level) in levels.iter() {
                let value = if gives { checked::mul(level, factor)? } else { checked::div(level, factor)? };
                events.push(PoolEvent { at, member, value, ends: false });
            }
            events.push(PoolEvent { at: end, member, value: Decimal::ZERO, ends: true });
        }
        events.sort_by_key(|e| e.at);
        let steps = share_pool(&events, givers.len(), users.len(), request.end, &mut steps_left)?;
        out.extend(users.iter().map(|(i, _)| *i).zip(steps));
    }
    Ok(out)
}

/// Most changes of package allowance one invoice computes: each cuts a segment, so past
/// [`MAX_SEGMENTS`] the invoice would be refused anyway.
const MAX_ALLOWANCE_STEPS: usize = MAX_SEGMENTS;

/// A member of an allowance pool takes a new value from an instant on: a giver the allowance
/// it includes, a user its level in the allowance's unit. A user's time ends with `ends`.
struct PoolEvent {
    at: Time,
    member: usize,
    value: Decimal,
    ends: bool,
}

/// One pool's allowance steps, per user, from `events` in time order (members `[0, givers)`
/// give, the next `users` use, in item order). At an instant, users `[0, covered)` have some
/// allowance: all before the last are covered fully, the last perhaps in part, and the rest
/// get none. So when anything changes, only the users whose levels changed and those between
/// the old and the new edge of coverage can see a different allowance: a change costs
/// O(log users) plus the steps it makes, never a pass over every user.
fn share_pool(
    events: &[PoolEvent],
    givers: usize,
    users: usize,
    period_end: Time,
    steps_left: &mut usize,
) -> Result<Vec<Vec<Allowance>>, Error> {
    let mut giving = vec![Decimal::ZERO; givers];
    let mut pool = Decimal::ZERO;
    let mut levels = SumTree::new(users);
    // The users whose time has begun and not ended, in order (a sorted list: at most 1,000).
    let mut active: Vec<usize> = Vec::new();
    let mut covered = 0;
    let mut touched: Vec<usize> = Vec::new();
    let mut steps: Vec<Vec<Allowance>> = vec![Vec::new(); users];
    let mut k = 0;
    while k < events.len() && events[k].at < period_end {
        let at = events[k].at;
        touched.clear();
        while k < events.len() && events[k].at == at {
            let e = &events[k];
            if let Some(g) = giving.get_mut(e.member) {
                pool = checked::add(checked::sub(pool, *g)?, e.value)?;
                *g = e.value;
            } else {
                let u = e.member - givers;
                levels.set(u, e.value);
                match (active.binary_search(&u), e.ends) {
                    (Ok(i), true) => drop(active.remove(i)),
                    (Err(i), false) => active.insert(i, u),
                    _ => {}
                }
                touched.push(u);
            }
            k += 1;
        }
        let (now_covered, left_for_last) = levels.cover(pool);
        let edge = covered.min(now_covered).saturating_sub(1)..covered.max(now_covered);
        covered = now_covered;
        let in_edge =
            &active[active.partition_point(|u| *u < edge.start)..active.partition_point(|u| *u < edge.end)];
        // A user may be visited twice (changed and in the edge): the second visit adds no step.
        let changed = touched.iter().filter(|u| active.binary_search(u).is_ok());
        for &u in changed.chain(in_edge) {
            let level = levels.get(u);
            let included = match u + 1 {
                n if n < covered => level,
                n if n == covered => level.min(left_for_last),
                _ => Decimal::ZERO,
            };
            let step = Allowance { at, included, allowed: u < covered };
            let steps = &mut steps[u];
            if steps.last().is_none_or(|s| (s.included, s.allowed) != (step.included, step.allowed)) {
                *steps_left = steps_left.checked_sub(1).ok_or_else(|| {
                    output_too_large(
                        "items",
                        &format!(
                            "more than {MAX_ALLOWANCE_STEPS} changes of package allowance in one invoice"
                        ),
                    )
                })?;
                steps.push(step);
            }
        }
    }
    Ok(steps)
}

/// `a + b`, `Decimal::MAX` past the largest decimal. One copy of Decimal's addition for the
/// tree below, not one inlined at each use (it is most of the tree's wasm size).
#[inline(never)]
fn saturating_add(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_add(b)
}

/// Users' levels in item order, with every prefix sum in O(log users). Sums saturate at
/// `Decimal::MAX`: a saturated sum is at least any pool, which is all [`SumTree::cover`] asks.
struct SumTree {
    /// A complete binary tree in an array: node `n` sums nodes `2n` and `2n + 1`; leaves from `width`.
    nodes: Vec<Decimal>,
    width: usize,
}

impl SumTree {
    fn new(len: usize) -> Self {
        let width = len.next_power_of_two();
        SumTree { nodes: vec![Decimal::ZERO; 2 * width], width }
    }

    fn get(&self, i: usize) -> Decimal {
        self.nodes[self.width + i]
    }

    fn set(&mut self, i: usize, value: Decimal) {
        let mut n = self.width + i;
        self.nodes[n] = value;
        while n > 1 {
            n /= 2;
            self.nodes[n] = saturating_add(self.nodes[2 * n], self.nodes[2 * n + 1]);
        }
    }

    /// How many users a pool reaches (each before the last covered fully), and what is left of
    /// it for the last: `pool` less the levels before it.
    fn cover(&self, pool: Decimal) -> (usize, Decimal) {
        if pool <= Decimal::ZERO {
            return (0, Decimal::ZERO);
        }
        if self.nodes[1] < pool {
            // Every user is covered: the sum is below the pool, so not saturated.
            let last = self.width - 1;
            return (self.width, saturating_add(pool, saturating_add(self.get(last), -self.nodes[1])));
        }
        // Descend to the first user whose level reaches what is left; the sums skipped are
        // below `left`, so never saturated.
        let (mut n, mut left) = (1, pool);
        while n < self.width {
            n *= 2;
            if self.nodes[n] < left {
                left = saturating_add(left, -self.nodes[n]);
                n += 1;
            }
        }
        (n - self.width + 1, left)
    }
}

/// What is left of each counter allowance, per region and resource.
type UsagePools<'r> = BTreeMap<(Option<&'r str>, &'static str), Decimal>;

/// Resources a package includes.
const ALLOWANCE_RESOURCES: [&str; 3] = ["storage", "bandwidth", "backup"];

/// What the packages include of each counter (bandwidth) over the period, per region and
/// resource: allowance x quantity x hours billed / hoursPerMonth, rounded up to 9 decimal
/// places (a byte, in GB), in the customer's favour.
fn usage_allowances<'r>(biller: &Biller<'_, 'r>) -> Result<UsagePools<'r>, Error> {
    let (catalog, request) = (biller.catalog, biller.request);
    let mut pools = BTreeMap::new();
    for item in &request.items {
        let Some(ProductKind::Package(spec)) = catalog.product(&item.product).map(|p| &p.kind) else {
            continue;
        };
        let (levels, start, end) = levels(request, item);
        // Package-hours, in seconds: sum of quantity x seconds billed.
        let mut held = Decimal::ZERO;
        for (j, (at, level)) in levels.iter().enumerate() {
            let until = levels.get(j + 1).map_or(end, |(next, _)| *next);
            let starts = *at == start && biller.starts_at(start);
            held = checked::add(held, checked::mul(*level, biller.seconds(*at, until, starts)?)?)?;
        }
        for resource in ALLOWANCE_RESOURCES {
            if let Some(inc) = spec.included(resource).filter(|inc| *inc > Decimal::ZERO) {
                let share = checked::div(checked::mul(inc, held)?, biller.month_seconds)?
                    .round_dp_with_strategy(9, RoundingStrategy::AwayFromZero);
                let slot: &mut Decimal = pools.entry((region_of(request, item), resource)).or_default();
                *slot = checked::add(*slot, share)?;
            }
        }
    }
    Ok(pools)
}

/// What one invoice is computed with.
struct Biller<'c, 'r> {
    catalog: &'c Catalog,
    request: &'r InvoiceRequest,
    currency: &'c Currency,
    spans: &'r [Span<'c>],
    /// 3600 x hoursPerMonth (capHours under the monthly cap): an amount x this is a segment's
    /// numerator.
    denominator: Decimal,
    /// 3600 x hoursPerMonth: what a monthly allowance is prorated by.
    month_seconds: Decimal,
    /// Where a percent coupon's window starts or ends inside the period, in time order: a
    /// segment is cut there, so that each is inside a window or outside it (SPEC 12).
    coupon_cuts: Vec<Time>,
    /// At most [`crate::MAX_PROBLEMS`] of each: a year of 100,000 unpriced segments is not
    /// 100,000 messages.
    warnings: Problems,
    errors: Problems,
}

impl<'c, 'r> Biller<'c, 'r> {
    /// Seconds billed for `[a, b)` of an item's time. Exact: all of them. Under
    /// `hourRounding: "up"` (SPEC 9), each started UTC clock hour is billed once, where it
    /// starts: the hours starting in `[a, b)`, and the hour the item started in when `a` is
    /// that start (`starts`), so that invoices split mid-hour never bill an hour twice.
    fn seconds(&self, a: Time, b: Time, starts: bool) -> Result<Decimal, Error> {
        match self.catalog.hour_rounding() {
            HourRounding::Exact => {
                let nanos = (b - a)
                    .num_nanoseconds()
                    .ok_or_else(|| crate::money::overflow("the segment's length"))?;
                Ok(Decimal::new(nanos, 9).normalize())
            }
            HourRounding::Up => {
                let on_the_hour =
                    |t: Time| t.timestamp().rem_euclid(3600) == 0 && t.timestamp_subsec_nanos() == 0;
                let ceil = |t: Time| {
                    let s = t.timestamp();
                    let floor = s - s.rem_euclid(3600);
                    if on_the_hour(t) {
                        floor
                    } else {
                        floor + 3600
                    }
                };
                let started_inside = if starts && !on_the_hour(a) { 3600 } else { 0 };
                Ok(Decimal::from((ceil(b) - ceil(a)).max(0) + started_inside))
            }
        }
    }

    /// Whether an item whose time in this period begins at `start` starts there: it began
    /// inside the period, or the period starts when billing does. Otherwise it was already
    /// running, and its clock hour at the period's start belongs to the previous invoice.
    fn starts_at(&self, start: Time) -> bool {
        start > self.request.start || self.request.customer.billing_start == Some(self.request.start)
    }

    /// The span in force at `t` (the last one starting at or before it).
    fn span_at(&self, t: Time) -> &'r Span<'c> {
        let i = self.spans.partition_point(|s| s.start <= t);
        &self.spans[i.saturating_sub(1)]
    }

    /// The rule for `product` in a span and where `quantity` lands.
    fn pricing(
        &self,
        span: &Span<'c>,
        product: &Product,
        region: Option<&str>,
        quantity: Decimal,
        covered: bool,
    ) -> Result<Pricing<'c>, Error> {
        let catalog = span.rules;
        let rules = span.plan_index.and_then(|plan| catalog.rule_key(plan, &product.id, region));
        rule_pricing(catalog, rules, span.phase, self.currency, quantity, covered)
    }

    /// `NO_PRICE_RULE` for an unpriced segment, unless it is in a free trial.
    fn unpriced(
        &mut self,
        i: usize,
        span: &Span<'_>,
        product: &Product,
        region: Option<&str>,
        segment: &Segment<'_>,
        above_last: Option<&(&PriceRule, Error)>,
    ) {
        if span.phase == Phase::Trial && !span.rules.has_paid_trial(span.plan) {
            return;
        }
        let problems = match self.request.strict || self.catalog.strict() {
            true => &mut self.errors,
            false => &mut self.warnings,
        };
        if !problems.wants() {
            return;
        }
        let tail =
            format!(" from {} to {}: billed at zero", instant_text(segment.start), instant_text(segment.end));
        let why =
            unpriced_message(above_last, span.plan, span.phase, self.currency, (&product.id, region), &tail);
        problems.add(Code::NoPriceRule, format!("items[{i}]"), why);
    }

    /// A level's segment priced by the hour: its amount as a numerator, its hourly rate, and
    /// under the monthly cap the most a month of it costs.
    #[allow(clippy::too_many_arguments)]
    fn segment(
        &self,
        span: &Span<'c>,
        start: Time,
        end: Time,
        seconds: Decimal,
        measured: Decimal,
        included: Decimal,
        quantity: Decimal,
        pricing: &Pricing<'c>,
    ) -> Result<Segment<'c>, Error> {
        let hpm = self.catalog.rate_hours();
        let rule = pricing.rule();
        let amount = match pricing {
            Pricing::Priced(_, reach) => reach.amount,
            _ => Decimal::ZERO,
        };
        let (numerator, hourly_rate) = match rule.map(|r| r.period) {
            None => (Decimal::ZERO, Decimal::ZERO),
            Some(Period::Hour) => (checked::mul(checked::mul(amount, seconds)?, hpm)?, amount),
            // Multiplied before it divides: 730 hours of a monthly price are the monthly price.
            Some(Period::Month) => (checked::mul(amount, seconds)?, checked::div(amount, hpm)?),
        };
        let cap = match rule {
            Some(rule) => self.catalog.monthly_cap(rule.period, amount)?,
            None => None,
        };
        Ok(Segment {
            start,
            end,
            seconds,
            plan: &span.plan.id,
            version: span.version,
            phase: span.phase,
            measured,
            included,
            quantity,
            rule,
            period: rule.map(|r| r.period),
            hourly_rate: Some(hourly_rate),
            // Divided once the segments are merged (see `line`).
            amount: Decimal::ZERO,
            numerator,
            cap,
        })
    }

    /// A level item (a package, cpu, memory, storage, backup): billed by the hour, segment by segment.
    fn level_line(
        &mut self,
        i: usize,
        item: &'r InvoiceItem,
        product: &'c Product,
        allowances: &[Allowance],
    ) -> Result<InvoiceLine<'c>, Error> {
        let region: Option<&'r str> = region_of(self.request, item);
        let (levels, start, end) = levels(self.request, item);
        let mut cuts: Vec<Time> = levels.iter().map(|(at, _)| *at).collect();
        cuts.extend(self.spans.iter().map(|s| s.start));
        cuts.extend(allowances.iter().map(|a| a.at));
        cuts.extend(&self.coupon_cuts);
        if self.catalog.cap_hours().is_some() {
            cuts.extend(month_starts(start, end));
        }
        cuts.retain(|t| *t > start && *t < end);
        cuts.push(start);
        cuts.sort_unstable();
        cuts.dedup();
        let unit = match &product.kind {
            ProductKind::Metered(m) => Some(m.unit),
            ProductKind::Package(_) => None,
        };
        let mut segments: Vec<Segment> = Vec::new();
        for (c, a) in cuts.iter().copied().enumerate() {
            let b = cuts.get(c + 1).copied().unwrap_or(end);
            let level = levels[levels.partition_point(|(at, _)| *at <= a).saturating_sub(1)].1;
            let measured = match unit {
                Some(unit) => checked::div(level, unit)?,
                None => level,
            };
            let allowance = allowances.partition_point(|s| s.at <= a).checked_sub(1).map(|k| allowances[k]);
            let included = allowance.map_or(Decimal::ZERO, |s| s.included.min(measured));
            let quantity = checked::sub(measured, included)?;
            let covered = allowance.is_some_and(|s| s.allowed) && quantity.is_zero();
            let span = self.span_at(a);
            let pricing = self.pricing(span, product, region, quantity, covered)?;
            let segment = self.segment(
                span,
                a,
                b,
                self.seconds(a, b, a == start && self.starts_at(start))?,
                measured,
                included,
                quantity,
                &pricing,
            )?;
            // A stretch that bills no hour (under hourRounding "up") bills nothing: no warning.
            if let (Pricing::Unpriced(above_last), false) = (&pricing, segment.seconds.is_zero()) {
                self.unpriced(i, span, product, region, &segment, above_last.as_ref());
            }
            let apart = self.coupon_cuts.binary_search(&a).is_ok()
                || self.catalog.cap_hours().is_some()
                    && segments.last().is_some_and(|last| !same_month(last.start, a));
            match segments.last_mut() {
                Some(last) if same_price(last, &segment) && !apart => {
                    last.end = segment.end;
                    last.seconds = checked::add(last.seconds, segment.seconds)?;
                    last.numerator = checked::add(last.numerator, segment.numerator)?;
                }
                _ => segments.push(segment),
            }
        }
        self.line(product, region, start, end, false, segments)
    }

    /// A counter (bandwidth): its usage over the item's time, less what the packages include
    /// over that time (used first, from the item's start), shared over the phases and plans in
    /// force (SPEC 9): exactly at the readings given in between, otherwise in proportion to the
    /// time. Each share is billed by the rule of its own phase and plan, at its place in the
    /// item's cumulative usage; a share without a rule (a free trial) costs nothing.
    fn usage_line(
        &mut self,
        i: usize,
        item: &'r InvoiceItem,
        product: &'c Product,
        pools: &mut UsagePools<'r>,
    ) -> Result<InvoiceLine<'c>, Error> {
        let region: Option<&'r str> = region_of(self.request, item);
        let (_, start, end) = levels(self.request, item);
        let ProductKind::Metered(m) = &product.kind else {
            return Err(Error::new(Code::NotMetered, "", "not a counter"));
        };
        let points = cumulative_usage(item, start, end, m.unit)?;
        let measured = points.last().map_or(Decimal::ZERO, |(_, c)| *c);
        let resource = ALLOWANCE_RESOURCES.into_iter().find(|r| *r == m.resource);
        let pool = resource.and_then(|r| pools.get_mut(&(region, r)));
        let allowed = pool.as_ref().is_some_and(|left| **left > Decimal::ZERO);
        let included = pool.map_or(Decimal::ZERO, |left| {
            let used = measured.min(*left);
            *left -= used;
            used
        });
        let billed = checked::sub(measured, included)?;
        let covered = allowed && billed.is_zero();
        let mut cuts: Vec<Time> =
            self.spans.iter().map(|s| s.start).chain(self.coupon_cuts.iter().copied()).collect();
        cuts.retain(|t| *t > start && *t < end);
        cuts.push(start);
        cuts.sort_unstable();
        cuts.dedup();
        let mut segments = Vec::with_capacity(cuts.len());
        for (k, a) in cuts.iter().copied().enumerate() {
            let b = cuts.get(k + 1).copied().unwrap_or(end);
            let (c0, c1) = (usage_at(&points, a)?, usage_at(&points, b)?);
            // The allowance is used first: billed usage starts once it is used up.
            let (b0, b1) = ((c0 - included).max(Decimal::ZERO), (c1 - included).max(Decimal::ZERO));
            let share = Share { from: b0, to: b1, whole: billed, first: k == 0, last: k + 1 == cuts.len() };
            let span = self.span_at(a);
            let rule = span.rules.find_rule(span.plan, &product.id, span.phase, self.currency.code(), region);
            let (amount, above_last) = match rule {
                Some(_) if covered => (Decimal::ZERO, None),
                Some(rule) => match share.amount(&rule.table) {
                    Ok(amount) => (amount, None),
                    Err(e) if e.code() == Code::QuantityAboveLastTier => (Decimal::ZERO, Some((rule, e))),
                    Err(e) => return Err(e),
                },
                None => (Decimal::ZERO, None),
            };
            let rule = rule.filter(|_| above_last.is_none());
            let nanos =
                (b - a).num_nanoseconds().ok_or_else(|| crate::money::overflow("the item's length"))?;
            let segment = Segment {
                start: a,
                end: b,
                seconds: Decimal::new(nanos, 9).normalize(),
                plan: &span.plan.id,
                version: span.version,
                phase: span.phase,
                measured: checked::sub(c1, c0)?,
                included: checked::sub(checked::sub(c1, c0)?, checked::sub(b1, b0)?)?,
                quantity: checked::sub(b1, b0)?,
                rule,
                period: rule.map(|r| r.period),
                hourly_rate: None,
                amount: Decimal::ZERO,
                numerator: checked::mul(amount, self.denominator)?,
                cap: None,
            };
            if rule.is_none() {
                self.unpriced(i, span, product, region, &segment, above_last.as_ref());
            }
            segments.push(segment);
        }
        self.line(product, region, start, end, true, segments)
    }

    /// Caps each group of `segments` (one calendar month, one rule, one quantity) at the rule's
    /// monthly price: the group's amount goes to its segments in time order until the cap is
    /// reached (SPEC 10). Nothing without the cap, and nothing for usage (never capped).
    fn cap(&self, segments: &mut [Segment<'c>]) -> Result<Vec<CapGroup<'c>>, Error> {
        let mut groups: Vec<(CapGroup<'c>, Decimal)> = Vec::new();
        // (year, month, rule, quantity) -> its group: an item of 10,000 levels costs 10,000
        // look-ups, and a segment no text (a quantity's value is its key: 1.0 is 1).
        // A rule's path is its own within one catalog version (SPEC 16: a moved plan's rules
        // are another version's).
        let mut index: BTreeMap<(i32, u32, Option<&str>, &str, Decimal), usize> = BTreeMap::new();
        for s in segments.iter_mut() {
            let (Some(cap), Some(rule)) = (s.cap, s.rule) else { continue };
            let key = (s.start.year(), s.start.month(), s.version, rule.path.as_str(), s.quantity);
            let (group, left) = match index.get(&key) {
                Some(&k) => &mut groups[k],
                None => {
                    index.insert(key, groups.len());
                    let group = CapGroup {
                        month: month_of(s.start),
                        rule,
                        version: s.version,
                        quantity: s.quantity,
                        uncapped: Decimal::ZERO,
                        cap,
                        capped: false,
                    };
                    groups.push((group, checked::mul(cap, self.denominator)?));
                    groups.last_mut().expect("just pushed")
                }
            };
            // The uncapped sum is kept as a numerator until the end.
            group.uncapped = checked::add(group.uncapped, s.numerator)?;
            let take = s.numerator.min(*left);
            *left = checked::sub(*left, take)?;
            s.numerator = take;
        }
        groups
            .into_iter()
            .map(|(mut g, _)| {
                g.capped = g.uncapped > checked::mul(g.cap, self.denominator)?;
                g.uncapped = checked::div(g.uncapped, self.denominator)?;
                Ok(g)
            })
            .collect()
    }

    fn line(
        &self,
        product: &'c Product,
        region: Option<&str>,
        start: Time,
        end: Time,
        usage: bool,
        mut segments: Vec<Segment<'c>>,
    ) -> Result<InvoiceLine<'c>, Error> {
        let caps = self.cap(&mut segments)?;
        let mut numerator = Decimal::ZERO;
        for s in &mut segments {
            s.amount = checked::div(s.numerator, self.denominator)?;
            numerator = checked::add(numerator, s.numerator)?;
        }
        let exact = checked::div(numerator, self.denominator)?;
        // Validated with the request: the catalog's own id is what the line borrows.
        let region = match region {
            Some(r) => Some(self.catalog.known_region(r, || "region".to_string())?.1),
            None => None,
        };
        Ok(InvoiceLine {
            product: &product.id,
            external_id: product.external_id.as_deref(),
            kind: match product.kind {
                ProductKind::Package(_) => "package",
                ProductKind::Metered(_) => "metered",
            },
            region,
            start,
            end,
            usage,
            segments,
            caps,
            exact,
            // Rounded once from the exact ratio, never from its 28-digit quotient.
            amount: Money::round_ratio(numerator, self.denominator, self.currency, self.catalog.rounding())?,
        })
    }
}

/// Whether two instants are in one calendar month (UTC).
fn same_month(a: Time, b: Time) -> bool {
    use chrono::Datelike;
    (a.year(), a.month()) == (b.year(), b.month())
}

/// The calendar month (UTC) of an instant, `"2026-10"`.
fn month_of(t: Time) -> String {
    // Not chrono's strftime, which would bring its format parser into the wasm.
    format!("{:04}-{:02}", t.year(), t.month())
}

/// The first instants of the calendar months (UTC) after `start` and before `end`.
fn month_starts(start: Time, end: Time) -> Vec<Time> {
    let mut out = Vec::new();
    let mut month = month_start(start).checked_add_months(Months::new(1));
    while let Some(first) = month.filter(|t| *t < end) {
        out.push(first);
        month = first.checked_add_months(Months::new(1));
    }
    out
}

/// A counter's usage so far (in its billing unit) at the instants the request says it exactly:
/// zero at the item's start, each reading in between, the whole usage at its end. A reading
/// lower than the one before is a counter reset (SPEC 6).
fn cumulative_usage(
    item: &InvoiceItem,
    start: Time,
    end: Time,
    unit: Decimal,
) -> Result<Vec<(Time, Decimal)>, Error> {
    let mut points = vec![(start, Decimal::ZERO)];
    match &item.usage {
        Usage::Quantity(q) => points.push((end, checked::div(*q, unit)?)),
        Usage::Readings { reading, previous, between } => {
            let (mut last, mut total) = (previous.unwrap_or(Decimal::ZERO), Decimal::ZERO);
            for (at, r) in between.iter().chain(std::iter::once(&(end, *reading))) {
                let used = if *r >= last { checked::sub(*r, last)? } else { *r };
                total = checked::add(total, used)?;
                last = *r;
                points.push((*at, checked::div(total, unit)?));
            }
        }
        Usage::Changes(_) => {
            return Err(Error::new(Code::InvalidValue, "changes", "a counter has no levels"))
        }
    }
    Ok(points)
}

/// The usage so far at `t`: exact at a known instant, in proportion to the time in between.
fn usage_at(points: &[(Time, Decimal)], t: Time) -> Result<Decimal, Error> {
    let k = points.partition_point(|(at, _)| *at <= t);
    let (t0, c0) = points[k.saturating_sub(1)];
    let Some(&(t1, c1)) = points.get(k) else { return Ok(c0) };
    if t0 == t {
        return Ok(c0);
    }
    let nanos = |a: Time, b: Time| {
        (b - a)
            .num_nanoseconds()
            .map(Decimal::from)
            .ok_or_else(|| crate::money::overflow("the item's length"))
    };
    // To 9 decimal places (a byte of a GB): shares are then exact, and add up to the usage.
    let part = checked::div(checked::mul(checked::sub(c1, c0)?, nanos(t0, t)?)?, nanos(t0, t1)?)?
        .round_dp_with_strategy(9, RoundingStrategy::MidpointNearestEven);
    Ok(checked::add(c0, part)?.min(c1))
}

/// A share of a counter's billed usage, from `from` to `to` of the `whole` (SPEC 9).
struct Share {
    from: Decimal,
    to: Decimal,
    whole: Decimal,
    /// The first share takes a graduated table's flat price at zero, T(0).
    first: bool,
    /// The last share takes a volume table's flat price.
    last: bool,
}

impl Share {
    /// What the share costs with `table`: graduated, T(to) - T(from) (with T(0) on the first
    /// share); volume, the share (in blocks, counted on the cumulative usage, so the shares'
    /// blocks add up to the whole's) x the unit price of the tier the whole usage falls in, and
    /// that tier's flat price on the last share. Exact: nothing here divides.
    fn amount(&self, table: &TierTable) -> Result<Decimal, Error> {
        let at = |q: Decimal| table.reach(q).map(|r| r.amount);
        match table.mode() {
            TierMode::Graduated => {
                let mut amount = checked::sub(at(self.to)?, at(self.from)?)?;
                if self.first {
                    amount = checked::add(amount, at(Decimal::ZERO)?)?;
                }
                Ok(amount)
            }
            TierMode::Volume => {
                let tier = &table.tiers()[table.reach(self.whole)?.tier];
                let units = |q: Decimal| table.blocks(q).map(|b| b.unwrap_or(q));
                let share = checked::sub(units(self.to)?, units(self.from)?)?;
                let mut amount = checked::mul(share, tier.unit_price)?;
                if self.last {
                    amount = checked::add(amount, tier.flat_price)?;
                }
                Ok(amount)
            }
        }
    }
}

/// Whether two adjacent segments bill the same way (and so are one segment).
fn same_price(a: &Segment, b: &Segment) -> bool {
    // Plans and rules are the catalog's own: the same one is the same reference.
    std::ptr::eq(a.plan, b.plan)
        && a.phase == b.phase
        && a.measured == b.measured
        && a.included == b.included
        && a.quantity == b.quantity
        && a.rule.map(std::ptr::from_ref) == b.rule.map(std::ptr::from_ref)
        && a.hourly_rate == b.hourly_rate
}

/// Recomputes the invoice of `request` and lists how `received` differs from it, value by value.
/// An empty list means the received invoice is exactly what the engine computes.
///
/// # Errors
/// Whatever [`invoice`] reports for the request.
///
/// # Example
/// ```
/// use ratecard::{invoice, verify_invoice, Catalog, InvoiceRequest};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let request = InvoiceRequest::from_json(&catalog, r#"{
///     "period": {"start": "2027-11-01", "end": "2027-12-01"},
///     "customer": {"billingStart": "2026-01-01"}, "items": [{"product": "small", "quantity": 2}]}"#).unwrap();
/// let sent = invoice(&catalog, &request).unwrap().to_json().unwrap();
/// let parse = |t: &str| ratecard::Value::parse(t).unwrap();
/// assert!(verify_invoice(&catalog, &request, &parse(&sent)).unwrap().is_empty());
/// // Two smalls for November's 720 hours: 10.00 x 720 / 672 = 10.71, capped at the monthly 10.00.
/// let changed = sent.replacen(r#""amount":"10.00","amountMinor""#, r#""amount":"9.00","amountMinor""#, 1);
/// assert_eq!(verify_invoice(&catalog, &request, &parse(&changed)).unwrap()[0].path, "lines[0].amount");
/// ```
pub fn verify_invoice(
    catalog: &Catalog,
    request: &InvoiceRequest,
    received: &Value,
) -> Result<Vec<Difference>, Error> {
    differences(&invoice_within(Pinned::one(catalog), request, &mut Budget::default())?.to_json()?, received)
}

// proptest is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;

    fn demo() -> Catalog {
        Catalog::from_json(crate::DEMO_CATALOG).unwrap()
    }

    /// The demo catalog without its monthly cap: a cap groups one invoice's segments, so an
    /// invoice split in two bills what the whole does only without it.
    fn uncapped_demo() -> Catalog {
        let text = crate::DEMO_CATALOG
            .replace("\"monthlyCap\": true,", "\"monthlyCap\": false,")
            .replace("\"capHours\": \"672\",", "");
        let catalog = Catalog::from_json(&text).unwrap();
        assert_eq!(catalog.cap_hours(), None);
        catalog
    }

    fn t0() -> Time {
        "2026-11-01T00:00:00Z".parse().unwrap()
    }

    fn hours(h: i64) -> Time {
        t0() + TimeDelta::hours(h)
    }

    /// One generated item: product, quantity or level changes (hour offsets into the period,
    /// sorted), and optional start and end offsets.
    type Spec = (usize, Vec<(i64, u32)>, Option<i64>, Option<i64>);

    /// A request over `[0, len)` hours of the demo catalog's level products (counters bill
    /// usage once, so they do not split), with plan changes when `billing_start` is far enough
    /// back that every plan is in its final phase (phases only move forward within a period).
    fn request(len: i64, billing_back: i64, specs: &[Spec], changes: &[(i64, bool)]) -> InvoiceRequest {
        const PRODUCTS: [&str; 6] = ["small", "medium", "storage", "backup", "cpu", "memory"];
        let mut items = Vec::new();
        for (product, levels, from, until) in specs {
            let mut levels: Vec<(i64, u32)> = levels.iter().map(|(at, q)| (at.rem_euclid(len), *q)).collect();
            levels.sort_unstable();
            levels.dedup_by_key(|(at, _)| *at);
            let start = match (levels.len(), from) {
                (1, Some(f)) => f.rem_euclid(len),
                (1, None) => 0,
                _ => levels[0].0,
            };
            let last = if levels.len() > 1 { levels[levels.len() - 1].0 } else { start };
            let until = until.map(|u| last + 1 + u.rem_euclid(len - last)).filter(|u| *u < len);
            let usage = if levels.len() == 1 {
                Usage::Quantity(Decimal::from(levels[0].1))
            } else {
                Usage::Changes(levels.iter().map(|(at, q)| (hours(*at), Decimal::from(*q))).collect())
            };
            items.push(InvoiceItem {
                product: PRODUCTS[product % PRODUCTS.len()].to_string(),
                region: None,
                from: (levels.len() == 1 && start > 0).then(|| hours(start)),
                until: until.map(hours),
                usage,
            });
        }
        let far = billing_back > 24 * 200;
        let mut plan_changes: Vec<PlanChange> = changes
            .iter()
            .filter(|_| far)
            .map(|(at, pro)| PlanChange {
                at: hours(1 + at.rem_euclid(len - 1)),
                plan: if *pro { "pro" } else { "standard" }.to_string(),
            })
            .collect();
        plan_changes.sort_by_key(|c| c.at);
        plan_changes.dedup_by_key(|c| c.at);
        InvoiceRequest {
            catalog_version: None,
            start: t0(),
            end: hours(len),
            customer: Customer {
                region: Some("us-east".to_string()),
                billing_start: Some(t0() - TimeDelta::hours(billing_back)),
                ..Customer::default()
            },
            items,
            plan_changes,
            tax: None,
            credits: Vec::new(),
            strict: false,
        }
    }

    /// `request` cut at `m`: the part before and the part from it on, each item and plan
    /// change where it falls, an item that spans `m` in both with its level at `m`.
    fn split(request: &InvoiceRequest, m: Time) -> (InvoiceRequest, InvoiceRequest) {
        let mut first = InvoiceRequest { end: m, items: vec![], plan_changes: vec![], ..request.clone() };
        let mut second = InvoiceRequest { start: m, items: vec![], plan_changes: vec![], ..request.clone() };
        for item in &request.items {
            let (levels, start, end) = levels(request, item);
            if start < m {
                let before: Vec<_> = levels.iter().copied().filter(|(at, _)| *at < m).collect();
                let usage = match &item.usage {
                    Usage::Changes(_) => Usage::Changes(before),
                    other => other.clone(),
                };
                first.items.push(InvoiceItem { until: (end < m).then_some(end), usage, ..item.clone() });
            }
            if end > m {
                let at_m = levels[levels.partition_point(|(at, _)| *at <= m).saturating_sub(1)];
                let usage = match &item.usage {
                    Usage::Changes(_) if start < m => {
                        let mut after = vec![(m, at_m.1)];
                        after.extend(levels.iter().copied().filter(|(at, _)| *at > m));
                        Usage::Changes(after)
                    }
                    other => other.clone(),
                };
                let from = match usage {
                    Usage::Changes(_) => None,
                    _ => Some(start.max(m)),
                };
                second.items.push(InvoiceItem { from, usage, ..item.clone() });
            }
        }
        for change in &request.plan_changes {
            if change.at < m {
                first.plan_changes.push(change.clone());
            } else if change.at == m {
                second.customer.plan = Some(change.plan.clone());
            } else {
                second.plan_changes.push(change.clone());
            }
        }
        if let Some(last) = first.plan_changes.last() {
            second.customer.plan.get_or_insert(last.plan.clone());
        }
        (first, second)
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            0usize..6,
            prop::collection::vec((0i64..5000, 0u32..600), 1..4),
            prop::option::of(0i64..5000),
            prop::option::of(0i64..5000),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Billing a period in two halves gives the very numerator of billing it whole, and
        /// an invoice's segments tile each item's time, its lines add up to its total, and it
        /// verifies against itself.
        #[test]
        fn halves_add_up_to_the_whole_and_segments_tile_each_item(
            len in 2i64..1500,
            cut in 1i64..1500,
            billing_back in 0i64..8000,
            specs in prop::collection::vec(spec(), 0..6),
            changes in prop::collection::vec((0i64..1500, any::<bool>()), 0..3),
        ) {
            let catalog = uncapped_demo();
            let whole_request = request(len, billing_back, &specs, &changes);
            let whole = invoice(&catalog, &whole_request).unwrap();
            let m = hours(1 + cut.rem_euclid(len - 1));
            let (a, b) = split(&whole_request, m);
            let (a, b) = (invoice(&catalog, &a).unwrap(), invoice(&catalog, &b).unwrap());
            prop_assert_eq!(whole.numerator, a.numerator + b.numerator);

            let mut sum = Decimal::ZERO;
            for (line, item) in whole.lines.iter().zip(&whole_request.items) {
                let (_, start, end) = levels(&whole_request, item);
                prop_assert_eq!(line.segments[0].start, start);
                prop_assert_eq!(line.segments[line.segments.len() - 1].end, end);
                for pair in line.segments.windows(2) {
                    prop_assert_eq!(pair[0].end, pair[1].start);
                    prop_assert!(pair[0].start < pair[0].end);
                }
                let seconds: Decimal = line.segments.iter().map(|s| s.seconds).sum();
                prop_assert_eq!(seconds, Decimal::from((end - start).num_seconds()));
                sum += line.amount.amount();
            }
            prop_assert_eq!(sum, whole.total().unwrap().amount());
            let text = whole.to_json().unwrap();
            prop_assert!(verify_invoice(&catalog, &whole_request, &crate::verify::Value::parse(&text).unwrap()).unwrap().is_empty());
        }
    }

    /// The plain way to share a pool, user after user at every instant, as the order of a
    /// quote says: what [`share_pool`] must match while each user is active.
    fn share_pool_plainly(
        events: &[PoolEvent],
        givers: usize,
        users: usize,
        end: Time,
    ) -> Vec<Vec<Allowance>> {
        let mut current = vec![Decimal::ZERO; givers + users];
        let mut steps: Vec<Vec<Allowance>> = vec![Vec::new(); users];
        let mut k = 0;
        while k < events.len() && events[k].at < end {
            let at = events[k].at;
            while k < events.len() && events[k].at == at {
                current[events[k].member] = events[k].value;
                k += 1;
            }
            let mut left: Decimal = current[..givers].iter().sum();
            for (u, steps) in steps.iter_mut().enumerate() {
                let used = current[givers + u].min(left);
                steps.push(Allowance { at, included: used, allowed: left > Decimal::ZERO });
                left -= used;
            }
        }
        steps
    }

    /// A pool's members as events: each gets values at hours (sorted, deduplicated) and, for
    /// a user, an end after its last value.
    fn pool_events(givers: &[Vec<(i64, u32)>], users: &[(Vec<(i64, u32)>, i64)]) -> Vec<PoolEvent> {
        let mut events = Vec::new();
        let members = givers.iter().map(|g| (g, None)).chain(users.iter().map(|(u, end)| (u, Some(*end))));
        for (member, (values, end)) in members.enumerate() {
            let mut values = values.clone();
            values.sort_unstable_by_key(|(at, _)| *at);
            values.dedup_by_key(|(at, _)| *at);
            for (at, value) in &values {
                events.push(PoolEvent { at: hours(*at), member, value: Decimal::from(*value), ends: false });
            }
            if let Some(end) = end {
                let last = values.last().map_or(0, |(at, _)| *at);
                events.push(PoolEvent {
                    at: hours(last + 1 + end),
                    member,
                    value: Decimal::ZERO,
                    ends: true,
                });
            }
        }
        events.sort_by_key(|e| e.at);
        events
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Sharing a pool by its edge of coverage gives every active user the allowance the
        /// plain sweep gives it, at every instant anything changes.
        #[test]
        fn sharing_a_pool_by_its_edge_matches_the_plain_sweep(
            givers in prop::collection::vec(prop::collection::vec((0i64..12, 0u32..12), 1..4), 1..3),
            users in prop::collection::vec((prop::collection::vec((0i64..12, 0u32..5), 1..4), 0i64..12), 1..9),
        ) {
            let events = pool_events(&givers, &users);
            let end = hours(20);
            let fast = share_pool(&events, givers.len(), users.len(), end, &mut usize::MAX.clone()).unwrap();
            let plain = share_pool_plainly(&events, givers.len(), users.len(), end);
            let instants: Vec<Time> = events.iter().map(|e| e.at).filter(|at| *at < end).collect();
            for u in 0..users.len() {
                let member = givers.len() + u;
                let start = events.iter().find(|e| e.member == member).unwrap().at;
                let stop = events.iter().find(|e| e.member == member && e.ends).unwrap().at;
                for at in instants.iter().filter(|at| **at >= start && **at < stop) {
                    let in_force = |steps: &[Allowance]| {
                        let s = steps[steps.partition_point(|s| s.at <= *at) - 1];
                        (s.included, s.allowed)
                    };
                    prop_assert_eq!(in_force(&fast[u]), in_force(&plain[u]), "user {} at {}", u, at);
                }
                // A step only where the allowance changes: consecutive steps differ.
                for pair in fast[u].windows(2) {
                    prop_assert_ne!((pair[0].included, pair[0].allowed), (pair[1].included, pair[1].allowed));
                }
            }
        }
    }

    /// The committed demo catalog with more coupons: two unlimited 10% coupons, 3.00 off for
    /// ever, and 15% off the final phase for 2 months.
    fn coupon_demo() -> Catalog {
        let text = committed_demo_text().replacen(
            r#""coupons": ["#,
            r#""coupons": [
    {"id": "ten", "name": "10%", "percentOff": "10", "duration": "forever"},
    {"id": "ten-more", "name": "10% more", "percentOff": "10", "duration": "forever"},
    {"id": "three", "name": "3.00 off", "amountOff": {"USD": "3.00"}, "duration": "forever"},
    {"id": "final15", "name": "15% off the final phase", "percentOff": "15", "duration": "repeating", "months": 2,
     "appliesTo": {"phases": ["final"]}},"#,
            1,
        );
        Catalog::from_json(&text).unwrap()
    }

    /// Coupons a generated customer may redeem (not the demo's expired one).
    const COUPONS: [&str; 8] =
        ["welcome20", "save5", "pro10", "storage25", "ten", "ten-more", "three", "final15"];

    /// Redemptions of distinct coupons, each at an hour offset from the period's start.
    fn redemptions(picks: &[(usize, i64)]) -> Vec<crate::order::Redemption> {
        let mut out: Vec<crate::order::Redemption> = Vec::new();
        for (c, at) in picks {
            let coupon = COUPONS[c % COUPONS.len()].to_string();
            if out.iter().all(|r| r.coupon != coupon) {
                out.push(crate::order::Redemption { coupon, at: hours(*at) });
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// SPEC 11 and 12: no coupon takes more than what is left of what it applies to; the
        /// steps add up (each discount is the sum of its lines, each line's `left` is what the
        /// coupons before it left, `amountDue` = lines + true-ups - discounts); the windows that
        /// cut segments change no line; and the order redemptions are listed in changes nothing.
        #[test]
        fn coupons_never_take_more_than_is_left_and_the_steps_add_up(
            len in 2i64..1500,
            billing_back in 0i64..8000,
            specs in prop::collection::vec(spec(), 0..6),
            changes in prop::collection::vec((0i64..1500, any::<bool>()), 0..3),
            picks in prop::collection::vec((0usize..8, -3000i64..1500), 0..6),
        ) {
            let catalog = coupon_demo();
            let plain = request(len, billing_back, &specs, &changes);
            let mut with = plain.clone();
            with.customer.redemptions = Some(redemptions(&picks));
            let bill = invoice(&catalog, &with).unwrap();
            let before = invoice(&catalog, &plain).unwrap();
            // Windows cut segments, never what a line or true-up costs.
            let costs = |b: &Invoice<'_>| {
                let lines: Vec<_> = b.lines.iter().map(|l| (l.exact, l.amount)).collect();
                let true_ups: Vec<_> = b.true_ups.iter().map(|t| t.amount).collect();
                (lines, true_ups)
            };
            prop_assert_eq!(costs(&bill), costs(&before));
            let mut left: Vec<Decimal> = bill.lines.iter().map(|l| l.amount.amount())
                .chain(bill.true_ups.iter().map(|t| t.amount.amount())).collect();
            let mut taken = Decimal::ZERO;
            for d in &bill.discounts {
                let mut sum = Decimal::ZERO;
                for l in &d.lines {
                    let i = l.target.index(bill.lines.len());
                    prop_assert_eq!(l.left.amount(), left[i]);
                    prop_assert!(Decimal::ZERO < l.eligible.amount() && l.eligible.amount() <= l.left.amount());
                    prop_assert!(Decimal::ZERO <= l.amount.amount() && l.amount.amount() <= l.eligible.amount());
                    left[i] -= l.amount.amount();
                    sum += l.amount.amount();
                }
                prop_assert_eq!(d.amount.amount(), sum);
                if let Some(unused) = d.unused {
                    prop_assert!(unused.amount() >= Decimal::ZERO);
                }
                taken += sum;
            }
            prop_assert!(left.iter().all(|l| *l >= Decimal::ZERO));
            let billed = bill.amount_due().unwrap().amount() + taken;
            prop_assert_eq!(billed, before.amount_due().unwrap().amount());
            // Listed in reverse, the redemptions apply in the same order: the same invoice.
            let mut reversed = with.clone();
            reversed.customer.redemptions.as_mut().unwrap().reverse();
            prop_assert_eq!(invoice(&catalog, &reversed).unwrap().to_json().unwrap(), bill.to_json().unwrap());
        }

        /// A percent coupon redeemed for ever before the period takes what the same coupon
        /// given `once` with the invoice takes: both apply to all of it, however the period's
        /// items and plans cut it.
        #[test]
        fn a_window_over_the_whole_period_takes_what_a_once_coupon_takes(
            len in 2i64..1500,
            billing_back in 0i64..8000,
            specs in prop::collection::vec(spec(), 0..6),
            changes in prop::collection::vec((0i64..1500, any::<bool>()), 0..3),
        ) {
            let text = committed_demo_text().replacen(
                r#""coupons": ["#,
                r#""coupons": [{"id": "always", "name": "x", "percentOff": "12.5", "duration": "forever"},
                    {"id": "now", "name": "x", "percentOff": "12.5", "duration": "once"},"#,
                1,
            );
            let catalog = Catalog::from_json(&text).unwrap();
            let mut request = request(len, billing_back, &specs, &changes);
            let taken = |coupon: &str, request: &mut InvoiceRequest| {
                let at = hours(-1);
                request.customer.redemptions = Some(vec![crate::order::Redemption { coupon: coupon.to_string(), at }]);
                let bill = invoice(&catalog, request).unwrap();
                bill.discounts.iter().flat_map(|d| d.lines.iter().map(|l| (l.target, l.amount))).collect::<Vec<_>>()
            };
            prop_assert_eq!(taken("always", &mut request), taken("now", &mut request));
        }
    }

    /// The demo catalog with minimum commitments: standard 25.00 and pro 60.00 a month (USD).
    fn committed_demo() -> Catalog {
        Catalog::from_json(&committed_demo_text()).unwrap()
    }

    /// The text of [`committed_demo`].
    fn committed_demo_text() -> String {
        let text = crate::DEMO_CATALOG
            .replacen(
                r#""id": "standard","#,
                r#""id": "standard", "minimumCommitment": {"USD": "25.00"},"#,
                1,
            )
            .replacen(r#""id": "pro","#, r#""id": "pro", "minimumCommitment": {"USD": "60.00"},"#, 1);
        assert_ne!(text, crate::DEMO_CATALOG);
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// SPEC 11 and 13: the amount due is the lines and the true-ups, to the cent; a month on
        /// a committed plan pays at least its prorated commitment (to half a cent), and a month
        /// with no true-up already did.
        #[test]
        fn true_ups_top_each_month_up_to_its_commitment_and_add_up(
            len in 2i64..1500,
            billing_back in 0i64..8000,
            specs in prop::collection::vec(spec(), 0..6),
            changes in prop::collection::vec((0i64..1500, any::<bool>()), 0..3),
        ) {
            let catalog = committed_demo();
            let request = request(len, billing_back, &specs, &changes);
            let bill = invoice(&catalog, &request).unwrap();
            let true_ups: Decimal = bill.true_ups.iter().map(|t| t.amount.amount()).sum();
            prop_assert_eq!(bill.amount_due().unwrap().amount(), bill.total().unwrap().amount() + true_ups);
            let half_cent = Decimal::new(5, 3);
            // Every month of every plan span, with the hours on the plan and what it billed.
            let mut months: Vec<(&str, String, Decimal, Decimal)> = Vec::new();
            for span in &bill.plans {
                let mut t = span.start;
                while t < span.end {
                    let next = month_start(t).checked_add_months(Months::new(1)).unwrap().min(span.end);
                    let (plan, month) = (span.plan, month_of(t));
                    let hours = Decimal::from((next - t).num_seconds()) / Decimal::from(3600);
                    match months.iter_mut().find(|m| m.0 == plan && m.1 == month) {
                        Some(m) => m.2 += hours,
                        None => months.push((plan, month, hours, Decimal::ZERO)),
                    }
                    t = next;
                }
            }
            for s in bill.lines.iter().flat_map(|l| &l.segments) {
                if same_month(s.start, s.end - chrono::Duration::seconds(1)) {
                    let m = months.iter_mut().find(|m| m.0 == s.plan && m.1 == month_of(s.start)).unwrap();
                    m.3 += s.amount;
                }
            }
            for (plan, month, active, billed) in months {
                let commitment = catalog.plan(plan).unwrap().commitment_in(&bill.currency).unwrap().amount();
                let days = |m: &str| {
                    let (y, mo): (i32, u32) = (m[..4].parse().unwrap(), m[5..].parse().unwrap());
                    let start = chrono::NaiveDate::from_ymd_opt(y, mo, 1).unwrap();
                    (start.checked_add_months(Months::new(1)).unwrap() - start).num_days()
                };
                let owed = commitment * active / Decimal::from(24 * days(&month));
                let true_up = bill.true_ups.iter().find(|t| t.plan == plan && t.month == month);
                let paid = billed + true_up.map_or(Decimal::ZERO, |t| t.amount.amount());
                // Segments that run into another month are left out of `billed` here: only
                // usage lines have them, and they only add to what the month paid.
                let spans_months = bill.lines.iter().flat_map(|l| &l.segments).any(|s| s.plan == plan && !same_month(s.start, s.end - chrono::Duration::seconds(1)));
                if !spans_months {
                    prop_assert!(paid >= owed - half_cent, "{} {}: paid {} owed {}", plan, month, paid, owed);
                }
                if let Some(t) = true_up {
                    prop_assert!(t.amount.amount() > Decimal::ZERO);
                    prop_assert_eq!(t.active_hours, active.normalize());
                    prop_assert_eq!(t.commitment.amount(), commitment);
                }
            }
        }
    }

    #[test]
    fn a_pool_whose_levels_would_overflow_a_sum_still_shares() {
        // Two users of Decimal::MAX: their sum saturates, and the pool still covers the first in part.
        let big = Decimal::MAX;
        let events = vec![
            PoolEvent { at: hours(0), member: 0, value: Decimal::from(5), ends: false },
            PoolEvent { at: hours(0), member: 1, value: big, ends: false },
            PoolEvent { at: hours(0), member: 2, value: big, ends: false },
            PoolEvent { at: hours(2), member: 1, value: Decimal::ZERO, ends: true },
            PoolEvent { at: hours(2), member: 2, value: Decimal::ZERO, ends: true },
        ];
        let steps = share_pool(&events, 1, 2, hours(3), &mut 10).unwrap();
        let first = steps.iter().map(|s| (s[0].included, s[0].allowed)).collect::<Vec<_>>();
        assert_eq!(first, [(Decimal::from(5), true), (Decimal::ZERO, false)]);
    }

    #[test]
    fn more_allowance_changes_than_the_limit_are_refused() {
        // A pool that comes and goes at every hour flips both users each time: 2 steps an hour.
        let mut events = vec![
            PoolEvent { at: hours(0), member: 1, value: Decimal::ONE, ends: false },
            PoolEvent { at: hours(0), member: 2, value: Decimal::ONE, ends: false },
        ];
        events.extend((0..10).map(|h| PoolEvent {
            at: hours(h),
            member: 0,
            value: Decimal::from(h % 2 * 2),
            ends: false,
        }));
        events.sort_by_key(|e| e.at);
        assert!(share_pool(&events, 1, 2, hours(10), &mut 20).is_ok());
        let err = share_pool(&events, 1, 2, hours(10), &mut 19).unwrap_err();
        assert_eq!((err.code(), err.path()), (Code::OutputTooLarge, "items"));
    }

    #[test]
    fn an_allowance_that_comes_and_goes_for_many_items_is_refused_at_the_limit() {
        // A package that goes from 0 to 1,000 and back every hour, 5,000 times: its storage
        // allowance covers 833 of 998 storage items, then none. Every change moves hundreds
        // of items' allowances: refused once 100,000 have been computed, not after 4 million.
        let catalog = demo();
        let flips: Vec<(i64, u32)> = (0..5_000).map(|h| (h, if h % 2 == 0 { 0 } else { 1_000 })).collect();
        let mut specs: Vec<Spec> = vec![(1, flips, None, None)];
        specs.extend((0..998).map(|_| (2, vec![(0, 30)], None, None)));
        let request = request(5_001, 9000, &specs, &[]);
        let err = invoice(&catalog, &request).unwrap_err();
        assert_eq!((err.code(), err.path()), (Code::OutputTooLarge, "items"), "{err}");
        assert!(err.to_string().contains("changes of package allowance"), "{err}");
    }

    #[test]
    fn a_split_can_fail_when_a_half_loses_its_level() {
        // The property above compares numerators exactly: a half that drops one hour of one
        // item is seen.
        let catalog = demo();
        let whole = request(720, 9000, &[(1, vec![(0, 1)], None, None)], &[]);
        let (mut a, b) = split(&whole, hours(360));
        a.items[0].until = Some(hours(359));
        let (w, a, b) = (
            invoice(&catalog, &whole).unwrap(),
            invoice(&catalog, &a).unwrap(),
            invoice(&catalog, &b).unwrap(),
        );
        assert_ne!(w.numerator, a.numerator + b.numerator);
    }

    #[test]
    fn more_segments_than_the_limit_are_refused() {
        // 100 plan changes back and forth cut each of 1,000 items into 101 segments: 101,000.
        let catalog = demo();
        let specs: Vec<Spec> = (0..1_000).map(|_| (0, vec![(0, 1)], None, None)).collect();
        let changes: Vec<(i64, bool)> = (0..100).map(|k| (1 + 5 * k, k % 2 == 0)).collect();
        let request = request(720, 9000, &specs, &changes);
        assert_eq!(request.plan_changes.len(), 100);
        let err = invoice(&catalog, &request).unwrap_err();
        assert_eq!((err.code(), err.path()), (Code::OutputTooLarge, "items"));
        // One change fewer: 1,000 x 100 segments, within the limit.
        let within = super::tests::request(720, 9000, &specs, &changes[..99]);
        assert_eq!(invoice(&catalog, &within).unwrap().lines[0].segments.len(), 100);
    }
}
