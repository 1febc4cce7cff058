//! Property tests of the engine's invariants (native only; proptest).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use ratecard::Value;
use ratecard::{api, phase_windows, Decimal, DurationUnit, PhaseClock, PhaseDuration, TierTable};

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
        let v = Value::parse(&out).unwrap();
        let amount = |x: &Value| match x.get("amount") { Some(Value::String(s)) => s.parse::<Decimal>().unwrap(), _ => panic!() };
        let Value::Array(lines) = v.get("lines").unwrap() else { panic!() };
        let Value::Array(totals) = v.get("totals").unwrap() else { panic!() };
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

    #[test]
    fn margins_through_a_partner_chain_add_up(fees in prop::collection::vec(prop::collection::vec(0u64..10_000_000, 1..4), 1..7),
                                              instances in 0u32..100_000) {
        // A chain of partners p0 (the platform) -> p1 -> ... each owning one plan type built on
        // the one above, with 1 to 3 fees named from a shared set so that names sometimes match.
        let depth = fees.len();
        let partners: Vec<String> = (0..depth).map(|i| match i {
            0 => r#"{"id":"p0","name":"P0"}"#.to_string(),
            _ => format!(r#"{{"id":"p{i}","name":"P{i}","parent":"p{}"}}"#, i - 1),
        }).collect();
        let names = ["Hosting", "Support", "Backup"];
        let types: Vec<String> = fees.iter().enumerate().map(|(i, fs)| {
            let list: Vec<String> = fs.iter().enumerate()
                .map(|(k, cents)| format!(r#"{{"name":"{}","price":"{}"}}"#, names[k], Decimal::new(*cents as i64, 2))).collect();
            let parent = if i == 0 { String::new() } else { format!(r#""parent":"t{}","#, i - 1) };
            let grant = if i + 1 < depth { format!(r#""grantedTo":["p{}"],"#, i + 1) } else { String::new() };
            format!(r#"{{"id":"t{i}","name":"T{i}","owner":"p{i}",{parent}{grant}"fees":[{}],"currency":"USD","environments":["production"]}}"#, list.join(","))
        }).collect();
        let c = ratecard::Catalog::from_json(&format!(
            r#"{{"defaultCurrency":"USD","currencies":["USD"],"partners":[{}],"planTypes":[{}]}}"#, partners.join(","), types.join(","))).unwrap();
        let m = c.plan_margins(&format!("t{}", depth - 1), instances).unwrap();
        let end = m.per_instance.price;
        prop_assert_eq!(m.chain.len(), depth);
        prop_assert_eq!(m.chain.iter().map(|l| l.per_instance.profit).sum::<Decimal>(), end);
        prop_assert_eq!(m.chain[1..].iter().map(|l| l.per_instance.profit).sum::<Decimal>(), end - m.chain[0].per_instance.price);
        prop_assert_eq!(m.fees.iter().map(|f| f.figures.profit).sum::<Decimal>(), m.per_instance.profit);
        let v = Value::parse(&m.to_json().unwrap()).unwrap();
        let total = match v.get("total").and_then(|t| t.get("profit")) { Some(Value::String(s)) => s.parse::<Decimal>().unwrap(), _ => panic!() };
        prop_assert_eq!(total, m.per_instance.profit * Decimal::from(instances));
    }

    #[test]
    fn block_rounding_up_never_undercharges(bounds in prop::collection::vec(1u64..50, 2), prices in prop::collection::vec(0u64..100_000, 3),
                                            graduated in any::<bool>(), block in 1u64..100, q in 0u64..100_000_000) {
        // Whole-block tier bounds: a started block then never lands in a cheaper volume tier.
        let tiers = format!(r#"[{{"upTo":"{}","unitPrice":"{}"}},{{"upTo":"{}","unitPrice":"{}"}},{{"upTo":null,"unitPrice":"{}"}}]"#,
            bounds[0], dec(prices[0]), bounds[0] + bounds[1], dec(prices[1]), dec(prices[2]));
        let mode = if graduated { "graduated" } else { "volume" };
        let table = |rounding: &str| TierTable::from_json(&format!(
            r#"{{"mode":"{mode}","blockSize":"{block}","blockRounding":"{rounding}","tiers":{tiers}}}"#)).unwrap();
        let up = table("up").price(dec(q)).unwrap().amount;
        let exact = table("none").price(dec(q)).unwrap().amount;
        prop_assert!(up >= exact, "up {} < exact {}", up, exact);
    }

    #[test]
    fn the_public_view_keeps_no_wholesale_fee(fees in prop::collection::vec(1u64..10_000_000, 2..6)) {
        // A chain p0 -> p1 -> ... with one fee each; only the last plan type is retail.
        let depth = fees.len();
        let partners: Vec<String> = (0..depth).map(|i| match i {
            0 => r#"{"id":"p0","name":"P0"}"#.to_string(),
            _ => format!(r#"{{"id":"p{i}","name":"P{i}","parent":"p{}"}}"#, i - 1),
        }).collect();
        let types: Vec<String> = fees.iter().enumerate().map(|(i, cents)| {
            let parent = if i == 0 { String::new() } else { format!(r#""parent":"t{}","#, i - 1) };
            let grant = if i + 1 < depth { format!(r#""grantedTo":["p{}"],"#, i + 1) } else { String::new() };
            format!(r#"{{"id":"t{i}","name":"T{i}","owner":"p{i}",{parent}{grant}"fees":[{{"name":"Hosting","price":"{}"}}],"currency":"USD","environments":["production"]}}"#,
                Decimal::new(*cents as i64, 2))
        }).collect();
        let c = ratecard::Catalog::from_json(&format!(
            r#"{{"defaultCurrency":"USD","currencies":["USD"],"partners":[{}],"planTypes":[{}]}}"#, partners.join(","), types.join(","))).unwrap();
        let public = c.public_view().to_json();
        let retail = Decimal::new(fees[depth - 1] as i64, 2);
        for (i, cents) in fees[..depth - 1].iter().enumerate() {
            let wholesale = Decimal::new(*cents as i64, 2);
            if wholesale != retail {
                prop_assert!(!public.contains(&format!("\"{wholesale}\"")), "t{} fee {} leaks: {}", i, wholesale, public);
            }
        }
        let shown = format!("\"{retail}\"");
        prop_assert!(public.contains(&shown));
        prop_assert!(ratecard::Catalog::from_json(&public).is_ok());
    }

    /// SPEC 9: over a 730-hour month in one phase, a counter's invoice line costs what the
    /// quote's monthly line says for the same usage (the allowance prorated to the whole month).
    #[test]
    fn a_counters_invoice_over_730_hours_is_its_quotes_monthly_amount(
        pkg in 0usize..4, plan in 0usize..2, currency in 0usize..3, region in 0usize..3,
        usage in 0u64..200_000_000_000, final_phase in any::<bool>(), start_day in 0i64..400,
    ) {
        let packages = ["small", "medium", "large", "xlarge"];
        let (plan, currency, region) = (["standard", "pro"][plan], ["USD", "EUR", "JPY"][currency], ["us-east", "eu-west", "ap-tokyo"][region]);
        let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap() + chrono::TimeDelta::days(start_day);
        let end = start + chrono::TimeDelta::hours(730);
        let text = |t: chrono::DateTime<chrono::FixedOffset>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // In the final phase (a customer for years), or all of it in pro's 3-month discount.
        let billing_start = if final_phase || plan == "standard" { "2020-01-01T00:00:00Z".to_string() } else { text(start) };
        let customer = format!(r#"{{"plan":"{plan}","currency":"{currency}","region":"{region}","billingStart":"{billing_start}"}}"#);
        let x = dec(usage);
        let order = format!(r#"{{"at":"{}","customer":{customer},"lines":[{{"product":"{}","quantity":1}},{{"product":"bandwidth","quantity":"{x}"}}]}}"#,
            text(start), packages[pkg]);
        let quote = Value::parse(&api::call("quote", &format!(r#"{{"catalog":{},"order":{order}}}"#, ratecard::DEMO_CATALOG)).unwrap()).unwrap();
        let request = format!(r#"{{"period":{{"start":"{}","end":"{}"}},"customer":{customer},"items":[{{"product":"{}","quantity":1}},{{"product":"bandwidth","quantity":"{x}"}}]}}"#,
            text(start), text(end), packages[pkg]);
        let bill = Value::parse(&api::call("invoice", &format!(r#"{{"catalog":{},"request":{request}}}"#, ratecard::DEMO_CATALOG)).unwrap()).unwrap();
        let line = |v: &Value| match v.get("lines") { Some(Value::Array(l)) => l[1].get("amount").unwrap().to_json(), _ => panic!() };
        prop_assert_eq!(line(&quote), line(&bill), "quote {} invoice {}", quote.to_json(), bill.to_json());
    }

    /// SPEC 9: however a counter's usage is shared over phases, the shares add up to its usage,
    /// and what the allowance covers plus what is billed is what was measured.
    #[test]
    fn a_counters_shares_add_up_to_its_usage(
        usage in 0u64..100_000_000, at_reading in prop::option::of(0u64..100_000_000), start_day in 0i64..40, days in 1i64..60,
    ) {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap() + chrono::TimeDelta::days(start_day);
        let end = start + chrono::TimeDelta::days(days);
        let text = |t: chrono::DateTime<chrono::FixedOffset>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let middle = start + chrono::TimeDelta::hours(days * 12 + 1);
        let readings = at_reading.map_or(String::new(), |r| format!(r#","readings":[{{"at":"{}","reading":"{}"}}]"#, text(middle), dec(r)));
        let request = format!(r#"{{"period":{{"start":"{}","end":"{}"}},"customer":{{"billingStart":"2026-11-10T00:00:00Z"}},"items":[{{"product":"medium","quantity":1}},{{"product":"bandwidth","reading":"{}"{readings}}}]}}"#,
            text(start), text(end), dec(usage));
        let Ok(out) = api::call("invoice", &format!(r#"{{"catalog":{},"request":{request}}}"#, ratecard::DEMO_CATALOG)) else {
            // A billing start after the period's start is refused; nothing to check.
            return Ok(());
        };
        let bill = Value::parse(&out).unwrap();
        let Value::Array(lines) = bill.get("lines").unwrap() else { panic!() };
        let Value::Array(segments) = lines[1].get("segments").unwrap() else { panic!() };
        let sum = |key: &str| segments.iter().map(|s| match s.get(key) { Some(Value::String(v)) => v.parse::<Decimal>().unwrap(), _ => panic!() }).sum::<Decimal>();
        // A reading at the end below the one in between is a counter reset: all of it is new.
        let total = match at_reading { Some(r) if dec(r) > dec(usage) => dec(r) + dec(usage), _ => dec(usage) };
        // Sums of 28-digit shares agree to within their last digits.
        let close = |a: Decimal, b: Decimal| (a - b).abs() < Decimal::new(1, 18);
        prop_assert!(close(sum("measured"), total), "{} vs {}", sum("measured"), total);
        prop_assert!(close(sum("included") + sum("quantity"), sum("measured")));
    }

    /// Money is rounded once, from the exact ratio (SPEC 1, 9): the same cent as integer
    /// arithmetic on numerators and denominators of up to 19 digits, for both roundings.
    #[test]
    fn a_ratio_rounds_as_exact_integer_arithmetic_does(n in -1_000_000_000_000_000_000i64..1_000_000_000_000_000_000, d in 1i64..10_000_000_000_000, scale in 0u32..12) {
        let usd = ratecard::Currency::iso("USD").unwrap();
        let (num, den) = (Decimal::new(n, scale), Decimal::from(d));
        // n / 10^scale / d in cents: n x 100 / (10^scale x d), rounded by hand in integers.
        let (top, bottom) = (i128::from(n) * 100, 10i128.pow(scale) * i128::from(d));
        let (q, r) = (top.abs() / bottom, top.abs() % bottom);
        for rounding in [ratecard::Rounding::HalfUp, ratecard::Rounding::HalfEven] {
            let up = 2 * r > bottom || 2 * r == bottom && (matches!(rounding, ratecard::Rounding::HalfUp) || q % 2 == 1);
            let cents = (q + i128::from(up)) * top.signum();
            let want = Decimal::from_i128_with_scale(cents, 2);
            let got = ratecard::Money::round_ratio(num, den, &usd, rounding).unwrap();
            prop_assert_eq!(got.amount(), want, "{} / {} ({:?})", num, den, rounding);
        }
    }

    /// SPEC 9, hourRounding "up": every started clock hour is billed once, so an invoice split
    /// anywhere bills as many hours as the whole, which bills each clock hour the item touches.
    #[test]
    fn started_hours_are_billed_once_however_the_period_is_split(
        from in 0i64..600, length in 1i64..3000, cut in 1i64..3599, billing_at_period_start in any::<bool>(),
    ) {
        let catalog = r#"{"defaultCurrency":"USD","currencies":["USD"],"hourRounding":"up",
            "products":[{"id":"vm","name":"VM","kind":"metered","resource":"cpu","unitType":"CORE"}],
            "plans":[{"id":"a","name":"A","default":true,"prices":[{"product":"vm","phase":"final","currency":"USD","period":"hour","tiers":[{"upTo":null,"unitPrice":"1"}]}]}]}"#;
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap();
        let minute = |m: i64| (t0 + chrono::TimeDelta::minutes(m)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (start, end) = (30, 30 + 600 + 3600); // the period, in minutes: from 00:30
        let (item_from, item_until) = (start + from, (start + from + length).min(end));
        let billing = if billing_at_period_start { minute(start) } else { minute(-60) };
        let hours = |p0: i64, p1: i64| -> Decimal {
            let (f, u) = (item_from.max(p0), item_until.min(p1));
            if u <= f { return Decimal::ZERO; }
            let from_field = if f > p0 { format!(r#","from":"{}""#, minute(f)) } else { String::new() };
            let until_field = if u < p1 { format!(r#","until":"{}""#, minute(u)) } else { String::new() };
            let request = format!(r#"{{"period":{{"start":"{}","end":"{}"}},"customer":{{"billingStart":"{billing}"}},"items":[{{"product":"vm","quantity":1{from_field}{until_field}}}]}}"#, minute(p0), minute(p1));
            let out = Value::parse(&api::call("invoice", &format!(r#"{{"catalog":{catalog},"request":{request}}}"#)).unwrap()).unwrap();
            let Value::Array(lines) = out.get("lines").unwrap() else { panic!() };
            match lines[0].get("hours") { Some(Value::String(h)) => h.parse().unwrap(), _ => panic!() }
        };
        let m = start + 1 + cut % (end - start - 1);
        // SPEC 9: an item whose time begins at a period's start was already running, so a cut
        // at the very minute the item starts cannot say that it starts there.
        prop_assume!(m != item_from);
        let whole = hours(start, end);
        prop_assert_eq!(hours(start, m) + hours(m, end), whole, "split at minute {}", m);
        // The clock hours the item touches; the 00:00 hour the period starts inside of only when
        // the item starts here (after the period's start, or billing starts with the period).
        let touched = (item_until + 59) / 60 - item_from / 60;
        let already_running = item_from == start && !billing_at_period_start;
        prop_assert_eq!(whole, Decimal::from(touched - i64::from(already_running)));
    }
}
