//! Taxes (SPEC 14): the tax context a caller gives a quote or an invoice, and the tax of the
//! discounted lines and true-ups (SPEC 11, step 4). ratecard computes; it never decides where
//! a sale is taxed.
//!
//! For each rate, the tax is the sum of the amounts that carry it x `percent` / 100, rounded
//! once per invoice and rate (EN 16931 BR-CO-17), then shared back to the lines by largest
//! remainder; under `taxRounding: "line"` each line's tax is rounded on its own. Under
//! `taxMode: "inclusive"` the amounts are gross: for each set of rates, `net = round(gross x
//! 100 / (100 + the rates))`, each rate's tax `round(net x rate / 100)`, the last taking what is
//! left, so that net and tax add up to the gross the customer pays.

use rust_decimal::Decimal;

use crate::catalog::{Catalog, TaxMode, TaxRate, TaxRounding};
use crate::discounts::{largest_remainder, Discount, Target};
use crate::error::{Code, Error};
use crate::input::Problems;
use crate::json_text::{list, object, ToJson};
use crate::money::{checked, Currency, Money, Rounding};
use crate::order::TaxContext;

/// The tax of one rate (SPEC 14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tax<'c> {
    /// The rate.
    pub rate: &'c TaxRate,
    /// What it taxes: the sum of the discounted amounts that carry it (under `inclusive`, of
    /// their net parts).
    pub taxable: Money,
    /// The tax, rounded once (per invoice, or the sum of each line's under `taxRounding: "line"`).
    pub amount: Money,
    /// Its share of each line and true-up that carries it, by largest remainder.
    pub lines: Vec<TaxLine>,
}

/// One rate's tax on one line or true-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxLine {
    /// The line or true-up.
    pub target: Target,
    /// What it taxes of it: the discounted amount (under `inclusive`, its net part).
    pub taxable: Money,
    /// The tax on it.
    pub amount: Money,
}

/// Why an answer has no tax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxNote {
    /// Reverse charge: the customer accounts for the tax; their tax id.
    ReverseCharge(String),
    /// The sale is exempt.
    Exempt,
}

/// An answer's tax step: each rate's tax, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaxStep<'c> {
    /// Each rate's tax, in the catalog's order of rates.
    pub taxes: Vec<Tax<'c>>,
    /// Reverse charge or exemption, when the context says so.
    pub note: Option<TaxNote>,
    /// Whether the amounts taxed include their tax (`taxMode: "inclusive"`).
    pub inclusive: bool,
}

impl TaxStep<'_> {
    /// The tax of every rate.
    ///
    /// # Errors
    /// `OVERFLOW` past the decimal range.
    pub fn total(&self, currency: &Currency) -> Result<Money, Error> {
        Money::sum(self.taxes.iter().map(|t| &t.amount), currency)
    }

    /// What the tax adds to the amount due: all of it when prices exclude it, nothing when
    /// they include it.
    pub(crate) fn added(&self, currency: &Currency) -> Result<Money, Error> {
        match self.inclusive {
            true => Money::sum([], currency),
            false => self.total(currency),
        }
    }
}

/// What a discounted line or true-up is, for its tax: its target, tax class and amount.
pub(crate) struct Taxable<'a> {
    pub(crate) target: Target,
    pub(crate) class: &'a str,
    pub(crate) amount: Money,
}

/// What tax applies to (SPEC 11, step 3's result): each of `bases` (lines, then true-ups, as
/// [`Target::index`] counts them) less what `discounts` took from it, with its tax class
/// (`class_of` a line's index; a true-up is `standard`).
pub(crate) fn taxables<'a>(
    bases: &[(Target, Money)],
    lines: usize,
    discounts: &[Discount<'_>],
    currency: &Currency,
    class_of: impl Fn(usize) -> &'a str,
) -> Result<Vec<Taxable<'a>>, Error> {
    let mut left: Vec<Money> = bases.iter().map(|(_, m)| *m).collect();
    for line in discounts.iter().flat_map(|d| &d.lines) {
        let i = line.target.index(lines);
        left[i] =
            Money::round(checked::sub(left[i].amount(), line.amount.amount())?, currency, Rounding::HalfUp)?;
    }
    let class = |target: Target| match target {
        Target::Line(i) => class_of(i),
        Target::TrueUp(_) => "standard",
    };
    Ok(bases
        .iter()
        .zip(left)
        .map(|((target, _), amount)| Taxable { target: *target, class: class(*target), amount })
        .collect())
}

/// The tax step of `items` under `context` (none: no tax step); `NO_TAX_RATE` for a class the
/// context has no rate for, into `warnings` (into `errors` when `strict`).
pub(crate) fn tax<'c>(
    catalog: &'c Catalog,
    currency: &Currency,
    context: Option<&TaxContext>,
    items: &[Taxable<'_>],
    problems: &mut Problems,
) -> Result<TaxStep<'c>, Error> {
    let inclusive = catalog.tax_mode() == TaxMode::Inclusive;
    let rates = match context {
        None => return Ok(TaxStep { inclusive, ..TaxStep::default() }),
        Some(TaxContext::ReverseCharge { tax_id }) => {
            return Ok(TaxStep {
                note: Some(TaxNote::ReverseCharge(tax_id.clone())),
                inclusive,
                ..TaxStep::default()
            })
        }
        Some(TaxContext::Exempt) => {
            return Ok(TaxStep { note: Some(TaxNote::Exempt), inclusive, ..TaxStep::default() })
        }
        Some(TaxContext::Rates(rates)) => rates,
    };
    // Each class's rates, in the catalog's order (validated against it with the context),
    // resolved once: a context names at most MAX_CONTEXT_RATES classes and rates.
    let classes: Vec<(&str, Vec<usize>)> = rates
        .iter()
        .map(|(class, ids)| {
            let indexes = ids.iter().filter_map(|id| catalog.tax_rate_index(id)).collect();
            (class.as_str(), in_catalog_order(indexes))
        })
        .collect();
    let mut carried: Vec<Vec<&'c TaxRate>> = Vec::with_capacity(items.len());
    let mut unrated: Vec<&str> = Vec::new();
    for item in items {
        let found = classes.iter().find(|(class, _)| *class == item.class);
        // One warning a class, at its first line.
        if found.is_none() && !unrated.contains(&item.class) && problems.wants() {
            unrated.push(item.class);
            let what = match item.target {
                Target::Line(i) => format!("lines[{i}]"),
                Target::TrueUp(j) => format!("trueUps[{j}]"),
            };
            let why = format!(
                "the tax context has no rates for the tax class \"{}\" of {what}: not taxed",
                item.class
            );
            problems.add(Code::NoTaxRate, "tax.rates", why);
        }
        carried.push(
            found.map_or(Vec::new(), |(_, rates)| rates.iter().map(|&i| &catalog.tax_rates()[i]).collect()),
        );
    }
    // Every rate of a class some item carries, in the catalog's order.
    let mut used: Vec<usize> = Vec::new();
    for (class, rates) in &classes {
        if items.iter().any(|item| item.class == *class) {
            used.extend(rates.iter().filter(|i| !used.contains(i)).copied().collect::<Vec<_>>());
        }
    }
    let used: Vec<&TaxRate> = in_catalog_order(used).into_iter().map(|i| &catalog.tax_rates()[i]).collect();
    let rounding = catalog.rounding();
    // Under `inclusive`, the net part of each item and each rate's tax on it, by set of rates.
    let mut net: Vec<Money> = items.iter().map(|i| i.amount).collect();
    let mut included: Vec<Vec<Money>> = vec![Vec::new(); items.len()];
    if inclusive {
        inclusive_parts(&carried, items, &mut net, &mut included, currency, rounding)?;
    }
    let mut out = Vec::new();
    for rate in used {
        let on: Vec<usize> =
            (0..items.len()).filter(|&i| carried[i].iter().any(|r| std::ptr::eq(*r, rate))).collect();
        let taxable = Money::sum(on.iter().map(|&i| &net[i]), currency)?;
        let mut lines: Vec<TaxLine> = on
            .iter()
            .map(|&i| TaxLine { target: items[i].target, taxable: net[i], amount: net[i] })
            .collect();
        let amount = if inclusive {
            for (line, &i) in lines.iter_mut().zip(&on) {
                let k = carried[i].iter().position(|r| std::ptr::eq(*r, rate)).unwrap_or_default();
                line.amount = included[i][k];
            }
            Money::sum(lines.iter().map(|l| &l.amount), currency)?
        } else if catalog.tax_rounding() == TaxRounding::Line {
            for line in &mut lines {
                let tax = checked::mul(line.taxable.amount(), rate.percent)?;
                line.amount = Money::round_ratio(tax, Decimal::ONE_HUNDRED, currency, rounding)?;
            }
            Money::sum(lines.iter().map(|l| &l.amount), currency)?
        } else {
            let tax = checked::mul(taxable.amount(), rate.percent)?;
            let amount = Money::round_ratio(tax, Decimal::ONE_HUNDRED, currency, rounding)?;
            let weights: Vec<i128> = lines.iter().map(|l| l.taxable.minor_units()).collect();
            let shares = largest_remainder(amount.minor_units(), &weights)?;
            for (line, minor) in lines.iter_mut().zip(shares) {
                line.amount = minor_money(minor, currency)?;
            }
            amount
        };
        out.push(Tax { rate, taxable, amount, lines });
    }
    Ok(TaxStep { taxes: out, note: None, inclusive })
}

/// `indexes` of the catalog's rates in its order (an insertion sort: a context names a few
/// rates, and a library sort costs the wasm module kilobytes).
fn in_catalog_order(mut indexes: Vec<usize>) -> Vec<usize> {
    for i in 1..indexes.len() {
        let mut j = i;
        while j > 0 && indexes[j - 1] > indexes[j] {
            indexes.swap(j - 1, j);
            j -= 1;
        }
    }
    indexes
}

/// Under `inclusive`: for each set of rates, the gross of its items, `net = round(gross x 100 /
/// (100 + the rates))`, each rate's tax `round(net x rate / 100)` and the last what is left;
/// then each item's net and each rate's tax but the last, shared by largest remainder in
/// proportion to its gross, the last rate taking what is left of each item's gross.
fn inclusive_parts(
    carried: &[Vec<&TaxRate>],
    items: &[Taxable<'_>],
    net: &mut [Money],
    included: &mut [Vec<Money>],
    currency: &Currency,
    rounding: Rounding,
) -> Result<(), Error> {
    let mut sets: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
    for (i, rates) in carried.iter().enumerate() {
        if rates.is_empty() {
            continue;
        }
        let key: Vec<&str> = rates.iter().map(|r| r.id.as_str()).collect();
        match sets.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => sets.push((key, vec![i])),
        }
    }
    for (_, members) in sets {
        let rates = &carried[members[0]];
        let gross = Money::sum(members.iter().map(|&i| &items[i].amount), currency)?;
        let sum: Decimal = rates.iter().map(|r| r.percent).sum();
        let set_net = Money::round_ratio(
            checked::mul(gross.amount(), Decimal::ONE_HUNDRED)?,
            checked::add(Decimal::ONE_HUNDRED, sum)?,
            currency,
            rounding,
        )?;
        let mut taxes = Vec::with_capacity(rates.len());
        let mut left = checked::sub(gross.amount(), set_net.amount())?;
        for (k, rate) in rates.iter().enumerate() {
            let tax = match k + 1 == rates.len() {
                true => Money::round(left, currency, rounding)?,
                false => Money::round_ratio(
                    checked::mul(set_net.amount(), rate.percent)?,
                    Decimal::ONE_HUNDRED,
                    currency,
                    rounding,
                )?,
            };
            left = checked::sub(left, tax.amount())?;
            taxes.push(tax);
        }
        // Each item's part of the set's net and of each tax, in proportion to its gross.
        let weights: Vec<i128> = members.iter().map(|&i| items[i].amount.minor_units()).collect();
        let nets = largest_remainder(set_net.minor_units(), &weights)?;
        for (&i, minor) in members.iter().zip(nets) {
            net[i] = minor_money(minor, currency)?;
        }
        // Each rate but the last by largest remainder; the last takes what each item's gross
        // leaves, so that an item's net and taxes add up to its gross (and the last rate's
        // shares still add up to its tax).
        let others = &taxes[..taxes.len() - 1];
        let per_rate: Vec<Vec<i128>> =
            others.iter().map(|t| largest_remainder(t.minor_units(), &weights)).collect::<Result<_, _>>()?;
        for (m, &i) in members.iter().enumerate() {
            let mut shares: Vec<i128> = per_rate.iter().map(|shares| shares[m]).collect();
            let taken: i128 = shares.iter().sum::<i128>() + net[i].minor_units();
            shares.push(items[i].amount.minor_units() - taken);
            included[i] =
                shares.into_iter().map(|minor| minor_money(minor, currency)).collect::<Result<_, _>>()?;
        }
    }
    Ok(())
}

fn minor_money(minor: i128, currency: &Currency) -> Result<Money, Error> {
    let amount = Decimal::try_from_i128_with_scale(minor, currency.exponent())
        .map_err(|_| crate::money::overflow("a tax share"))?;
    Money::round(amount, currency, Rounding::HalfUp)
}

/// The tax step as JSON members: `taxes` and `taxNote`.
pub(crate) struct TaxesJson<'a>(pub(crate) &'a TaxStep<'a>);

impl ToJson for TaxesJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let line = |out: &mut String, _, l: &TaxLine| {
            let (line, true_up) = l.target.members();
            object!(out, {
                "line": line,
                "trueUp": true_up,
                "taxable": l.taxable.amount(),
                "amount": l.amount.amount(),
                "amountMinor": l.amount.minor(),
            })
        };
        list(&self.0.taxes, |out, _, t: &Tax<'_>| {
            object!(out, {
                "rate": t.rate.id,
                "name": t.rate.name,
                "percent": t.rate.percent,
                "included": self.0.inclusive,
                "taxable": t.taxable.amount(),
                "amount": t.amount.amount(),
                "amountMinor": t.amount.minor(),
                "lines": list(&t.lines, line),
            })
        })
        .write_json(out)
    }
}

/// The note of a tax step, or `null`.
pub(crate) struct NoteJson<'a>(pub(crate) &'a Option<TaxNote>);

impl ToJson for NoteJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        match self.0 {
            None => Option::<bool>::None.write_json(out),
            Some(TaxNote::ReverseCharge(id)) => object!(out, {
                "code": Code::ReverseCharge.as_str(),
                "taxId": Some(id.as_str()),
                "message": "Reverse charge: the customer accounts for the tax",
            }),
            Some(TaxNote::Exempt) => object!(out, {
                "code": Code::TaxExempt.as_str(),
                "taxId": Option::<&str>::None,
                "message": "Exempt from tax",
            }),
        }
    }
}

// proptest is a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn catalog(mode: &str, rounding: &str) -> Catalog {
        Catalog::from_json(&format!(
            r#"{{"defaultCurrency": "EUR", "currencies": ["EUR"], "taxMode": "{mode}", "taxRounding": "{rounding}",
                "taxRates": [{{"id": "vat", "name": "VAT", "percent": "19"}}, {{"id": "levy", "name": "Levy", "percent": "2.5"}},
                             {{"id": "odd", "name": "Odd", "percent": "7.6543"}}]}}"#
        ))
        .unwrap()
    }

    fn eur(minor: i64) -> Money {
        Money::round(Decimal::new(minor, 2), &Currency::iso("EUR").unwrap(), Rounding::HalfUp).unwrap()
    }

    /// Items of two classes: "standard" (19% and the levy) and "reduced" (the odd rate).
    fn items(amounts: &[(i64, bool)]) -> Vec<Taxable<'static>> {
        let class = |reduced: bool| if reduced { "reduced" } else { "standard" };
        amounts
            .iter()
            .enumerate()
            .map(|(i, (minor, reduced))| Taxable {
                target: Target::Line(i),
                class: class(*reduced),
                amount: eur(*minor),
            })
            .collect()
    }

    fn context() -> TaxContext {
        let rates = [("standard", vec!["vat", "levy"]), ("reduced", vec!["odd"])];
        TaxContext::Rates(
            rates
                .into_iter()
                .map(|(c, r)| (c.to_string(), r.into_iter().map(String::from).collect()))
                .collect(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// SPEC 14, exclusive: each rate's tax is its taxable amount x percent, rounded once,
        /// exactly; its lines' shares add up to it, each its proportional part of it (by taxable
        /// amount) rounded down or up to the cent. (Not always within a cent of the line's own
        /// tax: 871.00, 68.96 and 180.12 at 19% share 212.82 as 165.50, 13.10 and 34.22, where
        /// 871.00's own tax is 165.49: its part, 165.4937, has the largest remainder.)
        #[test]
        fn a_rates_tax_is_its_rounded_sum_and_the_shares_add_up(amounts in prop::collection::vec((0i64..100_000, any::<bool>()), 1..12)) {
            let c = catalog("exclusive", "invoice");
            let eur = Currency::iso("EUR").unwrap();
            let step = tax(&c, &eur, Some(&context()), &items(&amounts), &mut Problems::new()).unwrap();
            for t in &step.taxes {
                let taxable: Decimal = t.lines.iter().map(|l| l.taxable.amount()).sum();
                prop_assert_eq!(t.taxable.amount(), taxable);
                let exact = taxable * t.rate.percent / Decimal::ONE_HUNDRED;
                prop_assert_eq!(t.amount.amount(), exact.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
                let shares: Decimal = t.lines.iter().map(|l| l.amount.amount()).sum();
                prop_assert_eq!(shares, t.amount.amount());
                for l in &t.lines {
                    if taxable.is_zero() {
                        prop_assert!(l.amount.amount().is_zero());
                        continue;
                    }
                    let part = t.amount.amount() * l.taxable.amount() / taxable;
                    prop_assert!((l.amount.amount() - part).abs() < Decimal::new(1, 2), "{} vs {}", l.amount, part);
                }
            }
        }

        /// SPEC 14, inclusive: each line's net and taxes add up to its gross, and so the
        /// invoice's; nothing is added to what is due.
        #[test]
        fn inclusive_net_and_tax_add_up_to_the_gross(amounts in prop::collection::vec((0i64..100_000, any::<bool>()), 1..12)) {
            let c = catalog("inclusive", "invoice");
            let eur = Currency::iso("EUR").unwrap();
            let items = items(&amounts);
            let step = tax(&c, &eur, Some(&context()), &items, &mut Problems::new()).unwrap();
            prop_assert!(step.added(&eur).unwrap().amount().is_zero());
            for item in &items {
                let mut net = None;
                let mut tax = Decimal::ZERO;
                for t in &step.taxes {
                    for l in t.lines.iter().filter(|l| l.target == item.target) {
                        net = Some(l.taxable.amount());
                        tax += l.amount.amount();
                    }
                }
                let net = net.unwrap_or(item.amount.amount());
                prop_assert_eq!(net + tax, item.amount.amount(), "{:?}", item.target);
            }
        }

        /// SPEC 14, taxRounding "line": each line's tax is its own, rounded; the rate's their sum.
        #[test]
        fn line_rounding_rounds_each_line(amounts in prop::collection::vec((0i64..100_000, any::<bool>()), 1..12)) {
            let c = catalog("exclusive", "line");
            let eur = Currency::iso("EUR").unwrap();
            let step = tax(&c, &eur, Some(&context()), &items(&amounts), &mut Problems::new()).unwrap();
            for t in &step.taxes {
                let mut sum = Decimal::ZERO;
                for l in &t.lines {
                    let own = (l.taxable.amount() * t.rate.percent / Decimal::ONE_HUNDRED)
                        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                    prop_assert_eq!(l.amount.amount(), own);
                    sum += own;
                }
                prop_assert_eq!(t.amount.amount(), sum);
            }
        }
    }
}
