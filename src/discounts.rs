//! Discounts (SPEC 12): the coupons a customer redeemed, applied one after another to what the
//! lines and true-ups of an invoice or a quote's month left (SPEC 11, step 3).
//!
//! Every figure an answer shows is in the currency's minor unit, and each is computed from the
//! figures shown before it, so that a customer can check every step by hand: a line's
//! `eligible` part is what was `left` of it times the share of it the coupon applies to (its
//! time inside the coupon's window, on the plans and phases it names), rounded once; a percent
//! coupon takes `percentOff` of that, rounded once; an amount coupon is shared over the
//! eligible parts by largest remainder.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::{Catalog, Coupon, CouponDuration, Off};
use crate::error::{Code, Error, Problem};
use crate::json_text::{list, object, with, ToJson};
use crate::money::{checked, Currency, Money};
use crate::order::Redemption;
use crate::phases::Instant;

type Time = DateTime<Utc>;

/// What a discount takes from (SPEC 11, steps 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An invoice or quote line, by its index.
    Line(usize),
    /// A minimum-commitment true-up, by its index among them (a quote's month has at most one).
    TrueUp(usize),
}

impl Target {
    /// Where the target is in a list of `lines` lines followed by the true-ups.
    ///
    /// # Example
    /// ```
    /// use ratecard::Target;
    /// assert_eq!((Target::Line(2).index(5), Target::TrueUp(1).index(5)), (2, 6));
    /// ```
    pub fn index(self, lines: usize) -> usize {
        match self {
            Target::Line(i) => i,
            Target::TrueUp(j) => lines + j,
        }
    }

    /// The target as an answer writes it: `(line, trueUp)`, the other `null`.
    pub(crate) fn members(self) -> (Option<usize>, Option<usize>) {
        match self {
            Target::Line(i) => (Some(i), None),
            Target::TrueUp(j) => (None, Some(j)),
        }
    }
}

/// One redeemed coupon applied to an invoice (or to a quote's month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount<'c> {
    /// The coupon.
    pub coupon: &'c Coupon,
    /// When the customer redeemed it.
    pub redeemed_at: Time,
    /// Where it applies: `[start, end)`, `end` `None` for ever. A percent coupon takes only
    /// from the part of each line inside it; an amount coupon applies to an invoice whose
    /// period starts inside it. A `once` coupon applies to the invoice it is given with.
    pub window: (Time, Option<Time>),
    /// What it took from each line it applies to, in line order, true-ups last.
    pub lines: Vec<DiscountLine>,
    /// The sum of what it took.
    pub amount: Money,
    /// An amount coupon: what it could not use (never carried over).
    pub unused: Option<Money>,
    /// A `once` coupon: whether it was used on this invoice (not when it applied to nothing,
    /// as on a free trial's invoice: the server may give it again with the next one).
    pub consumed: Option<bool>,
}

/// What one coupon took from one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscountLine {
    /// The line or true-up.
    pub target: Target,
    /// What was left of it before this coupon.
    pub left: Money,
    /// The part of `left` the coupon applies to (all of it, or its share inside the window and
    /// on the plans and phases the coupon names), rounded once.
    pub eligible: Money,
    /// What the coupon took: `percentOff` of `eligible`, or its share of the amount.
    pub amount: Money,
}

/// A redeemed coupon that applies, with the share of each target it may take from:
/// `(target's index, part, whole)`, the coupon applying to `part / whole` of the target.
pub(crate) struct Offer<'c> {
    pub(crate) coupon: &'c Coupon,
    pub(crate) redeemed_at: Time,
    pub(crate) window: (Time, Option<Time>),
    pub(crate) shares: Vec<(usize, Decimal, Decimal)>,
}

/// A customer's redemptions with their coupons and their index among the redemptions, in SPEC
/// 12's order: coupons limited to products, then those limited to plans or phases, then the
/// rest; within each, by redemption instant, then coupon id.
pub(crate) fn redeemed<'c, 'r>(
    catalog: &'c Catalog,
    redemptions: &'r [Redemption],
) -> Vec<(&'c Coupon, &'r Redemption, usize)> {
    let mut out: Vec<_> = redemptions
        .iter()
        .enumerate()
        .filter_map(|(k, r)| Some((catalog.coupon(&r.coupon)?, r, k)))
        .collect();
    // At most MAX_REDEMPTIONS, each coupon once: an insertion sort, which costs the wasm
    // module none of the 20 KB a library sort instantiates.
    fn key<'c>((c, r, _): &(&'c Coupon, &Redemption, usize)) -> (u8, Time, &'c str) {
        (c.group(), r.at, c.id.as_str())
    }
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 && key(&out[j - 1]) > key(&out[j]) {
            out.swap(j - 1, j);
            j -= 1;
        }
    }
    out
}

/// Whether a coupon's window `[start, end)` contains `t`.
pub(crate) fn inside(window: (Time, Option<Time>), t: Time) -> bool {
    window.0 <= t && window.1.is_none_or(|end| t < end)
}

/// `COUPON_CURRENCY_MISMATCH` for an amount coupon without `currency`, at its redemption.
pub(crate) fn currency_mismatch(coupon: &Coupon, k: usize, currency: &Currency) -> Problem {
    Problem::new(
        Code::CouponCurrencyMismatch,
        format!("customer.redemptions[{k}].coupon"),
        format!("coupon \"{}\" has no amount in {}: it takes nothing", coupon.id, currency.code()),
    )
}

/// Where a redeemed coupon applies (`once`: `None`, the invoice it is given with).
pub(crate) fn window_of(coupon: &Coupon, redemption: &Redemption) -> Option<(Time, Option<Time>)> {
    (coupon.duration != CouponDuration::Once).then(|| coupon.window(redemption.at))
}

/// Applies `offers` in their order to `bases` (what each target costs before discounts):
/// each coupon takes from what the ones before it left, and no target goes below zero.
///
/// # Errors
/// `OVERFLOW` past the decimal range.
pub(crate) fn apply<'c>(
    catalog: &Catalog,
    currency: &Currency,
    bases: &[(Target, Money)],
    offers: Vec<Offer<'c>>,
) -> Result<Vec<Discount<'c>>, Error> {
    let rounding = catalog.rounding();
    let mut left: Vec<Money> = bases.iter().map(|(_, m)| *m).collect();
    let mut out = Vec::with_capacity(offers.len());
    for offer in offers {
        // Each line with what it may take from, and where that target is among `bases`.
        let mut lines = Vec::new();
        let mut at = Vec::new();
        for &(i, part, whole) in &offer.shares {
            if left[i].amount() <= Decimal::ZERO || part <= Decimal::ZERO || whole <= Decimal::ZERO {
                continue;
            }
            let eligible = match part == whole {
                true => left[i],
                false => {
                    Money::round_ratio(checked::mul(left[i].amount(), part)?, whole, currency, rounding)?
                }
            };
            if !eligible.amount().is_zero() {
                lines.push(DiscountLine { target: bases[i].0, left: left[i], eligible, amount: eligible });
                at.push(i);
            }
        }
        let unused = match &offer.coupon.off {
            Off::Percent(percent) => {
                for line in &mut lines {
                    let taken = checked::mul(line.eligible.amount(), *percent)?;
                    line.amount = Money::round_ratio(taken, Decimal::ONE_HUNDRED, currency, rounding)?;
                }
                None
            }
            Off::Amount(_) => match offer.coupon.amount_in(currency) {
                Some(amount) => Some(share(*amount, &mut lines, currency)?),
                None => continue,
            },
        };
        for (line, &i) in lines.iter().zip(&at) {
            left[i] =
                Money::round(checked::sub(left[i].amount(), line.amount.amount())?, currency, rounding)?;
        }
        let consumed = (offer.coupon.duration == CouponDuration::Once).then_some(!lines.is_empty());
        out.push(Discount {
            coupon: offer.coupon,
            redeemed_at: offer.redeemed_at,
            window: offer.window,
            amount: Money::sum(lines.iter().map(|l| &l.amount), currency)?,
            lines,
            unused,
            consumed,
        });
    }
    Ok(out)
}

/// Shares `amount` over `lines` in proportion to their eligible parts, by largest remainder in
/// minor units (ties to the earlier line), never more than a line's eligible part; returns
/// what is left unused.
fn share(amount: Money, lines: &mut [DiscountLine], currency: &Currency) -> Result<Money, Error> {
    let too_large = || crate::money::overflow("sharing a coupon's amount");
    let weights: Vec<i128> = lines.iter().map(|l| l.eligible.minor_units()).collect();
    let whole: i128 = weights.iter().try_fold(0i128, |a, w| a.checked_add(*w)).ok_or_else(too_large)?;
    let used = amount.minor_units().min(whole);
    let money = |minor: i128| {
        let amount =
            Decimal::try_from_i128_with_scale(minor, currency.exponent()).map_err(|_| too_large())?;
        Money::round(amount, currency, crate::money::Rounding::HalfUp)
    };
    for (line, minor) in lines.iter_mut().zip(largest_remainder(used, &weights)?) {
        line.amount = money(minor)?;
    }
    money(amount.minor_units() - used)
}

/// `total` minor units shared in proportion to `weights` (whose sum is positive, else nothing
/// is shared), by largest remainder, ties to the earlier: the shares add up to `total`.
/// Used for coupons' amounts (SPEC 12) and taxes shared back to lines (SPEC 14).
///
/// # Errors
/// `OVERFLOW` past 128-bit minor units.
pub(crate) fn largest_remainder(total: i128, weights: &[i128]) -> Result<Vec<i128>, Error> {
    let too_large = || crate::money::overflow("sharing an amount");
    let whole: i128 = weights.iter().try_fold(0i128, |a, w| a.checked_add(*w)).ok_or_else(too_large)?;
    if whole <= 0 {
        return Ok(vec![0; weights.len()]);
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut given = 0i128;
    for w in weights {
        let product = total.checked_mul(*w).ok_or_else(too_large)?;
        let (q, r) = (product.div_euclid(whole), product.rem_euclid(whole));
        given = given.checked_add(q).ok_or_else(too_large)?;
        shares.push((q, r));
    }
    // The units left go to the largest remainders, the earlier first on a tie: found by
    // bisecting for the smallest remainder that still gets one (no sort: 5 KB of wasm).
    let extra = total - given;
    if extra > 0 {
        let above = |r: i128| shares.iter().filter(|(_, s)| *s > r).count() as i128;
        let (mut low, mut high) = (-1i128, whole);
        // Invariant: more than `extra` remainders are above `low`, at most `extra` above `high`.
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if above(mid) > extra {
                low = mid;
            } else {
                high = mid;
            }
        }
        let mut ties = extra - above(high);
        for (q, r) in shares.iter_mut() {
            if *r > high {
                *q += 1;
            } else if *r == high && ties > 0 {
                *q += 1;
                ties -= 1;
            }
        }
    }
    Ok(shares.into_iter().map(|(q, _)| q).collect())
}

/// The total of the discounts.
pub(crate) fn total(discounts: &[Discount<'_>], currency: &Currency) -> Result<Money, Error> {
    Money::sum(discounts.iter().map(|d| &d.amount), currency)
}

/// The discounts as JSON (`InvoiceDiscount[]` in the `.d.ts`).
pub(crate) struct DiscountsJson<'a>(pub(crate) &'a [Discount<'a>]);

impl ToJson for DiscountsJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        let line = |out: &mut String, _, l: &DiscountLine| {
            let (line, true_up) = l.target.members();
            object!(out, {
                "line": line,
                "trueUp": true_up,
                "left": l.left.amount(),
                "eligible": l.eligible.amount(),
                "amount": l.amount.amount(),
                "amountMinor": l.amount.minor(),
            })
        };
        list(self.0, |out, _, d: &Discount<'_>| {
            let percent = match &d.coupon.off {
                Off::Percent(p) => Some(*p),
                Off::Amount(_) => None,
            };
            object!(out, {
                "coupon": d.coupon.id,
                "name": d.coupon.name,
                "duration": d.coupon.duration.as_str(),
                "redeemedAt": Instant(d.redeemed_at),
                "window": with(|out| object!(out, {
                    "start": Instant(d.window.0),
                    "end": d.window.1.map(Instant),
                })),
                "percentOff": percent,
                "amountOff": d.coupon.amount_in(d.amount.currency()).map(Money::amount),
                "lines": list(&d.lines, line),
                "amount": d.amount.amount(),
                "amountMinor": d.amount.minor(),
                "unusedAmount": d.unused.map(|u| u.amount()),
                "consumed": d.consumed,
            })
        })
        .write_json(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(amount: &str) -> Money {
        Money::round(amount.parse().unwrap(), &Currency::iso("USD").unwrap(), crate::money::Rounding::HalfUp)
            .unwrap()
    }

    /// Lines whose eligible parts are `eligible`, each with nothing taken yet.
    fn lines(eligible: &[&str]) -> Vec<DiscountLine> {
        let line = |(i, e): (usize, &&str)| DiscountLine {
            target: Target::Line(i),
            left: usd(e),
            eligible: usd(e),
            amount: usd("0"),
        };
        eligible.iter().enumerate().map(line).collect()
    }

    fn shared(amount: &str, eligible: &[&str]) -> (Vec<String>, String) {
        let mut lines = lines(eligible);
        let unused = share(usd(amount), &mut lines, &Currency::iso("USD").unwrap()).unwrap();
        (lines.iter().map(|l| l.amount.amount().to_string()).collect(), unused.amount().to_string())
    }

    #[test]
    fn an_amount_is_shared_by_largest_remainder() {
        // SPEC 12: 5.00 over 18.00 : 2.26 is 4.4423 and 0.5577: 4.44 and 0.56.
        assert_eq!(shared("5.00", &["18.00", "2.26"]), (vec!["4.44".into(), "0.56".into()], "0.00".into()));
    }

    #[test]
    fn ties_go_to_the_earlier_line() {
        assert_eq!(shared("0.01", &["1.00", "1.00", "1.00"]).0, ["0.01", "0.00", "0.00"]);
        assert_eq!(shared("0.02", &["1.00", "1.00", "1.00"]).0, ["0.01", "0.01", "0.00"]);
        assert_eq!(shared("1.00", &["1.00", "1.00", "1.00"]).0, ["0.34", "0.33", "0.33"]);
    }

    #[test]
    fn an_amount_larger_than_the_lines_takes_them_whole_and_reports_the_rest() {
        assert_eq!(shared("10.00", &["3.00", "0.50"]), (vec!["3.00".into(), "0.50".into()], "6.50".into()));
        assert_eq!(shared("10.00", &[]), (vec![], "10.00".into()));
    }

    #[test]
    fn shares_add_up_to_what_is_used_and_never_pass_a_line() {
        for amount in ["0.01", "0.07", "1.00", "2.99", "33.33", "100.00"] {
            let eligible = ["0.01", "0.02", "0.03", "9.99", "0.50", "12.34", "0.01"];
            let (shares, unused) = shared(amount, &eligible);
            let total: Decimal = shares.iter().map(|s| s.parse::<Decimal>().unwrap()).sum();
            assert_eq!(total + unused.parse::<Decimal>().unwrap(), amount.parse::<Decimal>().unwrap());
            for (s, e) in shares.iter().zip(eligible) {
                assert!(
                    s.parse::<Decimal>().unwrap() <= e.parse::<Decimal>().unwrap(),
                    "{amount}: {s} > {e}"
                );
            }
        }
    }
}
