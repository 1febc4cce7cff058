//! Catalog JSON -> [`Catalog`]: the catalog's input types, and the one pass over them that
//! checks shapes, references and rules and records every problem with its path.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::coupons::CouponDoc;
use super::partners::{PartnerDoc, PlanTypeDoc};
use chrono::{DateTime, Utc};

use super::{
    Align, Catalog, Metered, Move, PackageSpec, Period, Plan, PriceRule, Product, ProductKind, Region,
    Seller, TaxMode, TaxRate, TaxRounding,
};
use crate::error::{Code, Error, Problem};
use crate::input::{shape, At, Field, IntoPath, List, Map, Num, Problems};
use crate::money::{Currency, Money, Rounding};
use crate::phases::{DurationUnit, HourRounding, Phase, PhaseClock, PhaseDuration};
use crate::tiers::{TableDoc, TierTable};

use crate::limits::MAX_LIST_LEN;

shape!(
    /// A catalog as JSON gives it.
    CatalogDoc {
        name: Field<String>,
        seller: Field<Box<SellerDoc>>,
        defaultCurrency: Field<String>,
        currencies: Field<List<String>>,
        customCurrencies: Field<List<Box<CustomCurrencyDoc>>>,
        rounding: Field<String>,
        hoursPerMonth: Field<Num>,
        monthlyCap: Field<bool>,
        capHours: Field<Num>,
        phaseClock: Field<String>,
        hourRounding: Field<String>,
        allowCredits: Field<bool>,
        strict: Field<bool>,
        regions: Field<List<Box<RegionDoc>>>,
        products: Field<List<Box<ProductDoc>>>,
        plans: Field<List<Box<PlanDoc>>>,
        partners: Field<List<Box<PartnerDoc>>>,
        planTypes: Field<List<Box<PlanTypeDoc>>>,
        coupons: Field<List<Box<CouponDoc>>>,
        taxRates: Field<List<Box<TaxRateDoc>>>,
        taxMode: Field<String>,
        taxRounding: Field<String>,
    }
);
shape!(
    /// The `catalog` argument as JSON gives it: a catalog, or a catalog set (`{versions}`).
    CatalogArgDoc { versions: Field<super::versions::VersionsDoc> } with catalog: CatalogDoc
);
shape!(SellerDoc { name: Field<String>, address: Field<String>, email: Field<String>, url: Field<String>, taxId: Field<String> });
shape!(TaxRateDoc { id: Field<String>, name: Field<String>, percent: Field<Num> });
shape!(CustomCurrencyDoc { code: Field<String>, exponent: Field<Num> });
shape!(RegionDoc { id: Field<String>, name: Field<String> });
shape!(ProductDoc {
    id: Field<String>,
    name: Field<String>,
    externalId: Field<String>,
    kind: Field<String>,
    resource: Field<String>,
    unitType: Field<String>,
    unit: Field<Num>,
    aggregated: Field<bool>,
    package: Field<Box<PackageDoc>>,
    taxClass: Field<String>,
});
shape!(PackageDoc { cpu: Field<Num>, memoryMb: Field<Num>, storageGb: Field<Num>, bandwidthGb: Field<Num>, backupGb: Field<Num> });
shape!(PlanDoc {
    id: Field<String>,
    name: Field<String>,
    default: Field<bool>,
    phases: Field<Box<PhasesDoc>>,
    prices: Field<List<Box<RuleDoc>>>,
    minimumCommitment: Field<Map<Num>>,
    existingCustomersFrom: Field<DateTime<Utc>>,
    align: Field<String>,
});
shape!(PhasesDoc { trial: Field<Box<DurationDoc>>, discount: Field<Box<DurationDoc>> });
shape!(DurationDoc { hours: Field<Num>, days: Field<Num>, months: Field<Num> });
shape!(
    /// A price rule: its own keys and a tier table's.
    RuleDoc {
        id: Field<String>,
        product: Field<String>,
        phase: Field<String>,
        currency: Field<String>,
        regions: Field<List<String>>,
        period: Field<String>,
    } with table: TableDoc
);

/// Each rounding with its name in JSON.
pub(super) const ROUNDINGS: [(&str, Rounding); 2] =
    [("halfUp", Rounding::HalfUp), ("halfEven", Rounding::HalfEven)];
/// Each phase clock with its name in JSON.
pub(super) const CLOCKS: [(&str, PhaseClock); 2] =
    [("billingStart", PhaseClock::BillingStart), ("chained", PhaseClock::Chained)];
/// Each hour rounding with its name in JSON.
pub(super) const HOUR_ROUNDINGS: [(&str, HourRounding); 2] =
    [("exact", HourRounding::Exact), ("up", HourRounding::Up)];
/// Each tax mode with its name in JSON.
pub(super) const TAX_MODES: [(&str, TaxMode); 2] =
    [("exclusive", TaxMode::Exclusive), ("inclusive", TaxMode::Inclusive)];
/// Each tax rounding with its name in JSON.
pub(super) const TAX_ROUNDINGS: [(&str, TaxRounding); 2] =
    [("invoice", TaxRounding::Invoice), ("line", TaxRounding::Line)];
/// Each rule period with its name in JSON.
pub(super) const PERIODS: [(&str, Period); 2] = [("hour", Period::Hour), ("month", Period::Month)];

/// The name of `value` among `names`.
pub(super) fn name_of<T: PartialEq + Copy>(names: &[(&'static str, T)], value: T) -> &'static str {
    names.iter().find(|(_, v)| *v == value).map_or("", |(name, _)| name)
}

/// Resources whose usage a package includes; their metered products must count GB.
const ALLOWANCE_RESOURCES: [&str; 3] = ["storage", "bandwidth", "backup"];

/// Reads and checks a catalog from JSON text (paths relative to the catalog).
pub(super) fn load(text: &str) -> Result<Catalog, Error> {
    crate::input::from_json(text, "", |p, doc, _| catalog(p, doc))
}

/// Checks the `catalog` argument read from JSON: a catalog, or a set (`versions`).
pub(crate) fn validate_arg(p: &mut Problems, doc: &CatalogArgDoc) -> Option<super::Loaded> {
    use super::Loaded;
    match &doc.versions {
        Field::Missing => {
            p.fields(doc, &At::Root);
            catalog(p, &doc.catalog).map(|c| Loaded::One(Box::new(c)))
        }
        versions => {
            p.fields(doc, &At::Root);
            super::versions::load_set(p, doc, versions).map(Loaded::Set)
        }
    }
}

/// Checks a catalog read from JSON, recording its problems (paths relative to the catalog).
pub(crate) fn validate(p: &mut Problems, doc: &Field<Box<CatalogDoc>>) -> Option<Catalog> {
    p.req(doc, &At::Root, |p, doc, _| catalog(p, doc))
}

/// The items of a list, or `INPUT_TOO_LARGE` past [`MAX_LIST_LEN`] entries.
pub(crate) fn entries<'f, T>(p: &mut Problems, list: &'f List<T>, at: &At<'_>) -> Option<&'f [Field<T>]> {
    list.within_limit(p, at, |n| format!("{n} entries; at most {MAX_LIST_LEN} are allowed"))
}

/// The items of a list read by `f`, only if every one reads (every item is looked at).
fn all<'f, T, U>(
    p: &mut Problems,
    list: &'f List<T>,
    at: &At<'_>,
    f: impl FnMut(&mut Problems, &'f T, &At<'_>) -> Option<U>,
) -> Option<Vec<U>> {
    let items = entries(p, list, at)?;
    p.all(items, at, f)
}

/// The ids named by the entries of a list that read as objects (whatever their other
/// problems), with their indexes: references to them are not reported again.
pub(crate) fn named<'f, T>(
    list: &'f Field<List<T>>,
    id: impl Fn(&'f T) -> &'f Field<String>,
) -> impl Iterator<Item = (usize, &'f str)> {
    let items = list.ok().map_or(&[][..], |l| &l.items[..]);
    items.iter().enumerate().filter_map(move |(i, item)| Some((i, id(item.ok()?).ok()?.as_str())))
}

/// Each id's index among the entries: its index in the catalog, which has them all when it
/// loads. A repeated id (a `DUPLICATE_ID`) keeps its first.
fn first_index<'f>(ids: impl Iterator<Item = (usize, &'f str)>) -> BTreeMap<&'f str, usize> {
    // One look-up an id: collecting sorts them first, 4% faster but 6 KB of sort code in wasm.
    let mut index = BTreeMap::new();
    for (i, id) in ids {
        index.entry(id).or_insert(i);
    }
    index
}

/// `DUPLICATE_ID` for each entry of list `key` that repeats an earlier entry's id.
pub(crate) fn check_unique<'f>(p: &mut Problems, key: &str, ids: impl Iterator<Item = (usize, &'f str)>) {
    let mut seen = BTreeMap::new();
    for (i, id) in ids {
        match seen.get(id) {
            Some(first) => p.add(
                Code::DuplicateId,
                format!("{key}[{i}].id"),
                format!("the id \"{id}\" is already used by {key}[{first}]"),
            ),
            None => {
                seen.insert(id, i);
            }
        }
    }
}

/// Id -> index of the first entry with that id (validation reports later duplicates).
pub(crate) fn index_by_id<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut at = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        at.entry(id.to_string()).or_insert(i);
    }
    at
}

fn catalog(p: &mut Problems, o: &CatalogDoc) -> Option<Catalog> {
    let root = At::Root;
    p.fields(o, &root);
    let name = p.opt(&o.name, &root.key("name"), Problems::text);
    let seller = p.opt(&o.seller, &root.key("seller"), |p, s, at| {
        p.fields(&**s, at);
        // Printed on quotes: a detail given is not empty or blank.
        let shown = |p: &mut Problems, t: &String, at: &At<'_>| match t.trim().is_empty() {
            true => {
                p.add(
                    Code::InvalidValue,
                    at,
                    "a seller's detail is printed on quotes: leave it out rather than blank",
                );
                None
            }
            false => Some(t.clone()),
        };
        let text = |p: &mut Problems, f: &Field<String>, key| p.opt(f, &at.key(key), shown);
        let name = p.req(&s.name, &at.key("name"), shown);
        let (address, email, url, tax_id) = (
            text(p, &s.address, "address"),
            text(p, &s.email, "email"),
            text(p, &s.url, "url"),
            text(p, &s.taxId, "taxId"),
        );
        Some(Seller { name: name?, address: address?, email: email?, url: url?, tax_id: tax_id? })
    });
    let currencies = currencies(p, o);
    let default_currency = p.req(&o.defaultCurrency, &root.key("defaultCurrency"), |p, s, at| {
        catalog_currency(p, s, at, currencies.as_deref())
    });
    let rounding = p.opt(&o.rounding, &root.key("rounding"), |p, s, at| p.choice(s, at, &ROUNDINGS));
    let hours_per_month = p.opt(&o.hoursPerMonth, &root.key("hoursPerMonth"), Problems::positive);
    let monthly_cap =
        p.opt(&o.monthlyCap, &root.key("monthlyCap"), |_, b, _| Some(*b)).flatten().unwrap_or(false);
    let cap_hours = p.opt(&o.capHours, &root.key("capHours"), Problems::positive);
    if !matches!(o.monthlyCap, Field::Ok(true) | Field::Bad(..)) && !o.capHours.is_absent() {
        p.add(Code::InvalidValue, "capHours", "\"capHours\" goes with \"monthlyCap\": true");
    }
    let phase_clock = p.opt(&o.phaseClock, &root.key("phaseClock"), |p, s, at| p.choice(s, at, &CLOCKS));
    let hour_rounding =
        p.opt(&o.hourRounding, &root.key("hourRounding"), |p, s, at| p.choice(s, at, &HOUR_ROUNDINGS));
    let allow_credits =
        p.opt(&o.allowCredits, &root.key("allowCredits"), |_, b, _| Some(*b)).flatten().unwrap_or(false);
    let strict = p.opt(&o.strict, &root.key("strict"), |_, b, _| Some(*b)).flatten().unwrap_or(false);
    let tax_mode = p.opt(&o.taxMode, &root.key("taxMode"), |p, s, at| p.choice(s, at, &TAX_MODES));
    let tax_rounding =
        p.opt(&o.taxRounding, &root.key("taxRounding"), |p, s, at| p.choice(s, at, &TAX_ROUNDINGS));
    let tax_rates = p
        .opt(&o.taxRates, &root.key("taxRates"), |p, l, at| all(p, l, at, |p, o, at| tax_rate(p, o, at)))
        .map(Option::unwrap_or_default);
    check_unique(p, "taxRates", named(&o.taxRates, |r| &r.id));
    let regions = p
        .opt(&o.regions, &root.key("regions"), |p, l, at| all(p, l, at, |p, o, at| region(p, o, at)))
        .map(Option::unwrap_or_default);
    check_unique(p, "regions", named(&o.regions, |r| &r.id));
    let products = p
        .opt(&o.products, &root.key("products"), |p, l, at| all(p, l, at, |p, o, at| product(p, o, at)))
        .map(Option::unwrap_or_default);
    check_unique(p, "products", named(&o.products, |r| &r.id));
    // References are checked against every entry that names an id, read or not: a product
    // with one bad field is reported once, not again by every rule that prices it.
    let counters = o.products.ok().map_or(&[][..], |l| &l.items[..]).iter().filter_map(|item| {
        let item = item.ok().filter(|item| matches!(item.aggregated, Field::Ok(true)))?;
        item.id.ok().map(String::as_str)
    });
    let known = Known {
        currencies: currency_codes(o),
        regions: first_index(named(&o.regions, |r| &r.id)),
        products: first_index(named(&o.products, |r| &r.id)),
        counters: counters.collect(),
        allow_credits,
    };
    // Plans that read are checked for ambiguous rules and phases even when others do not.
    let plans = p.opt(&o.plans, &root.key("plans"), |p, l, at| {
        let items = entries(p, l, at)?;
        Some(p.each(items, at, |p, doc, at| plan(p, doc, at, &known, currencies.as_deref())).0)
    });
    check_unique(p, "plans", named(&o.plans, |r| &r.id));
    check_one_default(p, o);
    let mut warnings = Vec::new();
    let phase_clock = phase_clock?.unwrap_or_default();
    // Plans that failed to read are left out here; their problems make the catalog fail.
    let plans = plans?.unwrap_or_default();
    warnings.extend(discount_warnings(&plans, phase_clock));
    let mut ambiguous = Vec::new();
    let rules = Catalog::index_rules(&plans, &known.products, &known.regions, &mut ambiguous);
    p.extend(ambiguous);
    let partners = super::partners::validate(p, o, currencies.as_deref(), &mut warnings);
    let plan_ids = first_index(named(&o.plans, |r| &r.id));
    let coupons = super::coupons::coupons(p, &o.coupons, &known, &plan_ids, currencies.as_deref());
    let catalog = Catalog {
        name: name?,
        seller: seller?,
        default_currency: default_currency?,
        currencies: currencies?,
        rounding: rounding?.unwrap_or_default(),
        hours_per_month: hours_per_month?.unwrap_or(Decimal::from(730)),
        cap_hours: match (monthly_cap, cap_hours?, hours_per_month?) {
            (false, _, _) => None,
            (true, Some(hours), _) => Some(hours),
            (true, None, hpm) => Some(hpm.unwrap_or(Decimal::from(730))),
        },
        phase_clock,
        hour_rounding: hour_rounding?.unwrap_or_default(),
        allow_credits,
        strict,
        regions: regions?,
        products: products?,
        plans,
        partners: partners?,
        coupons: coupons?,
        tax_rates: tax_rates?,
        tax_mode: tax_mode?.unwrap_or_default(),
        tax_rounding: tax_rounding?.unwrap_or_default(),
        warnings,
        index: Default::default(),
    };
    let mut catalog = catalog.indexed(rules);
    let unpriced = catalog.unpriced_products();
    if strict {
        p.extend(unpriced);
    } else {
        catalog.warnings.extend(unpriced);
    }
    Some(catalog)
}

/// Every plan marked default after the first.
fn check_one_default(p: &mut Problems, o: &CatalogDoc) {
    let plans = o.plans.ok().map_or(&[][..], |l| &l.items[..]);
    let mut defaults = plans
        .iter()
        .enumerate()
        .filter(|(_, plan)| plan.ok().is_some_and(|plan| matches!(plan.default, Field::Ok(true))));
    if let Some((first, _)) = defaults.next() {
        for (i, _) in defaults {
            p.add(
                Code::MultipleDefaultPlans,
                format!("plans[{i}].default"),
                format!("plans[{first}] is already the default plan; at most one plan is default"),
            );
        }
    }
}

/// The codes of `currencies` and `customCurrencies`, whatever their problems.
fn currency_codes(o: &CatalogDoc) -> BTreeMap<&str, usize> {
    let iso =
        o.currencies.ok().map_or(&[][..], |l| &l.items[..]).iter().filter_map(|c| c.ok().map(String::as_str));
    first_index(iso.chain(named(&o.customCurrencies, |c| &c.code).map(|(_, code)| code)).enumerate())
}

/// A currency code that must be one of the catalog's `currencies` (`None` when those are
/// broken: their problems are already reported).
pub(crate) fn catalog_currency(
    p: &mut Problems,
    code: &str,
    at: &At<'_>,
    currencies: Option<&[Currency]>,
) -> Option<Currency> {
    let found = currencies?.iter().find(|c| c.code() == code).cloned();
    if found.is_none() {
        p.add(Code::UnknownCurrency, at, format!("\"{code}\" is not in the catalog's currencies"));
    }
    found
}

fn currencies(p: &mut Problems, o: &CatalogDoc) -> Option<Vec<Currency>> {
    let root = At::Root;
    let iso = p.req(&o.currencies, &root.key("currencies"), |p, l, at| {
        all(p, l, at, |p, code, at| {
            let c = Currency::iso(code);
            if c.is_none() {
                p.add(
                    Code::UnknownCurrency,
                    at,
                    format!("\"{code}\" is not an ISO 4217 code; declare it in \"customCurrencies\" with its exponent"),
                );
            }
            c
        })
    });
    let custom = p.opt(&o.customCurrencies, &root.key("customCurrencies"), |p, l, at| {
        all(p, l, at, |p, c, at| {
            p.fields(c, at);
            let code = p.req(&c.code, &at.key("code"), Problems::text);
            let exponent = p.req(&c.exponent, &at.key("exponent"), |p, e, at| {
                let e = u32::try_from(e.value.mantissa()).ok().filter(|_| e.value.scale() == 0);
                if e.is_none() {
                    p.add(Code::InvalidValue, at, "the exponent is a whole number of decimal places");
                }
                e
            });
            let (code, exponent) = (code?, exponent?);
            if Currency::iso(&code).is_some() {
                p.add(
                    Code::InvalidValue,
                    &at.key("code"),
                    format!("\"{code}\" is an ISO 4217 code; list it in \"currencies\""),
                );
                return None;
            }
            Currency::custom(&code, exponent).map_or_else(|e| p.error(e, at), Some)
        })
    });
    let mut all = iso?;
    all.extend(custom?.unwrap_or_default());
    p.repeats(&root.key("currencies"), all.iter().map(Currency::code), "currency");
    Some(all)
}

/// `{id, name, percent}`: a percent at least 0, with at most 4 decimal places (SPEC 14).
fn tax_rate(p: &mut Problems, o: &TaxRateDoc, at: &At<'_>) -> Option<TaxRate> {
    p.fields(o, at);
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.req(&o.name, &at.key("name"), Problems::text);
    let percent = p.req(&o.percent, &at.key("percent"), |p, n, at| {
        let percent = p.money(n, at)?;
        if percent.is_sign_negative() || percent.normalize().scale() > 4 {
            let why =
                format!("a tax rate is a percent of at least 0 with at most 4 decimal places, not {percent}");
            p.add(Code::InvalidValue, at, why);
            return None;
        }
        Some(percent.normalize())
    });
    Some(TaxRate { id: id?, name: name?, percent: percent? })
}

fn region(p: &mut Problems, o: &RegionDoc, at: &At<'_>) -> Option<Region> {
    p.fields(o, at);
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.opt(&o.name, &at.key("name"), Problems::text);
    let id = id?;
    Some(Region { name: name?.unwrap_or_else(|| id.clone()), id })
}

fn product(p: &mut Problems, o: &ProductDoc, at: &At<'_>) -> Option<Product> {
    p.fields(o, at);
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Package,
        Metered,
    }
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.req(&o.name, &at.key("name"), Problems::text);
    let external_id = p.opt(&o.externalId, &at.key("externalId"), Problems::text);
    let tax_class = p.opt(&o.taxClass, &at.key("taxClass"), Problems::id);
    let kind = p.req(&o.kind, &at.key("kind"), |p, s, at| {
        p.choice(s, at, &[("package", Kind::Package), ("metered", Kind::Metered)])
    });
    let kind = match kind? {
        Kind::Package => {
            let metered = [
                ("resource", o.resource.is_absent()),
                ("unitType", o.unitType.is_absent()),
                ("unit", o.unit.is_absent()),
                ("aggregated", o.aggregated.is_absent()),
            ];
            for (key, _) in metered.iter().filter(|(_, absent)| !absent) {
                p.add(
                    Code::InvalidValue,
                    &at.key(key),
                    format!("\"{key}\" is for metered products; this is a package"),
                );
            }
            ProductKind::Package(p.req(&o.package, &at.key("package"), |p, o, at| package(p, o, at))?)
        }
        Kind::Metered => {
            if !o.package.is_absent() {
                p.add(
                    Code::InvalidValue,
                    &at.key("package"),
                    "\"package\" is for package products; this one is metered",
                );
            }
            let resource = p.req(&o.resource, &at.key("resource"), Problems::id);
            let unit_type = p.req(&o.unitType, &at.key("unitType"), Problems::id);
            let unit = p.opt(&o.unit, &at.key("unit"), Problems::positive);
            let aggregated = p.opt(&o.aggregated, &at.key("aggregated"), |_, b, _| Some(*b));
            let (resource, unit_type) = (resource?, unit_type?);
            if ALLOWANCE_RESOURCES.contains(&resource.as_str()) && unit_type != "GB" {
                p.add(
                    Code::AllowanceUnitMismatch,
                    &at.key("unitType"),
                    format!("packages include {resource} in GB, so a {resource} product must count GB, not {unit_type}"),
                );
            }
            ProductKind::Metered(Metered {
                resource,
                unit_type,
                unit: unit?.unwrap_or(Decimal::ONE),
                aggregated: aggregated?.unwrap_or(false),
            })
        }
    };
    let tax_class = tax_class?.unwrap_or_else(|| "standard".to_string());
    Some(Product { id: id?, name: name?, external_id: external_id?, tax_class, kind })
}

fn package(p: &mut Problems, o: &PackageDoc, at: &At<'_>) -> Option<PackageSpec> {
    p.fields(o, at);
    let cpu = p.req(&o.cpu, &at.key("cpu"), |p, n, at| {
        let cpu = p.positive(n, at)?;
        // Checked: a 28-digit cpu would overflow when multiplied.
        let message = match cpu.checked_mul(Decimal::from(4)) {
            Some(quarters) if quarters.fract().is_zero() => return Some(cpu),
            Some(_) => format!("{cpu} cores is not a multiple of 0.25"),
            None => format!("{cpu} cores is more than can be counted in quarters"),
        };
        p.add(Code::InvalidCpu, at, message);
        None
    });
    let memory_mb = p.req(&o.memoryMb, &at.key("memoryMb"), Problems::positive);
    let mut included = |n: &Field<Num>, key: &str| {
        p.opt(n, &at.key(key), Problems::non_negative).map(Option::unwrap_or_default)
    };
    let storage_gb = included(&o.storageGb, "storageGb");
    let bandwidth_gb = included(&o.bandwidthGb, "bandwidthGb");
    let backup_gb = included(&o.backupGb, "backupGb");
    Some(PackageSpec {
        cpu: cpu?,
        memory_mb: memory_mb?,
        storage_gb: storage_gb?,
        bandwidth_gb: bandwidth_gb?,
        backup_gb: backup_gb?,
    })
}

/// What rules may refer to: each id with its index among the entries (see [`first_index`]).
pub(super) struct Known<'a> {
    currencies: BTreeMap<&'a str, usize>,
    regions: BTreeMap<&'a str, usize>,
    pub(super) products: BTreeMap<&'a str, usize>,
    /// Aggregated products: their rules must be monthly (usage is a quantity, not a rate).
    counters: BTreeSet<&'a str>,
    allow_credits: bool,
}

fn plan(
    p: &mut Problems,
    o: &PlanDoc,
    at: &At<'_>,
    known: &Known<'_>,
    currencies: Option<&[Currency]>,
) -> Option<Plan> {
    p.fields(o, at);
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.req(&o.name, &at.key("name"), Problems::text);
    let default = p.opt(&o.default, &at.key("default"), |_, b, _| Some(*b));
    let phases = p.opt(&o.phases, &at.key("phases"), |p, ph, at| {
        p.fields(ph, at);
        let trial = p.opt(&ph.trial, &at.key("trial"), |p, o, at| duration(p, o, at));
        let discount = p.opt(&ph.discount, &at.key("discount"), |p, o, at| duration(p, o, at));
        Some((trial?, discount?))
    });
    let (trial, discount) = phases?.unwrap_or((None, None));
    let has = |phase| match phase {
        Phase::Trial => trial.is_some(),
        Phase::Discount => discount.is_some(),
        Phase::Final => true,
    };
    // The rules that read are kept even when others do not, so that ambiguity among them is
    // still reported; a plan with a broken rule never loads (its problem is recorded).
    let prices = p.opt(&o.prices, &at.key("prices"), |p, l, at| {
        let items = entries(p, l, at)?;
        Some(p.each(items, at, |p, doc, at| rule(p, doc, at, known, &has)).0)
    });
    let minimum_commitment = p.opt(&o.minimumCommitment, &at.key("minimumCommitment"), |p, map, at| {
        amounts_by_currency(p, map, at, currencies, "a minimum commitment")
    });
    let moves = p.opt(&o.existingCustomersFrom, &at.key("existingCustomersFrom"), |_, t, _| Some(*t));
    let align = p.opt(&o.align, &at.key("align"), |p, s, at| p.choice(s, at, &Align::ALL));
    let (moves, align) = (moves?, align?);
    if align.is_some() && moves.is_none() {
        p.add(
            Code::MissingField,
            &at.key("existingCustomersFrom"),
            "\"align\" says when existing customers move to the plan's prices: it needs existingCustomersFrom",
        );
        return None;
    }
    Some(Plan {
        id: id?,
        name: name?,
        default: default?.unwrap_or(false),
        trial,
        discount,
        prices: prices?.unwrap_or_default(),
        minimum_commitment: minimum_commitment?.unwrap_or_default(),
        existing_customers: moves.map(|from| Move { from, align: align.unwrap_or_default() }),
    })
}

/// `AMOUNT_PRECISION` at `at` for an amount with more decimal places than its currency has
/// (`why`: what is charged as written).
pub(crate) fn exact_in(
    p: &mut Problems,
    amount: Decimal,
    c: &Currency,
    at: &At<'_>,
    why: &str,
) -> Option<()> {
    if amount.normalize().scale() <= c.exponent() {
        return Some(());
    }
    let message = format!("{amount} has more decimal places than {} has ({}): {why}", c.code(), c.exponent());
    p.add(Code::AmountPrecision, at, message);
    None
}

/// `{"USD": "50.00", ...}`: amounts by catalog currency, each positive and exact in its
/// currency (a minimum commitment, SPEC 13; a coupon's amount off, SPEC 12); `what` names it.
pub(super) fn amounts_by_currency(
    p: &mut Problems,
    map: &Map<Num>,
    at: &At<'_>,
    currencies: Option<&[Currency]>,
    what: &str,
) -> Option<Vec<Money>> {
    if map.len > map.entries.len() {
        p.add(Code::InputTooLarge, at, format!("{} currencies; at most {MAX_LIST_LEN}", map.len));
        return None;
    }
    let mut all = Some(Vec::with_capacity(map.entries.len()));
    // A repeated currency would be priced by its first amount here and by its last in
    // `JSON.parse`: refused, as every repeated key in JSON text is.
    let mut seen = BTreeMap::new();
    for (i, (code, amount)) in map.entries.iter().enumerate() {
        let at = at.key(code);
        if seen.insert(code.as_str(), i).is_some() {
            p.add(Code::DuplicateKey, &at, format!("the key \"{code}\" appears twice in one object"));
            all = None;
            continue;
        }
        let currency = catalog_currency(p, code, &at, currencies);
        let amount = p.req(amount, &at, Problems::money);
        let money = match (currency, amount) {
            (Some(_), Some(a)) if a <= Decimal::ZERO => {
                p.add(Code::InvalidValue, &at, format!("{what} is positive, not {a}"));
                None
            }
            (Some(c), Some(a)) => exact_in(p, a, &c, &at, &format!("{what} is charged as it is written"))
                .and_then(|()| Money::round(a, &c, Rounding::HalfUp).ok()),
            _ => None,
        };
        match (money, &mut all) {
            (Some(m), Some(list)) => list.push(m),
            _ => all = None,
        }
    }
    all
}

fn duration(p: &mut Problems, o: &DurationDoc, at: &At<'_>) -> Option<PhaseDuration> {
    p.fields(o, at);
    let units = [
        ("hours", &o.hours, DurationUnit::Hours),
        ("days", &o.days, DurationUnit::Days),
        ("months", &o.months, DurationUnit::Months),
    ];
    let given: Vec<_> = units.iter().filter(|(_, n, _)| !n.is_absent()).collect();
    match given.as_slice() {
        [(key, n, unit)] => {
            Some(PhaseDuration { count: p.req(n, &at.key(key), Problems::count)?, unit: *unit })
        }
        _ => {
            p.add(
                Code::InvalidValue,
                at,
                "give exactly one of \"hours\", \"days\" or \"months\", e.g. {\"days\": 14}",
            );
            None
        }
    }
}

fn rule(
    p: &mut Problems,
    o: &RuleDoc,
    at: &At<'_>,
    known: &Known<'_>,
    plan_has: &dyn Fn(Phase) -> bool,
) -> Option<PriceRule> {
    p.fields(o, at);
    let id = p.opt(&o.id, &at.key("id"), Problems::id);
    let reference =
        |p: &mut Problems, s: &str, at: &At<'_>, ids: &BTreeMap<&str, usize>, code: Code, what: &str| {
            if !ids.contains_key(s) {
                p.unknown(code, at, what, s, ids.keys().copied());
                return None;
            }
            Some(s.to_string())
        };
    let product = p.req(&o.product, &at.key("product"), |p, s, at| {
        reference(p, s, at, &known.products, Code::UnknownProduct, "product")
    });
    let currency = p.req(&o.currency, &at.key("currency"), |p, s, at| {
        reference(p, s, at, &known.currencies, Code::UnknownCurrency, "currency")
    });
    let phase = p.req(&o.phase, &at.key("phase"), |p, s, at| {
        let phase = p.choice(s, at, &Phase::NAMES)?;
        if !plan_has(phase) {
            p.add(
                Code::UnknownPhase,
                at,
                format!("the plan has no {} phase (see its \"phases\")", phase.as_str()),
            );
            return None;
        }
        Some(phase)
    });
    let regions = p.opt(&o.regions, &at.key("regions"), |p, l, at| {
        let regions =
            all(p, l, at, |p, s, at| reference(p, s, at, &known.regions, Code::UnknownRegion, "region"))?;
        p.repeats(at, regions.iter().map(String::as_str), "region");
        if regions.is_empty() {
            p.add(
                Code::InvalidValue,
                at,
                "an empty region list matches nothing: leave \"regions\" out for every region",
            );
            return None;
        }
        Some(regions)
    });
    // Required: a missing period once priced a monthly price per hour, 730 times too high.
    let period_at = at.key("period");
    let period = match &o.period {
        Field::Missing => {
            p.add(
                Code::MissingField,
                &period_at,
                "\"period\" is required: \"month\" for a price per month, \"hour\" for a price per hour",
            );
            None
        }
        f => p.req(f, &period_at, |p, s, at| {
            let period = p.choice(s, at, &PERIODS)?;
            if period == Period::Hour && o.product.ok().is_some_and(|c| known.counters.contains(c.as_str())) {
                p.add(
                    Code::InvalidValue,
                    at,
                    "an aggregated product (a counter) bills usage, a quantity, not a rate: its rules need \"period\": \"month\"",
                );
                return None;
            }
            Some(period)
        }),
    };
    let table = TierTable::validate(p, &o.table, at, known.allow_credits);
    Some(PriceRule {
        id: id?,
        path: at.into_path(),
        product: product?,
        phase: phase?,
        currency: currency?,
        regions: regions?.unwrap_or_default(),
        period: period?,
        table: table?,
    })
}

fn discount_warnings(plans: &[Plan], clock: PhaseClock) -> Vec<Problem> {
    if clock != PhaseClock::BillingStart {
        return Vec::new();
    }
    plans
        .iter()
        .enumerate()
        .filter_map(|(i, plan)| match (plan.trial, plan.discount) {
            (Some(t), Some(disc)) if disc.never_longer_than(&t) => Some(Problem::new(
                Code::DiscountNeverReached,
                format!("plans[{i}].phases.discount"),
                "the discount is counted from billingStart, like the trial, and is not longer than it: it is never reached \
                 (make it longer, or set \"phaseClock\": \"chained\")",
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::first_index;

    #[test]
    fn a_repeated_id_keeps_its_first_index() {
        let ids = [(0, "b"), (1, "a"), (2, "b"), (3, "c"), (4, "a")];
        let index = first_index(ids.into_iter());
        assert_eq!(index.into_iter().collect::<Vec<_>>(), [("a", 1), ("b", 0), ("c", 3)]);
    }
}
