//! The crate's modules form layers, each using only the layers below it: no import cycles, and
//! a picture a newcomer can draw. A `use crate::x` (or a `crate::x::` path in code) that points
//! up or sideways fails this test.

/// Bottom to top. A module may use the modules of earlier layers only.
const LAYERS: &[&[&str]] = &[
    // Errors and codes; the limits every layer enforces.
    &["error"],
    &["limits"],
    // Characters an id may not hold (a generated table).
    &["lookalike"],
    // Values: money, dates; reading inputs (soft leaves, the per-call collector of problems).
    &["money", "phases", "input"],
    // Answers as JSON text, written directly.
    &["json_text"],
    // The generic value a received answer is compared in.
    &["verify"],
    // The model: tier tables, then the catalog (products, plans, rules, partners), validated.
    &["tiers"],
    &["catalog"],
    // Orders, read and checked against a catalog.
    &["order"],
    // Coupons applied to what lines and true-ups cost (quotes' months and invoices alike).
    &["discounts"],
    // Taxes on the discounted lines and true-ups, then prepaid credits.
    &["taxes", "credits"],
    // Pricing on the model: quotes, the matrix and verification; partner margins.
    &["quote", "margins"],
    // Billing a period: invoices, built on the quote's rules.
    &["invoice"],
    // The JSON API every runtime calls.
    &["api"],
    // Streams of requests, one answer a line (native), and the wasm bindings.
    &["rate", "wasm"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("module {module} is in no layer"))
}

/// The crate modules a source file uses, outside comments.
fn uses(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut files = vec![];
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let module = path.file_name().unwrap().to_string_lossy().into_owned();
            for inner in std::fs::read_dir(&path).unwrap() {
                files.push((module.clone(), inner.unwrap().path()));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((path.file_stem().unwrap().to_string_lossy().into_owned(), path));
        }
    }
    let mut wrong = vec![];
    for (module, path) in &files {
        if module == "lib" {
            continue;
        }
        let source = std::fs::read_to_string(path).unwrap();
        // `crate::terminal_safe` and the like are items of the crate root, not modules.
        let modules = uses(&source).into_iter().filter(|u| LAYERS.iter().any(|l| l.contains(&u.as_str())));
        for used in modules {
            if used != *module && layer_of(&used) >= layer_of(module) {
                wrong.push(format!("{} ({module}) uses {used}", path.display()));
            }
        }
    }
    assert!(files.len() > 10, "the sources were not found");
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
}

#[test]
fn every_module_is_in_a_layer() {
    let lib = include_str!("../src/lib.rs");
    for line in lib.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("mod ").or_else(|| line.strip_prefix("pub mod ")) {
            layer_of(name.trim_end_matches(';'));
        }
    }
}
