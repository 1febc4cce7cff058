//! Rating at scale (SPEC 17): a stream of requests, one per line, each answered by one line, in
//! order. This is `ratecard rate`, and what a ClickHouse `executable_pool` function runs, so a
//! query can bill every customer's month where the usage already lives.
//!
//! A line in the JSON form is one of:
//! - a call, `{"call": "priceTiers" | "quote" | "invoice", "args": {...}}`, answered with what
//!   [`api::call_loaded`] answers (`priceTiers` with [`api::call`]);
//! - a flat row, the common case, as a query selects it: `{customer?, plan?, currency?, region?,
//!   billingStart?, product, packages?, quantity | reading (+ previousReading), at | period}`
//!   (`packages`: the packages the customer holds, whose allowances apply to the product). With `at` it
//!   is a one-line quote at that instant; with `period` (`{start, end}`) a one-item invoice for
//!   that period. It is answered with a flat row, `{amount, currency, hourly, monthly, phase,
//!   rule, warnings}`, whose members a query can select as columns. As in an order, a row at an
//!   instant without `billingStart` is a first order (billing starts at `at`).
//!
//! A line in the tab-separated form is a tier price: `plan, product, region, currency, phase,
//! quantity`, answered with the amount (the cheapest row there is).
//!
//! A line that cannot be answered is answered with its error, `{"error": {code, path, message,
//! problems}}` (tab-separated: `error: PATH: CODE: message`), and the stream goes on.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use chrono::{DateTime, Utc};

use crate::api::{self, table_amount, MAX_INPUT_BYTES};
use crate::catalog::{Catalog, ProductKind};
use crate::error::{Code, Error, Problem};
use crate::input::{parse_decimal, read, shape, At, Field, Json, List, Num, Problems};
use crate::invoice::{invoice, InvoiceRequest, ItemDoc, PeriodDoc, RequestDoc};
use crate::json_text::{object, with, write_str, ToJson};
use crate::limits::MAX_ORDER_LINES;
use crate::money::{exact, Currency};
use crate::order::{CustomerDoc, LineDoc, Order, OrderDoc};
use crate::phases::Phase;
use crate::quote::quote;
use crate::tiers::TierTable;
use crate::verify::Received;

shape!(
    /// One line of the JSON form, as JSON gives it: a call, or a flat row.
    RowDoc {
        call: Field<String>,
        args: Field<Received>,
        customer: Field<String>,
        plan: Field<String>,
        currency: Field<String>,
        region: Field<String>,
        billingStart: Field<DateTime<Utc>>,
        product: Field<String>,
        packages: Field<List<String>>,
        quantity: Field<Num>,
        reading: Field<Num>,
        previousReading: Field<Num>,
        at: Field<DateTime<Utc>>,
        period: Field<Box<PeriodDoc>>,
    }
);

/// The calls a line may make.
const CALLS: [&str; 3] = ["priceTiers", "quote", "invoice"];

/// The columns of a tab-separated tier row, in order.
pub const TIER_COLUMNS: [&str; 6] = ["plan", "product", "region", "currency", "phase", "quantity"];

/// How many resolved tier tables a tab-separated stream keeps; past it the cache starts again,
/// so memory stays flat whatever the stream holds.
const MAX_CACHED_TABLES: usize = 4096;

/// What the lines of a stream are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateFormat {
    /// JSON lines: calls and flat rows (see the [module](self)).
    Json,
    /// Tab-separated tier rows: `plan, product, region, currency, phase, quantity`.
    Tsv,
}

/// Answers lines on one loaded catalog: one answer per line, in order.
///
/// # Example
/// ```
/// use ratecard::{Catalog, rate::{RateFormat, Rater}};
/// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
/// let mut rater = Rater::new(&catalog, RateFormat::Json);
/// let row = r#"{"plan":"standard","currency":"USD","region":"us-east","product":"storage",
///     "quantity":"250","billingStart":"2026-01-01T00:00:00Z","at":"2026-11-21T10:00:00Z"}"#;
/// assert_eq!(
///     rater.answer(row),
///     // 100 GB at 0.10 and 150 at 0.08; the demo catalog's hourly rate is the month over 672 hours.
///     r#"{"amount":"22.00","currency":"USD","hourly":"0.0327380952380952380952380952","monthly":"22.00","phase":"final","rule":"plans[0].prices[22]","warnings":[]}"#
/// );
/// let bad = rater.answer(r#"{"product":"huge","quantity":"1","at":"2026-11-21T10:00:00Z"}"#);
/// assert!(bad.starts_with(r#"{"error":{"code":"UNKNOWN_PRODUCT","path":"product""#));
/// ```
#[derive(Debug)]
pub struct Rater<'c> {
    catalog: &'c Catalog,
    format: RateFormat,
    /// The key each JSON answer is written under (`{"result": answer}`), as a ClickHouse
    /// function's `return_name` reads it.
    wrap: Option<String>,
    /// Tab-separated rows' tables, by the row's text before its quantity.
    tables: HashMap<Vec<u8>, Result<Table<'c>, Error>>,
}

/// A tier row's resolved table and the currency its amounts are rounded to.
#[derive(Debug, Clone, Copy)]
struct Table<'c> {
    table: &'c TierTable,
    currency: &'c Currency,
}

impl<'c> Rater<'c> {
    /// A rater of lines in `format` on `catalog`.
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, rate::{RateFormat, Rater}};
    /// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let mut tiers = Rater::new(&catalog, RateFormat::Tsv);
    /// assert_eq!(tiers.answer("standard\tstorage\tus-east\tUSD\tfinal\t250"), "22.00");
    /// ```
    pub fn new(catalog: &'c Catalog, format: RateFormat) -> Rater<'c> {
        Rater { catalog, format, wrap: None, tables: HashMap::new() }
    }

    /// Writes each JSON answer as the member `key` of an object (`{"result": answer}`): what a
    /// ClickHouse function in `JSONEachRow` reads, under its `return_name`. Tab-separated
    /// answers are never wrapped.
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, rate::{RateFormat, Rater}};
    /// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let mut rater = Rater::new(&catalog, RateFormat::Json).wrapped("result");
    /// assert!(rater.answer("{}").starts_with(r#"{"result":{"error":{"code":"MISSING_FIELD""#));
    /// ```
    pub fn wrapped(mut self, key: &str) -> Rater<'c> {
        self.wrap = Some(key.to_string());
        self
    }

    /// The answer to one line (without its line end).
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, rate::{RateFormat, Rater}};
    /// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let mut rater = Rater::new(&catalog, RateFormat::Json);
    /// let call = r#"{"call":"priceTiers","args":{"table":{"tiers":[{"upTo":null,"unitPrice":"0.5"}]},"quantity":"3"}}"#;
    /// assert!(rater.answer(call).starts_with(r#"{"quantity":"3","blocks":null,"amount":"1.5""#));
    /// ```
    pub fn answer(&mut self, line: &str) -> String {
        let mut out = String::new();
        self.answer_bytes(line.as_bytes(), &mut out);
        out.pop(); // the line end
        out
    }

    /// Answers every line of `input` on `output`, one line each, in order, and flushes
    /// `output` after each block it reads: a reader that waits for the answers to what it sent
    /// (a ClickHouse pool) gets them. A line end is `\n` (or `\r\n`); a last line without one
    /// is answered too. A line longer than [`MAX_INPUT_BYTES`] is answered `INPUT_TOO_LARGE`
    /// without being kept, so memory stays flat over any input. Returns how many lines it
    /// answered.
    ///
    /// # Errors
    /// Only what reading `input` or writing `output` fails with.
    ///
    /// # Example
    /// ```
    /// use ratecard::{Catalog, rate::{RateFormat, Rater}};
    /// let catalog = Catalog::from_json(ratecard::DEMO_CATALOG).unwrap();
    /// let mut out = Vec::new();
    /// let input = "standard\tstorage\tus-east\tUSD\tfinal\t250\nstandard\tstorage\tus-east\tUSD\tfinal\t-1\n";
    /// let lines = Rater::new(&catalog, RateFormat::Tsv).stream(input.as_bytes(), &mut out).unwrap();
    /// assert_eq!(lines, 2);
    /// assert_eq!(
    ///     String::from_utf8(out).unwrap(),
    ///     "22.00\nerror: quantity: NEGATIVE_QUANTITY: the quantity -1 is negative\n"
    /// );
    /// ```
    pub fn stream(&mut self, mut input: impl BufRead, mut output: impl Write) -> io::Result<u64> {
        // The start of a line that the block read so far has not ended; `None` once it is past
        // the limit (the rest of it is read past).
        let mut pending: Option<Vec<u8>> = Some(Vec::new());
        let mut out = String::new();
        let mut lines = 0;
        loop {
            let block = match input.fill_buf() {
                Ok(block) => block,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if block.is_empty() {
                break;
            }
            let mut rest = block;
            while let Some(end) = rest.iter().position(|&b| b == b'\n') {
                let line = &rest[..end];
                match &mut pending {
                    // The common case: the whole line is in this block, answered where it is.
                    Some(start) if start.is_empty() => self.answer_bytes(line, &mut out),
                    Some(start) => {
                        start.extend_from_slice(line);
                        self.answer_gathered(&mut pending, &mut out);
                    }
                    None => self.answer_gathered(&mut pending, &mut out),
                }
                lines += 1;
                rest = &rest[end + 1..];
            }
            if let Some(start) = &mut pending {
                if start.len() + rest.len() > MAX_INPUT_BYTES + 1 {
                    pending = None;
                } else {
                    start.extend_from_slice(rest);
                }
            }
            let read = block.len();
            input.consume(read);
            if !out.is_empty() {
                output.write_all(out.as_bytes())?;
                output.flush()?;
                out.clear();
            }
        }
        // A last line without a line end.
        if pending.as_ref().is_none_or(|start| !start.is_empty()) {
            self.answer_gathered(&mut pending, &mut out);
            lines += 1;
        }
        if !out.is_empty() {
            output.write_all(out.as_bytes())?;
            output.flush()?;
        }
        Ok(lines)
    }

    /// Answers the line gathered over blocks (`None`: one past the limit, not kept), and makes
    /// room for the next.
    fn answer_gathered(&mut self, gathered: &mut Option<Vec<u8>>, out: &mut String) {
        match gathered.take() {
            Some(mut line) if line.len() <= MAX_INPUT_BYTES => {
                self.answer_bytes(&line, out);
                line.clear();
                *gathered = Some(line);
            }
            _ => {
                self.answer_error(&too_large(), out);
                *gathered = Some(Vec::new());
            }
        }
    }

    /// Appends the answer to one line and its line end.
    fn answer_bytes(&mut self, line: &[u8], out: &mut String) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let start = out.len();
        let answered = match self.format {
            RateFormat::Json => {
                self.open(out);
                let answered = self.json_line(line, out);
                self.close(out);
                answered
            }
            RateFormat::Tsv => self.tier_row(line, out),
        };
        match answered {
            Ok(()) => out.push('\n'),
            Err(e) => {
                // Nothing of an answer that failed half-way is kept.
                out.truncate(start);
                self.answer_error(&e, out);
            }
        }
    }

    /// Appends an error as a line's whole answer, and the line end.
    fn answer_error(&self, e: &Error, out: &mut String) {
        match self.format {
            RateFormat::Json => {
                self.open(out);
                error_object(e, out);
                self.close(out);
            }
            RateFormat::Tsv => tsv_error(e, out),
        }
        out.push('\n');
    }

    fn open(&self, out: &mut String) {
        if let Some(key) = &self.wrap {
            out.push('{');
            write_str(key, out);
            out.push(':');
        }
    }

    fn close(&self, out: &mut String) {
        if self.wrap.is_some() {
            out.push('}');
        }
    }

    /// A JSON line's answer: a call's, or a flat row's.
    fn json_line(&self, line: &[u8], out: &mut String) -> Result<(), Error> {
        let text = std::str::from_utf8(line).map_err(|e| {
            let at = e.valid_up_to();
            Error::new(Code::InvalidJson, "", format!("not UTF-8 text: invalid byte at offset {at}"))
        })?;
        let mut p = Problems::new();
        let mut doc = match read::<Box<RowDoc>>(&Json(text))? {
            Field::Ok(doc) => doc,
            other => {
                p.bad::<Box<RowDoc>, ()>(&other, &At::Root);
                return p.check(None);
            }
        };
        p.fields(&*doc, &At::Root);
        if matches!(doc.call, Field::Missing) {
            if !matches!(doc.args, Field::Missing) {
                p.add(Code::UnknownField, "args", "\"args\" goes with \"call\"; a flat row has none");
            }
            return self.flat_row(&mut doc, p, out);
        }
        for key in doc.row_fields() {
            p.add(Code::UnknownField, key, "a line with \"call\" has only \"call\" and \"args\"");
        }
        let call = p.req(&doc.call, &At::Root.key("call"), |p, call, at| {
            let known = CALLS.iter().find(|c| **c == call.as_str());
            if known.is_none() {
                let message = format!("unknown call \"{call}\"; known: {}", CALLS.join(", "));
                p.add(Code::InvalidValue, at, message);
            }
            known.copied()
        });
        let args = p.req(&doc.args, &At::Root.key("args"), |_, args, _| Some(args.0.as_str()));
        let (call, args) = p.check(call.zip(args))?;
        let answer = match call {
            "priceTiers" => api::call(call, args),
            _ => api::call_loaded(self.catalog, call, args),
        };
        out.push_str(&answer.map_err(|e| e.within("args"))?);
        Ok(())
    }

    /// A flat row's answer: a one-line quote at `at`, or a one-item invoice for `period`.
    fn flat_row(&self, doc: &mut RowDoc, mut p: Problems, out: &mut String) -> Result<(), Error> {
        let (at, period) = (!doc.at.is_absent(), !doc.period.is_absent());
        if !at && !period {
            p.add(
                Code::MissingField,
                "at",
                "give \"at\" (a price at an instant) or \"period\" (a bill for a period)",
            );
            return p.check(None);
        }
        if at && period {
            p.add(
                Code::InvalidValue,
                "period",
                "give \"at\" (a price at an instant) or \"period\" (a bill), not both",
            );
        }
        let customer = Field::Ok(Box::new(CustomerDoc {
            plan: std::mem::take(&mut doc.plan),
            currency: std::mem::take(&mut doc.currency),
            region: std::mem::take(&mut doc.region),
            billingStart: std::mem::take(&mut doc.billingStart),
            ..Default::default()
        }));
        p.opt(&doc.customer, &At::Root.key("customer"), |_, _, _| Some(()));
        let listed = std::mem::take(&mut doc.packages);
        let packages = self.packages(&mut p, &listed);
        // The packages come first, one each, so that their allowances apply to the row's line.
        let row = packages.len();
        let paths = |e: Error| flat_paths(e, row);
        if at {
            let lines = doc.entries(&packages, |product, quantity, reading, previous| LineDoc {
                product,
                quantity,
                reading,
                previousReading: previous,
                ..Default::default()
            });
            let order = OrderDoc { at: std::mem::take(&mut doc.at), customer, lines, ..Default::default() };
            let order = Order::validate(&mut p, &order, &At::Root, self.catalog);
            let order = p.finish(order).map_err(paths)?;
            let quote = quote(self.catalog, &order).map_err(paths)?;
            let (line, places) = (&quote.lines[row], quote.currency.exponent());
            object!(out, {
                "amount": line.amount.amount(),
                "currency": quote.currency.code(),
                "hourly": exact(line.hourly, places),
                "monthly": exact(line.monthly, places),
                "phase": quote.phase.as_str(),
                "rule": line.rule.map(|r| r.path.as_str()),
                "warnings": codes(&quote.warnings, "lines", row),
            })
        } else {
            let items = doc.entries(&packages, |product, quantity, reading, previous| ItemDoc {
                product,
                quantity,
                reading,
                previousReading: previous,
                ..Default::default()
            });
            let request =
                RequestDoc { period: std::mem::take(&mut doc.period), customer, items, ..Default::default() };
            let request = InvoiceRequest::validate(&mut p, &request, &At::Root, self.catalog);
            let request = p.finish(request).map_err(paths)?;
            let invoice = invoice(self.catalog, &request).map_err(paths)?;
            let line = &invoice.lines[row];
            // The segment the period ends in: its phase and rule are the ones in force now.
            let last = line.segments.last();
            object!(out, {
                "amount": line.amount.amount(),
                "currency": invoice.currency.code(),
                "hourly": None::<&str>,
                "monthly": None::<&str>,
                "phase": last.map(|s| s.phase.as_str()),
                "rule": last.and_then(|s| s.rule).map(|r| r.path.as_str()),
                "warnings": codes(&invoice.warnings, "items", row),
            })
        }
    }

    /// The packages a flat row's customer holds (`packages`, each a package product), whose
    /// allowances apply to the row's product as they would in the whole order.
    fn packages<'d>(&self, p: &mut Problems, packages: &'d Field<List<String>>) -> Vec<&'d str> {
        let listed = p.opt(packages, &At::Root.key("packages"), |p, list, at| {
            let items = list.within_limit(p, at, |n| {
                format!("{n} packages; a row takes at most {}", MAX_ORDER_LINES - 1)
            })?;
            let (ids, _) =
                p.each(items, at, |p, id, at| match self.catalog.product(id).map(|found| &found.kind) {
                    Some(ProductKind::Package(_)) => Some(id.as_str()),
                    Some(_) => {
                        p.add(Code::InvalidValue, at, format!("\"{id}\" is not a package"));
                        None
                    }
                    None => {
                        let known = self.catalog.products().iter().map(|p| p.id.as_str());
                        p.unknown(Code::UnknownProduct, at, "product", id, known);
                        None
                    }
                });
            Some(ids)
        });
        listed.flatten().unwrap_or_default()
    }

    /// A tab-separated tier row's answer: the amount of its rule's tiers at its quantity,
    /// rounded once to its currency as the catalog rounds.
    fn tier_row(&mut self, line: &[u8], out: &mut String) -> Result<(), Error> {
        let split = line.iter().rposition(|&b| b == b'\t');
        let columns = line.iter().filter(|&&b| b == b'\t').count() + 1;
        let Some(split) = split.filter(|_| columns == TIER_COLUMNS.len()) else {
            return Err(Error::new(
                Code::InvalidValue,
                "",
                format!(
                    "{columns} columns; a tier row has {}: {}",
                    TIER_COLUMNS.len(),
                    TIER_COLUMNS.join(", ")
                ),
            ));
        };
        let (key, quantity) = (&line[..split], &line[split + 1..]);
        let table = match self.tables.get(key) {
            Some(table) => table.clone(),
            None => {
                let table = self.tier_table(key);
                if self.tables.len() == MAX_CACHED_TABLES {
                    self.tables.clear();
                }
                self.tables.insert(key.to_vec(), table.clone());
                table
            }
        }?;
        let quantity = std::str::from_utf8(quantity)
            .map_err(|_| Error::new(Code::InvalidDecimal, "quantity", "not UTF-8 text"))
            .and_then(|q| {
                parse_decimal(q).map_err(|(code, message)| Error::new(code, "quantity", message))
            })?;
        let rounding = Some((table.currency, self.catalog.rounding()));
        out.push_str(&table_amount(table.table, rounding, quantity).map_err(|e| e.within("quantity"))?);
        Ok(())
    }

    /// The table of a tier row's rule, from the row's columns before its quantity (`plan`,
    /// `product`, `region`, `currency`, `phase`): an empty column (or `\N`, ClickHouse's NULL)
    /// is the catalog's default plan or currency, no region, or the final phase.
    fn tier_table(&self, key: &[u8]) -> Result<Table<'c>, Error> {
        let catalog = self.catalog;
        let text =
            std::str::from_utf8(key).map_err(|_| Error::new(Code::InvalidValue, "", "not UTF-8 text"))?;
        let mut columns = text.split('\t').map(|c| Some(c).filter(|c| !c.is_empty() && *c != "\\N"));
        let mut column = || columns.next().flatten();
        let (plan, product, region, currency, phase) = (column(), column(), column(), column(), column());
        let mut p = Problems::new();
        let plan = match plan {
            Some(id) => catalog.plan(id).or_else(|| {
                p.unknown(
                    Code::UnknownPlan,
                    "plan",
                    "plan",
                    id,
                    catalog.plans().iter().map(|p| p.id.as_str()),
                );
                None
            }),
            None => catalog.default_plan().or_else(|| {
                p.add(Code::NoDefaultPlan, "plan", "no plan given, and the catalog has no default plan");
                None
            }),
        };
        let product = match product {
            Some(id) => catalog.product(id).or_else(|| {
                let known = catalog.products().iter().map(|p| p.id.as_str());
                p.unknown(Code::UnknownProduct, "product", "product", id, known);
                None
            }),
            None => {
                p.add(Code::MissingField, "product", "\"product\" is required");
                None
            }
        };
        let region = match region {
            Some(id) if !catalog.has_region(id) => {
                p.unknown(
                    Code::UnknownRegion,
                    "region",
                    "region",
                    id,
                    catalog.regions().iter().map(|r| r.id.as_str()),
                );
                None
            }
            region => Some(region),
        };
        let currency = match currency {
            Some(code) => catalog.currency(code).or_else(|| {
                let known = catalog.currencies().iter().map(|c| c.code());
                p.unknown(Code::UnknownCurrency, "currency", "currency", code, known);
                None
            }),
            None => Some(catalog.default_currency()),
        };
        let phase = match phase {
            Some(name) => Phase::NAMES.iter().find(|(n, _)| *n == name).map(|(_, ph)| *ph).or_else(|| {
                p.add(
                    Code::InvalidValue,
                    "phase",
                    format!("unknown phase \"{name}\"; known: trial, discount, final"),
                );
                None
            }),
            None => Some(Phase::Final),
        };
        let (plan, product, region, currency, phase) = p
            .check(plan.zip(product).zip(region).zip(currency).zip(phase))
            .map(|((((plan, product), region), currency), phase)| (plan, product, region, currency, phase))?;
        let rule = catalog
            .plan_index(plan)
            .and_then(|i| catalog.rule_key(i, &product.id, region))
            .and_then(|key| catalog.rule(key, phase, currency.key()));
        match rule {
            Some(rule) => Ok(Table { table: &rule.table, currency }),
            None => Err(Error::new(
                Code::NoPriceRule,
                "",
                format!(
                    "plan \"{}\" has no {} rule for \"{}\" in {}{}",
                    plan.id,
                    phase.as_str(),
                    product.id,
                    currency.code(),
                    region.map(|r| format!(" and region \"{r}\"")).unwrap_or_default()
                ),
            )),
        }
    }
}

impl RowDoc {
    /// The row as the entries of an order or a request: one per package (a quantity of one),
    /// then the row's own product and amount, each made by `entry(product, quantity, reading,
    /// previousReading)`.
    fn entries<D, const MAX: usize>(
        &mut self,
        packages: &[&str],
        entry: impl Fn(Field<String>, Field<Num>, Field<Num>, Field<Num>) -> D,
    ) -> Field<List<Box<D>, MAX>> {
        let one = || Field::Ok(Num { value: rust_decimal::Decimal::ONE, number: true });
        let mut items: Vec<_> = packages
            .iter()
            .map(|id| {
                Field::Ok(Box::new(entry(Field::Ok(id.to_string()), one(), Field::Missing, Field::Missing)))
            })
            .collect();
        let (product, quantity) = (std::mem::take(&mut self.product), std::mem::take(&mut self.quantity));
        let (reading, previous) =
            (std::mem::take(&mut self.reading), std::mem::take(&mut self.previousReading));
        items.push(Field::Ok(Box::new(entry(product, quantity, reading, previous))));
        Field::Ok(List { len: items.len(), items })
    }

    /// The flat row's fields this line gives (a call's line may give none).
    fn row_fields(&self) -> Vec<&'static str> {
        let given = [
            ("customer", !matches!(self.customer, Field::Missing)),
            ("plan", !matches!(self.plan, Field::Missing)),
            ("currency", !matches!(self.currency, Field::Missing)),
            ("region", !matches!(self.region, Field::Missing)),
            ("billingStart", !matches!(self.billingStart, Field::Missing)),
            ("product", !matches!(self.product, Field::Missing)),
            ("packages", !matches!(self.packages, Field::Missing)),
            ("quantity", !matches!(self.quantity, Field::Missing)),
            ("reading", !matches!(self.reading, Field::Missing)),
            ("previousReading", !matches!(self.previousReading, Field::Missing)),
            ("at", !matches!(self.at, Field::Missing)),
            ("period", !matches!(self.period, Field::Missing)),
        ];
        given.iter().filter(|(_, g)| *g).map(|(k, _)| *k).collect()
    }
}

/// A flat row's problems at the row's own paths: the order or request it was read as puts the
/// customer's fields under `customer.`, its packages' lines first and the row's own line
/// (`lines[row]` or `items[row]`) after them.
fn flat_paths(e: Error, row: usize) -> Error {
    e.map_paths(|path| {
        if let Some(rest) = path.strip_prefix("customer.") {
            return rest.to_string();
        }
        for list in ["lines[", "items["] {
            let Some(rest) = path.strip_prefix(list) else { continue };
            let Some((index, rest)) = rest.split_once(']') else { continue };
            let Ok(index) = index.parse::<usize>() else { continue };
            if index == row {
                return rest.strip_prefix('.').unwrap_or(rest).to_string();
            }
            return format!("packages[{index}]");
        }
        path.to_string()
    })
}

/// The codes of the warnings about the row's own line (`lines[row]` or `items[row]`) and the
/// whole answer, for a column of a query: not those about its packages' lines.
fn codes<'w>(warnings: &'w [Problem], list: &'w str, row: usize) -> impl ToJson + 'w {
    with(move |out| {
        let own = format!("{list}[{row}]");
        let about_row = |w: &&Problem| {
            let about_a_line = w.path.starts_with(list) && w.path[list.len()..].starts_with('[');
            !about_a_line || w.path == own || w.path.starts_with(&format!("{own}."))
        };
        let kept: Vec<&str> = warnings.iter().filter(about_row).map(|w| w.code.as_str()).collect();
        kept.write_json(out)
    })
}

/// `{"error": {...}}`.
fn error_object(e: &Error, out: &mut String) {
    let write = |out: &mut String| object!(out, { "error": e });
    // An error's answer holds no figure that could fail to be written.
    let _ = write(out);
}

/// `error: PATH: CODE: message` as a tab-separated value: one line, one column, whatever the
/// message quotes.
fn tsv_error(e: &Error, out: &mut String) {
    let first = e.problems().first();
    let (path, code, message) = match first {
        Some(p) => (p.path.as_str(), p.code.as_str(), p.message.as_str()),
        None => (e.path(), e.code().as_str(), ""),
    };
    out.push_str("error: ");
    for part in [path, code] {
        if !part.is_empty() {
            tsv_escaped(part, out);
            out.push_str(": ");
        }
    }
    tsv_escaped(message, out);
}

/// Text escaped as TabSeparated escapes it: a backslash, a tab, a line end.
fn tsv_escaped(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// `INPUT_TOO_LARGE` for a line past the limit.
fn too_large() -> Error {
    Error::new(Code::InputTooLarge, "", format!("a line of more than {MAX_INPUT_BYTES} bytes"))
}
