//! The public view of a catalog: what a customer-facing order form may see. An allow-list:
//! every field written is named here, so a private field added to the catalog later stays
//! private until it is added here too.

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::load::{name_of, CLOCKS, HOUR_ROUNDINGS, PERIODS, ROUNDINGS, TAX_MODES, TAX_ROUNDINGS};
use super::{Catalog, PackageSpec, PlanType, PriceRule, ProductKind};
use crate::phases::PhaseDuration;
use crate::tiers::{Tier, BLOCK_ROUNDINGS, MODES};

/// The catalog without `partners`, without the plan types other plan types are built on (their
/// fees are a partner's wholesale cost), and without the remaining plan types' `owner`,
/// `parent` and `grantedTo`. It is itself a valid catalog.
///
/// # Example
/// ```
/// let c = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let public = c.public_view().to_json();
/// assert!(!public.contains("\"74.00\"")); // the platform's wholesale fee
/// assert!(ratecard::Catalog::from_json(&public).is_ok());
/// ```
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicCatalog<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seller: Option<SellerView<'a>>,
    default_currency: &'a str,
    currencies: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    custom_currencies: Vec<CustomCurrency<'a>>,
    rounding: &'static str,
    hours_per_month: Decimal,
    monthly_cap: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cap_hours: Option<Decimal>,
    phase_clock: &'static str,
    hour_rounding: &'static str,
    allow_credits: bool,
    strict: bool,
    regions: Vec<Region<'a>>,
    products: Vec<Product<'a>>,
    plans: Vec<Plan<'a>>,
    plan_types: Vec<RetailPlanType<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tax_rates: Vec<TaxRateView<'a>>,
    tax_mode: &'static str,
    tax_rounding: &'static str,
    // Coupons a customer can type the code of; one without a code is the operator's to give.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coupons: Vec<CouponView<'a>>,
}

#[derive(Debug, Serialize)]
struct TaxRateView<'a> {
    id: &'a str,
    name: &'a str,
    percent: Decimal,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CouponView<'a> {
    id: &'a str,
    name: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    percent_off: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_off: Option<Commitments<'a>>,
    duration: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    months: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applies_to: Option<AppliesToView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redeem_by: Option<String>,
}

#[derive(Debug, Serialize)]
struct AppliesToView<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    products: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    plans: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phases: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct CustomCurrency<'a> {
    code: &'a str,
    exponent: u32,
}

#[derive(Debug, Serialize)]
struct Region<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Product<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<Package>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aggregated: Option<bool>,
    tax_class: &'a str,
}

/// The seller, as the order form shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SellerView<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tax_id: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    cpu: Decimal,
    memory_mb: Decimal,
    storage_gb: Decimal,
    bandwidth_gb: Decimal,
    backup_gb: Decimal,
}

#[derive(Debug, Serialize)]
struct Plan<'a> {
    id: &'a str,
    name: &'a str,
    default: bool,
    phases: Phases,
    prices: Vec<Rule<'a>>,
    // The page's first invoice has the server's true-ups.
    #[serde(rename = "minimumCommitment", skip_serializing_if = "Commitments::is_empty")]
    minimum_commitment: Commitments<'a>,
    // In a catalog set, when the plan's existing customers move to these prices (SPEC 16).
    #[serde(rename = "existingCustomersFrom", skip_serializing_if = "Option::is_none")]
    existing_customers_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    align: Option<&'static str>,
}

/// Amounts by currency as the catalog writes them, `{"USD": "50.00"}` (a plan's commitments,
/// a coupon's amount off).
#[derive(Debug)]
struct Commitments<'a>(&'a [super::Money]);

impl Commitments<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Commitments<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|m| (m.currency().code(), m.amount())))
    }
}

#[derive(Debug, Serialize)]
struct Phases {
    #[serde(skip_serializing_if = "Option::is_none")]
    trial: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<Duration>,
}

/// `{"days": 14}`.
#[derive(Debug)]
struct Duration(PhaseDuration);

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map([(self.0.unit.as_str(), self.0.count)])
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    product: &'a str,
    phase: &'static str,
    currency: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    regions: &'a [String],
    period: &'static str,
    mode: &'static str,
    tiers: Vec<TierView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    block_size: Option<Decimal>,
    block_rounding: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TierView {
    up_to: Option<Decimal>,
    unit_price: Decimal,
    flat_price: Decimal,
}

#[derive(Debug, Serialize)]
struct RetailPlanType<'a> {
    id: &'a str,
    name: &'a str,
    fees: Vec<Fee<'a>>,
    currency: &'a str,
    recurring: &'static str,
    environments: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct Fee<'a> {
    name: &'a str,
    price: Decimal,
}

impl PublicCatalog<'_> {
    /// The view as JSON text.
    pub fn to_json(&self) -> String {
        // Cannot fail: strings, numbers and booleans.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Catalog {
    /// The catalog for a customer-facing order form, with every private amount left out (see
    /// [`PublicCatalog`]).
    pub fn public_view(&self) -> PublicCatalog<'_> {
        let (iso, custom): (Vec<&crate::money::Currency>, Vec<_>) =
            self.currencies.iter().partition(|c| crate::money::Currency::iso(c.code()).is_some());
        PublicCatalog {
            name: self.name.as_deref(),
            seller: self.seller.as_ref().map(|s| SellerView {
                name: &s.name,
                address: s.address.as_deref(),
                email: s.email.as_deref(),
                url: s.url.as_deref(),
                tax_id: s.tax_id.as_deref(),
            }),
            default_currency: self.default_currency.code(),
            currencies: iso.iter().map(|c| c.code()).collect(),
            custom_currencies: custom
                .iter()
                .map(|c| CustomCurrency { code: c.code(), exponent: c.exponent() })
                .collect(),
            rounding: name_of(&ROUNDINGS, self.rounding),
            hours_per_month: self.hours_per_month,
            monthly_cap: self.cap_hours.is_some(),
            cap_hours: self.cap_hours,
            phase_clock: name_of(&CLOCKS, self.phase_clock),
            hour_rounding: name_of(&HOUR_ROUNDINGS, self.hour_rounding),
            allow_credits: self.allow_credits,
            strict: self.strict,
            regions: self.regions.iter().map(|r| Region { id: &r.id, name: &r.name }).collect(),
            products: self.products.iter().map(product).collect(),
            plans: self.plans.iter().map(plan).collect(),
            plan_types: self
                .partners
                .plan_types
                .iter()
                .filter(|t| !self.partners.is_parent(&t.id))
                .map(plan_type)
                .collect(),
            tax_rates: self
                .tax_rates
                .iter()
                .map(|r| TaxRateView { id: &r.id, name: &r.name, percent: r.percent })
                .collect(),
            tax_mode: name_of(&TAX_MODES, self.tax_mode),
            tax_rounding: name_of(&TAX_ROUNDINGS, self.tax_rounding),
            coupons: self.coupons.iter().filter_map(coupon).collect(),
        }
    }
}

fn product(p: &super::Product) -> Product<'_> {
    let mut out = Product {
        id: &p.id,
        name: &p.name,
        external_id: p.external_id.as_deref(),
        kind: "package",
        package: None,
        resource: None,
        unit_type: None,
        unit: None,
        aggregated: None,
        tax_class: &p.tax_class,
    };
    match &p.kind {
        ProductKind::Package(PackageSpec { cpu, memory_mb, storage_gb, bandwidth_gb, backup_gb }) => {
            out.package = Some(Package {
                cpu: *cpu,
                memory_mb: *memory_mb,
                storage_gb: *storage_gb,
                bandwidth_gb: *bandwidth_gb,
                backup_gb: *backup_gb,
            })
        }
        ProductKind::Metered(m) => {
            out.kind = "metered";
            (out.resource, out.unit_type) = (Some(m.resource.as_str()), Some(m.unit_type.as_str()));
            (out.unit, out.aggregated) = (Some(m.unit), Some(m.aggregated));
        }
    }
    out
}

fn plan(p: &super::Plan) -> Plan<'_> {
    Plan {
        id: &p.id,
        name: &p.name,
        default: p.default,
        phases: Phases { trial: p.trial.map(Duration), discount: p.discount.map(Duration) },
        prices: p.prices.iter().map(rule).collect(),
        minimum_commitment: Commitments(&p.minimum_commitment),
        existing_customers_from: p.existing_customers.map(|m| crate::phases::instant_text(m.from)),
        align: p.existing_customers.map(|m| m.align.as_str()),
    }
}

fn coupon(c: &super::Coupon) -> Option<CouponView<'_>> {
    let a = &c.applies_to;
    let limited = !(a.products.is_empty() && a.plans.is_empty() && a.phases.is_empty());
    Some(CouponView {
        id: &c.id,
        name: &c.name,
        code: c.code.as_deref()?,
        percent_off: match &c.off {
            super::Off::Percent(p) => Some(*p),
            super::Off::Amount(_) => None,
        },
        amount_off: match &c.off {
            super::Off::Amount(amounts) => Some(Commitments(amounts)),
            super::Off::Percent(_) => None,
        },
        duration: c.duration.as_str(),
        months: match c.duration {
            super::CouponDuration::Repeating(months) => Some(months),
            _ => None,
        },
        applies_to: limited.then(|| AppliesToView {
            products: a.products.iter().map(String::as_str).collect(),
            plans: a.plans.iter().map(String::as_str).collect(),
            phases: a.phases.iter().map(|p| p.as_str()).collect(),
        }),
        redeem_by: c.redeem_by.map(crate::phases::instant_text),
    })
}

fn rule(r: &PriceRule) -> Rule<'_> {
    let tier = |t: &Tier| TierView { up_to: t.up_to, unit_price: t.unit_price, flat_price: t.flat_price };
    Rule {
        id: r.id.as_deref(),
        product: &r.product,
        phase: r.phase.as_str(),
        currency: &r.currency,
        regions: &r.regions,
        period: name_of(&PERIODS, r.period),
        mode: name_of(&MODES, r.table.mode()),
        tiers: r.table.tiers().iter().map(tier).collect(),
        block_size: r.table.block_size(),
        block_rounding: name_of(&BLOCK_ROUNDINGS, r.table.block_rounding()),
    }
}

fn plan_type(t: &PlanType) -> RetailPlanType<'_> {
    RetailPlanType {
        id: &t.id,
        name: &t.name,
        fees: t.fees.iter().map(|f| Fee { name: &f.name, price: f.price }).collect(),
        currency: t.currency.code(),
        recurring: t.recurring.as_str(),
        environments: t.environments.iter().map(|e| e.as_str()).collect(),
    }
}
