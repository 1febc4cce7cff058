//! Catalog sets (SPEC 16): pinning, moves of existing customers, the version named in every
//! answer, and the invariants that make versions safe to publish.

use ratecard::api::{self, Catalogs};
use ratecard::{Catalog, CatalogSet, Code, Value};
use sha2::{Digest, Sha256};

/// A catalog of one package `vm` on one default plan `basic`, priced `price` a `period`;
/// `plan` adds members to the plan (`,"existingCustomersFrom":...`).
fn catalog(price: &str, period: &str, plan: &str) -> String {
    format!(
        r#"{{"defaultCurrency":"USD","currencies":["USD"],
        "products":[{{"id":"vm","name":"VM","kind":"package","package":{{"cpu":"1","memoryMb":1024}}}}],
        "plans":[{{"id":"basic","name":"Basic","default":true{plan},"prices":[{{"product":"vm","phase":"final","currency":"USD","period":"{period}","tiers":[{{"upTo":null,"unitPrice":"{price}"}}]}}]}}]}}"#
    )
}

/// `{"versions":[...]}` of (name, effectiveFrom, catalog).
fn set(versions: &[(&str, &str, String)]) -> String {
    let items: Vec<String> = versions
        .iter()
        .map(|(v, from, c)| format!(r#"{{"version":"{v}","effectiveFrom":"{from}","catalog":{c}}}"#))
        .collect();
    format!(r#"{{"versions":[{}]}}"#, items.join(","))
}

fn invoice(catalog: &str, start: &str, end: &str, since: &str) -> Result<String, ratecard::Error> {
    let request = format!(
        r#"{{"period":{{"start":"{start}","end":"{end}"}},"customer":{{"billingStart":"{since}"}},"items":[{{"product":"vm","quantity":1}}]}}"#
    );
    api::call("invoice", &format!(r#"{{"catalog":{catalog},"request":{request}}}"#))
}

fn get<'v>(v: &'v Value, path: &[&str]) -> &'v Value {
    path.iter().fold(v, |v, key| match key.parse::<usize>() {
        Ok(i) => match v {
            Value::Array(items) => &items[i],
            _ => panic!("{key}: not a list"),
        },
        Err(_) => v.get(key).unwrap_or_else(|| panic!("no {key}")),
    })
}

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn the_demo_sets_first_version_is_the_demo_catalog() {
    let set = Value::parse(ratecard::DEMO_CATALOG_SET).unwrap();
    let demo = Value::parse(ratecard::DEMO_CATALOG).unwrap();
    assert_eq!(
        get(&set, &["versions", "0", "catalog"]),
        &demo,
        "catalogs/demo-set.json drifted from demo.json"
    );
    let loaded = CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
    let changes = ratecard::diff(&loaded.versions()[0].catalog, &loaded.versions()[1].catalog);
    let what: Vec<_> = changes.iter().map(|c| (c.change, c.what)).collect();
    assert_eq!(what, [("changed", "price"), ("changed", "move"), ("changed", "price")], "{changes:?}");
}

#[test]
fn a_versions_hash_is_the_sha256_of_its_public_view_in_the_browser_too() {
    let set = CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
    let public = CatalogSet::from_json(&set.public_json()).unwrap();
    for (full, shown) in set.versions().iter().zip(public.versions()) {
        let digest = Sha256::digest(full.catalog.public_view().to_json().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(full.hash, hex[..12], "{}", full.version);
        assert_eq!(shown.hash, full.hash, "the public view of {} hashes as the full catalog", full.version);
        // The public view of a public view is itself: what makes the hashes agree.
        assert_eq!(shown.catalog.public_view().to_json(), full.catalog.public_view().to_json());
    }
    assert_ne!(set.versions()[0].hash, set.versions()[1].hash);
}

#[test]
fn a_browser_quote_on_the_public_set_verifies_on_the_servers_full_set() {
    let server = CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
    let browser = CatalogSet::from_json(&server.public_json()).unwrap();
    let order = r#"{"at":"2027-05-20T10:00:00Z","customer":{"plan":"pro","region":"us-east","billingStart":"2026-11-02T00:00:00Z"},
        "lines":[{"product":"medium","quantity":2}]}"#;
    let quote = api::call_loaded(&browser, "quote", &format!(r#"{{"order":{order}}}"#)).unwrap();
    let q = Value::parse(&quote).unwrap();
    assert_eq!(text(get(&q, &["catalog", "version"])), "2026-01");
    // Pro: 2 x 10.80 now; from 1 June (the move of 15 May, at the next period) 2 x 11.40.
    assert_eq!(text(get(&q, &["amountDue"])), "21.60");
    assert_eq!(text(get(&q, &["timeline", "1", "start"])), "2027-06-01T00:00:00Z");
    assert_eq!(text(get(&q, &["timeline", "1", "amount"])), "22.80");
    assert_eq!(text(get(&q, &["timeline", "1", "version"])), "2027-03");
    let args = format!(r#"{{"order":{order},"quote":{quote},"trusted":{{"at":"2027-05-20T10:05:00Z"}}}}"#);
    assert_eq!(api::call_loaded(&server, "verifyQuote", &args).unwrap(), r#"{"ok":true,"differences":[]}"#);
    // The same quote checked against the newer version alone is refused, with the reason.
    let named = args.replace(r#""trusted":{"#, r#""trusted":{"catalogVersion":"2027-03","#);
    let e = api::call_loaded(&server, "verifyQuote", &named).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::CatalogVersionMismatch, "quote.catalog"));
    assert!(e.to_string().contains("\"2026-01\""), "{e}");
}

#[test]
fn trusted_fields_decide_the_version_a_browser_cannot() {
    let set = CatalogSet::from_json(&set(&[
        ("v1", "2026-01-01T00:00:00Z", catalog("10.00", "month", "")),
        ("v2", "2026-03-01T00:00:00Z", catalog("12.00", "month", "")),
    ]))
    .unwrap();
    let verify = |order: &str, trusted: &str| {
        let quote = api::call_loaded(&set, "quote", &format!(r#"{{"order":{order}}}"#)).unwrap();
        let args = format!(r#"{{"order":{order},"quote":{quote},"trusted":{trusted}}}"#);
        api::call_loaded(&set, "verifyQuote", &args)
    };
    // A customer since February names the cheaper v1... and then v2: the server's records win.
    let cheap = r#"{"catalogVersion":"v1","at":"2026-04-01T00:00:00Z","customer":{"billingStart":"2026-04-01T00:00:00Z"},"lines":[{"product":"vm","quantity":1}]}"#;
    let e = verify(cheap, r#"{"customer":{"billingStart":"2026-04-01T00:00:00Z"}}"#).unwrap_err();
    assert_eq!(e.code(), Code::CatalogVersionMismatch, "{e}");
    let e = verify(cheap, r#"{"catalogVersion":"v2"}"#).unwrap_err();
    assert_eq!(e.code(), Code::CatalogVersionMismatch, "{e}");
    assert_eq!(verify(cheap, r#"{"catalogVersion":"v1"}"#).unwrap(), r#"{"ok":true,"differences":[]}"#);
    // The differences the trusted fields make, before any quote is compared.
    let catalog = &set.versions()[0].catalog;
    let order = ratecard::Order::from_json(catalog, cheap).unwrap();
    let trusted =
        ratecard::Trusted::from_json(catalog, r#"{"customer":{"billingStart":"2026-04-01T00:00:00Z"}}"#)
            .unwrap();
    let (applied, differences) = trusted.apply(&order);
    assert_eq!(applied.catalog_version, None);
    assert_eq!(differences.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["catalogVersion"]);
    let trusted = ratecard::Trusted::from_json(catalog, r#"{"catalogVersion":"v2"}"#).unwrap();
    let (applied, differences) = trusted.apply(&order);
    assert_eq!(applied.catalog_version.as_deref(), Some("v2"));
    assert_eq!(differences[0].expected, Some(Value::String("v2".into())));
}

#[test]
fn a_move_keeps_the_customers_phase_clock_and_their_versions_settings() {
    // v1: a 14-day trial and a 30-day discount; v2 (instant move on 20 Jan) has a 60-day trial
    // and counts 700 hours a month. A customer since 1 Jan is in their discount phase on 20
    // Jan: the move neither sends them back to a trial nor changes how their hours are counted.
    let phases = r#","phases":{"trial":{"days":14},"discount":{"days":30}}"#;
    let v1 = catalog("7.30", "month", phases).replace(
        r#""tiers":[{"upTo":null,"unitPrice":"7.30"}]}]"#,
        r#""tiers":[{"upTo":null,"unitPrice":"7.30"}]},{"product":"vm","phase":"discount","currency":"USD","period":"month","tiers":[{"upTo":null,"unitPrice":"3.65"}]}]"#,
    );
    let v2 = catalog(
        "14.60",
        "month",
        r#","phases":{"trial":{"days":60}},"existingCustomersFrom":"2026-01-20T00:00:00Z","align":"instant""#,
    )
    .replace(r#""defaultCurrency""#, r#""hoursPerMonth":"700","defaultCurrency""#);
    let set = set(&[("v1", "2026-01-01T00:00:00Z", v1), ("v2", "2026-01-10T00:00:00Z", v2)]);
    let out = Value::parse(
        &invoice(&set, "2026-01-15T00:00:00Z", "2026-03-01T00:00:00Z", "2026-01-01T00:00:00Z").unwrap(),
    )
    .unwrap();
    let Value::Array(plans) = get(&out, &["plans"]) else { panic!() };
    let spans: Vec<_> =
        plans.iter().map(|p| (text(get(p, &["phase"])), text(get(p, &["version"])))).collect();
    // v2's plan has no discount phase: the customer stays in the phase they reached.
    assert_eq!(spans, [("discount", "v1"), ("discount", "v2")]);
    // 15-20 Jan: 120 h of v1's 3.65 over v1's 730 hours = 0.60; from 20 Jan (960 h to 1 Mar) at
    // v2's prices for the discount phase, which v2 lacks: unpriced, 0, and a warning.
    assert_eq!(text(get(&out, &["lines", "0", "segments", "0", "amount"])), "0.60");
    assert_eq!(text(get(&out, &["warnings", "0", "code"])), "NO_PRICE_RULE");
}

#[test]
fn the_newest_version_that_qualifies_wins_even_when_its_move_comes_first() {
    // v2 moves existing customers from 20 May, v3 from 10 May (instant): from 10 May it is v3,
    // and v2's later move never brings the customer back to v2's prices.
    let set = set(&[
        ("v1", "2026-01-01T00:00:00Z", catalog("1", "hour", "")),
        (
            "v2",
            "2026-02-01T00:00:00Z",
            catalog("2", "hour", r#","existingCustomersFrom":"2026-05-20T00:00:00Z","align":"instant""#),
        ),
        (
            "v3",
            "2026-03-01T00:00:00Z",
            catalog("3", "hour", r#","existingCustomersFrom":"2026-05-10T00:00:00Z","align":"instant""#),
        ),
    ]);
    let out = Value::parse(
        &invoice(&set, "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z", "2026-01-15T00:00:00Z").unwrap(),
    )
    .unwrap();
    let Value::Array(plans) = get(&out, &["plans"]) else { panic!() };
    let versions: Vec<_> =
        plans.iter().map(|p| (text(get(p, &["start"])), text(get(p, &["version"])))).collect();
    assert_eq!(versions, [("2026-05-01T00:00:00Z", "v1"), ("2026-05-10T00:00:00Z", "v3")]);
    // 216 h x 1 + 528 h x 3.
    assert_eq!(text(get(&out, &["amountDue"])), "1800.00");
}

#[test]
fn a_set_is_checked_as_a_whole_and_each_version_on_its_own() {
    let v = api::validate(&set(&[
        ("v1", "2026-02-01T00:00:00Z", catalog("1", "hour", "")),
        ("v1", "2026-01-01T00:00:00Z", catalog("-1", "hour", r#","align":"instant""#)),
    ]));
    let got: Vec<_> = v.errors.iter().map(|p| (p.code, p.path.as_str())).collect();
    assert_eq!(
        got,
        [
            (Code::NegativePrice, "versions[1].catalog.plans[0].prices[0].tiers[0].unitPrice"),
            (Code::MissingField, "versions[1].catalog.plans[0].existingCustomersFrom"),
        ],
        "{v:?}"
    );
    let v = api::validate(&set(&[
        ("v1", "2026-02-01T00:00:00Z", catalog("1", "hour", "")),
        ("v1", "2026-01-01T00:00:00Z", catalog("2", "hour", "")),
    ]));
    let got: Vec<_> = v.errors.iter().map(|p| (p.code, p.path.as_str())).collect();
    assert_eq!(
        got,
        [(Code::DuplicateId, "versions[1]"), (Code::ChangesOutOfOrder, "versions[1].effectiveFrom")]
    );
    let v = api::validate(r#"{"versions":[],"plans":[]}"#);
    let got: Vec<_> = v.errors.iter().map(|p| (p.code, p.path.as_str())).collect();
    assert_eq!(got, [(Code::UnknownField, "plans"), (Code::InvalidValue, "versions")]);
    assert!(Catalog::from_json(ratecard::DEMO_CATALOG_SET).is_err(), "a set is not one catalog");
}

#[test]
fn a_plain_catalog_answers_as_before_and_refuses_a_version() {
    let one = Catalog::from_json(&catalog("1", "hour", "")).unwrap();
    let order = r#"{"order":{"at":"2026-01-01T00:00:00Z","lines":[{"product":"vm","quantity":1}]}}"#;
    let quote = api::call_loaded(Catalogs::One(&one), "quote", order).unwrap();
    assert!(!quote.contains("\"catalog\"") && !quote.contains("\"version\""), "{quote}");
    let named = order.replace(r#""at""#, r#""catalogVersion":"v1","at""#);
    let e = api::call_loaded(&one, "quote", &named).unwrap_err();
    assert_eq!((e.code(), e.path()), (Code::UnknownCatalogVersion, "order.catalogVersion"));
}

/// Segment-exact prices (integers per hour) make every amount exact: a split bills exactly what
/// the whole does.
mod properties {
    #![cfg(not(target_arch = "wasm32"))]
    use super::*;
    use proptest::prelude::*;

    /// An instant `days` days and `hours` hours after 1 January 2026.
    fn instant(days: i64, hours: i64) -> String {
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        (t0 + chrono::TimeDelta::hours(days * 24 + hours)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The answer without what only a set's answers have (`catalog`, `version` members).
    fn unversioned(v: &Value) -> Value {
        match v {
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .filter(|(k, _)| k != "catalog" && k != "version")
                    .map(|(k, v)| (k.clone(), unversioned(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(unversioned).collect()),
            other => other.clone(),
        }
    }

    fn exact(invoice: &str) -> Decimal {
        text(get(&Value::parse(invoice).unwrap(), &["totals", "0", "exact"])).parse().unwrap()
    }

    use ratecard::Decimal;

    /// A version: its hourly price, the days since the one before, and whether (at which hour of
    /// 2026, aligned to the instant or not) it moves the plan's existing customers.
    type Version = (u32, i64, Option<(i64, bool)>);

    /// Versions of random hourly prices, each from a later day, each moving existing customers
    /// (or not) at a random instant, aligned either way.
    fn versions() -> impl Strategy<Value = Vec<Version>> {
        prop::collection::vec((1u32..500, 1i64..40, prop::option::of((0i64..2000, any::<bool>()))), 1..4)
    }

    fn build(versions: &[Version]) -> (String, Vec<i64>) {
        let mut day = 0;
        let mut days = Vec::new();
        let list: Vec<(String, String, String)> = versions
            .iter()
            .enumerate()
            .map(|(i, (price, gap, moves))| {
                if i > 0 {
                    day += gap;
                }
                days.push(day);
                let plan = match moves {
                    Some((h, instant_move)) if i > 0 => format!(
                        r#","existingCustomersFrom":"{}","align":"{}""#,
                        instant(0, *h),
                        if *instant_move { "instant" } else { "nextPeriod" }
                    ),
                    _ => String::new(),
                };
                (format!("v{i}"), instant(day, 0), catalog(&price.to_string(), "hour", &plan))
            })
            .collect();
        let refs: Vec<(&str, &str, String)> =
            list.iter().map(|(v, f, c)| (v.as_str(), f.as_str(), c.clone())).collect();
        (set(&refs), days)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// An invoice over a period split at a version's effectiveFrom (or anywhere) bills
        /// exactly what the whole period does: versions and moves cut, never change, the time.
        #[test]
        fn a_period_split_at_a_versions_effective_from_bills_the_same_as_whole(
            versions in versions(), since in 0i64..30, split in 1i64..1400, at_version in any::<bool>(),
        ) {
            let (set, days) = build(&versions);
            let since = instant(since, 0);
            let (start, end) = (instant(30, 0), instant(90, 0));
            let cut = match (at_version, days.iter().find(|d| **d > 30 && **d < 90)) {
                (true, Some(d)) => instant(*d, 0),
                _ => instant(30, split),
            };
            let whole = exact(&invoice(&set, &start, &end, &since).unwrap());
            let parts = exact(&invoice(&set, &start, &cut, &since).unwrap()) + exact(&invoice(&set, &cut, &end, &since).unwrap());
            prop_assert_eq!(whole, parts, "cut at {}", cut);
        }

        /// Until a move applies, a customer's invoices under the set are those of their
        /// version alone (less the members that name the version).
        #[test]
        fn until_a_move_a_customers_answers_are_their_versions_alone(versions in versions(), since in 0i64..120, length in 1i64..2000) {
            let (set, days) = build(&versions);
            let loaded = CatalogSet::from_json(&set).unwrap();
            let since_day = days[0] + since;
            let pinned = days.iter().rposition(|d| *d <= since_day).unwrap();
            // The first instant any newer version moves the plan.
            let first_move = loaded.versions()[pinned + 1..]
                .iter()
                .filter_map(|v| v.catalog.plan("basic")?.existing_customers)
                .map(|m| match m.align {
                    ratecard::Align::Instant => m.from,
                    ratecard::Align::NextPeriod => {
                        use chrono::Datelike;
                        let month = chrono::NaiveDate::from_ymd_opt(m.from.year(), m.from.month(), 1).unwrap()
                            .and_hms_opt(0, 0, 0).unwrap().and_utc();
                        if month == m.from { month } else { month + chrono::Months::new(1) }
                    }
                })
                .min();
            let (start, end) = (instant(since_day, 0), instant(since_day, length));
            let end_at: chrono::DateTime<chrono::Utc> = end.parse().unwrap();
            prop_assume!(first_move.is_none_or(|m| end_at <= m));
            let own = loaded.versions()[pinned].catalog.public_view().to_json();
            let versioned = Value::parse(&invoice(&set, &start, &end, &start).unwrap()).unwrap();
            let alone = Value::parse(&invoice(&own, &start, &end, &start).unwrap()).unwrap();
            prop_assert_eq!(text(get(&versioned, &["catalog", "version"])), format!("v{pinned}"));
            prop_assert_eq!(unversioned(&versioned), alone);
            // Quotes too, while no newer version moves the plan (a move ahead cuts the timeline).
            if first_move.is_none() {
                let quote = |catalog: &str| {
                    let order = format!(r#"{{"at":"{end}","customer":{{"billingStart":"{start}"}},"lines":[{{"product":"vm","quantity":1}}]}}"#);
                    Value::parse(&api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{order}}}"#)).unwrap()).unwrap()
                };
                prop_assert_eq!(unversioned(&quote(&set)), quote(&own));
            }
        }
    }
}
