use super::*;
use crate::DEMO_CATALOG;

fn problems(json: &str) -> Vec<(String, String)> {
    match Catalog::from_json(json) {
        Ok(_) => vec![],
        Err(e) => e.problems().iter().map(|p| (p.code.as_str().to_string(), p.path.clone())).collect(),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

const BASE: &str = r#""defaultCurrency":"USD","currencies":["USD","JPY"],
    "regions":[{"id":"eu"},{"id":"us"}],
    "products":[{"id":"disk","name":"Disk","kind":"metered","resource":"storage","unitType":"GB"},
                {"id":"pkg","name":"Pkg","kind":"package","package":{"cpu":"0.5","memoryMb":512}}]"#;

#[test]
fn the_demo_catalog_is_valid_and_warning_free() {
    let c = Catalog::from_json(DEMO_CATALOG).unwrap();
    assert!(c.warnings().is_empty());
    assert_eq!(c.plans().len(), 2);
    assert_eq!(c.hours_per_month(), Decimal::from(730));
}

#[test]
fn every_problem_is_reported_at_once_with_its_path() {
    let got = problems(&format!(
        r#"{{{BASE},"plans":[
            {{"id":"a","name":"A","default":true,"prices":[
                {{"product":"disk","phase":"final","currency":"USD","period":"hour","tiers":[{{"upTo":"10","unitPrice":"1"}},{{"upTo":"5","unitPrice":"1"}}]}},
                {{"product":"nope","phase":"trial","currency":"EUR","regions":["mars"],"period":"hour","tiers":[{{"upTo":null,"unitPrice":"1"}}]}}
            ]}},
            {{"id":"a","name":"B","default":true}}
        ]}}"#
    ));
    assert_eq!(
        got,
        pairs(&[
            ("TIER_BOUNDS_NOT_INCREASING", "plans[0].prices[0].tiers[1].upTo"),
            ("UNKNOWN_PRODUCT", "plans[0].prices[1].product"),
            ("UNKNOWN_CURRENCY", "plans[0].prices[1].currency"),
            ("UNKNOWN_PHASE", "plans[0].prices[1].phase"),
            ("UNKNOWN_REGION", "plans[0].prices[1].regions[0]"),
            ("DUPLICATE_ID", "plans[1].id"),
            ("MULTIPLE_DEFAULT_PLANS", "plans[1].default"),
        ])
    );
}

#[test]
fn misspelled_and_unknown_fields_are_rejected_everywhere() {
    let got = problems(&format!(
        r#"{{{BASE},"plans":[{{"id":"a","name":"A","defualt":true,"phases":{{"trail":{{"days":1}}}},
            "prices":[{{"product":"disk","phase":"final","currency":"USD","period":"hour","tiers":[{{"upto":null,"unitPrice":"1"}}]}}]}}]}}"#
    ));
    assert_eq!(
        got,
        pairs(&[
            ("UNKNOWN_FIELD", "plans[0].defualt"),
            ("UNKNOWN_FIELD", "plans[0].phases.trail"),
            ("UNKNOWN_FIELD", "plans[0].prices[0].tiers[0].upto"),
            ("MISSING_FIELD", "plans[0].prices[0].tiers[0].upTo"),
        ])
    );
}

#[test]
fn two_rules_that_would_both_apply_are_ambiguous() {
    let rule = |regions: &str| {
        format!(
            r#"{{"product":"disk","phase":"final","currency":"USD"{regions},"period":"hour","tiers":[{{"upTo":null,"unitPrice":"1"}}]}}"#
        )
    };
    let catalog = |rules: &[String]| {
        format!(r#"{{{BASE},"plans":[{{"id":"a","name":"A","prices":[{}]}}]}}"#, rules.join(","))
    };
    // Region-less + region-specific: fine, the specific one wins.
    assert_eq!(problems(&catalog(&[rule(""), rule(r#","regions":["eu"]"#)])), vec![]);
    // Two region-less rules, or two naming the same region: ambiguous.
    assert_eq!(
        problems(&catalog(&[rule(""), rule("")])),
        pairs(&[("AMBIGUOUS_PRICE_RULE", "plans[0].prices[1]")])
    );
    assert_eq!(
        problems(&catalog(&[rule(r#","regions":["us","eu"]"#), rule(r#","regions":["eu"]"#)])),
        pairs(&[("AMBIGUOUS_PRICE_RULE", "plans[0].prices[1]")])
    );
    // Another currency or phase is another key.
    let jpy = rule("").replace("USD", "JPY");
    assert_eq!(problems(&catalog(&[rule(""), jpy])), vec![]);
}

#[test]
fn packages_and_metered_products_are_checked() {
    let got = problems(
        r#"{"defaultCurrency":"USD","currencies":["USD","USD","ABC"],"products":[
        {"id":"p","name":"P","kind":"package","package":{"cpu":"0.3","memoryMb":0,"storageGb":"-1"}},
        {"id":"m","name":"M","kind":"metered","resource":"storage","unitType":"MB","unit":"0"},
        {"id":"x","name":"X","kind":"package","resource":"cpu"}]}"#,
    );
    assert_eq!(
        got,
        pairs(&[
            ("UNKNOWN_CURRENCY", "currencies[2]"),
            ("INVALID_CPU", "products[0].package.cpu"),
            ("INVALID_VALUE", "products[0].package.memoryMb"),
            ("NEGATIVE_QUANTITY", "products[0].package.storageGb"),
            ("INVALID_VALUE", "products[1].unit"),
            ("ALLOWANCE_UNIT_MISMATCH", "products[1].unitType"),
            ("INVALID_VALUE", "products[2].resource"),
            ("MISSING_FIELD", "products[2].package"),
        ])
    );
    assert_eq!(
        problems(r#"{"defaultCurrency":"USD","currencies":["USD","USD"]}"#),
        pairs(&[("DUPLICATE_ID", "currencies[1]")])
    );
}

#[test]
fn custom_currencies_carry_their_exponent() {
    let c = Catalog::from_json(
        r#"{"defaultCurrency":"CREDIT","currencies":[],"customCurrencies":[{"code":"CREDIT","exponent":4}]}"#,
    )
    .unwrap();
    assert_eq!(c.default_currency().exponent(), 4);
    assert_eq!(
        problems(
            r#"{"defaultCurrency":"USD","currencies":["USD"],"customCurrencies":[{"code":"USD","exponent":2}]}"#
        ),
        pairs(&[("INVALID_VALUE", "customCurrencies[0].code")])
    );
}

#[test]
fn a_discount_not_longer_than_the_trial_is_a_warning() {
    let text = |clock: &str| {
        format!(
            r#"{{"defaultCurrency":"USD","currencies":["USD"],"phaseClock":"{clock}",
            "plans":[{{"id":"a","name":"A","phases":{{"trial":{{"days":30}},"discount":{{"days":30}}}}}}]}}"#
        )
    };
    let v = Catalog::validate(&text("billingStart"));
    assert!(v.is_valid());
    assert_eq!(v.warnings[0].code, Code::DiscountNeverReached);
    assert_eq!(v.warnings[0].path, "plans[0].phases.discount");
    assert!(Catalog::validate(&text("chained")).warnings.is_empty());
    // Months against months: one calendar month is never longer than another from one start.
    let months = |trial: u32, discount: u32| {
        let text = format!(
            r#"{{"defaultCurrency":"USD","currencies":["USD"],
            "plans":[{{"id":"a","name":"A","phases":{{"trial":{{"months":{trial}}},"discount":{{"months":{discount}}}}}}}]}}"#
        );
        Catalog::validate(&text).warnings.iter().map(|w| w.code).collect::<Vec<_>>()
    };
    assert_eq!(months(1, 1), [Code::DiscountNeverReached]);
    assert_eq!(months(2, 1), [Code::DiscountNeverReached]);
    assert!(months(1, 2).is_empty());
}

#[test]
fn a_broken_rule_does_not_hide_ambiguous_rules_elsewhere() {
    let rule = |product: &str| {
        format!(
            r#"{{"product":"{product}","phase":"final","currency":"USD","period":"hour","tiers":[{{"upTo":null,"unitPrice":"1"}}]}}"#
        )
    };
    let got = problems(&format!(
        r#"{{{BASE},"plans":[{{"id":"a","name":"A","prices":[{},{},{}]}},{{"id":"b","name":"B","prices":[{},{}]}}]}}"#,
        rule("nope"),
        rule("disk"),
        rule("disk"),
        rule("pkg"),
        rule("pkg"),
    ));
    assert_eq!(
        got,
        pairs(&[
            ("UNKNOWN_PRODUCT", "plans[0].prices[0].product"),
            ("AMBIGUOUS_PRICE_RULE", "plans[0].prices[2]"),
            ("AMBIGUOUS_PRICE_RULE", "plans[1].prices[1]"),
        ])
    );
}

#[test]
fn a_broken_product_is_reported_once_not_by_every_rule_naming_it() {
    let rules: Vec<String> = (0..13)
        .map(|i| {
            format!(
                r#"{{"product":"disk","phase":"final","currency":"USD","regions":["{}"],"period":"hour","tiers":[{{"upTo":null,"unitPrice":"{i}"}}]}}"#,
                if i % 2 == 0 { "eu" } else { "us" }
            )
        })
        .collect();
    let text = format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD","EUX"],"regions":[{{"id":"eu"}},{{"id":"us"}}],
        "products":[{{"id":"disk","name":"Disk","kind":"metered","resource":"storage","unitType":"GB","unit":"0"}}],
        "plans":[{{"id":"a","name":"A","prices":[{}]}}]}}"#,
        rules[..2].join(",")
    );
    assert_eq!(
        problems(&text),
        pairs(&[("UNKNOWN_CURRENCY", "currencies[1]"), ("INVALID_VALUE", "products[0].unit")])
    );
}

#[test]
fn a_cpu_too_large_to_count_in_quarters_is_an_error_not_a_panic() {
    let text = format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD"],"products":[{{"id":"p","name":"P","kind":"package",
        "package":{{"cpu":"{}","memoryMb":"1"}}}}]}}"#,
        Decimal::MAX
    );
    assert_eq!(problems(&text), pairs(&[("INVALID_CPU", "products[0].package.cpu")]));
}

#[test]
fn problems_stop_at_the_cap_with_one_last_problem_saying_so() {
    let fields: Vec<String> = (0..5000).map(|i| format!(r#""x{i}":1"#)).collect();
    let e = Catalog::from_json(&format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD"],{}}}"#,
        fields.join(",")
    ))
    .unwrap_err();
    assert_eq!(e.problems().len(), crate::MAX_PROBLEMS + 1);
    assert_eq!(e.problems()[999].path, "x999");
    let last = e.problems().last().unwrap();
    assert_eq!((last.code, last.path.as_str()), (Code::TooManyProblems, ""));
}

#[test]
fn durations_need_exactly_one_positive_unit() {
    let plan = |phases: &str| {
        format!(
            r#"{{"defaultCurrency":"USD","currencies":["USD"],"plans":[{{"id":"a","name":"A","phases":{phases}}}]}}"#
        )
    };
    assert_eq!(
        problems(&plan(r#"{"trial":{"days":1,"hours":2}}"#)),
        pairs(&[("INVALID_VALUE", "plans[0].phases.trial")])
    );
    assert_eq!(
        problems(&plan(r#"{"trial":{"days":0}}"#)),
        pairs(&[("INVALID_VALUE", "plans[0].phases.trial.days")])
    );
    assert_eq!(
        problems(&plan(r#"{"trial":{"days":-3}}"#)),
        pairs(&[("INVALID_VALUE", "plans[0].phases.trial.days")])
    );
}

#[test]
fn ten_thousand_rules_across_twenty_regions_validate() {
    let rules: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"product":"p{}","phase":"final","currency":"USD","period":"hour","tiers":[{{"upTo":"10","unitPrice":"0.{i}"}},{{"upTo":null,"unitPrice":"1"}}]}}"#,
                i % 500
            )
            .replace(r#""phase":"final","currency":"USD""#, &format!(r#""phase":"final","currency":"USD","regions":["r{}"]"#, i / 500))
        })
        .collect();
    let products: Vec<String> = (0..500)
        .map(|i| format!(r#"{{"id":"p{i}","name":"P","kind":"metered","resource":"cpu","unitType":"CORE"}}"#))
        .collect();
    let regions: Vec<String> = (0..20).map(|i| format!(r#"{{"id":"r{i}"}}"#)).collect();
    let text = format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD"],"regions":[{}],"products":[{}],"plans":[{{"id":"a","name":"A","prices":[{}]}}]}}"#,
        regions.join(","),
        products.join(","),
        rules.join(",")
    );
    let c = Catalog::from_json(&text).unwrap();
    assert_eq!(c.plans()[0].prices.len(), 10_000);
}

#[test]
fn look_alike_ids_are_refused_so_one_id_means_one_thing() {
    let product = |id: &str| {
        format!(
            r#"{{"id":{},"name":"P","kind":"metered","resource":"cpu","unitType":"CORE"}}"#,
            crate::verify::Value::str(id).to_json()
        )
    };
    let ids = [
        "caf\u{e9}",
        "cafe\u{301}",
        "small\u{200b}",
        "a\nb",
        "x\u{202e}y",
        "nul\u{0}",
        "\u{feff}bom",
        "q\u{303}",
    ];
    let text = format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD"],"products":[{}]}}"#,
        ids.iter().map(|id| product(id)).collect::<Vec<_>>().join(",")
    );
    let got = problems(&text);
    let bad: Vec<&str> = got
        .iter()
        .map(|(code, path)| {
            assert_eq!(code, "INVALID_ID");
            path.as_str()
        })
        .collect();
    // café composed is NFC; decomposed it is not. q + combining tilde has no composed form: it
    // is refused too (ids hold no combining marks at all).
    assert_eq!(
        bad,
        [
            "products[1].id",
            "products[2].id",
            "products[3].id",
            "products[4].id",
            "products[5].id",
            "products[6].id",
            "products[7].id"
        ]
    );
    let e = Catalog::from_json(&text).unwrap_err();
    assert!(e.problems()[0].message.contains("U+0301"), "{}", e.problems()[0].message);
}

#[test]
fn terminal_safe_text_cannot_forge_a_line() {
    let forged = "x\nratecard: catalog.json: plans[0]: OK: fine\u{1b}[2J\u{202e}";
    let safe = crate::terminal_safe(forged);
    assert!(!safe.chars().any(|c| c.is_control() || crate::is_control_or_format(c)));
    assert_eq!(safe, "x\\nratecard: catalog.json: plans[0]: OK: fine\\u{1b}[2J\\u{202e}");
    assert_eq!(crate::terminal_safe("a\\b"), "a\\\\b", "a backslash is escaped, so escapes are unambiguous");
}

#[test]
fn a_minimum_commitment_names_each_currency_once() {
    let catalog = format!(
        r#"{{{BASE},"plans":[{{"id":"p","name":"P","default":true,
            "minimumCommitment":{{"USD":"50.00","JPY":"5000","USD":"60.00"}}}}]}}"#
    );
    assert_eq!(problems(&catalog), pairs(&[("DUPLICATE_KEY", "plans[0].minimumCommitment.USD")]));
    let once = catalog.replacen(r#","USD":"60.00""#, "", 1);
    let plan = Catalog::from_json(&once).unwrap().plans()[0].clone();
    let usd = Currency::iso("USD").unwrap();
    assert_eq!(plan.commitment_in(&usd).map(|m| m.amount().to_string()), Some("50.00".to_string()));
    assert_eq!(plan.minimum_commitment.len(), 2);
}

#[test]
fn a_seller_has_a_name_and_only_the_details_it_knows_and_the_public_view_keeps_them() {
    let with = |seller: &str| format!(r#"{{{BASE},"seller":{seller}}}"#);
    assert_eq!(
        problems(&with(r#"{"address":" ","fax":"1"}"#)),
        pairs(&[
            ("UNKNOWN_FIELD", "seller.fax"),
            ("MISSING_FIELD", "seller.name"),
            ("INVALID_VALUE", "seller.address")
        ])
    );
    let c = Catalog::from_json(&with(r#"{"name":"Acme Hosting","taxId":"IE6388047V"}"#)).unwrap();
    let seller = c.seller().unwrap();
    assert_eq!(
        (seller.name.as_str(), seller.tax_id.as_deref(), seller.email.as_deref()),
        ("Acme Hosting", Some("IE6388047V"), None)
    );
    assert!(c.public_view().to_json().contains(r#""seller":{"name":"Acme Hosting","taxId":"IE6388047V"}"#));
    assert!(Catalog::from_json(&format!("{{{BASE}}}")).unwrap().seller().is_none());
}
