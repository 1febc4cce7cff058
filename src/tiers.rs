//! Tier tables: `volume` and `graduated` pricing with inclusive `upTo` bounds, flat prices per
//! tier and optional block pricing. Every result explains itself tier by tier.

use rust_decimal::Decimal;

use crate::error::{Code, Error};
use crate::input::{self, At, Field, List, Num, Problems};
use crate::json_text::{list, object, with, ToJson};
use crate::limits::MAX_TIERS;
use crate::money::{checked, exact, Currency, Money, Rounding};

/// How a tier table turns a quantity into an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TierMode {
    /// The whole quantity is priced at the one tier it falls in: `q * unitPrice + flatPrice`
    /// (ComputeStacks "maximum allowed quantity", Kill Bill TOP_TIER). The default.
    #[default]
    Volume,
    /// Each tier prices the part of the quantity inside it and adds its flat price once when
    /// the quantity reaches into it (Stripe graduated, Kill Bill ALL_TIERS).
    Graduated,
}

/// How a quantity becomes a number of blocks when the table has a `blockSize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockRounding {
    /// A started block counts whole: 250 GB in 100 GB blocks is 3 blocks (the default).
    #[default]
    Up,
    /// Only full blocks count: 250 GB in 100 GB blocks is 2 blocks.
    Down,
    /// Fractional blocks: 250 GB in 100 GB blocks is 2.5 blocks.
    None,
}

/// One tier: it covers quantities above the previous tier's bound up to and including `up_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// Inclusive upper bound; `None` means unbounded (last tier only).
    pub up_to: Option<Decimal>,
    /// Price per unit (or per block) inside this tier, full precision.
    pub unit_price: Decimal,
    /// Price added once when the quantity falls in (volume) or reaches into (graduated) this tier.
    pub flat_price: Decimal,
}

/// A validated tier table.
///
/// # Example
/// ```
/// use ratecard::TierTable;
/// let table = TierTable::from_json(r#"{
///     "mode": "graduated",
///     "tiers": [
///         { "upTo": "100", "unitPrice": "0.10" },
///         { "upTo": null, "unitPrice": "0.05" }
///     ]
/// }"#).unwrap();
/// let price = table.price("250".parse().unwrap()).unwrap();
/// assert_eq!(price.amount.to_string(), "17.5"); // 100 x 0.10 + 150 x 0.05, exact
/// assert_eq!(price.lines.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierTable {
    mode: TierMode,
    tiers: Vec<Tier>,
    block_size: Option<Decimal>,
    block_rounding: BlockRounding,
    /// Graduated tables: the exact amount of all the tiers below tier `i` when full, summed in
    /// tier order as a price sums them (`None` from a sum that overflows on). Computed once at
    /// load, so an amount costs a binary search and one tier, not a walk over every tier.
    below: Vec<Option<Decimal>>,
}

/// The part of a price that one tier contributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierLine {
    /// Index of the tier in the table (0 = first).
    pub tier: usize,
    /// Exclusive lower bound of the tier (0 for the first tier).
    pub from: Decimal,
    /// Inclusive upper bound of the tier, `None` when unbounded.
    pub up_to: Option<Decimal>,
    /// Quantity priced in this tier (in blocks for a block table).
    pub quantity: Decimal,
    /// Unit price of the tier.
    pub unit_price: Decimal,
    /// Flat price of the tier that was charged.
    pub flat_price: Decimal,
    /// `quantity * unit_price + flat_price`, exact.
    pub amount: Decimal,
}

/// The price of a quantity: the exact amount and how each tier contributed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierPrice {
    /// The quantity asked for.
    pub quantity: Decimal,
    /// Number of blocks priced, for a table with a block size.
    pub blocks: Option<Decimal>,
    /// Exact amount (unrounded).
    pub amount: Decimal,
    /// Contribution of each tier used.
    pub lines: Vec<TierLine>,
}

/// Each mode with its name in JSON.
pub(crate) const MODES: [(&str, TierMode); 2] =
    [("volume", TierMode::Volume), ("graduated", TierMode::Graduated)];

/// Each block rounding with its name in JSON.
pub(crate) const BLOCK_ROUNDINGS: [(&str, BlockRounding); 3] =
    [("up", BlockRounding::Up), ("down", BlockRounding::Down), ("none", BlockRounding::None)];

/// Where a quantity lands in a table: what a quote line needs when it does not explain tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    /// The tier the quantity reaches.
    pub(crate) tier: usize,
    /// That tier's unit price.
    pub(crate) unit_price: Decimal,
    /// The exact amount.
    pub(crate) amount: Decimal,
}

impl Reach {
    fn of(p: &TierPrice) -> Reach {
        let last = p.lines.last();
        Reach {
            tier: last.map_or(0, |l| l.tier),
            unit_price: last.map_or(Decimal::ZERO, |l| l.unit_price),
            amount: p.amount,
        }
    }
}

impl TierTable {
    /// Builds and validates a table.
    ///
    /// # Errors
    /// Every problem at once (`Error::problems`): `EMPTY_TIERS`, `TIER_BOUND_NOT_POSITIVE`,
    /// `TIER_BOUNDS_NOT_INCREASING`, `UNBOUNDED_TIER_NOT_LAST`, `NEGATIVE_PRICE` (unless
    /// `allow_credits`), `INVALID_VALUE` for a block size that is not positive.
    ///
    /// # Example
    /// ```
    /// use ratecard::{Code, Tier, TierMode, BlockRounding, TierTable};
    /// let tier = |up: Option<&str>, p: &str| Tier {
    ///     up_to: up.map(|u| u.parse().unwrap()), unit_price: p.parse().unwrap(), flat_price: 0.into(),
    /// };
    /// let err = TierTable::new(TierMode::Volume, vec![tier(None, "1"), tier(Some("5"), "2")],
    ///     None, BlockRounding::Up, false).unwrap_err();
    /// assert_eq!(err.code(), Code::UnboundedTierNotLast);
    /// ```
    pub fn new(
        mode: TierMode,
        tiers: Vec<Tier>,
        block_size: Option<Decimal>,
        block_rounding: BlockRounding,
        allow_credits: bool,
    ) -> Result<TierTable, Error> {
        let mut p = Problems::new();
        if block_size.is_some_and(|b| b <= Decimal::ZERO) {
            p.add(Code::InvalidValue, "blockSize", "the block size must be greater than zero");
        }
        check_tiers(&mut p, &At::Root.key("tiers"), &tiers, !allow_credits);
        p.finish(Some(()))?;
        Ok(TierTable::build(mode, tiers, block_size, block_rounding))
    }

    /// Parses and validates a table from JSON:
    /// `{"mode": "volume"|"graduated", "tiers": [{"upTo", "unitPrice", "flatPrice"?}],
    ///   "blockSize"?, "blockRounding"?: "up"|"down"|"none"}`. Negative prices are refused.
    ///
    /// # Errors
    /// Every problem at once, with paths under `table`, as the JSON API gives them
    /// (`table.tiers[2].upTo`).
    pub fn from_json(text: &str) -> Result<TierTable, Error> {
        input::from_json(text, "table", |p, doc: &TableDoc, at| {
            p.fields(doc, at);
            TierTable::validate(p, doc, at, false)
        })
    }

    /// Checks a table read from JSON (its unknown keys are the caller's: a price rule has
    /// keys of its own).
    pub(crate) fn validate(
        p: &mut Problems,
        doc: &TableDoc,
        at: &At<'_>,
        allow_credits: bool,
    ) -> Option<TierTable> {
        let mode = p.opt(&doc.mode, &at.key("mode"), |p, s, at| p.choice(s, at, &MODES));
        let block_size = p.opt(&doc.blockSize, &at.key("blockSize"), Problems::positive);
        let block_rounding =
            p.opt(&doc.blockRounding, &at.key("blockRounding"), |p, s, at| p.choice(s, at, &BLOCK_ROUNDINGS));
        let tiers_at = at.key("tiers");
        let tiers = p.req(&doc.tiers, &tiers_at, |p, list, at| {
            let items =
                list.within_limit(p, at, |n| format!("{n} tiers; a table has at most {MAX_TIERS}"))?;
            p.all(items, at, |p, tier, at| validate_tier(p, tier, at, allow_credits))
        });
        if let Some(tiers) = &tiers {
            check_tiers(p, &tiers_at, tiers, false);
        }
        Some(TierTable::build(
            mode?.unwrap_or_default(),
            tiers?,
            block_size?,
            block_rounding?.unwrap_or_default(),
        ))
    }

    /// A table from checked tiers, with the sums of full tiers computed once.
    fn build(
        mode: TierMode,
        tiers: Vec<Tier>,
        block_size: Option<Decimal>,
        block_rounding: BlockRounding,
    ) -> TierTable {
        let mut table = TierTable { mode, tiers, block_size, block_rounding, below: Vec::new() };
        if mode == TierMode::Graduated {
            let mut sum = Some(Decimal::ZERO);
            let mut below = Vec::with_capacity(table.tiers.len());
            for i in 0..table.tiers.len() {
                below.push(sum);
                sum = sum.zip(table.tiers[i].up_to).and_then(|(sum, up)| {
                    let full = checked::sub(up, table.lower(i)).ok()?;
                    table.add(sum, table.line(i, full).ok()?.amount).ok()
                });
            }
            table.below = below;
        }
        table
    }

    /// The pricing mode.
    pub fn mode(&self) -> TierMode {
        self.mode
    }

    /// The tiers, in order.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// How a quantity becomes blocks (when the table has a block size).
    pub fn block_rounding(&self) -> BlockRounding {
        self.block_rounding
    }

    /// The block size, if the table prices blocks.
    pub fn block_size(&self) -> Option<Decimal> {
        self.block_size
    }

    /// Prices a quantity.
    ///
    /// # Errors
    /// `NEGATIVE_QUANTITY`; `QUANTITY_ABOVE_LAST_TIER` when the last tier is bounded and the
    /// quantity is above it; `OVERFLOW` when the amount exceeds the decimal range.
    ///
    /// # Example
    /// ```
    /// use ratecard::TierTable;
    /// // 100 GB blocks, started blocks count: 250 GB is 3 blocks.
    /// let t = TierTable::from_json(r#"{"blockSize":"100","tiers":[{"upTo":null,"unitPrice":"4"}]}"#).unwrap();
    /// let p = t.price("250".parse().unwrap()).unwrap();
    /// assert_eq!(p.blocks.unwrap().to_string(), "3");
    /// assert_eq!(p.amount.to_string(), "12");
    /// ```
    pub fn price(&self, quantity: Decimal) -> Result<TierPrice, Error> {
        if quantity.is_sign_negative() && !quantity.is_zero() {
            return Err(Error::new(
                Code::NegativeQuantity,
                "",
                format!("the quantity {quantity} is negative"),
            ));
        }
        let blocks = self.blocks(quantity)?;
        let q = blocks.unwrap_or(quantity);
        let lines = match self.mode {
            TierMode::Volume => self.volume(q)?,
            TierMode::Graduated => self.graduated(q)?,
        };
        let mut amount = Decimal::ZERO;
        for line in &lines {
            amount = self.add(amount, line.amount)?;
        }
        Ok(TierPrice { quantity, blocks, amount, lines })
    }

    /// The exact amount of a quantity, as [`TierTable::price`] computes it, without the
    /// explanation: a binary search and one tier, however many tiers the table has.
    ///
    /// # Errors
    /// As [`TierTable::price`].
    ///
    /// # Example
    /// ```
    /// use ratecard::TierTable;
    /// let t = TierTable::from_json(r#"{"mode":"graduated","tiers":[{"upTo":"100","unitPrice":"0.10"},
    ///     {"upTo":null,"unitPrice":"0.08","flatPrice":"1"}]}"#).unwrap();
    /// let q = "250".parse().unwrap();
    /// assert_eq!(t.amount(q).unwrap(), t.price(q).unwrap().amount);
    /// ```
    pub fn amount(&self, quantity: Decimal) -> Result<Decimal, Error> {
        Ok(self.reach(quantity)?.amount)
    }

    /// [`TierTable::amount`] of a positive quantity in 128-bit integers, as `(mantissa,
    /// scale)`, or `None` where it would take more than that: blocks, negative prices, a zero
    /// amount, or a value past what a `Decimal` holds at any step. Where it answers, the value
    /// is the one the exact path computes (each step here keeps at least the scale the exact
    /// path keeps, with no more than 96 bits, so the exact path neither rounds nor overflows
    /// there); the caller rounds or normalises it, which depends on the value alone. About half
    /// the exact path's work: what a loaded table's amounts take.
    pub(crate) fn fast_amount(&self, quantity: Decimal) -> Option<(i128, u32)> {
        self.fast_reach(quantity).map(|(_, m, s)| (m, s))
    }

    /// [`TierTable::fast_amount`] with the tier the quantity reaches: `(tier, mantissa, scale)`.
    fn fast_reach(&self, quantity: Decimal) -> Option<(usize, i128, u32)> {
        if self.block_size.is_some() || quantity.is_sign_negative() {
            return None;
        }
        let q = Fixed::of(quantity)?;
        // The first tier whose bound `q` does not pass, as `tier_of` finds it, in integers.
        let (mut i, mut end) = (0, self.tiers.len());
        while i < end {
            let middle = (i + end) / 2;
            let passed = match self.tiers[middle].up_to {
                Some(up) => Fixed::of(up)?.below(q)?,
                None => false,
            };
            if passed {
                i = middle + 1;
            } else {
                end = middle;
            }
        }
        let tier = self.tiers.get(i)?;
        let priced = |units: Fixed| units.mul(Fixed::of(tier.unit_price)?)?.add(Fixed::of(tier.flat_price)?);
        let amount = match self.mode {
            TierMode::Volume => priced(q)?,
            TierMode::Graduated => {
                let below = Fixed::of((*self.below.get(i)?)?)?;
                below.add(priced(q.sub(Fixed::of(self.lower(i))?)?)?)?
            }
        };
        (amount.m > 0).then_some((i, amount.m, amount.s))
    }

    /// The tier a quantity reaches, its unit price, and the exact amount (normalised: which
    /// path computed it does not show): in integers where [`TierTable::fast_amount`] answers,
    /// otherwise in exact decimals.
    pub(crate) fn reach(&self, quantity: Decimal) -> Result<Reach, Error> {
        let fast = self.fast_reach(quantity).and_then(|(tier, m, s)| {
            Some(Reach {
                tier,
                unit_price: self.tiers[tier].unit_price,
                amount: Decimal::try_from_i128_with_scale(m, s).ok()?.normalize(),
            })
        });
        if let Some(reach) = fast {
            return Ok(reach);
        }
        self.exact_reach(quantity).map(|r| Reach { amount: r.amount.normalize(), ..r })
    }

    /// [`TierTable::amount`] by the exact decimal path alone: what the integer path is held to.
    pub(crate) fn exact_amount(&self, quantity: Decimal) -> Result<Decimal, Error> {
        Ok(self.exact_reach(quantity)?.amount)
    }

    /// [`TierTable::reach`] in exact decimals.
    fn exact_reach(&self, quantity: Decimal) -> Result<Reach, Error> {
        if quantity.is_sign_negative() && !quantity.is_zero() {
            return self.price(quantity).map(|p| Reach::of(&p));
        }
        let q = self.blocks(quantity)?.unwrap_or(quantity);
        let i = self.tier_of(q).ok_or_else(|| self.above_last(q))?;
        let amount = match (self.mode, self.below.get(i)) {
            (TierMode::Volume, _) => self.add(Decimal::ZERO, self.line(i, q)?.amount)?,
            (TierMode::Graduated, Some(Some(below))) => {
                self.add(*below, self.line(i, checked::sub(q, self.lower(i))?)?.amount)?
            }
            // A sum of full tiers that overflows: the walk reports it exactly as it happens.
            (TierMode::Graduated, _) => return self.price(quantity).map(|p| Reach::of(&p)),
        };
        Ok(Reach { tier: i, unit_price: self.tiers[i].unit_price, amount })
    }

    /// The quantity in blocks, for a table with a block size.
    pub(crate) fn blocks(&self, quantity: Decimal) -> Result<Option<Decimal>, Error> {
        let Some(size) = self.block_size else { return Ok(None) };
        let raw = checked::div(quantity, size)?;
        Ok(Some(match self.block_rounding {
            BlockRounding::Up => raw.ceil(),
            BlockRounding::Down => raw.floor(),
            BlockRounding::None => raw,
        }))
    }

    /// The first tier whose bound `q` does not pass; `None` above a bounded last tier.
    fn tier_of(&self, q: Decimal) -> Option<usize> {
        let i = self.tiers.partition_point(|t| t.up_to.is_some_and(|up| up < q));
        (i < self.tiers.len()).then_some(i)
    }

    /// Exclusive lower bound of tier `i`.
    fn lower(&self, i: usize) -> Decimal {
        if i == 0 {
            Decimal::ZERO
        } else {
            self.tiers[i - 1].up_to.unwrap_or_default()
        }
    }

    /// Adds tier amounts: exactly, or at 28 digits for fractional blocks (see below).
    fn add(&self, a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        if self.fractional_blocks() {
            a.checked_add(b).ok_or_else(|| crate::money::overflow("the tier amounts"))
        } else {
            checked::add(a, b)
        }
    }

    /// Whether quantities become fractional blocks (`blockRounding: "none"`): a block count is
    /// then a quotient carried to 28 digits (250 / 87), so amounts computed from it are rounded
    /// at the 28th digit too, instead of being refused as inexact. Only the line's final
    /// rounding to the currency is visible in a quote.
    fn fractional_blocks(&self) -> bool {
        self.block_size.is_some() && self.block_rounding == BlockRounding::None
    }

    fn line(&self, i: usize, quantity: Decimal) -> Result<TierLine, Error> {
        let tier = &self.tiers[i];
        let from = self.lower(i);
        let amount = if self.fractional_blocks() {
            quantity
                .checked_mul(tier.unit_price)
                .and_then(|a| a.checked_add(tier.flat_price))
                .ok_or_else(|| crate::money::overflow(&format!("{quantity} x {}", tier.unit_price)))?
        } else {
            checked::add(checked::mul(quantity, tier.unit_price)?, tier.flat_price)?
        };
        Ok(TierLine {
            tier: i,
            from,
            up_to: tier.up_to,
            quantity,
            unit_price: tier.unit_price,
            flat_price: tier.flat_price,
            amount,
        })
    }

    fn above_last(&self, q: Decimal) -> Error {
        let last = self.tiers.last().and_then(|t| t.up_to).unwrap_or_default();
        Error::new(
            Code::QuantityAboveLastTier,
            "",
            format!("the quantity {q} is above the last tier's bound {last}; the table has no price for it"),
        )
    }

    fn volume(&self, q: Decimal) -> Result<Vec<TierLine>, Error> {
        let i = self.tier_of(q).ok_or_else(|| self.above_last(q))?;
        Ok(vec![self.line(i, q)?])
    }

    fn graduated(&self, q: Decimal) -> Result<Vec<TierLine>, Error> {
        let mut lines = Vec::new();
        let mut lower = Decimal::ZERO;
        for (i, tier) in self.tiers.iter().enumerate() {
            // The first tier always applies (quantity 0 included); later ones once q reaches in.
            if i > 0 && q <= lower {
                return Ok(lines);
            }
            let top = tier.up_to.map_or(q, |up| q.min(up));
            lines.push(self.line(i, checked::sub(top, lower)?)?);
            match tier.up_to {
                Some(up) if q > up => lower = up,
                _ => return Ok(lines),
            }
        }
        Err(self.above_last(q))
    }
}

input::shape!(
    /// A tier table as JSON gives it (alone, or inlined in a price rule).
    TableDoc { mode: Field<String>, tiers: Field<List<Box<TierDoc>, MAX_TIERS>>, blockSize: Field<Num>, blockRounding: Field<String> }
);
input::shape!(
    /// One tier as JSON gives it.
    TierDoc { upTo: Field<Num>, unitPrice: Field<Num>, flatPrice: Field<Num> }
);

fn validate_tier(p: &mut Problems, doc: &TierDoc, at: &At<'_>, allow_credits: bool) -> Option<Tier> {
    p.fields(doc, at);
    let up_at = at.key("upTo");
    let up_to = match &doc.upTo {
        Field::Missing => {
            p.add(Code::MissingField, &up_at, "\"upTo\" is required (null for an unbounded last tier)");
            None
        }
        Field::Null => Some(None),
        f => p.req(f, &up_at, Problems::quantity).map(Some),
    };
    let price = |p: &mut Problems, n: &Num, at: &At<'_>| {
        let x = p.money(n, at)?;
        if x.is_sign_negative() && !allow_credits {
            p.add(
                Code::NegativePrice,
                at,
                format!(
                    "the price {x} is negative; set \"allowCredits\": true in the catalog to allow credits"
                ),
            );
            return None;
        }
        Some(x)
    };
    let unit_price = p.req(&doc.unitPrice, &at.key("unitPrice"), price);
    let flat_price = p.opt(&doc.flatPrice, &at.key("flatPrice"), price);
    Some(Tier { up_to: up_to?, unit_price: unit_price?, flat_price: flat_price?.unwrap_or_default() })
}

/// Checks the bounds (and, when `check_prices`, the signs) of a list of tiers.
fn check_tiers(p: &mut Problems, path: &At<'_>, tiers: &[Tier], check_prices: bool) {
    if tiers.is_empty() {
        p.add(Code::EmptyTiers, path, "a tier table needs at least one tier");
    }
    let mut previous: Option<Decimal> = None;
    for (i, tier) in tiers.iter().enumerate() {
        let at = path.index(i);
        match tier.up_to {
            None if i + 1 < tiers.len() => p.add(
                Code::UnboundedTierNotLast,
                &at.key("upTo"),
                "only the last tier may be unbounded (upTo: null)",
            ),
            Some(up) if up <= Decimal::ZERO => p.add(
                Code::TierBoundNotPositive,
                &at.key("upTo"),
                format!("the bound {up} must be greater than zero"),
            ),
            Some(up) if previous.is_some_and(|p| up <= p) => p.add(
                Code::TierBoundsNotIncreasing,
                &at.key("upTo"),
                format!(
                    "the bound {up} must be greater than the previous tier's {}",
                    previous.unwrap_or_default()
                ),
            ),
            _ => {}
        }
        previous = tier.up_to.or(previous);
        if check_prices {
            for (name, x) in [("unitPrice", tier.unit_price), ("flatPrice", tier.flat_price)] {
                if x.is_sign_negative() {
                    p.add(Code::NegativePrice, &at.key(name), format!("the price {x} is negative"));
                }
            }
        }
    }
}

/// A non-negative exact decimal for [`TierTable::fast_amount`]: a mantissa under 2^96 and a
/// scale of at most 28, as a `Decimal` holds them, in plain integers.
#[derive(Debug, Clone, Copy)]
struct Fixed {
    m: i128,
    s: u32,
}

/// 10^0 to 10^28: the factors that align two scales of a `Decimal`.
pub(crate) const POW10: [i128; 29] = {
    let mut p = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

impl Fixed {
    const LIMIT: i128 = 1 << 96;

    fn new(m: i128, s: u32) -> Option<Fixed> {
        ((0..Fixed::LIMIT).contains(&m) && s <= 28).then_some(Fixed { m, s })
    }

    fn of(d: Decimal) -> Option<Fixed> {
        Fixed::new(d.mantissa(), d.scale())
    }

    /// The mantissa at scale `s` (no less than its own); `None` past `i128`.
    fn at(self, s: u32) -> Option<i128> {
        if s == self.s {
            return Some(self.m);
        }
        product(self.m, POW10[(s - self.s) as usize])
    }

    /// The sum; both are non-negative, so a sum within the limit has its terms within it.
    fn add(self, other: Fixed) -> Option<Fixed> {
        let s = self.s.max(other.s);
        Fixed::new(self.at(s)?.checked_add(other.at(s)?)?, s)
    }

    /// `self - other` where it is not negative; `self` (and so `other`) within the limit at the
    /// common scale.
    fn sub(self, other: Fixed) -> Option<Fixed> {
        let s = self.s.max(other.s);
        let minuend = Fixed::new(self.at(s)?, s)?;
        Fixed::new(minuend.m - other.at(s)?, s)
    }

    /// Whether `self` < `other`; `None` when aligning them passes `i128`.
    fn below(self, other: Fixed) -> Option<bool> {
        let s = self.s.max(other.s);
        Some(self.at(s)? < other.at(s)?)
    }

    fn mul(self, other: Fixed) -> Option<Fixed> {
        Fixed::new(product(self.m, other.m)?, self.s + other.s)
    }
}

/// `a` x `b` for non-negative `a` and `b`, `None` past `i128`: one 64-bit multiplication when
/// both fit in 64 bits, as amounts and prices do (a 128-bit checked product costs several).
fn product(a: i128, b: i128) -> Option<i128> {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => i128::try_from(u128::from(a) * u128::from(b)).ok(),
        _ => a.checked_mul(b),
    }
}

/// Formats an exact quantity or price: as given, trailing zeros removed.
pub(crate) fn plain(d: Decimal) -> String {
    crate::money::decimal_text(d.normalize())
}

impl TierLine {
    /// The line as JSON: bounds, quantity and prices normalised (`0.1`, not `0.10`); amounts
    /// at no fewer than the currency's decimal `places` (0 without a currency).
    pub(crate) fn write_json(&self, places: u32, out: &mut String) -> Result<(), Error> {
        object!(out, {
            "tier": self.tier,
            "from": self.from.normalize(),
            "upTo": self.up_to.map(|d| d.normalize()),
            "quantity": self.quantity.normalize(),
            "unitPrice": self.unit_price.normalize(),
            "flatPrice": exact(self.flat_price, places),
            "amount": exact(self.amount, places),
        })
    }
}

impl TierPrice {
    /// The result as JSON. With a currency, `amount` is rounded to its minor unit, with
    /// `currency`, `amountMinor` and the exact amount in `exactAmount`; without one, `amount`
    /// is exact and those three are left out.
    pub(crate) fn answer(&self, currency: Option<(&Currency, Rounding)>) -> impl ToJson + '_ {
        let currency = currency.map(|(c, rounding)| (*c, rounding));
        with(move |out| {
            let places = currency.map_or(0, |(c, _)| c.exponent());
            let quantity = self.quantity.normalize();
            let blocks = self.blocks.map(|b| b.normalize());
            let lines = list(&self.lines, |out, _, l| l.write_json(places, out));
            match currency {
                None => object!(out, {
                    "quantity": quantity,
                    "blocks": blocks,
                    "amount": self.amount.normalize(),
                    "lines": lines,
                }),
                Some((c, rounding)) => {
                    let money = Money::round(self.amount, &c, rounding)?;
                    object!(out, {
                        "quantity": quantity,
                        "blocks": blocks,
                        "currency": c.code(),
                        "amount": money.amount(),
                        "amountMinor": money.minor(),
                        "exactAmount": exact(self.amount, places),
                        "lines": lines,
                    })
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn table(json: &str) -> TierTable {
        TierTable::from_json(json).unwrap()
    }

    /// 0-10 at 1.00 (+5 flat), 10-100 at 0.50 (+2 flat), above at 0.25.
    const THREE: &str = r#"{"mode":"MODE","tiers":[
        {"upTo":"10","unitPrice":"1.00","flatPrice":"5"},
        {"upTo":"100","unitPrice":"0.50","flatPrice":"2"},
        {"upTo":null,"unitPrice":"0.25"}]}"#;

    fn three(mode: &str) -> TierTable {
        table(&THREE.replace("MODE", mode))
    }

    fn amount(t: &TierTable, q: &str) -> String {
        t.price(d(q)).unwrap().amount.normalize().to_string()
    }

    #[test]
    fn volume_prices_the_whole_quantity_at_its_tier_with_inclusive_bounds() {
        let t = three("volume");
        assert_eq!(amount(&t, "0"), "5"); // first tier's flat price is charged at zero
        assert_eq!(amount(&t, "10"), "15"); // exactly on the bound: still tier 0
        assert_eq!(amount(&t, "10.001"), "7.0005"); // just above: tier 1 for all of it
        assert_eq!(amount(&t, "100"), "52");
        assert_eq!(amount(&t, "101"), "25.25");
        assert_eq!(t.price(d("5.5")).unwrap().lines[0].tier, 0);
    }

    #[test]
    fn graduated_prices_each_part_in_its_tier() {
        let t = three("graduated");
        assert_eq!(amount(&t, "0"), "5");
        assert_eq!(amount(&t, "10"), "15"); // 10 x 1 + 5; tier 1 not reached
        assert_eq!(t.price(d("10")).unwrap().lines.len(), 1);
        assert_eq!(amount(&t, "10.5"), "17.25"); // + 0.5 x 0.5 + 2
        assert_eq!(amount(&t, "100"), "62"); // 15 + 90 x 0.5 + 2
        assert_eq!(amount(&t, "250"), "99.5"); // 62 + 150 x 0.25
        let p = t.price(d("250")).unwrap();
        let parts: Vec<_> = p.lines.iter().map(|l| (l.tier, l.quantity.normalize().to_string())).collect();
        assert_eq!(parts, [(0, "10".into()), (1, "90".into()), (2, "150".into())]);
    }

    #[test]
    fn fractional_quantity_between_bounds_falls_in_the_second_tier() {
        let t = table(r#"{"tiers":[{"upTo":"5","unitPrice":"1"},{"upTo":"10","unitPrice":"2"}]}"#);
        let p = t.price(d("5.5")).unwrap();
        assert_eq!((p.lines[0].tier, p.amount), (1, d("11")));
    }

    #[test]
    fn bounded_last_tier_refuses_quantities_above_it() {
        let t = table(r#"{"mode":"graduated","tiers":[{"upTo":"5","unitPrice":"1"}]}"#);
        assert_eq!(amount(&t, "5"), "5");
        assert_eq!(t.price(d("5.01")).unwrap_err().code(), Code::QuantityAboveLastTier);
        let v = table(r#"{"tiers":[{"upTo":"5","unitPrice":"1"}]}"#);
        assert_eq!(v.price(d("6")).unwrap_err().code(), Code::QuantityAboveLastTier);
    }

    #[test]
    fn blocks_round_up_down_or_not() {
        let mk = |r: &str| {
            table(&format!(
                r#"{{"blockSize":"100","blockRounding":"{r}","tiers":[{{"upTo":null,"unitPrice":"4"}}]}}"#
            ))
        };
        assert_eq!(amount(&mk("up"), "250"), "12");
        assert_eq!(amount(&mk("down"), "250"), "8");
        assert_eq!(amount(&mk("none"), "250"), "10");
        assert_eq!(amount(&mk("up"), "200"), "8");
        assert_eq!(amount(&mk("up"), "0"), "0");
    }

    #[test]
    fn negative_and_huge_quantities_are_errors_not_panics() {
        let t = three("graduated");
        assert_eq!(t.price(d("-1")).unwrap_err().code(), Code::NegativeQuantity);
        assert_eq!(t.price(Decimal::MAX).unwrap_err().code(), Code::Overflow);
        assert!(t.price(d("-0")).is_ok());
    }

    #[test]
    fn validation_reports_every_problem_with_its_path() {
        let err = TierTable::from_json(
            r#"{"mode":"tiered","tiers":[{"upTo":"10","unitPrice":"1"},{"upTo":"5","unitPrice":"-1"},
                {"upto":"20","unitPrice":1.5},{"upTo":null,"unitPrice":"1"},{"upTo":null,"unitPrice":"1"}]}"#,
        )
        .unwrap_err();
        let got: Vec<_> = err.problems().iter().map(|p| (p.code.as_str(), p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("INVALID_VALUE", "table.mode"),
                ("NEGATIVE_PRICE", "table.tiers[1].unitPrice"),
                ("UNKNOWN_FIELD", "table.tiers[2].upto"),
                ("MISSING_FIELD", "table.tiers[2].upTo"),
                ("INEXACT_NUMBER", "table.tiers[2].unitPrice"),
            ]
        );
        // Once the tiers decode, their bounds are checked too.
        let err = TierTable::from_json(
            r#"{"tiers":[{"upTo":"10","unitPrice":"1"},{"upTo":"10","unitPrice":"1"},{"upTo":null,"unitPrice":"1"},
                {"upTo":"0","unitPrice":"1"}]}"#,
        )
        .unwrap_err();
        let got: Vec<_> = err.problems().iter().map(|p| (p.code.as_str(), p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                ("TIER_BOUNDS_NOT_INCREASING", "table.tiers[1].upTo"),
                ("UNBOUNDED_TIER_NOT_LAST", "table.tiers[2].upTo"),
                ("TIER_BOUND_NOT_POSITIVE", "table.tiers[3].upTo"),
            ]
        );
        assert_eq!(TierTable::from_json(r#"{"tiers":[]}"#).unwrap_err().code(), Code::EmptyTiers);
    }

    #[test]
    fn rounded_output_keeps_the_exact_amount() {
        let t = table(r#"{"tiers":[{"upTo":null,"unitPrice":"0.0137"}]}"#);
        let usd = Currency::iso("USD").unwrap();
        let v = crate::verify::Value::parse(
            &crate::json_text::json_text(&t.price(d("5")).unwrap().answer(Some((&usd, Rounding::HalfUp))))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(v.get("amount"), Some(&crate::verify::Value::str("0.07")));
        assert_eq!(v.get("exactAmount"), Some(&crate::verify::Value::str("0.0685")));
        assert_eq!(v.get("amountMinor"), Some(&crate::verify::Value::str("7")));
    }

    #[test]
    fn fractional_blocks_round_at_the_28th_digit_instead_of_failing() {
        // 6447 / 87 = 74.1034... has no exact decimal form; its price is still a price.
        let t = table(
            r#"{"blockSize":"87","blockRounding":"none","mode":"graduated","tiers":[{"upTo":"10","unitPrice":"8.0378"},{"upTo":null,"unitPrice":"1.5"}]}"#,
        );
        let p = t.price(d("6447")).unwrap();
        let usd = Currency::iso("USD").unwrap();
        // 10 x 8.0378 + (6447 / 87 - 10) x 1.5 = 80.378 + 96.155172... = 176.533172...
        assert_eq!(Money::round(p.amount, &usd, Rounding::HalfUp).unwrap().amount(), d("176.53"));
        // Whole blocks stay exact, and exactness is still enforced there.
        let whole = table(
            r#"{"blockSize":"87","tiers":[{"upTo":null,"unitPrice":"79228162514264337593543950335"}]}"#,
        );
        assert_eq!(whole.price(d("100")).unwrap_err().code(), Code::Overflow);
    }
}
