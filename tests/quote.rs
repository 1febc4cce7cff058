//! Quotes, the price matrix and verification against the demo catalog and small catalogs.
#![cfg(not(target_arch = "wasm32"))]

use ratecard::Value;
use ratecard::{api, quote, Catalog, Code, Order, DEMO_CATALOG};

fn demo() -> Catalog {
    Catalog::from_json(DEMO_CATALOG).unwrap()
}

/// Quote of `order` (JSON) on the demo catalog, as a JSON value.
fn q(order: &str) -> Value {
    Value::parse(&api::call("quote", &format!(r#"{{"catalog":{DEMO_CATALOG},"order":{order}}}"#)).unwrap())
        .unwrap()
}

/// The demo catalog without its monthly cap (SPEC 10): a month of an hourly rule is then its
/// rate x hoursPerMonth (SPEC 6).
fn uncapped_demo() -> String {
    DEMO_CATALOG.replace("  \"monthlyCap\": true,\n  \"capHours\": \"672\",\n", "")
}

/// Quote of `order` on the demo catalog without its cap.
fn q_uncapped(order: &str) -> Value {
    Value::parse(
        &api::call("quote", &format!(r#"{{"catalog":{},"order":{order}}}"#, uncapped_demo())).unwrap(),
    )
    .unwrap()
}

fn err(order: &str) -> ratecard::Error {
    api::call("quote", &format!(r#"{{"catalog":{DEMO_CATALOG},"order":{order}}}"#)).unwrap_err()
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        cur = match p.parse::<usize>() {
            Ok(i) => match cur {
                Value::Array(items) => &items[i],
                _ => panic!("not an array at {p}"),
            },
            Err(_) => cur.get(p).unwrap_or_else(|| panic!("no {p} in {}", cur.to_json())),
        };
    }
    match cur {
        Value::String(s) => s,
        other => panic!("not a string: {}", other.to_json()),
    }
}

const FINAL: &str =
    r#""at":"2027-01-01T00:00:00Z","customer":{"region":"us-east","billingStart":"2026-11-01T00:00:00Z"}"#;

#[test]
fn the_seeds_trial_example_seven_more_days() {
    // billingStart 7 days ago, 14-day trial: in trial, which ends in 7 days.
    let v = q(r#"{"at":"2026-11-21T10:00:00Z","customer":{"billingStart":"2026-11-14T10:00:00Z"},
        "lines":[{"product":"small","quantity":1}]}"#);
    assert_eq!(s(&v, &["phase"]), "trial");
    assert_eq!(s(&v, &["timeline", "0", "end"]), "2026-11-28T10:00:00Z");
    assert_eq!(s(&v, &["totals", "0", "amount"]), "0.00"); // a free trial needs no rules
    assert_eq!(s(&v, &["timeline", "1", "amount"]), "2.50"); // discount: small at 50% of 5.00
    assert_eq!(s(&v, &["timeline", "2", "amount"]), "5.00");
}

#[test]
fn phase_edges_one_second_apart() {
    let at = |t: &str| {
        let v = q(&format!(
            r#"{{"at":"{t}","customer":{{"billingStart":"2026-11-01T00:00:00Z"}},"lines":[{{"product":"small","quantity":1}}]}}"#
        ));
        s(&v, &["phase"]).to_string()
    };
    assert_eq!(at("2026-11-14T23:59:59Z"), "trial");
    assert_eq!(at("2026-11-15T00:00:00Z"), "discount");
    assert_eq!(at("2026-11-30T23:59:59Z"), "discount");
    assert_eq!(at("2026-12-01T00:00:00Z"), "final");
    // The timeline only looks forward: no trial once it is over.
    let v =
        q(r#"{"at":"2026-12-05T00:00:00Z","customer":{"billingStart":"2026-11-01T00:00:00Z"},"lines":[]}"#);
    let Some(Value::Array(tl)) = v.get("timeline") else { panic!() };
    assert_eq!(tl.len(), 1);
}

#[test]
fn billing_start_defaults_to_the_order_and_may_not_follow_it() {
    let v = q(r#"{"at":"2026-11-21T10:00:00Z","lines":[]}"#);
    assert_eq!(s(&v, &["billingStart"]), "2026-11-21T10:00:00Z");
    let e =
        err(r#"{"at":"2026-11-21T10:00:00Z","customer":{"billingStart":"2026-11-22T00:00:00Z"},"lines":[]}"#);
    assert_eq!((e.code(), e.path()), (Code::BillingStartAfterAt, "order.customer.billingStart"));
}

#[test]
fn a_region_specific_rule_beats_the_region_less_one() {
    let line = |region: &str| {
        let v = q(&format!(
            r#"{{{},"lines":[{{"product":"medium","quantity":1,"region":"{region}"}}]}}"#,
            FINAL.replace("us-east", region)
        ));
        (s(&v, &["lines", "0", "amount"]).to_string(), s(&v, &["lines", "0", "rule", "path"]).to_string())
    };
    // small has rules 0-3 (USD, USD in ap-tokyo, EUR, JPY); medium's are 4 (USD) and 5 (ap-tokyo).
    assert_eq!(line("us-east"), ("12.00".to_string(), "plans[0].prices[4]".to_string()));
    assert_eq!(line("ap-tokyo"), ("13.80".to_string(), "plans[0].prices[5]".to_string()));
    // 12.00 x 1.15
}

#[test]
fn overage_just_below_at_and_above_the_included_amount() {
    // medium includes 25 GB of storage.
    let storage = |gb: &str| {
        let v = q(&format!(
            r#"{{{FINAL},"lines":[{{"product":"medium","quantity":1}},{{"product":"storage","quantity":"{gb}"}}]}}"#
        ));
        (s(&v, &["lines", "1", "quantity"]).to_string(), s(&v, &["lines", "1", "amount"]).to_string())
    };
    assert_eq!(storage("24.9"), ("0".into(), "0.00".into()));
    assert_eq!(storage("25"), ("0".into(), "0.00".into()));
    assert_eq!(storage("25.1"), ("0.1".into(), "0.01".into())); // 0.1 x 0.10
    assert_eq!(storage("35"), ("10".into(), "1.00".into()));
}

#[test]
fn two_packages_pool_their_allowance_per_region() {
    // 2 x small = 20 GB included in us-east; the eu-west line gets none of it.
    let v = q(&format!(
        r#"{{{FINAL},"lines":[{{"product":"small","quantity":2}},{{"product":"storage","quantity":"30"}},
        {{"product":"storage","quantity":"30","region":"eu-west"}}]}}"#
    ));
    assert_eq!(s(&v, &["lines", "1", "included"]), "20");
    assert_eq!(s(&v, &["lines", "1", "quantity"]), "10");
    assert_eq!(s(&v, &["lines", "2", "included"]), "0");
}

#[test]
fn aggregated_readings_bill_the_difference_and_survive_a_counter_reset() {
    let bw = |reading: &str, previous: &str| {
        let v = q(&format!(
            r#"{{{FINAL},"lines":[{{"product":"bandwidth","reading":"{reading}","previousReading":"{previous}"}}]}}"#
        ));
        (s(&v, &["lines", "0", "measured"]).to_string(), s(&v, &["lines", "0", "amount"]).to_string())
    };
    assert_eq!(bw("1500", "1000"), ("500".into(), "10.00".into())); // 500 x 0.02
    assert_eq!(bw("300", "1000"), ("300".into(), "6.00".into())); // reset: the reading itself
    assert_eq!(bw("1000", "1000"), ("0".into(), "0.00".into()));
}

#[test]
fn under_the_monthly_cap_a_month_of_an_hourly_rule_costs_its_rate_x_cap_hours() {
    // SPEC 10, the demo catalog's capHours 672: 2 cores x 0.0137/h = 0.0274/h; a month costs
    // at most 0.0274 x 672 = 18.4128 -> 18.41 (730 h would be 20.002); a $12.00 package's
    // hourly rate is 12.00 / 672, and its month costs 12.00.
    let v = q(&format!(
        r#"{{{FINAL},"lines":[{{"product":"cpu","quantity":2}},{{"product":"medium","quantity":1}}]}}"#
    ));
    assert_eq!(s(&v, &["lines", "0", "hourly"]), "0.0274");
    assert_eq!(s(&v, &["lines", "0", "monthly"]), "18.4128");
    assert_eq!(s(&v, &["lines", "0", "cap"]), "18.41");
    assert_eq!(s(&v, &["lines", "1", "hourly"]), "0.0178571428571428571428571429");
    assert_eq!((s(&v, &["lines", "1", "monthly"]), s(&v, &["lines", "1", "cap"])), ("12.00", "12.00"));
    // Without the cap a line has none.
    let v = q_uncapped(&format!(r#"{{{FINAL},"lines":[{{"product":"medium","quantity":1}}]}}"#));
    assert_eq!(
        v.get("lines").and_then(|l| match l {
            Value::Array(l) => l[0].get("cap"),
            _ => None,
        }),
        Some(&Value::Null)
    );
}

#[test]
fn hourly_rules_become_monthly_by_hours_per_month() {
    // 2 cores x 0.0137/h = 0.0274/h; x 730 = 20.002/month -> 20.00
    let v = q_uncapped(&format!(r#"{{{FINAL},"lines":[{{"product":"cpu","quantity":2}}]}}"#));
    assert_eq!(s(&v, &["lines", "0", "hourly"]), "0.0274");
    assert_eq!(s(&v, &["lines", "0", "monthly"]), "20.002");
    assert_eq!(s(&v, &["lines", "0", "amount"]), "20.00");
}

#[test]
fn jpy_quotes_round_to_whole_yen() {
    // 3 cores x 2.05 JPY/h x 730 = 4489.5 -> 4490 (half-up)
    let v = q_uncapped(&format!(
        r#"{{{},"lines":[{{"product":"cpu","quantity":3}}]}}"#,
        FINAL.replace(r#""region""#, r#""currency":"JPY","region""#)
    ));
    assert_eq!(s(&v, &["lines", "0", "monthly"]), "4489.5");
    assert_eq!(s(&v, &["lines", "0", "amount"]), "4490");
    assert_eq!(s(&v, &["totals", "0", "amountMinor"]), "4490");
}

#[test]
fn half_even_is_selectable_in_the_catalog() {
    // 1 core x 2.05 JPY/h x 730 h = 1496.5: a tie that half-up sends up and half-even down.
    let amount = |rounding: &str| {
        let catalog =
            uncapped_demo().replace(r#""rounding": "halfUp""#, &format!(r#""rounding": "{rounding}""#));
        let order = format!(
            r#"{{{},"lines":[{{"product":"cpu","quantity":1}}]}}"#,
            FINAL.replace(r#""region""#, r#""currency":"JPY","region""#)
        );
        let v = Value::parse(
            &api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{order}}}"#)).unwrap(),
        )
        .unwrap();
        assert_eq!(s(&v, &["lines", "0", "monthly"]), "1496.5");
        s(&v, &["lines", "0", "amount"]).to_string()
    };
    assert_eq!(amount("halfUp"), "1497");
    assert_eq!(amount("halfEven"), "1496");
}

#[test]
fn lines_add_up_exactly_to_the_total() {
    let v = q_uncapped(&format!(
        r#"{{{FINAL},"lines":[{{"product":"cpu","quantity":"0.25"}},{{"product":"memory","quantity":333}},
        {{"product":"cpu","quantity":"0.75"}},{{"product":"storage","quantity":"0.333"}}]}}"#
    ));
    let Some(Value::Array(lines)) = v.get("lines") else { panic!() };
    let sum: rust_decimal::Decimal = lines
        .iter()
        .map(|l| match l.get("amount") {
            Some(Value::String(a)) => a.parse::<rust_decimal::Decimal>().unwrap(),
            _ => panic!(),
        })
        .sum();
    assert_eq!(sum.to_string(), s(&v, &["totals", "0", "amount"]));
    // 0.25 x 0.0137 x 730 = 2.50025 -> 2.50; 333 x 0.0000068 x 730 = 1.653012 -> 1.65;
    // 0.75 x 0.0137 x 730 = 7.50075 -> 7.50; 0.333 x 0.10 = 0.0333 -> 0.03. Sum 11.68, while the
    // unrounded sum 11.6871... would round to 11.69: the total is the sum of rounded lines.
    assert_eq!(s(&v, &["totals", "0", "amount"]), "11.68");
}

#[test]
fn no_rule_is_zero_with_a_warning_and_an_error_when_strict() {
    let catalog = DEMO_CATALOG
        .replace(r#""currencies": ["USD", "EUR", "JPY"]"#, r#""currencies": ["USD", "EUR", "JPY", "GBP"]"#);
    let order = |strict: bool| {
        format!(
            r#"{{"at":"2027-01-01T00:00:00Z","strict":{strict},"customer":{{"currency":"GBP","billingStart":"2026-11-01T00:00:00Z"}},
            "lines":[{{"product":"small","quantity":1}}]}}"#
        )
    };
    let v = Value::parse(
        &api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{}}}"#, order(false))).unwrap(),
    )
    .unwrap();
    assert_eq!(s(&v, &["lines", "0", "amount"]), "0.00");
    assert_eq!(s(&v, &["warnings", "0", "code"]), "NO_PRICE_RULE");
    assert_eq!(s(&v, &["warnings", "0", "path"]), "lines[0]");
    assert!(s(&v, &["warnings", "0", "message"]).contains("\"small\" in plan \"standard\", final phase, GBP"));
    let e = api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{}}}"#, order(true))).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::NoPriceRule, "order.lines[0]"));
}

#[test]
fn bad_orders_report_every_problem_with_its_path() {
    let e = err(r#"{"at":"2026-13-01","customer":{"plan":"gold","currency":"XYZ","region":"mars"},
        "lines":[{"product":"nope","quantity":1},{"product":"storage","quantity":"-1"},{"product":"small","reading":"5"},
        {"product":"cpu","quantity":0.5},{"product":"cpu"}],"extra":1}"#);
    let got: Vec<_> = e.problems().iter().map(|p| format!("{} {}", p.code, p.path)).collect();
    assert_eq!(
        got,
        [
            "UNKNOWN_FIELD order.extra",
            "INVALID_DATE order.at",
            "UNKNOWN_PLAN order.customer.plan",
            "UNKNOWN_CURRENCY order.customer.currency",
            "UNKNOWN_REGION order.customer.region",
            "UNKNOWN_PRODUCT order.lines[0].product",
            "NEGATIVE_QUANTITY order.lines[1].quantity",
            "NOT_METERED order.lines[2].reading",
            "INEXACT_NUMBER order.lines[3].quantity",
            "MISSING_FIELD order.lines[4]",
        ]
    );
}

#[test]
fn an_overflowing_quantity_is_an_error_on_the_line() {
    let e = err(&format!(
        r#"{{{FINAL},"lines":[{{"product":"storage","quantity":"79228162514264337593543950335"}}]}}"#
    ));
    assert_eq!((e.code(), e.path()), (Code::Overflow, "order.lines[0].quantity"));
}

#[test]
fn no_plan_and_no_default_is_an_error() {
    let catalog = DEMO_CATALOG.replace(r#""default": true"#, r#""default": false"#);
    let e =
        api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{{"at":"2027-01-01","lines":[]}}}}"#))
            .unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::NoDefaultPlan, "order.customer.plan"));
}

#[test]
fn verification_lists_each_difference_and_accepts_the_exact_quote() {
    let order = format!(
        r#"{{{FINAL},"lines":[{{"product":"medium","quantity":1}},{{"product":"storage","quantity":"125"}}]}}"#
    );
    let quote = api::call("quote", &format!(r#"{{"catalog":{DEMO_CATALOG},"order":{order}}}"#)).unwrap();
    let verify = |q: &str| {
        Value::parse(
            &api::call(
                "verifyQuote",
                &format!(r#"{{"catalog":{DEMO_CATALOG},"order":{order},"quote":{q}}}"#),
            )
            .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(verify(&quote).to_json(), r#"{"ok":true,"differences":[]}"#);
    let tampered = quote.replace(r#""amount":"22.00""#, r#""amount":"2.20""#).replacen(
        r#""phase":"final""#,
        r#""phase":"trial""#,
        1,
    );
    let v = verify(&tampered);
    assert_eq!(s(&v, &["differences", "0", "path"]), "quote.phase");
    assert_eq!(s(&v, &["differences", "1", "path"]), "quote.totals[0].amount");
    assert_eq!(s(&v, &["differences", "1", "expected"]), "22.00");
    assert_eq!(s(&v, &["differences", "1", "received"]), "2.20");
    let v = verify(r#"{"lines":[]}"#);
    assert_eq!(v.get("ok"), Some(&Value::Bool(false)));
    // The same quote with its members in another order is the same quote (compared by value,
    // not by text).
    let Value::Object(mut members) = Value::parse(&quote).unwrap() else { panic!() };
    members.reverse();
    assert_eq!(verify(&Value::Object(members).to_json()).to_json(), r#"{"ok":true,"differences":[]}"#);
}

#[test]
fn the_price_matrix_covers_products_regions_currencies_and_phases() {
    let m = Value::parse(&api::call("priceMatrix", &format!(r#"{{"catalog":{DEMO_CATALOG}}}"#)).unwrap())
        .unwrap();
    let Some(Value::Array(rows)) = m.get("rows") else { panic!() };
    assert_eq!(rows.len(), 9 * 3 * 3 * 3);
    let find = |product: &str, region: &str, currency: &str, phase: &str| {
        rows.iter()
            .find(|r| {
                r.get("product") == Some(&Value::str(product))
                    && r.get("region") == Some(&Value::str(region))
                    && r.get("currency") == Some(&Value::str(currency))
                    && r.get("phase") == Some(&Value::str(phase))
            })
            .unwrap()
    };
    assert_eq!(s(find("large", "eu-west", "EUR", "final"), &["amount"]), "22.00");
    assert_eq!(s(find("large", "eu-west", "EUR", "discount"), &["amount"]), "11.00");
    assert_eq!(s(find("large", "eu-west", "EUR", "trial"), &["amount"]), "0.00");
    assert_eq!(find("storage", "us-east", "USD", "final").get("tiered"), Some(&Value::Bool(true)));
    let e = api::call("priceMatrix", &format!(r#"{{"catalog":{DEMO_CATALOG},"options":{{"plan":"gold"}}}}"#))
        .unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::UnknownPlan, "options.plan"));
    // The Rust API refuses a region the catalog does not have instead of pricing it at zero.
    let catalog = demo();
    let options = ratecard::MatrixOptions { region: Some("mars".into()), ..Default::default() };
    let e = ratecard::price_matrix(&catalog, &options).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::UnknownRegion, "region"));
    let options = ratecard::MatrixOptions { region: Some("eu-west".into()), ..Default::default() };
    let m = ratecard::price_matrix(&catalog, &options).unwrap();
    assert_eq!(m.rows.len(), 9 * 3 * 3);
    assert!(m.rows.iter().all(|r| r.region == Some("eu-west")));
}

#[test]
fn the_rust_api_matches_the_json_api() {
    let c = demo();
    let text = format!(r#"{{{FINAL},"lines":[{{"product":"xlarge","quantity":1}}]}}"#);
    let order = Order::from_json(&c, &text).unwrap();
    let rust = quote(&c, &order).unwrap().to_json().unwrap();
    assert_eq!(rust, api::call("quote", &format!(r#"{{"catalog":{DEMO_CATALOG},"order":{text}}}"#)).unwrap());
}

// ---------------------------------------------------------------------------------------------
// SPEC rules on a small catalog whose every figure is worked out by hand.

/// One package (`pkg`, 100 GB of storage included), storage with a 5.00 flat price on its
/// first tier and no price above 1,000 GB, `cpu` priced per hour; plan `a` (the default) with
/// a 14-day trial and plan `b` with another storage price. `extra` goes inside the catalog.
fn small_catalog(extra: &str, plans: &str) -> String {
    format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD"],{extra}
        "products":[
            {{"id":"pkg","name":"Pkg","kind":"package","package":{{"cpu":"1","memoryMb":"1024","storageGb":"100"}}}},
            {{"id":"storage","name":"Storage","kind":"metered","resource":"storage","unitType":"GB"}},
            {{"id":"cpu","name":"CPU","kind":"metered","resource":"cpu","unitType":"CORE"}}],
        "plans":{plans}}}"#
    )
}

const STORAGE_TIERS: &str = r#""period":"month","mode":"graduated","tiers":[{"upTo":"100","unitPrice":"0.10","flatPrice":"5"},{"upTo":"1000","unitPrice":"0.05"}]"#;

fn plans(trial_rules: &str) -> String {
    format!(
        r#"[{{"id":"a","name":"A","default":true,"phases":{{"trial":{{"days":14}}}},"prices":[
            {trial_rules}
            {{"product":"pkg","phase":"final","currency":"USD","period":"month","tiers":[{{"upTo":null,"unitPrice":"10"}}]}},
            {{"product":"storage","phase":"final","currency":"USD",{STORAGE_TIERS}}},
            {{"product":"cpu","phase":"final","currency":"USD","period":"hour","tiers":[{{"upTo":null,"unitPrice":"0.01"}}]}}]}},
          {{"id":"b","name":"B","prices":[
            {{"product":"storage","phase":"final","currency":"USD","period":"month","tiers":[{{"upTo":null,"unitPrice":"0.50"}}]}}]}}]"#
    )
}

fn quote_on(catalog: &str, order: &str) -> Result<Value, ratecard::Error> {
    api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{order}}}"#))
        .map(|t| Value::parse(&t).unwrap())
}

const AFTER_TRIAL: &str = r#""at":"2027-01-01T00:00:00Z","customer":{"billingStart":"2026-11-01T00:00:00Z"}"#;
const IN_TRIAL: &str = r#""at":"2026-11-02T00:00:00Z","customer":{"billingStart":"2026-11-01T00:00:00Z"}"#;

#[test]
fn a_quantity_above_a_bounded_last_tier_is_zero_with_no_price_rule() {
    let catalog = small_catalog("", &plans(""));
    let order = |strict: bool| {
        format!(
            r#"{{{AFTER_TRIAL},"strict":{strict},"lines":[{{"product":"storage","quantity":"1200"}},{{"product":"storage","quantity":"1000"}}]}}"#
        )
    };
    let v = quote_on(&catalog, &order(false)).unwrap();
    assert_eq!(s(&v, &["lines", "0", "amount"]), "0.00");
    assert_eq!(v.get("lines").unwrap().to_json().matches(r#""rule":null"#).count(), 1);
    // 1,000 GB is the last tier's inclusive bound: 5 + 100 x 0.10 + 900 x 0.05 = 60.00.
    assert_eq!(s(&v, &["lines", "1", "amount"]), "60.00");
    assert_eq!(s(&v, &["warnings", "0", "code"]), "NO_PRICE_RULE");
    assert_eq!(s(&v, &["warnings", "0", "path"]), "lines[0]");
    assert!(s(&v, &["warnings", "0", "message"]).contains("plans[0].prices[1]"), "names the rule");
    let e = quote_on(&catalog, &order(true)).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::NoPriceRule, "order.lines[0]"));
}

#[test]
fn usage_within_the_allowance_costs_nothing_flat_prices_included() {
    let catalog = small_catalog("", &plans(""));
    let amounts = |lines: &str| {
        let v = quote_on(&catalog, &format!(r#"{{{AFTER_TRIAL},"lines":[{lines}]}}"#)).unwrap();
        let Some(Value::Array(lines)) = v.get("lines") else { panic!() };
        lines.iter().map(|l| s(l, &["amount"]).to_string()).collect::<Vec<_>>()
    };
    let pkg = r#"{"product":"pkg","quantity":1}"#;
    // 80 GB within 100 GB included: nothing, not even the first tier's flat 5.00.
    assert_eq!(amounts(&format!(r#"{pkg},{{"product":"storage","quantity":"80"}}"#)), ["10.00", "0.00"]);
    assert_eq!(amounts(&format!(r#"{pkg},{{"product":"storage","quantity":"100"}}"#)), ["10.00", "0.00"]);
    assert_eq!(amounts(&format!(r#"{pkg},{{"product":"storage","quantity":"0"}}"#)), ["10.00", "0.00"]);
    // 130 GB: 30 GB over, priced from zero through the tiers: 5 + 30 x 0.10 = 8.00.
    assert_eq!(amounts(&format!(r#"{pkg},{{"product":"storage","quantity":"130"}}"#)), ["10.00", "8.00"]);
    // Without a package, zero usage is in the first tier and pays its flat price (SPEC 2).
    assert_eq!(amounts(r#"{"product":"storage","quantity":"0"}"#), ["5.00"]);
}

#[test]
fn overage_is_priced_by_the_customers_plan_not_the_default() {
    let catalog = small_catalog("", &plans(""));
    let order = r#"{"at":"2027-01-01T00:00:00Z","customer":{"plan":"b"},"lines":[{"product":"pkg","quantity":1},{"product":"storage","quantity":"130"}]}"#;
    let v = quote_on(&catalog, order).unwrap();
    // Plan b prices storage at 0.50 (no flat price): 30 GB over = 15.00; b has no pkg rule.
    assert_eq!(s(&v, &["lines", "1", "amount"]), "15.00");
    assert_eq!(s(&v, &["lines", "1", "rule", "path"]), "plans[1].prices[0]");
    assert_eq!(s(&v, &["lines", "0", "amount"]), "0.00");
}

#[test]
fn a_paid_trial_warns_about_a_product_without_a_rule_and_a_free_one_does_not() {
    let order = |strict: bool| {
        format!(
            r#"{{{IN_TRIAL},"strict":{strict},"lines":[{{"product":"pkg","quantity":1}},{{"product":"cpu","quantity":1}}]}}"#
        )
    };
    let free = small_catalog("", &plans(""));
    let v = quote_on(&free, &order(false)).unwrap();
    assert_eq!(s(&v, &["phase"]), "trial");
    assert_eq!(v.get("warnings").unwrap().to_json(), "[]");
    assert!(quote_on(&free, &order(true)).is_ok(), "strict accepts a free trial");
    let paid = small_catalog(
        "",
        &plans(
            r#"{"product":"pkg","phase":"trial","currency":"USD","period":"month","tiers":[{"upTo":null,"unitPrice":"1"}]},"#,
        ),
    );
    let v = quote_on(&paid, &order(false)).unwrap();
    assert_eq!(s(&v, &["lines", "0", "amount"]), "1.00");
    assert_eq!(s(&v, &["warnings", "0", "code"]), "NO_PRICE_RULE");
    assert_eq!(s(&v, &["warnings", "0", "path"]), "lines[1]");
    assert!(s(&v, &["warnings", "0", "message"]).contains("trial phase"));
    let e = quote_on(&paid, &order(true)).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::NoPriceRule, "order.lines[1]"));
}

#[test]
fn hours_per_month_converts_both_ways() {
    let catalog = small_catalog(r#""hoursPerMonth":"720","#, &plans(""));
    let v = quote_on(
        &catalog,
        &format!(
            r#"{{{AFTER_TRIAL},"lines":[{{"product":"cpu","quantity":1}},{{"product":"pkg","quantity":1}}]}}"#
        ),
    )
    .unwrap();
    // cpu: 0.01 an hour x 720 = 7.20 a month; pkg: 10 a month / 720 = 0.013888... an hour.
    assert_eq!(s(&v, &["lines", "0", "monthly"]), "7.20");
    assert_eq!(s(&v, &["lines", "1", "hourly"]), "0.0138888888888888888888888889");
}

#[test]
fn the_chained_clock_starts_the_discount_when_the_trial_ends() {
    let plans = r#"[{"id":"a","name":"A","default":true,"phases":{"trial":{"days":14},"discount":{"days":30}},"prices":[
        {"product":"pkg","phase":"discount","currency":"USD","period":"month","tiers":[{"upTo":null,"unitPrice":"5"}]},
        {"product":"pkg","phase":"final","currency":"USD","period":"month","tiers":[{"upTo":null,"unitPrice":"10"}]}]}]"#;
    let at = |clock: &str, day: &str| {
        let catalog = small_catalog(&format!(r#""phaseClock":"{clock}","#), plans);
        let order = format!(
            r#"{{"at":"2026-12-{day}T00:00:00Z","customer":{{"billingStart":"2026-11-01T00:00:00Z"}},"lines":[{{"product":"pkg","quantity":1}}]}}"#
        );
        quote_on(&catalog, &order).unwrap()
    };
    // 40 days in: the billingStart clock ended the discount on day 30; the chained one runs it
    // from day 14 to day 44 (Dec 15).
    assert_eq!(s(&at("billingStart", "11"), &["phase"]), "final");
    let v = at("chained", "11");
    assert_eq!(s(&v, &["phase"]), "discount");
    assert_eq!(s(&v, &["totals", "0", "amount"]), "5.00");
    assert_eq!(s(&v, &["timeline", "0", "end"]), "2026-12-15T00:00:00Z");
    assert_eq!(s(&at("chained", "15"), &["phase"]), "final");
}

#[test]
fn a_previous_reading_is_only_for_aggregated_products() {
    let e = err(&format!(
        r#"{{{FINAL},"lines":[{{"product":"storage","reading":"50","previousReading":"20"}}]}}"#
    ));
    assert_eq!((e.code(), e.path()), (Code::NotAggregated, "order.lines[0].previousReading"));
    let v = q(&format!(
        r#"{{{FINAL},"lines":[{{"product":"bandwidth","reading":"50","previousReading":"20"}}]}}"#
    ));
    assert_eq!(s(&v, &["lines", "0", "measured"]), "30");
}

/// A loaded catalog verifies an untouched quote from its text without parsing it; every other
/// received quote (tampered, reformatted, malformed) and every malformed argument list gets the
/// same answer, byte for byte, as the general path through `api::call`.
#[test]
fn verifying_on_a_loaded_catalog_answers_like_the_general_path() {
    let catalog = demo();
    let order = r#"{"at":"2026-11-05T00:00:00Z","customer":{"region":"us-east","billingStart":"2026-11-01T00:00:00Z"},"lines":[{"product":"medium","quantity":1},{"product":"storage","quantity":"250"}]}"#;
    let quote = api::call_loaded(&catalog, "quote", &format!(r#"{{"order":{order}}}"#)).unwrap();
    let pretty = quote.replace(",\"", ",\n  \"");
    let tampered = quote.replacen(r#""phase":"trial""#, r#""phase":"final""#, 1);
    let cases = [
        format!(r#"{{"order":{order},"quote":{quote}}}"#),
        format!(r#"{{"order":{order},"quote":{pretty}}}"#),
        format!(r#"{{"order":{order},"quote":{tampered}}}"#),
        format!(r#"{{"order":{order},"quote":{{"a":1,"a":2}}}}"#),
        format!(r#"{{"order":{order},"quote":{}}}"#, "[".repeat(100) + &"]".repeat(100)),
        format!(r#"{{"order":{order},"quote":null}}"#),
        format!(r#"{{"order":{order},"quote":{quote},"quote":{quote}}}"#),
        format!(r#"{{"order":{order},"quote":{quote},"extra":1}}"#),
        format!(r#"{{"order":{order},"quote":{quote},"trusted":{{"at":"2026-12-30T00:00:00Z"}}}}"#),
        format!(r#"{{"order":{order},"quote":{quote},"trusted":{{"at":"yesterday"}}}}"#),
        format!(r#"{{"order":{{"lines":[]}},"quote":{quote}}}"#),
        format!(r#"{{"quote":{quote}}}"#),
    ];
    let mut fast = 0;
    for args in &cases {
        let general_args = format!(r#"{{"catalog":{DEMO_CATALOG},{}"#, &args[1..]);
        // The general path also knows the argument `catalog`, which a loaded catalog does not take.
        let general = api::call("verifyQuote", &general_args)
            .map_err(|e| e.to_json().replace("known fields: catalog, ", "known fields: "));
        let loaded = api::call_loaded(&catalog, "verifyQuote", args).map_err(|e| e.to_json());
        assert_eq!(loaded, general, "{args}");
        fast += usize::from(loaded.as_ref().is_ok_and(|a| a == r#"{"ok":true,"differences":[]}"#));
    }
    assert_eq!(fast, 2, "the untouched and the reformatted quote verify");
}

/// The summary of a quote, as `quoteSummary` answers: the full answer without each line's
/// explanation (lines keep `line`, `product`, `amount` and `amountMinor`).
fn summary_of(full: &Value) -> Value {
    let Value::Object(members) = full else { panic!("a quote is an object") };
    let members = members.iter().map(|(k, v)| match (k.as_ref(), v) {
        ("lines", Value::Array(lines)) => {
            let kept = lines.iter().map(|line| {
                let Value::Object(fields) = line else { panic!("a line is an object") };
                let fields = fields
                    .iter()
                    .filter(|(k, _)| ["line", "product", "amount", "amountMinor"].contains(&k.as_ref()));
                Value::Object(fields.cloned().collect())
            });
            (k.clone(), Value::Array(kept.collect()))
        }
        _ => (k.clone(), v.clone()),
    });
    Value::Object(members.collect())
}

#[test]
fn a_summary_is_the_full_answer_without_the_explanation_for_every_quote_fixture() {
    let Value::Array(cases) = Value::parse(include_str!("fixtures/quote.json")).unwrap() else { panic!() };
    let loaded = demo();
    let mut compared = 0;
    for case in cases.iter().filter(|c| c.get("call") == Some(&Value::str("quote"))) {
        let args = case.get("args").unwrap();
        let order = args.get("order").unwrap().to_json();
        let catalog = match args.get("catalog").unwrap() {
            Value::String(demo) if demo == "@demo" => DEMO_CATALOG.to_string(),
            Value::String(demo) if demo == "@demo-uncapped" => {
                DEMO_CATALOG.replace("  \"monthlyCap\": true,\n  \"capHours\": \"672\",\n", "")
            }
            catalog => catalog.to_json(),
        };
        let args = format!(r#"{{"catalog":{catalog},"order":{order}}}"#);
        match (api::call("quote", &args), api::call("quoteSummary", &args)) {
            (Ok(full), Ok(summary)) => {
                assert_eq!(summary, summary_of(&Value::parse(&full).unwrap()).to_json(), "{order}");
                // On a loaded catalog, through the typed fast path: the same bytes.
                if catalog == DEMO_CATALOG {
                    let fast = api::call_loaded(&loaded, "quoteSummary", &format!(r#"{{"order":{order}}}"#));
                    assert_eq!(fast.unwrap(), summary);
                }
                compared += 1;
            }
            (Err(full), Err(summary)) => assert_eq!(full.to_json(), summary.to_json()),
            (full, summary) => panic!("one failed and not the other: {full:?} / {summary:?}"),
        }
    }
    assert!(compared >= 4, "only {compared} quotes compared");
}

/// verifyQuote through the loaded-catalog API (the path a Node backend takes), as a value.
fn verify(order: &str, quote: &str, trusted: &str) -> Result<Value, ratecard::Error> {
    let catalog = demo();
    let args = format!(r#"{{"order":{order},"quote":{quote},"trusted":{trusted}}}"#);
    api::call_loaded(&catalog, "verifyQuote", &args).map(|t| Value::parse(&t).unwrap())
}

fn paths(v: &Value) -> Vec<String> {
    match v.get("differences") {
        Some(Value::Array(d)) => d.iter().map(|d| s(d, &["path"]).to_string()).collect(),
        _ => panic!("no differences in {}", v.to_json()),
    }
}

const BROWSER_ORDER: &str = r#"{"at":"2026-11-21T10:00:00Z","customer":{"plan":"standard","region":"us-east","currency":"USD","billingStart":"2026-11-01T00:00:00Z"},"lines":[{"product":"medium","quantity":1},{"product":"storage","quantity":"250"}]}"#;
const ACCOUNT: &str =
    r#"{"plan":"standard","currency":"USD","region":"us-east","billingStart":"2026-11-01T00:00:00Z"}"#;

#[test]
fn an_honest_quote_verifies_at_the_servers_instant_however_many_seconds_later() {
    let quote = q(BROWSER_ORDER).to_json();
    for at in
        ["2026-11-21T10:00:00.062Z", "2026-11-21T10:00:42Z", "2026-11-21T10:59:59Z", "2026-11-21T09:59:00Z"]
    {
        let trusted = format!(r#"{{"at":"{at}","customer":{ACCOUNT}}}"#);
        let check = verify(BROWSER_ORDER, &quote, &trusted).unwrap();
        assert_eq!(check.get("ok"), Some(&Value::Bool(true)), "{at}: {}", check.to_json());
    }
}

#[test]
fn a_quote_whose_phase_changed_since_it_was_made_says_what_changed() {
    // Made in the discount (it ends 2026-12-01), checked 20 minutes later, in the final phase.
    let order = BROWSER_ORDER.replace("2026-11-21T10:00:00Z", "2026-11-30T23:50:00Z");
    let quote = q(&order).to_json();
    let check =
        verify(&order, &quote, &format!(r#"{{"at":"2026-12-01T00:10:00Z","customer":{ACCOUNT}}}"#)).unwrap();
    let found = paths(&check);
    assert_eq!(found[0], "quote.phase");
    assert!(found.contains(&"quote.lines[0].amount".to_string()), "{found:?}");
    assert!(found.contains(&"quote.totals[0].amount".to_string()), "{found:?}");
    assert!(!found.iter().any(|p| p == "quote.at" || p == "order.at"), "{found:?}");
}

#[test]
fn a_quote_backdated_into_the_trial_does_not_verify_at_the_servers_instant() {
    // The browser says it is a new customer since yesterday (in the free trial) with 2,000 GB of
    // storage, and sends the free quote; the server knows the customer started on 1 November.
    let order = BROWSER_ORDER
        .replace(r#""billingStart":"2026-11-01T00:00:00Z""#, r#""billingStart":"2026-11-20T10:00:00Z""#)
        .replace(r#""quantity":"250""#, r#""quantity":"2000""#);
    let quote = q(&order);
    assert_eq!(s(&quote, &["totals", "0", "amount"]), "0.00");
    let check =
        verify(&order, &quote.to_json(), &format!(r#"{{"at":"2026-11-21T10:00:30Z","customer":{ACCOUNT}}}"#))
            .unwrap();
    let found = paths(&check);
    assert_eq!(found[0], "order.customer.billingStart");
    assert!(found.contains(&"quote.totals[0].amount".to_string()), "{found:?}");
    // Without a trusted billing start the backdated order's at cannot move either: the server's
    // instant prices it.
    let backdated = BROWSER_ORDER.replace("2026-11-21T10:00:00Z", "2026-11-02T10:00:00Z");
    let err = verify(&backdated, &q(&backdated).to_json(), r#"{"at":"2026-11-21T10:00:30Z"}"#).unwrap_err();
    assert_eq!((err.code(), err.problems()[0].path.as_str()), (Code::QuoteExpired, "order.at"));
}

#[test]
fn a_tampered_amount_is_the_difference_at_the_servers_instant() {
    let quote = q(BROWSER_ORDER).to_json().replacen(
        r#""amount":"6.00","amountMinor":"600""#,
        r#""amount":"1.00","amountMinor":"600""#,
        1,
    );
    let check =
        verify(BROWSER_ORDER, &quote, &format!(r#"{{"at":"2026-11-21T10:00:42Z","customer":{ACCOUNT}}}"#))
            .unwrap();
    assert_eq!(paths(&check), ["quote.lines[0].amount"]);
}

#[test]
fn a_summary_verifies_and_a_changed_summary_says_where() {
    let catalog = demo();
    let summary =
        api::call_loaded(&catalog, "quoteSummary", &format!(r#"{{"order":{BROWSER_ORDER}}}"#)).unwrap();
    let trusted = format!(r#"{{"at":"2026-11-21T10:00:42Z","customer":{ACCOUNT}}}"#);
    assert_eq!(verify(BROWSER_ORDER, &summary, &trusted).unwrap().get("ok"), Some(&Value::Bool(true)));
    let changed = summary.replacen(r#""amount":"6.00""#, r#""amount":"1.00""#, 1);
    assert_eq!(paths(&verify(BROWSER_ORDER, &changed, &trusted).unwrap()), ["quote.lines[0].amount"]);
}

#[test]
fn the_age_limits_are_inclusive_at_their_edges() {
    let quote = q(BROWSER_ORDER).to_json();
    let at = |t: &str, extra: &str| verify(BROWSER_ORDER, &quote, &format!(r#"{{"at":"{t}"{extra}}}"#));
    assert!(at("2026-11-21T11:00:00Z", "").is_ok()); // 3,600 s: still fresh
    assert_eq!(at("2026-11-21T11:00:01Z", "").unwrap_err().code(), Code::QuoteExpired);
    assert!(at("2026-11-21T09:59:00Z", "").is_ok()); // the browser 60 s ahead
    assert_eq!(at("2026-11-21T09:58:59Z", "").unwrap_err().code(), Code::QuoteFromFuture);
    assert_eq!(at("2026-11-21T10:00:11Z", r#","maxAgeSeconds":10"#).unwrap_err().code(), Code::QuoteExpired);
    let bad = at("2026-11-21T10:00:11Z", r#","maxAgeSeconds":0"#).unwrap_err();
    assert_eq!(bad.problems()[0].path, "trusted.maxAgeSeconds");
}

#[test]
fn an_order_built_by_hand_with_an_unknown_region_is_refused() {
    // Orders read from JSON are checked against the catalog; one built in Rust may name
    // anything, and a quote borrows the catalog's own region id, so it refuses what has none.
    let c = demo();
    let text = format!(r#"{{{FINAL},"lines":[{{"product":"small","quantity":1}}]}}"#);
    let mut order = Order::from_json(&c, &text).unwrap();
    assert_eq!(quote(&c, &order).unwrap().lines[0].region, Some("us-east"));
    order.lines[0].region = Some("mars".into());
    let e = quote(&c, &order).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::UnknownRegion, "lines[0].region"));
}

/// One path scheme everywhere: a typed constructor (`Order::from_json`, ...) reports each
/// problem at the path the JSON API (and so JS and the CLI) gives it, the argument's name first.
#[test]
fn typed_constructors_report_the_json_apis_paths() {
    let catalog = demo();
    let paths = |e: ratecard::Error| e.problems().iter().map(|p| p.path.clone()).collect::<Vec<_>>();
    let order = r#"{"at": "yesterday", "lines": [{"product": "huge", "quantity": 1}], "x": 1}"#;
    let typed = paths(Order::from_json(&catalog, order).unwrap_err());
    assert_eq!(typed, ["order.x", "order.at", "order.lines[0].product"]);
    assert_eq!(typed, paths(err(order)));

    let request = r#"{"period": {"start": "2026-12-01", "end": "2026-11-01"}, "customer": {}, "items": []}"#;
    let typed = paths(ratecard::InvoiceRequest::from_json(&catalog, request).unwrap_err());
    assert!(typed.iter().all(|p| p.starts_with("request.")), "{typed:?}");
    let json = api::call("invoice", &format!(r#"{{"catalog":{DEMO_CATALOG},"request":{request}}}"#));
    assert_eq!(typed, paths(json.unwrap_err()));

    let table = r#"{"tiers": [{"upto": "10", "unitPrice": "1"}]}"#;
    let typed = paths(ratecard::TierTable::from_json(table).unwrap_err());
    assert_eq!(typed[0], "table.tiers[0].upto");
    let json = api::call("priceTiers", &format!(r#"{{"table":{table},"quantity":"1"}}"#));
    assert_eq!(typed, paths(json.unwrap_err()));

    // A catalog is a document of its own: its paths are relative to it, as validateCatalog's.
    let e = Catalog::from_json(r#"{"currencies": ["USD"], "defaultCurrency": "USD", "plans": [{"x": 1}]}"#);
    assert!(paths(e.unwrap_err()).contains(&"plans[0].x".to_string()));
}
