//! The JSON-in, JSON-out API shared by every runtime.
//!
//! [`call`] is what the wasm module exports, what the CLI runs and what the shared fixtures in
//! `tests/fixtures/` exercise natively, in Node and in Chromium: one function, so the runtimes
//! cannot drift apart. `args` is a JSON object of named arguments, each operation's declared
//! once below; the result is JSON text, or an [`Error`] whose paths start with the argument's
//! name (`order.lines[0].quantity`). Problems inside a catalog keep paths relative to the
//! catalog, as `validateCatalog` reports them, under an `INVALID_CATALOG` error at path
//! `catalog`. One call records at most [`crate::MAX_PROBLEMS`] problems, batches included.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::catalog::load::CatalogArgDoc;
pub use crate::catalog::Loaded;
use crate::catalog::{Catalog, CatalogSet, Environment, Pinned, PublicCatalog, Validation};
use crate::error::{Code, Error, Problem};
use crate::input::{shape, At, Field, IntoPath, Json, List, Map, Num, Problems, Shape, Source};
use crate::invoice::{
    invoice_within, Invoice, InvoiceRequest, RequestDoc, TrustedCustomer, TrustedCustomerDoc,
};
use crate::json_text::{json_text, object, with};
use crate::limits::{
    check_output, output_too_large, Budget, MAX_BATCH_ITEMS, MAX_LIST_LEN, MAX_OUTPUT_BYTES, MAX_PRICED_LINES,
};
use crate::margins::{PartnerMargins, PlanMargins};
use crate::money::{Currency, Money, Rounding};
use crate::order::{Order, OrderDoc, Trusted, TrustedDoc};
use crate::quote::{price_matrix, quote_within, Detail, MatrixOptions, MatrixOptionsDoc, PriceMatrix, Quote};
use crate::tiers::{TableDoc, TierPrice, TierTable, POW10};
use crate::verify::{differences, tree_differences, Received, Value, Verdict};

pub use crate::limits::MAX_INPUT_BYTES;

type Time = chrono::DateTime<chrono::Utc>;

shape!(NoArgs {});
shape!(PriceTiersArgs { table: Field<Box<TableDoc>>, quantity: Field<Num>, currency: Field<String> });
shape!(CatalogArgs { catalog: Field<Box<CatalogArgDoc>> });
shape!(QuoteArgs { catalog: Field<Box<CatalogArgDoc>>, order: Field<Box<OrderDoc>> });
shape!(MatrixArgs { catalog: Field<Box<CatalogArgDoc>>, options: Field<Box<MatrixOptionsDoc>> });
shape!(
    /// One quote to verify: the browser's order and quote, and what the server trusts.
    CheckDoc { order: Field<Box<OrderDoc>>, quote: Field<Received>, trusted: Field<Box<TrustedDoc>> }
);
shape!(VerifyArgs { catalog: Field<Box<CatalogArgDoc>> } with check: CheckDoc);
shape!(PlanMarginsArgs { catalog: Field<Box<CatalogArgDoc>>, planType: Field<String>, instances: Field<Num> });
shape!(PartnerMarginsArgs { catalog: Field<Box<CatalogArgDoc>>, partner: Field<String>, instances: Field<Map<Num>> });
shape!(AssignmentArgs { catalog: Field<Box<CatalogArgDoc>>, request: Field<Box<AssignmentDoc>> });
shape!(AssignmentDoc { planType: Field<String>, instance: Field<Box<InstanceDoc>> });
shape!(InstanceDoc { id: Field<String>, owner: Field<String>, environment: Field<String> });
shape!(QuoteManyArgs { catalog: Field<Box<CatalogArgDoc>>, orders: Field<List<Box<OrderDoc>, MAX_BATCH_ITEMS>> });
shape!(VerifyManyArgs { catalog: Field<Box<CatalogArgDoc>>, checks: Field<List<Box<CheckDoc>, MAX_BATCH_ITEMS>> });
shape!(InvoiceArgs { catalog: Field<Box<CatalogArgDoc>>, request: Field<Box<RequestDoc>> });
shape!(
    /// One invoice to verify: the request it bills, the invoice a browser sent, and what the
    /// server trusts of the customer.
    InvoiceCheckDoc { request: Field<Box<RequestDoc>>, invoice: Field<Received>, trusted: Field<Box<TrustedCustomerDoc>> }
);
shape!(VerifyInvoiceArgs { catalog: Field<Box<CatalogArgDoc>> } with check: InvoiceCheckDoc);
shape!(VerifyInvoiceManyArgs { catalog: Field<Box<CatalogArgDoc>>, checks: Field<List<Box<InvoiceCheckDoc>, MAX_BATCH_ITEMS>> });

/// The arguments of an operation on a catalog (its `catalog` argument, or a loaded one).
trait CatalogArg: Shape {
    fn catalog(&self) -> &Field<Box<CatalogArgDoc>>;
}

macro_rules! catalog_args {
    ($($name:ident),*) => {
        $(impl CatalogArg for $name {
            fn catalog(&self) -> &Field<Box<CatalogArgDoc>> {
                &self.catalog
            }
        })*
    };
}
catalog_args!(
    CatalogArgs,
    QuoteArgs,
    MatrixArgs,
    VerifyArgs,
    PlanMarginsArgs,
    PartnerMarginsArgs,
    AssignmentArgs,
    QuoteManyArgs,
    VerifyManyArgs,
    InvoiceArgs,
    VerifyInvoiceArgs,
    VerifyInvoiceManyArgs
);

/// An operation that needs no catalog.
type Plain<A> = fn(&A, &mut Problems) -> Result<Answer<'static>, Error>;
/// An operation on a catalog or a catalog set.
type OnCatalog<A> = for<'c> fn(Catalogs<'c>, &A, &mut Problems) -> Result<Answer<'c>, Error>;

/// A loaded catalog, or a loaded catalog set (SPEC 16): what operations run on.
///
/// # Example
/// ```
/// use ratecard::api::{call_loaded, Catalogs};
/// let set = ratecard::CatalogSet::from_json(ratecard::DEMO_CATALOG_SET).unwrap();
/// let out = call_loaded(Catalogs::Set(&set), "priceMatrix", r#"{"options":{"catalogVersion":"2026-01"}}"#).unwrap();
/// assert!(out.contains(r#""catalog":{"version":"2026-01","#));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Catalogs<'c> {
    /// One timeless catalog.
    One(&'c Catalog),
    /// Versions of a catalog.
    Set(&'c CatalogSet),
}

impl<'c> From<&'c Loaded> for Catalogs<'c> {
    fn from(loaded: &'c Loaded) -> Self {
        match loaded {
            Loaded::One(c) => Catalogs::One(c),
            Loaded::Set(set) => Catalogs::Set(set),
        }
    }
}

impl<'c> From<&'c Catalog> for Catalogs<'c> {
    fn from(catalog: &'c Catalog) -> Self {
        Catalogs::One(catalog)
    }
}

impl<'c> From<&'c CatalogSet> for Catalogs<'c> {
    fn from(set: &'c CatalogSet) -> Self {
        Catalogs::Set(set)
    }
}

impl<'c> Catalogs<'c> {
    /// The catalog of operations that price no customer (margins, assignments): the one, or
    /// the set's newest version.
    pub fn newest(self) -> &'c Catalog {
        match self {
            Catalogs::One(c) => c,
            Catalogs::Set(set) => &set.newest().catalog,
        }
    }

    /// The catalog a request is priced on: the version it names (`catalogVersion`), else the
    /// one in force at the customer's billing start (or at `at` without one); paths of errors
    /// are relative to the request.
    pub(crate) fn pin(
        self,
        named: &Field<String>,
        billing_start: Option<&Field<Time>>,
        at: Option<&Field<Time>>,
    ) -> Result<Pinned<'c>, Error> {
        let set = match self {
            Catalogs::One(c) if named.is_absent() => return Ok(Pinned::one(c)),
            Catalogs::One(_) => return Err(crate::catalog::not_a_set()),
            Catalogs::Set(set) => set,
        };
        let start = billing_start.and_then(Field::ok).or(at.and_then(Field::ok));
        let index = match (named.ok(), start) {
            (Some(name), _) => set.named(name)?,
            (None, Some(t)) => set.in_force(*t)?,
            // What is missing or bad is reported by the request's own validation.
            (None, None) => set.versions().len() - 1,
        };
        Ok(Pinned::version(set, index))
    }
}

macro_rules! operations {
    ($($name:literal => $run:expr,)*) => {
        /// The operations [`call`] knows. Those with a `catalog` argument also run on a loaded
        /// catalog through [`call_loaded`].
        pub const OPERATIONS: &[&str] = &[$($name),*];

        /// Runs operation `op` on its arguments, read from `args`, and writes its answer as JSON
        /// text (the object API parses it with the JS engine's `JSON.parse`).
        pub(crate) fn dispatch(op: &str, args: &dyn Source, loaded: Option<Catalogs<'_>>) -> Result<String, Error> {
            match op {
                $($name => $run(args, loaded),)*
                _ => Err(Error::new(
                    Code::InvalidValue,
                    "",
                    format!("unknown operation \"{op}\"; known: {}", OPERATIONS.join(", ")),
                )),
            }
        }
    };
}

operations! {
    "version" => |a, l| plain::<NoArgs>(a, l, |_, _| Ok(Answer::Version)),
    "priceTiers" => |a, l| plain::<PriceTiersArgs>(a, l, price_tiers),
    "validateCatalog" => |a, l| plain::<CatalogArgs>(a, l, validate_catalog),
    "quote" => |a, l| on_catalog::<QuoteArgs>(a, l, |c, a, p| quote(c, a, p, Detail::Full)),
    "quoteSummary" => |a, l| on_catalog::<QuoteArgs>(a, l, |c, a, p| quote(c, a, p, Detail::Summary)),
    "priceMatrix" => |a, l| on_catalog::<MatrixArgs>(a, l, matrix),
    "verifyQuote" => |a, l| on_catalog::<VerifyArgs>(a, l, verify_quote),
    "planMargins" => |a, l| on_catalog::<PlanMarginsArgs>(a, l, plan_margins),
    "partnerMargins" => |a, l| on_catalog::<PartnerMarginsArgs>(a, l, partner_margins),
    "checkAssignment" => |a, l| on_catalog::<AssignmentArgs>(a, l, check_assignment),
    "publicCatalog" => |a, l| on_catalog::<CatalogArgs>(a, l, |c, _, _| Ok(match c {
        Catalogs::One(c) => Answer::Public(Box::new(c.public_view())),
        Catalogs::Set(set) => Answer::Text(set.public_json()),
    })),
    "quoteMany" => |a, l| on_catalog::<QuoteManyArgs>(a, l, quote_many),
    "verifyMany" => |a, l| on_catalog::<VerifyManyArgs>(a, l, verify_many),
    "invoice" => |a, l| on_catalog::<InvoiceArgs>(a, l, invoice),
    "verifyInvoice" => |a, l| on_catalog::<VerifyInvoiceArgs>(a, l, verify_invoice),
    "verifyInvoiceMany" => |a, l| on_catalog::<VerifyInvoiceManyArgs>(a, l, verify_invoice_many),
}

/// What an operation answers, before it is written as JSON text.
pub(crate) enum Answer<'c> {
    Version,
    Tiers(TierPrice, Option<Currency>),
    Validation(Validation),
    Quote(Box<Quote<'c>>, Detail),
    Matrix(PriceMatrix<'c>),
    Verdict(Verdict),
    PlanMargins(PlanMargins),
    PartnerMargins(PartnerMargins),
    Assignment(Vec<Problem>),
    Public(Box<PublicCatalog<'c>>),
    /// An answer written already.
    Text(String),
    Invoice(Box<Invoice<'c>>),
    /// Each item's answer or error; the batch's argument name.
    Batch(&'static str, Vec<Result<Answer<'c>, Error>>),
}

impl Answer<'_> {
    /// The answer as JSON text.
    pub(crate) fn write(self) -> Result<String, Error> {
        match self {
            Answer::Version => json_text(crate::VERSION),
            Answer::Tiers(price, currency) => {
                json_text(&price.answer(currency.as_ref().map(|c| (c, Rounding::HalfUp))))
            }
            Answer::Validation(v) => json_text(&v),
            Answer::Quote(quote, detail) => json_text(&quote.answer(detail)),
            Answer::Matrix(m) => json_text(&m),
            Answer::Verdict(v) => json_text(&v),
            Answer::PlanMargins(m) => json_text(&m),
            Answer::PartnerMargins(m) => json_text(&m),
            Answer::Assignment(reasons) => {
                json_text(&with(|out| object!(out, { "allowed": reasons.is_empty(), "reasons": reasons })))
            }
            Answer::Public(view) => Ok(view.to_json()),
            Answer::Text(text) => Ok(text),
            Answer::Invoice(invoice) => json_text(&*invoice),
            Answer::Batch(name, items) => {
                let failed = |error: &Error| json_text(&with(|out| object!(out, { "error": error })));
                let mut out = Vec::with_capacity(items.len());
                let mut bytes = 0;
                for (i, item) in items.into_iter().enumerate() {
                    // An item's error has its path; an answer that cannot be written is given it.
                    let written = match item {
                        Ok(answer) => answer.write().or_else(|e| match e.code() {
                            Code::OutputTooLarge => Err(e),
                            _ => failed(&e.within(&format!("{name}[{i}]"))),
                        }),
                        Err(e) => failed(&e),
                    }?;
                    bytes += written.len() + 1;
                    if bytes > MAX_OUTPUT_BYTES {
                        return Err(output_too_large(
                            name,
                            &format!("more than {MAX_OUTPUT_BYTES} bytes of answers"),
                        ));
                    }
                    out.push(written);
                }
                Ok(format!("[{}]", out.join(",")))
            }
        }
    }
}

/// The key paths of each input document, under the name `js/ratecard.d.ts` declares it by
/// (`("OrderDocument", ["at", "customer", "customer.plan", ...])`): what the types must
/// declare, key by key (checked by `tests/js/types.test.mjs`).
#[doc(hidden)]
pub fn input_paths() -> Vec<(&'static str, Vec<String>)> {
    fn of<S: Shape>(name: &'static str) -> (&'static str, Vec<String>) {
        let mut paths = Vec::new();
        S::paths("", &mut paths);
        paths.sort();
        (name, paths)
    }
    vec![
        of::<crate::catalog::load::CatalogDoc>("CatalogDocument"),
        of::<crate::catalog::VersionDoc>("CatalogVersionDocument"),
        of::<OrderDoc>("OrderDocument"),
        of::<TableDoc>("TierTable"),
        of::<TrustedDoc>("Trusted"),
        of::<crate::order::CustomerDoc>("TrustedCustomer"),
        of::<TrustedCustomerDoc>("TrustedInvoice"),
        of::<RequestDoc>("InvoiceRequest"),
        of::<MatrixOptionsDoc>("MatrixOptions"),
        of::<AssignmentDoc>("AssignmentRequest"),
    ]
}

/// Runs one operation on JSON arguments and returns its JSON result.
///
/// # Errors
/// `INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`]; `INVALID_JSON`; `INVALID_VALUE` for an unknown
/// operation; `UNKNOWN_FIELD`/`MISSING_FIELD` for arguments; `INVALID_CATALOG` with every
/// problem of a bad catalog; then whatever the operation reports.
///
/// # Example
/// ```
/// let out = ratecard::api::call(
///     "priceTiers",
///     r#"{"table":{"tiers":[{"upTo":null,"unitPrice":"0.10"}]},"quantity":"3","currency":"USD"}"#,
/// ).unwrap();
/// assert!(out.starts_with(r#"{"quantity":"3","blocks":null,"currency":"USD","amount":"0.30""#));
/// ```
pub fn call(op: &str, args: &str) -> Result<String, Error> {
    check_output(dispatch(op, &Json(args), None)?)
}

/// Runs one operation that takes a catalog on an already loaded `catalog` (a [`Catalog`] or a
/// [`CatalogSet`]); `args` are its other arguments (no `catalog`). This is how a catalog is
/// parsed and validated once for many calls.
///
/// # Errors
/// As [`call`]; `INVALID_VALUE` for an operation that takes no catalog.
///
/// # Example
/// ```
/// let catalog = ratecard::Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let out = ratecard::api::call_loaded(&catalog, "planMargins", r#"{"planType":"acme-production-110"}"#).unwrap();
/// assert!(out.contains(r#""profit":"36.00""#));
/// ```
pub fn call_loaded<'c>(catalog: impl Into<Catalogs<'c>>, op: &str, args: &str) -> Result<String, Error> {
    check_output(dispatch(op, &Json(args), Some(catalog.into()))?)
}

/// The arguments as JSON text gives them, and the call's collector with their unknown keys
/// recorded (less `catalog` on a loaded catalog, where it is unknown).
fn arguments<A: Shape>(input: &dyn Source, loaded: bool) -> Result<(Box<A>, Problems), Error> {
    let mut p = Problems::new();
    let args = match crate::input::read::<Box<A>>(input)? {
        Field::Ok(args) => args,
        other => {
            p.bad::<Box<A>, ()>(&other, &At::Root);
            return Err(p.check::<()>(None).unwrap_err());
        }
    };
    if !args.unknown().keys.is_empty() {
        let mut known = A::known();
        known.retain(|k| !(loaded && *k == "catalog"));
        p.unknown_fields(args.unknown(), &At::Root, &known);
    }
    Ok((args, p))
}

fn plain<A: Shape>(input: &dyn Source, loaded: Option<Catalogs<'_>>, f: Plain<A>) -> Result<String, Error> {
    if loaded.is_some() {
        return Err(Error::new(Code::InvalidValue, "", "this operation does not run on a loaded catalog"));
    }
    let (args, mut p) = arguments::<A>(input, false)?;
    f(&args, &mut p)?.write()
}

fn on_catalog<A: CatalogArg>(
    input: &dyn Source,
    loaded: Option<Catalogs<'_>>,
    f: OnCatalog<A>,
) -> Result<String, Error> {
    let (args, mut p) = arguments::<A>(input, loaded.is_some())?;
    if loaded.is_some() && !matches!(args.catalog(), Field::Missing) {
        p.add(Code::UnknownField, "catalog", "the catalog is loaded already: give no \"catalog\" argument");
    }
    p.check(Some(()))?;
    let owned;
    let catalogs = match loaded {
        Some(c) => c,
        None => {
            owned = catalog_argument(args.catalog())?;
            Catalogs::from(&owned)
        }
    };
    f(catalogs, &args, &mut p)?.write()
}

/// A catalog or a catalog set from JSON text, as the `catalog` argument of a call would be:
/// errors of the text at `catalog`, a catalog's problems under one `INVALID_CATALOG`.
///
/// # Errors
/// As above.
///
/// # Example
/// ```
/// let set = ratecard::api::load(ratecard::DEMO_CATALOG_SET).unwrap();
/// assert!(matches!(set, ratecard::api::Loaded::Set(_)));
/// ```
pub fn load(text: &str) -> Result<Loaded, Error> {
    load_catalog(&Json(text))
}

/// [`load`] from JSON text or (in wasm) a JS value.
pub(crate) fn load_catalog(input: &dyn Source) -> Result<Loaded, Error> {
    let doc = crate::input::read::<Box<CatalogArgDoc>>(input).map_err(|e| e.within("catalog"))?;
    catalog_argument(&doc)
}

/// The `catalog` argument, loaded: a catalog's problems come under one `INVALID_CATALOG`.
fn catalog_argument(doc: &Field<Box<CatalogArgDoc>>) -> Result<Loaded, Error> {
    let mut p = Problems::new();
    let catalog =
        p.req(doc, &At::Root.key("catalog"), |p, doc, _| crate::catalog::load::validate_arg(p, doc));
    p.check(catalog).map_err(invalid_catalog)
}

/// A catalog's problems, under one `INVALID_CATALOG` error at path `catalog` that counts them
/// and quotes the first (so the error's text counts no other).
fn invalid_catalog(e: Error) -> Error {
    let message = match e.problems() {
        [only] => format!("the catalog has 1 problem: {only}"),
        all => format!("the catalog has {} problems; the first: {}", all.len(), all[0]),
    };
    let mut problems = vec![Problem::new(Code::InvalidCatalog, "catalog", message)];
    problems.extend(e.problems().iter().cloned());
    Error::from_problems(problems).unwrap_or(e)
}

/// `{valid, errors, warnings}` of the `catalog` argument (a catalog or a catalog set).
fn validate_catalog(args: &CatalogArgs, p: &mut Problems) -> Result<Answer<'static>, Error> {
    let doc = p.req(&args.catalog, &At::Root.key("catalog"), |_, doc, _| Some(doc));
    Ok(Answer::Validation(validation(p.check(doc)?)))
}

/// Every error and warning of a catalog or a catalog set.
fn validation(doc: &CatalogArgDoc) -> Validation {
    let mut catalog = Problems::new();
    let loaded = crate::catalog::load::validate_arg(&mut catalog, doc);
    match catalog.finish(loaded) {
        Ok(Loaded::One(c)) => Validation::of(Ok(*c)),
        Ok(Loaded::Set(set)) => Validation { errors: vec![], warnings: set.warnings().to_vec() },
        Err(e) => Validation::of(Err(e)),
    }
}

/// Validates a catalog or a catalog set (JSON text) without keeping it: every error and
/// warning, as `validateCatalog` answers.
///
/// # Example
/// ```
/// let v = ratecard::api::validate(r#"{"versions":[]}"#);
/// assert_eq!(v.errors[0].path, "versions");
/// ```
pub fn validate(text: &str) -> Validation {
    match crate::input::read::<Box<CatalogArgDoc>>(&Json(text)) {
        Ok(Field::Ok(doc)) => validation(&doc),
        Ok(other) => {
            let mut p = Problems::new();
            p.bad::<Box<CatalogArgDoc>, ()>(&other, &At::Root);
            Validation::of(p.check::<Catalog>(None))
        }
        Err(e) => Validation::of(Err(e)),
    }
}

const ROOT: At<'static> = At::Root;

fn quote<'c>(
    catalogs: Catalogs<'c>,
    args: &QuoteArgs,
    p: &mut Problems,
    detail: Detail,
) -> Result<Answer<'c>, Error> {
    let pinned = order_pin(catalogs, args.order.ok().map(|o| &**o), None).map_err(|e| e.within("order"))?;
    let order =
        p.req(&args.order, &ROOT.key("order"), |p, doc, at| Order::validate(p, doc, at, pinned.catalog));
    let order = p.check(order)?;
    let quote =
        quote_within(pinned, &order, detail, &mut Budget::default()).map_err(|e| e.within("order"))?;
    Ok(Answer::Quote(Box::new(quote), detail))
}

/// The catalog an order is priced on (see [`Catalogs::pin`]); with trusted fields, the
/// version they name or the one at the billing start they set.
fn order_pin<'c>(
    catalogs: Catalogs<'c>,
    order: Option<&OrderDoc>,
    trusted: Option<&TrustedDoc>,
) -> Result<Pinned<'c>, Error> {
    let Some(order) = order else { return catalogs.pin(&Field::Missing, None, None) };
    let start = order.customer.ok().map(|c| &c.billingStart);
    let trusted = trusted.map(|t| (&t.catalogVersion, t.customer.ok().map(|c| &c.billingStart)));
    pin_request(catalogs, (&order.catalogVersion, start, Some(&order.at)), trusted)
}

/// The catalog an invoice request is priced on, as [`order_pin`].
fn request_pin<'c>(
    catalogs: Catalogs<'c>,
    request: Option<&RequestDoc>,
    trusted: Option<&TrustedCustomerDoc>,
) -> Result<Pinned<'c>, Error> {
    let Some(request) = request else { return catalogs.pin(&Field::Missing, None, None) };
    let start = request.customer.ok().map(|c| &c.billingStart);
    let trusted = trusted.map(|t| (&t.catalogVersion, t.customer.ok().map(|c| &c.billingStart)));
    pin_request(catalogs, (&request.catalogVersion, start, None), trusted)
}

/// A request's `(catalogVersion, billingStart, at)` pinned, trusted `(catalogVersion,
/// billingStart)` first: a trusted version replaces the request's, and a trusted billing start
/// decides the version alone (the request's named one is dropped, as `Trusted::apply` does).
fn pin_request<'c>(
    catalogs: Catalogs<'c>,
    (named, start, at): (&Field<String>, Option<&Field<Time>>, Option<&Field<Time>>),
    trusted: Option<(&Field<String>, Option<&Field<Time>>)>,
) -> Result<Pinned<'c>, Error> {
    let trusted_start = trusted.and_then(|(_, s)| s).filter(|s| !s.is_absent());
    let named = match trusted {
        Some((version, _)) if !version.is_absent() => version,
        _ if trusted_start.is_some() => &Field::Missing,
        _ => named,
    };
    catalogs.pin(named, trusted_start.or(start), at)
}

fn matrix<'c>(catalogs: Catalogs<'c>, args: &MatrixArgs, p: &mut Problems) -> Result<Answer<'c>, Error> {
    let (named, at) = match args.options.ok() {
        Some(o) => (&o.catalogVersion, Some(&o.at)),
        None => (&Field::Missing, None),
    };
    let pinned = match (catalogs, named.is_absent() && at.is_none_or(|a| a.is_absent())) {
        // Without a version or an instant, the newest prices.
        (Catalogs::Set(set), true) => Pinned::version(set, set.versions().len() - 1),
        _ => catalogs.pin(named, None, at).map_err(|e| e.within("options"))?,
    };
    let catalog = pinned.catalog;
    let options =
        p.opt(&args.options, &ROOT.key("options"), |p, doc, at| MatrixOptions::validate(p, doc, at, catalog));
    let options = p.check(options)?.unwrap_or_default();
    let mut matrix = price_matrix(catalog, &options).map_err(|e| e.within("options"))?;
    matrix.version = pinned.pinned();
    Ok(Answer::Matrix(matrix))
}

/// One verification, read: the browser's order and quote, and what the server trusts.
struct Check<'a, 'c> {
    pinned: Pinned<'c>,
    order: Order,
    quote: &'a Received,
    trusted: Trusted,
}

fn check<'d, 'c>(
    p: &mut Problems,
    catalogs: Catalogs<'c>,
    doc: &'d CheckDoc,
    at: &At<'_>,
) -> Option<Check<'d, 'c>> {
    let pinned = match order_pin(catalogs, doc.order.ok().map(|o| &**o), doc.trusted.ok().map(|t| &**t)) {
        Ok(pinned) => pinned,
        Err(e) => return p.error(e, &at.key("order")),
    };
    let catalog = pinned.catalog;
    let order = p.req(&doc.order, &at.key("order"), |p, doc, at| Order::validate(p, doc, at, catalog));
    let quote = p.req(&doc.quote, &at.key("quote"), |_, v, _| Some(v));
    let trusted =
        p.opt(&doc.trusted, &at.key("trusted"), |p, doc, at| Trusted::validate(p, doc, at, catalog));
    Some(Check { pinned, order: order?, quote: quote?, trusted: trusted?.unwrap_or_default() })
}

fn verify_quote<'c>(
    catalogs: Catalogs<'c>,
    args: &VerifyArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let check = check(p, catalogs, &args.check, &ROOT);
    Ok(Answer::Verdict(verify(p.check(check)?, &mut Budget::default())?))
}

/// Verifies a received quote: `{ok, differences}`. With a trusted instant the quote is
/// recomputed at the server's instant and written with the instant the browser priced at, so
/// that an honest quote made a little earlier is the very same text (SPEC 7); its age is
/// checked first. A received summary (`quoteSummary`'s answer) is compared with the
/// recomputed summary. A quote priced on another catalog version is `CATALOG_VERSION_MISMATCH`.
fn verify(check: Check<'_, '_>, budget: &mut Budget) -> Result<Verdict, Error> {
    let sent_at = check.order.at;
    check.trusted.check_age(sent_at, "order.at")?;
    let (order, trusted_differences) = check.trusted.apply(&check.order);
    let mut quote =
        quote_within(check.pinned, &order, Detail::Full, budget).map_err(|e| e.within("order"))?;
    quote.at = sent_at;
    let full = quote.to_json()?;
    let diffs = match check.quote.0 == full {
        true => Vec::new(),
        false => {
            let received = check.quote.value().map_err(|e| e.within("quote"))?;
            same_version(check.pinned, &received, "quote")?;
            match is_summary(&received) {
                true => differences(&quote.summary_json()?, &received)?,
                false => tree_differences(&full, &received)?,
            }
        }
    };
    Ok(Verdict::of(&[("order", &trusted_differences), ("quote", &diffs)]))
}

/// `CATALOG_VERSION_MISMATCH` at `{name}.catalog` for a received answer that names another
/// version (or another text of it) than the customer's, or none, in a catalog set (SPEC 16).
fn same_version(pinned: Pinned<'_>, received: &Value, name: &str) -> Result<(), Error> {
    let Some(version) = pinned.pinned() else { return Ok(()) };
    let text = |key| match received.get("catalog").and_then(|c| c.get(key)) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let why = match (text("version"), text("hash")) {
        (Some(v), Some(h)) if v == version.version && h == version.hash => return Ok(()),
        (Some(v), _) if v != version.version => format!(
            "it was priced on catalog version \"{v}\", and the customer is on \"{}\"",
            version.version
        ),
        (Some(_), h) => format!(
            "it was priced on another text of catalog version \"{}\" (hash {}, here {})",
            version.version,
            h.unwrap_or("none"),
            version.hash
        ),
        (None, _) => format!("it names no catalog version, and the customer is on \"{}\"", version.version),
    };
    Err(Error::new(Code::CatalogVersionMismatch, format!("{name}.catalog"), why))
}

/// Whether a received quote is a summary: its lines hold only amounts (no line has a `kind`,
/// which every full line has).
fn is_summary(received: &Value) -> bool {
    matches!(received.get("lines"), Some(Value::Array(lines))
        if !lines.is_empty() && lines.iter().all(|l| matches!(l, Value::Object(_)) && l.get("kind").is_none()))
}

/// One invoice verification, read.
struct InvoiceCheck<'a, 'c> {
    pinned: Pinned<'c>,
    request: InvoiceRequest,
    invoice: &'a Received,
    trusted: Option<TrustedCustomer>,
}

fn invoice_check<'d, 'c>(
    p: &mut Problems,
    catalogs: Catalogs<'c>,
    doc: &'d InvoiceCheckDoc,
    at: &At<'_>,
) -> Option<InvoiceCheck<'d, 'c>> {
    let pinned = match request_pin(catalogs, doc.request.ok().map(|r| &**r), doc.trusted.ok().map(|t| &**t)) {
        Ok(pinned) => pinned,
        Err(e) => return p.error(e, &at.key("request")),
    };
    let catalog = pinned.catalog;
    let request =
        p.req(&doc.request, &at.key("request"), |p, doc, at| InvoiceRequest::validate(p, doc, at, catalog));
    let invoice = p.req(&doc.invoice, &at.key("invoice"), |_, v, _| Some(v));
    let trusted =
        p.opt(&doc.trusted, &at.key("trusted"), |p, doc, at| TrustedCustomer::validate(p, doc, at, catalog));
    Some(InvoiceCheck { pinned, request: request?, invoice: invoice?, trusted: trusted? })
}

/// Verifies a received invoice against the request it bills, with the trusted customer's
/// fields in place: `{ok, differences}` (paths under `request` for what the trusted fields
/// corrected, under `invoice` for the invoice; the request's errors under `request`).
fn verify_one_invoice(check: InvoiceCheck<'_, '_>, budget: &mut Budget) -> Result<Verdict, Error> {
    let (request, trusted_differences) = match &check.trusted {
        Some(trusted) => trusted.apply(&check.request),
        None => (check.request, Vec::new()),
    };
    let expected = invoice_within(check.pinned, &request, budget)
        .and_then(|i| i.to_json())
        .map_err(|e| e.within("request"))?;
    let diffs = match check.invoice.0 == expected {
        true => Vec::new(),
        false => {
            let received = check.invoice.value().map_err(|e| e.within("invoice"))?;
            same_version(check.pinned, &received, "invoice")?;
            tree_differences(&expected, &received)?
        }
    };
    Ok(Verdict::of(&[("request", &trusted_differences), ("invoice", &diffs)]))
}

fn invoice<'c>(catalogs: Catalogs<'c>, args: &InvoiceArgs, p: &mut Problems) -> Result<Answer<'c>, Error> {
    let pinned =
        request_pin(catalogs, args.request.ok().map(|r| &**r), None).map_err(|e| e.within("request"))?;
    let catalog = pinned.catalog;
    let request = p
        .req(&args.request, &ROOT.key("request"), |p, doc, at| InvoiceRequest::validate(p, doc, at, catalog));
    let request = p.check(request)?;
    let invoice =
        invoice_within(pinned, &request, &mut Budget::default()).map_err(|e| e.within("request"))?;
    Ok(Answer::Invoice(Box::new(invoice)))
}

fn verify_invoice<'c>(
    catalogs: Catalogs<'c>,
    args: &VerifyInvoiceArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let check = invoice_check(p, catalogs, &args.check, &ROOT);
    Ok(Answer::Verdict(verify_one_invoice(p.check(check)?, &mut Budget::default())?))
}

fn quote_many<'c>(
    catalogs: Catalogs<'c>,
    args: &QuoteManyArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let lines = |o: &OrderDoc| o.lines.ok().map_or(0, |l| l.len);
    batch(p, &args.orders, "orders", lines, |p, doc, at, budget| {
        let pinned = match order_pin(catalogs, Some(doc), None) {
            Ok(pinned) => pinned,
            Err(e) => return Some(Err(e)),
        };
        let order = Order::validate(p, doc, at, pinned.catalog)?;
        let quote = quote_within(pinned, &order, Detail::Full, budget);
        Some(quote.map(|q| Answer::Quote(Box::new(q), Detail::Full)))
    })
}

fn verify_many<'c>(
    catalogs: Catalogs<'c>,
    args: &VerifyManyArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let lines = |c: &CheckDoc| c.order.ok().and_then(|o| o.lines.ok()).map_or(0, |l| l.len);
    batch(p, &args.checks, "checks", lines, |p, doc, at, budget| {
        p.fields(doc, at);
        let check = check(p, catalogs, doc, at)?;
        Some(verify(check, budget).map(Answer::Verdict))
    })
}

fn verify_invoice_many<'c>(
    catalogs: Catalogs<'c>,
    args: &VerifyInvoiceManyArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    batch(
        p,
        &args.checks,
        "checks",
        |_| 0,
        |p, doc, at, budget| {
            p.fields(doc, at);
            let check = invoice_check(p, catalogs, doc, at)?;
            Some(verify_one_invoice(check, budget).map(Answer::Verdict))
        },
    )
}

/// Runs `f` on every item of the batch `name`: its answer, or its error with the item's
/// problems, so that one bad item does not hide the answers for the others. `f` records the
/// item's problems (`None`) or answers (its errors' paths relative to the item). The items share
/// one [`Budget`] and the call's problems: past [`MAX_BATCH_ITEMS`] items, [`MAX_PRICED_LINES`]
/// order lines in all (`lines` counts an item's), [`crate::MAX_PROBLEMS`] problems in all, or an
/// answer too large, the whole call is refused.
fn batch<'c, T: Shape, const MAX: usize>(
    p: &mut Problems,
    list: &Field<List<Box<T>, MAX>>,
    name: &'static str,
    lines: impl Fn(&T) -> usize,
    mut f: impl FnMut(&mut Problems, &T, &At<'_>, &mut Budget) -> Option<Result<Answer<'c>, Error>>,
) -> Result<Answer<'c>, Error> {
    let at = ROOT.key(name);
    let items = p.req(list, &at, |p, list, at| {
        list.within_limit(p, at, |n| format!("{n} items; one call takes at most {MAX_BATCH_ITEMS}"))
    });
    let items = p.check(items)?;
    let total: usize = items.iter().filter_map(Field::ok).map(|item| lines(item)).sum();
    if total > MAX_PRICED_LINES {
        return Err(Error::new(
            Code::InputTooLarge,
            name,
            format!("{total} order lines in all; one call prices at most {MAX_PRICED_LINES}"),
        ));
    }
    let mut budget = Budget::default();
    let mut answers = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = at.index(i);
        let mark = p.mark();
        let answer = match item {
            Field::Ok(doc) => f(p, doc, &at, &mut budget),
            other => p.bad(other, &at),
        };
        let answer = match answer {
            Some(Err(e)) if e.code() == Code::OutputTooLarge => return Err(e.within(&at.into_path())),
            // Paths relative to the item, put under its path and counted as the call's problems.
            Some(Err(e)) => {
                let e = e.within(&at.into_path());
                p.extend(e.problems().iter().cloned());
                p.settle(mark);
                Err(e)
            }
            Some(Ok(answer)) => p.settle(mark).map_or(Ok(answer), Err),
            None => Err(p
                .settle(mark)
                .unwrap_or_else(|| Error::new(Code::InvalidValue, at.into_path(), "invalid"))),
        };
        if p.full() {
            return Err(std::mem::take(p)
                .into_error()
                .unwrap_or_else(|| Error::new(Code::TooManyProblems, "", "")));
        }
        answers.push(answer);
    }
    Ok(Answer::Batch(name, answers))
}

fn price_tiers(args: &PriceTiersArgs, p: &mut Problems) -> Result<Answer<'static>, Error> {
    let pricer = TablePricer::validate(p, &args.table, &args.currency);
    let quantity = p.req(&args.quantity, &ROOT.key("quantity"), Problems::quantity);
    let (pricer, quantity) = p.check(pricer.zip(quantity))?;
    pricer.answer(quantity)
}

/// A tier table loaded once, with an optional currency, for many prices: what an order form
/// uses on every keystroke, and what `priceTiers` runs once.
///
/// # Example
/// ```
/// let storage = ratecard::api::TablePricer::from_json(
///     r#"{"mode":"graduated","tiers":[{"upTo":"100","unitPrice":"0.10"},{"upTo":null,"unitPrice":"0.08"}]}"#,
///     Some("USD"),
/// ).unwrap();
/// assert_eq!(storage.amount("250").unwrap(), "22.00");
/// assert_eq!(storage.amounts("0\n100\n250").unwrap(), "0.00\n10.00\n22.00");
/// ```
#[derive(Debug, Clone)]
pub struct TablePricer {
    table: TierTable,
    currency: Option<Currency>,
}

impl TablePricer {
    /// Loads a tier table (JSON text) and an optional ISO 4217 currency to round to.
    ///
    /// # Errors
    /// Every problem of the table (paths start with `table`), `UNKNOWN_CURRENCY` at `currency`.
    pub fn from_json(table: &str, currency: Option<&str>) -> Result<TablePricer, Error> {
        TablePricer::read(&Json(table), currency)
    }

    /// Loads a tier table (JSON text or, in wasm, a JS value).
    pub(crate) fn read(table: &dyn Source, currency: Option<&str>) -> Result<TablePricer, Error> {
        let table = crate::input::read::<Box<TableDoc>>(table).map_err(|e| e.within("table"))?;
        let currency = currency.map_or(Field::Missing, |c| Field::Ok(c.to_string()));
        let mut p = Problems::new();
        let pricer = TablePricer::validate(&mut p, &table, &currency);
        p.finish(pricer)
    }

    fn validate(
        p: &mut Problems,
        table: &Field<Box<TableDoc>>,
        currency: &Field<String>,
    ) -> Option<TablePricer> {
        let table = p.req(table, &ROOT.key("table"), |p, doc, at| {
            p.fields(&**doc, at);
            TierTable::validate(p, doc, at, false)
        });
        let currency = p.opt(currency, &ROOT.key("currency"), |p, code, at| {
            let c = Currency::iso(code);
            if c.is_none() {
                p.add(Code::UnknownCurrency, at, format!("\"{code}\" is not an ISO 4217 currency code"));
            }
            c
        });
        Some(TablePricer { table: table?, currency: currency? })
    }

    fn answer(&self, quantity: Decimal) -> Result<Answer<'static>, Error> {
        let price = self.table.price(quantity).map_err(|e| e.within("quantity"))?;
        Ok(Answer::Tiers(price, self.currency))
    }

    /// The price of `quantity` (decimal text) explained tier by tier, as JSON: what
    /// `priceTiers` returns.
    ///
    /// # Errors
    /// `INVALID_DECIMAL`, `NEGATIVE_QUANTITY`, `QUANTITY_ABOVE_LAST_TIER`, `OVERFLOW` at `quantity`.
    pub fn price(&self, quantity: &str) -> Result<String, Error> {
        self.answer(quantity_text(quantity).map_err(|e| e.within("quantity"))?)?.write()
    }

    /// Just the amount for `quantity` (decimal text): rounded to the currency when there is
    /// one, exact otherwise.
    ///
    /// # Errors
    /// As [`TablePricer::price`].
    pub fn amount(&self, quantity: &str) -> Result<String, Error> {
        self.amount_of(quantity).map_err(|e| e.within("quantity"))
    }

    /// The amounts for many quantities in one call: quantities and amounts separated by `\n`.
    ///
    /// # Errors
    /// As [`TablePricer::price`], at `quantities[i]`; `INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`].
    pub fn amounts(&self, quantities: &str) -> Result<String, Error> {
        if quantities.len() > MAX_INPUT_BYTES {
            return Err(Error::new(
                Code::InputTooLarge,
                "quantities",
                format!("more than {MAX_INPUT_BYTES} bytes"),
            ));
        }
        let mut out = String::with_capacity(quantities.len() + quantities.len() / 2);
        for (i, q) in quantities.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            // The path is only written when there is an error to report.
            out.push_str(&self.amount_of(q).map_err(|e| e.within(&format!("quantities[{i}]")))?);
        }
        Ok(out)
    }

    /// The amount of one quantity; error paths are relative to it.
    fn amount_of(&self, quantity: &str) -> Result<String, Error> {
        let rounding = self.currency.as_ref().map(|c| (c, Rounding::HalfUp));
        table_amount(&self.table, rounding, quantity_text(quantity)?)
    }
}

/// A tier table's amount for `quantity` as an amount answer writes it: rounded once to the
/// currency when there is one, exact otherwise. Integer arithmetic where it is exact (see
/// [`TierTable::fast_amount`]), the exact decimal path otherwise: `priceTiers`' amounts and
/// `ratecard rate`'s tier rows both come from here. Always inlined: as a call of its own it
/// cost a tier amount 30 instructions (1,002 against 972, callgrind).
#[inline(always)]
pub(crate) fn table_amount(
    table: &TierTable,
    currency: Option<(&Currency, Rounding)>,
    quantity: Decimal,
) -> Result<String, Error> {
    let places = currency.map(|(c, rounding)| (c.exponent(), rounding));
    match table.fast_amount(quantity).and_then(|(m, s)| fixed_text(m, s, places)) {
        Some(text) => Ok(text),
        None => exact_table_amount(table, currency, quantity),
    }
}

/// [`table_amount`] by the exact decimal path alone (kept out of the integer path's way).
#[inline(never)]
fn exact_table_amount(
    table: &TierTable,
    currency: Option<(&Currency, Rounding)>,
    quantity: Decimal,
) -> Result<String, Error> {
    let exact = table.exact_amount(quantity)?;
    Ok(match currency {
        Some((c, rounding)) => Money::round(exact, c, rounding)?.amount_text(),
        None => crate::tiers::plain(exact),
    })
}

/// Whether a quotient with remainder `r` (and `rest` = the unit less `r`) rounds up.
fn rounds_up<T: PartialOrd>(r: T, rest: T, odd: bool, rounding: Rounding) -> bool {
    match rounding {
        Rounding::HalfUp => r >= rest,
        Rounding::HalfEven => r > rest || (r == rest && odd),
    }
}

/// A positive exact amount `m` x 10^-`s` as an amount answer writes it: rounded to `places`
/// decimals when there is a currency, with its trailing zeros removed when not; `None` when the
/// rounded amount is past what a `Decimal` holds (the exact path reports it).
fn fixed_text(m: i128, s: u32, places: Option<(u32, Rounding)>) -> Option<String> {
    let (mut m, mut s) = (m, s);
    match places {
        Some((places, _)) if s <= places => {
            m = m.checked_mul(*POW10.get((places - s) as usize)?)?;
            s = places;
        }
        Some((places, rounding)) => {
            let unit = POW10[(s - places) as usize];
            // Past half the unit rounds up; exactly half rounds up (half up) or to the even
            // quotient (half even). `r >= unit - r` is `2r >= unit` without overflow. In 64
            // bits when it fits, where a division is one instruction instead of a library call.
            m = match (u64::try_from(m), u64::try_from(unit)) {
                (Ok(m), Ok(unit)) => {
                    let (q, r) = (m / unit, m % unit);
                    i128::from(q + u64::from(rounds_up(r, unit - r, q % 2 == 1, rounding)))
                }
                _ => {
                    let (q, r) = (m / unit, m % unit);
                    q + i128::from(rounds_up(r, unit - r, q % 2 == 1, rounding))
                }
            };
            s = places;
        }
        None => {
            while s > 0 && m % 10 == 0 {
                m /= 10;
                s -= 1;
            }
        }
    }
    // What the exact path could not hold, it refuses (OVERFLOW): leave it that answer.
    if m >= 1 << 96 || s > 28 {
        return None;
    }
    let mut text = String::with_capacity(24);
    crate::money::write_fixed(m.unsigned_abs(), s, false, &mut text);
    Some(text)
}

/// A quantity written as decimal text.
fn quantity_text(text: &str) -> Result<Decimal, Error> {
    crate::input::parse_decimal(text).map_err(|(code, message)| Error::new(code, "", message))
}

fn plan_margins<'c>(
    catalogs: Catalogs<'c>,
    args: &PlanMarginsArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let catalog = catalogs.newest();
    let plan_type = p.req(&args.planType, &ROOT.key("planType"), Problems::id);
    let instances = p.opt(&args.instances, &ROOT.key("instances"), |p, n, at| p.whole(n, at, 0));
    let (plan_type, instances) = p.check(plan_type.zip(instances))?;
    Ok(Answer::PlanMargins(catalog.plan_margins(&plan_type, instances.unwrap_or(1))?))
}

fn partner_margins<'c>(
    catalogs: Catalogs<'c>,
    args: &PartnerMarginsArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let catalog = catalogs.newest();
    let partner = p.req(&args.partner, &ROOT.key("partner"), Problems::id);
    let instances = p.opt(&args.instances, &ROOT.key("instances"), |p, map, at| {
        if map.len > MAX_LIST_LEN {
            p.add(Code::InputTooLarge, at, format!("{} plan types; at most {MAX_LIST_LEN}", map.len));
            return None;
        }
        let mut counts = BTreeMap::new();
        let mut complete = true;
        for (id, n) in &map.entries {
            if p.full() {
                return None;
            }
            let at = at.key(id);
            match p.req(n, &at, |p, n, at| p.whole(n, at, 0)) {
                Some(count) if counts.insert(id.clone(), count).is_some() => {
                    p.add(Code::DuplicateKey, &at, format!("the key \"{id}\" appears twice in one object"));
                    complete = false;
                }
                Some(_) => {}
                None => complete = false,
            }
        }
        complete.then_some(counts)
    });
    let (partner, instances) = p.check(partner.zip(instances))?;
    Ok(Answer::PartnerMargins(catalog.partner_margins(&partner, &instances.unwrap_or_default())?))
}

fn check_assignment<'c>(
    catalogs: Catalogs<'c>,
    args: &AssignmentArgs,
    p: &mut Problems,
) -> Result<Answer<'c>, Error> {
    let catalog = catalogs.newest();
    let request = p.req(&args.request, &ROOT.key("request"), |p, o, at| {
        p.fields(&**o, at);
        let plan_type = p.req(&o.planType, &at.key("planType"), Problems::id);
        let instance = p.req(&o.instance, &at.key("instance"), |p, i, at| {
            p.fields(&**i, at);
            let _id = p.opt(&i.id, &at.key("id"), Problems::id);
            let owner = p.req(&i.owner, &at.key("owner"), Problems::id);
            let environment =
                p.req(&i.environment, &at.key("environment"), |p, s, at| p.choice(s, at, &Environment::ALL));
            owner.zip(environment)
        });
        plan_type.zip(instance)
    });
    let (plan_type, (owner, environment)) = p.check(request)?;
    let reasons =
        catalog.check_assignment(&plan_type, &owner, environment).map_err(|e| e.within("request"))?;
    Ok(Answer::Assignment(reasons))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_like_any_input() {
        let e = call("priceTiers", r#"{"tabel":{},"quantity":"1"}"#).unwrap_err();
        let got: Vec<_> = e.problems().iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(got, [(Code::UnknownField, "tabel"), (Code::MissingField, "table")]);
        assert_eq!(call("nope", "{}").unwrap_err().code(), Code::InvalidValue);
        assert_eq!(call("version", "[]").unwrap_err().code(), Code::InvalidType);
        let big = " ".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(call("version", &big).unwrap_err().code(), Code::InputTooLarge);
        for op in OPERATIONS {
            assert_ne!(call(op, "{}").map_err(|e| e.code()), Err(Code::InvalidValue), "{op} is wired");
        }
    }

    #[test]
    fn paths_start_with_the_argument_name() {
        let e = call("priceTiers", r#"{"table":{"tiers":[{"upTo":"5","unitPrice":"1"}]},"quantity":"-2"}"#)
            .unwrap_err();
        assert_eq!((e.code(), e.path()), (Code::NegativeQuantity, "quantity"));
        let e = call(
            "priceTiers",
            r#"{"table":{"tiers":[{"upTo":"5","unitPrice":1}]},"quantity":2.5,"currency":"XXY"}"#,
        )
        .unwrap_err();
        let got: Vec<_> = e.problems().iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (Code::InexactNumber, "table.tiers[0].unitPrice"),
                (Code::UnknownCurrency, "currency"),
                (Code::InexactNumber, "quantity")
            ]
        );
    }

    #[test]
    fn a_bad_catalog_is_one_error_carrying_every_problem() {
        let e = call("quote", r#"{"catalog":{"currencies":["USD"],"plans":[{"id":"a"}]},"order":{}}"#)
            .unwrap_err();
        let got: Vec<_> = e.problems().iter().map(|p| (p.code, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (Code::InvalidCatalog, "catalog"),
                (Code::MissingField, "defaultCurrency"),
                (Code::MissingField, "plans[0].name"),
            ]
        );
        // Its text counts the catalog's problems once, not its own summary among them.
        let text = e.to_string();
        assert!(text.starts_with("catalog: INVALID_CATALOG: the catalog has 2 problems; the first: defaultCurrency: MISSING_FIELD: "), "{text}");
        assert!(!text.contains("more problem"), "{text}");
        let one = call("quote", r#"{"catalog":{"currencies":["USD"]},"order":{}}"#).unwrap_err().to_string();
        assert!(
            one.starts_with("catalog: INVALID_CATALOG: the catalog has 1 problem: defaultCurrency: "),
            "{one}"
        );
    }

    #[test]
    fn a_batch_records_at_most_the_cap_of_problems_in_all() {
        let catalog = Catalog::from_json(crate::DEMO_CATALOG).unwrap();
        let order = r#"{"at":"2026-11-01","lines":[{"product":"nope","quantity":1},{"product":"nope","quantity":1}]}"#;
        let orders = vec![order; 500].join(",");
        let e = call_loaded(&catalog, "quoteMany", &format!(r#"{{"orders":[{orders}]}}"#)).unwrap_err();
        assert_eq!(e.problems().len(), crate::MAX_PROBLEMS + 1);
        assert_eq!(e.problems().iter().filter(|p| p.code == Code::TooManyProblems).count(), 1);
        assert_eq!(e.problems()[3].path, "orders[1].lines[1].product");
        let suggested = e.problems().iter().filter(|p| p.message.contains("; ")).count();
        assert!(suggested <= crate::input::MAX_SUGGESTED, "{suggested} searches for a suggestion");
        // Below the cap, each item answers for itself.
        let two = call_loaded(
            &catalog,
            "quoteMany",
            &format!(r#"{{"orders":[{order},{{"at":"2026-11-01","lines":[]}}]}}"#),
        );
        let two = two.unwrap();
        assert!(
            two.starts_with(r#"[{"error":{"code":"UNKNOWN_PRODUCT","path":"orders[0].lines[0].product""#),
            "{two}"
        );
        assert!(two.contains(r#"},{"at":"2026-11-01T00:00:00Z""#), "{two}");
    }
}

// proptest is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fast_amounts {
    use proptest::prelude::*;

    use super::*;

    /// A decimal text of `digits` digits with `scale` of them after the point.
    fn decimal(digits: u32, scale: u32) -> impl Strategy<Value = String> {
        (0u128..10u128.pow(digits.min(38)))
            .prop_map(move |m| Decimal::from_i128_with_scale(m as i128, scale).to_string())
    }

    /// Any decimal from 0 to 28 digits long (the short ones most often), at any scale it allows.
    fn any_decimal() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (1u32..7, 0u32..4).prop_flat_map(|(d, s)| decimal(d, s.min(d))),
            1 => (1u32..29, 0u32..29).prop_flat_map(|(d, s)| decimal(d, s.min(d))),
        ]
    }

    /// A tier table's JSON: increasing bounds (the last unbounded or not), prices of any size.
    fn table() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop::collection::vec(
                (1u64..1_000_000, 0u32..4, any_decimal(), prop::option::of(any_decimal())),
                1..5,
            ),
            any::<bool>(),
        )
            .prop_map(|(graduated, tiers, bounded)| {
                let (mut bound, n) = (0u128, tiers.len());
                let tiers: Vec<String> = tiers
                    .into_iter()
                    .enumerate()
                    .map(|(i, (step, scale, price, flat))| {
                        bound += u128::from(step) * 10u128.pow(scale);
                        let up = if i + 1 == n && !bounded {
                            "null".to_string()
                        } else {
                            format!("\"{}\"", Decimal::from_i128_with_scale(bound as i128, scale + 3))
                        };
                        let flat = flat.map(|f| format!(",\"flatPrice\":\"{f}\"")).unwrap_or_default();
                        format!("{{\"upTo\":{up},\"unitPrice\":\"{price}\"{flat}}}")
                    })
                    .collect();
                let mode = if graduated { "graduated" } else { "volume" };
                format!("{{\"mode\":\"{mode}\",\"tiers\":[{}]}}", tiers.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The integer path answers what the exact decimal path answers, to the digit, with and
        /// without a currency, rounding half up and half even (or leaves the quantity to it).
        #[test]
        fn the_integer_path_gives_the_exact_paths_amounts(table in table(), quantity in any_decimal()) {
            for code in [None, Some("USD"), Some("JPY"), Some("KWD")] {
                let Ok(pricer) = TablePricer::from_json(&table, code) else { continue };
                let q: Decimal = quantity.parse().unwrap();
                for rounding in [Rounding::HalfUp, Rounding::HalfEven] {
                    let currency = pricer.currency.as_ref().map(|c| (c, rounding));
                    let exact = exact_table_amount(&pricer.table, currency, q).map_err(|e| e.code());
                    let answered = table_amount(&pricer.table, currency, q).map_err(|e| e.code());
                    prop_assert_eq!(answered, exact.clone(), "{} {:?} {:?}", table, code, rounding);
                    if let Some((m, s)) = pricer.table.fast_amount(q) {
                        let places = currency.map(|(c, r)| (c.exponent(), r));
                        prop_assert_eq!(fixed_text(m, s, places), exact.ok(), "the fast path answered for {}", quantity);
                    }
                }
            }
        }
    }

    #[test]
    fn the_integer_path_rounds_ties_as_the_catalog_says() {
        let table = |price: &str| {
            let json = format!(r#"{{"tiers":[{{"upTo":null,"unitPrice":"{price}"}}]}}"#);
            TablePricer::from_json(&json, Some("USD")).unwrap()
        };
        let usd = Currency::iso("USD").unwrap();
        for (price, half_up, half_even) in [
            ("0.125", "0.13", "0.12"),
            ("0.135", "0.14", "0.14"),
            ("0.1251", "0.13", "0.13"),
            ("0.005", "0.01", "0.00"),
        ] {
            let t = table(price);
            assert!(t.table.fast_amount(Decimal::ONE).is_some(), "{price} takes the integer path");
            for (rounding, expected) in [(Rounding::HalfUp, half_up), (Rounding::HalfEven, half_even)] {
                assert_eq!(
                    table_amount(&t.table, Some((&usd, rounding)), Decimal::ONE).unwrap(),
                    expected,
                    "{price}"
                );
            }
        }
    }

    #[test]
    fn the_integer_path_answers_the_common_tables_and_leaves_the_rest() {
        let graduated = r#"{"mode":"graduated","tiers":[{"upTo":"100","unitPrice":"0.10"},{"upTo":"1000","unitPrice":"0.08"},{"upTo":null,"unitPrice":"0.05"}]}"#;
        let t = TablePricer::from_json(graduated, Some("USD")).unwrap();
        assert_eq!(
            t.table.fast_amount("2500".parse().unwrap()),
            Some((15700, 2)),
            "100 x 0.10 + 900 x 0.08 + 1500 x 0.05 = 157.00"
        );
        assert_eq!(t.amount("2500").unwrap(), "157.00");
        assert_eq!(t.amount("0.005").unwrap(), "0.00");
        let blocks = r#"{"tiers":[{"upTo":null,"unitPrice":"1"}],"blockSize":"10"}"#;
        let b = TablePricer::from_json(blocks, None).unwrap();
        assert_eq!(b.table.fast_amount("25".parse().unwrap()), None, "blocks take the exact path");
        assert_eq!(b.amount("25").unwrap(), "3");
        // 28 digits times 28 digits: past 96 bits, left to the exact path, which refuses it.
        let huge = r#"{"tiers":[{"upTo":null,"unitPrice":"9999999999999999999999999999"}]}"#;
        let h = TablePricer::from_json(huge, None).unwrap();
        assert_eq!(h.table.fast_amount("99999".parse().unwrap()), None);
        assert_eq!(h.amount("99999").unwrap_err().code(), Code::Overflow);
    }
}
