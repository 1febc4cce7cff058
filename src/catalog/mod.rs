//! The catalog: currencies, regions, products and packages, billing plans with their phases
//! and price rules. Loading a catalog validates it and reports every problem at once.

mod coupons;
mod diff;
pub(crate) mod load;
mod partners;
mod public;
mod versions;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::{Code, Error, Problem};
use crate::json_text::{json_text, object, ToJson};
use crate::limits::MAX_PROBLEMS;
use crate::money::{CodeKey, Currency, Money, Rounding};
use crate::phases::{HourRounding, Phase, PhaseClock, PhaseDuration};
use crate::tiers::TierTable;
pub use coupons::{AppliesTo, Coupon, CouponDuration, Off};
pub use diff::{diff, diff_json, Change};
pub(crate) use partners::names_or_none;
pub use partners::{Environment, Partner, Partners, PlanType, Recurrence, UsageFee};
pub use public::PublicCatalog;
pub(crate) use versions::{not_a_set, Pinned, VersionDoc, VersionJson};
pub use versions::{CatalogSet, CatalogVersion, Loaded};

/// A region where products are sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Identifier used by price rules and orders.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// What is inside a package (a container size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    /// CPU cores, a positive multiple of 0.25.
    pub cpu: Decimal,
    /// Memory in MB, positive.
    pub memory_mb: Decimal,
    /// Included storage in GB.
    pub storage_gb: Decimal,
    /// Included bandwidth in GB.
    pub bandwidth_gb: Decimal,
    /// Included backup storage in GB.
    pub backup_gb: Decimal,
}

impl PackageSpec {
    /// What the package includes of a metered resource (`storage`, `bandwidth`, `backup`).
    pub fn included(&self, resource: &str) -> Option<Decimal> {
        match resource {
            "storage" => Some(self.storage_gb),
            "bandwidth" => Some(self.bandwidth_gb),
            "backup" => Some(self.backup_gb),
            _ => None,
        }
    }
}

/// How a metered product is measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metered {
    /// `cpu`, `memory`, `storage`, `bandwidth`, `backup`, or another name.
    pub resource: String,
    /// `CORE`, `MB`, `GB`, ...
    pub unit_type: String,
    /// Divisor: billable quantity = measured quantity / unit (usually 1).
    pub unit: Decimal,
    /// Bill the difference between cumulative readings (bandwidth counters).
    pub aggregated: bool,
}

/// What kind of product this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductKind {
    /// A container package.
    Package(PackageSpec),
    /// A metered resource.
    Metered(Metered),
}

/// A product, defined once and priced by any number of plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Passed through to quote lines, for billing integrations.
    pub external_id: Option<String>,
    /// Which of a tax context's rates apply to it (SPEC 14): `standard` unless it says.
    pub tax_class: String,
    /// Package or metered resource.
    pub kind: ProductKind,
}

/// Who sells what the catalog prices: shown on the order form and its printout.
///
/// # Example
/// ```
/// let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// assert_eq!(catalog.seller().unwrap().name, "Demo Cloud GmbH");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    /// The seller's name.
    pub name: String,
    /// Postal address, one text.
    pub address: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// Web site.
    pub url: Option<String>,
    /// Tax id (a VAT number), printed on quotes.
    pub tax_id: Option<String>,
}

/// A tax rate a tax context may name (SPEC 14): `percent` of a taxable amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    /// Identifier, named by tax contexts.
    pub id: String,
    /// Display name ("VAT 19%").
    pub name: String,
    /// The percent, at least 0, with at most 4 decimal places.
    pub percent: Decimal,
}

/// Whether a catalog's prices include tax (SPEC 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaxMode {
    /// Tax is added to the prices (the default).
    #[default]
    Exclusive,
    /// Prices include tax: the customer pays the gross shown, and the tax is the part of it.
    Inclusive,
}

/// Where tax is rounded (SPEC 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaxRounding {
    /// Once per invoice and rate, then shared to the lines (EN 16931 BR-CO-17; the default).
    #[default]
    Invoice,
    /// Each line's tax on its own.
    Line,
}

/// The unit of time a price rule's amount covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The amount is per hour (monthly = amount x hoursPerMonth).
    Hour,
    /// The amount is per month (hourly = amount / hoursPerMonth).
    Month,
}

impl Period {
    /// The period's name in JSON: `"hour"` or `"month"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Month => "month",
        }
    }
}

/// A price rule: the tier table for one product, phase and currency, optionally per region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRule {
    /// Optional identifier, reported on quote lines.
    pub id: Option<String>,
    /// Where the rule is in the catalog (`plans[0].prices[3]`), reported on quote lines.
    pub path: String,
    /// The product priced.
    pub product: String,
    /// The phase it applies in.
    pub phase: Phase,
    /// The currency of its prices.
    pub currency: String,
    /// Regions it applies to; empty means every region.
    pub regions: Vec<String>,
    /// What time its amounts cover.
    pub period: Period,
    /// The tier table.
    pub table: TierTable,
}

/// A billing plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The plan of customers who have none (at most one plan is default).
    pub default: bool,
    /// Length of the trial phase, if the plan has one.
    pub trial: Option<PhaseDuration>,
    /// Length of the discount phase (counted per the catalog's phase clock), if any.
    pub discount: Option<PhaseDuration>,
    /// Price rules.
    pub prices: Vec<PriceRule>,
    /// The least a customer on the plan pays a calendar month, by currency (SPEC 13): an
    /// invoice whose month costs less on the plan gets a true-up for the rest, prorated by the
    /// hours on the plan.
    pub minimum_commitment: Vec<Money>,
    /// In a catalog set (SPEC 16), when customers of older versions move to this version's
    /// prices and phases of the plan; `None`: only customers of this version pay them.
    pub existing_customers: Option<Move>,
}

/// When a plan's existing customers move to a newer version's prices (SPEC 16).
///
/// # Example
/// ```
/// use ratecard::{Align, CatalogSet};
/// let set = CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
/// let newest = &set.newest().catalog;
/// let moved = newest.plan("pro").unwrap().existing_customers.unwrap();
/// assert_eq!(moved.align, Align::NextPeriod);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The instant from which they may move (`existingCustomersFrom`).
    pub from: chrono::DateTime<chrono::Utc>,
    /// Whether they move then, or at the next billing period.
    pub align: Align,
}

/// Where a plan's move to newer prices takes effect (SPEC 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// From the first billing period (calendar month, UTC) that starts at or after the move's
    /// instant: the default, so that no period is billed at two prices.
    #[default]
    NextPeriod,
    /// At the instant itself: invoices cut their segments there.
    Instant,
}

impl Align {
    /// Every alignment, by its name in JSON.
    pub(crate) const ALL: [(&'static str, Align); 2] =
        [("nextPeriod", Align::NextPeriod), ("instant", Align::Instant)];

    /// The alignment's name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Align::NextPeriod => "nextPeriod",
            Align::Instant => "instant",
        }
    }
}

impl Plan {
    /// The plan's minimum commitment in `currency`, if it has one.
    ///
    /// # Example
    /// ```
    /// let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let pro = catalog.plan("pro").unwrap();
    /// assert_eq!(pro.commitment_in(catalog.default_currency()), None);
    /// ```
    pub fn commitment_in(&self, currency: &Currency) -> Option<&Money> {
        self.minimum_commitment.iter().find(|m| m.currency().code() == currency.code())
    }

    /// Whether the plan has this phase (every plan has `final`).
    pub fn has_phase(&self, phase: Phase) -> bool {
        match phase {
            Phase::Trial => self.trial.is_some(),
            Phase::Discount => self.discount.is_some(),
            Phase::Final => true,
        }
    }
}

/// Rules of one (plan, product, phase, currency): per region (by index), and the region-less one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct RuleSet {
    by_region: BTreeMap<usize, usize>,
    any_region: Option<usize>,
}

/// Per plan (by index), per product (by index): the rule sets of each (phase, currency). A line
/// resolves its plan, product and region to indexes once ([`RuleKey`]); each phase then finds
/// its rule by comparing integers, not ids.
pub(crate) type RuleIndex = Vec<BTreeMap<usize, Vec<(Phase, CodeKey, RuleSet)>>>;

/// Where a line's rules are: its plan, product and region, by their index in the catalog
/// (see [`Catalog::rule_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RuleKey {
    pub(crate) plan: usize,
    pub(crate) product: usize,
    /// `None`: no region, or one the catalog does not have (only region-less rules apply).
    pub(crate) region: Option<usize>,
}

/// A loaded, validated catalog. It cannot be changed once loaded: its indexes (ids to entries,
/// rules by plan, product, phase, currency and region) are built when it is loaded, and every
/// accessor reads the same data they were built from.
///
/// # Example
/// ```
/// use ratecard::Catalog;
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// assert_eq!(catalog.default_plan().unwrap().id, "standard");
///
/// let err = Catalog::from_json(r#"{"defaultCurrency":"USD","currencies":["USD"],"plans":[
///     {"id":"a","name":"A","default":true},{"id":"b","name":"B","default":true}]}"#).unwrap_err();
/// assert_eq!(err.problems()[0].code.as_str(), "MULTIPLE_DEFAULT_PLANS");
/// assert_eq!(err.problems()[0].path, "plans[1].default");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    name: Option<String>,
    seller: Option<Seller>,
    default_currency: Currency,
    currencies: Vec<Currency>,
    rounding: Rounding,
    hours_per_month: Decimal,
    /// `capHours` when the catalog caps hourly billing at the monthly price (`monthlyCap`).
    cap_hours: Option<Decimal>,
    phase_clock: PhaseClock,
    hour_rounding: HourRounding,
    allow_credits: bool,
    strict: bool,
    regions: Vec<Region>,
    products: Vec<Product>,
    plans: Vec<Plan>,
    partners: Partners,
    coupons: Vec<Coupon>,
    tax_rates: Vec<TaxRate>,
    tax_mode: TaxMode,
    tax_rounding: TaxRounding,
    warnings: Vec<Problem>,
    index: Index,
}

/// Where each id is, and the price rules by what they price: built once at load time, so a
/// lookup is a few comparisons in a catalog of 100,000 products, not a scan of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Index {
    products: BTreeMap<String, usize>,
    plans: BTreeMap<String, usize>,
    coupons: BTreeMap<String, usize>,
    tax_rates: BTreeMap<String, usize>,
    regions: BTreeMap<String, usize>,
    currencies: BTreeMap<String, usize>,
    default_plan: Option<usize>,
    /// Per plan: whether its trial has price rules (a paid trial; without any, a free one).
    paid_trials: Vec<bool>,
    rules: RuleIndex,
}

/// The outcome of validating a catalog: every error and every warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// Problems that make the catalog unusable.
    pub errors: Vec<Problem>,
    /// Problems worth a look that do not stop the catalog from loading.
    pub warnings: Vec<Problem>,
}

/// `{valid, errors, warnings}`.
impl ToJson for Validation {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, { "valid": self.is_valid(), "errors": self.errors, "warnings": self.warnings })
    }
}

impl Validation {
    /// The validation of a catalog that loaded, or did not.
    pub(crate) fn of(loaded: Result<Catalog, Error>) -> Validation {
        match loaded {
            Ok(c) => Validation { errors: vec![], warnings: c.warnings },
            Err(e) => Validation { errors: e.problems().to_vec(), warnings: vec![] },
        }
    }

    /// Whether the catalog has no errors.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// `{valid, errors, warnings}` as JSON text.
    pub fn to_json(&self) -> String {
        // Cannot fail: a boolean and lists of problems.
        json_text(self).unwrap_or_default()
    }
}

impl Catalog {
    /// Parses and validates a catalog from JSON.
    ///
    /// # Errors
    /// Every problem at once (see [`Error::problems`]), with paths relative to the catalog,
    /// such as `plans[1].prices[3].tiers[2].upTo`.
    pub fn from_json(text: &str) -> Result<Catalog, Error> {
        load::load(text)
    }

    /// Validates a catalog without keeping it: every error and warning.
    ///
    /// # Example
    /// ```
    /// let v = ratecard::Catalog::validate(r#"{"defaultCurrency":"USD","currencies":["USD"],"plns":[]}"#);
    /// assert!(!v.is_valid());
    /// assert_eq!(v.errors[0].path, "plns");
    /// ```
    pub fn validate(text: &str) -> Validation {
        Validation::of(load::load(text))
    }

    /// Who sells what the catalog prices, if the catalog says.
    pub fn seller(&self) -> Option<&Seller> {
        self.seller.as_ref()
    }

    /// The currency of customers who have none.
    pub fn default_currency(&self) -> &Currency {
        &self.default_currency
    }

    /// Currencies prices may be in (ISO and custom), in catalog order.
    pub fn currencies(&self) -> &[Currency] {
        &self.currencies
    }

    /// How quote lines are rounded.
    pub fn rounding(&self) -> Rounding {
        self.rounding
    }

    /// Hours in a month for hourly/monthly conversion (730 by default).
    pub fn hours_per_month(&self) -> Decimal {
        self.hours_per_month
    }

    /// With `monthlyCap: true`, the hours after which a month's hourly billing reaches the
    /// monthly price (`capHours`, default `hoursPerMonth`; SPEC 10); `None` without the cap.
    ///
    /// # Example
    /// ```
    /// use ratecard::Catalog;
    /// let demo = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// assert_eq!(demo.cap_hours().map(|h| h.to_string()), Some("672".into()));
    /// ```
    pub fn cap_hours(&self) -> Option<Decimal> {
        self.cap_hours
    }

    /// Under the monthly cap (SPEC 10), the most a month of a rule costs at an amount (the rule's
    /// price at the quantity, per its `period`): a `month` rule's amount, an `hour` rule's
    /// amount x capHours; `None` without the cap.
    pub(crate) fn monthly_cap(&self, period: Period, amount: Decimal) -> Result<Option<Decimal>, Error> {
        Ok(match (period, self.cap_hours) {
            (_, None) => None,
            (Period::Month, Some(_)) => Some(amount),
            (Period::Hour, Some(hours)) => Some(crate::money::checked::mul(amount, hours)?),
        })
    }

    /// What a `month` rule's price is divided by for its hourly rate: `capHours` under the
    /// monthly cap, else `hoursPerMonth`.
    pub(crate) fn rate_hours(&self) -> Decimal {
        self.cap_hours.unwrap_or(self.hours_per_month)
    }

    /// How phase windows are measured.
    pub fn phase_clock(&self) -> PhaseClock {
        self.phase_clock
    }

    /// How an invoice counts the hours of a segment (`hourRounding`; exact by default).
    pub fn hour_rounding(&self) -> HourRounding {
        self.hour_rounding
    }

    /// Whether negative prices (credits) are allowed.
    pub fn allow_credits(&self) -> bool {
        self.allow_credits
    }

    /// Regions, in catalog order.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Products and packages, in catalog order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Billing plans, in catalog order.
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// Tax rates (SPEC 14), in catalog order.
    pub fn tax_rates(&self) -> &[TaxRate] {
        &self.tax_rates
    }

    /// The tax rate with this id.
    pub fn tax_rate(&self, id: &str) -> Option<&TaxRate> {
        self.tax_rate_index(id).map(|i| &self.tax_rates[i])
    }

    /// Where the tax rate with this id is among the catalog's.
    pub(crate) fn tax_rate_index(&self, id: &str) -> Option<usize> {
        self.index.tax_rates.get(id).copied()
    }

    /// Whether prices include tax.
    pub fn tax_mode(&self) -> TaxMode {
        self.tax_mode
    }

    /// Where tax is rounded.
    pub fn tax_rounding(&self) -> TaxRounding {
        self.tax_rounding
    }

    /// Coupons (SPEC 12), in catalog order.
    pub fn coupons(&self) -> &[Coupon] {
        &self.coupons
    }

    /// The coupon with this id.
    ///
    /// # Example
    /// ```
    /// let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// assert!(catalog.coupon("welcome20").is_some());
    /// assert!(catalog.coupon("nope").is_none());
    /// ```
    pub fn coupon(&self, id: &str) -> Option<&Coupon> {
        self.index.coupons.get(id).map(|&i| &self.coupons[i])
    }

    /// Partners and their plan types.
    pub fn partners(&self) -> &Partners {
        &self.partners
    }

    /// Warnings found while loading (e.g. a discount that is never reached).
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// The default plan, if the catalog has one.
    pub fn default_plan(&self) -> Option<&Plan> {
        self.index.default_plan.map(|i| &self.plans[i])
    }

    /// The plan with this id.
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.index.plans.get(id).map(|&i| &self.plans[i])
    }

    /// The product with this id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.index.products.get(id).map(|&i| &self.products[i])
    }

    /// The currency with this code, if the catalog knows it.
    pub fn currency(&self, code: &str) -> Option<&Currency> {
        self.index.currencies.get(code).map(|&i| &self.currencies[i])
    }

    /// Whether the catalog has this region.
    pub fn has_region(&self, id: &str) -> bool {
        self.index.regions.contains_key(id)
    }

    /// Whether `plan`'s trial is paid: it has price rules (SPEC 5). A trial without any is
    /// free, and pricing everything at zero in it is no cause for a `NO_PRICE_RULE` warning.
    ///
    /// # Example
    /// ```
    /// let c = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// assert!(!c.has_paid_trial(c.plan("standard").unwrap()));
    /// ```
    pub fn has_paid_trial(&self, plan: &Plan) -> bool {
        self.index.plans.get(&plan.id).is_some_and(|&i| self.index.paid_trials[i])
    }

    /// The rule that prices `product` for a customer on `plan` in `phase`, `currency` and
    /// `region`: the rule naming the region wins over the region-less one. `None` when no rule
    /// matches (the price is then zero).
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, Phase};
    /// let c = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let plan = c.plan("standard").unwrap();
    /// let rule = c.find_rule(plan, "storage", Phase::Final, "USD", Some("us-east")).unwrap();
    /// assert_eq!(rule.path, "plans[0].prices[22]"); // after the 16 package rules and cpu, memory
    /// assert!(c.find_rule(plan, "storage", Phase::Trial, "USD", Some("us-east")).is_none());
    /// ```
    pub fn find_rule<'a>(
        &'a self,
        plan: &'a Plan,
        product: &str,
        phase: Phase,
        currency: &str,
        region: Option<&str>,
    ) -> Option<&'a PriceRule> {
        let key = self.rule_key(self.plan_index(plan)?, product, region)?;
        self.rule(key, phase, Currency::code_key(currency)?)
    }

    /// The rules of `product` and `region` in the plan at index `plan`; `None` for a product
    /// this catalog does not have.
    pub(crate) fn rule_key(&self, plan: usize, product: &str, region: Option<&str>) -> Option<RuleKey> {
        Some(RuleKey {
            plan,
            product: self.product_index(product)?,
            region: region.and_then(|r| self.region_index(r)),
        })
    }

    /// The index of `plan` in this catalog.
    pub(crate) fn plan_index(&self, plan: &Plan) -> Option<usize> {
        self.index.plans.get(&plan.id).copied()
    }

    /// The index of the product with this id.
    pub(crate) fn product_index(&self, id: &str) -> Option<usize> {
        self.index.products.get(id).copied()
    }

    /// The index of the region with this id.
    pub(crate) fn region_index(&self, id: &str) -> Option<usize> {
        self.index.regions.get(id).copied()
    }

    /// The region with this id, as its index and the catalog's own id (what answers borrow);
    /// `UNKNOWN_REGION` at `path` when the catalog has none.
    pub(crate) fn known_region(
        &self,
        id: &str,
        path: impl FnOnce() -> String,
    ) -> Result<(usize, &str), Error> {
        match self.region_index(id) {
            Some(i) => Ok((i, self.regions[i].id.as_str())),
            None => Err(Error::new(Code::UnknownRegion, path(), format!("unknown region \"{id}\""))),
        }
    }

    /// The rule at `key` in `phase` and `currency`: see [`Catalog::find_rule`].
    pub(crate) fn rule(&self, key: RuleKey, phase: Phase, currency: CodeKey) -> Option<&PriceRule> {
        let sets = self.index.rules.get(key.plan)?.get(&key.product)?;
        let (_, _, set) = sets.iter().find(|(ph, cur, _)| *ph == phase && *cur == currency)?;
        let index = key.region.and_then(|r| set.by_region.get(&r)).copied().or(set.any_region)?;
        self.plans.get(key.plan)?.prices.get(index)
    }

    /// The catalog with its indexes built (`rules`: see [`Catalog::index_rules`]).
    pub(crate) fn indexed(mut self, rules: RuleIndex) -> Catalog {
        self.index = Index {
            products: load::index_by_id(self.products.iter().map(|p| p.id.as_str())),
            plans: load::index_by_id(self.plans.iter().map(|p| p.id.as_str())),
            coupons: load::index_by_id(self.coupons.iter().map(|c| c.id.as_str())),
            tax_rates: load::index_by_id(self.tax_rates.iter().map(|r| r.id.as_str())),
            regions: load::index_by_id(self.regions.iter().map(|r| r.id.as_str())),
            currencies: load::index_by_id(self.currencies.iter().map(Currency::code)),
            default_plan: self.plans.iter().position(|p| p.default),
            paid_trials: self
                .plans
                .iter()
                .map(|p| p.prices.iter().any(|r| r.phase == Phase::Trial))
                .collect(),
            rules,
        };
        self
    }

    /// The rules of every plan by product, phase, currency and region; `AMBIGUOUS_PRICE_RULE`
    /// for each rule that another one already covers. `products` and `regions` give each id's
    /// index in the catalog (the rules of plans that read name only known ones).
    pub(crate) fn index_rules(
        plans: &[Plan],
        products: &BTreeMap<&str, usize>,
        regions: &BTreeMap<&str, usize>,
        problems: &mut Vec<Problem>,
    ) -> RuleIndex {
        let mut index = RuleIndex::with_capacity(plans.len());
        for plan in plans {
            let mut by_product: BTreeMap<usize, Vec<(Phase, CodeKey, RuleSet)>> = BTreeMap::new();
            for (ri, rule) in plan.prices.iter().enumerate() {
                let (Some(&product), Some(currency)) =
                    (products.get(rule.product.as_str()), Currency::code_key(&rule.currency))
                else {
                    continue;
                };
                let sets = by_product.entry(product).or_default();
                let at = match sets.iter().position(|(ph, cur, _)| *ph == rule.phase && *cur == currency) {
                    Some(at) => at,
                    None => {
                        sets.push((rule.phase, currency, RuleSet::default()));
                        sets.len() - 1
                    }
                };
                let set = &mut sets[at].2;
                let clash = |other: usize, region: Option<&str>| {
                    let scope = region.map_or("every region".to_string(), |r| format!("region \"{r}\""));
                    Problem::new(
                        Code::AmbiguousPriceRule,
                        rule.path.clone(),
                        format!(
                            "this rule and {} both price \"{}\" in the {} phase in {} for {scope}",
                            plan.prices[other].path,
                            rule.product,
                            rule.phase.as_str(),
                            rule.currency
                        ),
                    )
                };
                if rule.regions.is_empty() {
                    match set.any_region {
                        Some(other) => problems.push(clash(other, None)),
                        None => set.any_region = Some(ri),
                    }
                }
                for region in &rule.regions {
                    let Some(&at) = regions.get(region.as_str()) else { continue };
                    match set.by_region.get(&at) {
                        Some(&other) => problems.push(clash(other, Some(region))),
                        None => {
                            set.by_region.insert(at, ri);
                        }
                    }
                }
            }
            index.push(by_product);
        }
        index
    }

    /// `NO_PRICE_RULE` for every plan, product and currency whose final phase has no rule for
    /// some region the catalog offers: that product would be sold for nothing (SPEC 3). One
    /// problem per plan, product and currency, naming the regions; at most [`MAX_PROBLEMS`].
    /// Each check either finds a rule or records a problem, so a catalog of 100,000 products
    /// and plans costs its rules plus the capped problems, not their product.
    pub(crate) fn unpriced_products(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let regions = self.regions.len();
        'plans: for (pi, plan) in self.plans.iter().enumerate() {
            for (product_index, product) in self.products.iter().enumerate() {
                for currency in &self.currencies {
                    if out.len() >= MAX_PROBLEMS {
                        break 'plans;
                    }
                    let set =
                        self.index.rules.get(pi).and_then(|by| by.get(&product_index)).and_then(|sets| {
                            sets.iter().find(|(ph, cur, _)| *ph == Phase::Final && *cur == currency.key())
                        });
                    let missing: Vec<&str> = match set {
                        Some((_, _, set)) if set.any_region.is_some() => continue,
                        Some((_, _, set)) if regions > 0 && set.by_region.len() >= regions => continue,
                        Some((_, _, set)) => self
                            .regions
                            .iter()
                            .enumerate()
                            .filter(|(ri, _)| !set.by_region.contains_key(ri))
                            .map(|(_, r)| r.id.as_str())
                            .take(4)
                            .collect(),
                        None => self.regions.iter().map(|r| r.id.as_str()).take(4).collect(),
                    };
                    let shown = match (missing.len(), regions) {
                        (_, 0) => String::new(),
                        (n, _) if n > 3 => format!(
                            " in regions {} and others",
                            missing[..3].iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
                        ),
                        _ => format!(
                            " in {} {}",
                            if missing.len() == 1 { "region" } else { "regions" },
                            missing.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    out.push(Problem::new(
                        Code::NoPriceRule,
                        format!("plans[{pi}].prices"),
                        format!(
                            "plan \"{}\" has no final-phase price for \"{}\" in {}{shown}: it would be sold for nothing \
                             (add a rule, or a rule without \"regions\" for every region)",
                            plan.id,
                            product.id,
                            currency.code()
                        ),
                    ));
                }
            }
        }
        out
    }

    /// Whether the catalog says `"strict": true`: every quote and invoice on it is strict, and
    /// a product without a final price is an error at load, not a warning.
    ///
    /// # Example
    /// ```
    /// use ratecard::Catalog;
    /// assert!(!Catalog::from_json(ratecard::DEMO_CATALOG).unwrap().strict());
    /// ```
    pub fn strict(&self) -> bool {
        self.strict
    }
}

#[cfg(test)]
mod tests;
