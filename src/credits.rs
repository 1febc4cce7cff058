//! Prepaid credits (SPEC 15): the customer's balances, given with an invoice by the server that
//! keeps them, applied to what is due after tax (SPEC 11, step 5). They never lower the tax.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::error::{Code, Error};
use crate::input::{shape, At, Field, List, Num, Problems};
use crate::json_text::{list, object, ToJson};
use crate::limits::MAX_CREDITS;
use crate::money::{checked, Currency, Money, Rounding};
use crate::phases::instant_text;
use crate::verify::Value;

type Time = DateTime<Utc>;

shape!(
    /// A credit balance as JSON gives it.
    CreditDoc { id: Field<String>, currency: Field<String>, balance: Field<Num>, priority: Field<Num>, expiresAt: Field<Time> }
);

/// A customer's prepaid credit balance (a wallet, a credit grant), as the server keeps it.
///
/// # Example
/// ```
/// use ratecard::{Catalog, InvoiceRequest};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let request = InvoiceRequest::from_json(&catalog, r#"{"period": {"start": "2027-01-01", "end": "2027-02-01"},
///     "customer": {"billingStart": "2026-01-01"}, "items": [{"product": "small", "quantity": 1}],
///     "credits": [{"id": "welcome", "currency": "USD", "balance": "2.00"}]}"#).unwrap();
/// assert_eq!(request.credits[0].priority, 50);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// Identifier.
    pub id: String,
    /// Its currency: usable only on an invoice in it.
    pub currency: String,
    /// What is left of it.
    pub balance: Decimal,
    /// Lower first (default 50).
    pub priority: u32,
    /// When it stops being usable: only on an invoice whose period ends before.
    pub expires_at: Option<Time>,
}

impl Credit {
    /// The default priority.
    pub const DEFAULT_PRIORITY: u32 = 50;

    /// The credit as a JSON value, as a difference shows it.
    pub(crate) fn value(&self) -> Value {
        let mut members = vec![
            ("id".to_string(), Value::str(&self.id)),
            ("currency".to_string(), Value::str(&self.currency)),
            ("balance".to_string(), Value::str(self.balance.to_string())),
            ("priority".to_string(), Value::Number(self.priority.to_string())),
        ];
        if let Some(t) = self.expires_at {
            members.push(("expiresAt".to_string(), Value::str(instant_text(t))));
        }
        Value::Object(members)
    }
}

/// `[{id, currency, balance, priority?, expiresAt?}]`: each id once, each balance at least 0
/// and exact in its currency when the catalog has it.
pub(crate) fn credits(
    p: &mut Problems,
    list: &List<Box<CreditDoc>, MAX_CREDITS>,
    at: &At<'_>,
    catalog: &Catalog,
) -> Option<Vec<Credit>> {
    let items =
        list.within_limit(p, at, |n| format!("{n} credits; one invoice takes at most {MAX_CREDITS}"))?;
    let all = p.all(items, at, |p, c, at| {
        p.fields(&**c, at);
        let id = p.req(&c.id, &at.key("id"), Problems::id);
        let currency = p.req(&c.currency, &at.key("currency"), Problems::text);
        let balance = p.req(&c.balance, &at.key("balance"), |p, n, at| {
            let balance = p.money(n, at)?;
            if balance.is_sign_negative() && !balance.is_zero() {
                p.add(Code::InvalidValue, at, format!("a balance is at least 0, not {balance}"));
                return None;
            }
            Some(balance)
        });
        let priority = p.opt(&c.priority, &at.key("priority"), |p, n, at| p.whole(n, at, 0));
        let expires_at = p.opt(&c.expiresAt, &at.key("expiresAt"), |_, t, _| Some(*t));
        let (currency, balance) = (currency?, balance?);
        if let Some(c) = catalog.currency(&currency) {
            crate::catalog::load::exact_in(
                p,
                balance,
                c,
                &at.key("balance"),
                "a balance is in its currency's minor unit",
            )?;
        }
        Some(Credit {
            id: id?,
            currency,
            balance,
            priority: priority?.unwrap_or(Credit::DEFAULT_PRIORITY),
            expires_at: expires_at?,
        })
    })?;
    p.repeats(at, all.iter().map(|c| c.id.as_str()), "credit");
    Some(all)
}

/// What one credit did on an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedCredit {
    /// The credit given.
    pub credit: Credit,
    /// Whether it could be used: in the invoice's currency, and not expired by the period's end.
    pub usable: bool,
    /// What it paid of the amount due.
    pub applied: Money,
    /// Its balance after this invoice.
    pub remaining: Decimal,
}

/// Applies `credits` to `due` (SPEC 15): the usable ones in order of priority, then soonest
/// expiry (none last), then id, together never more than `due`; the others listed with 0.
///
/// # Errors
/// `OVERFLOW` past the decimal range.
pub(crate) fn apply(
    credits: &[Credit],
    due: Money,
    currency: &Currency,
    period_end: Time,
) -> Result<Vec<AppliedCredit>, Error> {
    let zero = Money::round(Decimal::ZERO, currency, Rounding::HalfUp)?;
    let mut order: Vec<&Credit> = credits.iter().collect();
    // At most MAX_CREDITS: an insertion sort (a library sort costs the wasm module kilobytes).
    let key = |c: &Credit| (c.priority, c.expires_at.is_none(), c.expires_at, c.id.clone());
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && key(order[j - 1]) > key(order[j]) {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut left = due.amount().max(Decimal::ZERO);
    let mut out = Vec::with_capacity(order.len());
    for credit in order {
        let usable = credit.currency == currency.code()
            && credit.expires_at.is_none_or(|expires| expires > period_end);
        let applied = match usable {
            true => Money::round(credit.balance.min(left), currency, Rounding::HalfUp)?,
            false => zero,
        };
        left = checked::sub(left, applied.amount())?;
        let mut remaining = checked::sub(credit.balance, applied.amount())?;
        // Written with the balance's places, or the amount's when it has more: 10.00 - 8.16 = 1.84.
        remaining.rescale(credit.balance.scale().max(applied.amount().scale()));
        out.push(AppliedCredit { credit: credit.clone(), usable, applied, remaining });
    }
    Ok(out)
}

/// The credits as JSON (`InvoiceCredit[]` in the `.d.ts`).
pub(crate) struct CreditsJson<'a>(pub(crate) &'a [AppliedCredit]);

impl ToJson for CreditsJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        list(self.0, |out, _, c: &AppliedCredit| {
            object!(out, {
                "id": c.credit.id,
                "currency": c.credit.currency,
                "balance": c.credit.balance,
                "usable": c.usable,
                "applied": c.applied.amount(),
                "appliedMinor": c.applied.minor(),
                "remainingBalance": c.remaining,
            })
        })
        .write_json(out)
    }
}

// proptest is a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// SPEC 15: credits together never pay more than is due, none more than its balance,
        /// an unusable one nothing; a later credit pays only once the ones before it are spent.
        #[test]
        fn credits_never_exceed_the_amount_due_or_a_balance(
            due in 0i64..100_000,
            balances in prop::collection::vec((0i64..50_000, 0u32..3, any::<bool>(), prop::option::of(0i64..60)), 0..8),
        ) {
            let usd = Currency::iso("USD").unwrap();
            let end: Time = "2027-02-01T00:00:00Z".parse().unwrap();
            let credits: Vec<Credit> = balances.iter().enumerate().map(|(i, (minor, priority, euro, days))| Credit {
                id: format!("c{i}"),
                currency: if *euro { "EUR" } else { "USD" }.to_string(),
                balance: Decimal::new(*minor, 2),
                priority: *priority,
                expires_at: days.map(|d| end + chrono::TimeDelta::days(d - 30)),
            }).collect();
            let due = Money::round(Decimal::new(due, 2), &usd, Rounding::HalfUp).unwrap();
            let applied = apply(&credits, due, &usd, end).unwrap();
            prop_assert_eq!(applied.len(), credits.len());
            let total: Decimal = applied.iter().map(|a| a.applied.amount()).sum();
            prop_assert!(total <= due.amount());
            let mut short = false;
            for a in &applied {
                prop_assert!(a.applied.amount() <= a.credit.balance);
                prop_assert_eq!(a.remaining + a.applied.amount(), a.credit.balance);
                if !a.usable {
                    prop_assert!(a.applied.amount().is_zero());
                    continue;
                }
                // A usable credit that did not pay its whole balance left nothing to pay.
                if short {
                    prop_assert!(a.applied.amount().is_zero());
                }
                short |= a.applied.amount() < a.credit.balance;
            }
        }
    }
}
