//! The shared fixtures of `tests/fixtures/*.json`, run through `ratecard::api::call`.
//!
//! The same cases run natively (this file), in wasm under Node and Chromium (this file again,
//! compiled to wasm32 and run by wasm-bindgen-test-runner), and through the npm package in Node
//! and in Chromium (`tests/js/fixtures.test.mjs`, `tests/e2e/`). Each case states the values
//! worked out by hand (`expect`, a subset of the output) or the error (`expectError`). The
//! native run also writes every output to `target/fixture-out/native.json`; the JS runs check
//! that their output is byte-identical to it.

use ratecard::Value;

/// Every fixture file; `every_fixture_file_is_listed` keeps this list complete.
const SUITES: &[(&str, &str)] = &[
    ("tiers", include_str!("fixtures/tiers.json")),
    ("quote", include_str!("fixtures/quote.json")),
    ("partners", include_str!("fixtures/partners.json")),
    ("hostile", include_str!("fixtures/hostile.json")),
    ("worst", include_str!("fixtures/worst.json")),
    ("invoice", include_str!("fixtures/invoice.json")),
];

/// The demo catalog without its monthly cap (SPEC 10 is off by default): for the cases that
/// work out SPEC 9's proration by hand over hoursPerMonth.
fn uncapped_demo() -> String {
    let text = ratecard::DEMO_CATALOG.replace("  \"monthlyCap\": true,\n  \"capHours\": \"672\",\n", "");
    assert_ne!(text, ratecard::DEMO_CATALOG, "the demo catalog's cap settings moved");
    text
}

/// The arguments of a case as JSON text; a `"catalog": "@demo"` stands for the demo catalog,
/// `"@demo-uncapped"` for it without its monthly cap.
/// `"argsParts": [[text, times], ...]` builds text no JSON file could hold (10,000 levels of
/// nesting, megabyte strings): each text repeated `times` times, in order, `"@demo"` replaced;
/// in a repeated text, `{i}` stands for the repetition's index (0, 1, ...), `{i+1}` for the
/// next one and `{i9}` for the index in 9 digits (nanoseconds of increasing instants), so that
/// ids, tier bounds, parent chains and level changes can be generated.
fn args_text(case: &Value) -> String {
    if let Some(Value::Array(parts)) = case.get("argsParts") {
        let mut text = String::new();
        for part in parts {
            match part {
                Value::Array(pair) => match (&pair[0], &pair[1]) {
                    (Value::String(s), Value::Number(n)) => {
                        let times: usize = n.parse().expect("a count");
                        if s.contains("{i") {
                            for i in 0..times {
                                text.push_str(
                                    &s.replace("{i}", &i.to_string())
                                        .replace("{i+1}", &(i + 1).to_string())
                                        .replace("{i9}", &format!("{i:09}")),
                                );
                            }
                        } else {
                            text.push_str(&s.repeat(times));
                        }
                    }
                    _ => panic!("argsParts items are [text, count]"),
                },
                _ => panic!("argsParts items are [text, count]"),
            }
        }
        return text.replace("\"@demo\"", ratecard::DEMO_CATALOG);
    }
    match case.get("args") {
        None => "{}".to_string(),
        Some(Value::Object(members)) => {
            let members = members
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) if k == "catalog" && s == "@demo" => {
                        (k.clone(), Value::parse(ratecard::DEMO_CATALOG).expect("demo catalog"))
                    }
                    Value::String(s) if k == "catalog" && s == "@demo-uncapped" => {
                        (k.clone(), Value::parse(&uncapped_demo()).expect("demo catalog"))
                    }
                    _ => (k.clone(), v.clone()),
                })
                .collect();
            Value::Object(members).to_json()
        }
        Some(other) => other.to_json(),
    }
}

/// One case's output: `(true, result JSON)` or `(false, error JSON)`.
fn run_case(case: &Value) -> (bool, String) {
    let op = match case.get("call") {
        Some(Value::String(s)) => s.as_str(),
        _ => panic!("fixture without \"call\""),
    };
    let args = args_text(case);
    match ratecard::api::call(op, &args) {
        Ok(text) => (true, text),
        Err(e) => (false, e.to_json()),
    }
}

/// Whether `actual` contains `expected`: objects by the keys `expected` names, arrays item by
/// item (same length), anything else by equality.
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(_), Value::Object(want)) => {
            want.iter().all(|(k, w)| actual.get(k).is_some_and(|a| contains(a, w)))
        }
        (Value::Array(a), Value::Array(w)) => {
            a.len() == w.len() && a.iter().zip(w).all(|(a, w)| contains(a, w))
        }
        _ => actual == expected,
    }
}

/// The work a case does, counted, not timed: the bytes it allocates on this thread (natively;
/// wasm has no counting allocator here, so 0). The same input always counts the same, on a
/// busy machine or a quiet one, in a debug build or a release one.
#[cfg(not(target_arch = "wasm32"))]
mod work {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCATED: Cell<u64> = const { Cell::new(0) };
    }

    /// The system allocator, counting what each thread asks of it.
    pub struct Counting;

    // SAFETY: every call is passed on to the system allocator unchanged.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size() as u64));
            // SAFETY: the caller's contract is the system allocator's.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size as u64));
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// Bytes allocated on this thread so far.
    pub fn allocated() -> u64 {
        ALLOCATED.with(Cell::get)
    }
}

#[cfg(target_arch = "wasm32")]
mod work {
    pub fn allocated() -> u64 {
        0
    }
}

/// One case's name, output and the bytes it allocated.
type Outcome = (String, (bool, String), u64);

/// Runs one suite; returns every case's outcome, and panics listing every case that failed.
fn run_suite(suite: &str, text: &str) -> Vec<Outcome> {
    let Value::Array(cases) = Value::parse(text).expect("fixture file is valid JSON") else {
        panic!("{suite}: a fixture file is an array of cases")
    };
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for case in &cases {
        let name = match case.get("name") {
            Some(Value::String(s)) => format!("{suite}/{s}"),
            _ => panic!("{suite}: fixture without a name"),
        };
        let before = work::allocated();
        let (ok, out) = run_case(case);
        let bytes = work::allocated() - before;
        let parsed = Value::parse(&out).expect("output is valid JSON");
        let verdict = match (ok, case.get("expect"), case.get("expectError")) {
            (true, Some(want), None) => contains(&parsed, want),
            (false, None, Some(want)) => contains(&parsed, want),
            (_, None, None) | (_, Some(_), Some(_)) => {
                panic!("{name}: give exactly one of expect / expectError")
            }
            _ => false,
        };
        if !verdict {
            let shown: String = out.chars().take(600).collect();
            failures.push(format!("{name}\n  got: {shown}"));
        }
        outputs.push((name, (ok, out), bytes));
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
    outputs
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn tiers_fixtures() {
    run_suite("tiers", SUITES[0].1);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn quote_fixtures() {
    run_suite("quote", SUITES[1].1);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn partners_fixtures() {
    run_suite("partners", SUITES[2].1);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn hostile_fixtures() {
    run_suite("hostile", SUITES[3].1);
}

/// What one case of the worst-case corpus may allocate: 64 times the 16 MiB input limit. The
/// largest case (an 11 MB received quote of a million keys, verified) allocates 563 MB; a
/// quadratic blow-up on a 16 MiB input would allocate terabytes. Work is counted, never timed: `npm run bench` times the corpus in release.
#[cfg(not(target_arch = "wasm32"))]
const WORST_CASE_BYTES: u64 = 1 << 30;

/// The worst-case corpus: every documented limit at its maximum, alone and combined. Each case
/// is answered or refused with its code, within [`WORST_CASE_BYTES`] of allocation.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn worst_fixtures() {
    let mut over = Vec::new();
    let mut largest = (String::new(), 0);
    for (name, _, bytes) in run_suite("worst", SUITES[4].1) {
        if bytes > largest.1 {
            largest = (name.clone(), bytes);
        }
        if bytes > WORST_CASE_BYTES {
            over.push(format!("{name}: {bytes} bytes"));
        }
    }
    println!("the largest case, {}, allocated {} bytes", largest.0, largest.1);
    assert!(over.is_empty(), "cases over {WORST_CASE_BYTES} bytes of allocation:\n{}", over.join("\n"));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_work_counter_counts() {
    let before = work::allocated();
    let v = vec![0u8; 1 << 20];
    assert!(work::allocated() - before >= 1 << 20);
    drop(v);
}

/// Writes every output for the cross-runtime comparison (native only: wasm has no files).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn write_native_outputs_for_the_js_runtimes() {
    let mut all = Vec::new();
    for (suite, text) in SUITES {
        for (name, (ok, out), _) in run_suite(suite, text) {
            let entry =
                Value::Object(vec![("ok".into(), Value::Bool(ok)), ("output".into(), Value::String(out))]);
            all.push((name, entry));
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fixture-out");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("native.json"), Value::Object(all).to_json()).unwrap();
    // The key paths of each input, for the check of js/ratecard.d.ts (tests/js/types.test.mjs).
    let inputs = ratecard::api::input_paths()
        .into_iter()
        .map(|(name, paths)| (name.to_string(), Value::Array(paths.into_iter().map(Value::String).collect())))
        .collect();
    std::fs::write(dir.join("inputs.json"), Value::Object(inputs).to_json()).unwrap();
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_fixture_file_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let suite = name.trim_end_matches(".json");
        assert!(SUITES.iter().any(|(s, _)| *s == suite), "tests/fixtures/{name} is not in SUITES");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_subset_matcher_can_fail() {
    let a = Value::parse(r#"{"a":"1","b":[{"c":"2"}]}"#).unwrap();
    assert!(contains(&a, &Value::parse(r#"{"b":[{}]}"#).unwrap()));
    assert!(!contains(&a, &Value::parse(r#"{"a":"2"}"#).unwrap()));
    assert!(!contains(&a, &Value::parse(r#"{"b":[]}"#).unwrap()));
    assert!(!contains(&a, &Value::parse(r#"{"z":null}"#).unwrap()));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn invoice_fixtures() {
    run_suite("invoice", SUITES[5].1);
}
