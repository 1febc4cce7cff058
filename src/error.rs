//! One error type for the whole crate: a stable code, the JSON path of what was wrong, and a
//! message for people. Validation collects many [`Problem`]s; an [`Error`] carries them all.

use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)*) => {
        /// A stable, machine-readable problem code. The text form (`Code::as_str`) is part of
        /// the public contract in every runtime: it never changes meaning once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// The code as SCREAMING_SNAKE text, e.g. `"TIER_BOUNDS_NOT_INCREASING"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $text,)*
                }
            }

            /// Every code, in declaration order (used by docs and tests).
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];
        }
    };
}

codes! {
    // Input text and shapes.
    /// The input is not well-formed JSON.
    InvalidJson = "INVALID_JSON",
    /// JSON nested deeper than the parser allows.
    JsonTooDeep = "JSON_TOO_DEEP",
    /// An object names the same key twice.
    DuplicateKey = "DUPLICATE_KEY",
    /// An input is larger than the documented limits.
    InputTooLarge = "INPUT_TOO_LARGE",
    /// The answer would be larger than the documented limits (tier lines x order lines,
    /// batch items, matrix rows, output bytes).
    OutputTooLarge = "OUTPUT_TOO_LARGE",
    /// More problems than [`crate::limits::MAX_PROBLEMS`]: the first ones are listed, then this one.
    TooManyProblems = "TOO_MANY_PROBLEMS",
    /// An id that is empty, too long, or holds control or format characters, marks, invisible
    /// characters or characters NFC changes (see docs/catalog.md).
    InvalidId = "INVALID_ID",
    /// An object has a key the format does not define (often a misspelling).
    UnknownField = "UNKNOWN_FIELD",
    /// A required key is missing.
    MissingField = "MISSING_FIELD",
    /// A value has the wrong JSON type.
    InvalidType = "INVALID_TYPE",
    /// A JSON number where only an exact value will do (a fraction, an exponent, or beyond 2^53).
    InexactNumber = "INEXACT_NUMBER",
    /// A string that is not a plain decimal number.
    InvalidDecimal = "INVALID_DECIMAL",
    /// A decimal with more digits than can be represented exactly (over 28 significant digits).
    DecimalOutOfRange = "DECIMAL_OUT_OF_RANGE",
    /// A value outside its allowed set or range.
    InvalidValue = "INVALID_VALUE",
    /// A timestamp that is not ISO 8601 / RFC 3339.
    InvalidDate = "INVALID_DATE",
    // Money.
    /// Arithmetic would exceed the exact decimal range.
    Overflow = "OVERFLOW",
    /// A currency code not known to the catalog (or not in ISO 4217).
    UnknownCurrency = "UNKNOWN_CURRENCY",
    // Tier tables.
    /// A tier table without tiers.
    EmptyTiers = "EMPTY_TIERS",
    /// A tier bound that is zero or negative.
    TierBoundNotPositive = "TIER_BOUND_NOT_POSITIVE",
    /// A tier bound not greater than the one before it.
    TierBoundsNotIncreasing = "TIER_BOUNDS_NOT_INCREASING",
    /// `upTo: null` on a tier that is not the last.
    UnboundedTierNotLast = "UNBOUNDED_TIER_NOT_LAST",
    /// A negative price where the catalog does not allow credits.
    NegativePrice = "NEGATIVE_PRICE",
    /// A negative quantity or reading.
    NegativeQuantity = "NEGATIVE_QUANTITY",
    /// A quantity above the last tier's bound.
    QuantityAboveLastTier = "QUANTITY_ABOVE_LAST_TIER",
    // Catalog.
    /// Two entries of one list share an id.
    DuplicateId = "DUPLICATE_ID",
    /// A reference to a product the catalog does not have.
    UnknownProduct = "UNKNOWN_PRODUCT",
    /// A reference to a region the catalog does not have.
    UnknownRegion = "UNKNOWN_REGION",
    /// A reference to a plan the catalog does not have.
    UnknownPlan = "UNKNOWN_PLAN",
    /// More than one plan is marked default.
    MultipleDefaultPlans = "MULTIPLE_DEFAULT_PLANS",
    /// No plan was named and the catalog has no default plan.
    NoDefaultPlan = "NO_DEFAULT_PLAN",
    /// Two price rules would both apply to the same product, phase, currency and region.
    AmbiguousPriceRule = "AMBIGUOUS_PRICE_RULE",
    /// A price rule for a phase the plan does not have.
    UnknownPhase = "UNKNOWN_PHASE",
    /// Package cpu that is not a positive multiple of 0.25.
    InvalidCpu = "INVALID_CPU",
    /// A metered product whose unit type does not match a package allowance (GB).
    AllowanceUnitMismatch = "ALLOWANCE_UNIT_MISMATCH",
    /// Warning: under the billingStart clock, a discount not longer than the trial is never reached.
    DiscountNeverReached = "DISCOUNT_NEVER_REACHED",
    /// The catalog has problems; see the list of problems.
    InvalidCatalog = "INVALID_CATALOG",
    // Quotes.
    /// No price rule matched (a warning, or an error in strict mode); the price is zero.
    NoPriceRule = "NO_PRICE_RULE",
    /// The customer's billingStart is after the instant being priced.
    BillingStartAfterAt = "BILLING_START_AFTER_AT",
    /// A usage reading for a product that is not metered.
    NotMetered = "NOT_METERED",
    /// A previous reading for a metered product that is not aggregated (only counters have one).
    NotAggregated = "NOT_AGGREGATED",
    // Coupons.
    /// A redemption of a coupon the catalog does not have.
    UnknownCoupon = "UNKNOWN_COUPON",
    /// A redemption after the coupon's `redeemBy`.
    CouponNotRedeemable = "COUPON_NOT_REDEEMABLE",
    /// Warning: an amount coupon without the invoice's currency; it takes nothing.
    CouponCurrencyMismatch = "COUPON_CURRENCY_MISMATCH",
    // Taxes.
    /// A tax context names a tax rate the catalog does not have.
    UnknownTaxRate = "UNKNOWN_TAX_RATE",
    /// Warning: a line's tax class has no rate in the tax context; it is not taxed (an error
    /// under `strict`).
    NoTaxRate = "NO_TAX_RATE",
    /// A note, not a problem: reverse charge, the customer accounts for the tax (with their tax id).
    ReverseCharge = "REVERSE_CHARGE",
    /// A note, not a problem: the sale is exempt from tax.
    TaxExempt = "TAX_EXEMPT",
    // Catalog versions.
    /// Two versions of a catalog set take effect at the same instant.
    DuplicateEffectiveFrom = "DUPLICATE_EFFECTIVE_FROM",
    /// An id that means another thing in another version of a catalog set (a product of
    /// another kind, resource, unit or contents; a region, currency or tax rate that changed).
    VersionConflict = "VERSION_CONFLICT",
    /// A customer whose billingStart is before every version of the catalog set.
    NoCatalogVersion = "NO_CATALOG_VERSION",
    /// A `catalogVersion` the catalog set does not have (or a catalog that is not a set).
    UnknownCatalogVersion = "UNKNOWN_CATALOG_VERSION",
    /// A received quote or invoice priced on another catalog version (or another text of it)
    /// than the one in force for the customer.
    CatalogVersionMismatch = "CATALOG_VERSION_MISMATCH",
    // Verification.
    /// A quote made longer ago than the verification's `maxAgeSeconds` (3600 by default),
    /// counted at the server's instant (`trusted.at`).
    QuoteExpired = "QUOTE_EXPIRED",
    /// A quote made later than the server's instant by more than the clock skew allowed (60 s).
    QuoteFromFuture = "QUOTE_FROM_FUTURE",
    // Invoices.
    /// A billing period whose end is not after its start.
    InvalidPeriod = "INVALID_PERIOD",
    /// A billing period longer than [`crate::limits::MAX_PERIOD_MONTHS`] calendar months.
    PeriodTooLong = "PERIOD_TOO_LONG",
    /// An instant of an invoice (an item's start or end, a level change, a plan change)
    /// outside the billing period.
    OutsidePeriod = "OUTSIDE_PERIOD",
    /// An item whose `until` is not after its start.
    UntilBeforeFrom = "UNTIL_BEFORE_FROM",
    /// Level changes or plan changes not in strictly increasing time order.
    ChangesOutOfOrder = "CHANGES_OUT_OF_ORDER",
    // Partners.
    /// A reference to a partner the catalog does not have.
    UnknownPartner = "UNKNOWN_PARTNER",
    /// A reference to a plan type the catalog does not have.
    UnknownPlanType = "UNKNOWN_PLAN_TYPE",
    /// A second partner without a parent: only the platform has none.
    MultiplePlatforms = "MULTIPLE_PLATFORMS",
    /// Parents (of partners or of plan types) that go round in a cycle.
    ParentCycle = "PARENT_CYCLE",
    /// A plan type in another currency than its parent.
    ParentCurrencyMismatch = "PARENT_CURRENCY_MISMATCH",
    /// A plan type recurring differently from its parent.
    ParentRecurrenceMismatch = "PARENT_RECURRENCE_MISMATCH",
    /// A plan type built on a parent its owner neither owns nor was granted.
    ParentNotGranted = "PARENT_NOT_GRANTED",
    /// A plan type granted to a partner that is not a sub-partner of its owner.
    GrantNotSubPartner = "GRANT_NOT_SUB_PARTNER",
    /// A plan type without a parent owned by a partner other than the platform.
    RootPlanTypeNotPlatform = "ROOT_PLAN_TYPE_NOT_PLATFORM",
    /// A plan type without usage fees.
    NoUsageFees = "NO_USAGE_FEES",
    /// An amount with more decimal places than its currency's minor unit.
    AmountPrecision = "AMOUNT_PRECISION",
    /// Warning: a plan type's fees add up to less than its parent's.
    NegativeProfit = "NEGATIVE_PROFIT",
    /// A plan type offered in an environment its parent is not available in.
    EnvironmentNotInParent = "ENVIRONMENT_NOT_IN_PARENT",
    /// Assignment refused: the instance's owner neither owns nor was granted the plan type.
    PlanTypeNotGranted = "PLAN_TYPE_NOT_GRANTED",
    /// Assignment refused: the plan type is not available for the instance's environment.
    EnvironmentNotAllowed = "ENVIRONMENT_NOT_ALLOWED",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest message a problem keeps, in bytes.
pub const MAX_MESSAGE_LEN: usize = 300;

/// One problem found in an input: what (code), where (JSON path) and why (message).
/// Serialized as `{code, path, message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The stable code.
    pub code: Code,
    /// JSON path of the offending value, e.g. `plans[1].prices[3].tiers[2].upTo`.
    pub path: String,
    /// A sentence for people.
    pub message: String,
}

impl Problem {
    /// Creates a problem. A message longer than [`MAX_MESSAGE_LEN`] bytes (one quoting a
    /// megabyte-long id, say) is cut, so that an error stays readable and small.
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.len() > MAX_MESSAGE_LEN {
            let mut end = MAX_MESSAGE_LEN;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push('…');
        }
        Problem { code, path: path.into(), message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{}: {}: {}", self.path, self.code, self.message)
        }
    }
}

/// The error of every fallible operation.
///
/// [`Error::code`] and [`Error::path`] describe the first problem; [`Error::problems`] lists
/// every problem found (at least one), so a caller can show them all at once.
///
/// # Example
/// ```
/// use ratecard::{Code, TierTable};
/// let err = TierTable::from_json(r#"{"mode":"volume","tiers":[{"upto":"10","unitPrice":"1"}]}"#)
///     .unwrap_err();
/// assert_eq!(err.code(), Code::UnknownField);
/// // Paths start at the argument's name, as in every runtime's JSON API.
/// assert_eq!(err.path(), "table.tiers[0].upto");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    problems: Vec<Problem>,
}

impl Error {
    /// An error with a single problem.
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error { problems: vec![Problem::new(code, path, message)] }
    }

    /// An error made of several problems. Returns `None` when the list is empty.
    pub fn from_problems(problems: Vec<Problem>) -> Option<Self> {
        (!problems.is_empty()).then_some(Error { problems })
    }

    /// The code of the first problem.
    pub fn code(&self) -> Code {
        self.problems[0].code
    }

    /// The JSON path of the first problem.
    pub fn path(&self) -> &str {
        &self.problems[0].path
    }

    /// Every problem found; never empty.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The same error with every problem's path rewritten by `path`.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn map_paths(mut self, path: impl Fn(&str) -> String) -> Self {
        for p in &mut self.problems {
            p.path = path(&p.path);
        }
        self
    }

    /// Puts `prefix` in front of every path (`"order"` + `lines[0]` = `order.lines[0]`).
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        for p in &mut self.problems {
            p.path = join_path(prefix, &p.path);
        }
        self
    }
}

/// Joins a path prefix and a relative path (`a` + `b` = `a.b`, `a` + `[0]` = `a[0]`).
pub(crate) fn join_path(prefix: &str, rest: &str) -> String {
    // Called for every field decoded, so written without the formatting machinery.
    let mut path = String::with_capacity(prefix.len() + rest.len() + 1);
    path.push_str(prefix);
    if !prefix.is_empty() && !rest.is_empty() && !rest.starts_with('[') {
        path.push('.');
    }
    path.push_str(rest);
    path
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.problems[0])?;
        match self.problems.len() {
            // An INVALID_CATALOG problem counts the catalog's problems after it itself.
            _ if self.problems[0].code == Code::InvalidCatalog => Ok(()),
            1 => Ok(()),
            n => write!(f, " (and {} more problem{})", n - 1, if n == 2 { "" } else { "s" }),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'));
        }
    }

    #[test]
    fn display_counts_the_other_problems() {
        let e = Error::from_problems(vec![
            Problem::new(Code::UnknownField, "a", "x"),
            Problem::new(Code::MissingField, "b", "y"),
            Problem::new(Code::MissingField, "c", "z"),
        ])
        .unwrap();
        assert_eq!(e.to_string(), "a: UNKNOWN_FIELD: x (and 2 more problems)");
        assert_eq!(e.within("order").path(), "order.a");
        assert!(Error::from_problems(vec![]).is_none());
    }
}
