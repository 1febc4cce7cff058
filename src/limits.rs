//! Every limit ratecard enforces, in one place.
//!
//! A billing library is judged by its worst input. Each limit here bounds what one call may
//! cost, not only how large its input may be: within all of them the work is linear in the
//! input, every call is answered or refused with a stable code, and the answer stays within
//! [`MAX_OUTPUT_BYTES`]. `npm run bench` times an input at each limit (the worst-case corpus in
//! `tests/fixtures/worst.json`): in wasm under Node, most take well under a second; the
//! slowest, near 16 MiB of JSON, take about two (docs/reliability.md).
//!
//! | limit | past it |
//! |---|---|
//! | [`MAX_INPUT_BYTES`] of JSON per argument text | `INPUT_TOO_LARGE` |
//! | [`MAX_DEPTH`] levels of nesting | `JSON_TOO_DEEP` |
//! | [`MAX_LIST_LEN`] entries in one catalog list | `INPUT_TOO_LARGE` |
//! | [`MAX_TIERS`] tiers in one table | `INPUT_TOO_LARGE` |
//! | [`MAX_ORDER_LINES`] lines in one order | `INPUT_TOO_LARGE` |
//! | [`MAX_BATCH_ITEMS`] orders or checks in one batch call | `INPUT_TOO_LARGE` |
//! | [`MAX_PRICED_LINES`] order lines in one call, batches included | `INPUT_TOO_LARGE` |
//! | [`MAX_PERIOD_MONTHS`] calendar months in one billing period | `PERIOD_TOO_LONG` |
//! | [`MAX_INVOICE_ITEMS`] items in one invoice | `INPUT_TOO_LARGE` |
//! | [`MAX_LEVEL_CHANGES`] level changes in one invoice, all items together | `INPUT_TOO_LARGE` |
//! | [`MAX_PLAN_CHANGES`] plan changes in one invoice | `INPUT_TOO_LARGE` |
//! | [`MAX_REDEMPTIONS`] coupon redemptions on one customer | `INPUT_TOO_LARGE` |
//! | [`MAX_CONTEXT_RATES`] tax classes and rates named by one tax context | `INPUT_TOO_LARGE` |
//! | [`MAX_CREDITS`] credit balances given with one invoice | `INPUT_TOO_LARGE` |
//! | [`MAX_CATALOG_VERSIONS`] versions in one catalog set | `INPUT_TOO_LARGE` |
//! | [`MAX_SEGMENTS`] invoice segments in one call, batches included | `OUTPUT_TOO_LARGE` |
//! | [`MAX_TIER_LINES`] tier lines explained in one call | `OUTPUT_TOO_LARGE` |
//! | [`MAX_MATRIX_ROWS`] rows in a price matrix | `OUTPUT_TOO_LARGE` |
//! | [`MAX_OUTPUT_BYTES`] of answer | `OUTPUT_TOO_LARGE` |
//! | [`MAX_PROBLEMS`] problems in one error | a last `TOO_MANY_PROBLEMS` |
//! | [`MAX_DIFFERENCES`] differences in one verification | the rest are not listed |
//! | [`MAX_ID_LEN`] bytes in an id | `INVALID_ID` |
//! | [`MAX_MESSAGE_LEN`] bytes in a message | cut, with `…` |

use crate::error::{Code, Error};

/// Largest JSON text accepted for one call or one loaded object, in bytes (16 MiB). The JS
/// package checks it before the text is copied into WebAssembly memory.
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// Largest answer one call returns, in bytes of JSON (16 MiB).
pub const MAX_OUTPUT_BYTES: usize = 16 << 20;

/// Deepest nesting of arrays and objects the parser accepts (serde_json's own limit; the
/// generic value verification reads a JS object into stops at the same depth).
pub const MAX_DEPTH: usize = 127;

/// Most entries in any one list of a catalog (products, plans, rules of a plan, plan types...).
pub const MAX_LIST_LEN: usize = 100_000;

/// Most tiers one table may have.
pub const MAX_TIERS: usize = 1_000;

/// Most lines one order may have.
pub const MAX_ORDER_LINES: usize = 10_000;

/// Most orders (`quoteMany`) or checks (`verifyMany`) in one batch call.
pub const MAX_BATCH_ITEMS: usize = 1_000;

/// Most order lines priced by one call, all the orders of a batch together.
pub const MAX_PRICED_LINES: usize = 10_000;

/// Longest billing period of one invoice, in calendar months (a year and a month: an annual
/// invoice with room for a late start).
pub const MAX_PERIOD_MONTHS: u32 = 13;

/// Most items one invoice may have.
pub const MAX_INVOICE_ITEMS: usize = 1_000;

/// Most level changes one invoice may list, all its items together.
pub const MAX_LEVEL_CHANGES: usize = 10_000;

/// Most plan changes one invoice may list.
pub const MAX_PLAN_CHANGES: usize = 100;

/// Most coupons one customer may have redeemed: each cuts the invoice's segments and is
/// applied to every line.
pub const MAX_REDEMPTIONS: usize = 20;

/// Most tax classes and rates one tax context names, all together (SPEC 14).
pub const MAX_CONTEXT_RATES: usize = 100;

/// Most prepaid credit balances one invoice may be given (SPEC 15).
pub const MAX_CREDITS: usize = 100;

/// Most versions in one catalog set (SPEC 16): each a whole catalog, all of them within
/// [`MAX_INPUT_BYTES`].
pub const MAX_CATALOG_VERSIONS: usize = 100;

/// Most segments the invoices of one call may have (each item's time is cut at every phase
/// boundary, plan change, catalog version move, level change and change of its package
/// allowance).
pub const MAX_SEGMENTS: usize = 100_000;

/// Most tier lines one call explains: a quote lists, for each of its lines, every tier the
/// quantity reaches (a graduated table of 1,000 tiers explains up to 1,000 per line).
pub const MAX_TIER_LINES: usize = 100_000;

/// Most rows of one price matrix (products x regions x currencies x phases).
pub const MAX_MATRIX_ROWS: usize = 50_000;

/// Most problems one error lists; past that the list ends with one `TOO_MANY_PROBLEMS`.
pub const MAX_PROBLEMS: usize = 1_000;

/// Most differences a verification lists.
pub const MAX_DIFFERENCES: usize = 100;

/// Longest id (of a product, plan, region, partner, plan type or fee), in bytes.
pub const MAX_ID_LEN: usize = 200;

/// Longest message a problem keeps, in bytes (defined beside `Problem`, which cuts them:
/// errors are the bottom layer, and depend on nothing else in the crate).
pub use crate::error::MAX_MESSAGE_LEN;

/// `OUTPUT_TOO_LARGE`: the answer about `what` would pass `limit`.
pub(crate) fn output_too_large(path: &str, what: &str) -> Error {
    Error::new(Code::OutputTooLarge, path, format!("the answer would be too large: {what}"))
}

/// `OUTPUT_TOO_LARGE` for a JSON answer longer than [`MAX_OUTPUT_BYTES`].
pub(crate) fn check_output(text: String) -> Result<String, Error> {
    if text.len() > MAX_OUTPUT_BYTES {
        return Err(output_too_large(
            "",
            &format!("more than {MAX_OUTPUT_BYTES} bytes of JSON; ask for less in one call"),
        ));
    }
    Ok(text)
}

/// What one call may still spend: order lines priced and tier lines explained. A batch call
/// shares one budget among its items, so a batch costs no more than one order at the limits.
#[derive(Debug)]
pub(crate) struct Budget {
    lines: usize,
    tier_lines: usize,
    segments: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { lines: MAX_PRICED_LINES, tier_lines: MAX_TIER_LINES, segments: MAX_SEGMENTS }
    }
}

impl Budget {
    /// Takes `n` order lines; `INPUT_TOO_LARGE` at `lines` past [`MAX_PRICED_LINES`].
    pub(crate) fn take_lines(&mut self, n: usize) -> Result<(), Error> {
        self.lines = self.lines.checked_sub(n).ok_or_else(|| {
            Error::new(
                Code::InputTooLarge,
                "lines",
                format!("one call prices at most {MAX_PRICED_LINES} order lines, batches included"),
            )
        })?;
        Ok(())
    }

    /// Takes `n` invoice segments; `OUTPUT_TOO_LARGE` at `items` past [`MAX_SEGMENTS`].
    pub(crate) fn take_segments(&mut self, n: usize) -> Result<(), Error> {
        self.segments = self.segments.checked_sub(n).ok_or_else(|| {
            output_too_large(
                "items",
                &format!("more than {MAX_SEGMENTS} invoice segments in one call, batches included"),
            )
        })?;
        Ok(())
    }

    /// Takes `n` tier lines; `OUTPUT_TOO_LARGE` past [`MAX_TIER_LINES`].
    pub(crate) fn take_tier_lines(&mut self, n: usize) -> Result<(), Error> {
        self.tier_lines = self.tier_lines.checked_sub(n).ok_or_else(|| {
            output_too_large(
                "lines",
                &format!(
                    "its tier breakdowns would list {n} tier lines, and one call explains at most \
                     {MAX_TIER_LINES} (order lines x tiers reached)"
                ),
            )
        })?;
        Ok(())
    }
}
