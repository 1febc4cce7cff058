//! `ratecard`: the pricing engine on the command line, for operators and servers that are not
//! Node. Every answer comes from `ratecard::api`, the same code the wasm build runs, so a quote
//! printed here is byte for byte the quote a browser computes.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use ratecard::api::{self, Loaded, MAX_INPUT_BYTES};
use ratecard::{rate, Value};
use ratecard::{terminal_safe, Catalog, Decimal};
use rust_decimal::RoundingStrategy;

const EXIT_CODES: &str = "\
Exit codes:
  0  success: the catalog is valid, the quote matches, the answer is printed
  1  invalid input (a file that cannot be read, bad JSON, an invalid catalog, order or table),
     a quote or invoice that does not match, or an assignment refused
  2  usage error (unknown command or option, missing argument)

Any FILE may be - for standard input. Inputs are limited to 16 MiB. Errors go to standard error
as `FILE: PATH: CODE: message`, with the stable codes of the library (see its documentation).";

/// Exact pricing for cloud-hosting billing plans: tiers, phases, quotes and partner margins.
#[derive(Parser)]
#[command(name = "ratecard", version = ratecard::VERSION, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a catalog: every problem and warning with its code and JSON path (exit 1 when invalid).
    Validate {
        /// The catalog (JSON).
        catalog: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Price an order: the quote as JSON, identical to what the wasm build returns (--format
    /// table to read it).
    Quote {
        /// The catalog (JSON).
        catalog: String,
        /// The order (JSON): at, customer, lines.
        order: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Answer with the summary (JSON): each line's amount, the totals and the timeline,
        /// without each line's rule, quantities and tiers.
        #[arg(long, conflicts_with = "format")]
        summary: bool,
    },
    /// Recompute the quote of an order and compare it with a received quote (exit 1 when it differs).
    Verify {
        /// The catalog (JSON).
        catalog: String,
        /// The order (JSON) the quote is for.
        order: String,
        /// The quote to check (JSON), e.g. what a browser sent.
        quote: String,
        /// What the server knows better than the browser (JSON: {at, maxAgeSeconds, customer:
        /// {plan, currency, region, billingStart}}): at is the server's instant (the quote is
        /// recomputed there; older than maxAgeSeconds, default 3600: QUOTE_EXPIRED); the
        /// customer's fields replace the order's, and each one it contradicts is a difference.
        #[arg(long)]
        trusted: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Bill a period: one line per item, cut into segments at every phase boundary, plan change
    /// and level change, each line rounded once (JSON by default, identical to the wasm build).
    Invoice {
        /// The catalog (JSON).
        catalog: String,
        /// The request (JSON): period {start, end}, customer (with billingStart), items,
        /// planChanges.
        request: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Recompute the invoice of a request and compare it with a received invoice (exit 1 when it differs).
    VerifyInvoice {
        /// The catalog (JSON).
        catalog: String,
        /// The request (JSON) the invoice bills.
        request: String,
        /// The invoice to check (JSON).
        invoice: String,
        /// The customer's fields the server knows better than the browser (JSON: {customer:
        /// {plan, currency, region, billingStart}}): they replace the request's; each one it
        /// contradicts is a difference.
        #[arg(long)]
        trusted: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The price matrix of a plan: every product x region x currency x phase, hourly and monthly.
    Matrix {
        /// The catalog (JSON).
        catalog: String,
        /// The plan (default: the catalog's default plan).
        #[arg(long)]
        plan: Option<String>,
        /// Only this currency.
        #[arg(long)]
        currency: Option<String>,
        /// Only this region.
        #[arg(long)]
        region: Option<String>,
        /// Only this phase.
        #[arg(long, value_parser = ["trial", "discount", "final"])]
        phase: Option<String>,
        /// On a catalog set, this version (default: the newest, or the one in force at --at).
        #[arg(long)]
        catalog_version: Option<String>,
        /// On a catalog set, the version a customer starting at this instant is on.
        #[arg(long)]
        at: Option<String>,
        /// Only the packages (table and csv; the JSON is the library's, whole).
        #[arg(long)]
        packages: bool,
        #[arg(long, value_enum, default_value_t = MatrixFormat::Table)]
        format: MatrixFormat,
    },
    /// A plan type's margins (price, cost and profit per instance, per fee and through its
    /// chain), or with --partner what a partner earns on every plan type it sells or resells.
    Margins {
        /// The catalog (JSON) with partners and plan types.
        catalog: String,
        /// The plan type's id (or give --partner).
        #[arg(required_unless_present = "partner", conflicts_with = "partner")]
        plan_type: Option<String>,
        /// A partner's id: its profit on each plan type, per instance and for the instances given.
        #[arg(long)]
        partner: Option<String>,
        /// With a plan type, how many instances the totals are for (default 1). With --partner,
        /// PLAN_TYPE=COUNT, once per plan type (others count 0): --instances acme-production-110=5.
        #[arg(long, value_name = "COUNT or PLAN_TYPE=COUNT")]
        instances: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Check whether a plan type may be assigned to an instance: the owner's right to use it and
    /// the instance's environment (exit 1 with every reason when refused).
    Assign {
        /// The catalog (JSON) with partners and plan types.
        catalog: String,
        /// The plan type's id.
        plan_type: String,
        /// The partner who owns the instance.
        #[arg(long)]
        owner: String,
        /// The instance's environment.
        #[arg(long, value_parser = ["production", "staging", "dev", "qa"])]
        environment: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What changed from one catalog version to the next (prices, plans, products, phases,
    /// moves of existing customers): in words, or as JSON. Give two catalogs, or a catalog set
    /// alone for its two newest versions. Exit 0 either way.
    Diff {
        /// The older catalog, or a catalog set.
        old: String,
        /// The newer catalog (none: OLD is a set).
        new: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The catalog for customer-facing pages, without partners, costs or wholesale plan types (JSON).
    Public {
        /// The catalog (JSON).
        catalog: String,
    },
    /// Rate a stream: one request per line of standard input (a call, a flat row, or with
    /// --format tsv a tier row), one answer per line on standard output, in order, flushed after
    /// each block read. A bad line is answered with its error and the stream goes on. This is
    /// what a ClickHouse executable_pool function runs (see docs/rating.md).
    Rate {
        /// The catalog (JSON); a catalog that does not load stops the command before any line.
        catalog: String,
        /// json: JSON lines, calls ({"call": "priceTiers"|"quote"|"invoice", "args": {...}}) and
        /// flat rows ({plan?, currency?, region?, billingStart?, product, packages?, quantity or
        /// reading and previousReading, at or period {start, end}}). tsv: tier rows, PLAN PRODUCT
        /// REGION CURRENCY PHASE QUANTITY separated by tabs, answered with the amount.
        #[arg(long, value_enum, default_value_t = RateFormat::Json)]
        format: RateFormat,
        /// Write each JSON answer as {"NAME": answer}, as a ClickHouse function in JSONEachRow
        /// reads it under its return_name.
        #[arg(long, value_name = "NAME")]
        wrap: Option<String>,
    },
    /// Price a quantity with a tier table, tier by tier; or many quantities, one amount each.
    Tiers {
        /// The tier table (JSON): mode, tiers, blockSize, blockRounding.
        table: String,
        /// The quantity, a decimal such as 250 or 12.5; several give a table of amounts.
        #[arg(required = true, allow_negative_numbers = true)]
        quantity: Vec<String>,
        /// Round the amount to this ISO 4217 currency.
        #[arg(long)]
        currency: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Output for people (aligned text) or for programs (JSON).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// What the lines of `rate` are.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RateFormat {
    Json,
    Tsv,
}

/// Output of the price matrix.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MatrixFormat {
    Table,
    Json,
    Csv,
}

/// A usage error found after parsing (an option's value that depends on another): exit 2, as clap does.
fn usage(message: &str) -> ! {
    Cli::command().error(clap::error::ErrorKind::ValueValidation, message).exit()
}

/// Why a command failed: one line per problem, for standard error.
struct Failure(Vec<String>);

impl Failure {
    fn new(source: &str, path: &str, code: &str, message: impl std::fmt::Display) -> Failure {
        Failure(vec![problem_line(source, path, code, &message.to_string())])
    }

    /// Every problem of a library error, under the name of the input it came from.
    fn from_error(source: &str, e: &ratecard::Error) -> Failure {
        Failure(
            e.problems().iter().map(|p| problem_line(source, &p.path, p.code.as_str(), &p.message)).collect(),
        )
    }
}

/// `FILE: PATH: CODE: message`, one line whatever the input held: the path and message quote
/// input (an unknown key, an id), so their control and format characters are escaped.
fn problem_line(source: &str, path: &str, code: &str, message: &str) -> String {
    let (source, path, message) = (terminal_safe(source), terminal_safe(path), terminal_safe(message));
    match path.as_ref() {
        "" => format!("{source}: {code}: {message}"),
        _ => format!("{source}: {path}: {code}: {message}"),
    }
}

/// What a command prints, and whether it succeeded (exit 0) or reports a failure (exit 1).
struct Output {
    text: String,
    ok: bool,
}

impl Output {
    fn ok(text: String) -> Output {
        Output { text, ok: true }
    }
}

fn main() -> ExitCode {
    // Usage errors exit 2 and --help/--version exit 0, as clap does.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(out) => {
            if let Err(e) = write_stdout(&out.text) {
                eprintln!("ratecard: cannot write the output: {e}");
                return ExitCode::from(1);
            }
            ExitCode::from(if out.ok { 0 } else { 1 })
        }
        Err(Failure(lines)) => {
            for line in lines {
                eprintln!("ratecard: {line}");
            }
            ExitCode::from(1)
        }
    }
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn run(command: Command) -> Result<Output, Failure> {
    match command {
        Command::Validate { catalog, format } => validate(&catalog, format),
        Command::Quote { catalog, order, format, summary } => {
            let loaded = load_catalog(&catalog)?;
            let order_json = read_json(&order)?;
            let op = if summary { "quoteSummary" } else { "quote" };
            let quote = call_loaded(&loaded, op, &format!(r#"{{"order":{order_json}}}"#), &order)?;
            Ok(Output::ok(match format {
                Format::Json => quote + "\n",
                Format::Table => quote_table(names(&loaded), &parse(&quote)),
            }))
        }
        Command::Verify { catalog, order, quote, trusted, format } => {
            let loaded = load_catalog(&catalog)?;
            let (order_json, quote_json) = (read_json(&order)?, read_json(&quote)?);
            let trusted_json = read_trusted(trusted.as_deref())?;
            let args = format!(r#"{{"order":{order_json},"quote":{quote_json},"trusted":{trusted_json}}}"#);
            verification(call_loaded(&loaded, "verifyQuote", &args, &order)?, format, "quote")
        }
        Command::Invoice { catalog, request, format } => {
            let loaded = load_catalog(&catalog)?;
            let request_json = read_json(&request)?;
            let invoice =
                call_loaded(&loaded, "invoice", &format!(r#"{{"request":{request_json}}}"#), &request)?;
            Ok(Output::ok(match format {
                Format::Json => invoice + "\n",
                Format::Table => invoice_table(names(&loaded), &parse(&invoice)),
            }))
        }
        Command::VerifyInvoice { catalog, request, invoice, trusted, format } => {
            let loaded = load_catalog(&catalog)?;
            let (request_json, invoice_json) = (read_json(&request)?, read_json(&invoice)?);
            let trusted_json = read_trusted(trusted.as_deref())?;
            let args =
                format!(r#"{{"request":{request_json},"invoice":{invoice_json},"trusted":{trusted_json}}}"#);
            verification(call_loaded(&loaded, "verifyInvoice", &args, &request)?, format, "invoice")
        }
        Command::Matrix { catalog, plan, currency, region, phase, catalog_version, at, packages, format } => {
            if packages && format == MatrixFormat::Json {
                usage("--packages is for --format table and csv: the JSON is the library's answer, whole");
            }
            let loaded = load_catalog(&catalog)?;
            let mut options = Vec::new();
            let named = [("plan", plan), ("currency", currency), ("region", region), ("phase", phase)];
            let versioned = [("catalogVersion", catalog_version), ("at", at)];
            for (key, value) in named.into_iter().chain(versioned) {
                if let Some(v) = value {
                    options.push(format!("{}:{}", Value::str(key).to_json(), Value::str(v).to_json()));
                }
            }
            let args = format!(r#"{{"options":{{{}}}}}"#, options.join(","));
            let matrix = call_loaded(&loaded, "priceMatrix", &args, &catalog)?;
            let mut rows = parse(&matrix);
            if packages {
                only_packages(names(&loaded), &mut rows);
            }
            Ok(Output::ok(match format {
                MatrixFormat::Json => matrix + "\n",
                MatrixFormat::Table => matrix_table(names(&loaded), &rows),
                MatrixFormat::Csv => csv(&matrix_rows(&rows)),
            }))
        }
        Command::Margins { catalog, plan_type, partner, instances, format } => {
            let loaded = load_catalog(&catalog)?;
            match (plan_type, partner) {
                (Some(plan_type), _) => {
                    let count = match instances.as_slice() {
                        [] => "1".to_string(),
                        [n] if n.parse::<u32>().is_ok() => n.clone(),
                        _ => usage("--instances: with a plan type, give one count (a whole number)"),
                    };
                    let args =
                        format!(r#"{{"planType":{},"instances":{count}}}"#, Value::str(plan_type).to_json());
                    let margins = call_loaded(&loaded, "planMargins", &args, &catalog)?;
                    Ok(Output::ok(match format {
                        Format::Json => margins + "\n",
                        Format::Table => margins_table(&parse(&margins)),
                    }))
                }
                (None, Some(partner)) => {
                    let mut counts = Vec::new();
                    for pair in &instances {
                        let Some((id, n)) = pair.split_once('=').filter(|(_, n)| n.parse::<u32>().is_ok())
                        else {
                            usage(&format!("--instances {pair}: with --partner, give PLAN_TYPE=COUNT"));
                        };
                        counts.push(format!("{}:{n}", Value::str(id).to_json()));
                    }
                    let args = format!(
                        r#"{{"partner":{},"instances":{{{}}}}}"#,
                        Value::str(partner).to_json(),
                        counts.join(",")
                    );
                    let margins = call_loaded(&loaded, "partnerMargins", &args, &catalog)?;
                    Ok(Output::ok(match format {
                        Format::Json => margins + "\n",
                        Format::Table => partner_table(&parse(&margins)),
                    }))
                }
                (None, None) => usage("give a PLAN_TYPE or --partner"),
            }
        }
        Command::Assign { catalog, plan_type, owner, environment, format } => {
            let loaded = load_catalog(&catalog)?;
            let args = format!(
                r#"{{"request":{{"planType":{},"instance":{{"owner":{},"environment":{}}}}}}}"#,
                Value::str(plan_type).to_json(),
                Value::str(owner).to_json(),
                Value::str(environment).to_json()
            );
            let answer = call_loaded(&loaded, "checkAssignment", &args, &catalog)?;
            let check = parse(&answer);
            Ok(Output {
                ok: check.get("allowed") == Some(&Value::Bool(true)),
                text: match format {
                    Format::Json => answer + "\n",
                    Format::Table => assignment_table(&check),
                },
            })
        }
        Command::Diff { old, new, format } => diff(&old, new.as_deref(), format),
        Command::Public { catalog } => {
            let loaded = load_catalog(&catalog)?;
            Ok(Output::ok(call_loaded(&loaded, "publicCatalog", "{}", &catalog)? + "\n"))
        }
        Command::Rate { catalog, format, wrap } => {
            let format = match format {
                RateFormat::Json => rate::RateFormat::Json,
                RateFormat::Tsv if wrap.is_some() => usage("--wrap: tab-separated answers are not wrapped"),
                RateFormat::Tsv => rate::RateFormat::Tsv,
            };
            let loaded = load_one(&catalog)?;
            let mut rater = rate::Rater::new(&loaded, format);
            if let Some(key) = &wrap {
                rater = rater.wrapped(key);
            }
            // Blocks of 64 KiB: each one read is answered and flushed before the next is read.
            let input = std::io::BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            match rater.stream(input, std::io::stdout().lock()) {
                Ok(_) => Ok(Output::ok(String::new())),
                // A reader that went away (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Output::ok(String::new())),
                // Reading standard input or writing standard output failed.
                Err(e) => Err(Failure::new("rate", "", "IO_ERROR", e)),
            }
        }
        Command::Tiers { table: file, quantity, currency, format } => {
            let table_json = read_json(&file)?;
            let currency =
                currency.map(|c| format!(r#","currency":{}"#, Value::str(c).to_json())).unwrap_or_default();
            let mut prices = Vec::with_capacity(quantity.len());
            for (k, q) in quantity.iter().enumerate() {
                let args =
                    format!(r#"{{"table":{table_json},"quantity":{}{currency}}}"#, Value::str(q).to_json());
                let source = if quantity.len() == 1 { file.clone() } else { format!("QUANTITY {}", k + 1) };
                prices.push(api::call("priceTiers", &args).map_err(|e| Failure::from_error(&source, &e))?);
            }
            Ok(Output::ok(match (format, prices.as_slice()) {
                (Format::Json, [one]) => one.clone() + "\n",
                (Format::Json, many) => format!("[{}]\n", many.join(",")),
                (Format::Table, [one]) => tiers_table(&parse(one)),
                (Format::Table, many) => amounts_table(&many.iter().map(|p| parse(p)).collect::<Vec<_>>()),
            }))
        }
    }
}

/// Reads a file (or standard input for `-`) of at most [`MAX_INPUT_BYTES`] as UTF-8 text.
fn read_input(name: &str) -> Result<String, Failure> {
    let too_large = |size: u64| {
        Failure::new(
            name,
            "",
            "INPUT_TOO_LARGE",
            format!("{size} bytes or more; the limit is {MAX_INPUT_BYTES}"),
        )
    };
    let limit = MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if name == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new("standard input", "", "IO_ERROR", e))?;
    } else {
        let path = Path::new(name);
        let meta = std::fs::metadata(path).map_err(|e| Failure::new(name, "", "IO_ERROR", io_message(&e)))?;
        if meta.is_dir() {
            return Err(Failure::new(name, "", "IO_ERROR", "is a directory, not a JSON file"));
        }
        if meta.len() >= limit {
            return Err(too_large(meta.len()));
        }
        std::fs::File::open(path)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| Failure::new(name, "", "IO_ERROR", io_message(&e)))?;
    }
    if bytes.len() as u64 >= limit {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Failure::new(name, "", "INVALID_JSON", format!("not UTF-8 text: invalid byte at offset {at}"))
    })
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => format!("cannot be read: {e}"),
    }
}

/// Reads an input and checks that it is JSON, reporting problems under its name; returns its text.
fn read_json(name: &str) -> Result<String, Failure> {
    let text = read_input(name)?;
    Value::parse(&text).map_err(|e| Failure::from_error(name, &e))?;
    Ok(text)
}

/// The `--trusted` file's JSON, or `null` without one.
fn read_trusted(file: Option<&str>) -> Result<String, Failure> {
    file.map_or_else(|| Ok("null".to_string()), read_json)
}

/// A catalog or a catalog set (SPEC 16).
fn load_catalog(name: &str) -> Result<Loaded, Failure> {
    let text = read_input(name)?;
    api::load(&text).map_err(|e| Failure::from_error(name, &e))
}

/// A catalog that is not a set (a stream rates on one catalog).
fn load_one(name: &str) -> Result<Catalog, Failure> {
    match load_catalog(name)? {
        Loaded::One(c) => Ok(*c),
        Loaded::Set(_) => Err(Failure::new(
            name,
            "versions",
            "INVALID_VALUE",
            "a stream rates on one catalog: give the catalog of one version, not a catalog set",
        )),
    }
}

fn call_loaded(catalog: &Loaded, op: &str, args: &str, source: &str) -> Result<String, Failure> {
    api::call_loaded(catalog, op, args).map_err(|e| Failure::from_error(source, &e))
}

/// The catalog tables read names and digits from: the set's newest version (ids and
/// currencies mean the same in every version).
fn names(loaded: &Loaded) -> &Catalog {
    api::Catalogs::from(loaded).newest()
}

fn parse(text: &str) -> Value {
    Value::parse(text).unwrap_or(Value::Null)
}

fn diff(old: &str, new: Option<&str>, format: Format) -> Result<Output, Failure> {
    let before = load_catalog(old)?;
    let after = match new {
        Some(name) => Some(load_catalog(name)?),
        None => None,
    };
    let one = |loaded: &Loaded, name: &str| match loaded {
        Loaded::One(c) => Ok((**c).clone()),
        Loaded::Set(_) => {
            Err(Failure::new(name, "", "INVALID_VALUE", "give two catalogs, or one catalog set alone"))
        }
    };
    let (older, newer) = match (&before, &after) {
        (Loaded::Set(set), None) => match set.versions() {
            [.., a, b] => (a.catalog.clone(), b.catalog.clone()),
            _ => {
                return Err(Failure::new(
                    old,
                    "versions",
                    "INVALID_VALUE",
                    "the set has one version: nothing to compare",
                ))
            }
        },
        (_, None) => {
            return Err(Failure::new(
                old,
                "",
                "INVALID_VALUE",
                "give a newer catalog, or a catalog set alone",
            ))
        }
        (a, Some(b)) => (one(a, old)?, one(b, new.unwrap_or_default())?),
    };
    let changes = ratecard::diff(&older, &newer);
    Ok(Output::ok(match format {
        Format::Json => ratecard::diff_json(&changes) + "\n",
        Format::Table if changes.is_empty() => "no changes\n".to_string(),
        Format::Table => {
            let lines: Vec<String> =
                changes.iter().map(|c| format!("{:<8} {}\n", c.change, terminal_safe(&c.message))).collect();
            lines.concat()
        }
    }))
}

fn validate(name: &str, format: Format) -> Result<Output, Failure> {
    let text = read_input(name)?;
    let validation = api::validate(&text);
    let ok = validation.is_valid();
    let text = match format {
        Format::Json => validation.to_json() + "\n",
        Format::Table => {
            let mut out = String::new();
            for (kind, list) in [("error", &validation.errors), ("warning", &validation.warnings)] {
                for p in list.iter() {
                    out.push_str(&format!(
                        "{kind}: {}\n",
                        problem_line(name, &p.path, p.code.as_str(), &p.message)
                    ));
                }
            }
            let (e, w) = (validation.errors.len(), validation.warnings.len());
            out.push_str(&match ok {
                true => format!("{name}: valid ({w} warning{})\n", plural(w)),
                false => format!("{name}: invalid: {e} error{}, {w} warning{}\n", plural(e), plural(w)),
            });
            out
        }
    };
    Ok(Output { text, ok })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

// ---------------------------------------------------------------------------------------------
// Text output.

// Every value a table or a line prints goes through `text`, `json_text` or `shown`: an answer
// repeats what its input held (a received quote's keys and values, ids), so control and format
// characters are escaped there and cannot forge a line or drive the terminal.

/// A value as text: strings as they are, `null` and absent as `-`.
fn plain(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) | Some(Value::Number(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Null) | None => "-".to_string(),
        Some(other) => other.to_json(),
    }
}

/// A value as [`plain`] text, escaped for the terminal.
fn shown(v: Option<&Value>) -> String {
    terminal_safe(&plain(v)).into_owned()
}

/// A field of an output object as text (see [`shown`]).
fn text(v: &Value, key: &str) -> String {
    shown(v.get(key))
}

/// A field as JSON (`"12.00"`, `null`), where the difference between a string and a number or
/// null matters; escaped for the terminal.
fn json_text(v: &Value, key: &str) -> String {
    v.get(key).map_or("-".to_string(), |v| terminal_safe(&v.to_json()).into_owned())
}

fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match v.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// Aligned columns; the first row is the header. A column is right-aligned when every cell
/// below the header is a number, `-` or empty.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let numeric: Vec<bool> = (0..columns)
        .map(|c| {
            rows.iter().skip(1).filter_map(|r| r.get(c)).all(|s| {
                s.is_empty() || s == "-" || s.trim_start_matches('≈').parse::<ratecard::Decimal>().is_ok()
            })
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| match numeric[c] {
                true => format!("{s:>w$}", w = width[c]),
                false => format!("{s:<w$}", w = width[c]),
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn csv(rows: &[Vec<String>]) -> String {
    let cell = |s: &String| match s.contains([',', '"', '\n']) {
        true => format!("\"{}\"", s.replace('"', "\"\"")),
        false => s.clone(),
    };
    rows.iter().map(|r| r.iter().map(cell).collect::<Vec<_>>().join(",") + "\n").collect()
}

/// The price matrix as CSV rows, every field of each row, as data: values are not escaped for
/// the terminal (ids hold no control or format characters; `csv` quotes what needs quoting).
fn matrix_rows(m: &Value) -> Vec<Vec<String>> {
    let keys = [
        "product",
        "region",
        "currency",
        "phase",
        "rule",
        "tiered",
        "unitPrice",
        "hourly",
        "monthly",
        "amount",
    ];
    let mut rows = vec![keys.iter().map(|k| k.to_string()).collect::<Vec<_>>()];
    rows.extend(items(m, "rows").iter().map(|r| keys.iter().map(|k| plain(r.get(k))).collect()));
    rows
}

fn quote_table(catalog: &Catalog, q: &Value) -> String {
    let digits = Digits::of(catalog, &text(q, "currency"));
    let mut rows = vec![["line", "product", "region", "quantity", "unit prices", "monthly", "amount"]
        .map(String::from)
        .to_vec()];
    for l in items(q, "lines") {
        rows.push(vec![
            ordinal(l, "line"),
            text(l, "product"),
            text(l, "region"),
            quantity(l, "quantity"),
            tier_prices(l, &digits),
            digits.amount(&text(l, "monthly")),
            digits.money(&text(l, "amount")),
        ]);
    }
    let mut out = format!(
        "quote at {} for plan {} ({} phase)\n{}\n",
        text(q, "at"),
        text(q, "plan"),
        text(q, "phase"),
        version_line(q)
    );
    out += &table(&rows);
    for t in items(q, "totals") {
        out += &format!(
            "\ntotal {} {} (monthly {})\n",
            text(t, "amount"),
            text(t, "currency"),
            digits.money(&text(t, "monthly"))
        );
    }
    let currency = text(q, "currency");
    out += &discount_lines(q, &currency);
    out += &tax_lines(q, &currency);
    let stepped = !items(q, "discounts").is_empty() || !items(q, "taxes").is_empty();
    if stepped || !matches!(q.get("minimumCommitment"), Some(Value::Null) | None) {
        out += &format!("amount due {} {currency}\n", text(q, "amountDue"));
    }
    for t in items(q, "timeline") {
        let until = match t.get("end") {
            Some(Value::String(_)) => format!("until {}", when(t, "end")),
            _ => "on".to_string(),
        };
        let coupons: Vec<String> = items(t, "coupons").iter().map(|c| shown(Some(c))).collect();
        let after = match coupons.is_empty() {
            true => String::new(),
            false => format!(
                ", {} after coupon{} {}",
                text(t, "amountDue"),
                plural(coupons.len()),
                coupons.join(", ")
            ),
        };
        out += &format!(
            "  {:<8} from {} {until}: {} a month{after}{}\n",
            text(t, "phase"),
            when(t, "start"),
            text(t, "amount"),
            moved(q, t, String::new())
        );
    }
    out += &warning_lines(q);
    out
}

/// On a catalog set, the answer's catalog version and hash, as a line; nothing otherwise.
fn version_line(answer: &Value) -> String {
    match answer.get("catalog") {
        Some(c) => format!("catalog version {} (hash {})\n", text(c, "version"), text(c, "hash")),
        None => String::new(),
    }
}

/// `what`, and the version whose prices a stretch uses when it is not the customer's (a plan
/// that moved to a newer version's prices).
fn moved(answer: &Value, stretch: &Value, what: String) -> String {
    let customer = answer.get("catalog").map(|c| text(c, "version"));
    match stretch.get("version") {
        Some(_) if customer.as_deref() != Some(&text(stretch, "version")) => {
            let version = text(stretch, "version");
            match what.is_empty() {
                true => format!(" (version {version}'s prices)"),
                false => format!("{what} ({version})"),
            }
        }
        _ => what,
    }
}

/// A verification's answer, printed; not ok (exit 1) when anything differs.
fn verification(result: String, format: Format, what: &str) -> Result<Output, Failure> {
    let v = parse(&result);
    let ok = v.get("ok") == Some(&Value::Bool(true));
    Ok(Output {
        text: match format {
            Format::Json => result + "\n",
            Format::Table => verification_table(&v, what),
        },
        ok,
    })
}

fn invoice_table(catalog: &Catalog, inv: &Value) -> String {
    let digits = Digits::of(catalog, &text(inv, "currency"));
    let mut rows = vec![["line", "product", "from", "until", "hours", "plan", "phase", "quantity", "amount"]
        .map(String::from)
        .to_vec()];
    for l in items(inv, "lines") {
        for (k, s) in items(l, "segments").iter().enumerate() {
            let first = k == 0;
            let line = |value: String| if first { value } else { String::new() };
            rows.push(vec![
                line(ordinal(l, "line")),
                line(text(l, "product")),
                when(s, "start"),
                when(s, "end"),
                text(s, "hours"),
                moved(inv, s, text(s, "plan")),
                text(s, "phase"),
                quantity(s, "quantity"),
                digits.amount(&text(s, "amount")),
            ]);
        }
        rows.push(vec![
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "line".into(),
            String::new(),
            digits.money(&text(l, "amount")),
        ]);
    }
    let period = inv.get("period").cloned().unwrap_or_default();
    let mut out = format!(
        "invoice from {} to {}\n{}\n",
        when(&period, "start"),
        when(&period, "end"),
        version_line(inv)
    );
    out += "(segments rounded to the currency for reading; a line is its exact segments rounded once, so it may differ from\n their rounded sum by a cent; every digit is in the JSON)\n\n";
    out += &table(&rows);
    let currency = text(inv, "currency");
    for t in items(inv, "totals") {
        out += &format!("\ntotal {} {}\n", text(t, "amount"), text(t, "currency"));
    }
    let true_ups = items(inv, "trueUps");
    for t in true_ups {
        out += &format!(
            "minimum commitment {} {currency} a month on {} in {}: {} of {} hours on the plan, {} billed: true-up {} {currency}\n",
            text(t, "commitment"),
            text(t, "plan"),
            text(t, "month"),
            text(t, "activeHours"),
            text(t, "monthHours"),
            digits.rate(&text(t, "billed")),
            text(t, "amount"),
        );
    }
    out += &discount_lines(inv, &currency);
    out += &tax_lines(inv, &currency);
    for c in items(inv, "credits") {
        let usable = if c.get("usable") == Some(&Value::Bool(true)) { "" } else { " (not usable)" };
        out += &format!(
            "credit {} ({} {}){usable}: {} applied, {} left\n",
            text(c, "id"),
            text(c, "balance"),
            text(c, "currency"),
            text(c, "applied"),
            text(c, "remainingBalance"),
        );
    }
    let steps = ["discounts", "taxes", "credits"].iter().any(|k| !items(inv, k).is_empty());
    if !true_ups.is_empty() || steps || !matches!(inv.get("taxNote"), Some(Value::Null) | None) {
        out += &format!("amount due {} {currency}\n", text(inv, "amountDue"));
    }
    out += &warning_lines(inv);
    out
}

/// What a discount's or a tax's line applies to: "line 2" (counted from 1), or "true-up".
fn step_target(l: &Value) -> String {
    match l.get("line") {
        Some(Value::Number(_)) => format!("line {}", ordinal(l, "line")),
        _ => "true-up".to_string(),
    }
}

/// Each rate's tax (an invoice's or a quote's `taxes`), its share of each line, or the note
/// that says why there is none.
fn tax_lines(v: &Value, currency: &str) -> String {
    let mut out = String::new();
    for t in items(v, "taxes") {
        let shares: Vec<String> =
            items(t, "lines").iter().map(|l| format!("{} {}", step_target(l), text(l, "amount"))).collect();
        let how = if t.get("included") == Some(&Value::Bool(true)) { "included in" } else { "on" };
        out += &format!(
            "tax {} ({}%) {how} {}: {} {currency} ({})\n",
            text(t, "name"),
            text(t, "percent"),
            text(t, "taxable"),
            text(t, "amount"),
            shares.join(", "),
        );
    }
    if let Some(note) = v.get("taxNote").filter(|n| !matches!(n, Value::Null)) {
        let id = match note.get("taxId") {
            Some(Value::String(_)) => format!(" ({})", text(note, "taxId")),
            _ => String::new(),
        };
        out += &format!("no tax: {}{id}\n", text(note, "message"));
    }
    out
}

/// Each coupon applied (an invoice's or a quote's `discounts`): what it took from each line or
/// true-up, of what was eligible, in the order they apply.
fn discount_lines(v: &Value, currency: &str) -> String {
    let mut out = String::new();
    for d in items(v, "discounts") {
        let off = match d.get("percentOff") {
            Some(Value::String(_)) => format!("{}%", text(d, "percentOff")),
            _ => format!("{} {currency}", text(d, "amountOff")),
        };
        let taken: Vec<String> = items(d, "lines")
            .iter()
            .map(|l| format!("{} {} of {}", step_target(l), text(l, "amount"), text(l, "eligible")))
            .collect();
        let taken = if taken.is_empty() { "nothing".to_string() } else { taken.join(", ") };
        let mut tail = String::new();
        if let Some(Value::String(_)) = d.get("unusedAmount") {
            tail += &format!(", {} unused", text(d, "unusedAmount"));
        }
        if d.get("consumed") == Some(&Value::Bool(false)) {
            tail += ", not consumed";
        }
        out += &format!(
            "coupon {} ({}, {off}): {taken}: {} {currency}{tail}\n",
            text(d, "coupon"),
            text(d, "name"),
            text(d, "amount"),
        );
    }
    out
}

fn verification_table(v: &Value, what: &str) -> String {
    let diffs = items(v, "differences");
    if diffs.is_empty() {
        return format!("ok: the {what} matches\n");
    }
    let mut rows = vec![["path", "expected", "received"].map(String::from).to_vec()];
    rows.extend(
        diffs.iter().map(|d| vec![text(d, "path"), json_text(d, "expected"), json_text(d, "received")]),
    );
    format!("the {what} differs in {} place{}:\n{}", diffs.len(), plural(diffs.len()), table(&rows))
}

fn margins_table(m: &Value) -> String {
    let total = m.get("total").unwrap_or(&Value::Null);
    let n = text(m, "instances");
    let mut out = format!("{} in {}, {}\n\n", text(m, "planType"), text(m, "currency"), text(m, "recurring"));
    out += &table(&[
        vec![String::new(), "price".into(), "cost".into(), "profit".into()],
        vec!["per instance".into(), text(m, "price"), text(m, "cost"), text(m, "profit")],
        vec![
            format!("{n} instance{}", if n == "1" { "" } else { "s" }),
            text(total, "price"),
            text(total, "cost"),
            text(total, "profit"),
        ],
    ]);
    let mut fees = vec![["fee", "price", "cost", "profit"].map(String::from).to_vec()];
    fees.extend(
        items(m, "fees").iter().map(|f| ["name", "price", "cost", "profit"].map(|k| text(f, k)).to_vec()),
    );
    out += "\n";
    out += &table(&fees);
    let mut chain = vec![["plan type", "owner", "pays to", "price", "cost", "profit", "total profit"]
        .map(String::from)
        .to_vec()];
    chain.extend(items(m, "chain").iter().map(|l| {
        ["planType", "owner", "paysTo", "price", "cost", "profit", "totalProfit"].map(|k| text(l, k)).to_vec()
    }));
    out += "\nchain, from the platform down (per instance; total profit for the instances):\n";
    out += &table(&chain);
    out += &warning_lines(m);
    out
}

fn tiers_table(p: &Value) -> String {
    let mut rows = vec![["tier", "from", "up to", "quantity", "unit price", "flat price", "amount"]
        .map(String::from)
        .to_vec()];
    // With a currency, the amount carries its minor digits: prices are shown with as many.
    let digits = match p.get("currency") {
        Some(Value::String(_)) => {
            Digits { exponent: text(p, "amount").parse::<Decimal>().map_or(2, |a| a.scale()) }
        }
        _ => Digits { exponent: 0 },
    };
    rows.extend(items(p, "lines").iter().map(|l| {
        let mut row = vec![ordinal(l, "tier")];
        row.extend(["from", "upTo", "quantity"].map(|k| text(l, k)));
        row.extend(["unitPrice", "flatPrice", "amount"].map(|k| digits.money(&text(l, k))));
        row
    }));
    let mut out = table(&rows);
    let blocks = match p.get("blocks") {
        Some(Value::String(_)) => format!(" ({} blocks)", text(p, "blocks")),
        _ => String::new(),
    };
    let currency = p.get("currency").map(|_| format!(" {}", text(p, "currency"))).unwrap_or_default();
    out +=
        &format!("\n{} for a quantity of {}{blocks}\n", text(p, "amount") + &currency, text(p, "quantity"));
    out
}

/// Many quantities priced with one table: one amount each.
fn amounts_table(prices: &[Value]) -> String {
    let mut rows = vec![["quantity", "amount", "currency"].map(String::from).to_vec()];
    rows.extend(prices.iter().map(|p| ["quantity", "amount", "currency"].map(|k| text(p, k)).to_vec()));
    table(&rows)
}

/// The matrix's rows of package products only (`matrix --packages`).
fn only_packages(catalog: &Catalog, m: &mut Value) {
    let Value::Object(members) = m else { return };
    for (key, value) in members.iter_mut() {
        if let (true, Value::Array(rows)) = (key == "rows", value) {
            rows.retain(|r| {
                let product = match r.get("product") {
                    Some(Value::String(id)) => catalog.product(id),
                    _ => None,
                };
                matches!(product.map(|p| &p.kind), Some(ratecard::ProductKind::Package(_)))
            });
        }
    }
}

/// The price matrix for people: unit prices in the currency's digits at least, hourly prices
/// to four significant digits (the full figures are in --format json and csv).
fn matrix_table(catalog: &Catalog, m: &Value) -> String {
    let mut rows = vec![["product", "region", "currency", "phase", "unit price", "hourly", "monthly"]
        .map(String::from)
        .to_vec()];
    for r in items(m, "rows") {
        let digits = Digits::of(catalog, &text(r, "currency"));
        rows.push(vec![
            text(r, "product"),
            text(r, "region"),
            text(r, "currency"),
            text(r, "phase"),
            digits.money(&text(r, "unitPrice")),
            digits.rate(&text(r, "hourly")),
            digits.money(&text(r, "monthly")),
        ]);
    }
    version_line(m) + &table(&rows)
}

/// What a partner earns, plan type by plan type.
fn partner_table(m: &Value) -> String {
    let mut rows = vec![["plan type", "owner", "via", "profit per instance", "instances", "profit"]
        .map(String::from)
        .to_vec()];
    for p in items(m, "plans") {
        let via: Vec<String> = items(p, "via").iter().map(|v| shown(Some(v))).collect();
        rows.push(vec![
            text(p, "planType"),
            text(p, "owner"),
            via.join(" <- "),
            text(p, "profitPerInstance"),
            text(p, "instances"),
            text(p, "profit"),
        ]);
    }
    let mut out = format!("{}: profit on every plan type it sells or resells\n\n", text(m, "partner"));
    out += &table(&rows);
    for t in items(m, "totals") {
        out += &format!(
            "\ntotal profit {} {} ({})\n",
            text(t, "profit"),
            text(t, "currency"),
            text(t, "recurring")
        );
    }
    out += &warning_lines(m);
    out
}

/// Whether a plan type may be assigned, and every reason when not.
fn assignment_table(check: &Value) -> String {
    let reasons = items(check, "reasons");
    if reasons.is_empty() {
        return "allowed\n".to_string();
    }
    let mut out = format!("refused, {} reason{}:\n", reasons.len(), plural(reasons.len()));
    for r in reasons {
        out += &format!("  {}: {}: {}\n", text(r, "path"), text(r, "code"), text(r, "message"));
    }
    out
}

/// Warnings of an answer, one line each.
fn warning_lines(v: &Value) -> String {
    items(v, "warnings")
        .iter()
        .map(|w| format!("warning: {}: {}: {}\n", text(w, "path"), text(w, "code"), text(w, "message")))
        .collect()
}

/// A 0-based index field counted from 1, as the order form counts lines and tiers.
fn ordinal(v: &Value, key: &str) -> String {
    match text(v, key).parse::<u64>() {
        Ok(i) => (i + 1).to_string(),
        Err(_) => text(v, key),
    }
}

/// An instant for a table: the date alone when it is midnight UTC ("2026-11-15"), else as
/// the answer writes it.
fn when(v: &Value, key: &str) -> String {
    let t = text(v, key);
    match t.strip_suffix("T00:00:00Z") {
        Some(day) => day.to_string(),
        None => t,
    }
}

/// A quantity for a table: as the answer writes it, or to three decimal places after "≈"
/// when it has more (a counter's usage shared by the hours: 673.972602739 -> ≈673.973).
fn quantity(v: &Value, key: &str) -> String {
    let t = text(v, key);
    match t.parse::<Decimal>() {
        Ok(d) if d.scale() > 3 => {
            format!("≈{}", d.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero))
        }
        _ => t,
    }
}

/// How a line's tiers priced it, as the order form shows it: "100 × 0.10 + 125 × 0.08" for a
/// graduated line, the unit price for a line in one tier.
fn tier_prices(l: &Value, digits: &Digits) -> String {
    let tiers = items(l, "tiers");
    if tiers.len() < 2 {
        return digits.money(&text(l, "unitPrice"));
    }
    let parts: Vec<String> = tiers
        .iter()
        .map(|t| {
            let flat = text(t, "flatPrice");
            let flat = match flat.parse::<Decimal>() {
                Ok(f) if !f.is_zero() => format!(" + {}", digits.money(&flat)),
                _ => String::new(),
            };
            format!("{} × {}{flat}", text(t, "quantity"), digits.money(&text(t, "unitPrice")))
        })
        .collect();
    parts.join(" + ")
}

/// How a currency's figures are shown in tables.
struct Digits {
    /// The currency's minor digits (2 for USD, 0 for JPY).
    exponent: u32,
}

impl Digits {
    fn of(catalog: &Catalog, currency: &str) -> Digits {
        Digits { exponent: catalog.currency(currency).map_or(2, |c| c.exponent()) }
    }

    /// A price with at least the currency's digits ("6" -> "6.00", "0.1" -> "0.10"), and all
    /// it has beyond them ("0.0000068").
    fn money(&self, s: &str) -> String {
        match s.parse::<Decimal>() {
            Ok(d) if d.scale() < self.exponent => {
                let mut d = d;
                d.rescale(self.exponent);
                d.to_string()
            }
            _ => s.to_string(),
        }
    }

    /// An amount rounded to the currency's digits, for reading ("4.2857..." -> "4.29"): the
    /// JSON keeps every digit.
    fn amount(&self, s: &str) -> String {
        match s.parse::<Decimal>() {
            Ok(d) => {
                let mut d = d.round_dp_with_strategy(self.exponent, RoundingStrategy::MidpointAwayFromZero);
                d.rescale(self.exponent);
                d.to_string()
            }
            Err(_) => s.to_string(),
        }
    }

    /// A rate (per hour, per segment) to four significant digits, and at least the currency's
    /// digits: "0.0054794520547945205479452055" -> "0.005479", "1.9726..." in JPY -> "1.973".
    fn rate(&self, s: &str) -> String {
        let Ok(d) = s.parse::<Decimal>() else { return s.to_string() };
        if d.is_zero() {
            return self.money("0");
        }
        let whole_digits = d.abs().trunc().to_string().trim_start_matches('0').len() as u32;
        let places = match whole_digits {
            0 => {
                let text = d.abs().to_string();
                let zeros = text[2..].chars().take_while(|c| *c == '0').count() as u32;
                zeros + 4
            }
            n => 4u32.saturating_sub(n),
        };
        let shown =
            d.round_dp_with_strategy(places.max(self.exponent), RoundingStrategy::MidpointAwayFromZero);
        self.money(&shown.normalize().to_string())
    }
}
