//! Coupons (SPEC 12): what a catalog offers off its prices, read and checked with the catalog.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;

use super::load::{amounts_by_currency, entries, named, Known};
use crate::error::Code;
use crate::input::{shape, At, Field, List, Map, Num, Problems};
use crate::money::{Currency, Money};
use crate::phases::Phase;

type Time = DateTime<Utc>;

shape!(
    /// A coupon as JSON gives it.
    CouponDoc {
        id: Field<String>,
        name: Field<String>,
        code: Field<String>,
        percentOff: Field<Num>,
        amountOff: Field<Map<Num>>,
        duration: Field<String>,
        months: Field<Num>,
        appliesTo: Field<Box<AppliesToDoc>>,
        redeemBy: Field<Time>,
    }
);
shape!(AppliesToDoc { products: Field<List<String>>, plans: Field<List<String>>, phases: Field<List<String>> });

/// A coupon: a percent or an amount off, for a while, on some of what is billed.
///
/// # Example
/// ```
/// let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let welcome = catalog.coupon("welcome20").unwrap();
/// assert_eq!(welcome.code.as_deref(), Some("WELCOME20"));
/// assert!(matches!(welcome.off, ratecard::Off::Percent(p) if p.to_string() == "20"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// Identifier, named by redemptions.
    pub id: String,
    /// Display name ("20% off your first 3 months").
    pub name: String,
    /// What a customer types on an order form to redeem it. Not a secret: the public catalog
    /// carries it, and the server decides which redemptions it trusts.
    pub code: Option<String>,
    /// How much it takes.
    pub off: Off,
    /// How long it applies once redeemed.
    pub duration: CouponDuration,
    /// What it is limited to; empty lists limit nothing.
    pub applies_to: AppliesTo,
    /// The last instant it can be redeemed at.
    pub redeem_by: Option<Time>,
}

/// How much a coupon takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Off {
    /// A percentage in (0, 100] of what is left of each line it applies to.
    Percent(Decimal),
    /// An amount per invoice, by currency, shared over the lines it applies to.
    Amount(Vec<Money>),
}

/// How long a redeemed coupon applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponDuration {
    /// To the invoice it is given with.
    Once,
    /// For this many calendar months from the redemption (month arithmetic as for phases).
    Repeating(u32),
    /// From the redemption on.
    Forever,
}

impl CouponDuration {
    /// The duration's name in JSON: `"once"`, `"repeating"` or `"forever"`.
    ///
    /// # Example
    /// ```
    /// assert_eq!(ratecard::CouponDuration::Repeating(3).as_str(), "repeating");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CouponDuration::Once => "once",
            CouponDuration::Repeating(_) => "repeating",
            CouponDuration::Forever => "forever",
        }
    }
}

/// What a coupon is limited to (each list that is not empty must match).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppliesTo {
    /// Product ids.
    pub products: BTreeSet<String>,
    /// Plan ids.
    pub plans: BTreeSet<String>,
    /// Phases.
    pub phases: Vec<Phase>,
}

impl Coupon {
    /// The amount the coupon takes in `currency`, if it is an amount coupon that has one.
    pub(crate) fn amount_in(&self, currency: &Currency) -> Option<&Money> {
        match &self.off {
            Off::Amount(amounts) => amounts.iter().find(|m| m.currency().code() == currency.code()),
            Off::Percent(_) => None,
        }
    }

    /// Where a redemption at `at` applies: `[at, end)`, `end` `None` for ever (and for a
    /// `repeating` coupon whose end would be past the calendar).
    pub fn window(&self, at: Time) -> (Time, Option<Time>) {
        match self.duration {
            CouponDuration::Repeating(months) => (at, at.checked_add_months(Months::new(months))),
            CouponDuration::Once | CouponDuration::Forever => (at, None),
        }
    }

    /// Its place in SPEC 12's order: coupons limited to products first, then those limited to
    /// plans or phases, then the rest.
    pub(crate) fn group(&self) -> u8 {
        let a = &self.applies_to;
        match (a.products.is_empty(), a.plans.is_empty() && a.phases.is_empty()) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 2,
        }
    }

    /// Whether it applies to a line of `product` while on `plan` in `phase`.
    pub(crate) fn covers(&self, product: &str, plan: &str, phase: Phase) -> bool {
        let a = &self.applies_to;
        (a.products.is_empty() || a.products.contains(product))
            && (a.plans.is_empty() || a.plans.contains(plan))
            && (a.phases.is_empty() || a.phases.contains(&phase))
    }

    /// Whether it applies to a minimum-commitment true-up of `plan` (SPEC 12): only a coupon
    /// that is not limited, or limited to that plan alone.
    pub(crate) fn covers_true_up(&self, plan: &str) -> bool {
        let a = &self.applies_to;
        a.products.is_empty() && a.phases.is_empty() && (a.plans.is_empty() || a.plans.contains(plan))
    }
}

/// Reads and checks the catalog's `coupons`.
pub(super) fn coupons(
    p: &mut Problems,
    list: &Field<List<Box<CouponDoc>>>,
    known: &Known<'_>,
    plans: &BTreeMap<&str, usize>,
    currencies: Option<&[Currency]>,
) -> Option<Vec<Coupon>> {
    let at = At::Root;
    let at = at.key("coupons");
    let coupons = p.opt(list, &at, |p, l, at| {
        let items = entries(p, l, at)?;
        p.all(items, at, |p, doc, at| coupon(p, doc, at, known, plans, currencies))
    });
    super::load::check_unique(p, "coupons", named(list, |c| &c.id));
    // Codes are typed by people: two that differ only in case are one code.
    let mut codes = BTreeMap::new();
    for (i, doc) in list.ok().map_or(&[][..], |l| &l.items[..]).iter().enumerate() {
        let Some(code) = doc.ok().and_then(|c| c.code.ok()) else { continue };
        if let Some(first) = codes.insert(code.to_ascii_uppercase(), i) {
            p.add(
                Code::DuplicateId,
                format!("coupons[{i}].code"),
                format!(
                    "the code \"{code}\" is already coupons[{first}]'s (codes are matched ignoring case)"
                ),
            );
        }
    }
    Some(coupons?.unwrap_or_default())
}

fn coupon(
    p: &mut Problems,
    o: &CouponDoc,
    at: &At<'_>,
    known: &Known<'_>,
    plans: &BTreeMap<&str, usize>,
    currencies: Option<&[Currency]>,
) -> Option<Coupon> {
    p.fields(o, at);
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.req(&o.name, &at.key("name"), Problems::text);
    let code = p.opt(&o.code, &at.key("code"), Problems::id);
    let percent = p.opt(&o.percentOff, &at.key("percentOff"), |p, n, at| {
        let percent = p.money(n, at)?;
        if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            p.add(Code::InvalidValue, at, format!("percentOff is in (0, 100], not {percent}"));
            return None;
        }
        Some(percent.normalize())
    });
    let amount = p.opt(&o.amountOff, &at.key("amountOff"), |p, map, at| {
        amounts_by_currency(p, map, at, currencies, "an amount off")
    });
    let off = match (percent?, amount?) {
        (Some(percent), None) => Some(Off::Percent(percent)),
        (None, Some(amounts)) => Some(Off::Amount(amounts)),
        (both, _) => {
            let why = match both {
                Some(_) => "a coupon takes percentOff or amountOff, not both",
                None => "a coupon takes percentOff (\"20\") or amountOff ({\"USD\": \"5.00\"})",
            };
            p.add(Code::InvalidValue, at, why);
            None
        }
    };
    const DURATIONS: [(&str, CouponDuration); 3] = [
        ("once", CouponDuration::Once),
        ("repeating", CouponDuration::Repeating(0)),
        ("forever", CouponDuration::Forever),
    ];
    let duration = p.req(&o.duration, &at.key("duration"), |p, s, at| p.choice(s, at, &DURATIONS));
    let months = p.opt(&o.months, &at.key("months"), Problems::count);
    let duration = match (duration?, months?) {
        (CouponDuration::Repeating(_), Some(months)) => Some(CouponDuration::Repeating(months)),
        (CouponDuration::Repeating(_), None) => {
            p.add(Code::MissingField, &at.key("months"), "a repeating coupon says for how many months");
            None
        }
        (d, Some(_)) => {
            let why = format!("\"months\" goes with \"duration\": \"repeating\", not \"{}\"", d.as_str());
            p.add(Code::InvalidValue, &at.key("months"), why);
            None
        }
        (d, None) => Some(d),
    };
    let applies_to = p.opt(&o.appliesTo, &at.key("appliesTo"), |p, a, at| applies_to(p, a, at, known, plans));
    let redeem_by = p.opt(&o.redeemBy, &at.key("redeemBy"), |_, t, _| Some(*t));
    Some(Coupon {
        id: id?,
        name: name?,
        code: code?,
        off: off?,
        duration: duration?,
        applies_to: applies_to?.unwrap_or_default(),
        redeem_by: redeem_by?,
    })
}

fn applies_to(
    p: &mut Problems,
    o: &AppliesToDoc,
    at: &At<'_>,
    known: &Known<'_>,
    plans: &BTreeMap<&str, usize>,
) -> Option<AppliesTo> {
    p.fields(o, at);
    let products = p.opt(&o.products, &at.key("products"), |p, l, at| {
        listed(p, l, at, &mut |p, id, at| {
            let found = known.products.contains_key(id);
            if !found {
                p.unknown(Code::UnknownProduct, at, "product", id, known.products.keys().copied());
            }
            found
        })
    });
    let plans = p.opt(&o.plans, &at.key("plans"), |p, l, at| {
        listed(p, l, at, &mut |p, id, at| {
            let found = plans.contains_key(id);
            if !found {
                p.unknown(Code::UnknownPlan, at, "plan", id, plans.keys().copied());
            }
            found
        })
    });
    let phase = |name: &str| Phase::NAMES.iter().find(|(n, _)| *n == name).map(|(_, phase)| *phase);
    let phases = p.opt(&o.phases, &at.key("phases"), |p, l, at| {
        listed(p, l, at, &mut |p, name, at| {
            let found = phase(name).is_some();
            if !found {
                let why = format!("\"{name}\" is not a phase: \"trial\", \"discount\" or \"final\"");
                p.add(Code::UnknownPhase, at, why);
            }
            found
        })
    });
    Some(AppliesTo {
        products: products?.unwrap_or_default().into_iter().collect(),
        plans: plans?.unwrap_or_default().into_iter().collect(),
        phases: phases?.unwrap_or_default().iter().filter_map(|name| phase(name)).collect(),
    })
}

/// The ids of an `appliesTo` list, each one `known` (which reports one that is not), none
/// repeated; an empty list would limit the coupon to nothing, which no one means.
fn listed(
    p: &mut Problems,
    l: &List<String>,
    at: &At<'_>,
    known: &mut dyn FnMut(&mut Problems, &str, &At<'_>) -> bool,
) -> Option<Vec<String>> {
    let items = entries(p, l, at)?;
    if items.is_empty() {
        p.add(Code::InvalidValue, at, "an empty list would limit the coupon to nothing: leave it out");
        return None;
    }
    let ids = p.all(items, at, |_, s, _| Some(s.clone()))?;
    p.repeats(at, ids.iter().map(String::as_str), "id");
    let mut all_known = true;
    for (i, id) in ids.iter().enumerate() {
        all_known &= known(p, id, &at.index(i));
    }
    all_known.then_some(ids)
}
