//! # ratecard
//!
//! An exact pricing engine for cloud-hosting billing plans. The same code runs natively (Rust
//! servers, the `ratecard` CLI) and as WebAssembly (browsers, Node), so the price a customer
//! sees in the browser is the price the server charges, to the digit.
//!
//! Money is exact: every amount is a [`rust_decimal::Decimal`], every amount in JSON is a string,
//! arithmetic is checked, and rounding happens once per quote line, to the currency's minor unit.
//!
//! ```
//! use ratecard::{Currency, Money, Rounding, TierTable};
//!
//! let storage = TierTable::from_json(r#"{
//!     "mode": "graduated",
//!     "tiers": [
//!         { "upTo": "100", "unitPrice": "0.10" },
//!         { "upTo": null,  "unitPrice": "0.08", "flatPrice": "1.00" }
//!     ]
//! }"#)?;
//! let price = storage.price("250".parse()?)?;          // 100 x 0.10 + 150 x 0.08 + 1.00
//! let usd = Currency::iso("USD").unwrap();
//! assert_eq!(Money::round(price.amount, &usd, Rounding::HalfUp)?.to_string(), "23.00 USD");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod api;
mod catalog;
mod credits;
mod discounts;
mod error;
mod input;
mod invoice;
mod json_text;
pub mod limits;
mod lookalike;
mod margins;
mod money;
mod order;
mod phases;
mod quote;
// Streams of requests (`ratecard rate`, ClickHouse functions): native processes only.
#[cfg(not(target_arch = "wasm32"))]
pub mod rate;
mod taxes;
mod tiers;
mod verify;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use catalog::{
    diff, diff_json, Align, AppliesTo, Catalog, CatalogSet, CatalogVersion, Change, Coupon, CouponDuration,
    Environment, Metered, Move, Off, PackageSpec, Partner, Partners, Period, Plan, PlanType, PriceRule,
    Product, ProductKind, PublicCatalog, Recurrence, Region, Seller, TaxMode, TaxRate, TaxRounding, UsageFee,
    Validation,
};
pub use credits::{AppliedCredit, Credit};
pub use discounts::{Discount, DiscountLine, Target};
pub use error::{Code, Error, Problem};
pub use input::{is_control_or_format, terminal_safe};
pub use invoice::{
    invoice, verify_invoice, CapGroup, Invoice, InvoiceItem, InvoiceLine, InvoiceRequest, PlanChange,
    PlanSpan, Segment, TrustedCustomer, Usage,
};
pub use limits::{MAX_DIFFERENCES, MAX_MESSAGE_LEN, MAX_ORDER_LINES, MAX_PROBLEMS, MAX_TIERS};
pub use margins::{ChainLevel, Earning, FeeMargin, Figures, PartnerMargins, PlanMargins};
pub use money::{Currency, Money, Rounding, MAX_CUSTOM_EXPONENT};
pub use order::{Amount, Customer, Order, OrderLine, Redemption, TaxContext, Trusted};
pub use phases::{phase_windows, DurationUnit, HourRounding, Phase, PhaseClock, PhaseDuration, PhaseWindow};
pub use quote::{
    price_matrix, quote, verify_quote, MatrixOptions, MatrixRow, PriceMatrix, Quote, QuoteLine, TimelineEntry,
};
pub use rust_decimal::Decimal;
pub use taxes::{Tax, TaxLine, TaxNote, TaxStep};
pub use tiers::{BlockRounding, Tier, TierLine, TierMode, TierPrice, TierTable};
pub use verify::{Difference, Value};

/// The demo catalog used by the docs, the tests, the order form and `npm start`: three regions,
/// USD/EUR/JPY, four packages, tiered storage and bandwidth, block-priced backup, a default plan
/// with a 14-day trial and a 30-day discount, and a second plan.
pub const DEMO_CATALOG: &str = include_str!("../catalogs/demo.json");

/// The demo catalog set (SPEC 16): the demo catalog as version `2026-01` from 2026-01-01, and
/// version `2027-03` from 2027-03-01, where a medium package costs 13.00 USD instead of 12.00 on
/// the standard plan (new customers only: existing ones keep 12.00) and 11.40 instead of 10.80
/// on the pro plan, whose existing customers move to it from 2027-05-15 (at the next billing
/// period: June).
pub const DEMO_CATALOG_SET: &str = include_str!("../catalogs/demo-set.json");

/// The crate version, as reported by `version()` in every runtime.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust example, compiled and run as a doctest so it stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
