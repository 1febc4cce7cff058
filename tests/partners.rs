//! Partner plans: validation rules, margins through the chain, assignment and the public view.
//! The demo catalog's partner data is worked through by hand in `tests/fixtures/partners.json`;
//! these tests add the rules that need Rust-side inspection or generated catalogs.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use ratecard::Value;
use ratecard::{api, Catalog, Code, Decimal, Environment, DEMO_CATALOG};

fn demo() -> Catalog {
    Catalog::from_json(DEMO_CATALOG).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A catalog with the given partners and plan types (JSON arrays).
fn catalog(partners: &str, plan_types: &str) -> Result<Catalog, ratecard::Error> {
    Catalog::from_json(&format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD","EUR"],"partners":{partners},"planTypes":{plan_types}}}"#
    ))
}

fn codes(e: &ratecard::Error) -> Vec<(&str, &str)> {
    e.problems().iter().map(|p| (p.code.as_str(), p.path.as_str())).collect()
}

const TREE: &str =
    r#"[{"id":"p","name":"P"},{"id":"a","name":"A","parent":"p"},{"id":"b","name":"B","parent":"a"}]"#;

fn plan_type(id: &str, owner: &str, parent: Option<&str>, fees: &[(&str, &str)], granted: &[&str]) -> String {
    let fees: Vec<String> = fees.iter().map(|(n, p)| format!(r#"{{"name":"{n}","price":"{p}"}}"#)).collect();
    let granted: Vec<String> = granted.iter().map(|g| format!("\"{g}\"")).collect();
    let parent = parent.map(|p| format!(r#""parent":"{p}","#)).unwrap_or_default();
    format!(
        r#"{{"id":"{id}","name":"{id}","owner":"{owner}",{parent}"fees":[{}],"currency":"USD","environments":["production"],"grantedTo":[{}]}}"#,
        fees.join(","),
        granted.join(",")
    )
}

#[test]
fn chain_profits_add_up_to_the_end_price() {
    let c = demo();
    let m = c.plan_margins("nordic-production", 1).unwrap();
    let owners: Vec<_> = m.chain.iter().map(|l| l.owner.as_deref().unwrap()).collect();
    assert_eq!(owners, ["platform", "acme", "nordic"]);
    let all: Decimal = m.chain.iter().map(|l| l.per_instance.profit).sum();
    assert_eq!(all, m.per_instance.price);
    let partners: Decimal = m.chain[1..].iter().map(|l| l.per_instance.profit).sum();
    assert_eq!(partners, m.per_instance.price - m.chain[0].per_instance.price);
    assert_eq!(partners, dec("73.50"));
    // Each level pays the owner of the level above exactly that level's price.
    for pair in m.chain.windows(2) {
        assert_eq!(pair[1].per_instance.cost, pair[0].per_instance.price);
        assert_eq!(pair[1].pays_to, pair[0].owner);
    }
    let fees: Decimal = m.fees.iter().map(|f| f.figures.profit).sum();
    assert_eq!(fees, m.per_instance.profit);
}

#[test]
fn a_fee_only_the_parent_has_counts_against_the_profit() {
    let types = [
        plan_type("root", "p", None, &[("Hosting", "50.00"), ("Backup", "5.00")], &["a"]),
        plan_type("mine", "a", Some("root"), &[("Hosting", "70.00")], &[]),
    ];
    let c = catalog(TREE, &format!("[{}]", types.join(","))).unwrap();
    let m = c.plan_margins("mine", 1).unwrap();
    let fees: Vec<_> =
        m.fees.iter().map(|f| (f.name.as_str(), f.figures.price, f.figures.cost, f.figures.profit)).collect();
    assert_eq!(
        fees,
        [
            ("Hosting", dec("70.00"), dec("50.00"), dec("20.00")),
            ("Backup", Decimal::ZERO, dec("5.00"), dec("-5.00"))
        ]
    );
    assert_eq!(m.per_instance.profit, dec("15.00"));
}

#[test]
fn grants_go_to_direct_sub_partners_only() {
    // "b" is a sub-partner of "a", not of the platform: the platform cannot skip "a".
    let types = [plan_type("root", "p", None, &[("Hosting", "1.00")], &["a", "b"])];
    let e = catalog(TREE, &format!("[{}]", types.join(","))).unwrap_err();
    assert_eq!(codes(&e), [("GRANT_NOT_SUB_PARTNER", "planTypes[0].grantedTo[1]")]);
}

#[test]
fn a_grant_lets_the_grantee_build_on_it_and_nobody_else() {
    let types = [
        plan_type("root", "p", None, &[("Hosting", "10.00")], &["a"]),
        plan_type("a-plan", "a", Some("root"), &[("Hosting", "12.00")], &[]),
        plan_type("b-plan", "b", Some("a-plan"), &[("Hosting", "13.00")], &[]),
        plan_type("b-root", "b", Some("root"), &[("Hosting", "13.00")], &[]),
    ];
    let e = catalog(TREE, &format!("[{}]", types.join(","))).unwrap_err();
    assert_eq!(
        codes(&e),
        [("PARENT_NOT_GRANTED", "planTypes[2].parent"), ("PARENT_NOT_GRANTED", "planTypes[3].parent")]
    );
}

#[test]
fn parent_cycles_are_reported_once_whatever_their_length() {
    for len in [1usize, 2, 50] {
        let mut types = vec![plan_type("root", "p", None, &[("Hosting", "1.00")], &["a"])];
        for i in 0..len {
            types.push(plan_type(
                &format!("t{i}"),
                "a",
                Some(&format!("t{}", (i + 1) % len)),
                &[("Hosting", "2.00")],
                &[],
            ));
        }
        let e = catalog(TREE, &format!("[{}]", types.join(","))).unwrap_err();
        assert_eq!(codes(&e), [("PARENT_CYCLE", "planTypes[1].parent")], "cycle of {len}");
        let message = &e.problems()[0].message;
        // Long cycles are named by their first members and their length, not all 50.
        assert_eq!(message.matches("\"t").count(), len.min(4) + 1, "{message}");
        assert_eq!(message.contains(&format!("({len} in all)")), len > 4, "{message}");
    }
    let partners =
        r#"[{"id":"p","name":"P"},{"id":"a","name":"A","parent":"b"},{"id":"b","name":"B","parent":"a"}]"#;
    let e = catalog(partners, "[]").unwrap_err();
    assert_eq!(codes(&e), [("PARENT_CYCLE", "partners[1].parent")]);
}

#[test]
fn plan_types_need_an_owner_when_there_are_partners() {
    let e = catalog(TREE, r#"[{"id":"x","name":"X","fees":[{"name":"Hosting","price":"1.00"}],"currency":"USD","environments":["dev"]}]"#)
        .unwrap_err();
    assert_eq!(codes(&e), [("MISSING_FIELD", "planTypes[0].owner")]);
    // Without partners (the public view) plan types stand alone.
    assert!(catalog("[]", r#"[{"id":"x","name":"X","fees":[{"name":"Hosting","price":"1.00"}],"currency":"USD","environments":["dev"]}]"#).is_ok());
}

#[test]
fn fees_are_strings_exact_in_the_currency() {
    let bad = r#"[{"id":"root","name":"R","owner":"p","fees":[{"name":"Hosting","price":110},{"name":"Setup","price":"0.5"},{"name":"Extra","price":"0.001"}],"currency":"USD","environments":["dev"],"recurring":"weekly"}]"#;
    let e = catalog(TREE, bad).unwrap_err();
    assert_eq!(
        codes(&e),
        [
            ("INEXACT_NUMBER", "planTypes[0].fees[0].price"),
            ("AMOUNT_PRECISION", "planTypes[0].fees[2].price"),
            ("INVALID_VALUE", "planTypes[0].recurring")
        ]
    );
    let e = catalog(TREE, r#"[{"id":"root","name":"R","owner":"p","fees":[{"name":"Hosting","price":"1"}],"currency":"GBP","environments":[]}]"#)
        .unwrap_err();
    assert_eq!(
        codes(&e),
        [("UNKNOWN_CURRENCY", "planTypes[0].currency"), ("INVALID_VALUE", "planTypes[0].environments")]
    );
}

#[test]
fn huge_fees_overflow_with_an_error_not_a_panic() {
    let max = "79228162514264337593543950335";
    let types = [
        plan_type("root", "p", None, &[("Hosting", max)], &["a"]),
        plan_type("two", "a", Some("root"), &[("Hosting", max), ("More", "1")], &[]),
    ];
    // Validation cannot add the fees up either: it skips the profit warning instead of failing.
    let c = catalog(TREE, &format!("[{}]", types.join(","))).unwrap();
    assert_eq!(c.plan_margins("two", 1).unwrap_err().code(), Code::Overflow);
    let e = api::call_loaded(&c, "planMargins", r#"{"planType":"root","instances":2}"#).unwrap_err();
    assert_eq!(e.code(), Code::Overflow);
}

#[test]
fn partner_margins_sum_the_partner_levels_of_every_chain() {
    let c = demo();
    let counts =
        BTreeMap::from([("acme-production-110".to_string(), 2), ("nordic-production".to_string(), 3)]);
    let m = c.partner_margins("platform", &counts).unwrap();
    let got: Vec<_> = m.plans.iter().map(|e| (e.plan_type.as_str(), e.profit_per_instance)).collect();
    // The platform earns its own fee on everything built on its plans (staging is unbilled).
    assert_eq!(
        got,
        [
            ("staging-unbilled", dec("0")),
            ("platform-production", dec("74")),
            ("acme-production-110", dec("74")),
            ("acme-staging", dec("0")),
            ("nordic-production", dec("74"))
        ]
    );
    let nordic = c.partner_margins("nordic", &BTreeMap::new()).unwrap();
    assert_eq!(nordic.plans.len(), 1);
    assert_eq!(nordic.plans[0].profit_per_instance, dec("37.50"));
    assert_eq!(c.partner_margins("acne", &BTreeMap::new()).unwrap_err().code(), Code::UnknownPartner);
    let typo = BTreeMap::from([("acme-prod".to_string(), 1)]);
    let e = c.partner_margins("acme", &typo).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::UnknownPlanType, "instances.acme-prod"));
}

#[test]
fn assignment_checks_owner_and_environment() {
    let c = demo();
    let ok = |t, o, e| c.check_assignment(t, o, e).unwrap().is_empty();
    assert!(ok("acme-production-110", "acme", Environment::Production)); // its own
    assert!(ok("acme-production-110", "nordic", Environment::Production)); // granted
    assert!(!ok("nordic-production", "acme", Environment::Production)); // not granted upwards
    assert!(!ok("platform-production", "nordic", Environment::Production)); // granted to acme only
    assert!(!ok("acme-staging", "acme", Environment::Production)); // staging, dev, qa only
    let e = c.check_assignment("nope", "acme", Environment::Dev).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::UnknownPlanType, "planType"));
}

/// Every amount in the margins of every plan type that a customer must not see: fees of
/// wholesale plan types, costs and profits. Zero is no secret; nor is an amount that is also
/// the public price of a retail plan type (a fee with no parent fee is its own profit).
fn private_amounts(c: &Catalog) -> Vec<Decimal> {
    let public: Vec<Decimal> = c
        .partners()
        .plan_types
        .iter()
        .filter(|t| !c.partners().plan_types.iter().any(|u| u.parent.as_deref() == Some(&t.id)))
        .flat_map(|t| t.fees.iter().map(|f| f.price).chain([t.price().unwrap()]))
        .collect();
    let mut private = Vec::new();
    for t in &c.partners().plan_types {
        let m = c.plan_margins(&t.id, 1).unwrap();
        for l in &m.chain {
            private.extend([l.per_instance.price, l.per_instance.cost, l.per_instance.profit]);
        }
        for f in &m.fees {
            private.extend([f.figures.price, f.figures.cost, f.figures.profit]);
        }
    }
    private.retain(|a| !a.is_zero() && !public.contains(a));
    private.sort();
    private.dedup();
    private
}

/// Every number in a JSON value (numbers and decimal strings), read as a decimal.
fn numbers_in(v: &Value, out: &mut Vec<Decimal>) {
    match v {
        Value::String(s) | Value::Number(s) => out.extend(s.parse::<Decimal>().ok()),
        Value::Array(items) => items.iter().for_each(|i| numbers_in(i, out)),
        // Percents (a tax rate's, a coupon's) are not amounts: a 21% VAT is no 21.00 profit.
        Value::Object(members) => members
            .iter()
            .filter(|(k, _)| k != "percent" && k != "percentOff")
            .for_each(|(_, m)| numbers_in(m, out)),
        _ => {}
    }
}

#[test]
fn the_public_view_contains_no_private_amount() {
    let c = demo();
    let private = private_amounts(&c);
    // 74 (the platform's production fee), 110 (acme's wholesale to nordic), 36 and 37.5 (profits)...
    for must in ["74", "110", "36", "37.5", "21"] {
        assert!(private.contains(&dec(must)), "{must} should be among {private:?}");
    }
    let text = c.public_view().to_json();
    let public = Value::parse(&text).unwrap();
    let mut found = Vec::new();
    numbers_in(&public, &mut found);
    assert!(found.contains(&dec("131.00")) && found.contains(&dec("14.90")), "retail fees stay public");
    for amount in &private {
        assert!(!found.contains(amount), "the public view contains the private amount {amount}");
    }
    for key in [
        "\"partners\"",
        "\"owner\"",
        "\"parent\"",
        "\"grantedTo\"",
        "acme-production-110",
        "platform-production",
    ] {
        assert!(!text.contains(key), "the public view contains {key}");
    }
    // It is a catalog in its own right, and quotes the same.
    let reloaded = Catalog::from_json(&text).unwrap();
    assert_eq!(reloaded.partners().plan_types.len(), 2);
    let order = r#"{"at":"2027-01-01","customer":{"region":"eu-west","currency":"EUR"},"lines":[{"product":"large","quantity":2}]}"#;
    assert_eq!(
        api::call_loaded(&c, "quote", &format!(r#"{{"order":{order}}}"#)).unwrap(),
        api::call_loaded(&reloaded, "quote", &format!(r#"{{"order":{order}}}"#)).unwrap()
    );
}

#[test]
fn the_public_view_keeps_the_catalog_as_written() {
    let c = demo();
    let public = Catalog::from_json(&c.public_view().to_json()).unwrap();
    assert_eq!(public.plans(), c.plans());
    assert_eq!(public.products(), c.products());
    assert_eq!(public.regions(), c.regions());
    assert_eq!(public.currencies(), c.currencies());
    assert_eq!(
        (public.rounding(), public.hours_per_month(), public.cap_hours(), public.phase_clock()),
        (c.rounding(), c.hours_per_month(), c.cap_hours(), c.phase_clock())
    );
}

/// SPEC 11: partner margins are before tax: a catalog's tax rates and mode change no plan
/// type's price, cost or profit (tax is never revenue).
#[test]
fn margins_are_before_tax() {
    let taxed = demo();
    assert!(!taxed.tax_rates().is_empty(), "the demo catalog has VAT rates");
    let untaxed_text =
        ratecard::DEMO_CATALOG.replacen(r#""taxRates": ["#, r#""taxMode": "inclusive", "unusedRates": ["#, 1);
    // The renamed list is an unknown field: the catalog without rates is the one without it.
    let start = untaxed_text.find(r#""unusedRates""#).unwrap();
    let end = start + untaxed_text[start..].find("],").unwrap() + 2;
    let untaxed = Catalog::from_json(&format!("{}{}", &untaxed_text[..start], &untaxed_text[end..])).unwrap();
    assert!(untaxed.tax_rates().is_empty());
    for t in &taxed.partners().plan_types {
        let a = taxed.plan_margins(&t.id, 3).unwrap().to_json().unwrap();
        let b = untaxed.plan_margins(&t.id, 3).unwrap().to_json().unwrap();
        assert_eq!(a, b, "{}", t.id);
    }
}
