//! Orders, quotes, the price matrix and quote verification (SPEC sections 4 to 7).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;

use crate::catalog::{
    Catalog, CatalogVersion, Period, Pinned, Plan, PriceRule, Product, ProductKind, RuleKey, VersionJson,
};
use crate::error::{Code, Error, Problem};
use crate::input::{shape, At, Field, Problems};
use crate::json_text::{add_member, json_text, list, object, with, ToJson};

use crate::catalog::{Coupon, Off};
use crate::discounts::{Discount, DiscountsJson, Offer, Target};
use crate::limits::Budget;
use crate::limits::{output_too_large, MAX_MATRIX_ROWS};
use crate::money::{checked, exact, Currency, Money, Rounding};
use crate::order::TaxContext;
use crate::order::{Amount, Order, OrderLine, Redemption};
use crate::phases::{instant_text, Instant, Phase, PhaseWindow};
use crate::taxes::{NoteJson, TaxStep, TaxesJson};
use crate::tiers::{Reach, TierMode, TierPrice};
use crate::verify::{differences, Difference, Value};

/// A computed quote (see [`quote`]): JSON via [`Quote::to_json`]. It borrows every name from
/// the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote<'c> {
    /// In a catalog set (SPEC 16), the customer's version.
    pub version: Option<&'c CatalogVersion>,
    /// The instant priced.
    pub at: DateTime<Utc>,
    /// The customer's plan.
    pub plan: &'c str,
    /// The customer's currency.
    pub currency: Currency,
    /// The customer's billing start.
    pub billing_start: DateTime<Utc>,
    /// The phase at `at`.
    pub phase: Phase,
    /// Priced lines, in order.
    pub lines: Vec<QuoteLine<'c>>,
    /// Phases from the current one on, with the monthly total in each.
    pub timeline: Vec<TimelineEntry>,
    /// The plan's minimum commitment in the quote's currency (SPEC 13), if it has one: a month
    /// on the plan costs at least that.
    pub minimum_commitment: Option<Money>,
    /// The customer's coupons that apply to a month at `at` (SPEC 12), in the order they
    /// apply: on the lines, then on the commitment's true-up (`once` coupons included: they
    /// apply to the first invoice).
    pub discounts: Vec<Discount<'c>>,
    /// The month's tax (SPEC 14) on what the discounts left, or why there is none.
    pub taxes: TaxStep<'c>,
    /// Lines priced at zero for lack of a rule, and the like.
    pub warnings: Vec<Problem>,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine<'c> {
    /// Product id.
    pub product: &'c str,
    /// The product's external id.
    pub external_id: Option<&'c str>,
    /// `"package"` or `"metered"`.
    pub kind: &'static str,
    /// The region priced.
    pub region: Option<&'c str>,
    /// The rule used, or `None` when none matched (price zero).
    pub rule: Option<&'c PriceRule>,
    /// Period of the rule's amounts.
    pub period: Option<Period>,
    /// Quantity measured (after readings and the unit divisor), before allowances.
    pub measured: Decimal,
    /// Part of the measured quantity covered by the packages of the order.
    pub included: Decimal,
    /// Quantity billed: measured - included.
    pub quantity: Decimal,
    /// Unit price of the tier the quantity reaches.
    pub unit_price: Decimal,
    /// How the tiers priced the quantity.
    pub tiers: Option<TierPrice>,
    /// Exact hourly amount.
    pub hourly: Decimal,
    /// Exact monthly amount.
    pub monthly: Decimal,
    /// The monthly amount rounded to the currency: what the line costs.
    pub amount: Money,
    /// Under the catalog's monthly cap (SPEC 10), the most a month of the line costs however
    /// many hours it has: the rule's monthly price at the quantity.
    pub cap: Option<Money>,
}

/// One stretch of the timeline (a phase, cut where a coupon's window starts or ends): its
/// window and what the order costs per month in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The phase's window.
    pub window: PhaseWindow,
    /// Sum of the rounded monthly line amounts in that phase.
    pub monthly: Money,
    /// What the coupons in force over the whole window take from a month (SPEC 12; not
    /// `once` coupons, which apply to one invoice).
    pub discount: Money,
    /// The ids of those coupons that take something, in the order they apply.
    pub coupons: Vec<String>,
    /// The tax of a month in the window (SPEC 14), on what the coupons leave: added to `due`
    /// when prices exclude it, part of it when they include it.
    pub tax: Money,
    /// What a month in the window is billed: `monthly`, or the plan's minimum commitment when
    /// that is more (SPEC 11 and 13: the true-up comes after the lines), less `discount`, plus
    /// an exclusive `tax`.
    pub due: Money,
    /// In a catalog set (SPEC 16), the version whose prices apply in the window: the
    /// customer's, or a newer one their plan moved to.
    pub version: Option<String>,
}

/// What is known about one order line before a phase is chosen.
struct Measured<'a> {
    product: &'a Product,
    region: Option<&'a str>,
    /// Where its rules are in the catalog (`None`: a plan the catalog does not have).
    rules: Option<RuleKey>,
    measured: Decimal,
    included: Decimal,
    quantity: Decimal,
    /// All of the usage is within a package allowance: the line costs nothing (SPEC 6).
    covered: bool,
}

/// Prices an order.
///
/// # Errors
/// `NO_DEFAULT_PLAN`, `BILLING_START_AFTER_AT`, tier errors (`QUANTITY_ABOVE_LAST_TIER`,
/// `OVERFLOW`) with the line's path, and in strict mode every `NO_PRICE_RULE`.
///
/// # Example
/// ```
/// use ratecard::{quote, Catalog, Order};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let order = Order::from_json(&catalog, r#"{"at": "2026-12-20T00:00:00Z",
///     "customer": {"region": "us-east", "billingStart": "2026-11-01T00:00:00Z"},
///     "lines": [{"product": "medium", "quantity": 1}, {"product": "storage", "quantity": "125"}]}"#).unwrap();
/// let q = quote(&catalog, &order).unwrap();
/// assert_eq!(q.phase.as_str(), "final");
/// // medium 12.00; storage: 25 GB included, 100 GB x 0.10 = 10.00
/// assert_eq!(q.lines[1].quantity.to_string(), "100");
/// assert_eq!(q.total().unwrap().to_string(), "22.00 USD");
/// ```
pub fn quote<'c>(catalog: &'c Catalog, order: &Order) -> Result<Quote<'c>, Error> {
    quote_within(Pinned::one(catalog), order, Detail::Full, &mut Budget::default())
}

/// How much a quote explains of its current phase's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Everything, the tier breakdown included: the default answer.
    Full,
    /// No tier breakdown is computed: what [`Quote::summary_json`] writes needs none.
    Summary,
}

/// [`quote`] within what the call may still spend (batches share one budget).
pub(crate) fn quote_within<'c>(
    pinned: Pinned<'c>,
    order: &Order,
    detail: Detail,
    budget: &mut Budget,
) -> Result<Quote<'c>, Error> {
    budget.take_lines(order.lines.len())?;
    let catalog = pinned.catalog;
    pinned.check_named(order.catalog_version.as_deref())?;
    let plan = order.customer.plan_in(catalog)?;
    let currency = order.customer.currency_in(catalog);
    let billing_start = order.customer.billing_start.unwrap_or(order.at);
    if billing_start > order.at {
        return Err(Error::new(
            Code::BillingStartAfterAt,
            "customer.billingStart",
            format!(
                "billingStart {} is after the order's at {}",
                instant_text(billing_start),
                instant_text(order.at)
            ),
        ));
    }
    // The phases (and, in a catalog set, the versions the plan moves to) from the one at `at` on.
    let mut spans = Vec::with_capacity(3);
    pinned.spans(plan, billing_start, (billing_start, None), &mut Phase::Trial, &mut spans)?;
    // Instants are written as RFC 3339, whose years have four digits.
    if spans.iter().filter_map(|s| s.end).any(|end| end.year() > 9999) {
        return Err(Error::new(
            Code::InvalidDate,
            "customer.billingStart",
            format!(
                "the phases of plan \"{}\" starting at {} would end after the year 9999",
                plan.id,
                instant_text(billing_start)
            ),
        ));
    }
    spans.retain(|s| s.end.is_none_or(|end| order.at < end));
    let current = spans[0];
    let own = measure(catalog, plan, order)?;
    let mut moved: Option<(&Catalog, Vec<Measured<'c>>)> = None;
    // At most MAX_PROBLEMS of each, however many lines and phases go unpriced.
    let (mut warnings, mut errors) = (Problems::new(), Problems::new());
    let redeemed = crate::discounts::redeemed(catalog, order.customer.redeemed());
    let mut discounts = Vec::new();
    let mut taxes = TaxStep::default();
    // Only the current phase's lines are kept (`price_line` gives them for it alone); the
    // buffers serve every phase.
    let mut lines = Vec::with_capacity(own.len());
    let mut pricings = Vec::with_capacity(own.len());
    let mut amounts = Vec::with_capacity(own.len());
    let mut timeline = Vec::with_capacity(spans.len());
    for (k, span) in spans.iter().enumerate() {
        let (rules, plan) = (span.stretch.rules, span.stretch.plan);
        // A plan moved to a newer version is priced by that version's rules.
        let measured = match std::ptr::eq(rules, catalog) {
            true => &own,
            false => {
                if !moved.as_ref().is_some_and(|(c, _)| std::ptr::eq(*c, rules)) {
                    moved = Some((rules, measure(rules, plan, order)?));
                }
                moved.as_ref().map_or(&own, |(_, m)| m)
            }
        };
        let commitment = plan.commitment_in(currency);
        // The current phase's lines are kept in full; later phases only need their total.
        let detailed = (k == 0).then_some(detail);
        pricings.clear();
        for (i, m) in measured.iter().enumerate() {
            pricings.push(pricing(rules, span.phase, currency, m).map_err(|e| e.within(&line_path(i)))?);
        }
        if detailed == Some(Detail::Full) {
            budget.take_tier_lines(pricings.iter().map(Pricing::tier_lines).sum())?;
        }
        amounts.clear();
        let paid_trial = rules.has_paid_trial(plan);
        for (i, (m, pricing)) in measured.iter().zip(pricings.drain(..)).enumerate() {
            if let Pricing::Unpriced(above_last) = &pricing {
                // A free trial (a trial without rules) prices everything at zero by design.
                let problems = match order.strict || catalog.strict() {
                    true => &mut errors,
                    false => &mut warnings,
                };
                if (span.phase != Phase::Trial || paid_trial) && problems.wants() {
                    let why = unpriced_message(
                        above_last.as_ref(),
                        plan,
                        span.phase,
                        currency,
                        (&m.product.id, m.region),
                        ": priced at zero",
                    );
                    problems.add(Code::NoPriceRule, line_path(i), why);
                }
            }
            let (amount, line) =
                price_line(catalog, m, &pricing, currency, detailed).map_err(|e| e.within(&line_path(i)))?;
            amounts.push(amount);
            lines.extend(line);
        }
        let monthly = Money::sum(&amounts, currency)?;
        let month = Month { catalog, plan, phase: span.phase, currency, measured, amounts: &amounts };
        if k == 0 {
            discounts = month.discounts(&redeemed, order.at, true, &mut warnings)?;
            let problems = match order.strict || catalog.strict() {
                true => &mut errors,
                false => &mut warnings,
            };
            taxes = month.taxes(order.tax.as_ref(), &discounts, problems)?;
        }
        // The span, cut where a coupon's window starts or ends after `at`.
        let mut cuts: Vec<DateTime<Utc>> = redeemed
            .iter()
            .filter_map(|(c, r, _)| crate::discounts::window_of(c, r))
            .flat_map(|(start, end)| [Some(start), end])
            .flatten()
            .filter(|t| *t > span.start.max(order.at) && span.end.is_none_or(|end| *t < end))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut start = span.start;
        for end in cuts.iter().copied().map(Some).chain([span.end]) {
            // Coupons in force over the stretch: those at its start (at `at` for the current one).
            let from = if start <= order.at { order.at } else { start };
            let applied = month.discounts(&redeemed, from, false, &mut Problems::new())?;
            let discount = crate::discounts::total(&applied, currency)?;
            let tax = month.taxes(order.tax.as_ref(), &applied, &mut Problems::new())?;
            let due = checked::add(at_least(monthly, commitment).amount(), tax.added(currency)?.amount())?;
            timeline.push(TimelineEntry {
                window: PhaseWindow { phase: span.phase, start, end },
                monthly,
                discount,
                coupons: applied
                    .iter()
                    .filter(|d| !d.amount.amount().is_zero())
                    .map(|d| d.coupon.id.clone())
                    .collect(),
                tax: tax.total(currency)?,
                due: Money::round(checked::sub(due, discount.amount())?, currency, catalog.rounding())?,
                version: span.stretch.version.map(str::to_string),
            });
            start = end.unwrap_or(start);
        }
    }
    if let Some(e) = errors.into_error() {
        return Err(e);
    }
    Ok(Quote {
        version: pinned.pinned(),
        at: order.at,
        plan: &plan.id,
        currency: *currency,
        billing_start,
        phase: current.phase,
        lines,
        timeline,
        minimum_commitment: current.stretch.plan.commitment_in(currency).copied(),
        discounts,
        taxes,
        warnings: warnings.into_list(),
    })
}

/// A month of an order in one phase, for its coupons: the lines' products and amounts.
struct Month<'a, 'c> {
    catalog: &'c Catalog,
    plan: &'c Plan,
    phase: Phase,
    currency: &'c Currency,
    measured: &'a [Measured<'c>],
    amounts: &'a [Money],
}

impl<'c> Month<'_, 'c> {
    /// The coupons that apply to the month at `at` (`once` ones only when `once`), applied to
    /// its lines and to the commitment's true-up; `COUPON_CURRENCY_MISMATCH` into `warnings`.
    fn discounts(
        &self,
        redeemed: &[(&'c Coupon, &Redemption, usize)],
        at: DateTime<Utc>,
        once: bool,
        warnings: &mut Problems,
    ) -> Result<Vec<Discount<'c>>, Error> {
        if redeemed.is_empty() {
            return Ok(Vec::new());
        }
        let bases = self.bases()?;
        let mut offers = Vec::new();
        for &(coupon, redemption, k) in redeemed {
            let window = crate::discounts::window_of(coupon, redemption);
            let applies = match window {
                None => once,
                Some(w) => crate::discounts::inside(w, at),
            };
            if !applies {
                continue;
            }
            if matches!(coupon.off, Off::Amount(_)) && coupon.amount_in(self.currency).is_none() {
                if warnings.wants() {
                    let problem = crate::discounts::currency_mismatch(coupon, k, self.currency);
                    warnings.add(problem.code, problem.path, problem.message);
                }
                continue;
            }
            let covers = |(i, (target, _)): (usize, &(Target, Money))| {
                let yes = match target {
                    Target::Line(l) => {
                        coupon.covers(&self.measured[*l].product.id, &self.plan.id, self.phase)
                    }
                    Target::TrueUp(_) => coupon.covers_true_up(&self.plan.id),
                };
                (i, Decimal::from(u8::from(yes)), Decimal::ONE)
            };
            offers.push(Offer {
                coupon,
                redeemed_at: redemption.at,
                window: window.unwrap_or((at, None)),
                shares: bases.iter().enumerate().map(covers).collect(),
            });
        }
        crate::discounts::apply(self.catalog, self.currency, &bases, offers)
    }

    /// What a month is billed before coupons: its lines, then the commitment's true-up when
    /// the lines cost less.
    fn bases(&self) -> Result<Vec<(Target, Money)>, Error> {
        let monthly = Money::sum(self.amounts, self.currency)?;
        let due = at_least(monthly, self.plan.commitment_in(self.currency));
        let mut bases: Vec<(Target, Money)> =
            self.amounts.iter().enumerate().map(|(i, m)| (Target::Line(i), *m)).collect();
        let true_up = checked::sub(due.amount(), monthly.amount())?;
        if true_up > Decimal::ZERO {
            bases.push((Target::TrueUp(0), Money::round(true_up, self.currency, self.catalog.rounding())?));
        }
        Ok(bases)
    }

    /// The month's tax under `context` on what `discounts` left (SPEC 14); `NO_TAX_RATE` into
    /// `problems`.
    fn taxes(
        &self,
        context: Option<&TaxContext>,
        discounts: &[Discount<'c>],
        problems: &mut Problems,
    ) -> Result<TaxStep<'c>, Error> {
        if context.is_none() {
            return crate::taxes::tax(self.catalog, self.currency, None, &[], problems);
        }
        let bases = self.bases()?;
        let class_of = |i: usize| self.measured[i].product.tax_class.as_str();
        let taxables =
            crate::taxes::taxables(&bases, self.amounts.len(), discounts, self.currency, class_of)?;
        crate::taxes::tax(self.catalog, self.currency, context, &taxables, problems)
    }
}

/// A month's amount, or the minimum commitment when that is more: both are rounded, so the
/// true-up between them is exact.
fn at_least(monthly: Money, commitment: Option<&Money>) -> Money {
    match commitment {
        Some(c) if c.amount() > monthly.amount() => *c,
        _ => monthly,
    }
}

/// Measured quantities, readings turned into usage, and package allowances applied.
fn measure<'c, 'o>(catalog: &'c Catalog, plan: &Plan, order: &'o Order) -> Result<Vec<Measured<'c>>, Error> {
    let plan_index = catalog.plan_index(plan);
    let region_of = |line: &'o OrderLine| line.region.as_deref().or(order.customer.region.as_deref());
    // Validated when the order was decoded against this catalog.
    let products = order
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let index = catalog.product_index(&line.product).ok_or_else(|| {
                Error::new(Code::UnknownProduct, format!("lines[{i}].product"), "unknown product")
            })?;
            Ok((index, &catalog.products()[index]))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    // What the packages of the order include, per (region, resource).
    let mut allowance: BTreeMap<(Option<&str>, &str), Decimal> = BTreeMap::new();
    for (line, (_, product)) in order.lines.iter().zip(&products) {
        if let (ProductKind::Package(spec), Amount::Quantity(q)) = (&product.kind, line.amount) {
            for resource in ["storage", "bandwidth", "backup"] {
                let inc = checked::mul(spec.included(resource).unwrap_or_default(), q)?;
                let slot = allowance.entry((region_of(line), resource)).or_default();
                *slot = checked::add(*slot, inc)?;
            }
        }
    }
    let mut out = Vec::with_capacity(order.lines.len());
    for (i, (line, &(product_index, product))) in order.lines.iter().zip(&products).enumerate() {
        let at = |e: Error| e.within(&line_path(i));
        // Also validated with the order: the catalog's own id is what the line borrows.
        let region = match region_of(line) {
            Some(r) => Some(catalog.known_region(r, || format!("lines[{i}].region"))?),
            None => None,
        };
        let rules =
            plan_index.map(|plan| RuleKey { plan, product: product_index, region: region.map(|r| r.0) });
        let region = region.map(|r| r.1);
        let raw = match line.amount {
            Amount::Quantity(q) => q,
            Amount::Reading { reading, previous } => match (&product.kind, previous) {
                // A reading below the previous one is a counter reset: the whole reading is new.
                (ProductKind::Metered(m), Some(prev)) if m.aggregated && reading >= prev => {
                    checked::sub(reading, prev).map_err(at)?
                }
                _ => reading,
            },
        };
        let (measured, included, allowed) = match &product.kind {
            ProductKind::Package(_) => (raw, Decimal::ZERO, false),
            ProductKind::Metered(m) => {
                let units = checked::div(raw, m.unit).map_err(at)?;
                let pool = allowance.get_mut(&(region_of(line), m.resource.as_str()));
                let allowed = pool.as_ref().is_some_and(|left| **left > Decimal::ZERO);
                let used = pool.map_or(Decimal::ZERO, |left| {
                    let used = units.min(*left);
                    *left -= used;
                    used
                });
                (units, used, allowed)
            }
        };
        let quantity = checked::sub(measured, included).map_err(at)?;
        let covered = allowed && quantity.is_zero();
        out.push(Measured { product, region, rules, measured, included, quantity, covered });
    }
    Ok(out)
}

/// `lines[i]`.
fn line_path(i: usize) -> String {
    let mut path = String::from("lines[");
    path.push_str(itoa::Buffer::new().format(i));
    path.push(']');
    path
}

/// How one line (or an invoice segment) is priced in one phase.
pub(crate) enum Pricing<'a> {
    /// No rule matches (`None`), or the rule has no price for the quantity (above its bounded
    /// last tier: the rule and that error): zero, with `NO_PRICE_RULE`.
    Unpriced(Option<(&'a PriceRule, Error)>),
    /// All of the usage is within a package allowance: zero, flat prices included.
    Covered(&'a PriceRule),
    /// The rule and where the quantity lands in its table.
    Priced(&'a PriceRule, Reach),
}

impl<'a> Pricing<'a> {
    /// Tier lines the line's explanation lists.
    fn tier_lines(&self) -> usize {
        match self {
            Pricing::Priced(rule, reach) => match rule.table.mode() {
                TierMode::Volume => 1,
                TierMode::Graduated => reach.tier + 1,
            },
            _ => 0,
        }
    }

    pub(crate) fn rule(&self) -> Option<&'a PriceRule> {
        match *self {
            Pricing::Unpriced(_) => None,
            Pricing::Covered(rule) | Pricing::Priced(rule, _) => Some(rule),
        }
    }
}

/// Finds a line's rule in a phase and where its quantity lands (SPEC sections 2, 4 and 6).
fn pricing<'a>(
    catalog: &'a Catalog,
    phase: Phase,
    currency: &Currency,
    m: &Measured<'_>,
) -> Result<Pricing<'a>, Error> {
    rule_pricing(catalog, m.rules, phase, currency, m.quantity, m.covered).map_err(|e| e.within("quantity"))
}

/// The rule at `rules` (a plan, product and region) in `phase` and `currency`, and where
/// `quantity` lands in its table; `covered`: all of it is within a package allowance.
pub(crate) fn rule_pricing<'c>(
    catalog: &'c Catalog,
    rules: Option<RuleKey>,
    phase: Phase,
    currency: &Currency,
    quantity: Decimal,
    covered: bool,
) -> Result<Pricing<'c>, Error> {
    let Some(rule) = rules.and_then(|key| catalog.rule(key, phase, currency.key())) else {
        return Ok(Pricing::Unpriced(None));
    };
    if covered {
        return Ok(Pricing::Covered(rule));
    }
    match rule.table.reach(quantity) {
        Ok(reach) => Ok(Pricing::Priced(rule, reach)),
        Err(e) if e.code() == Code::QuantityAboveLastTier => Ok(Pricing::Unpriced(Some((rule, e)))),
        Err(e) => Err(e),
    }
}

/// The `NO_PRICE_RULE` message of an unpriced line, ending with `tail` (": priced at zero");
/// written only when it is reported.
pub(crate) fn unpriced_message(
    above_last: Option<&(&PriceRule, Error)>,
    plan: &Plan,
    phase: Phase,
    currency: &Currency,
    (product, region): (&str, Option<&str>),
    tail: &str,
) -> String {
    match above_last {
        None => format!(
            "no price rule for \"{product}\" in plan \"{}\", {} phase, {}, region {}{tail}",
            plan.id,
            phase.as_str(),
            currency.code(),
            region.map_or("(none)".to_string(), |r| format!("\"{r}\""))
        ),
        Some((rule, e)) => format!(
            "{} in {}, so \"{product}\" has no price in the {} phase{tail}",
            e.problems()[0].message,
            rule.path,
            phase.as_str()
        ),
    }
}

/// One line's rounded amount, and the whole line when `detailed` (the current phase's lines),
/// explained as far as it says.
/// What a line costs, before any of its names are copied into a [`QuoteLine`].
struct Figures {
    unit_price: Decimal,
    hourly: Decimal,
    monthly: Decimal,
    amount: Money,
    cap: Option<Money>,
}

/// The figures of a measured line under its pricing.
fn figures(
    catalog: &Catalog,
    m: &Measured<'_>,
    pricing: &Pricing<'_>,
    currency: &Currency,
) -> Result<Figures, Error> {
    let (exact, unit_price) = match pricing {
        Pricing::Priced(_, reach) => (reach.amount, reach.unit_price),
        _ => (Decimal::ZERO, Decimal::ZERO),
    };
    let rule = pricing.rule();
    let (hourly, monthly) = match rule {
        Some(rule) => (hourly_of(catalog, rule.period, exact)?, monthly_of(catalog, rule.period, exact)?),
        None => (Decimal::ZERO, Decimal::ZERO),
    };
    let amount = Money::round(monthly, currency, catalog.rounding())?;
    let counter = matches!(&m.product.kind, ProductKind::Metered(metered) if metered.aggregated);
    let cap = match rule {
        // A counter bills usage, never capped.
        Some(rule) if !counter => catalog
            .monthly_cap(rule.period, exact)?
            .map(|cap| Money::round(cap, currency, catalog.rounding()))
            .transpose()?,
        _ => None,
    };
    Ok(Figures { unit_price, hourly, monthly, amount, cap })
}

fn price_line<'c>(
    catalog: &Catalog,
    m: &Measured<'c>,
    pricing: &Pricing<'c>,
    currency: &Currency,
    detailed: Option<Detail>,
) -> Result<(Money, Option<QuoteLine<'c>>), Error> {
    let Some(detail) = detailed else {
        // A later phase's total needs only each line's rounded month.
        let monthly = match pricing {
            Pricing::Priced(rule, reach) => monthly_of(catalog, rule.period, reach.amount)?,
            _ => Decimal::ZERO,
        };
        return Ok((Money::round(monthly, currency, catalog.rounding())?, None));
    };
    let Figures { unit_price, hourly, monthly, amount, cap } = figures(catalog, m, pricing, currency)?;
    let rule = pricing.rule();
    let tiers = match (pricing, detail) {
        (Pricing::Priced(rule, _), Detail::Full) => {
            Some(rule.table.price(m.quantity).map_err(|e| e.within("quantity"))?)
        }
        _ => None,
    };
    let line = QuoteLine {
        product: &m.product.id,
        external_id: m.product.external_id.as_deref(),
        kind: match m.product.kind {
            ProductKind::Package(_) => "package",
            ProductKind::Metered(_) => "metered",
        },
        region: m.region,
        rule,
        period: rule.map(|r| r.period),
        measured: m.measured,
        included: m.included,
        quantity: m.quantity,
        unit_price,
        tiers,
        hourly,
        monthly,
        amount,
        cap,
    };
    Ok((amount, Some(line)))
}

/// What a month of a rule's `amount` for `period` costs: a monthly amount is never derived by
/// division, and under the monthly cap (SPEC 10) an hourly rule's month costs at most its rate
/// x capHours.
fn monthly_of(catalog: &Catalog, period: Period, amount: Decimal) -> Result<Decimal, Error> {
    Ok(match period {
        Period::Hour => {
            let month = checked::mul(amount, catalog.hours_per_month())?;
            match catalog.monthly_cap(period, amount)? {
                Some(cap) => month.min(cap),
                None => month,
            }
        }
        Period::Month => amount,
    })
}

/// The hourly rate of a rule's `amount` for `period`: only the derived rate of a monthly rule
/// divides (28 significant digits), by capHours under the monthly cap.
fn hourly_of(catalog: &Catalog, period: Period, amount: Decimal) -> Result<Decimal, Error> {
    match period {
        Period::Hour => Ok(amount),
        Period::Month => checked::div(amount, catalog.rate_hours()),
    }
}

impl Quote<'_> {
    /// The total of the current phase: the sum of the rounded line amounts.
    ///
    /// # Errors
    /// `OVERFLOW` when the sum exceeds the decimal range.
    pub fn total(&self) -> Result<Money, Error> {
        Money::sum(self.lines.iter().map(|l| &l.amount), &self.currency)
    }

    /// What a month in the current phase is billed (SPEC 11): the total, or the plan's
    /// minimum commitment when that is more, less the discounts, plus an exclusive tax.
    ///
    /// # Errors
    /// `OVERFLOW` when the sum exceeds the decimal range.
    pub fn amount_due(&self) -> Result<Money, Error> {
        let due = at_least(self.total()?, self.minimum_commitment.as_ref());
        let discount = crate::discounts::total(&self.discounts, &self.currency)?;
        let tax = self.taxes.added(&self.currency)?;
        let due = checked::add(checked::sub(due.amount(), discount.amount())?, tax.amount())?;
        Money::round(due, &self.currency, Rounding::HalfUp)
    }

    /// The quote as JSON text: what every runtime returns, byte for byte.
    ///
    /// # Errors
    /// `OVERFLOW` when a total exceeds the decimal range.
    pub fn to_json(&self) -> Result<String, Error> {
        json_text(&self.answer(Detail::Full))
    }

    /// The quote's answer, in full or its summary.
    pub(crate) fn answer(&self, detail: Detail) -> QuoteAnswer<'_> {
        QuoteAnswer(self, detail)
    }

    /// The quote's summary as JSON text: each line's amount, the totals, the phase and the
    /// timeline, without the explanation of each line (its rule, quantities and tiers). It is
    /// less than half the full answer's size, for pages that quote on every keystroke.
    ///
    /// # Errors
    /// `OVERFLOW` when a total exceeds the decimal range.
    ///
    /// # Example
    /// ```
    /// use ratecard::{quote, Catalog, Order};
    /// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let order = Order::from_json(&catalog, r#"{"at": "2026-12-20T00:00:00Z",
    ///     "customer": {"billingStart": "2026-11-01T00:00:00Z"},
    ///     "lines": [{"product": "medium", "quantity": 2}]}"#).unwrap();
    /// let summary = quote(&catalog, &order).unwrap().summary_json().unwrap();
    /// assert!(summary.contains(r#""lines":[{"line":0,"product":"medium","amount":"24.00","amountMinor":"2400"}]"#));
    /// ```
    pub fn summary_json(&self) -> Result<String, Error> {
        json_text(&self.answer(Detail::Summary))
    }
}

/// A quote as JSON, in full (the shape the `.d.ts` declares as `Quote`) or its summary
/// (`QuoteSummary`: each line's amount only).
pub(crate) struct QuoteAnswer<'a>(&'a Quote<'a>, Detail);

impl ToJson for QuoteAnswer<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let QuoteAnswer(q, detail) = *self;
        let places = q.currency.exponent();
        let mut hourly = Decimal::ZERO;
        let mut monthly = Decimal::ZERO;
        for l in &q.lines {
            // Hourly figures of monthly rules are quotients (28 digits): their sum is a display
            // value and may round at the 28th digit. Money (monthly, amount) stays exact.
            hourly =
                hourly.checked_add(l.hourly).ok_or_else(|| crate::money::overflow("the hourly total"))?;
            monthly = checked::add(monthly, l.monthly)?;
        }
        let total = q.total()?;
        let due = q.amount_due()?;
        let currency = q.currency.code();
        object!(out, {
            "at": Instant(q.at),
            "plan": q.plan,
            "currency": currency,
            "billingStart": Instant(q.billing_start),
            "phase": q.phase.as_str(),
            "lines": list(&q.lines, |out, i, line| match detail {
                Detail::Full => line.write_json(i, places, out),
                Detail::Summary => object!(out, {
                    "line": i,
                    "product": line.product,
                    "amount": line.amount.amount(),
                    "amountMinor": line.amount.minor(),
                }),
            }),
            "totals": [with(|out| object!(out, {
                "currency": currency,
                "hourly": exact(hourly, places),
                "monthly": exact(monthly, places),
                "amount": total.amount(),
                "amountMinor": total.minor(),
            }))],
            "minimumCommitment": q.minimum_commitment.map(|m| m.amount()),
            "discounts": DiscountsJson(&q.discounts),
            "taxes": TaxesJson(&q.taxes),
            "taxNote": NoteJson(&q.taxes.note),
            "amountDue": due.amount(),
            "amountDueMinor": due.minor(),
            "timeline": list(&q.timeline, |out, _, t| {
                object!(out, {
                    "phase": t.window.phase.as_str(),
                    "start": Instant(t.window.start),
                    "end": t.window.end.map(Instant),
                    "amount": t.monthly.amount(),
                    "amountMinor": t.monthly.minor(),
                    "discount": t.discount.amount(),
                    "coupons": t.coupons,
                    "tax": t.tax.amount(),
                    "amountDue": t.due.amount(),
                    "amountDueMinor": t.due.minor(),
                })?;
                match &t.version {
                    Some(v) => add_member(out, "version", v.as_str()),
                    None => Ok(()),
                }
            }),
            "warnings": q.warnings,
        })?;
        match q.version {
            Some(v) => add_member(out, "catalog", &VersionJson(v)),
            None => Ok(()),
        }
    }
}

/// The rule a line or segment used, as `{path, id}`: its path in the catalog and its id.
pub(crate) struct RuleJson<'a>(pub(crate) &'a PriceRule);

impl ToJson for RuleJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, { "path": self.0.path, "id": self.0.id })
    }
}

impl QuoteLine<'_> {
    /// The line as JSON: quantities and prices normalised (`0.1`), amounts at no fewer than
    /// the currency's decimal `places`.
    fn write_json(&self, index: usize, places: u32, out: &mut String) -> Result<(), Error> {
        let tier_lines = self.tiers.as_ref().map_or(&[][..], |t| &t.lines[..]);
        object!(out, {
            "line": index,
            "product": self.product,
            "externalId": self.external_id,
            "kind": self.kind,
            "region": self.region,
            "rule": self.rule.map(RuleJson),
            "period": self.period.map(Period::as_str),
            "measured": self.measured.normalize(),
            "included": self.included.normalize(),
            "quantity": self.quantity.normalize(),
            "blocks": self.tiers.as_ref().and_then(|t| t.blocks).map(|b| b.normalize()),
            "unitPrice": self.unit_price.normalize(),
            "tiers": list(tier_lines, |out, _, l| l.write_json(places, out)),
            "hourly": exact(self.hourly, places),
            "monthly": exact(self.monthly, places),
            "amount": self.amount.amount(),
            "amountMinor": self.amount.minor(),
            "cap": self.cap.as_ref().map(Money::amount),
        })
    }
}

/// Recomputes the quote of `order` and lists how `received` differs from it, value by value.
/// An empty list means the received quote is exactly what the engine computes.
///
/// # Errors
/// Whatever [`quote`] reports for the order.
///
/// # Example
/// ```
/// use ratecard::{quote, verify_quote, Catalog, Order};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let order = Order::from_json(&catalog, r#"{"at": "2026-11-21T00:00:00Z", "lines": [{"product": "small", "quantity": 1}]}"#).unwrap();
/// let mut sent = quote(&catalog, &order).unwrap().to_json().unwrap();
/// assert!(verify_quote(&catalog, &order, &ratecard::Value::parse(&sent).unwrap()).unwrap().is_empty());
/// sent = sent.replacen(r#""phase":"trial""#, r#""phase":"final""#, 1);
/// let diffs = verify_quote(&catalog, &order, &ratecard::Value::parse(&sent).unwrap()).unwrap();
/// assert_eq!(diffs[0].path, "phase");
/// ```
pub fn verify_quote(catalog: &Catalog, order: &Order, received: &Value) -> Result<Vec<Difference>, Error> {
    differences(&quote(catalog, order)?.to_json()?, received)
}

/// Which part of the price matrix to compute; `None` means all (the default plan for `plan`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatrixOptions {
    /// Plan id; the default plan when `None`.
    pub plan: Option<String>,
    /// Only this currency.
    pub currency: Option<String>,
    /// Only this region.
    pub region: Option<String>,
    /// Only this phase.
    pub phase: Option<Phase>,
}

shape!(
    /// Price matrix options as JSON gives them.
    MatrixOptionsDoc {
        catalogVersion: Field<String>,
        at: Field<DateTime<Utc>>,
        plan: Field<String>,
        currency: Field<String>,
        region: Field<String>,
        phase: Field<String>,
    }
);

impl MatrixOptions {
    /// Checks options read from JSON against the catalog.
    pub(crate) fn validate<'c>(
        p: &mut Problems,
        o: &MatrixOptionsDoc,
        at: &At<'_>,
        catalog: &'c Catalog,
    ) -> Option<MatrixOptions> {
        p.fields(o, at);
        // Read to choose the catalog version (see `api::matrix`), only checked here.
        let _ = p.opt(&o.catalogVersion, &at.key("catalogVersion"), Problems::id);
        let _ = p.opt(&o.at, &at.key("at"), |_, t, _| Some(*t));
        // Looked up by index; the known ids are listed only for an unknown one.
        let mut known = |field: &Field<String>,
                         key: &str,
                         has: &dyn Fn(&str) -> bool,
                         ids: &dyn Fn() -> Vec<&'c str>,
                         code| {
            p.opt(field, &at.key(key), |p, s, at| {
                if !has(s) {
                    p.unknown(code, at, key, s, ids());
                    return None;
                }
                Some(s.clone())
            })
        };
        let plan = known(
            &o.plan,
            "plan",
            &|s| catalog.plan(s).is_some(),
            &|| catalog.plans().iter().map(|p| p.id.as_str()).collect(),
            Code::UnknownPlan,
        );
        let currency = known(
            &o.currency,
            "currency",
            &|s| catalog.currency(s).is_some(),
            &|| catalog.currencies().iter().map(|c| c.code()).collect(),
            Code::UnknownCurrency,
        );
        let region = known(
            &o.region,
            "region",
            &|s| catalog.has_region(s),
            &|| catalog.regions().iter().map(|r| r.id.as_str()).collect(),
            Code::UnknownRegion,
        );
        let phase = p.opt(&o.phase, &at.key("phase"), |p, s, at| p.choice(s, at, &Phase::NAMES));
        Some(MatrixOptions { plan: plan?, currency: currency?, region: region?, phase: phase? })
    }
}

/// The price matrix of a plan (see [`price_matrix`]): JSON via [`PriceMatrix::to_json`]. It
/// borrows every name from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceMatrix<'c> {
    /// In a catalog set (SPEC 16), the version priced.
    pub version: Option<&'c CatalogVersion>,
    /// The plan priced.
    pub plan: &'c str,
    /// One row per product, region, currency and phase.
    pub rows: Vec<MatrixRow<'c>>,
}

/// One row of a price matrix: a product's price at quantity 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow<'c> {
    /// Product id.
    pub product: &'c str,
    /// Region id (`None` in a catalog without regions).
    pub region: Option<&'c str>,
    /// The currency.
    pub currency: Currency,
    /// The phase.
    pub phase: Phase,
    /// Path of the rule that prices it, if any.
    pub rule: Option<&'c str>,
    /// Whether the price depends on the quantity (more than one tier, or blocks).
    pub tiered: bool,
    /// Unit price of the first unit.
    pub unit_price: Decimal,
    /// Exact hourly amount.
    pub hourly: Decimal,
    /// Exact monthly amount.
    pub monthly: Decimal,
    /// The monthly amount rounded to the currency.
    pub amount: Money,
    /// Under the catalog's monthly cap, the most a month of it costs.
    pub cap: Option<Money>,
}

impl PriceMatrix<'_> {
    /// The matrix as JSON text.
    ///
    /// # Errors
    /// None in practice (every field is text).
    pub fn to_json(&self) -> Result<String, Error> {
        json_text(self)
    }
}

/// `{plan, rows: [{product, region, currency, phase, rule, tiered, unitPrice, hourly, monthly,
/// amount, cap}]}`: unit prices normalised, exact amounts at no fewer than the currency's
/// decimal places.
impl ToJson for PriceMatrix<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let written = object!(out, {
            "plan": self.plan,
            "rows": list(&self.rows, |out, _, r| {
                let places = r.currency.exponent();
                object!(out, {
                    "product": r.product,
                    "region": r.region,
                    "currency": r.currency.code(),
                    "phase": r.phase.as_str(),
                    "rule": r.rule,
                    "tiered": r.tiered,
                    "unitPrice": r.unit_price.normalize(),
                    "hourly": exact(r.hourly, places),
                    "monthly": exact(r.monthly, places),
                    "amount": r.amount.amount(),
                    "cap": r.cap.as_ref().map(Money::amount),
                })
            }),
        });
        written?;
        match self.version {
            Some(v) => add_member(out, "catalog", &VersionJson(v)),
            None => Ok(()),
        }
    }
}

/// The price matrix of an order form: for one plan, every product x region x currency x phase,
/// priced at quantity 1 (tiered products show the first unit's price and `tiered: true`).
///
/// # Errors
/// `NO_DEFAULT_PLAN` when no plan is given and there is no default; `UNKNOWN_REGION` for a region
/// the catalog does not have; `OVERFLOW`.
///
/// # Example
/// ```
/// use ratecard::{price_matrix, Catalog, MatrixOptions};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let opts = MatrixOptions { currency: Some("EUR".into()), region: Some("eu-west".into()), ..Default::default() };
/// let m = price_matrix(&catalog, &opts).unwrap().to_json().unwrap();
/// assert!(m.contains(r#""product":"medium","region":"eu-west","currency":"EUR","phase":"final""#));
/// ```
pub fn price_matrix<'c>(catalog: &'c Catalog, options: &MatrixOptions) -> Result<PriceMatrix<'c>, Error> {
    let plan = match &options.plan {
        Some(id) => catalog.plan(id),
        None => catalog.default_plan(),
    }
    .ok_or_else(|| {
        Error::new(Code::NoDefaultPlan, "plan", "no plan was given and the catalog has no default plan")
    })?;
    // Each region with its index.
    let regions: Vec<Option<(usize, &str)>> = match &options.region {
        Some(r) => vec![Some(catalog.known_region(r, || "region".to_string())?)],
        None if catalog.regions().is_empty() => vec![None],
        None => catalog.regions().iter().enumerate().map(|(i, r)| Some((i, r.id.as_str()))).collect(),
    };
    let plan_index = catalog.plan_index(plan);
    let currencies: Vec<&Currency> = catalog
        .currencies()
        .iter()
        .filter(|c| options.currency.as_deref().is_none_or(|want| c.code() == want))
        .collect();
    let phases: Vec<Phase> = Phase::ALL
        .into_iter()
        .filter(|p| plan.has_phase(*p) && options.phase.is_none_or(|want| want == *p))
        .collect();
    let count = [regions.len(), currencies.len(), phases.len()]
        .iter()
        .try_fold(catalog.products().len(), |n, k| n.checked_mul(*k))
        .unwrap_or(usize::MAX);
    if count > MAX_MATRIX_ROWS {
        return Err(output_too_large(
            "",
            &format!(
                "{count} rows (products x regions x currencies x phases), and a matrix has at most \
                 {MAX_MATRIX_ROWS}: choose a region, a currency or a phase in the options"
            ),
        ));
    }
    let mut rows = Vec::with_capacity(count);
    for (product_index, product) in catalog.products().iter().enumerate() {
        for region in &regions {
            let rules =
                plan_index.map(|plan| RuleKey { plan, product: product_index, region: region.map(|r| r.0) });
            for currency in &currencies {
                for phase in &phases {
                    let m = Measured {
                        product,
                        region: region.map(|r| r.1),
                        rules,
                        measured: Decimal::ONE,
                        included: Decimal::ZERO,
                        quantity: Decimal::ONE,
                        covered: false,
                    };
                    let pricing = pricing(catalog, *phase, currency, &m)?;
                    let rule = pricing.rule();
                    let line = figures(catalog, &m, &pricing, currency)?;
                    let tiered =
                        rule.is_some_and(|r| r.table.tiers().len() > 1 || r.table.block_size().is_some());
                    rows.push(MatrixRow {
                        product: &product.id,
                        region: m.region,
                        currency: **currency,
                        phase: *phase,
                        rule: rule.map(|r| r.path.as_str()),
                        tiered,
                        unit_price: line.unit_price,
                        hourly: line.hourly,
                        monthly: line.monthly,
                        amount: line.amount,
                        cap: line.cap,
                    });
                }
            }
        }
    }
    Ok(PriceMatrix { version: None, plan: &plan.id, rows })
}
