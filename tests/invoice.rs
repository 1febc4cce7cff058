//! Invoices through the JSON API: a loaded catalog's fast verification answers as the general
//! path does.

use ratecard::{api, Catalog, DEMO_CATALOG};

/// A loaded catalog verifies an untouched invoice from its text without parsing it; every other
/// received invoice (tampered, reformatted, malformed) and every malformed argument list gets
/// the same answer, byte for byte, as the general path through `api::call`.
#[test]
fn verifying_an_invoice_on_a_loaded_catalog_answers_like_the_general_path() {
    let catalog = Catalog::from_json(DEMO_CATALOG).unwrap();
    let request = r#"{"period":{"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"},"customer":{"region":"us-east","billingStart":"2026-11-01T00:00:00Z"},"items":[{"product":"medium","quantity":1},{"product":"storage","quantity":"250"}]}"#;
    let invoice = api::call_loaded(&catalog, "invoice", &format!(r#"{{"request":{request}}}"#)).unwrap();
    let pretty = invoice.replace(",\"", ",\n  \"");
    let tampered = invoice.replacen(r#""phase":"discount""#, r#""phase":"final""#, 1);
    assert_ne!(tampered, invoice);
    let cases = [
        format!(r#"{{"request":{request},"invoice":{invoice}}}"#),
        format!(r#"{{"request":{request},"invoice":{pretty}}}"#),
        format!(r#"{{"request":{request},"invoice":{tampered}}}"#),
        format!(r#"{{"request":{request},"invoice":{{"a":1,"a":2}}}}"#),
        format!(r#"{{"request":{request},"invoice":{}}}"#, "[".repeat(100) + &"]".repeat(100)),
        format!(r#"{{"request":{request},"invoice":null}}"#),
        format!(r#"{{"request":null,"invoice":{invoice}}}"#),
        format!(r#"{{"request":{request},"invoice":{invoice},"invoice":{invoice}}}"#),
        format!(r#"{{"request":{request},"invoice":{invoice},"extra":1}}"#),
        format!(r#"{{"request":{{"items":[]}},"invoice":{invoice}}}"#),
        format!(r#"{{"invoice":{invoice}}}"#),
        // Other layouts of the same arguments, and `invoice` keys and text where a shortcut
        // that splits the text at `,"invoice":` would be fooled.
        format!("{{\"request\":{request},\"invoice\":{invoice}}} \n"),
        format!(r#"{{"invoice":{invoice},"request":{request}}}"#),
        format!(r#"{{"request":{request},"invoice" : {invoice}}}"#),
        format!(r#"{{"request":{},"invoice":{invoice}}}"#, request.replacen('}', r#","invoice":1}"#, 1)),
        format!(
            r#"{{"request":{},"invoice":{invoice}}}"#,
            request.replacen("us-east", r#"x\",\"invoice\":"#, 1)
        ),
        format!(r#"{{"request":{request},"invoice":{}}}"#, invoice.replacen('}', r#","invoice":1}"#, 1)),
        format!(r#"{{"request":{request},"invoice":{},"invoice":1}}}}"#, &invoice[..invoice.len() - 1]),
    ];
    let mut fast = 0;
    for args in &cases {
        let general_args = format!(r#"{{"catalog":{DEMO_CATALOG},{}"#, &args[1..]);
        // The general path also knows the argument `catalog`, which a loaded catalog does not take.
        let general = api::call("verifyInvoice", &general_args)
            .map_err(|e| e.to_json().replace("known fields: catalog, ", "known fields: "));
        let loaded = api::call_loaded(&catalog, "verifyInvoice", args).map_err(|e| e.to_json());
        assert_eq!(loaded, general, "{args}");
        fast += usize::from(loaded.as_ref().is_ok_and(|a| a == r#"{"ok":true,"differences":[]}"#));
    }
    assert_eq!(fast, 5, "the untouched, reformatted, whitespace-ended, spaced and reordered invoices verify");
}

#[test]
fn a_trusted_billing_start_corrects_the_invoice_request_and_is_a_difference() {
    let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    // The demo invoice with its billing start moved to the period's start (into the trial).
    let honest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/invoice-request.json"))
            .unwrap();
    let moved = honest.replace("2026-01-01T00:00:00Z", "2026-11-01T00:00:00Z");
    assert_ne!(moved, honest);
    let cheap =
        ratecard::api::call_loaded(&catalog, "invoice", &format!(r#"{{"request":{moved}}}"#)).unwrap();
    let trusted = r#"{"customer":{"billingStart":"2026-01-01T00:00:00Z"}}"#;
    let check = ratecard::api::call_loaded(
        &catalog,
        "verifyInvoice",
        &format!(r#"{{"request":{moved},"invoice":{cheap},"trusted":{trusted}}}"#),
    )
    .unwrap();
    let check = ratecard::Value::parse(&check).unwrap();
    let Some(ratecard::Value::Array(differences)) = check.get("differences") else {
        panic!("{}", check.to_json())
    };
    let path = |i: usize| differences[i].get("path").unwrap().to_json();
    assert_eq!(path(0), r#""request.customer.billingStart""#);
    assert!(differences.iter().any(|d| d.get("path").unwrap().to_json() == r#""invoice.totals[0].amount""#));
    // The honest request, with the same trusted fields, verifies.
    let honest_invoice =
        ratecard::api::call_loaded(&catalog, "invoice", &format!(r#"{{"request":{honest}}}"#)).unwrap();
    let check = ratecard::api::call_loaded(
        &catalog,
        "verifyInvoice",
        &format!(r#"{{"request":{honest},"invoice":{honest_invoice},"trusted":{trusted}}}"#),
    )
    .unwrap();
    assert!(check.starts_with(r#"{"ok":true"#), "{check}");
}

/// A request read from JSON is checked against the catalog; one built in Rust may name any
/// region, and an invoice borrows the catalog's own region id, so it refuses what has none.
#[test]
fn a_request_built_by_hand_with_an_unknown_region_is_refused() {
    let catalog = Catalog::from_json(DEMO_CATALOG).unwrap();
    let text = r#"{"period":{"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"},"customer":{"region":"us-east","billingStart":"2026-11-01T00:00:00Z"},"items":[{"product":"medium","quantity":1}]}"#;
    let mut request = ratecard::InvoiceRequest::from_json(&catalog, text).unwrap();
    assert_eq!(ratecard::invoice(&catalog, &request).unwrap().lines[0].region, Some("us-east"));
    request.items[0].region = Some("mars".into());
    let e = ratecard::invoice(&catalog, &request).unwrap_err();
    assert_eq!((e.code(), e.path()), (ratecard::Code::UnknownRegion, "items[0].region"));
}
