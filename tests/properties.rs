//! Property tests of the engine's invariants (native only; proptest).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use ratecard::{api, json, phase_windows, Decimal, DurationUnit, PhaseClock, PhaseDuration, TierTable};

/// A decimal with up to 4 places from an integer count of ten-thousandths.
fn dec(n: u64) -> Decimal {
    Decimal::new(n as i64, 4)
}

fn table(mode: &str, bounds: &[u64], prices: &[u64]) -> TierTable {
    let mut tiers: Vec<String> = Vec::new();
    let mut up = 0u64;
    for (i, p) in prices.iter().enumerate() {
        let bound = if i + 1 == prices.len() {
            "null".to_string()
        } else {
            up += bounds[i] + 1;
            format!("\"{}\"", dec(up * 10_000))
        };
        tiers.push(format!(r#"{{"upTo":{bound},"unitPrice":"{}","flatPrice":"{}"}}"#, dec(*p), dec(*p / 3)));
    }
    TierTable::from_json(&format!(r#"{{"mode":"{mode}","tiers":[{}]}}"#, tiers.join(","))).unwrap()
}

proptest! {
    #[test]
    fn graduated_total_never_decreases(bounds in prop::collection::vec(0u64..50, 3), prices in prop::collection::vec(0u64..100_000, 4),
                                       a in 0u64..2_000_000, b in 0u64..2_000_000) {
        let t = table("graduated", &bounds, &prices);
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(t.price(dec(lo)).unwrap().amount <= t.price(dec(hi)).unwrap().amount);
    }

    #[test]
    fn volume_and_graduated_agree_on_one_tier(price in 0u64..10_000_000, q in 0u64..100_000_000) {
        let v = table("volume", &[], &[price]).price(dec(q)).unwrap().amount;
        let g = table("graduated", &[], &[price]).price(dec(q)).unwrap().amount;
        prop_assert_eq!(v, g);
    }

    #[test]
    fn graduated_parts_add_up_to_the_quantity(bounds in prop::collection::vec(0u64..50, 3), q in 0u64..2_000_000) {
        let p = table("graduated", &bounds, &[1, 2, 3, 4]).price(dec(q)).unwrap();
        let parts: Decimal = p.lines.iter().map(|l| l.quantity).sum();
        prop_assert_eq!(parts, dec(q));
    }

    #[test]
    fn a_quote_total_is_the_sum_of_its_rounded_lines(qs in prop::collection::vec((0usize..9, 0u64..5_000_000), 0..8), days in 0i64..120) {
        let products = ["small", "medium", "large", "xlarge", "cpu", "memory", "storage", "bandwidth", "backup"];
        let lines: Vec<String> = qs.iter().map(|(p, q)| format!(r#"{{"product":"{}","quantity":"{}"}}"#, products[*p], dec(*q))).collect();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap() + chrono::TimeDelta::days(days);
        let order = format!(r#"{{"at":"{}","customer":{{"billingStart":"2026-11-01"}},"lines":[{}]}}"#,
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), lines.join(","));
        let out = api::call("quote", &format!(r#"{{"catalog":{},"order":{order}}}"#, ratecard::DEMO_CATALOG)).unwrap();
        let v = json::parse(&out).unwrap();
        let amount = |x: &json::Value| match x.get("amount") { Some(json::Value::String(s)) => s.parse::<Decimal>().unwrap(), _ => panic!() };
        let json::Value::Array(lines) = v.get("lines").unwrap() else { panic!() };
        let json::Value::Array(totals) = v.get("totals").unwrap() else { panic!() };
        prop_assert_eq!(lines.iter().map(amount).sum::<Decimal>(), amount(&totals[0]));
    }

    #[test]
    fn the_phase_timeline_has_no_gap_and_no_overlap(trial in prop::option::of((1u32..100, 0usize..3)), discount in prop::option::of((1u32..100, 0usize..3)),
                                                     chained in any::<bool>(), start_days in 0i64..3000) {
        let units = [DurationUnit::Hours, DurationUnit::Days, DurationUnit::Months];
        let d = |x: Option<(u32, usize)>| x.map(|(count, u)| PhaseDuration { count, unit: units[u] });
        let clock = if chained { PhaseClock::Chained } else { PhaseClock::BillingStart };
        let start = chrono::DateTime::parse_from_rfc3339("2024-01-31T12:00:00Z").unwrap().to_utc() + chrono::TimeDelta::days(start_days);
        let w = phase_windows(d(trial), d(discount), clock, start).unwrap();
        prop_assert_eq!(w[0].start, start);
        for pair in w.windows(2) {
            prop_assert_eq!(pair[0].end, Some(pair[1].start));
            prop_assert!(pair[0].start < pair[1].start);
            prop_assert!(pair[0].phase < pair[1].phase);
        }
        prop_assert!(w.last().unwrap().end.is_none());
    }
}
