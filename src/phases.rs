//! Billing phases: trial, discount, final, and the windows in which each applies.
//!
//! Windows are measured from the customer's `billingStart` (an input, never a clock). Under the
//! default clock each duration counts from billingStart ("the total amount of time they have
//! access to that phase"); under the chained clock the discount starts when the trial ends.

use chrono::{DateTime, Datelike, Months, TimeDelta, Timelike, Utc};

use crate::error::{Code, Error};

/// A billing phase. Phases only move forward: trial, then discount, then final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// The optional first phase.
    Trial,
    /// The optional second phase.
    Discount,
    /// The phase that lasts for ever.
    Final,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 3] = [Phase::Trial, Phase::Discount, Phase::Final];

    /// Each phase with its name in JSON, for reading one.
    pub(crate) const NAMES: [(&'static str, Phase); 3] =
        [("trial", Phase::Trial), ("discount", Phase::Discount), ("final", Phase::Final)];

    /// The phase's name in JSON: `"trial"`, `"discount"` or `"final"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Trial => "trial",
            Phase::Discount => "discount",
            Phase::Final => "final",
        }
    }
}

/// The unit of a phase duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// Hours of 3600 seconds.
    Hours,
    /// Days of 24 hours.
    Days,
    /// Calendar months; a day that does not exist clamps to the month's end (Jan 31 + 1 = Feb 28/29).
    Months,
}

impl DurationUnit {
    /// The unit's key in JSON: `"hours"`, `"days"` or `"months"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Hours => "hours",
            DurationUnit::Days => "days",
            DurationUnit::Months => "months",
        }
    }
}

/// How long a trial or discount phase lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseDuration {
    /// How many units (at least 1).
    pub count: u32,
    /// The unit.
    pub unit: DurationUnit,
}

impl PhaseDuration {
    /// `start` plus this duration.
    ///
    /// # Errors
    /// `OVERFLOW` past the representable dates (around the year 262,000).
    ///
    /// # Example
    /// ```
    /// use ratecard::{DurationUnit, PhaseDuration};
    /// let month = PhaseDuration { count: 1, unit: DurationUnit::Months };
    /// let jan31 = "2028-01-31T12:00:00Z".parse().unwrap();
    /// assert_eq!(month.after(jan31).unwrap().to_string(), "2028-02-29 12:00:00 UTC");
    /// ```
    pub fn after(&self, start: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        let n = i64::from(self.count);
        let end = match self.unit {
            DurationUnit::Hours => start.checked_add_signed(TimeDelta::hours(n)),
            DurationUnit::Days => start.checked_add_signed(TimeDelta::days(n)),
            DurationUnit::Months => start.checked_add_months(Months::new(self.count)),
        };
        end.ok_or_else(|| Error::new(Code::Overflow, "", "the phase ends beyond the representable dates"))
    }

    /// Whether this duration always ends no later than `other` from the same start.
    pub(crate) fn never_longer_than(&self, other: &PhaseDuration) -> bool {
        // Same unit: calendar months added to one start keep their order, like hours and days.
        if self.unit == other.unit {
            return self.count <= other.count;
        }
        // Mixed units: compare at the start that makes months shortest/longest (28 to 31 days).
        let hours = |d: &PhaseDuration, month_days: i64| {
            let n = i64::from(d.count);
            match d.unit {
                DurationUnit::Hours => n,
                DurationUnit::Days => n * 24,
                DurationUnit::Months => n * month_days * 24,
            }
        };
        hours(self, 31) <= hours(other, 28)
    }
}

/// Where a discount phase starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhaseClock {
    /// Every phase duration counts from billingStart (the default, as in the seed).
    #[default]
    BillingStart,
    /// The discount starts when the trial ends (Kill Bill).
    Chained,
}

/// How an invoice counts the time of a segment (catalog setting `hourRounding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HourRounding {
    /// Seconds / 3600, never rounded on its own (the default).
    #[default]
    Exact,
    /// Every started clock hour (UTC) is billed, once, in the segment in force when it starts
    /// (the item's first hour from the hour it started in), as an hourly billing job does.
    Up,
}

/// The instants during which one phase applies: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseWindow {
    /// The phase.
    pub phase: Phase,
    /// First instant of the phase.
    pub start: DateTime<Utc>,
    /// First instant after the phase; `None` for the final phase.
    pub end: Option<DateTime<Utc>>,
}

/// The phase windows of a plan for a customer, in order, without gaps or overlaps. Empty
/// windows (a discount that ends before the trial does) are left out.
///
/// # Errors
/// `OVERFLOW` for dates beyond the representable range.
///
/// # Example
/// ```
/// use ratecard::{phase_windows, DurationUnit, Phase, PhaseClock, PhaseDuration};
/// let days = |count| Some(PhaseDuration { count, unit: DurationUnit::Days });
/// let start = "2026-11-01T00:00:00Z".parse().unwrap();
/// let w = phase_windows(days(14), days(30), PhaseClock::BillingStart, start).unwrap();
/// assert_eq!(w.len(), 3);
/// assert_eq!(w[1].phase, Phase::Discount);
/// assert_eq!(w[1].start.to_string(), "2026-11-15 00:00:00 UTC"); // the trial's end
/// assert_eq!(w[2].start.to_string(), "2026-12-01 00:00:00 UTC"); // 30 days from billingStart
/// ```
pub fn phase_windows(
    trial: Option<PhaseDuration>,
    discount: Option<PhaseDuration>,
    clock: PhaseClock,
    billing_start: DateTime<Utc>,
) -> Result<Vec<PhaseWindow>, Error> {
    let mut windows = Vec::with_capacity(3);
    let mut cursor = billing_start;
    if let Some(t) = trial {
        let end = t.after(billing_start)?;
        windows.push(PhaseWindow { phase: Phase::Trial, start: cursor, end: Some(end) });
        cursor = end;
    }
    if let Some(d) = discount {
        let end = match clock {
            PhaseClock::BillingStart => d.after(billing_start)?,
            PhaseClock::Chained => d.after(cursor)?,
        };
        if end > cursor {
            windows.push(PhaseWindow { phase: Phase::Discount, start: cursor, end: Some(end) });
            cursor = end;
        }
    }
    windows.push(PhaseWindow { phase: Phase::Final, start: cursor, end: None });
    Ok(windows)
}

/// The window that contains `at` (the first one when `at` is before billingStart).
pub(crate) fn window_at(windows: &[PhaseWindow], at: DateTime<Utc>) -> &PhaseWindow {
    windows.iter().find(|w| w.end.is_none_or(|end| at < end)).unwrap_or(&windows[windows.len() - 1])
}

/// The first instant of the calendar month (UTC) of `t`: invoices bill calendar months.
pub(crate) fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let first = t.date_naive().with_day(1).unwrap_or(t.date_naive());
    first.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// An instant as JSON text: RFC 3339 in UTC (`2026-11-21T10:00:00Z`), with a fraction of a
/// second only when there is one. Written digit by digit: a quote writes several of these, and
/// chrono's formatter is large in wasm.
pub(crate) fn instant_text(t: DateTime<Utc>) -> String {
    let mut buf = [0u8; 32];
    let len = write_instant(t, &mut buf);
    // Only ASCII was written.
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

/// Writes [`instant_text`] into `buf`; returns its length.
pub(crate) fn write_instant(t: DateTime<Utc>, buf: &mut [u8; 32]) -> usize {
    let (d, s) = (t.date_naive(), t.time());
    // The fraction without its trailing zeros (250 ms: "25", 2 digits).
    let (mut fraction, mut digits) = (s.nanosecond() % 1_000_000_000, 9);
    while fraction != 0 && fraction % 10 == 0 {
        fraction /= 10;
        digits -= 1;
    }
    let mut at = 0;
    // `n` in `width` digits, then `after`.
    let mut put = |mut n: u32, width: usize, after: u8| {
        // From the last digit: no power of ten is computed (an invoice writes dozens of these).
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        buf[at + width] = after;
        at += width + 1;
    };
    // Years are 1 to 9999: an input instant outside them is INVALID_DATE, and so is a phase
    // that would end after them (quote.rs), so the clamp never changes what is written.
    put(d.year().clamp(0, 9999) as u32, 4, b'-');
    put(d.month(), 2, b'-');
    put(d.day(), 2, b'T');
    put(s.hour(), 2, b':');
    put(s.minute(), 2, b':');
    if fraction == 0 {
        put(s.second(), 2, b'Z');
    } else {
        put(s.second(), 2, b'.');
        put(fraction, digits, b'Z');
    }
    at
}

/// An instant written as [`instant_text`] writes it, without an allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instant(pub(crate) DateTime<Utc>);

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn days(count: u32) -> Option<PhaseDuration> {
        Some(PhaseDuration { count, unit: DurationUnit::Days })
    }
    fn phase(w: &[PhaseWindow], at: &str) -> Phase {
        window_at(w, t(at)).phase
    }

    #[test]
    fn the_seeds_example_trial_14_days_started_7_days_ago_leaves_7() {
        // First order 7 days ago: billingStart is then; a new subscription today is in trial
        // until billingStart + 14 days, i.e. 7 more days.
        let w = phase_windows(days(14), None, PhaseClock::BillingStart, t("2026-11-14T09:00:00Z")).unwrap();
        let now = t("2026-11-21T09:00:00Z");
        let current = window_at(&w, now);
        assert_eq!(current.phase, Phase::Trial);
        assert_eq!(current.end.unwrap() - now, TimeDelta::days(7));
    }

    #[test]
    fn trial_ends_exactly_at_its_boundary() {
        let w =
            phase_windows(days(14), days(30), PhaseClock::BillingStart, t("2026-11-01T00:00:00Z")).unwrap();
        assert_eq!(phase(&w, "2026-11-14T23:59:59Z"), Phase::Trial);
        assert_eq!(phase(&w, "2026-11-15T00:00:00Z"), Phase::Discount);
        assert_eq!(phase(&w, "2026-11-30T23:59:59Z"), Phase::Discount);
        assert_eq!(phase(&w, "2026-12-01T00:00:00Z"), Phase::Final);
    }

    #[test]
    fn chained_discount_starts_when_the_trial_ends() {
        let w = phase_windows(days(14), days(30), PhaseClock::Chained, t("2026-11-01T00:00:00Z")).unwrap();
        assert_eq!(w[2].start, t("2026-12-15T00:00:00Z"));
    }

    #[test]
    fn a_discount_not_longer_than_the_trial_is_never_reached() {
        let w =
            phase_windows(days(14), days(10), PhaseClock::BillingStart, t("2026-11-01T00:00:00Z")).unwrap();
        assert_eq!(w.iter().map(|w| w.phase).collect::<Vec<_>>(), [Phase::Trial, Phase::Final]);
        assert_eq!(w[1].start, t("2026-11-15T00:00:00Z"));
        let month = PhaseDuration { count: 1, unit: DurationUnit::Months };
        assert!(PhaseDuration { count: 28, unit: DurationUnit::Days }.never_longer_than(&month));
        assert!(!PhaseDuration { count: 29, unit: DurationUnit::Days }.never_longer_than(&month));
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        let m = |count| Some(PhaseDuration { count, unit: DurationUnit::Months });
        let w = phase_windows(m(1), m(2), PhaseClock::BillingStart, t("2026-01-31T10:00:00Z")).unwrap();
        assert_eq!(w[1].start, t("2026-02-28T10:00:00Z"));
        assert_eq!(w[2].start, t("2026-03-31T10:00:00Z"));
        let leap = phase_windows(m(1), None, PhaseClock::BillingStart, t("2028-01-31T00:00:00Z")).unwrap();
        assert_eq!(leap[1].start, t("2028-02-29T00:00:00Z"));
    }

    #[test]
    fn instants_print_as_utc_rfc3339() {
        assert_eq!(instant_text(t("2026-11-21T10:00:00+02:00")), "2026-11-21T08:00:00Z");
        assert_eq!(instant_text(t("2026-11-21T10:00:00.250Z")), "2026-11-21T10:00:00.25Z");
        assert_eq!(instant_text(t("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00Z");
        assert_eq!(instant_text(t("9999-12-31T23:59:59.000000001Z")), "9999-12-31T23:59:59.000000001Z");
        assert_eq!(instant_text(t("2026-02-03T04:05:06.1Z")), "2026-02-03T04:05:06.1Z");
    }

    #[test]
    fn dates_past_the_range_are_errors() {
        let huge = PhaseDuration { count: u32::MAX, unit: DurationUnit::Months };
        assert_eq!(huge.after(t("9999-01-01T00:00:00Z")).unwrap_err().code(), Code::Overflow);
    }
}
