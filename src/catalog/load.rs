//! Catalog JSON -> [`Catalog`], checking shapes, references and rules in one pass that records
//! every problem with its path.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{Catalog, Metered, PackageSpec, Period, Plan, PriceRule, Product, ProductKind, Region};
use crate::decode::{Decoder, Num, Obj};
use crate::error::{Code, Error, Problem};
use crate::json::Value;
use crate::money::{Currency, Rounding};
use crate::phases::{DurationUnit, HourRounding, Phase, PhaseClock, PhaseDuration};
use crate::tiers::{TierTable, TABLE_FIELDS};

use crate::limits::MAX_LIST_LEN;

const CATALOG_FIELDS: &[&str] = &[
    "name",
    "defaultCurrency",
    "currencies",
    "customCurrencies",
    "rounding",
    "hoursPerMonth",
    "monthlyCap",
    "capHours",
    "phaseClock",
    "hourRounding",
    "allowCredits",
    "strict",
    "regions",
    "products",
    "plans",
    "partners",
    "planTypes",
];

/// Resources whose usage a package includes; their metered products must count GB.
const ALLOWANCE_RESOURCES: [&str; 3] = ["storage", "bandwidth", "backup"];

/// Decodes and checks a catalog. The catalog keeps the value it was read from (for its public
/// view): it is moved in, never copied.
pub(super) fn load(value: Value) -> Result<Catalog, Error> {
    let mut catalog = check(&value)?;
    catalog.source = value;
    Ok(catalog)
}

/// Decodes and checks a catalog without keeping its source (validation only).
pub(super) fn check(value: &Value) -> Result<Catalog, Error> {
    let mut d = Decoder::new();
    let catalog = decode_catalog(&mut d, value);
    d.finish(catalog)
}

/// Reports entries of a list that repeat an id (`DUPLICATE_ID` on the later one). Reads the raw
/// JSON, so duplicates are found even when some entries have other problems.
pub(crate) fn check_unique(d: &mut Decoder, o: &Obj<'_>, key: &str) {
    let Some(Value::Array(items)) = o.get(key) else { return };
    let mut seen = std::collections::BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(Value::String(id)) = item.get("id") {
            if let Some(first) = seen.get(id.as_str()) {
                d.problem(
                    Code::DuplicateId,
                    format!("{key}[{i}].id"),
                    format!("the id \"{id}\" is already used by {key}[{first}]"),
                );
            } else {
                seen.insert(id.as_str(), i);
            }
        }
    }
}

/// Reports every plan marked default after the first (raw JSON, like [`check_unique`]).
fn check_one_default(d: &mut Decoder, o: &Obj<'_>) {
    let Some(Value::Array(plans)) = o.get("plans") else { return };
    let mut defaults = plans.iter().enumerate().filter(|(_, p)| p.get("default") == Some(&Value::Bool(true)));
    if let Some((first, _)) = defaults.next() {
        for (i, _) in defaults {
            d.problem(
                Code::MultipleDefaultPlans,
                format!("plans[{i}].default"),
                format!("plans[{first}] is already the default plan; at most one plan is default"),
            );
        }
    }
}

/// A list no longer than [`MAX_LIST_LEN`].
pub(crate) fn list<'a, T>(
    d: &mut Decoder,
    v: &'a Value,
    path: &str,
    f: impl FnMut(&mut Decoder, &'a Value, &str) -> Option<T>,
) -> Option<Vec<T>> {
    if too_long(d, v, path) {
        return None;
    }
    d.array(v, path, f)
}

/// `INPUT_TOO_LARGE` for an array longer than [`MAX_LIST_LEN`].
fn too_long(d: &mut Decoder, v: &Value, path: &str) -> bool {
    d.too_long(v, path, MAX_LIST_LEN, |n| format!("{n} entries; at most {MAX_LIST_LEN} are allowed"))
}

fn decode_catalog(d: &mut Decoder, value: &Value) -> Option<Catalog> {
    let o = d.object(value, "", CATALOG_FIELDS)?;
    let _name = d.opt(&o, "name", |d, v, p| d.string(v, p).map(str::to_string));
    let currencies = decode_currencies(d, &o);
    let default_currency =
        d.req(&o, "defaultCurrency", |d, v, p| catalog_currency(d, v, p, currencies.as_deref()));
    let rounding = d.opt(&o, "rounding", |d, v, p| {
        d.choice(v, p, &[("halfUp", Rounding::HalfUp), ("halfEven", Rounding::HalfEven)])
    });
    let hours_per_month = d.opt(&o, "hoursPerMonth", |d, v, p| d.positive(v, p, Num::Quantity));
    let monthly_cap = d.opt(&o, "monthlyCap", |d, v, p| d.boolean(v, p)).flatten().unwrap_or(false);
    let cap_hours = d.opt(&o, "capHours", |d, v, p| d.positive(v, p, Num::Quantity));
    let cap_off = matches!(o.get("monthlyCap"), None | Some(Value::Bool(false)));
    if cap_off && o.get("capHours").is_some() {
        d.problem(Code::InvalidValue, o.at("capHours"), "\"capHours\" goes with \"monthlyCap\": true");
    }
    let phase_clock = d.opt(&o, "phaseClock", |d, v, p| {
        d.choice(v, p, &[("billingStart", PhaseClock::BillingStart), ("chained", PhaseClock::Chained)])
    });
    let hour_rounding = d.opt(&o, "hourRounding", |d, v, p| {
        d.choice(v, p, &[("exact", HourRounding::Exact), ("up", HourRounding::Up)])
    });
    let allow_credits = d.opt(&o, "allowCredits", |d, v, p| d.boolean(v, p)).flatten().unwrap_or(false);
    let strict = d.opt(&o, "strict", |d, v, p| d.boolean(v, p)).flatten().unwrap_or(false);
    let regions = d.opt(&o, "regions", |d, v, p| list(d, v, p, decode_region)).map(Option::unwrap_or_default);
    check_unique(d, &o, "regions");
    let products =
        d.opt(&o, "products", |d, v, p| list(d, v, p, decode_product)).map(Option::unwrap_or_default);
    check_unique(d, &o, "products");
    // References are checked against every entry that names an id, decoded or not: a product
    // with one bad field is reported once, not again by every rule that prices it.
    let known = Known {
        currencies: raw_currency_codes(&o),
        regions: raw_ids(&o, "regions"),
        products: raw_ids(&o, "products"),
        counters: raw_counters(&o),
        allow_credits,
    };
    // Plans that decode are checked for ambiguous rules and phases even when others do not.
    let plans = d.opt(&o, "plans", |d, v, p| {
        if too_long(d, v, p) {
            return None;
        }
        d.each(v, p, |d, v, p| decode_plan(d, v, p, &known))
    });
    check_unique(d, &o, "plans");
    check_one_default(d, &o);
    let mut warnings = Vec::new();
    let phase_clock = phase_clock?.unwrap_or_default();
    // Plans that failed to decode are left out here; their problems make the catalog fail.
    let plans = plans?.unwrap_or_default();
    warnings.extend(discount_warnings(&plans, phase_clock));
    let mut ambiguous = Vec::new();
    let rules = Catalog::index_rules(&plans, &mut ambiguous);
    d.extend(ambiguous);
    let partners = super::partners::decode(d, &o, currencies.as_deref(), &mut warnings);
    let catalog = Catalog {
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
        warnings,
        index: Default::default(),
        source: Value::Null,
    };
    let mut catalog = catalog.indexed(rules);
    let unpriced = catalog.unpriced_products();
    if strict {
        d.extend(unpriced);
    } else {
        catalog.warnings.extend(unpriced);
    }
    Some(catalog)
}

/// The ids of the products marked `"aggregated": true` (counters; raw JSON, like [`raw_ids`]).
fn raw_counters<'a>(o: &Obj<'a>) -> BTreeSet<&'a str> {
    let Some(Value::Array(items)) = o.get("products") else { return BTreeSet::new() };
    items
        .iter()
        .filter(|item| item.get("aggregated") == Some(&Value::Bool(true)))
        .filter_map(|item| match item.get("id") {
            Some(Value::String(id)) => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

/// The ids named by the entries of the list `key` (raw JSON, so entries with other problems
/// count too: a reference to them is not reported again).
pub(crate) fn raw_ids<'a>(o: &Obj<'a>, key: &str) -> BTreeSet<&'a str> {
    let Some(Value::Array(items)) = o.get(key) else { return BTreeSet::new() };
    items
        .iter()
        .filter_map(|item| match item.get("id") {
            Some(Value::String(id)) => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

/// Id -> index of the first entry with that id (validation reports later duplicates).
pub(crate) fn index_by_id<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut at = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        at.entry(id.to_string()).or_insert(i);
    }
    at
}

/// The codes of `currencies` and `customCurrencies` (raw JSON, like [`raw_ids`]).
fn raw_currency_codes<'a>(o: &Obj<'a>) -> BTreeSet<&'a str> {
    let mut codes = BTreeSet::new();
    if let Some(Value::Array(items)) = o.get("currencies") {
        codes.extend(items.iter().filter_map(|v| match v {
            Value::String(code) => Some(code.as_str()),
            _ => None,
        }));
    }
    if let Some(Value::Array(items)) = o.get("customCurrencies") {
        codes.extend(items.iter().filter_map(|v| match v.get("code") {
            Some(Value::String(code)) => Some(code.as_str()),
            _ => None,
        }));
    }
    codes
}

/// A currency code that must be one of the catalog's `currencies` (`None` when those are
/// broken: their problems are already reported).
pub(crate) fn catalog_currency(
    d: &mut Decoder,
    v: &Value,
    path: &str,
    currencies: Option<&[Currency]>,
) -> Option<Currency> {
    let code = d.string(v, path)?;
    let found = currencies?.iter().find(|c| c.code() == code).cloned();
    if found.is_none() {
        d.problem(Code::UnknownCurrency, path, format!("\"{code}\" is not in the catalog's currencies"));
    }
    found
}

fn decode_currencies(d: &mut Decoder, o: &Obj<'_>) -> Option<Vec<Currency>> {
    let iso = d.req(o, "currencies", |d, v, p| {
        list(d, v, p, |d, v, p| {
            let code = d.string(v, p)?;
            let c = Currency::iso(code);
            if c.is_none() {
                d.problem(
                    Code::UnknownCurrency,
                    p,
                    format!("\"{code}\" is not an ISO 4217 code; declare it in \"customCurrencies\" with its exponent"),
                );
            }
            c
        })
    });
    let custom = d.opt(o, "customCurrencies", |d, v, p| {
        list(d, v, p, |d, v, p| {
            let c = d.object(v, p, &["code", "exponent"])?;
            let code = d.req(&c, "code", |d, v, p| d.string(v, p).map(str::to_string));
            let exponent = d.req(&c, "exponent", |d, v, p| {
                let e = d.decimal(v, p, Num::Quantity)?;
                let e = u32::try_from(e.mantissa()).ok().filter(|_| e.scale() == 0);
                if e.is_none() {
                    d.problem(Code::InvalidValue, p, "the exponent is a whole number of decimal places");
                }
                e
            });
            let (code, exponent) = (code?, exponent?);
            if Currency::iso(&code).is_some() {
                d.problem(
                    Code::InvalidValue,
                    c.at("code"),
                    format!("\"{code}\" is an ISO 4217 code; list it in \"currencies\""),
                );
                return None;
            }
            match Currency::custom(&code, exponent) {
                Ok(cur) => Some(cur),
                Err(e) => {
                    d.extend(e.within(p).problems().iter().cloned());
                    None
                }
            }
        })
    });
    let mut all = iso?;
    all.extend(custom?.unwrap_or_default());
    d.repeats("currencies", all.iter().map(Currency::code), "currency");
    Some(all)
}

fn decode_region(d: &mut Decoder, v: &Value, path: &str) -> Option<Region> {
    let o = d.object(v, path, &["id", "name"])?;
    let id = d.req(&o, "id", |d, v, p| d.id(v, p));
    let name = d.opt(&o, "name", |d, v, p| d.string(v, p).map(str::to_string));
    let id = id?;
    Some(Region { name: name?.unwrap_or_else(|| id.clone()), id })
}

fn decode_product(d: &mut Decoder, v: &Value, path: &str) -> Option<Product> {
    let o = d.object(
        v,
        path,
        &["id", "name", "externalId", "kind", "resource", "unitType", "unit", "aggregated", "package"],
    )?;
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Package,
        Metered,
    }
    let id = d.req(&o, "id", |d, v, p| d.id(v, p));
    let name = d.req(&o, "name", |d, v, p| d.string(v, p).map(str::to_string));
    let external_id = d.opt(&o, "externalId", |d, v, p| d.string(v, p).map(str::to_string));
    let kind = d
        .req(&o, "kind", |d, v, p| d.choice(v, p, &[("package", Kind::Package), ("metered", Kind::Metered)]));
    let metered_keys = ["resource", "unitType", "unit", "aggregated"];
    let kind = match kind? {
        Kind::Package => {
            for key in metered_keys.iter().filter(|k| o.get(k).is_some()) {
                d.problem(
                    Code::InvalidValue,
                    o.at(key),
                    format!("\"{key}\" is for metered products; this is a package"),
                );
            }
            ProductKind::Package(d.req(&o, "package", decode_package)?)
        }
        Kind::Metered => {
            if o.get("package").is_some() {
                d.problem(
                    Code::InvalidValue,
                    o.at("package"),
                    "\"package\" is for package products; this one is metered",
                );
            }
            let resource = d.req(&o, "resource", |d, v, p| d.id(v, p));
            let unit_type = d.req(&o, "unitType", |d, v, p| d.id(v, p));
            let unit = d.opt(&o, "unit", |d, v, p| d.positive(v, p, Num::Quantity));
            let aggregated = d.opt(&o, "aggregated", |d, v, p| d.boolean(v, p));
            let (resource, unit_type) = (resource?, unit_type?);
            if ALLOWANCE_RESOURCES.contains(&resource.as_str()) && unit_type != "GB" {
                d.problem(
                    Code::AllowanceUnitMismatch,
                    o.at("unitType"),
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
    Some(Product { id: id?, name: name?, external_id: external_id?, kind })
}

fn decode_package(d: &mut Decoder, v: &Value, path: &str) -> Option<PackageSpec> {
    let o = d.object(v, path, &["cpu", "memoryMb", "storageGb", "bandwidthGb", "backupGb"])?;
    let cpu = d.req(&o, "cpu", |d, v, p| {
        let cpu = d.positive(v, p, Num::Quantity)?;
        // Checked: a 28-digit cpu would overflow when multiplied.
        let message = match cpu.checked_mul(Decimal::from(4)) {
            Some(quarters) if quarters.fract().is_zero() => return Some(cpu),
            Some(_) => format!("{cpu} cores is not a multiple of 0.25"),
            None => format!("{cpu} cores is more than can be counted in quarters"),
        };
        d.problem(Code::InvalidCpu, p, message);
        None
    });
    let memory_mb = d.req(&o, "memoryMb", |d, v, p| d.positive(v, p, Num::Quantity));
    let mut included = |key: &str| {
        d.opt(&o, key, |d, v, p| d.non_negative(v, p, Num::Quantity)).map(Option::unwrap_or_default)
    };
    let storage_gb = included("storageGb");
    let bandwidth_gb = included("bandwidthGb");
    let backup_gb = included("backupGb");
    Some(PackageSpec {
        cpu: cpu?,
        memory_mb: memory_mb?,
        storage_gb: storage_gb?,
        bandwidth_gb: bandwidth_gb?,
        backup_gb: backup_gb?,
    })
}

/// What rules may refer to.
struct Known<'a> {
    currencies: BTreeSet<&'a str>,
    regions: BTreeSet<&'a str>,
    products: BTreeSet<&'a str>,
    /// Aggregated products: their rules must be monthly (usage is a quantity, not a rate).
    counters: BTreeSet<&'a str>,
    allow_credits: bool,
}

fn decode_plan(d: &mut Decoder, v: &Value, path: &str, known: &Known<'_>) -> Option<Plan> {
    let o = d.object(v, path, &["id", "name", "default", "phases", "prices"])?;
    let id = d.req(&o, "id", |d, v, p| d.id(v, p));
    let name = d.req(&o, "name", |d, v, p| d.string(v, p).map(str::to_string));
    let default = d.opt(&o, "default", |d, v, p| d.boolean(v, p));
    let phases = d.opt(&o, "phases", |d, v, p| {
        let ph = d.object(v, p, &["trial", "discount"])?;
        let trial = d.opt(&ph, "trial", decode_duration);
        let discount = d.opt(&ph, "discount", decode_duration);
        Some((trial?, discount?))
    });
    let (trial, discount) = phases?.unwrap_or((None, None));
    let has = |phase| match phase {
        Phase::Trial => trial.is_some(),
        Phase::Discount => discount.is_some(),
        Phase::Final => true,
    };
    // The rules that decode are kept even when others do not, so that ambiguity among them is
    // still reported; a plan with a broken rule never loads (its problem is recorded).
    let prices = d.opt(&o, "prices", |d, v, p| {
        if too_long(d, v, p) {
            return None;
        }
        d.each(v, p, |d, v, p| decode_rule(d, v, p, known, &has))
    });
    Some(Plan {
        id: id?,
        name: name?,
        default: default?.unwrap_or(false),
        trial,
        discount,
        prices: prices?.unwrap_or_default(),
    })
}

fn decode_duration(d: &mut Decoder, v: &Value, path: &str) -> Option<PhaseDuration> {
    let o = d.object(v, path, &["hours", "days", "months"])?;
    let units =
        [("hours", DurationUnit::Hours), ("days", DurationUnit::Days), ("months", DurationUnit::Months)];
    let given: Vec<_> = units.iter().filter(|(k, _)| o.get(k).is_some()).collect();
    match given.as_slice() {
        [(key, unit)] => Some(PhaseDuration { count: d.req(&o, key, |d, v, p| d.count(v, p))?, unit: *unit }),
        _ => {
            d.problem(
                Code::InvalidValue,
                path,
                "give exactly one of \"hours\", \"days\" or \"months\", e.g. {\"days\": 14}",
            );
            None
        }
    }
}

fn decode_rule(
    d: &mut Decoder,
    v: &Value,
    path: &str,
    known: &Known<'_>,
    plan_has: &dyn Fn(Phase) -> bool,
) -> Option<PriceRule> {
    let mut fields = vec!["id", "product", "phase", "currency", "regions", "period"];
    fields.extend(TABLE_FIELDS);
    let o = d.object(v, path, &fields)?;
    let id = d.opt(&o, "id", |d, v, p| d.id(v, p));
    let reference = |d: &mut Decoder, v: &Value, p: &str, set: &BTreeSet<&str>, code: Code, what: &str| {
        let s = d.string(v, p)?;
        if !set.contains(s) {
            d.unknown(code, p, what, s, set.iter().copied());
            return None;
        }
        Some(s.to_string())
    };
    let product =
        d.req(&o, "product", |d, v, p| reference(d, v, p, &known.products, Code::UnknownProduct, "product"));
    let currency = d.req(&o, "currency", |d, v, p| {
        reference(d, v, p, &known.currencies, Code::UnknownCurrency, "currency")
    });
    let phase = d.req(&o, "phase", |d, v, p| {
        let phase = d.choice(
            v,
            p,
            &[("trial", Phase::Trial), ("discount", Phase::Discount), ("final", Phase::Final)],
        )?;
        if !plan_has(phase) {
            d.problem(
                Code::UnknownPhase,
                p,
                format!("the plan has no {} phase (see its \"phases\")", phase.as_str()),
            );
            return None;
        }
        Some(phase)
    });
    let regions = d.opt(&o, "regions", |d, v, p| {
        let regions =
            d.array(v, p, |d, v, p| reference(d, v, p, &known.regions, Code::UnknownRegion, "region"))?;
        d.repeats(p, regions.iter().map(String::as_str), "region");
        if regions.is_empty() {
            d.problem(
                Code::InvalidValue,
                p,
                "an empty region list matches nothing: leave \"regions\" out for every region",
            );
            return None;
        }
        Some(regions)
    });
    // Required: a missing period once priced a monthly price per hour, 730 times too high.
    let period = match o.get_raw("period") {
        None => {
            d.problem(
                Code::MissingField,
                o.at("period"),
                "\"period\" is required: \"month\" for a price per month, \"hour\" for a price per hour",
            );
            None
        }
        Some(_) => d.req(&o, "period", |d, v, p| {
            let period = d.choice(v, p, &[("hour", Period::Hour), ("month", Period::Month)])?;
            let counter = o.get("product").and_then(|v| match v {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            });
            if period == Period::Hour && counter.is_some_and(|c| known.counters.contains(c)) {
                d.problem(
                    Code::InvalidValue,
                    p,
                    "an aggregated product (a counter) bills usage, a quantity, not a rate: its rules need \"period\": \"month\"",
                );
                return None;
            }
            Some(period)
        }),
    };
    let table = TierTable::decode(d, &o, known.allow_credits);
    Some(PriceRule {
        id: id?,
        path: path.to_string(),
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
