//! What each fuzz target does with one input, shared by the fuzz binaries (`fuzz/fuzz_targets`)
//! and the regression test that replays every saved input (`tests/fuzz_regressions.rs`).
//! Beyond "no panic", each checks an invariant that a wrong price would break.
#![allow(dead_code)] // each fuzz binary uses one target

use std::sync::OnceLock;

use ratecard::api::{self, TablePricer};
use ratecard::{invoice, quote, verify_invoice, verify_quote, Catalog, Decimal, InvoiceRequest, Order};

/// What a target does with one input: returns, or panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// The targets, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("catalog", catalog),
    ("quote", quote_order),
    ("tiers", tiers),
    ("verify", verify),
    ("invoice", invoice_request),
    ("rate", rate_stream),
];

fn demo() -> &'static Catalog {
    static DEMO: OnceLock<Catalog> = OnceLock::new();
    DEMO.get_or_init(|| Catalog::from_json(ratecard::DEMO_CATALOG).expect("the demo catalog is valid"))
}

/// Catalog JSON (or a catalog set's): validation agrees with loading; a loaded catalog's public
/// view loads too and is its own public view (what makes a version's hash the same in a browser),
/// its matrix prices, and every plan type's margins add up.
pub fn catalog(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(ratecard::api::Loaded::Set(set)) = api::load(text) {
        assert!(api::validate(text).is_valid(), "a set loaded but validate says invalid");
        let shown =
            ratecard::CatalogSet::from_json(&set.public_json()).expect("the public view of a set loads");
        for (full, public) in set.versions().iter().zip(shown.versions()) {
            assert_eq!(full.hash, public.hash, "a version hashes the same in its public view");
        }
        return;
    }
    let validation = Catalog::validate(text);
    let Ok(c) = Catalog::from_json(text) else {
        assert!(!validation.is_valid(), "from_json failed but validate says valid");
        return;
    };
    assert!(validation.is_valid());
    assert!(api::validate(text).is_valid(), "a catalog loaded but api::validate says invalid");
    let public = c.public_view().to_json();
    let reloaded = Catalog::from_json(&public).expect("the public view of a valid catalog is valid");
    assert_eq!(reloaded.public_view().to_json(), public, "the public view of a public view is itself");
    let _ = api::call_loaded(&c, "priceMatrix", "{}");
    for t in &c.partners().plan_types {
        if let Ok(m) = c.plan_margins(&t.id, 1) {
            let sum =
                m.chain.iter().try_fold(ratecard::Decimal::ZERO, |s, l| s.checked_add(l.per_instance.profit));
            if let Some(sum) = sum {
                assert_eq!(sum, m.per_instance.price, "chain profits add up to the end price");
            }
        }
    }
}

/// An order on the demo catalog: a quote it gives verifies against itself.
pub fn quote_order(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let c = demo();
    let Ok(order) = Order::from_json(c, text) else { return };
    let Ok(q) = quote(c, &order) else { return };
    let text = q.to_json().expect("a computed quote writes");
    let v = ratecard::Value::parse(&text).expect("a quote is JSON");
    // The answer writer and serde_json write the same document to the same bytes.
    assert_eq!(v.to_json(), text, "the quote is written as serde_json writes it");
    let diffs = verify_quote(c, &order, &v).expect("the order quoted once quotes again");
    assert!(diffs.is_empty(), "a quote differs from itself: {diffs:?}");
}

/// A tier table, a newline, a quantity: one amount, the explained price and a batch of one
/// all agree.
pub fn tiers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (table, quantity) = text.split_once('\n').unwrap_or((text, "1"));
    for currency in [Some("USD"), None] {
        let Ok(pricer) = TablePricer::from_json(table, currency) else { return };
        // An amount takes the integer path where it can, a price the exact walk over the
        // tiers: the same amount, or the same error.
        let amount = pricer.amount(quantity);
        if !quantity.contains('\n') {
            assert_eq!(
                amount.as_ref().ok(),
                pricer.amounts(quantity).as_ref().ok(),
                "a batch of one is one amount"
            );
        }
        match (amount, pricer.price(quantity)) {
            (Ok(amount), Ok(price)) => {
                assert!(
                    price.contains(&format!("\"amount\":\"{amount}\"")),
                    "{price} has the amount {amount}"
                )
            }
            (Err(a), Err(p)) => assert_eq!(a.code(), p.code(), "the same error"),
            (a, p) => panic!("amount {a:?} but price {p:?}"),
        }
    }
}

/// `{order, quote}` arguments of verifyQuote on the demo catalog: an answer or an error, never
/// a panic.
pub fn verify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = api::call_loaded(demo(), "verifyQuote", text);
}

/// An invoice request on the demo catalog: each line's segments tile its time, the rounded
/// lines add up to the total, and the invoice verifies against itself.
pub fn invoice_request(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let c = demo();
    let Ok(request) = InvoiceRequest::from_json(c, text) else { return };
    let Ok(bill) = invoice(c, &request) else { return };
    let mut sum = Decimal::ZERO;
    for line in &bill.lines {
        let (first, last) =
            (line.segments.first().expect("a line has a segment"), line.segments.last().unwrap());
        assert_eq!((first.start, last.end), (line.start, line.end), "segments span the line");
        for pair in line.segments.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "segments tile the line");
        }
        sum += line.amount.amount();
    }
    assert_eq!(Some(sum), bill.total().ok().map(|t| t.amount()), "lines add up to the total");
    // Coupons (SPEC 12): each takes at most what is left of what it applies to, its lines add
    // up to it, and amountDue is the lines and true-ups less the discounts.
    let mut left: Vec<Decimal> = bill.lines.iter().map(|l| l.amount.amount()).collect();
    left.extend(bill.true_ups.iter().map(|t| t.amount.amount()));
    let billed: Decimal = left.iter().sum();
    let mut taken = Decimal::ZERO;
    for d in &bill.discounts {
        let mut sum = Decimal::ZERO;
        for l in &d.lines {
            let i = l.target.index(bill.lines.len());
            assert_eq!(l.left.amount(), left[i], "a coupon takes from what the ones before it left");
            assert!(l.amount.amount() <= l.eligible.amount() && l.eligible.amount() <= l.left.amount());
            assert!(l.amount.amount() >= Decimal::ZERO, "a coupon never adds");
            left[i] -= l.amount.amount();
            sum += l.amount.amount();
        }
        assert_eq!(sum, d.amount.amount(), "a discount is the sum of its lines");
        taken += sum;
    }
    // Taxes (SPEC 14): each rate's lines add up to it; credits (SPEC 15) never pay more than is due.
    for t in &bill.taxes.taxes {
        let shares: Decimal = t.lines.iter().map(|l| l.amount.amount()).sum();
        assert_eq!(shares, t.amount.amount(), "a rate's shares add up to its tax");
    }
    let tax = if bill.taxes.inclusive {
        Decimal::ZERO
    } else {
        bill.taxes.taxes.iter().map(|t| t.amount.amount()).sum()
    };
    let credited: Decimal = bill.credits.iter().map(|c| c.applied.amount()).sum();
    assert!(credited <= (billed - taken + tax).max(Decimal::ZERO), "credits pay at most what is due");
    assert_eq!(
        bill.amount_due().ok().map(|m| m.amount()),
        Some(billed - taken + tax - credited),
        "amountDue"
    );
    let text = bill.to_json().expect("a computed invoice writes");
    let received = ratecard::Value::parse(&text).expect("an invoice is JSON");
    assert_eq!(received.to_json(), text, "the invoice is written as serde_json writes it");
    let diffs = verify_invoice(c, &request, &received).expect("the request billed once bills again");
    assert!(diffs.is_empty(), "an invoice differs from itself: {diffs:?}");
}

/// A stream for `ratecard rate` (the first byte picks JSON lines or tier rows): one answer per
/// line, in order, each the answer to its line alone; JSON answers are JSON objects, tier
/// answers one value with no tab or line end inside.
pub fn rate_stream(data: &[u8]) {
    use ratecard::rate::{RateFormat, Rater};
    let Some((&first, input)) = data.split_first() else { return };
    let format = if first % 2 == 0 { RateFormat::Json } else { RateFormat::Tsv };
    let c = demo();
    let mut out = Vec::new();
    let answered = Rater::new(c, format).stream(input, &mut out).expect("in memory, nothing fails");
    let out = String::from_utf8(out).expect("answers are UTF-8");
    let mut lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    assert_eq!(answered as usize, lines.len(), "one answer per line");
    let answers: Vec<&str> = out.split_terminator('\n').collect();
    assert_eq!(answers.len(), lines.len(), "one answer line per line");
    let mut alone = Rater::new(c, format);
    for (line, answer) in lines.iter().zip(&answers) {
        if let Ok(text) = std::str::from_utf8(line) {
            assert_eq!(alone.answer(text), *answer, "a line's answer does not depend on the stream");
        }
        match format {
            RateFormat::Json => {
                let v = ratecard::Value::parse(answer).expect("an answer is JSON");
                assert!(matches!(v, ratecard::Value::Object(_)), "an answer is an object: {answer}");
            }
            RateFormat::Tsv => assert!(!answer.contains('\t') && !answer.contains('\r'), "{answer:?}"),
        }
    }
}
