//! The native side of `npm run bench`: the same operations on the same inputs as the wasm and
//! JavaScript measurements, through the same `ratecard::api` entry points. Run it through
//! `npm run bench`, which writes the inputs (`BENCH_INPUTS`) and reads the results (`BENCH_OUT`).

use std::hint::black_box;
use std::time::Instant;

use ratecard::api::{self, TablePricer};
use ratecard::Catalog;

/// Median time of one operation in nanoseconds: `op` runs `per_sample` times per sample.
fn median_ns(per_sample: u32, mut op: impl FnMut()) -> f64 {
    for _ in 0..per_sample.div_ceil(4) {
        op();
    }
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..per_sample {
                op();
            }
            started.elapsed().as_nanos() as f64 / f64::from(per_sample)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn read(dir: &str, name: &str) -> String {
    std::fs::read_to_string(format!("{dir}/{name}"))
        .unwrap_or_else(|e| panic!("{dir}/{name}: {e}; run the benchmark with `npm run bench`"))
}

fn main() {
    let dir = std::env::var("BENCH_INPUTS").unwrap_or_else(|_| "target/bench/inputs".to_string());
    let out = std::env::var("BENCH_OUT").unwrap_or_else(|_| "target/bench/native.json".to_string());
    let table = read(&dir, "table.json");
    let quantity = read(&dir, "quantity.txt");
    let quantities = read(&dir, "quantities.txt");
    let order_args = format!(r#"{{"order":{}}}"#, read(&dir, "order.json"));
    let orders_args = format!(r#"{{"orders":{}}}"#, read(&dir, "orders.json"));
    let big_catalog = read(&dir, "catalog-10k.json");
    let batch = quantities.lines().count() as f64;
    let orders = read(&dir, "orders.json").matches(r#""at""#).count() as f64;

    let pricer = TablePricer::from_json(&table, Some("USD")).expect("table");
    let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).expect("demo catalog");
    // The quote a browser would send back: this engine's own answer for the order.
    let good_quote = api::call_loaded(&catalog, "quote", &order_args).expect("the bench order prices");
    let verify_args = format!(r#"{{"order":{},"quote":{good_quote}}}"#, read(&dir, "order.json"));
    let invoice_args = format!(r#"{{"request":{}}}"#, read(&dir, "invoice.json"));
    let good_invoice = api::call_loaded(&catalog, "invoice", &invoice_args).expect("the bench request bills");
    let verify_invoice_args =
        format!(r#"{{"request":{},"invoice":{good_invoice}}}"#, read(&dir, "invoice.json"));

    // `BENCH_REPEAT=op:n` runs only `op`, n times, for an instruction count under callgrind:
    // bench/bench.mjs counts n = 1 and n = 11 and divides the difference by 10, so that start-up
    // and the set-up above cancel out.
    if let Ok(spec) = std::env::var("BENCH_REPEAT") {
        let (op, n) = spec.split_once(':').expect("BENCH_REPEAT=op:n");
        let n: u32 = n.parse().expect("a count");
        for _ in 0..n {
            match op {
                "quote" => drop(black_box(api::call_loaded(&catalog, "quote", &order_args).unwrap())),
                "quoteSummary" => {
                    drop(black_box(api::call_loaded(&catalog, "quoteSummary", &order_args).unwrap()))
                }
                "verify" => drop(black_box(api::call_loaded(&catalog, "verifyQuote", &verify_args).unwrap())),
                "invoice" => drop(black_box(api::call_loaded(&catalog, "invoice", &invoice_args).unwrap())),
                "verifyInvoice" => drop(black_box(
                    api::call_loaded(&catalog, "verifyInvoice", &verify_invoice_args).unwrap(),
                )),
                "tierAmount" => drop(black_box(pricer.amount(black_box(&quantity)).unwrap())),
                "loadDemo" => drop(black_box(Catalog::from_json(ratecard::DEMO_CATALOG).unwrap())),
                "matrix" => drop(black_box(api::call_loaded(&catalog, "priceMatrix", "{}").unwrap())),
                other => panic!("BENCH_REPEAT: unknown operation {other}"),
            }
        }
        return;
    }
    let results = [
        ("tierAmount", median_ns(20_000, || drop(black_box(pricer.amount(black_box(&quantity)).unwrap())))),
        ("tierBatch", median_ns(5, || drop(black_box(pricer.amounts(&quantities).unwrap()))) / batch),
        (
            "quote",
            median_ns(2_000, || drop(black_box(api::call_loaded(&catalog, "quote", &order_args).unwrap()))),
        ),
        (
            "quoteBatch",
            median_ns(20, || drop(black_box(api::call_loaded(&catalog, "quoteMany", &orders_args).unwrap())))
                / orders,
        ),
        (
            "verify",
            median_ns(1_000, || {
                drop(black_box(api::call_loaded(&catalog, "verifyQuote", &verify_args).unwrap()))
            }),
        ),
        (
            "invoice",
            median_ns(1_000, || {
                drop(black_box(api::call_loaded(&catalog, "invoice", &invoice_args).unwrap()))
            }),
        ),
        (
            "verifyInvoice",
            median_ns(1_000, || {
                drop(black_box(api::call_loaded(&catalog, "verifyInvoice", &verify_invoice_args).unwrap()))
            }),
        ),
        (
            "matrix",
            median_ns(50, || drop(black_box(api::call_loaded(&catalog, "priceMatrix", "{}").unwrap()))),
        ),
        ("loadDemo", median_ns(50, || drop(black_box(Catalog::from_json(ratecard::DEMO_CATALOG).unwrap())))),
        ("load10k", median_ns(3, || drop(black_box(Catalog::from_json(&big_catalog).unwrap())))),
    ];
    let json: Vec<String> = results.iter().map(|(k, v)| format!("\"{k}\":{v:.1}")).collect();
    std::fs::write(&out, format!("{{{}}}\n", json.join(","))).expect("write the results");
    for (name, ns) in results {
        println!("native {name:<12} {:>12.2} µs", ns / 1000.0);
    }
}
