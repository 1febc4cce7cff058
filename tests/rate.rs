//! Rating streams (SPEC 17, `ratecard rate`): each form of line against the call it stands for,
//! errors at the row's own paths, and the stream's rules (one answer a line, in order, flushed
//! after each block, flat memory on any line). Native only: streams are for native processes.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::io::{BufReader, Read, Write};
use std::rc::Rc;

use ratecard::api::{self, MAX_INPUT_BYTES};
use ratecard::rate::{RateFormat, Rater};
use ratecard::{Catalog, Value, DEMO_CATALOG};

fn demo() -> Catalog {
    Catalog::from_json(DEMO_CATALOG).unwrap()
}

fn json(text: &str) -> Value {
    Value::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The answer's error code and path, or `None` when it answered.
fn error(answer: &str) -> Option<(String, String)> {
    let v = json(answer);
    let e = v.get("error")?;
    let text = |k: &str| match e.get(k) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{k}: {other:?}"),
    };
    Some((text("code"), text("path")))
}

fn codes(warnings: Option<&Value>) -> Value {
    match warnings {
        Some(Value::Array(list)) => {
            Value::Array(list.iter().map(|w| w.get("code").cloned().unwrap()).collect())
        }
        other => panic!("{other:?}"),
    }
}

const CUSTOMERS: [&str; 4] = [
    r#""plan":"standard","currency":"USD","region":"us-east","billingStart":"2026-01-01T00:00:00Z""#,
    r#""plan":"pro","currency":"EUR","region":"eu-west","billingStart":"2026-11-01T00:00:00Z""#,
    r#""region":"ap-tokyo","billingStart":"2026-10-25T00:00:00Z""#,
    r#""plan":"standard","region":"us-east","billingStart":"2026-11-20T00:00:00Z""#,
];
const USES: [&str; 6] = [
    r#""product":"medium","quantity":"1""#,
    r#""product":"storage","quantity":"2500""#,
    r#""product":"cpu","quantity":"3""#,
    r#""product":"bandwidth","reading":"1800","previousReading":"300""#,
    r#""product":"bandwidth","reading":"100","previousReading":"900""#,
    r#""product":"backup","quantity":"0""#,
];

/// A row at an instant is the one-line quote of the same order: its line's figures, the
/// quote's phase and currency, the codes of its warnings.
#[test]
fn a_row_at_an_instant_is_the_one_line_quote_of_the_same_order() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Json);
    for customer in CUSTOMERS {
        for uses in USES {
            for at in ["2026-11-21T10:00:00Z", "2026-12-15T00:00:00Z", "2027-03-01T00:00:00Z"] {
                let row = rater.answer(&format!(r#"{{{customer},{uses},"at":"{at}"}}"#));
                let (customer_json, line) = (format!("{{{customer}}}"), format!("{{{uses}}}"));
                let mut customer_value = json(&customer_json);
                // The order's customer has no `customer` label; its lines carry the product.
                if let Value::Object(m) = &mut customer_value {
                    m.retain(|(k, _)| k != "customer");
                }
                let order = format!(
                    r#"{{"order":{{"at":"{at}","customer":{},"lines":[{line}]}}}}"#,
                    customer_value.to_json()
                );
                let quote = json(&api::call_loaded(&catalog, "quote", &order).unwrap());
                let first = &match quote.get("lines") {
                    Some(Value::Array(lines)) => lines,
                    other => panic!("{other:?}"),
                }[0];
                let rule = first.get("rule").and_then(|r| r.get("path")).cloned().unwrap_or(Value::Null);
                let expected = Value::Object(vec![
                    ("amount".into(), first.get("amount").cloned().unwrap()),
                    ("currency".into(), quote.get("currency").cloned().unwrap()),
                    ("hourly".into(), first.get("hourly").cloned().unwrap()),
                    ("monthly".into(), first.get("monthly").cloned().unwrap()),
                    ("phase".into(), quote.get("phase").cloned().unwrap()),
                    ("rule".into(), if rule == Value::Null { Value::Null } else { rule }),
                    ("warnings".into(), codes(quote.get("warnings"))),
                ]);
                assert_eq!(row, expected.to_json(), "{order}");
            }
        }
    }
}

/// A row for a period is the one-item invoice of the same request: its line's amount, the
/// invoice's currency, the phase and rule of its last segment.
#[test]
fn a_row_for_a_period_is_the_one_item_invoice_of_the_same_request() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Json);
    let period = r#"{"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}"#;
    let mut phases = std::collections::BTreeSet::new();
    for customer in &CUSTOMERS[..3] {
        for uses in USES {
            let row = rater.answer(&format!(r#"{{{customer},{uses},"period":{period}}}"#));
            let request = format!(
                r#"{{"request":{{"period":{period},"customer":{{{customer}}},"items":[{{{uses}}}]}}}}"#
            );
            let invoice = json(&api::call_loaded(&catalog, "invoice", &request).unwrap());
            let line = match invoice.get("lines") {
                Some(Value::Array(lines)) => lines[0].clone(),
                other => panic!("{other:?}"),
            };
            let last = match line.get("segments") {
                Some(Value::Array(segments)) => segments.last().cloned().unwrap(),
                other => panic!("{other:?}"),
            };
            phases.insert(last.get("phase").unwrap().to_json());
            let expected = Value::Object(vec![
                ("amount".into(), line.get("amount").cloned().unwrap()),
                ("currency".into(), invoice.get("currency").cloned().unwrap()),
                ("hourly".into(), Value::Null),
                ("monthly".into(), Value::Null),
                ("phase".into(), last.get("phase").cloned().unwrap()),
                ("rule".into(), last.get("rule").and_then(|r| r.get("path")).cloned().unwrap_or(Value::Null)),
                ("warnings".into(), codes(invoice.get("warnings"))),
            ]);
            assert_eq!(row, expected.to_json(), "{request}");
        }
    }
    // The customers end November in the final phase and in the discount.
    assert_eq!(phases.len(), 2, "{phases:?}");
}

/// 100 GB at 0.10 and 150 GB at 0.08 (standard, final, USD): 22.00 for the month; the demo
/// catalog rates a month over 672 hours, and November's 720 hours are capped at the month.
#[test]
fn a_row_gives_the_figures_worked_by_hand() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Json);
    let row = r#""plan":"standard","currency":"USD","region":"us-east","billingStart":"2026-01-01T00:00:00Z","product":"storage","quantity":"250""#;
    let at = json(&rater.answer(&format!(r#"{{{row},"at":"2026-11-21T10:00:00Z"}}"#)));
    assert_eq!(at.get("amount"), Some(&Value::str("22.00")));
    assert_eq!(at.get("monthly"), Some(&Value::str("22.00")));
    // 22 / 672 to 28 decimal places.
    assert_eq!(at.get("hourly"), Some(&Value::str("0.0327380952380952380952380952")));
    let period = r#""period":{"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}"#;
    let month = json(&rater.answer(&format!(r#"{{{row},{period}}}"#)));
    assert_eq!(month.get("amount"), Some(&Value::str("22.00")));
    let half = r#""period":{"start":"2026-11-01T00:00:00Z","end":"2026-11-15T00:00:00Z"}"#;
    // 336 hours of 672: half the month.
    let half = json(&rater.answer(&format!(r#"{{{row},{half}}}"#)));
    assert_eq!(half.get("amount"), Some(&Value::str("11.00")));
}

/// A call line answers what the call answers on the same catalog, byte for byte.
#[test]
fn a_call_line_answers_what_the_call_answers() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Json);
    let order = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/order.json")).unwrap();
    let request =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/invoice-request.json"))
            .unwrap();
    let table =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tier-table.json")).unwrap();
    let (order, request, table) = (json(&order).to_json(), json(&request).to_json(), json(&table).to_json());
    for (call, args) in [
        ("quote", format!(r#"{{"order":{order}}}"#)),
        ("invoice", format!(r#"{{"request":{request}}}"#)),
        ("priceTiers", format!(r#"{{"table":{table},"quantity":"2500","currency":"EUR"}}"#)),
    ] {
        let expected = match call {
            "priceTiers" => api::call(call, &args),
            _ => api::call_loaded(&catalog, call, &args),
        }
        .unwrap();
        assert_eq!(rater.answer(&format!(r#"{{"call":"{call}","args":{args}}}"#)), expected);
        assert!(error(&expected).is_none());
    }
    // A call's errors are at paths under args.
    let bad = rater.answer(r#"{"call":"quote","args":{"order":{"at":"2026-11-21T10:00:00Z","lines":[{"product":"huge","quantity":1}]}}}"#);
    assert_eq!(error(&bad), Some(("UNKNOWN_PRODUCT".into(), "args.order.lines[0].product".into())));
}

/// Every problem of a line, at the row's own paths.
#[test]
fn a_bad_line_is_answered_with_its_problems_at_the_rows_paths() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Json);
    let at = r#""at":"2026-11-21T10:00:00Z""#;
    let period = r#""period":{"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}"#;
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!(r#"{{"product":"huge","quantity":"1",{at}}}"#), vec![("UNKNOWN_PRODUCT", "product")]),
        (
            format!(r#"{{"product":"storage","quantity":"1","region":"mars","plan":"gold","extra":1,{at}}}"#),
            vec![("UNKNOWN_FIELD", "extra"), ("UNKNOWN_PLAN", "plan"), ("UNKNOWN_REGION", "region")],
        ),
        (format!(r#"{{"product":"small","reading":"4",{at}}}"#), vec![("NOT_METERED", "reading")]),
        (format!(r#"{{"product":"storage","quantity":"-1",{at}}}"#), vec![("NEGATIVE_QUANTITY", "quantity")]),
        (format!(r#"{{"product":"storage","quantity":1.5,{at}}}"#), vec![("INEXACT_NUMBER", "quantity")]),
        (r#"{"product":"storage","quantity":"1","at":"yesterday"}"#.into(), vec![("INVALID_DATE", "at")]),
        (format!(r#"{{"product":"storage","quantity":"1","billingStart":"2026-12-01T00:00:00Z",{at}}}"#), vec![("BILLING_START_AFTER_AT", "billingStart")]),
        (format!(r#"{{"product":"storage","quantity":"1",{period}}}"#), vec![("MISSING_FIELD", "billingStart")]),
        (
            r#"{"product":"storage","quantity":"1","billingStart":"2026-01-01T00:00:00Z","period":{"start":"2026-12-01T00:00:00Z","end":"2026-11-01T00:00:00Z"}}"#.into(),
            vec![("INVALID_PERIOD", "period.end")],
        ),
        (format!(r#"{{"product":"storage","quantity":"1",{at},{period}}}"#), vec![("INVALID_VALUE", "period")]),
        (r#"{"product":"storage","quantity":"1"}"#.into(), vec![("MISSING_FIELD", "at")]),
        (r#"{"product":"storage","quantity":"1","at":null,"period":null}"#.into(), vec![("MISSING_FIELD", "at")]),
        (format!(r#"{{"customer":7,"product":"storage","quantity":"1",{at}}}"#), vec![("INVALID_TYPE", "customer")]),
        (format!(r#"{{"args":{{}},"product":"storage","quantity":"1",{at}}}"#), vec![("UNKNOWN_FIELD", "args")]),
        (r#"{"call":"matrix","args":{}}"#.into(), vec![("INVALID_VALUE", "call")]),
        (r#"{"call":"quote"}"#.into(), vec![("MISSING_FIELD", "args")]),
        // A call whose line is wrong is not made.
        (r#"{"call":"quote","args":{},"plan":"pro"}"#.into(), vec![("UNKNOWN_FIELD", "plan")]),
        (r#"{"call":"quote","args":{}}"#.into(), vec![("MISSING_FIELD", "args.order")]),
        ("[1]".into(), vec![("INVALID_TYPE", "")]),
        ("".into(), vec![("INVALID_JSON", "")]),
        (format!(r#"{{"product":"storage","product":"small","quantity":"1",{at}}}"#), vec![("DUPLICATE_KEY", "product")]),
    ];
    for (line, expected) in cases {
        let answer = rater.answer(&line);
        let v = json(&answer);
        let problems: Vec<(String, String)> = match v.get("error").and_then(|e| e.get("problems")) {
            Some(Value::Array(list)) => list
                .iter()
                .map(|p| {
                    (
                        p.get("code").unwrap().to_json().replace('"', ""),
                        p.get("path").unwrap().to_json().replace('"', ""),
                    )
                })
                .collect(),
            other => panic!("{line}: {other:?}"),
        };
        let mut problems = problems;
        problems.sort();
        let mut expected: Vec<(String, String)> =
            expected.iter().map(|(c, p)| (c.to_string(), p.to_string())).collect();
        expected.sort();
        assert_eq!(problems, expected, "{line}: {answer}");
    }
    let not_utf8 = b"{\"product\":\"st\xFFrage\"}";
    let mut out = Vec::new();
    Rater::new(&catalog, RateFormat::Json).stream(&not_utf8[..], &mut out).unwrap();
    assert_eq!(
        error(std::str::from_utf8(&out).unwrap().trim_end()),
        Some(("INVALID_JSON".into(), "".into()))
    );
}

/// Wrapped answers (a ClickHouse function's return_name) hold the same answer, errors too.
#[test]
fn a_wrapped_answer_is_the_answer_under_its_key() {
    let catalog = demo();
    let row = r#"{"product":"storage","quantity":"250","region":"us-east","at":"2026-11-21T10:00:00Z"}"#;
    for line in [row, r#"{"product":"huge"}"#, "not json"] {
        let plain = Rater::new(&catalog, RateFormat::Json).answer(line);
        let wrapped = Rater::new(&catalog, RateFormat::Json).wrapped("result").answer(line);
        assert_eq!(wrapped, format!(r#"{{"result":{plain}}}"#));
        let odd = Rater::new(&catalog, RateFormat::Json).wrapped("a\"b").answer(line);
        assert_eq!(odd, format!(r#"{{"a\"b":{plain}}}"#));
    }
}

/// Tier rows: the rule's tiers at the quantity, rounded as the catalog rounds; empty columns
/// are the defaults; every problem at its column's name.
#[test]
fn a_tier_row_is_its_rules_amount_and_its_errors_name_their_column() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Tsv);
    for (row, expected) in [
        // 100 x 0.10 + 150 x 0.08; the same table again (the cache) at other quantities.
        ("standard\tstorage\tus-east\tUSD\tfinal\t250", "22.00"),
        ("standard\tstorage\tus-east\tUSD\tfinal\t100", "10.00"),
        ("standard\tstorage\tus-east\tUSD\tfinal\t2500", "157.00"),
        ("standard\tstorage\tus-east\tUSD\tfinal\t0", "0.00"),
        // The default plan and currency (standard, USD), no region, the final phase.
        ("\tstorage\t\t\t\t250", "22.00"),
        ("\\N\tstorage\t\\N\t\\N\t\\N\t250", "22.00"),
        ("standard\tstorage\tus-east\tUSD\tfinal\t-1", "error: quantity: NEGATIVE_QUANTITY: the quantity -1 is negative"),
        ("gold\tstorage\tus-east\tUSD\tfinal\t1", "error: plan: UNKNOWN_PLAN: the catalog has no plan \"gold\"; it has \"standard\", \"pro\""),
        ("standard\tstorage\tus-east\tUSD\tlater\t1", "error: phase: INVALID_VALUE: unknown phase \"later\"; known: trial, discount, final"),
        ("standard\tstorage\tus-east\tUSD\ttrial\t1", "error: NO_PRICE_RULE: plan \"standard\" has no trial rule for \"storage\" in USD and region \"us-east\""),
        ("standard\tstorage\tus-east\tUSD\tfinal", "error: INVALID_VALUE: 5 columns; a tier row has 6: plan, product, region, currency, phase, quantity"),
        ("standard\tstorage\tus-east\tUSD\tfinal\t1\\x", "error: quantity: INVALID_DECIMAL: \"1\\\\x\" is not a decimal number (expected digits with an optional '-' and '.', such as \"12.50\")"),
    ] {
        assert_eq!(rater.answer(row), expected, "{row}");
    }
    assert!(rater
        .answer("standard\thuge\tmars\tXYZ\tfinal\t1")
        .starts_with("error: product: UNKNOWN_PRODUCT: "));
}

/// A catalog that rounds half even rounds tier rows half even, on the integer path too.
#[test]
fn a_tier_row_rounds_as_its_catalog_rounds() {
    let text = DEMO_CATALOG.replacen(r#""rounding": "halfUp""#, r#""rounding": "halfEven""#, 1);
    assert_ne!(text, DEMO_CATALOG);
    let catalog = Catalog::from_json(&text).unwrap();
    let mut even = Rater::new(&catalog, RateFormat::Tsv);
    let demo = demo();
    let mut up = Rater::new(&demo, RateFormat::Tsv);
    // 0.125 GB of storage at 0.10: 0.0125, a tie at the cent.
    let row = "standard\tstorage\tus-east\tUSD\tfinal\t0.125";
    assert_eq!(up.answer(row), "0.01");
    assert_eq!(even.answer(row), "0.01");
    // 0.15 x 0.10 = 0.015: half up 0.02, half even 0.02; 0.25 x 0.10 = 0.025: 0.03 and 0.02.
    let row = "standard\tstorage\tus-east\tUSD\tfinal\t0.25";
    assert_eq!(up.answer(row), "0.03");
    assert_eq!(even.answer(row), "0.02");
}

/// Input in the blocks given, each read logged.
struct Blocks {
    blocks: Vec<&'static str>,
    log: Rc<RefCell<Vec<String>>>,
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.blocks.is_empty() {
            return Ok(0);
        }
        let block = self.blocks.remove(0);
        self.log.borrow_mut().push("read".to_string());
        buf[..block.len()].copy_from_slice(block.as_bytes());
        Ok(block.len())
    }
}

/// Output whose flushes are logged, with how many lines it had then.
struct Sink {
    written: Vec<u8>,
    log: Rc<RefCell<Vec<String>>>,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let lines = self.written.iter().filter(|&&b| b == b'\n').count();
        self.log.borrow_mut().push(format!("flushed {lines}"));
        Ok(())
    }
}

/// The answers to a block are flushed before the next block is read (a ClickHouse pool waits
/// for them); a line cut between blocks is answered once it ends; a last line without a line
/// end, an empty line and `\r\n` are lines like the others.
#[test]
fn each_block_is_answered_and_flushed_before_the_next_is_read() {
    let catalog = demo();
    let log = Rc::new(RefCell::new(Vec::new()));
    let input = Blocks {
        blocks: vec![
            "standard\tstorage\t\tUSD\tfinal\t1\n\tstorage\t\t\t\t2",
            "50\r\n\n",
            "\tstorage\t\t\t\t100",
        ],
        log: log.clone(),
    };
    let mut out = Sink { written: Vec::new(), log: log.clone() };
    let lines = Rater::new(&catalog, RateFormat::Tsv).stream(BufReader::new(input), &mut out).unwrap();
    assert_eq!(lines, 4);
    assert_eq!(
        String::from_utf8(out.written).unwrap(),
        "0.10\n22.00\nerror: INVALID_VALUE: 1 columns; a tier row has 6: plan, product, region, currency, phase, quantity\n10.00\n"
    );
    assert_eq!(*log.borrow(), ["read", "flushed 1", "read", "flushed 3", "read", "flushed 4"]);
}

/// A line past the limit is answered INPUT_TOO_LARGE without being kept, and the stream goes on.
#[test]
fn a_line_past_the_limit_is_answered_and_the_stream_goes_on() {
    let catalog = demo();
    let row = r#"{"product":"storage","quantity":"250","region":"us-east","at":"2026-11-21T10:00:00Z"}"#;
    let mut input = format!("{row}\n{{\"product\":\"");
    input.push_str(&"x".repeat(MAX_INPUT_BYTES + 10));
    input.push_str(&format!("\"}}\n{row}\n{{\"product\":\""));
    input.push_str(&"x".repeat(MAX_INPUT_BYTES + 10));
    let mut out = Vec::new();
    let lines =
        Rater::new(&catalog, RateFormat::Json).stream(BufReader::new(input.as_bytes()), &mut out).unwrap();
    assert_eq!(lines, 4);
    let answers: Vec<_> = std::str::from_utf8(&out).unwrap().lines().map(error).collect();
    let too_large = Some(("INPUT_TOO_LARGE".to_string(), String::new()));
    assert_eq!(answers, [None, too_large.clone(), None, too_large]);
}

/// Lines that the reader's buffer cuts in two are answered whole, once each.
#[test]
fn lines_cut_by_the_buffer_are_answered_whole() {
    let catalog = demo();
    // 41 bytes a line: the 4 KiB buffer cuts lines everywhere.
    let input = "standard\tstorage\tus-east\tUSD\tfinal\t250\n".repeat(10_000);
    let mut out = Vec::new();
    let reader = BufReader::with_capacity(4096, input.as_bytes());
    let lines = Rater::new(&catalog, RateFormat::Tsv).stream(reader, &mut out).unwrap();
    assert_eq!(lines, 10_000);
    assert_eq!(out, "22.00\n".repeat(10_000).as_bytes());
}

/// A row's packages give their allowances to its product as in the whole order or request: the
/// row's answer is that product's line of the order with the packages in it.
#[test]
fn a_rows_packages_give_their_allowances_as_in_the_whole_order() {
    let catalog = demo();
    let mut rater = Rater::new(&catalog, RateFormat::Json);
    let customer =
        r#""plan":"standard","currency":"USD","region":"us-east","billingStart":"2026-11-01T00:00:00Z""#;
    let period = r#"{"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}"#;
    for (packages, uses) in [
        (r#"["medium"]"#, r#""product":"storage","quantity":"250""#),
        (r#"["medium","small"]"#, r#""product":"bandwidth","reading":"1800","previousReading":"300""#),
        ("[]", r#""product":"storage","quantity":"250""#),
    ] {
        let ids: Vec<String> = match json(packages) {
            Value::Array(ids) => ids.iter().map(Value::to_json).collect(),
            other => panic!("{other:?}"),
        };
        let package_lines: Vec<String> =
            ids.iter().map(|id| format!(r#"{{"product":{id},"quantity":1}}"#)).collect();
        let lines = [package_lines.clone(), vec![format!("{{{uses}}}")]].concat().join(",");
        // At an instant: the product's line of the order's quote.
        let row =
            json(&rater.answer(&format!(
                r#"{{{customer},{uses},"packages":{packages},"at":"2026-11-21T10:00:00Z"}}"#
            )));
        let order = format!(
            r#"{{"order":{{"at":"2026-11-21T10:00:00Z","customer":{{{customer}}},"lines":[{lines}]}}}}"#
        );
        let quote = json(&api::call_loaded(&catalog, "quote", &order).unwrap());
        let Some(Value::Array(quoted)) = quote.get("lines") else { panic!("{quote:?}") };
        let line = &quoted[ids.len()];
        assert_eq!(row.get("amount"), line.get("amount"), "{order}");
        assert_eq!(row.get("monthly"), line.get("monthly"), "{order}");
        // For a period: the product's line of the request's invoice.
        let row =
            json(&rater.answer(&format!(r#"{{{customer},{uses},"packages":{packages},"period":{period}}}"#)));
        let request =
            format!(r#"{{"request":{{"period":{period},"customer":{{{customer}}},"items":[{lines}]}}}}"#);
        let bill = json(&api::call_loaded(&catalog, "invoice", &request).unwrap());
        let Some(Value::Array(billed)) = bill.get("lines") else { panic!("{bill:?}") };
        assert_eq!(row.get("amount"), billed[ids.len()].get("amount"), "{request}");
    }
    // 250 GB with medium's 25 GB included: 225 GB, 100 x 0.10 + 125 x 0.08 = 20.00 (SPEC 6).
    let with = json(&rater.answer(&format!(
        r#"{{{customer},"product":"storage","quantity":"250","packages":["medium"],"at":"2027-01-01T00:00:00Z"}}"#
    )));
    assert_eq!(with.get("amount"), Some(&Value::str("20.00")));
    let bad = rater.answer(&format!(
        r#"{{{customer},"product":"storage","quantity":"-1","packages":["storage","huge"],"at":"2027-01-01T00:00:00Z"}}"#
    ));
    let v = json(&bad);
    let Some(Value::Array(problems)) = v.get("error").and_then(|e| e.get("problems")) else {
        panic!("{bad}")
    };
    let found: Vec<String> = problems
        .iter()
        .map(|p| format!("{} {}", p.get("code").unwrap().to_json(), p.get("path").unwrap().to_json()))
        .collect();
    assert_eq!(
        found,
        [
            r#""INVALID_VALUE" "packages[0]""#,
            r#""UNKNOWN_PRODUCT" "packages[1]""#,
            r#""NEGATIVE_QUANTITY" "quantity""#
        ],
        "{bad}"
    );
}
