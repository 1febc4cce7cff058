//! Partner plans in the catalog: the partner tree, plan types built on parent plan types,
//! grants and environments, read and validated when the catalog loads. What partners earn is
//! computed from them in `crate::margins`.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::load::{catalog_currency, check_unique, index_by_id, named, CatalogDoc};
use crate::error::{Code, Error, Problem};
use crate::input::{shape, At, Field, IntoPath, Leaf, List, Num, Problems};
use crate::money::{checked, Currency};

/// A partner (a reseller) in the partner tree. The one partner without a parent is the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The partner this one is a sub-partner of; `None` for the platform.
    pub parent: Option<String>,
}

/// How often a plan type's fees are charged.
///
/// Plan types can only be built on parents with the same recurrence, so margins always compare
/// amounts over the same period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Recurrence {
    /// Every month (the default).
    Monthly,
    /// Every year.
    Yearly,
}

impl Recurrence {
    const ALL: [(&'static str, Recurrence); 2] =
        [("monthly", Recurrence::Monthly), ("yearly", Recurrence::Yearly)];

    /// The name in JSON: `"monthly"` or `"yearly"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Recurrence::Monthly => "monthly",
            Recurrence::Yearly => "yearly",
        }
    }
}

/// An environment an instance runs in; a plan type is available for some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Environment {
    /// Production instances.
    Production,
    /// Staging instances.
    Staging,
    /// Development instances.
    Dev,
    /// Quality-assurance instances.
    Qa,
}

impl Environment {
    pub(crate) const ALL: [(&'static str, Environment); 4] = [
        ("production", Environment::Production),
        ("staging", Environment::Staging),
        ("dev", Environment::Dev),
        ("qa", Environment::Qa),
    ];

    /// The name in JSON: `"production"`, `"staging"`, `"dev"` or `"qa"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Staging => "staging",
            Environment::Dev => "dev",
            Environment::Qa => "qa",
        }
    }
}

/// A named fee of a plan type, charged per instance every period (e.g. "Hosting": 110.00).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageFee {
    /// Name, unique within the plan type; a parent's fee of the same name is its cost.
    pub name: String,
    /// Price per instance and period, exact in the currency's minor unit, never negative.
    pub price: Decimal,
}

/// A plan type ("Instance Billing Plan Type"): what a partner charges per instance, built on a
/// parent plan type whose fees the partner pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanType {
    /// Identifier.
    pub id: String,
    /// Display name, e.g. "Production 110".
    pub name: String,
    /// The partner who owns it (`None` only in a catalog without partners, like the public view).
    pub owner: Option<String>,
    /// The plan type it is built on; `None` for the platform's root plan types.
    pub parent: Option<String>,
    /// Its usage fees, at least one.
    pub fees: Vec<UsageFee>,
    /// The currency of its fees (the parent's currency).
    pub currency: Currency,
    /// How often its fees are charged (the parent's recurrence).
    pub recurring: Recurrence,
    /// Environments of the instances it may be assigned to.
    pub environments: Vec<Environment>,
    /// Direct sub-partners of the owner that may use it (for their instances, or as a parent).
    pub granted_to: Vec<String>,
}

impl PlanType {
    /// The sum of its fees: the price per instance and period.
    ///
    /// # Errors
    /// `OVERFLOW` when the sum exceeds the exact decimal range.
    pub fn price(&self) -> Result<Decimal, Error> {
        self.fees.iter().try_fold(Decimal::ZERO, |sum, fee| checked::add(sum, fee.price))
    }

    /// Whether `partner` may use this plan type: it owns it or was granted it.
    pub fn usable_by(&self, partner: &str) -> bool {
        self.owner.as_deref() == Some(partner) || self.granted_to.iter().any(|p| p == partner)
    }
}

/// The partner section of a catalog: `partners` and `planTypes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partners {
    /// The partner tree, as a list with parents.
    pub partners: Vec<Partner>,
    /// Plan types.
    pub plan_types: Vec<PlanType>,
    /// Index by id of partners and plan types, and the ids that are some plan type's parent:
    /// built once, so lookups stay cheap in catalogs of 100,000 entries.
    partner_at: BTreeMap<String, usize>,
    plan_type_at: BTreeMap<String, usize>,
    parents: BTreeSet<String>,
}

impl Partners {
    fn new(partners: Vec<Partner>, plan_types: Vec<PlanType>) -> Partners {
        Partners {
            partner_at: index_by_id(partners.iter().map(|p| p.id.as_str())),
            plan_type_at: index_by_id(plan_types.iter().map(|t| t.id.as_str())),
            parents: plan_types.iter().filter_map(|t| t.parent.clone()).collect(),
            partners,
            plan_types,
        }
    }

    /// The partner with this id.
    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partner_at.get(id).map(|&i| &self.partners[i])
    }

    /// The plan type with this id.
    pub fn plan_type(&self, id: &str) -> Option<&PlanType> {
        self.plan_type_at.get(id).map(|&i| &self.plan_types[i])
    }

    /// Where the plan type with this id is in [`Partners::plan_types`].
    pub(crate) fn plan_type_index(&self, id: &str) -> Option<usize> {
        self.plan_type_at.get(id).copied()
    }

    /// The chain of plan types from the root down to `plan_type` (which is last).
    pub(crate) fn chain<'a>(&'a self, plan_type: &'a PlanType) -> Vec<&'a PlanType> {
        let mut chain = vec![plan_type];
        // Validation rejected cycles; the bound keeps even a broken value from looping.
        while let Some(parent) = chain.last().and_then(|p| p.parent.as_deref()) {
            match self.plan_type(parent) {
                Some(p) if chain.len() <= self.plan_types.len() => chain.push(p),
                _ => break,
            }
        }
        chain.reverse();
        chain
    }

    /// Whether some plan type is built on `id` (then its fees are a wholesale price).
    pub(crate) fn is_parent(&self, id: &str) -> bool {
        self.parents.contains(id)
    }
}

// ---------------------------------------------------------------------------------------------
// Loading and validation.

shape!(
    /// A partner as JSON gives it.
    PartnerDoc { id: Field<String>, name: Field<String>, parent: Field<String> }
);
shape!(
    /// A plan type as JSON gives it.
    PlanTypeDoc {
        id: Field<String>,
        name: Field<String>,
        owner: Field<String>,
        parent: Field<String>,
        fees: Field<List<Box<FeeDoc>>>,
        currency: Field<String>,
        recurring: Field<String>,
        environments: Field<List<String>>,
        grantedTo: Field<List<String>>,
    }
);
shape!(FeeDoc { name: Field<String>, price: Field<Num> });

/// Checks the catalog's `partners` and `planTypes`; adds `NEGATIVE_PROFIT` warnings.
///
/// Cross-references are checked among the entries that read, so one broken entry does not
/// hide the problems of the others; references to a broken entry are not reported again.
pub(crate) fn validate(
    p: &mut Problems,
    o: &CatalogDoc,
    currencies: Option<&[Currency]>,
    warnings: &mut Vec<Problem>,
) -> Option<Partners> {
    let partners = entries(p, &o.partners, "partners", |p, o, at| partner(p, o, at));
    check_unique(p, "partners", named(&o.partners, |x| &x.id));
    let plan_types = entries(p, &o.planTypes, "planTypes", |p, doc, at| plan_type(p, doc, at, currencies));
    check_unique(p, "planTypes", named(&o.planTypes, |x| &x.id));
    let (partners, plan_types) = (partners?, plan_types?);
    let book = Book {
        partners: &partners.items,
        partner_ids: named(&o.partners, |x| &x.id).map(|(_, id)| id).collect(),
        partner_at: index_by_id(partners.items.iter().map(|(_, p)| p.id.as_str())),
        types: &plan_types.items,
        type_ids: named(&o.planTypes, |x| &x.id).map(|(_, id)| id).collect(),
        type_at: index_by_id(plan_types.items.iter().map(|(_, t)| t.id.as_str())),
    };
    check_partner_tree(p, &book);
    check_plan_types(p, &book, warnings);
    (partners.complete && plan_types.complete).then(|| {
        Partners::new(
            partners.items.into_iter().map(|(_, p)| p).collect(),
            plan_types.items.into_iter().map(|(_, t)| t).collect(),
        )
    })
}

/// The entries of a list that read, each with its index in the list.
struct Entries<T> {
    items: Vec<(usize, T)>,
    /// Whether every entry read (the others' problems are recorded).
    complete: bool,
}

/// Reads list `key` entry by entry; `None` only when the list itself is not a valid list.
fn entries<T: Leaf, U>(
    p: &mut Problems,
    list: &Field<List<T>>,
    key: &str,
    mut f: impl FnMut(&mut Problems, &T, &At<'_>) -> Option<U>,
) -> Option<Entries<U>> {
    let root = At::Root;
    let at = root.key(key);
    let Some(items) = p.opt(list, &at, |p, l, at| super::load::entries(p, l, at))? else {
        return Some(Entries { items: Vec::new(), complete: true });
    };
    let mut out = Entries { items: Vec::with_capacity(items.len()), complete: true };
    for (i, item) in items.iter().enumerate() {
        let at = at.index(i);
        match item {
            Field::Ok(doc) => match f(p, doc, &at) {
                Some(entry) => out.items.push((i, entry)),
                None => out.complete = false,
            },
            other => {
                out.complete = false;
                p.bad::<T, ()>(other, &at);
            }
        }
    }
    Some(out)
}

/// What the cross-reference checks look at: the entries that read (indexed by id) and the
/// ids of every entry, read or not.
struct Book<'a> {
    partners: &'a [(usize, Partner)],
    partner_ids: BTreeSet<&'a str>,
    partner_at: BTreeMap<String, usize>,
    types: &'a [(usize, PlanType)],
    type_ids: BTreeSet<&'a str>,
    type_at: BTreeMap<String, usize>,
}

impl Book<'_> {
    fn partner(&self, id: &str) -> Option<&Partner> {
        self.partner_at.get(id).map(|&i| &self.partners[i].1)
    }

    /// The position of plan type `id` among the ones that read.
    fn plan_type(&self, id: &str) -> Option<usize> {
        self.type_at.get(id).copied()
    }
}

fn partner(p: &mut Problems, o: &PartnerDoc, at: &At<'_>) -> Option<Partner> {
    p.fields(o, at);
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.req(&o.name, &at.key("name"), Problems::text);
    let parent = p.opt(&o.parent, &at.key("parent"), Problems::id);
    Some(Partner { id: id?, name: name?, parent: parent? })
}

fn plan_type(
    p: &mut Problems,
    o: &PlanTypeDoc,
    at: &At<'_>,
    currencies: Option<&[Currency]>,
) -> Option<PlanType> {
    p.fields(o, at);
    let id = p.req(&o.id, &at.key("id"), Problems::id);
    let name = p.req(&o.name, &at.key("name"), |p, name, at| {
        if name.trim().is_empty() {
            p.add(Code::InvalidValue, at, "a plan type needs a name, e.g. \"Production 110\"");
            return None;
        }
        Some(name.clone())
    });
    let owner = p.opt(&o.owner, &at.key("owner"), Problems::id);
    let parent = p.opt(&o.parent, &at.key("parent"), Problems::id);
    let currency = p.req(&o.currency, &at.key("currency"), |p, s, at| catalog_currency(p, s, at, currencies));
    let fees = p.req(&o.fees, &at.key("fees"), |p, l, at| {
        let items = super::load::entries(p, l, at)?;
        let fees = p.all(items, at, |p, fee, at| usage_fee(p, fee, at, currency.as_ref()));
        check_unique_fee_names(p, items, at);
        let fees = fees?;
        if fees.is_empty() {
            p.add(
                Code::NoUsageFees,
                at,
                "a plan type has at least one usage fee, e.g. {\"name\": \"Hosting\", \"price\": \"9.90\"}",
            );
            return None;
        }
        Some(fees)
    });
    let recurring = p.opt(&o.recurring, &at.key("recurring"), |p, s, at| p.choice(s, at, &Recurrence::ALL));
    let environments = p.req(&o.environments, &at.key("environments"), |p, l, at| {
        let items = super::load::entries(p, l, at)?;
        let envs = p.all(items, at, |p, s, at| p.choice(s, at, &Environment::ALL))?;
        if envs.is_empty() {
            p.add(Code::InvalidValue, at, "a plan type available in no environment can never be assigned");
            return None;
        }
        p.repeats(at, envs.iter().map(|e| e.as_str()), "environment");
        Some(envs)
    });
    let granted_to = p.opt(&o.grantedTo, &at.key("grantedTo"), |p, l, at| {
        let items = super::load::entries(p, l, at)?;
        let ids = p.all(items, at, Problems::id)?;
        p.repeats(at, ids.iter().map(String::as_str), "partner");
        Some(ids)
    });
    Some(PlanType {
        id: id?,
        name: name?,
        owner: owner?,
        parent: parent?,
        fees: fees?,
        currency: currency?,
        recurring: recurring?.unwrap_or(Recurrence::Monthly),
        environments: environments?,
        granted_to: granted_to?.unwrap_or_default(),
    })
}

/// `DUPLICATE_ID` for a fee name used before in the same list (fees with other problems
/// count too).
fn check_unique_fee_names(p: &mut Problems, fees: &[Field<Box<FeeDoc>>], at: &At<'_>) {
    let mut first_of = BTreeMap::new();
    for (i, fee) in fees.iter().enumerate() {
        let Some(name) = fee.ok().and_then(|f| f.name.ok()) else { continue };
        match first_of.get(name.as_str()) {
            Some(first) => {
                let list = at.into_path();
                p.add(
                    Code::DuplicateId,
                    &at.index(i).key("name"),
                    format!("the fee \"{name}\" is already {list}[{first}]"),
                )
            }
            None => {
                first_of.insert(name.as_str(), i);
            }
        }
    }
}

fn usage_fee(p: &mut Problems, o: &FeeDoc, at: &At<'_>, currency: Option<&Currency>) -> Option<UsageFee> {
    p.fields(o, at);
    let name = p.req(&o.name, &at.key("name"), Problems::id);
    let price = p.req(&o.price, &at.key("price"), |p, n, at| {
        let price = p.money(n, at)?;
        if price.is_sign_negative() && !price.is_zero() {
            p.add(Code::NegativePrice, at, format!("a usage fee cannot be negative, found {price}"));
            return None;
        }
        if let Some(c) = currency {
            super::load::exact_in(p, price, c, at, "a fee is charged as it is written")?;
        }
        Some(price)
    });
    Some(UsageFee { name: name?, price: price? })
}

/// Each cycle in a parent relation, as the indexes of its members starting at the smallest.
fn cycles(parents: &[Option<usize>]) -> Vec<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        No,
        OnWalk,
        Done,
    }
    let mut seen = vec![Seen::No; parents.len()];
    let mut found = Vec::new();
    for start in 0..parents.len() {
        let mut walk = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match seen[i] {
                Seen::Done => break,
                Seen::OnWalk => {
                    let from = walk.iter().position(|&w| w == i).unwrap_or(0);
                    let mut cycle = walk[from..].to_vec();
                    let min = cycle.iter().enumerate().min_by_key(|(_, &m)| m).map_or(0, |(k, _)| k);
                    cycle.rotate_left(min);
                    found.push(cycle);
                    break;
                }
                Seen::No => {
                    seen[i] = Seen::OnWalk;
                    walk.push(i);
                    at = parents[i];
                }
            }
        }
        for i in walk {
            seen[i] = Seen::Done;
        }
    }
    found
}

/// `PARENT_CYCLE` once per cycle, at the parent of its first member, naming every member.
/// `entries` are (index in the list, id); `parents` index into `entries`.
fn report_cycles(p: &mut Problems, list: &str, entries: &[(usize, &str)], parents: &[Option<usize>]) {
    const SHOWN: usize = 4;
    for cycle in cycles(parents) {
        let name = |i: usize| format!("\"{}\"", entries[i].1);
        let mut names: Vec<String> = cycle.iter().take(SHOWN).map(|&i| name(i)).collect();
        if cycle.len() > SHOWN {
            names.push(format!("... ({} in all)", cycle.len()));
        }
        names.push(name(cycle[0]));
        p.add(
            Code::ParentCycle,
            format!("{list}[{}].parent", entries[cycle[0]].0),
            format!("parents go round in a cycle: {}", names.join(" -> ")),
        );
    }
}

fn check_partner_tree(p: &mut Problems, book: &Book<'_>) {
    let mut parents = Vec::with_capacity(book.partners.len());
    let mut platform: Option<&Partner> = None;
    for (i, partner) in book.partners {
        parents.push(partner.parent.as_deref().and_then(|id| book.partner_at.get(id).copied()));
        match partner.parent.as_deref() {
            Some(id) if !book.partner_ids.contains(id) => p.unknown(
                Code::UnknownPartner,
                format!("partners[{i}].parent"),
                "partner",
                id,
                book.partner_ids.iter().copied(),
            ),
            Some(_) => {}
            None => match platform {
                None => platform = Some(partner),
                Some(first) => p.add(
                    Code::MultiplePlatforms,
                    format!("partners[{i}].parent"),
                    format!(
                        "\"{}\" already has no parent and is the platform; every other partner has a parent",
                        first.id
                    ),
                ),
            },
        }
    }
    let entries: Vec<(usize, &str)> = book.partners.iter().map(|(i, p)| (*i, p.id.as_str())).collect();
    report_cycles(p, "partners", &entries, &parents);
}

fn check_plan_types(p: &mut Problems, book: &Book<'_>, warnings: &mut Vec<Problem>) {
    let mut parents = Vec::with_capacity(book.types.len());
    for (i, t) in book.types {
        let at = |field: &str| format!("planTypes[{i}].{field}");
        let owner = t.owner.as_deref();
        if let Some(o) = owner.filter(|o| !book.partner_ids.contains(o)) {
            p.unknown(Code::UnknownPartner, at("owner"), "partner", o, book.partner_ids.iter().copied());
        }
        if !book.partner_ids.is_empty() && owner.is_none() {
            p.add(Code::MissingField, at("owner"), "\"owner\" is required when the catalog lists partners");
        }
        for (g, grantee) in t.granted_to.iter().enumerate() {
            let path = format!("{}[{g}]", at("grantedTo"));
            if !book.partner_ids.contains(grantee.as_str()) {
                p.unknown(Code::UnknownPartner, path, "partner", grantee, book.partner_ids.iter().copied());
            } else if let (Some(owner), Some(partner)) = (owner, book.partner(grantee)) {
                if partner.parent.as_deref() != Some(owner) {
                    p.add(
                        Code::GrantNotSubPartner,
                        path,
                        format!("\"{grantee}\" is not a sub-partner of the owner \"{owner}\": a plan type is granted to its owner's own sub-partners"),
                    );
                }
            }
        }
        let parent = t.parent.as_deref();
        let parent_at = parent.and_then(|id| book.plan_type(id));
        parents.push(parent_at);
        match (parent, parent_at) {
            (None, _) => {
                if owner.and_then(|o| book.partner(o)).is_some_and(|p| p.parent.is_some()) {
                    p.add(
                        Code::RootPlanTypeNotPlatform,
                        at("parent"),
                        "only the platform (the partner without a parent) owns plan types without a parent; choose a parent plan type",
                    );
                }
            }
            (Some(id), None) if !book.type_ids.contains(id) => {
                p.unknown(Code::UnknownPlanType, at("parent"), "plan type", id, book.type_ids.iter().copied())
            }
            (Some(_), None) => {}
            (Some(_), Some(pi)) => check_against_parent(p, t, *i, &book.types[pi].1, warnings),
        }
    }
    let entries: Vec<(usize, &str)> = book.types.iter().map(|(i, t)| (*i, t.id.as_str())).collect();
    report_cycles(p, "planTypes", &entries, &parents);
}

fn check_against_parent(
    p: &mut Problems,
    t: &PlanType,
    i: usize,
    parent: &PlanType,
    warnings: &mut Vec<Problem>,
) {
    let at = |field: &str| format!("planTypes[{i}].{field}");
    for (e, env) in t.environments.iter().enumerate().filter(|(_, env)| !parent.environments.contains(env)) {
        p.add(
            Code::EnvironmentNotInParent,
            format!("{}[{e}]", at("environments")),
            format!(
                "the parent \"{}\" is available in {}, not {}: its instances would run on a parent that may not be used there",
                parent.id,
                parent.environments.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
                env.as_str()
            ),
        );
    }
    if let Some(owner) = t.owner.as_deref().filter(|o| !parent.usable_by(o)) {
        p.add(
            Code::ParentNotGranted,
            at("parent"),
            format!(
                "\"{owner}\" may not build on \"{}\": it neither owns it nor was granted it (owner \"{}\", granted to: {})",
                parent.id,
                parent.owner.as_deref().unwrap_or("none"),
                names_or_none(&parent.granted_to)
            ),
        );
    }
    if t.currency != parent.currency {
        p.add(
            Code::ParentCurrencyMismatch,
            at("currency"),
            format!(
                "the parent \"{}\" is in {}; a plan type is in its parent's currency",
                parent.id,
                parent.currency.code()
            ),
        );
    } else if t.recurring != parent.recurring {
        p.add(
            Code::ParentRecurrenceMismatch,
            at("recurring"),
            format!(
                "the parent \"{}\" recurs {}; a plan type recurs like its parent",
                parent.id,
                parent.recurring.as_str()
            ),
        );
    } else if let (Ok(price), Ok(cost)) = (t.price(), parent.price()) {
        if let Some(loss) = cost.checked_sub(price).filter(|loss| *loss > Decimal::ZERO) {
            warnings.push(Problem::new(
                Code::NegativeProfit,
                at("fees"),
                format!(
                    "the fees add up to {price} {}, less than the parent's {cost}: every instance loses {}",
                    t.currency.code(),
                    loss
                ),
            ));
        }
    }
}

pub(crate) fn names_or_none(ids: &[String]) -> String {
    if ids.is_empty() {
        "nobody".to_string()
    } else {
        ids.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::cycles;

    #[test]
    fn cycles_are_found_once_from_their_smallest_member() {
        assert_eq!(cycles(&[Some(0)]), [vec![0]]);
        assert_eq!(cycles(&[None, Some(2), Some(3), Some(1), Some(1)]), [vec![1, 2, 3]]);
        assert_eq!(cycles(&[Some(1), Some(0), Some(3), Some(2)]), [vec![0, 1], vec![2, 3]]);
        assert!(cycles(&[None, Some(0), Some(1)]).is_empty());
        let long: Vec<Option<usize>> = (0..50).map(|i| Some((i + 1) % 50)).collect();
        assert_eq!(cycles(&long), [(0..50).collect::<Vec<_>>()]);
    }
}
