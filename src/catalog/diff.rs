//! What changed between two catalogs (two versions of a set, SPEC 16): what an operator reads
//! before publishing new prices.

use super::{Catalog, Plan, PriceRule};
use crate::error::Error;
use crate::json_text::{json_text, list, object, ToJson};
use crate::phases::{instant_text, PhaseDuration};

/// One change from an older catalog to a newer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `"added"`, `"removed"` or `"changed"`.
    pub change: &'static str,
    /// What changed: `"setting"`, `"region"`, `"product"`, `"plan"`, `"phase"`, `"price"`,
    /// `"commitment"`, `"move"`, `"coupon"` or `"taxRate"`.
    pub what: &'static str,
    /// Its path in the newer catalog (in the older one when it was removed).
    pub path: String,
    /// The change in words: "plan standard: medium final USD: 12.00 → 13.00 a month".
    pub message: String,
}

/// Every change from `old` to `new`, in the newer catalog's order.
///
/// # Example
/// ```
/// let set = ratecard::CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
/// let [old, new] = set.versions() else { panic!() };
/// let changes = ratecard::diff(&old.catalog, &new.catalog);
/// assert!(changes.iter().any(|c| c.what == "price" && c.message.contains("12.00 a month → 13.00 a month")));
/// ```
pub fn diff(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    let mut add =
        |change, what, path: String, message: String| out.push(Change { change, what, path, message });
    let settings: [(&str, String, String); 5] = [
        ("defaultCurrency", old.default_currency().code().into(), new.default_currency().code().into()),
        ("currencies", codes(old), codes(new)),
        ("hoursPerMonth", old.hours_per_month().to_string(), new.hours_per_month().to_string()),
        ("capHours", format!("{:?}", old.cap_hours()), format!("{:?}", new.cap_hours())),
        ("taxMode", format!("{:?}", old.tax_mode()), format!("{:?}", new.tax_mode())),
    ];
    for (key, before, after) in settings {
        if before != after {
            add("changed", "setting", key.to_string(), format!("{key}: {before} → {after}"));
        }
    }
    let ids = |c: &Catalog| c.regions().iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    listed(&ids(old), &ids(new), "regions", "region", &mut add);
    for (i, p) in new.products().iter().enumerate() {
        match old.product(&p.id) {
            None => {
                add("added", "product", format!("products[{i}]"), format!("product {} ({})", p.id, p.name))
            }
            Some(o) if o.name != p.name => add(
                "changed",
                "product",
                format!("products[{i}].name"),
                format!("product {}: named \"{}\" → \"{}\"", p.id, o.name, p.name),
            ),
            Some(_) => {}
        }
    }
    for (i, p) in old.products().iter().enumerate() {
        if new.product(&p.id).is_none() {
            add("removed", "product", format!("products[{i}]"), format!("product {} ({})", p.id, p.name));
        }
    }
    for (i, plan) in new.plans().iter().enumerate() {
        let at = format!("plans[{i}]");
        match old.plan(&plan.id) {
            None => add("added", "plan", at, format!("plan {} ({})", plan.id, plan.name)),
            Some(before) => plan_changes(before, plan, &at, &mut add),
        }
    }
    for (i, plan) in old.plans().iter().enumerate() {
        if new.plan(&plan.id).is_none() {
            add("removed", "plan", format!("plans[{i}]"), format!("plan {} ({})", plan.id, plan.name));
        }
    }
    let ids = |c: &Catalog| c.coupons().iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    listed(&ids(old), &ids(new), "coupons", "coupon", &mut add);
    let ids =
        |c: &Catalog| c.tax_rates().iter().map(|r| format!("{} {}%", r.id, r.percent)).collect::<Vec<_>>();
    listed(&ids(old), &ids(new), "taxRates", "taxRate", &mut add);
    out
}

/// The catalog's currency codes, joined.
fn codes(c: &Catalog) -> String {
    c.currencies().iter().map(|c| c.code()).collect::<Vec<_>>().join(", ")
}

/// Entries of a list added and removed, by their text.
fn listed(
    old: &[String],
    new: &[String],
    key: &str,
    what: &'static str,
    add: &mut impl FnMut(&'static str, &'static str, String, String),
) {
    for (i, id) in new.iter().enumerate() {
        if !old.contains(id) {
            add("added", what, format!("{key}[{i}]"), format!("{what} {id}"));
        }
    }
    for (i, id) in old.iter().enumerate() {
        if !new.contains(id) {
            add("removed", what, format!("{key}[{i}]"), format!("{what} {id}"));
        }
    }
}

/// What a rule prices, as a key and in words: "medium final USD" (and its regions).
fn priced(rule: &PriceRule) -> String {
    let mut key = format!("{} {} {}", rule.product, rule.phase.as_str(), rule.currency);
    if !rule.regions.is_empty() {
        key.push_str(&format!(" in {}", rule.regions.join(", ")));
    }
    key
}

/// A rule's price in words: its one unit price, or its tiers.
fn price(rule: &PriceRule) -> String {
    let tiers = rule.table.tiers();
    let each = |t: &crate::tiers::Tier| match t.flat_price.is_zero() {
        true => t.unit_price.to_string(),
        false => format!("{} + {} flat", t.unit_price, t.flat_price),
    };
    let text = match tiers {
        [one] => each(one),
        many => many.iter().map(each).collect::<Vec<_>>().join(" / "),
    };
    format!("{text} a {}", rule.period.as_str())
}

fn duration(d: Option<PhaseDuration>) -> String {
    d.map_or("none".to_string(), |d| format!("{} {}", d.count, d.unit.as_str()))
}

fn plan_changes(
    old: &Plan,
    new: &Plan,
    at: &str,
    add: &mut impl FnMut(&'static str, &'static str, String, String),
) {
    let id = &new.id;
    for (phase, before, after) in [("trial", old.trial, new.trial), ("discount", old.discount, new.discount)]
    {
        if before != after {
            let why = format!("plan {id}: {phase} {} → {}", duration(before), duration(after));
            add("changed", "phase", format!("{at}.phases.{phase}"), why);
        }
    }
    if old.minimum_commitment != new.minimum_commitment {
        let text = |p: &Plan| match p.minimum_commitment.as_slice() {
            [] => "none".to_string(),
            all => all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        };
        let why = format!("plan {id}: minimum commitment {} → {}", text(old), text(new));
        add("changed", "commitment", format!("{at}.minimumCommitment"), why);
    }
    if let Some(m) = new.existing_customers.filter(|m| old.existing_customers != Some(*m)) {
        let why = format!(
            "plan {id}: existing customers move to these prices from {} ({})",
            instant_text(m.from),
            m.align.as_str()
        );
        add("changed", "move", format!("{at}.existingCustomersFrom"), why);
    }
    for (j, rule) in new.prices.iter().enumerate() {
        let key = priced(rule);
        let path = format!("{at}.prices[{j}]");
        match old.prices.iter().find(|r| priced(r) == key) {
            None => add("added", "price", path, format!("plan {id}: {key}: {}", price(rule))),
            Some(before) if before.table != rule.table || before.period != rule.period => add(
                "changed",
                "price",
                path,
                format!("plan {id}: {key}: {} → {}", price(before), price(rule)),
            ),
            Some(_) => {}
        }
    }
    for (j, rule) in old.prices.iter().enumerate() {
        if !new.prices.iter().any(|r| priced(r) == priced(rule)) {
            let why = format!("plan {id}: {}: {}", priced(rule), price(rule));
            add("removed", "price", format!("{at}.prices[{j}]"), why);
        }
    }
}

/// `{"changes": [{change, what, path, message}]}`.
pub struct DiffJson<'a>(pub &'a [Change]);

impl ToJson for DiffJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, {
            "changes": list(self.0, |out, _, c| object!(out, {
                "change": c.change,
                "what": c.what,
                "path": c.path.as_str(),
                "message": c.message.as_str(),
            })),
        })
    }
}

/// The changes as JSON text: `{"changes": [{change, what, path, message}]}`.
///
/// # Example
/// ```
/// let demo = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// assert_eq!(ratecard::diff_json(&ratecard::diff(&demo, &demo)), r#"{"changes":[]}"#);
/// ```
pub fn diff_json(changes: &[Change]) -> String {
    json_text(&DiffJson(changes)).unwrap_or_default()
}
