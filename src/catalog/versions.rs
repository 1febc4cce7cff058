//! Catalog sets (SPEC 16): versions of one catalog, each in force for new customers from its
//! `effectiveFrom`, with the moves that carry a plan's existing customers to newer prices.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::load::{CatalogArgDoc, CatalogDoc};
use super::{Align, Catalog, Plan, Validation};
use crate::error::{Code, Error, Problem};
use crate::input::{shape, At, Field, List, Problems, Shape};
use crate::json_text::{object, ToJson};
use crate::limits::MAX_CATALOG_VERSIONS;
use crate::phases::{instant_text, month_start, phase_windows, window_at, Phase};

type Time = DateTime<Utc>;

shape!(
    /// One version of a catalog set as JSON gives it.
    VersionDoc { version: Field<String>, effectiveFrom: Field<Time>, catalog: Field<Box<CatalogDoc>> }
);

/// A list of a catalog set's versions as JSON gives it.
pub(crate) type VersionsDoc = List<Box<VersionDoc>, MAX_CATALOG_VERSIONS>;

/// Versions of one catalog (SPEC 16), oldest first: each valid on its own, each in force for
/// customers whose billing starts at or after its `effectiveFrom` (until the next one), and
/// an id means the same thing in every version.
///
/// # Example
/// ```
/// let set = ratecard::CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
/// let since = "2026-02-10T00:00:00Z".parse().unwrap();
/// assert_eq!(set.version_for(None, since).unwrap().version, "2026-01");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSet {
    versions: Vec<CatalogVersion>,
    warnings: Vec<Problem>,
}

/// One version of a catalog set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVersion {
    /// Its name, named by requests (`catalogVersion`) and by every answer.
    pub version: String,
    /// From when new customers are on it.
    pub effective_from: Time,
    /// The first 12 hexadecimal digits of the SHA-256 of its public view's JSON text: the same
    /// for the full catalog on a server and for its public view in a browser.
    pub hash: String,
    /// The catalog.
    pub catalog: Catalog,
}

impl CatalogSet {
    /// Loads a catalog set: `{"versions": [{version, effectiveFrom, catalog}, ...]}`, oldest
    /// first.
    ///
    /// # Errors
    /// Every problem at once: each version's catalog's under `versions[i].catalog`,
    /// `DUPLICATE_EFFECTIVE_FROM`, `CHANGES_OUT_OF_ORDER`, `DUPLICATE_ID` for a version named
    /// twice, `VERSION_CONFLICT` for an id that changed its meaning.
    pub fn from_json(text: &str) -> Result<CatalogSet, Error> {
        let doc = crate::input::read::<Box<CatalogArgDoc>>(&crate::input::Json(text))?;
        let mut p = Problems::new();
        let set = p.req(&doc, &At::Root, |p, doc, at| {
            p.fields(&**doc, at);
            match &doc.versions {
                Field::Missing => {
                    p.add(Code::MissingField, "versions", "a catalog set is {\"versions\": [...]}");
                    None
                }
                versions => load_set(p, doc, versions),
            }
        });
        p.finish(set)
    }

    /// Validates a catalog set without keeping it: every error and warning.
    pub fn validate(text: &str) -> Validation {
        match CatalogSet::from_json(text) {
            Ok(set) => Validation { errors: vec![], warnings: set.warnings },
            Err(e) => Validation { errors: e.problems().to_vec(), warnings: vec![] },
        }
    }

    /// The versions, oldest first.
    pub fn versions(&self) -> &[CatalogVersion] {
        &self.versions
    }

    /// The newest version.
    pub fn newest(&self) -> &CatalogVersion {
        &self.versions[self.versions.len() - 1]
    }

    /// Warnings of the versions' catalogs (paths under `versions[i].catalog`).
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// The version a customer is on: the one they name, or the newest whose `effectiveFrom` is
    /// at or before their billing start.
    ///
    /// # Errors
    /// `UNKNOWN_CATALOG_VERSION` at `catalogVersion`, `NO_CATALOG_VERSION` at
    /// `customer.billingStart`.
    pub fn version_for(&self, named: Option<&str>, billing_start: Time) -> Result<&CatalogVersion, Error> {
        let index = match named {
            Some(name) => self.named(name)?,
            None => self.in_force(billing_start)?,
        };
        Ok(&self.versions[index])
    }

    /// The index of the version named `name`, or `UNKNOWN_CATALOG_VERSION` at `catalogVersion`.
    pub(crate) fn named(&self, name: &str) -> Result<usize, Error> {
        self.versions.iter().position(|v| v.version == name).ok_or_else(|| {
            let mut p = Problems::new();
            let known = self.versions.iter().map(|v| v.version.as_str());
            p.unknown(Code::UnknownCatalogVersion, "catalogVersion", "catalog version", name, known);
            p.into_error().unwrap_or_else(|| Error::new(Code::UnknownCatalogVersion, "catalogVersion", ""))
        })
    }

    /// The index of the newest version in force at `billing_start`, or `NO_CATALOG_VERSION` at
    /// `customer.billingStart`.
    pub(crate) fn in_force(&self, billing_start: Time) -> Result<usize, Error> {
        let i = self.versions.partition_point(|v| v.effective_from <= billing_start);
        i.checked_sub(1).ok_or_else(|| {
            Error::new(
                Code::NoCatalogVersion,
                "customer.billingStart",
                format!(
                    "billingStart {} is before every version of the catalog: the first, \"{}\", is in force from {}",
                    instant_text(billing_start),
                    self.versions[0].version,
                    instant_text(self.versions[0].effective_from)
                ),
            )
        })
    }

    /// The set for a customer-facing order form: each version's public view (see
    /// [`Catalog::public_view`]), as JSON text that loads as a catalog set.
    pub fn public_json(&self) -> String {
        let mut out = String::from("{\"versions\":[");
        for (i, v) in self.versions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"version\":");
            crate::json_text::write_str(&v.version, &mut out);
            out.push_str(",\"effectiveFrom\":\"");
            out.push_str(&instant_text(v.effective_from));
            out.push_str("\",\"catalog\":");
            out.push_str(&v.catalog.public_view().to_json());
            out.push('}');
        }
        out.push_str("]}");
        out
    }
}

/// A catalog or a catalog set, loaded from the `catalog` argument's JSON (see [`crate::api::load`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// One timeless catalog.
    One(Box<Catalog>),
    /// Versions of a catalog.
    Set(CatalogSet),
}

/// The hash of a version: its public view's text, so that a browser holding only that view
/// names the very version the server holds.
fn hash_of(catalog: &Catalog) -> String {
    let digest = Sha256::digest(catalog.public_view().to_json().as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// A catalog set read from its `versions` (the rest of the catalog argument must be absent).
pub(crate) fn load_set(
    p: &mut Problems,
    doc: &CatalogArgDoc,
    versions: &Field<VersionsDoc>,
) -> Option<CatalogSet> {
    let root = At::Root;
    for key in doc.catalog.given() {
        p.add(
            Code::UnknownField,
            &root.key(key),
            format!("a catalog set has only \"versions\"; \"{key}\" belongs in a version's catalog"),
        );
    }
    let at = root.key("versions");
    let items = p.req(versions, &at, |p, list, at| {
        list.within_limit(p, at, |n| {
            format!("{n} versions; a catalog set has at most {MAX_CATALOG_VERSIONS}")
        })
    })?;
    if items.is_empty() {
        p.add(Code::InvalidValue, &at, "a catalog set has at least one version");
        return None;
    }
    let mut warnings = Vec::new();
    let versions = p.all(items, &at, |p, v, at| {
        p.fields(&**v, at);
        let version = p.req(&v.version, &at.key("version"), Problems::id);
        let from = p.req(&v.effectiveFrom, &at.key("effectiveFrom"), |_, t, _| Some(*t));
        let mut own = Problems::new();
        let catalog = super::load::validate(&mut own, &v.catalog);
        let at = at.key("catalog");
        let catalog = match own.finish(catalog) {
            Ok(c) => {
                let prefix = crate::input::IntoPath::into_path(&at);
                let mut own = c.warnings().to_vec();
                for w in &mut own {
                    w.path = crate::error::join_path(&prefix, &w.path);
                }
                warnings.extend(own);
                Some(c)
            }
            Err(e) => p.error(e, &at),
        };
        let (version, effective_from, catalog) = (version?, from?, catalog?);
        Some(CatalogVersion { hash: hash_of(&catalog), version, effective_from, catalog })
    })?;
    p.repeats(&at, versions.iter().map(|v| v.version.as_str()), "catalog version");
    for (i, pair) in versions.windows(2).enumerate() {
        let (before, v) = (pair[0].effective_from, pair[1].effective_from);
        let path = at.index(i + 1);
        let path = path.key("effectiveFrom");
        if v == before {
            let why = format!("versions {i} and {} both take effect at {}", i + 1, instant_text(v));
            p.add(Code::DuplicateEffectiveFrom, &path, why);
        } else if v < before {
            let why = format!(
                "versions are listed oldest first: {} is before {}",
                instant_text(v),
                instant_text(before)
            );
            p.add(Code::ChangesOutOfOrder, &path, why);
        }
    }
    conflicts(p, &versions);
    Some(CatalogSet { versions, warnings })
}

/// `VERSION_CONFLICT` for each id that means another thing than in the first version that
/// has it: a product of another kind or contents, a currency with other minor units, a tax
/// rate with another percent (prices, names, plans and coupons may change).
fn conflicts<'a>(p: &mut Problems, versions: &'a [CatalogVersion]) {
    // Each id's first version; one map type for the three lists (each map type is code in wasm).
    let mut first: [BTreeMap<&'a str, usize>; 3] = Default::default();
    for (i, v) in versions.iter().enumerate() {
        let c = &v.catalog;
        let mut check =
            |list: usize, id: &'a str, same: &dyn Fn(&Catalog) -> bool, path: String, what: String| {
                match first[list].get(id) {
                    Some(&f) if !same(&versions[f].catalog) => {
                        let why = format!(
                            "{what} than in version {f}: an id means the same thing in every version"
                        );
                        p.add(Code::VersionConflict, path, why);
                    }
                    Some(_) => {}
                    None => {
                        first[list].insert(id, i);
                    }
                }
            };
        for (j, product) in c.products().iter().enumerate() {
            check(
                0,
                &product.id,
                &|f| f.product(&product.id).is_some_and(|o| o.kind == product.kind),
                format!("versions[{i}].catalog.products[{j}]"),
                format!("the product \"{}\" is of another kind or holds another thing", product.id),
            );
        }
        for currency in c.currencies() {
            check(
                1,
                currency.code(),
                &|f| f.currency(currency.code()).is_some_and(|o| o.exponent() == currency.exponent()),
                format!("versions[{i}].catalog.customCurrencies"),
                format!("the currency {} has other minor units", currency.code()),
            );
        }
        for (j, rate) in c.tax_rates().iter().enumerate() {
            check(
                2,
                &rate.id,
                &|f| f.tax_rate(&rate.id).is_some_and(|o| o.percent == rate.percent),
                format!("versions[{i}].catalog.taxRates[{j}].percent"),
                format!("the tax rate \"{}\" has another percent", rate.id),
            );
        }
    }
}

/// The catalog a request is priced on: a plain catalog, or one version of a set with the
/// newer versions whose plans' existing customers move (SPEC 16).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pinned<'c> {
    /// The customer's version's catalog: its catalog-wide settings, coupons and taxes apply.
    pub(crate) catalog: &'c Catalog,
    set: Option<(&'c CatalogSet, usize)>,
}

/// A stretch of time from `start` on where one version's plan sets the prices and phases.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stretch<'c> {
    pub(crate) start: Time,
    /// The catalog whose price rules apply (the customer's, or the newer one the plan moved to).
    pub(crate) rules: &'c Catalog,
    pub(crate) plan: &'c Plan,
    /// The version's name, in a set.
    pub(crate) version: Option<&'c str>,
}

impl<'c> Pinned<'c> {
    /// A plain catalog: no versions, no moves.
    pub(crate) fn one(catalog: &'c Catalog) -> Pinned<'c> {
        Pinned { catalog, set: None }
    }

    /// Version `index` of `set`.
    pub(crate) fn version(set: &'c CatalogSet, index: usize) -> Pinned<'c> {
        Pinned { catalog: &set.versions[index].catalog, set: Some((set, index)) }
    }

    /// `UNKNOWN_CATALOG_VERSION` at `catalogVersion` for a request that names another version
    /// than this one (or any, on a plain catalog).
    pub(crate) fn check_named(&self, named: Option<&str>) -> Result<(), Error> {
        match (named, self.pinned()) {
            (None, _) => Ok(()),
            (Some(name), Some(v)) if v.version == name => Ok(()),
            (Some(name), Some(v)) => Err(Error::new(
                Code::UnknownCatalogVersion,
                "catalogVersion",
                format!("the request names catalog version \"{name}\" and is priced on \"{}\"", v.version),
            )),
            (Some(_), None) => Err(not_a_set()),
        }
    }

    /// The customer's version, in a set.
    pub(crate) fn pinned(&self) -> Option<&'c CatalogVersion> {
        self.set.map(|(set, i)| &set.versions[i])
    }

    /// Where each newer version's plan `id` moves the customer's prices: the instant and the
    /// version's index.
    fn moves(&self, id: &str) -> Vec<(Time, usize)> {
        let Some((set, pinned)) = self.set else { return Vec::new() };
        let mut moves = Vec::new();
        for (w, v) in set.versions.iter().enumerate().skip(pinned + 1) {
            if let Some(m) = v.catalog.plan(id).and_then(|plan| plan.existing_customers) {
                let at = match m.align {
                    Align::Instant => m.from,
                    Align::NextPeriod => next_month_start(m.from),
                };
                moves.push((at, w));
            }
        }
        moves
    }

    /// The stretch of `plan` (a plan of the customer's version) in force at `t`: the newest
    /// version whose move has taken effect by then, else the customer's.
    fn version_at(&self, moves: &[(Time, usize)], t: Time) -> usize {
        let pinned = self.set.map_or(0, |(_, i)| i);
        moves.iter().filter(|(at, _)| *at <= t).map(|(_, w)| *w).max().unwrap_or(pinned)
    }

    fn stretch(&self, plan: &'c Plan, start: Time, index: usize) -> Stretch<'c> {
        match self.set {
            Some((set, pinned)) if index != pinned => {
                let v = &set.versions[index];
                let moved = v.catalog.plan(&plan.id).unwrap_or(plan);
                Stretch { start, rules: &v.catalog, plan: moved, version: Some(&v.version) }
            }
            _ => Stretch {
                start,
                rules: self.catalog,
                plan,
                version: self.pinned().map(|v| v.version.as_str()),
            },
        }
    }

    /// The stretches of `plan` over `[from, to)` (`to`: open-ended when `None`), in time order,
    /// the first starting at `from`. The newest version that qualifies wins, so a stretch's
    /// version only grows (two moves in one period: the newer one's prices).
    fn stretches(&self, plan: &'c Plan, from: Time, to: Option<Time>) -> Vec<Stretch<'c>> {
        let moves = self.moves(&plan.id);
        let mut index = self.version_at(&moves, from);
        let mut out = vec![self.stretch(plan, from, index)];
        let mut t = from;
        // The next instant a newer version than the one in force takes effect.
        while let Some(next) = moves
            .iter()
            .filter(|(at, w)| *w > index && *at > t && to.is_none_or(|to| *at < to))
            .map(|(at, _)| *at)
            .min()
        {
            t = next;
            let now = self.version_at(&moves, t);
            if now != index {
                index = now;
                out.push(self.stretch(plan, t, index));
            }
        }
        out
    }
}

/// A stretch of time with one version's plan and one phase: the prices of what is in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PriceSpan<'c> {
    pub(crate) start: Time,
    /// First instant after it; `None`: open-ended (a quote's last phase).
    pub(crate) end: Option<Time>,
    pub(crate) stretch: Stretch<'c>,
    pub(crate) phase: Phase,
}

impl<'c> Pinned<'c> {
    /// Adds to `spans` the phases and versions of `plan` over `[from, to)`, cut at every phase
    /// boundary and every move; phases only move forward (`reached`), across plan changes and
    /// moves too: a move never sends a customer back a phase, and the phases keep the
    /// customer's clock (their billing start), so a move never restarts a trial.
    pub(crate) fn spans(
        &self,
        plan: &'c Plan,
        billing_start: Time,
        (from, to): (Time, Option<Time>),
        reached: &mut Phase,
        spans: &mut Vec<PriceSpan<'c>>,
    ) -> Result<(), Error> {
        // A plain catalog has one stretch: no list of them to allocate (one quote in 80).
        if self.set.is_none() {
            return self.phases(self.stretch(plan, from, 0), to, billing_start, reached, spans);
        }
        let stretches = self.stretches(plan, from, to);
        for (k, stretch) in stretches.iter().enumerate() {
            let end = stretches.get(k + 1).map(|next| next.start).or(to);
            self.phases(*stretch, end, billing_start, reached, spans)?;
        }
        Ok(())
    }

    /// Adds to `spans` the phases of one stretch, up to `end`, merged into the last span when
    /// that has the same plan, version and phase.
    fn phases(
        &self,
        stretch: Stretch<'c>,
        end: Option<Time>,
        billing_start: Time,
        reached: &mut Phase,
        spans: &mut Vec<PriceSpan<'c>>,
    ) -> Result<(), Error> {
        let plan = stretch.plan;
        let windows = phase_windows(plan.trial, plan.discount, self.catalog.phase_clock(), billing_start)?;
        let mut start = stretch.start;
        loop {
            let next = windows.iter().map(|w| w.start).find(|t| *t > start && end.is_none_or(|e| *t < e));
            let phase = window_at(&windows, start).phase.max(*reached);
            *reached = phase;
            let until = next.or(end);
            match spans.last_mut() {
                Some(last)
                    if last.stretch.plan.id == plan.id
                        && std::ptr::eq(last.stretch.rules, stretch.rules)
                        && last.phase == phase =>
                {
                    last.end = until
                }
                _ => spans.push(PriceSpan { start, end: until, stretch, phase }),
            }
            match next {
                Some(t) => start = t,
                None => return Ok(()),
            }
        }
    }
}

/// `UNKNOWN_CATALOG_VERSION` at `catalogVersion` for a version named on a catalog that is not a set.
pub(crate) fn not_a_set() -> Error {
    Error::new(
        Code::UnknownCatalogVersion,
        "catalogVersion",
        "this catalog is not a set of versions: give no catalogVersion",
    )
}

/// The first calendar month (UTC) that starts at or after `t`: billing periods are months.
fn next_month_start(t: Time) -> Time {
    match month_start(t) {
        month if month == t => t,
        month => month.checked_add_months(chrono::Months::new(1)).unwrap_or(t),
    }
}

/// `{"version": ..., "hash": ...}`: which catalog an answer was priced on.
pub(crate) struct VersionJson<'a>(pub(crate) &'a CatalogVersion);

impl ToJson for VersionJson<'_> {
    fn write_json(&self, out: &mut String) -> Result<(), Error> {
        object!(out, { "version": self.0.version.as_str(), "hash": self.0.hash.as_str() })
    }
}
