//! What each fuzz target does with one input, shared by the fuzz binaries (`fuzz/fuzz_targets`)
//! and the regression test that replays every saved input (`tests/fuzz_regressions.rs`).
//! Beyond "no panic", each checks an invariant that a wrong price would break.
#![allow(dead_code)] // each fuzz binary uses one target

use std::sync::OnceLock;

use ratecard::api::{self, TablePricer};
use ratecard::{quote, verify_quote, Catalog, Order};

/// What a target does with one input: returns, or panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// The targets, by name.
pub const TARGETS: &[(&str, Target)] =
    &[("catalog", catalog), ("quote", quote_order), ("tiers", tiers), ("verify", verify)];

fn demo() -> &'static Catalog {
    static DEMO: OnceLock<Catalog> = OnceLock::new();
    DEMO.get_or_init(|| Catalog::from_json(ratecard::DEMO_CATALOG).expect("the demo catalog is valid"))
}

/// Catalog JSON: validation agrees with loading; a loaded catalog's public view loads too,
/// its matrix prices, and every plan type's margins add up.
pub fn catalog(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let validation = Catalog::validate(text);
    let Ok(c) = Catalog::from_json(text) else {
        assert!(!validation.is_valid(), "from_json failed but validate says valid");
        return;
    };
    assert!(validation.is_valid());
    let public = c.public_view().to_json();
    assert!(Catalog::from_json(&public).is_ok(), "the public view of a valid catalog is valid");
    let _ = api::call_loaded(&c, "priceMatrix", "{}");
    for t in &c.partners().plan_types {
        if let Ok(m) = c.plan_margins(&t.id, 1) {
            let sum =
                m.chain.iter().try_fold(ratecard::Decimal::ZERO, |s, l| s.checked_add(l.per_instance.profit));
            if let Some(sum) = sum {
                assert_eq!(sum, m.per_instance.price, "chain profits add up to the end price");
            }
        }
    }
}

/// An order on the demo catalog: a quote it gives verifies against itself.
pub fn quote_order(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let c = demo();
    let Ok(order) = Order::from_json(c, text) else { return };
    let Ok(q) = quote(c, &order) else { return };
    let v = q.to_value().expect("a computed quote writes");
    let diffs = verify_quote(c, &order, &v).expect("the order quoted once quotes again");
    assert!(diffs.is_empty(), "a quote differs from itself: {diffs:?}");
}

/// A tier table, a newline, a quantity: one amount, the explained price and a batch of one
/// all agree.
pub fn tiers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (table, quantity) = text.split_once('\n').unwrap_or((text, "1"));
    let Ok(pricer) = TablePricer::from_json(table, Some("USD")) else { return };
    let amount = pricer.amount(quantity);
    if !quantity.contains('\n') {
        assert_eq!(
            amount.as_ref().ok(),
            pricer.amounts(quantity).as_ref().ok(),
            "a batch of one is one amount"
        );
    }
    if let (Ok(amount), Ok(price)) = (amount, pricer.price(quantity)) {
        assert!(price.contains(&format!("\"amount\":\"{amount}\"")), "{price} has the amount {amount}");
    }
}

/// `{order, quote}` arguments of verifyQuote on the demo catalog: an answer or an error, never
/// a panic.
pub fn verify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = api::call_loaded(demo(), "verifyQuote", text);
}
