//! Currencies, rounding and checked arithmetic.
//!
//! Unit prices and rates keep full precision; an amount is rounded once, to its currency's
//! minor unit, when it becomes a quote line ([`Money::round`]).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Code, Error};

/// ISO 4217 codes whose minor unit is not 2 (funds and metals without a minor unit are left
/// out). Every other code in [`ISO_CODES`] has 2 decimal places.
const ISO_EXPONENTS: &[(&str, u32)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLF", 4),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("UYI", 0),
    ("UYW", 4),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
];

/// Active ISO 4217 currency codes (list of 2025), space separated.
const ISO_CODES: &str = "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB \
BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP \
DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR \
ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK \
MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG \
QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND \
TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER \
ZAR ZMW ZWG";

/// Whether `code` is in [`ISO_CODES`], by binary search: the list is sorted and each code
/// takes 4 bytes (3 letters and a space).
fn is_iso_code(code: &[u8]) -> bool {
    let listed = |i: usize| &ISO_CODES.as_bytes()[i * 4..i * 4 + 3];
    let (mut low, mut high) = (0, ISO_CODES.len().div_ceil(4));
    while low < high {
        let middle = (low + high) / 2;
        match listed(middle).cmp(code) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Largest number of decimal places a custom currency may declare.
pub const MAX_CUSTOM_EXPONENT: u32 = 8;

/// A currency: its code and the number of decimal places of its minor unit.
///
/// # Example
/// ```
/// use ratecard::Currency;
/// assert_eq!(Currency::iso("JPY").unwrap().exponent(), 0);
/// assert_eq!(Currency::iso("KWD").unwrap().exponent(), 3);
/// assert!(Currency::iso("XYZ").is_none());
/// let credits = Currency::custom("CREDIT", 4).unwrap();
/// assert_eq!(credits.code(), "CREDIT");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    /// The code's ASCII bytes, then zeros: held inline, so that every amount can carry its
    /// currency without an allocation.
    code: [u8; MAX_CODE_LEN],
    len: u8,
    exponent: u32,
}

/// A currency code as a fixed-size key: see [`Currency::code_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeKey([u8; MAX_CODE_LEN]);

/// Longest currency code (custom codes have 3 to 10 characters).
const MAX_CODE_LEN: usize = 10;

impl std::fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Currency").field("code", &self.code()).field("exponent", &self.exponent).finish()
    }
}

impl Currency {
    /// The ISO 4217 currency with this code (upper case), if there is one.
    pub fn iso(code: &str) -> Option<Currency> {
        if code.len() != 3 || !is_iso_code(code.as_bytes()) {
            return None;
        }
        let exponent = ISO_EXPONENTS.iter().find(|(c, _)| *c == code).map_or(2, |(_, e)| *e);
        Some(Currency::new(code, exponent))
    }

    /// A currency that is not in ISO 4217 (credits, tokens), with its own number of decimals.
    ///
    /// # Errors
    /// `INVALID_VALUE` when the code is not 3 to 10 upper-case letters or digits starting with a
    /// letter, or the exponent is above [`MAX_CUSTOM_EXPONENT`].
    pub fn custom(code: &str, exponent: u32) -> Result<Currency, Error> {
        let well_formed = (3..=10).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !well_formed {
            return Err(Error::new(
                Code::InvalidValue,
                "code",
                format!("\"{code}\" is not a currency code: use 3 to 10 upper-case letters or digits"),
            ));
        }
        if exponent > MAX_CUSTOM_EXPONENT {
            return Err(Error::new(
                Code::InvalidValue,
                "exponent",
                format!("a currency has at most {MAX_CUSTOM_EXPONENT} decimal places, found {exponent}"),
            ));
        }
        Ok(Currency::new(code, exponent))
    }

    /// A currency of a checked code: ASCII, at most [`MAX_CODE_LEN`] bytes.
    fn new(code: &str, exponent: u32) -> Currency {
        let mut bytes = [0; MAX_CODE_LEN];
        bytes[..code.len()].copy_from_slice(code.as_bytes());
        Currency { code: bytes, len: code.len() as u8, exponent }
    }

    /// The code as a fixed-size key (its bytes, then zeros; `None` past [`MAX_CODE_LEN`]
    /// bytes): compared inline, where comparing strings calls `memcmp`.
    pub(crate) fn code_key(code: &str) -> Option<CodeKey> {
        if code.contains('\0') {
            return None; // a zero byte would read as padding
        }
        let mut key = [0; MAX_CODE_LEN];
        key.get_mut(..code.len())?.copy_from_slice(code.as_bytes());
        Some(CodeKey(key))
    }

    /// This currency's [`Currency::code_key`].
    pub(crate) fn key(&self) -> CodeKey {
        CodeKey(self.code)
    }

    /// The currency code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        // ASCII by construction.
        std::str::from_utf8(&self.code[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Decimal places of the minor unit (USD 2, JPY 0, KWD 3).
    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

/// How an amount is rounded to its currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// Ties go away from zero: 0.125 -> 0.13, -0.125 -> -0.13 (the default).
    #[default]
    HalfUp,
    /// Ties go to the even digit ("banker's rounding"): 0.125 -> 0.12, 0.135 -> 0.14.
    HalfEven,
}

impl Rounding {
    /// Rounds `exact` to `places` decimal places and sets exactly that scale (`5` -> `5.00`).
    ///
    /// # Errors
    /// `OVERFLOW` when the result cannot carry that many decimal places.
    ///
    /// # Example
    /// ```
    /// use ratecard::Rounding;
    /// use rust_decimal::Decimal;
    /// let d: Decimal = "2.345".parse().unwrap();
    /// assert_eq!(Rounding::HalfUp.round(d, 2).unwrap().to_string(), "2.35");
    /// assert_eq!(Rounding::HalfEven.round(d, 2).unwrap().to_string(), "2.34");
    /// ```
    pub fn round(self, exact: Decimal, places: u32) -> Result<Decimal, Error> {
        let strategy = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        let mut d = exact.round_dp_with_strategy(places, strategy);
        if d.is_zero() {
            d = Decimal::ZERO; // never "-0.00"
        }
        d.rescale(places);
        if d.scale() != places {
            return Err(overflow(&format!("rounding {exact} to {places} decimal places")));
        }
        Ok(d)
    }
}

/// How `n` compares with `m x d`, exactly, in 128-bit integers (38 digits, ten more than a
/// decimal holds): `OVERFLOW` beyond them.
fn compare_product(n: Decimal, m: Decimal, d: Decimal) -> Result<std::cmp::Ordering, Error> {
    let too_large = || overflow(&format!("comparing {n} with {m} x {d}"));
    let product = m.mantissa().checked_mul(d.mantissa()).ok_or_else(too_large)?;
    let (product_scale, n_scale) = (m.scale() + d.scale(), n.scale());
    let scale = product_scale.max(n_scale);
    let at_scale = |v: i128, from: u32| {
        10i128.checked_pow(scale - from).and_then(|f| v.checked_mul(f)).ok_or_else(too_large)
    };
    Ok(at_scale(n.mantissa(), n_scale)?.cmp(&at_scale(product, product_scale)?))
}

/// An amount rounded to its currency's minor unit.
///
/// # Example
/// ```
/// use ratecard::{Currency, Money, Rounding};
/// let usd = Currency::iso("USD").unwrap();
/// let m = Money::round("10.005".parse().unwrap(), &usd, Rounding::HalfUp).unwrap();
/// assert_eq!(m.to_string(), "10.01 USD");
/// assert_eq!(m.minor_units(), 1001);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Rounds an exact amount to the currency's minor unit.
    ///
    /// # Errors
    /// `OVERFLOW` when the amount is too large to carry the currency's decimal places.
    pub fn round(exact: Decimal, currency: &Currency, rounding: Rounding) -> Result<Money, Error> {
        Ok(Money { amount: rounding.round(exact, currency.exponent)?, currency: *currency })
    }

    /// `numerator / denominator` rounded once to the currency, exactly: the quotient is first
    /// found to 28 significant digits, then the rounding is checked against the exact ratio by
    /// multiplying back, so a quotient that lands within its last digit of a rounding midpoint
    /// still rounds the way the exact value does. `denominator` is positive.
    ///
    /// # Errors
    /// `OVERFLOW` when the check cannot be done exactly within the decimal range: refused, never
    /// a cent off.
    ///
    /// # Example
    /// ```
    /// use ratecard::{Currency, Decimal, Money, Rounding};
    /// let usd = Currency::iso("USD").unwrap();
    /// let third = Money::round_ratio(Decimal::from(1), Decimal::from(3), &usd, Rounding::HalfUp).unwrap();
    /// assert_eq!(third.to_string(), "0.33 USD");
    /// // 0.125 is a midpoint: half-up goes away from zero, half-even to the even cent.
    /// let eighth = |r| Money::round_ratio(Decimal::from(1), Decimal::from(8), &usd, r).unwrap().to_string();
    /// assert_eq!((eighth(Rounding::HalfUp), eighth(Rounding::HalfEven)), ("0.13 USD".into(), "0.12 USD".into()));
    /// ```
    pub fn round_ratio(
        numerator: Decimal,
        denominator: Decimal,
        currency: &Currency,
        rounding: Rounding,
    ) -> Result<Money, Error> {
        let negative = numerator.is_sign_negative() && !numerator.is_zero();
        let n = numerator.abs();
        let places = currency.exponent;
        let mut r = rounding.round(checked::div(n, denominator)?, places)?;
        let half = Decimal::new(5, places + 1);
        let unit = Decimal::new(1, places);
        // `r` is right when (r - half) x d <= n < (r + half) x d (half-up), the midpoints going
        // to the even neighbour under half-even; a 28-digit quotient is off by one unit at most.
        let half_even = matches!(rounding, Rounding::HalfEven);
        let odd = |r: Decimal| (r / unit).trunc() % Decimal::TWO != Decimal::ZERO;
        for _ in 0..2 {
            let lower = compare_product(n, checked::sub(r, half)?, denominator)?;
            let upper = compare_product(n, checked::add(r, half)?, denominator)?;
            if lower.is_lt() || lower.is_eq() && half_even && odd(r) {
                r = checked::sub(r, unit)?;
            } else if upper.is_gt() || upper.is_eq() && (!half_even || odd(r)) {
                r = checked::add(r, unit)?;
            } else {
                break;
            }
        }
        let amount = if negative { -r } else { r };
        Money::round(amount, currency, rounding)
    }

    /// The sum of rounded amounts in `currency` (a quote's or an invoice's total: the lines
    /// add up on the bill).
    ///
    /// # Errors
    /// `OVERFLOW` when the sum exceeds the decimal range.
    pub(crate) fn sum<'m>(
        amounts: impl IntoIterator<Item = &'m Money>,
        currency: &Currency,
    ) -> Result<Money, Error> {
        // Every amount has the currency's scale, so the sum is the sum of the minor units.
        let mut minor: i128 = 0;
        for m in amounts {
            debug_assert_eq!(m.currency.code(), currency.code(), "a sum of one currency");
            minor = minor.checked_add(m.minor_units()).ok_or_else(|| overflow("the total"))?;
        }
        let amount =
            Decimal::try_from_i128_with_scale(minor, currency.exponent).map_err(|_| overflow("the total"))?;
        Ok(Money { amount, currency: *currency })
    }

    /// The rounded amount, with exactly the currency's number of decimal places.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The amount in minor units (cents for USD, yen for JPY).
    pub fn minor_units(&self) -> i128 {
        self.amount.mantissa()
    }

    /// The amount as JSON text (`"12.50"`).
    pub(crate) fn amount_text(&self) -> String {
        decimal_text(self.amount)
    }

    /// The integer minor units as a decimal (the amount's digits, without its point).
    pub(crate) fn minor(&self) -> Decimal {
        Decimal::from_i128_with_scale(self.amount.mantissa(), 0)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code())
    }
}

/// `d` as text, exactly as its `Display` writes it (`-0.050`, `12`), without the formatting
/// machinery: output is written a hundred times per quote, and this is several times faster.
pub(crate) fn decimal_text(d: Decimal) -> String {
    let mut out = String::with_capacity(16);
    write_decimal(d, &mut out);
    out
}

/// Appends `d` as [`decimal_text`] writes it.
pub(crate) fn write_decimal(d: Decimal, out: &mut String) {
    write_fixed(d.mantissa().unsigned_abs(), d.scale(), d.is_sign_negative(), out);
}

/// Appends `magnitude` x 10^-`scale` (negative when `negative`) as `Decimal`'s `Display` does:
/// the digits by `itoa` (in 64-bit arithmetic while they fit), the point placed in them.
pub(crate) fn write_fixed(magnitude: u128, scale: u32, negative: bool, out: &mut String) {
    let mut buffer = itoa::Buffer::new();
    let digits = match u64::try_from(magnitude) {
        Ok(small) => buffer.format(small),
        Err(_) => buffer.format(magnitude),
    };
    let scale = scale as usize;
    if negative {
        out.push('-');
    }
    if digits.len() > scale {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        out.push_str(whole);
        if scale > 0 {
            out.push('.');
            out.push_str(fraction);
        }
    } else {
        // A digit before the point: 5 at scale 3 is 0.005.
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(digits);
    }
}

/// `d` with its trailing zeros removed but never fewer than `places` decimal places (`5` in USD
/// is `5.00`, `0.00685` stays `0.00685`): how exact amounts are shown.
pub(crate) fn exact(d: Decimal, places: u32) -> Decimal {
    let mut n = d.normalize();
    if n.scale() < places {
        n.rescale(places);
    }
    n
}

pub(crate) fn overflow(what: &str) -> Error {
    Error::new(Code::Overflow, "", format!("{what} exceeds the exact decimal range (28 digits)"))
}

/// Checked decimal arithmetic: a result that overflows, or that `rust_decimal` would have to
/// round to fit 28 digits, is an `OVERFLOW` error, never a panic, a wrap or a silent rounding.
pub(crate) mod checked {
    use super::overflow;
    use crate::error::Error;
    use rust_decimal::Decimal;

    /// Accepts `r` only if it carries `scale` decimal places, i.e. nothing was rounded away.
    fn exact(r: Option<Decimal>, scale: u32, what: impl FnOnce() -> String) -> Result<Decimal, Error> {
        match r {
            // rust_decimal may give a zero result another scale; zero is always exact.
            Some(r) if r.scale() == scale || r.is_zero() => Ok(r),
            _ => Err(overflow(&what())),
        }
    }

    pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        let (a, b) = (a.normalize(), b.normalize());
        exact(a.checked_add(b), a.scale().max(b.scale()), || format!("{a} + {b}"))
    }
    pub(crate) fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        add(a, -b)
    }
    pub(crate) fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        let (a, b) = (a.normalize(), b.normalize());
        exact(a.checked_mul(b), a.scale() + b.scale(), || format!("{a} x {b}"))
    }
    /// Division, which may round at the 28th digit (used for rates derived for display and
    /// fractional blocks only); the divisor is validated to be non-zero where it comes from input.
    pub(crate) fn div(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        a.checked_div(b).ok_or_else(|| overflow(&format!("{a} / {b}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_writes_what_display_writes() {
        let cases = [
            "0",
            "-0.00",
            "0.005",
            "-0.005",
            "12",
            "12.50",
            "79228162514264337593543950335",
            "-0.0000000000000000000000000001",
            "1000000",
        ];
        for c in cases {
            let v: Decimal = c.parse().unwrap();
            assert_eq!(decimal_text(v), v.to_string(), "{c}");
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = Decimal::from_i128_with_scale(i128::from(x as i64) * i128::from(x >> 40), i % 29);
            assert_eq!(decimal_text(v), v.to_string());
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn iso_table_has_the_exceptions_and_defaults_to_two() {
        for (code, exp) in
            [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4), ("KRW", 0)]
        {
            assert_eq!(Currency::iso(code).unwrap().exponent(), exp, "{code}");
        }
        let codes: Vec<_> = ISO_CODES.split(' ').collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "ISO_CODES sorted, no duplicates");
        assert!(codes.iter().all(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase())));
        for (code, _) in ISO_EXPONENTS {
            assert!(Currency::iso(code).is_some(), "{code} missing from ISO_CODES");
        }
        assert!(Currency::iso("usd").is_none());
        assert!(Currency::iso("US").is_none());
    }

    #[test]
    fn custom_currencies_are_checked() {
        assert!(Currency::custom("CR", 2).is_err());
        assert!(Currency::custom("credit", 2).is_err());
        assert!(Currency::custom("CREDIT", 9).is_err());
        assert_eq!(Currency::custom("CREDIT", 8).unwrap().exponent(), 8);
    }

    #[test]
    fn half_up_and_half_even_differ_only_on_ties() {
        let cases = [
            ("0.125", "0.13", "0.12"),
            ("0.135", "0.14", "0.14"),
            ("-0.125", "-0.13", "-0.12"),
            ("0.1249999", "0.12", "0.12"),
            ("0.1250001", "0.13", "0.13"),
            ("-0.001", "0.00", "0.00"),
            ("7", "7.00", "7.00"),
        ];
        for (exact, up, even) in cases {
            assert_eq!(Rounding::HalfUp.round(d(exact), 2).unwrap().to_string(), up, "{exact}");
            assert_eq!(Rounding::HalfEven.round(d(exact), 2).unwrap().to_string(), even, "{exact}");
        }
    }

    #[test]
    fn rounds_to_the_currency_minor_unit() {
        let jpy = Currency::iso("JPY").unwrap();
        let kwd = Currency::iso("KWD").unwrap();
        assert_eq!(Money::round(d("1234.5"), &jpy, Rounding::HalfUp).unwrap().to_string(), "1235 JPY");
        assert_eq!(Money::round(d("1234.5"), &jpy, Rounding::HalfEven).unwrap().to_string(), "1234 JPY");
        let m = Money::round(d("1.23456"), &kwd, Rounding::HalfUp).unwrap();
        assert_eq!((m.amount().to_string(), m.minor_units()), ("1.235".to_string(), 1235));
    }

    #[test]
    fn rounding_that_cannot_keep_the_scale_is_an_overflow() {
        let huge = Decimal::MAX;
        assert_eq!(Rounding::HalfUp.round(huge, 2).unwrap_err().code(), Code::Overflow);
        assert_eq!(checked::mul(huge, d("2")).unwrap_err().code(), Code::Overflow);
        assert_eq!(checked::add(huge, d("1")).unwrap_err().code(), Code::Overflow);
        // Fits in range only by rounding away digits: refused, never silently rounded.
        assert_eq!(
            checked::add(d("7922816251426433759354395034"), d("0.5")).unwrap_err().code(),
            Code::Overflow
        );
        assert_eq!(checked::mul(huge, d("0.25")).unwrap_err().code(), Code::Overflow);
        assert_eq!(checked::mul(d("1.5"), d("2.50")).unwrap().to_string(), "3.75");
        assert!(checked::mul(d("0"), d("0.1")).unwrap().is_zero());
        assert!(checked::add(d("-0.5"), d("0.5")).unwrap().is_zero());
        assert_eq!(checked::sub(d("1"), d("3.5")).unwrap().to_string(), "-2.5");
    }

    #[test]
    fn exact_text_keeps_precision_and_currency_places() {
        assert_eq!(decimal_text(exact(d("5"), 2)), "5.00");
        assert_eq!(decimal_text(exact(d("0.006850"), 2)), "0.00685");
        assert_eq!(decimal_text(exact(d("12.5000"), 0)), "12.5");
    }
}
