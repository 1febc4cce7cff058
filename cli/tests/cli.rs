//! The `ratecard` binary as an operator runs it: outputs, exit codes and hostile input.
//! (`tests/js/cli.test.mjs` runs it on every shared fixture and compares with the wasm build.)

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../catalogs/demo.json");

const ORDER: &str = r#"{"at":"2027-01-01T00:00:00Z","customer":{"region":"us-east","billingStart":"2026-11-01T00:00:00Z"},
  "lines":[{"product":"medium","quantity":1},{"product":"storage","quantity":"250"}]}"#;

fn ratecard(args: &[&str]) -> Output {
    ratecard_with_stdin(args, b"")
}

fn ratecard_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ratecard"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command that does not read standard input may exit before it is written.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("the binary finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A scratch file under the target directory, unique per test.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Exit 1 with a clear message on standard error, and no panic.
fn assert_clean_failure(o: &Output, expect_in_stderr: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains(expect_in_stderr), "expected {expect_in_stderr:?} in {err:?}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn quote_prints_the_library_json_byte_for_byte() {
    let order = scratch("order.json", ORDER.as_bytes());
    let o = ratecard(&["quote", DEMO, order.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let catalog = std::fs::read_to_string(DEMO).unwrap();
    let expected =
        ratecard::api::call("quote", &format!(r#"{{"catalog":{catalog},"order":{ORDER}}}"#)).unwrap();
    assert_eq!(stdout(&o), expected + "\n");
}

#[test]
fn standard_input_stands_in_for_any_file() {
    let o = ratecard_with_stdin(&["quote", DEMO, "-"], ORDER.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""amount":"32.00""#), "medium 12.00 + 225 GB storage 20.00");
    let catalog = std::fs::read(DEMO).unwrap();
    let o = ratecard_with_stdin(&["validate", "-"], &catalog);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn validate_lists_every_problem_and_exits_1() {
    let bad = scratch(
        "bad-catalog.json",
        br#"{"defaultCurrency":"USD","currencies":["USD"],"plans":[{"id":"a","nme":"A"}],"planTypes":[{"id":"x"}]}"#,
    );
    let o = ratecard(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for expected in
        ["plans[0].nme: UNKNOWN_FIELD", "plans[0].name: MISSING_FIELD", "planTypes[0].fees: MISSING_FIELD"]
    {
        assert!(out.contains(expected), "{expected} in {out}");
    }
    assert!(out.ends_with("invalid: 6 errors, 0 warnings\n"), "{out}");
    let o = ratecard(&["validate", "--format", "json", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with(r#"{"valid":false,"errors":[{"code":"UNKNOWN_FIELD","path":"plans[0].nme""#)
    );
}

#[test]
fn verify_exits_1_and_lists_the_differences() {
    let order = scratch("verify-order.json", ORDER.as_bytes());
    let good = ratecard(&["quote", DEMO, order.to_str().unwrap()]);
    let quote = scratch("good-quote.json", &good.stdout);
    let o = ratecard(&["verify", DEMO, order.to_str().unwrap(), quote.to_str().unwrap()]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "ok: the quote matches\n"));
    let tampered = stdout(&good).replace(r#""amount":"32.00""#, r#""amount":"3.20""#);
    let quote = scratch("tampered-quote.json", tampered.as_bytes());
    let o = ratecard(&["verify", DEMO, order.to_str().unwrap(), quote.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("quote.totals[0].amount    \"32.00\"   \"3.20\""), "{}", stdout(&o));
    // The server's own billing start: the order (and its good quote) said another one.
    let trusted = scratch("trusted.json", br#"{"customer":{"billingStart":"2026-12-31T00:00:00Z"}}"#);
    let good = scratch("good-quote-2.json", &ratecard(&["quote", DEMO, order.to_str().unwrap()]).stdout);
    let o = ratecard(&[
        "verify",
        DEMO,
        order.to_str().unwrap(),
        good.to_str().unwrap(),
        "--trusted",
        trusted.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("order.customer.billingStart"), "{}", stdout(&o));
}

#[test]
fn matrix_formats() {
    let csv = ratecard(&[
        "matrix",
        DEMO,
        "--currency",
        "JPY",
        "--region",
        "ap-tokyo",
        "--phase",
        "final",
        "--format",
        "csv",
    ]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("product,region,currency,phase,rule,tiered,unitPrice,hourly,monthly,amount")
    );
    let small = lines.next().unwrap();
    assert!(small.starts_with("small,ap-tokyo,JPY,final,plans[0].prices[3],false,750,"), "{small}");
    assert!(small.ends_with(",750,750"), "{small}");
    assert_eq!(text.lines().count(), 1 + 9, "a header and one row per product");
    let table = stdout(&ratecard(&["matrix", DEMO, "--plan", "pro", "--currency", "USD"]));
    assert!(table.starts_with("product "), "{table}");
    let e = ratecard(&["matrix", DEMO, "--plan", "prro"]);
    assert_clean_failure(
        &e,
        "demo.json: options.plan: UNKNOWN_PLAN: the catalog has no plan \"prro\"; did you mean \"pro\"?",
    );
    // Tables: prices in the currency's digits, hourly figures to four significant digits (the
    // full figures are in JSON and CSV).
    let usd =
        stdout(&ratecard(&["matrix", DEMO, "--currency", "USD", "--region", "us-east", "--phase", "final"]));
    let medium = usd.lines().find(|l| l.starts_with("medium ")).unwrap();
    let cells: Vec<&str> = medium.split_whitespace().collect();
    // Under the demo catalog's monthly cap, 12.00 / 672 an hour.
    assert_eq!(cells[4..], ["12.00", "0.01786", "12.00"], "{usd}");
    let memory = usd.lines().find(|l| l.starts_with("memory ")).unwrap();
    // An hourly price per MB: a month of it at most 0.0000068 x 672 hours = 0.0045696, not "0.00".
    assert_eq!(
        memory.split_whitespace().collect::<Vec<_>>()[4..],
        ["0.0000068", "0.0000068", "0.0045696"],
        "{memory}"
    );
}

#[test]
fn margins_public_and_tiers() {
    let m = ratecard(&["margins", DEMO, "acme-production-110", "--format", "json"]);
    assert!(stdout(&m).contains(r#""price":"110.00","cost":"74.00","profit":"36.00""#), "{}", stdout(&m));
    let table = stdout(&ratecard(&["margins", DEMO, "nordic-production", "--instances", "12"]));
    assert!(table.contains("12 instances  1770.00  1320.00  450.00"), "{table}");
    // The unknown id is the catalog's lack: named after the catalog file, with the closest id.
    assert_clean_failure(
        &ratecard(&["margins", DEMO, "nordic-prod"]),
        "demo.json: planType: UNKNOWN_PLAN_TYPE: the catalog has no plan type \"nordic-prod\"; did you mean \"nordic-production\"?",
    );
    let partner = ratecard(&[
        "margins",
        DEMO,
        "--partner",
        "acme",
        "--instances",
        "acme-production-110=5",
        "--instances",
        "nordic-production=12",
    ]);
    assert_eq!(partner.status.code(), Some(0), "{}", stderr(&partner));
    assert!(stdout(&partner).contains("total profit 612.00 USD"), "{}", stdout(&partner));
    assert_eq!(ratecard(&["margins", DEMO, "--partner", "acme", "--instances", "5"]).status.code(), Some(2));

    let refused =
        ratecard(&["assign", DEMO, "acme-production-110", "--owner", "platform", "--environment", "dev"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).contains("PLAN_TYPE_NOT_GRANTED")
            && stdout(&refused).contains("ENVIRONMENT_NOT_ALLOWED")
    );
    let allowed = ratecard(&[
        "assign",
        DEMO,
        "acme-production-110",
        "--owner",
        "nordic",
        "--environment",
        "production",
    ]);
    assert_eq!((allowed.status.code(), stdout(&allowed)), (Some(0), "allowed\n".to_string()));

    let public = stdout(&ratecard(&["public", DEMO]));
    assert!(!public.contains("\"74.00\"") && !public.contains("\"partners\""));
    assert!(ratecard::Catalog::from_json(&public).is_ok());

    let table = scratch("storage.json", br#"{"mode":"graduated","tiers":[{"upTo":"100","unitPrice":"0.10"},{"upTo":null,"unitPrice":"0.08"}]}"#);
    let o = ratecard(&["tiers", table.to_str().unwrap(), "250", "--currency", "USD"]);
    assert!(stdout(&o).ends_with("\n22.00 USD for a quantity of 250\n"), "{}", stdout(&o));
    // Tiers count from 1, as on the order form; prices in the currency's digits.
    assert!(stdout(&o).contains("\n   1     0    100       100        0.10"), "{}", stdout(&o));
    let many = stdout(&ratecard(&["tiers", table.to_str().unwrap(), "250", "1000", "--currency", "USD"]));
    assert_eq!(many, "quantity  amount  currency\n     250   22.00  USD\n    1000   82.00  USD\n");
    let o = ratecard(&["tiers", table.to_str().unwrap(), "-5"]);
    assert_clean_failure(&o, "quantity: NEGATIVE_QUANTITY");
}

#[test]
fn hostile_files_fail_cleanly() {
    let missing = ratecard(&["validate", "/nonexistent/catalog.json"]);
    assert_clean_failure(&missing, "/nonexistent/catalog.json: IO_ERROR: no such file");
    let dir = ratecard(&["validate", env!("CARGO_MANIFEST_DIR")]);
    assert_clean_failure(&dir, "IO_ERROR: is a directory");

    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let path = scratch("garbage.bin", &garbage);
    assert_clean_failure(&ratecard(&["validate", path.to_str().unwrap()]), "INVALID_JSON: not UTF-8 text");
    let latin1 = scratch("latin1.json", b"{\"name\":\"caf\xe9\"}");
    assert_clean_failure(&ratecard(&["public", latin1.to_str().unwrap()]), "invalid byte at offset 12");

    let invalid = scratch("invalid.json", b"{\"defaultCurrency\": \"USD\",}");
    assert_clean_failure(
        &ratecard(&["public", invalid.to_str().unwrap()]),
        "INVALID_JSON: invalid JSON: trailing comma at line 1 column 27",
    );

    // 50 MB is refused from its size, before it is read.
    let big = scratch("big.json", &vec![b' '; 50 << 20]);
    assert_clean_failure(&ratecard(&["validate", big.to_str().unwrap()]), "INPUT_TOO_LARGE");
    std::fs::remove_file(big).unwrap();
    let o = ratecard_with_stdin(&["validate", "-"], &vec![b' '; (16 << 20) + 10]);
    assert_clean_failure(&o, "INPUT_TOO_LARGE");

    let deep = "[".repeat(10_000);
    let o = ratecard_with_stdin(&["tiers", "-", "1"], deep.as_bytes());
    assert_clean_failure(&o, "JSON_TOO_DEEP");
}

#[test]
fn usage_errors_exit_2_and_help_is_complete() {
    assert_eq!(ratecard(&[]).status.code(), Some(2));
    assert_eq!(ratecard(&["quote", DEMO]).status.code(), Some(2));
    assert_eq!(ratecard(&["matrix", DEMO, "--format", "xml"]).status.code(), Some(2));
    assert_eq!(ratecard(&["margins", DEMO, "x", "--instances", "-1"]).status.code(), Some(2));
    let help = ratecard(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = stdout(&help);
    for command in [
        "validate",
        "quote",
        "verify",
        "matrix",
        "margins",
        "public",
        "tiers",
        "Exit codes:",
        "standard input",
    ] {
        assert!(text.contains(command), "--help mentions {command}");
    }
    let matrix = stdout(&ratecard(&["matrix", "--help"]));
    for option in ["--plan", "--currency", "--region", "--phase", "--format", "csv"] {
        assert!(matrix.contains(option), "matrix --help mentions {option}");
    }
    let version = stdout(&ratecard(&["--version"]));
    assert_eq!(version.trim(), format!("ratecard {}", ratecard::VERSION));
}

#[test]
fn error_lines_escape_what_they_quote_so_input_cannot_forge_a_line() {
    // An unknown key holding a newline, a fake error line and a terminal escape sequence.
    let key = "x\\nratecard: catalog.json: OK: all fine\\u001b[2J\\u202e";
    let order = format!(r#"{{"at":"2027-01-01","lines":[],"{key}":1}}"#);
    let o = ratecard_with_stdin(&["quote", DEMO, "-"], order.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one problem, one line: {err:?}");
    assert!(!err.trim_end().chars().any(|c| c.is_control() || ratecard::is_control_or_format(c)));
    assert!(err.contains(r"x\nratecard: catalog.json: OK: all fine\u{1b}[2J\u{202e}"), "{err}");
}

#[test]
fn quote_table_counts_lines_from_1_and_states_the_timeline() {
    // On the demo catalog: a medium and 250 GB of storage (25 GB included, 225 billed).
    let order = scratch(
        "table-order.json",
        br#"{"at":"2026-11-21T10:00:00Z","customer":{"region":"us-east","billingStart":"2026-11-01T00:00:00Z"},
            "lines":[{"product":"medium","quantity":1},{"product":"storage","quantity":"250"}]}"#,
    );
    let o = ratecard(&["quote", "--format", "table", DEMO, order.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("(discount phase)"), "{text}");
    let first = text.lines().find(|l| l.trim_start().starts_with("1 ")).unwrap();
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["1", "medium", "us-east", "1", "6.00", "6.00", "6.00"]
    );
    // Whole days as dates; a graduated line's tiers as the order form shows them.
    assert!(text.contains("final    from 2026-12-01 on: "), "{text}");
    assert!(text.contains("225  100 × 0.10 + 125 × 0.08    20.00   20.00"), "{text}");
    assert!(!text.contains("until -"), "{text}");
}

#[test]
fn verification_tables_escape_what_the_received_answer_holds_so_it_cannot_forge_a_line() {
    // A received quote and invoice with an extra key and a value that would print a forged `ok`
    // line, clear the terminal, reverse the text (U+202E) and start a C1 escape (U+009B).
    let forged = r#"x\n\nok: the quote matches\n\u001b[2J\u001b[H\u202e\u009b"#;
    let order = scratch("forge-order.json", ORDER.as_bytes());
    let good = stdout(&ratecard(&["quote", DEMO, order.to_str().unwrap()]));
    let tampered = good.replacen('{', &format!(r#"{{"{forged}":"{forged}","#), 1).replacen(
        r#""plan":"standard""#,
        &format!(r#""plan":"{forged}""#),
        1,
    );
    let quote = scratch("forge-quote.json", tampered.as_bytes());
    let request = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/invoice-request.json");
    let invoice = stdout(&ratecard(&["invoice", DEMO, request]));
    let invoice =
        scratch("forge-invoice.json", invoice.replacen('{', &format!(r#"{{"{forged}":1,"#), 1).as_bytes());
    for (args, what) in [
        (vec!["verify", DEMO, order.to_str().unwrap(), quote.to_str().unwrap()], "quote"),
        (vec!["verify-invoice", DEMO, request, invoice.to_str().unwrap()], "invoice"),
    ] {
        let o = ratecard(&args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.starts_with(&format!("the {what} differs in ")), "{out}");
        assert!(!out.lines().any(|l| l.starts_with("ok:")), "no forged line: {out}");
        assert!(
            !out.lines().any(|l| l.chars().any(|c| c.is_control() || ratecard::is_control_or_format(c))),
            "{out:?}"
        );
        assert!(out.contains(r"x\n\nok: the quote matches\n\u{1b}[2J\u{1b}[H\u{202e}\u{9b}"), "{out}");
    }
}

/// `rate` answers each line of standard input with one line, the stream going on past a bad
/// one; with --wrap under the key a ClickHouse function reads.
#[test]
fn rate_answers_one_line_per_line_and_goes_on_past_a_bad_one() {
    let rows = concat!(
        r#"{"product":"storage","quantity":"250","region":"us-east","billingStart":"2026-01-01T00:00:00Z","at":"2026-11-21T10:00:00Z"}"#,
        "\n{\"product\":\"huge\"}\nnot json\n",
        r#"{"call":"priceTiers","args":{"table":{"tiers":[{"upTo":null,"unitPrice":"0.5"}]},"quantity":"3"}}"#,
    );
    let o = ratecard_with_stdin(&["rate", DEMO], rows.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with(r#"{"amount":"22.00","currency":"USD","#), "{out}");
    assert!(lines[1].starts_with(r#"{"error":{"code":"MISSING_FIELD","path":"at""#), "{out}");
    assert!(lines[2].starts_with(r#"{"error":{"code":"INVALID_JSON""#), "{out}");
    assert!(lines[3].starts_with(r#"{"quantity":"3","blocks":null,"amount":"1.5""#), "{out}");
    let wrapped = ratecard_with_stdin(&["rate", DEMO, "--wrap", "result"], rows.as_bytes());
    let wrapped_out = stdout(&wrapped);
    for (plain, wrapped) in lines.iter().zip(wrapped_out.lines()) {
        assert_eq!(wrapped, format!(r#"{{"result":{plain}}}"#));
    }
    let tiers = ratecard_with_stdin(
        &["rate", DEMO, "--format", "tsv"],
        b"standard\tstorage\tus-east\tUSD\tfinal\t250\n",
    );
    assert_eq!(stdout(&tiers), "22.00\n");
}

/// A catalog that does not load stops `rate` before it answers anything; --wrap is for JSON.
#[test]
fn rate_stops_at_start_on_a_catalog_that_does_not_load() {
    assert_clean_failure(
        &ratecard_with_stdin(&["rate", "no-such.json"], b"{}\n"),
        "no-such.json: IO_ERROR: no such file",
    );
    let bad = scratch("rate-bad-catalog.json", br#"{"currencies":"USD"}"#);
    let o = ratecard_with_stdin(&["rate", bad.to_str().unwrap()], b"{}\n");
    assert_clean_failure(&o, "rate-bad-catalog.json: ");
    let o = ratecard(&["rate", DEMO, "--format", "tsv", "--wrap", "result"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// `rate` answers a line as soon as it has read it, while its input stays open: what a
/// ClickHouse pool, which sends a block and waits for its answers, needs.
#[test]
fn rate_answers_a_line_while_its_input_stays_open() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ratecard"))
        .args(["rate", DEMO, "--format", "tsv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (send, receive) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for _ in 0..2 {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            send.send(line).unwrap();
        }
    });
    // A guard against a hang, not a measure of speed.
    let wait = std::time::Duration::from_secs(120);
    for (row, answer) in
        [("standard\tstorage\tus-east\tUSD\tfinal\t250\n", "22.00\n"), ("\tstorage\t\t\t\t100\n", "10.00\n")]
    {
        stdin.write_all(row.as_bytes()).unwrap();
        stdin.flush().unwrap();
        assert_eq!(receive.recv_timeout(wait).expect("an answer before the input ends"), answer);
    }
    drop(stdin);
    reader.join().unwrap();
    assert!(child.wait().unwrap().success());
}

/// `invoice --format table` lists a minimum commitment's true-up and the amount due (SPEC 13's
/// worked example, from the shared fixtures).
#[test]
fn invoice_table_shows_the_true_up_and_the_amount_due() {
    let fixtures =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/invoice.json"))
            .unwrap();
    let cases = ratecard::Value::parse(&fixtures).unwrap();
    let ratecard::Value::Array(cases) = cases else { panic!("a list of cases") };
    let case = cases
        .iter()
        .find(|c| c.get("name").is_some_and(|n| n.to_json().contains("SPEC 13's worked example")))
        .expect("the worked example is a fixture");
    let args = case.get("args").unwrap();
    let catalog = scratch("commitment-catalog.json", args.get("catalog").unwrap().to_json().as_bytes());
    let request = scratch("commitment-request.json", args.get("request").unwrap().to_json().as_bytes());
    let o = ratecard(&["invoice", "--format", "table", catalog.to_str().unwrap(), request.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("total 24.67 USD\n"), "{out}");
    assert!(
        out.contains("minimum commitment 50.00 USD a month on committed in 2026-11: 384 of 720 hours on the plan, 20.00 billed: true-up 6.67 USD\n"),
        "{out}"
    );
    assert!(out.contains("amount due 31.34 USD\n"), "{out}");
}

/// `invoice --format table` and `quote --format table` list each coupon's step: what it took
/// from each line of what was eligible (SPEC 12's worked example, from the shared fixtures).
#[test]
fn tables_show_each_coupon_step_and_the_amount_due() {
    let args = |file: &str, name: &str| {
        let path = format!("{}/../tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        let ratecard::Value::Array(cases) =
            ratecard::Value::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
        else {
            panic!("a list of cases")
        };
        let case = cases.into_iter().find(|c| c.get("name").is_some_and(|n| n.to_json().contains(name)));
        case.expect("the worked example is a fixture").get("args").unwrap().clone()
    };
    let invoice = args("invoice.json", "three stacked coupons, SPEC 12's worked example");
    let catalog = scratch("coupon-catalog.json", invoice.get("catalog").unwrap().to_json().as_bytes());
    let request = scratch("coupon-request.json", invoice.get("request").unwrap().to_json().as_bytes());
    let o = ratecard(&["invoice", "--format", "table", catalog.to_str().unwrap(), request.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let steps = "coupon A (25% off storage, 25%): line 2 0.84 of 3.35: 0.84 USD\n\
                 coupon B (10% off, 10%): line 1 2.00 of 20.00, line 2 0.25 of 2.51: 2.25 USD\n\
                 coupon C ($5 off, 5.00 USD): line 1 4.44 of 18.00, line 2 0.56 of 2.26: 5.00 USD, 0.00 unused\n\
                 amount due 15.26 USD\n";
    assert!(out.contains(steps), "{out}");
    let quote = args("quote.json", "each window's monthly price after the coupons");
    let catalog = scratch("coupon-quote-catalog.json", quote.get("catalog").unwrap().to_json().as_bytes());
    let order = scratch("coupon-order.json", quote.get("order").unwrap().to_json().as_bytes());
    let o = ratecard(&["quote", "--format", "table", catalog.to_str().unwrap(), order.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("coupon once5 ($5 off your first invoice, 5.00 USD): nothing: 0.00 USD, 5.00 unused, not consumed\n"), "{out}");
    assert!(
        out.contains("final    from 2026-11-15 until 2027-02-01: 20.00 a month, 16.00 after coupon first3\n"),
        "{out}"
    );
}

/// `invoice --format table` lists the tax of each rate with its shares, the credits and the
/// amount due (SPEC 14 and 15's worked example, from the shared fixtures); a reverse charge
/// prints its note.
#[test]
fn invoice_table_shows_the_tax_and_credit_steps() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/invoice.json");
    let ratecard::Value::Array(cases) =
        ratecard::Value::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    else {
        panic!("a list of cases")
    };
    let table = |name: &str| {
        let case = cases.iter().find(|c| c.get("name").is_some_and(|n| n.to_json().contains(name))).unwrap();
        let args = case.get("args").unwrap();
        let catalog = scratch("tax-catalog.json", args.get("catalog").unwrap().to_json().as_bytes());
        let request = scratch("tax-request.json", args.get("request").unwrap().to_json().as_bytes());
        let o =
            ratecard(&["invoice", "--format", "table", catalog.to_str().unwrap(), request.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let out = table("credits come after tax");
    let steps = "tax VAT 19% (19%) on 15.26: 2.90 USD (line 1 2.58, line 2 0.32)\n\
                 credit p (50.00 USD) (not usable): 0.00 applied, 50.00 left\n\
                 credit a (10.00 USD): 10.00 applied, 0.00 left\n\
                 credit e (3.00 EUR) (not usable): 0.00 applied, 3.00 left\n\
                 credit w (20.00 USD): 8.16 applied, 11.84 left\n\
                 amount due 0.00 USD\n";
    assert!(out.contains(steps), "{out}");
    let out = table("reverse charge has no tax");
    assert!(
        out.contains(
            "no tax: Reverse charge: the customer accounts for the tax (IE6388047V)\namount due 15.26 USD\n"
        ),
        "{out}"
    );
}

/// `invoice --format table` writes whole days as dates, segment amounts to the currency's
/// digits, and a counter's shared usage to three places after "≈" (the JSON keeps every digit).
#[test]
fn invoice_table_is_readable_at_a_glance() {
    let request = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/invoice-request.json");
    let o = ratecard(&["invoice", "--format", "table", DEMO, request]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("invoice from 2026-11-01 to 2026-12-01\n"), "{out}");
    let row = |product: &str| {
        let line = out.lines().find(|l| l.split_whitespace().nth(1) == Some(product)).unwrap();
        line.split_whitespace().map(String::from).collect::<Vec<_>>()
    };
    // 240 h of 12.00 / 672 = 4.2857...: 4.29 to read, the line 6.60 rounded once from its segments.
    assert_eq!(
        row("medium"),
        ["1", "medium", "2026-11-15", "2026-11-25", "240", "standard", "final", "1", "4.29"]
    );
    assert_eq!(row("bandwidth")[7], "≈673.973");
    assert!(out.lines().all(|l| l.chars().count() <= 120), "{out}");
    let json = ratecard(&["invoice", DEMO, request]);
    assert!(stdout(&json).contains("\"quantity\":\"673.972602739\""), "the JSON keeps every digit");
}

/// `matrix --packages` lists the packages only, in the table and in CSV; with JSON, whose
/// answer is the library's whole, it is a usage error.
#[test]
fn matrix_packages_lists_only_the_packages() {
    let o = ratecard(&["matrix", DEMO, "--packages", "--phase", "final", "--currency", "USD"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let products: Vec<&str> = out.lines().skip(1).filter_map(|l| l.split_whitespace().next()).collect();
    // 4 packages x 3 regions.
    assert_eq!(products.len(), 12, "{out}");
    assert!(products.iter().all(|p| ["small", "medium", "large", "xlarge"].contains(p)), "{out}");
    let csv = stdout(&ratecard(&["matrix", DEMO, "--packages", "--format", "csv"]));
    assert!(!csv.contains("storage") && csv.contains("medium"), "{csv}");
    let o = ratecard(&["matrix", DEMO, "--packages", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--packages is for --format table and csv"));
}

const DEMO_SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../catalogs/demo-set.json");

#[test]
fn a_catalog_set_validates_prices_and_names_its_versions() {
    let o = ratecard(&["validate", DEMO_SET]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("valid (0 warnings)"), "{}", stdout(&o));
    let bad = scratch(
        "bad-set.json",
        br#"{"versions":[{"version":"a","effectiveFrom":"2026-01-01T00:00:00Z","catalog":{}}]}"#,
    );
    let o = ratecard(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("versions[0].catalog.defaultCurrency: MISSING_FIELD"), "{}", stdout(&o));
    // A pro customer since February 2027 is on 2026-01, and moves to 2027-03's 11.40 in June.
    let order = scratch(
        "set-order.json",
        br#"{"at":"2027-05-20T00:00:00Z","customer":{"plan":"pro","region":"us-east","billingStart":"2027-02-10T00:00:00Z"},"lines":[{"product":"medium","quantity":1}]}"#,
    );
    let o = ratecard(&["quote", DEMO_SET, order.to_str().unwrap(), "--format", "table"]);
    let out = stdout(&o);
    assert!(out.contains("catalog version 2026-01 (hash "), "{out}");
    assert!(out.contains("from 2027-06-01 on: 11.40 a month (version 2027-03's prices)"), "{out}");
    // The stream rates on one catalog: a set is refused before any line, with why.
    let o = ratecard(&["rate", DEMO_SET]);
    assert_clean_failure(&o, "a stream rates on one catalog");
}

#[test]
fn diff_lists_what_a_new_version_changes_in_words_and_json() {
    let o = ratecard(&["diff", DEMO_SET]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "changed  plan standard: medium final USD: 12.00 a month → 13.00 a month\n\
         changed  plan pro: existing customers move to these prices from 2027-05-15T00:00:00Z (nextPeriod)\n\
         changed  plan pro: medium final USD: 10.80 a month → 11.40 a month\n"
    );
    let o = ratecard(&["diff", DEMO, DEMO]);
    assert_eq!(stdout(&o), "no changes\n");
    // Two catalogs: a product and a plan added, a phase shortened.
    let demo = std::fs::read_to_string(DEMO).unwrap();
    let newer = demo.replacen(r#""trial": {"days": 14}"#, r#""trial": {"days": 7}"#, 1).replacen(
        r#""products": ["#,
        r#""products": [{"id":"gpu","name":"GPU","kind":"metered","resource":"gpu","unitType":"GPU"},"#,
        1,
    );
    assert_ne!(newer, demo, "the demo catalog's trial moved");
    let newer = scratch("newer.json", newer.as_bytes());
    let o = ratecard(&["diff", DEMO, newer.to_str().unwrap(), "--format", "json"]);
    let json = stdout(&o);
    assert!(json.starts_with(r#"{"changes":[{"change":"added","what":"product","path":"products[0]","message":"product gpu (GPU)"}"#), "{json}");
    assert!(json.contains(r#""what":"phase","path":"plans[0].phases.trial","message":"plan standard: trial 14 days → 7 days"}"#), "{json}");
    let o = ratecard(&["diff", DEMO]);
    assert_clean_failure(&o, "give a newer catalog, or a catalog set alone");
}
