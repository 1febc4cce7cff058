//! Prices an order against a catalog: `cargo run --example quote -- CATALOG.json ORDER.json`.
use std::{env, fs, process::ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let [catalog, order] = args.as_slice() else {
        eprintln!("usage: quote CATALOG.json ORDER.json");
        return ExitCode::from(2);
    };
    let read = |p: &str| fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    let run = || -> Result<String, String> {
        let args = format!(r#"{{"catalog":{},"order":{}}}"#, read(catalog)?, read(order)?);
        ratecard::api::call("quote", &args).map_err(|e| e.to_string())
    };
    match run() {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
