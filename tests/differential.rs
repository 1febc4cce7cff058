//! Generated cases for the native-vs-wasm differential run: 3,000 deterministic random tier
//! prices and quotes (some of them errors), answered natively here and written to
//! `target/fixture-out/generated.json`; `tests/js/differential.test.mjs` answers the same
//! cases with the wasm build in Node and requires the same bytes.
#![cfg(not(target_arch = "wasm32"))]

use ratecard::Value;

/// xorshift64*: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A decimal below `max` with up to `places` decimal places, as text.
    fn decimal(&mut self, max: u64, places: u32) -> String {
        let places = self.below(u64::from(places) + 1) as u32;
        ratecard::Decimal::new((self.below(max * 10u64.pow(places))) as i64, places).to_string()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn tier_case(r: &mut Rng) -> (String, String) {
    let count = 1 + r.below(4);
    let mut bound = 0u64;
    let tiers: Vec<String> = (0..count)
        .map(|i| {
            let up = if i + 1 == count {
                "null".to_string()
            } else {
                bound += 1 + r.below(500);
                format!("\"{bound}\"")
            };
            let flat = if r.below(3) == 0 {
                format!(r#","flatPrice":"{}""#, r.decimal(20, 2))
            } else {
                String::new()
            };
            format!(r#"{{"upTo":{up},"unitPrice":"{}"{flat}}}"#, r.decimal(50, 6))
        })
        .collect();
    let mode = r.pick(&["volume", "graduated"]);
    let blocks = match r.below(4) {
        0 => format!(
            r#","blockSize":"{}","blockRounding":"{}""#,
            1 + r.below(100),
            r.pick(&["up", "down", "none"])
        ),
        _ => String::new(),
    };
    let currency = match r.pick(&["USD", "JPY", "KWD", ""]) {
        "" => String::new(),
        c => format!(r#","currency":"{c}""#),
    };
    let quantity = if r.below(20) == 0 { format!("-{}", r.decimal(10, 1)) } else { r.decimal(3000, 3) };
    let args = format!(
        r#"{{"table":{{"mode":"{mode}","tiers":[{}]{blocks}}},"quantity":"{quantity}"{currency}}}"#,
        tiers.join(",")
    );
    ("priceTiers".to_string(), args)
}

fn quote_case(r: &mut Rng) -> (String, String) {
    let products =
        ["small", "medium", "large", "xlarge", "cpu", "memory", "storage", "bandwidth", "backup", "nope"];
    let lines: Vec<String> = (0..1 + r.below(6))
        .map(|_| {
            let product = r.pick(&products);
            let region = match r.below(3) {
                0 => format!(r#","region":"{}""#, r.pick(&["us-east", "eu-west", "ap-tokyo"])),
                _ => String::new(),
            };
            if product == "bandwidth" && r.below(2) == 0 {
                format!(
                    r#"{{"product":"bandwidth","reading":"{}","previousReading":"{}"{region}}}"#,
                    r.decimal(5000, 2),
                    r.decimal(5000, 2)
                )
            } else {
                format!(
                    r#"{{"product":"{product}","quantity":"{}"{region}}}"#,
                    r.decimal(if product == "memory" { 8192 } else { 400 }, 2)
                )
            }
        })
        .collect();
    let start = 1 + r.below(28);
    let at = format!("2026-{:02}-{:02}T{:02}:00:00Z", 1 + r.below(12), 1 + r.below(28), r.below(24));
    let customer = format!(
        r#"{{"plan":"{}","currency":"{}","region":"{}","billingStart":"2025-12-{start:02}"}}"#,
        r.pick(&["standard", "pro"]),
        r.pick(&["USD", "EUR", "JPY"]),
        r.pick(&["us-east", "eu-west", "ap-tokyo"])
    );
    let order = format!(r#"{{"at":"{at}","customer":{customer},"lines":[{}]}}"#, lines.join(","));
    ("quote".to_string(), order)
}

#[test]
fn generated_cases_answered_natively() {
    let mut r = Rng(0x5EED_CAFE_F00D_1234);
    let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    let mut cases = Vec::new();
    let mut errors = 0;
    for i in 0..3000 {
        let (op, args, out) = if i % 2 == 0 {
            let (op, args) = tier_case(&mut r);
            let out = ratecard::api::call(&op, &args);
            (op, args, out)
        } else {
            let (op, order) = quote_case(&mut r);
            let args = format!(r#"{{"order":{order}}}"#);
            let out = ratecard::api::call_loaded(&catalog, &op, &args);
            (op, args, out)
        };
        let (ok, text) = match out {
            Ok(t) => (true, t),
            Err(e) => {
                errors += 1;
                (false, e.to_json())
            }
        };
        cases.push(Value::Object(vec![
            ("call".into(), Value::str(op)),
            ("args".into(), Value::str(args)),
            ("ok".into(), Value::Bool(ok)),
            ("output".into(), Value::str(text)),
        ]));
    }
    // Both kinds of answer are compared: the generator must produce some of each.
    assert!((100..1500).contains(&errors), "{errors} errors out of 3000");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fixture-out");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("generated.json"), Value::Array(cases).to_json()).unwrap();
}
