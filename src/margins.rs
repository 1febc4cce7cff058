//! Margins through the reseller chain, and assignment checks.
//!
//! A plan type's owner pays its parent's fees for every instance on it and charges its own, so
//! its profit per instance is the sum of its fees minus the sum of its parent's. Fees are exact
//! amounts in the currency's minor unit, so margins need no rounding at all.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::catalog::{names_or_none, Catalog, Environment, PlanType, Recurrence};
use crate::json_text::{json_text, list, object, with, ToJson};

use crate::error::{Code, Error, Problem};
use crate::input::{unknown_id, Problems};
use crate::limits::{output_too_large, MAX_OUTPUT_BYTES};
use crate::money::{checked, exact, Currency};

/// Price, cost and profit of a plan type per instance (or for several instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// What the owner charges: the sum of its fees.
    pub price: Decimal,
    /// What the owner pays its parent's owner: the parent's fees (zero for a root plan type).
    pub cost: Decimal,
    /// Price minus cost (negative when the plan type sells below its cost).
    pub profit: Decimal,
}

impl Figures {
    fn new(price: Decimal, cost: Decimal) -> Result<Figures, Error> {
        Ok(Figures { price, cost, profit: checked::sub(price, cost)? })
    }

    fn times(&self, n: u32) -> Result<Figures, Error> {
        let n = Decimal::from(n);
        Ok(Figures {
            price: checked::mul(self.price, n)?,
            cost: checked::mul(self.cost, n)?,
            profit: checked::mul(self.profit, n)?,
        })
    }

    /// The figures at the currency's decimal `places`, as (price, cost, profit) texts.
    fn texts(&self, places: u32) -> [Decimal; 3] {
        [exact(self.price, places), exact(self.cost, places), exact(self.profit, places)]
    }
}

/// One fee of a plan type against the parent's fee of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeMargin {
    /// The fee's name. A parent fee with no fee of that name in the plan type is listed too,
    /// with a price of zero, so fee profits always add up to the plan type's profit.
    pub name: String,
    /// The fee, the parent's fee of the same name, and the difference, per instance.
    pub figures: Figures,
}

/// One level of a reseller chain: who charges what, and who they pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLevel {
    /// The plan type at this level.
    pub plan_type: String,
    /// Its name.
    pub name: String,
    /// Its owner, who receives its price.
    pub owner: Option<String>,
    /// The owner of its parent, whom the owner pays the cost (`None` at the root).
    pub pays_to: Option<String>,
    /// Per instance.
    pub per_instance: Figures,
}

/// Margins of a plan type and of every level of its chain, from the platform down.
///
/// The profits of all levels add up to the end price: each level's cost is the price of the
/// level above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMargins {
    /// The plan type.
    pub plan_type: String,
    /// The currency of every amount.
    pub currency: Currency,
    /// The period every amount covers.
    pub recurring: Recurrence,
    /// How many instances the totals are for.
    pub instances: u32,
    /// The plan type's own figures, per instance.
    pub per_instance: Figures,
    /// Fee by fee, per instance.
    pub fees: Vec<FeeMargin>,
    /// Every level from the root plan type down to this one (which is last).
    pub chain: Vec<ChainLevel>,
    /// `NEGATIVE_PROFIT` for each level that sells below its cost.
    pub warnings: Vec<Problem>,
}

impl PlanMargins {
    /// As JSON: amounts as strings with the currency's decimal places; totals for `instances`.
    ///
    /// # Errors
    /// `OVERFLOW` when a total for the instances exceeds the exact decimal range.
    pub fn to_json(&self) -> Result<String, Error> {
        json_text(self)
    }
}

/// `{planType, currency, recurring, instances, price, cost, profit, total, fees, chain,
/// warnings}`: figures per instance, and `total` for the instances.
impl ToJson for PlanMargins {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let places = self.currency.exponent();
        let [price, cost, profit] = self.per_instance.texts(places);
        let total = self.per_instance.times(self.instances)?.texts(places);
        object!(out, {
            "planType": self.plan_type,
            "currency": self.currency.code(),
            "recurring": self.recurring.as_str(),
            "instances": self.instances,
            "price": price,
            "cost": cost,
            "profit": profit,
            "total": with(|out| object!(out, { "price": total[0], "cost": total[1], "profit": total[2] })),
            "fees": list(&self.fees, |out, _, f| {
                let [price, cost, profit] = f.figures.texts(places);
                object!(out, { "name": f.name, "price": price, "cost": cost, "profit": profit })
            }),
            "chain": list(&self.chain, |out, _, l| {
                let [price, cost, profit] = l.per_instance.texts(places);
                object!(out, {
                    "planType": l.plan_type,
                    "name": l.name,
                    "owner": l.owner,
                    "paysTo": l.pays_to,
                    "price": price,
                    "cost": cost,
                    "profit": profit,
                    "totalProfit": exact(l.per_instance.times(self.instances)?.profit, places),
                })
            }),
            "warnings": self.warnings,
        })
    }
}

/// What a partner earns per instance of one plan type (its own, or one built on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earning {
    /// The plan type instances are on.
    pub plan_type: String,
    /// Its owner (the partner itself, or a partner below it).
    pub owner: Option<String>,
    /// The partner's own plan types in its chain, through which it earns.
    pub via: Vec<String>,
    /// Currency of the amounts.
    pub currency: Currency,
    /// Period of the amounts.
    pub recurring: Recurrence,
    /// The partner's profit per instance: the sum of its levels' profits in the chain.
    pub profit_per_instance: Decimal,
    /// Instances counted.
    pub instances: u32,
}

/// What a partner earns from its plan types and from every plan type built on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerMargins {
    /// The partner.
    pub partner: String,
    /// One entry per plan type the partner earns on, in catalog order.
    pub plans: Vec<Earning>,
}

impl PartnerMargins {
    /// As JSON, with each plan's total and totals per currency and recurrence.
    ///
    /// # Errors
    /// `OVERFLOW` when a total exceeds the exact decimal range.
    pub fn to_json(&self) -> Result<String, Error> {
        json_text(self)
    }
}

/// `{partner, plans, totals}`: each plan's profit for its instances, and totals per currency
/// and recurrence.
impl ToJson for PartnerMargins {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let mut totals: BTreeMap<(&str, Recurrence), (u32, Decimal)> = BTreeMap::new();
        let mut profits = Vec::with_capacity(self.plans.len());
        for e in &self.plans {
            let profit = checked::mul(e.profit_per_instance, Decimal::from(e.instances))?;
            let places = e.currency.exponent();
            let total = totals.entry((e.currency.code(), e.recurring)).or_insert((places, Decimal::ZERO));
            total.1 = checked::add(total.1, profit)?;
            profits.push(exact(profit, places));
        }
        let totals: Vec<_> = totals.into_iter().collect();
        object!(out, {
            "partner": self.partner,
            "plans": list(&self.plans, |out, i, e| {
                let places = e.currency.exponent();
                object!(out, {
                    "planType": e.plan_type,
                    "owner": e.owner,
                    "via": e.via,
                    "currency": e.currency.code(),
                    "recurring": e.recurring.as_str(),
                    "profitPerInstance": exact(e.profit_per_instance, places),
                    "instances": e.instances,
                    "profit": profits[i],
                })
            }),
            "totals": list(&totals, |out, _, ((currency, recurring), (places, profit))| object!(out, {
                "currency": currency,
                "recurring": recurring.as_str(),
                "profit": exact(*profit, *places),
            })),
        })
    }
}

/// What a partner earns per instance on a plan type's chain down to it, and its nearest own
/// level in that chain (`None` when it owns none).
#[derive(Debug, Clone, Copy, Default)]
struct Earned {
    profit: Decimal,
    own: Option<usize>,
}

/// Fee by fee: each fee against the parent's fee of the same name, then parent-only fees.
fn fee_margins(t: &PlanType, parent: Option<&PlanType>) -> Result<Vec<FeeMargin>, Error> {
    let parent_fees = parent.map_or(&[][..], |p| &p.fees[..]);
    let cost_of = |name: &str| parent_fees.iter().find(|f| f.name == name).map_or(Decimal::ZERO, |f| f.price);
    let mut out = Vec::with_capacity(t.fees.len());
    for fee in &t.fees {
        out.push(FeeMargin { name: fee.name.clone(), figures: Figures::new(fee.price, cost_of(&fee.name))? });
    }
    for fee in parent_fees.iter().filter(|f| !t.fees.iter().any(|own| own.name == f.name)) {
        out.push(FeeMargin { name: fee.name.clone(), figures: Figures::new(Decimal::ZERO, fee.price)? });
    }
    Ok(out)
}

impl Catalog {
    /// The ids of the catalog's plan types, for a "did you mean".
    fn plan_type_ids(&self) -> impl Iterator<Item = &str> {
        self.partners().plan_types.iter().map(|t| t.id.as_str())
    }

    /// The margins of a plan type for `instances` instances: its price, cost and profit per
    /// instance, fee by fee, and through its whole chain up to the platform.
    ///
    /// # Errors
    /// `UNKNOWN_PLAN_TYPE`; `OVERFLOW` when a sum exceeds the exact decimal range.
    ///
    /// # Example
    /// ```
    /// let c = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let m = c.plan_margins("acme-production-110", 1).unwrap();
    /// let usd = |n: i64| ratecard::Decimal::from(n);
    /// assert_eq!(m.per_instance.price, usd(110)); // its "Hosting" fee
    /// assert_eq!(m.per_instance.cost, usd(74)); // the platform's "Production"
    /// assert_eq!(m.per_instance.profit, usd(36));
    /// assert_eq!(m.chain[0].owner.as_deref(), Some("platform"));
    /// ```
    pub fn plan_margins(&self, plan_type: &str, instances: u32) -> Result<PlanMargins, Error> {
        let t = self.partners().plan_type(plan_type).ok_or_else(|| {
            Error::new(
                Code::UnknownPlanType,
                "planType",
                unknown_id("plan type", plan_type, self.plan_type_ids()),
            )
        })?;
        let chain_types = self.partners().chain(t);
        let mut chain = Vec::with_capacity(chain_types.len());
        let mut warnings = Vec::new();
        let mut above: Option<&PlanType> = None;
        for level in chain_types {
            let cost = match above {
                Some(p) => p.price()?,
                None => Decimal::ZERO,
            };
            let figures = Figures::new(level.price()?, cost)?;
            if figures.profit.is_sign_negative() && !figures.profit.is_zero() {
                warnings.push(Problem::new(
                    Code::NegativeProfit,
                    format!("chain[{}].profit", chain.len()),
                    format!(
                        "\"{}\" sells below its cost: every instance loses {}",
                        level.id, -figures.profit
                    ),
                ));
            }
            chain.push(ChainLevel {
                plan_type: level.id.clone(),
                name: level.name.clone(),
                owner: level.owner.clone(),
                pays_to: above.and_then(|p| p.owner.clone()),
                per_instance: figures,
            });
            above = Some(level);
        }
        let parent = t.parent.as_deref().and_then(|id| self.partners().plan_type(id));
        Ok(PlanMargins {
            plan_type: t.id.clone(),
            currency: t.currency,
            recurring: t.recurring,
            instances,
            per_instance: chain
                .last()
                .map_or(Figures::new(Decimal::ZERO, Decimal::ZERO)?, |l| l.per_instance),
            fees: fee_margins(t, parent)?,
            chain,
            warnings,
        })
    }

    /// What `partner` earns per instance on each plan type whose chain includes one of its own,
    /// and in total for the instance counts given (`instances[plan type id]`; 0 when absent).
    ///
    /// # Errors
    /// `UNKNOWN_PARTNER`, `UNKNOWN_PLAN_TYPE` (path `instances.<id>`), `OVERFLOW`.
    ///
    /// # Example
    /// ```
    /// use std::collections::BTreeMap;
    /// let c = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let counts = BTreeMap::from([("nordic-production".to_string(), 10)]);
    /// let m = c.partner_margins("acme", &counts).unwrap();
    /// let nordic = m.plans.iter().find(|e| e.plan_type == "nordic-production").unwrap();
    /// assert_eq!(nordic.via, ["acme-production-110"]);
    /// assert_eq!(nordic.profit_per_instance, ratecard::Decimal::from(36));
    /// ```
    pub fn partner_margins(
        &self,
        partner: &str,
        instances: &BTreeMap<String, u32>,
    ) -> Result<PartnerMargins, Error> {
        if self.partners().partner(partner).is_none() {
            return Err(Error::new(
                Code::UnknownPartner,
                "partner",
                unknown_id("partner", partner, self.partners().partners.iter().map(|p| p.id.as_str())),
            ));
        }
        let mut unknown = Problems::new();
        for id in instances.keys().filter(|id| self.partners().plan_type(id).is_none()) {
            unknown.unknown(
                Code::UnknownPlanType,
                format!("instances.{id}"),
                "plan type",
                id,
                self.plan_type_ids(),
            );
        }
        if let Some(e) = unknown.into_error() {
            return Err(e);
        }
        // Each plan type's chain is walked once: what the partner earns on a plan type is what
        // it earns on the parent plus, when it owns the plan type, this level's profit.
        let types = &self.partners().plan_types;
        let parent_of =
            |i: usize| types[i].parent.as_deref().and_then(|id| self.partners().plan_type_index(id));
        let mut memo: Vec<Option<Earned>> = vec![None; types.len()];
        for start in 0..types.len() {
            let mut walk = Vec::new();
            let mut at = Some(start);
            // Validation rejected cycles; the bound keeps even a broken value from looping.
            while let Some(i) = at.filter(|&i| memo[i].is_none() && walk.len() <= types.len()) {
                walk.push(i);
                at = parent_of(i);
            }
            let mut above = at.and_then(|i| memo[i]).unwrap_or_default();
            for &i in walk.iter().rev() {
                let t = &types[i];
                if t.owner.as_deref() == Some(partner) {
                    let cost = match parent_of(i) {
                        Some(p) => types[p].price()?,
                        None => Decimal::ZERO,
                    };
                    let level = Figures::new(t.price()?, cost)?.profit;
                    above = Earned { profit: checked::add(above.profit, level)?, own: Some(i) };
                }
                memo[i] = Some(above);
            }
        }
        let mut plans = Vec::new();
        let mut budget = MAX_OUTPUT_BYTES;
        for (i, t) in types.iter().enumerate() {
            let Some(Earned { profit, own: Some(own) }) = memo[i] else { continue };
            // The partner's own levels, nearest first, through the links to the next one up.
            let mut via = Vec::new();
            let mut next = Some(own);
            while let Some(k) = next {
                let id = &types[k].id;
                budget = budget.checked_sub(id.len() + 3).ok_or_else(|| {
                    output_too_large("partner", "the chains of its plan types list more levels than fit")
                })?;
                via.push(id.clone());
                next = parent_of(k).and_then(|p| memo[p]).and_then(|e| e.own);
            }
            via.reverse();
            plans.push(Earning {
                plan_type: t.id.clone(),
                owner: t.owner.clone(),
                via,
                currency: t.currency,
                recurring: t.recurring,
                profit_per_instance: profit,
                instances: instances.get(&t.id).copied().unwrap_or(0),
            });
        }
        Ok(PartnerMargins { partner: partner.to_string(), plans })
    }

    /// Whether plan type `plan_type` may be assigned to an instance of `owner` running in
    /// `environment`: an empty list when it may, otherwise every reason why not (paths relative
    /// to an assignment request `{planType, instance: {owner, environment}}`).
    ///
    /// # Errors
    /// `UNKNOWN_PLAN_TYPE` (path `planType`) and `UNKNOWN_PARTNER` (path `instance.owner`).
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, Environment};
    /// let c = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// assert!(c.check_assignment("acme-production-110", "nordic", Environment::Production).unwrap().is_empty());
    /// let refused = c.check_assignment("acme-production-110", "platform", Environment::Dev).unwrap();
    /// let codes: Vec<_> = refused.iter().map(|p| p.code.as_str()).collect();
    /// assert_eq!(codes, ["PLAN_TYPE_NOT_GRANTED", "ENVIRONMENT_NOT_ALLOWED"]);
    /// ```
    pub fn check_assignment(
        &self,
        plan_type: &str,
        owner: &str,
        environment: Environment,
    ) -> Result<Vec<Problem>, Error> {
        let mut problems = Vec::new();
        let t = self.partners().plan_type(plan_type);
        if t.is_none() {
            problems.push(Problem::new(
                Code::UnknownPlanType,
                "planType",
                unknown_id("plan type", plan_type, self.plan_type_ids()),
            ));
        }
        if self.partners().partner(owner).is_none() {
            problems.push(Problem::new(
                Code::UnknownPartner,
                "instance.owner",
                unknown_id("partner", owner, self.partners().partners.iter().map(|p| p.id.as_str())),
            ));
        }
        if let Some(e) = Error::from_problems(problems) {
            return Err(e);
        }
        let Some(t) = t else { return Ok(Vec::new()) };
        let mut reasons = Vec::new();
        if !t.usable_by(owner) {
            reasons.push(Problem::new(
                Code::PlanTypeNotGranted,
                "instance.owner",
                format!(
                    "\"{owner}\" may not use \"{}\": it is owned by \"{}\" and granted to {}",
                    t.id,
                    t.owner.as_deref().unwrap_or("nobody"),
                    names_or_none(&t.granted_to)
                ),
            ));
        }
        if !t.environments.contains(&environment) {
            let allowed: Vec<&str> = t.environments.iter().map(|e| e.as_str()).collect();
            reasons.push(Problem::new(
                Code::EnvironmentNotAllowed,
                "instance.environment",
                format!(
                    "\"{}\" is available for {} instances, not {}",
                    t.id,
                    allowed.join(", "),
                    environment.as_str()
                ),
            ));
        }
        Ok(reasons)
    }
}
