/// <reference lib="esnext.disposable" />
// Types of the ratecard npm package. Every amount, price, rate and quantity is a decimal
// string ("0.0137"); a quantity may also be a JS integer. Fractional JS numbers are refused.

/** A decimal number written as a string, e.g. "12.50". */
export type Decimal = string;
/** A quantity: a decimal string, or a JavaScript integer. */
export type Quantity = Decimal | number;

/** One problem found in an input. */
export interface Problem {
  /** Stable machine-readable code, e.g. "TIER_BOUNDS_NOT_INCREASING". */
  code: string;
  /** JSON path of the offending value, e.g. "table.tiers[2].upTo". */
  path: string;
  /** A sentence for people. */
  message: string;
}

/** Thrown for bad input: `code` and `path` of the first problem, and every problem found.
 *  Also thrown by the package itself: `NOT_INITIALIZED` before init(), `FREED` for a Catalog or
 *  TierPricer used after free(), `INVALID_TYPE` for an argument of the wrong type. */
export class RatecardError extends Error {
  name: 'RatecardError';
  code: string;
  path: string;
  problems: Problem[];
}

/** Loads the WebAssembly module. Required once in browsers; a no-op under Node. */
export function init(source?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** The engine's version. */
export function version(): string;

/** One tier: it covers quantities above the previous tier's bound up to and including `upTo`. */
export interface Tier {
  /** Inclusive upper bound; null for the unbounded last tier. */
  upTo: Quantity | null;
  unitPrice: Decimal;
  /** Charged once when the quantity falls in (volume) or reaches into (graduated) the tier. */
  flatPrice?: Decimal;
}

/** A tier table. */
export interface TierTable {
  /** "volume" (default): the whole quantity at its tier. "graduated": each part at its tier. */
  mode?: 'volume' | 'graduated';
  tiers: Tier[];
  /** Price blocks of this size (e.g. "100" GB); tier bounds and unit prices then count blocks. */
  blockSize?: Quantity;
  /** How a started block counts: "up" (default), "down" or "none" (fractional blocks). */
  blockRounding?: 'up' | 'down' | 'none';
}

/** What one tier contributed to a price. */
export interface TierLine {
  tier: number;
  from: Decimal;
  upTo: Decimal | null;
  quantity: Decimal;
  unitPrice: Decimal;
  flatPrice: Decimal;
  amount: Decimal;
}

/** The price of a quantity. `amount` is rounded when a currency was given, exact otherwise. */
export interface TierPrice {
  quantity: Decimal;
  /** Number of blocks priced, for a table with a block size. */
  blocks: Decimal | null;
  /** Present when a currency was given. */
  currency?: string;
  amount: Decimal;
  /** The rounded amount in minor units (cents), when a currency was given. */
  amountMinor?: string;
  /** The unrounded amount, when a currency was given. */
  exactAmount?: Decimal;
  lines: TierLine[];
}

/** Prices `quantity` with a tier table; rounds half-up to `currency` (ISO 4217) when given. */
export function priceTiers(table: TierTable, quantity: Quantity, currency?: string): TierPrice;

/** Validation of a catalog: every error and warning, each with its path. */
export interface Validation {
  valid: boolean;
  errors: Problem[];
  warnings: Problem[];
}

/** A catalog document: every field, its default, limits and errors in docs/catalog.md. */
export interface CatalogDocument {
  name?: string;
  /** Who sells what the catalog prices: the order form shows it, and prints it on a quote. */
  seller?: { name: string; address?: string; email?: string; url?: string; taxId?: string };
  defaultCurrency: string;
  currencies: string[];
  customCurrencies?: { code: string; exponent: number }[];
  rounding?: 'halfUp' | 'halfEven';
  hoursPerMonth?: Quantity;
  /** Hourly billing capped at the monthly price (SPEC 10): a month of a rule costs at most its monthly price. */
  monthlyCap?: boolean;
  /** With monthlyCap, the hours after which the cap is reached (default hoursPerMonth); a monthly rule's hourly rate is its price / capHours. */
  capHours?: Quantity;
  phaseClock?: 'billingStart' | 'chained';
  /** How an invoice counts time: "exact" (default: seconds / 3600) or "up" (every started clock hour). */
  hourRounding?: 'exact' | 'up';
  allowCredits?: boolean;
  /** Every quote and invoice is strict, and a product without a final price is an error at load. */
  strict?: boolean;
  regions?: { id: string; name?: string }[];
  products?: ProductDocument[];
  plans?: PlanDocument[];
  /** The partner tree; the one partner without a parent is the platform. */
  partners?: { id: string; name: string; parent?: string }[];
  planTypes?: PlanTypeDocument[];
  /** Coupons (SPEC 12) that customers' `redemptions` name. */
  coupons?: CouponDocument[];
  /** Tax rates (SPEC 14) that a quote's or invoice's tax context names: `percent` at least 0, at most 4 places. */
  taxRates?: { id: string; name: string; percent: Decimal }[];
  /** Whether prices exclude tax (it is added, the default) or include it (the customer pays the gross shown). */
  taxMode?: 'exclusive' | 'inclusive';
  /** Tax rounded once per invoice and rate (EN 16931 BR-CO-17, the default) or line by line. */
  taxRounding?: 'invoice' | 'line';
}

/**
 * A catalog set (SPEC 16): versions of one catalog, oldest first, each valid on its own with a
 * distinct `effectiveFrom`; an id means the same thing in every version. A customer is on the
 * newest version at or before their billing start (or the `catalogVersion` a request names).
 */
export interface CatalogSetDocument {
  versions: CatalogVersionDocument[];
}

/** One version of a catalog set. */
export interface CatalogVersionDocument {
  /** Its name, named by requests' `catalogVersion` and by every answer. */
  version: string;
  /** From when new customers are on it. */
  effectiveFrom: string;
  catalog: CatalogDocument;
}

/** Which catalog version an answer was priced on (answers on a catalog set only): the
 *  customer's version, and the first 12 hex digits of the SHA-256 of its public view's JSON
 *  text (the same on a server holding the full catalog and in a browser holding its public view). */
export interface CatalogVersionRef {
  version: string;
  hash: string;
}

/** A catalog or a catalog set: what every operation on a catalog takes. */
export type AnyCatalogDocument = CatalogDocument | CatalogSetDocument;

/**
 * A document as a JSON import (`import demo from './catalog.json' with { type: 'json' }`) or a
 * typed `JSON.parse` gives it: every string literal widened to `string`, every `true` to
 * `boolean`. Loaders and every function taking a catalog accept it and check it at run time
 * (every problem at once, with its path). Code that builds a catalog keeps the precise type with
 * `satisfies CatalogDocument`.
 */
export type AsJson<T> = T extends string ? string
  : T extends boolean ? boolean
  : T extends readonly (infer E)[] ? AsJson<E>[]
  : T extends object ? { [K in keyof T]: AsJson<T[K]> }
  : T;

/** A catalog or catalog set, typed precisely or as a JSON import gives it ({@link AsJson}). */
export type CatalogInput = AnyCatalogDocument | AsJson<AnyCatalogDocument>;

/** What taxes a sale, as the caller decided (ratecard never decides where a sale is taxed): the
 *  rates of each tax class (`[]`: zero-rated), reverse charge with the customer's tax id, or exempt. */
export type TaxContext = { rates: Record<string, string[]> } | { reverseCharge: { taxId: string } } | { exempt: true };

/** A customer's prepaid credit balance, as the server keeps it (SPEC 15). */
export interface CreditDocument {
  id: string;
  currency: string;
  balance: Decimal;
  /** Lower first (default 50). */
  priority?: Quantity;
  /** Usable only on an invoice whose period ends before. */
  expiresAt?: string;
}

/**
 * A coupon: `percentOff` (a decimal string in (0, 100]) or `amountOff` (by currency; in another
 * currency it takes nothing and warns `COUPON_CURRENCY_MISMATCH`), for `once` (the invoice it is
 * given with), `repeating` (`months` calendar months from the redemption) or `forever`.
 */
export type CouponDocument = {
  id: string;
  name: string;
  /** What a customer types on an order form (matched ignoring case). Not a secret: the public view carries it. */
  code?: string;
  /** Limited to these products, plans and phases (each list given must match). */
  appliesTo?: { products?: string[]; plans?: string[]; phases?: PhaseName[] };
  /** The last instant it can be redeemed at (later: `COUPON_NOT_REDEEMABLE`). */
  redeemBy?: string;
} & ({ percentOff: Decimal } | { amountOff: Record<string, Decimal> })
  & ({ duration: 'once' | 'forever' } | { duration: 'repeating'; months: Quantity });

/** A coupon the customer redeemed, and when (a `forever` or `repeating` coupon applies from then on). */
export type Redemption = { coupon: string; at: string };

export type ProductDocument =
  | { id: string; name: string; externalId?: string; kind: 'package';
      package: { cpu: Quantity; memoryMb: Quantity; storageGb?: Quantity; bandwidthGb?: Quantity; backupGb?: Quantity }; taxClass?: string }
  | { id: string; name: string; externalId?: string; kind: 'metered';
      resource: string; unitType: string; unit?: Quantity; aggregated?: boolean; taxClass?: string };

export type Duration = { hours: Quantity } | { days: Quantity } | { months: Quantity };
export type PhaseName = 'trial' | 'discount' | 'final';

export interface PlanDocument {
  id: string;
  name: string;
  default?: boolean;
  phases?: { trial?: Duration; discount?: Duration };
  prices?: (TierTable & {
    id?: string; product: string; phase: PhaseName; currency: string; regions?: string[]; period: 'hour' | 'month';
  })[];
  /** The least a customer on the plan pays a calendar month, by catalog currency
   *  (`{ USD: "50.00" }`): a month that costs less gets a true-up, prorated by the hours on the plan. */
  minimumCommitment?: Record<string, Decimal>;
  /** In a catalog set, from when customers of older versions pay this version's prices and
   *  phases of the plan (SPEC 16); without it, only this version's customers do. */
  existingCustomersFrom?: string;
  /** With existingCustomersFrom: from the first billing period (calendar month, UTC) starting at
   *  or after it (`nextPeriod`, the default), or at the instant itself (`instant`: invoices cut there). */
  align?: 'nextPeriod' | 'instant';
}

/** An order to price. */
export interface OrderDocument {
  /** In a catalog set, the version the customer is on; without it, the one in force at their billing start. */
  catalogVersion?: string;
  /** The instant priced: RFC 3339 ("2026-11-21T10:00:00Z") or a date ("2026-11-21"). */
  at: string;
  customer?: { plan?: string; currency?: string; region?: string; billingStart?: string; redemptions?: Redemption[] };
  lines: ({ product: string; region?: string } & ({ quantity: Quantity } | { reading: Quantity; previousReading?: Quantity }))[];
  /** What taxes the order; without one, no tax step. */
  tax?: TaxContext;
  /** Make NO_PRICE_RULE an error instead of a zero price with a warning. */
  strict?: boolean;
}

export interface QuoteLine {
  line: number;
  product: string;
  externalId: string | null;
  kind: 'package' | 'metered';
  region: string | null;
  rule: { path: string; id: string | null } | null;
  period: 'hour' | 'month' | null;
  measured: Decimal;
  included: Decimal;
  quantity: Decimal;
  blocks: Decimal | null;
  unitPrice: Decimal;
  tiers: TierLine[];
  hourly: Decimal;
  monthly: Decimal;
  /** The monthly amount rounded to the currency. */
  amount: Decimal;
  amountMinor: string;
  /** Under the catalog's monthly cap, the most a month of the line costs ("at most $12.00 a month"); null otherwise and for counters. */
  cap: Decimal | null;
}

export interface Quote {
  at: string;
  plan: string;
  currency: string;
  billingStart: string;
  phase: PhaseName;
  lines: QuoteLine[];
  totals: { currency: string; hourly: Decimal; monthly: Decimal; amount: Decimal; amountMinor: string }[];
  /** The plan's minimum commitment a month in the quote's currency, or null. */
  minimumCommitment: Decimal | null;
  /** The customer's coupons that apply to a month at `at`, in the order they apply (`once` ones included: they apply to the first invoice). */
  discounts: Discount[];
  /** The month's tax on what the discounts left, one entry per rate (none without a tax context). */
  taxes: TaxAmount[];
  /** Why there is no tax: reverse charge or exemption; null otherwise. */
  taxNote: TaxNote | null;
  /** What a month in the current phase is billed: the total, or the minimum commitment when that is more, less the discounts, plus an exclusive tax. */
  amountDue: Decimal;
  amountDueMinor: string;
  /** The current phase and the ones after it, cut where a coupon's window starts or ends, with
   *  the monthly amount in each, what the coupons in force take from it (`discount`; not `once`
   *  coupons), and what a month in it is billed (`amountDue`: the amount, or the minimum
   *  commitment when that is more, less the discount). */
  timeline: {
    phase: PhaseName; start: string; end: string | null; amount: Decimal; amountMinor: string;
    discount: Decimal; coupons: string[]; tax: Decimal; amountDue: Decimal; amountDueMinor: string;
    /** On a catalog set, the version whose prices apply in the stretch: the customer's, or a
     *  newer one their plan moves to (the timeline is cut where it moves). */
    version?: string;
  }[];
  warnings: Problem[];
  /** On a catalog set, the customer's version. */
  catalog?: CatalogVersionRef;
}

/** A line of a quote's summary: what it costs. */
export interface SummaryLine {
  /** Index of the order line. */
  line: number;
  product: string;
  /** What the line costs per month, rounded to the currency. */
  amount: Decimal;
  /** The amount in the currency's minor unit (cents; yen for JPY), an integer as text. */
  amountMinor: string;
}

/** The summary of a quote: the full answer's amounts, totals, phase and timeline, without each line's explanation. */
export interface QuoteSummary extends Omit<Quote, 'lines'> {
  lines: SummaryLine[];
}

export interface MatrixOptions {
  /** On a catalog set, the version to price (default: the one in force at `at`, or the newest). */
  catalogVersion?: string;
  /** On a catalog set, price the version a customer starting at this instant would be on. */
  at?: string;
  plan?: string;
  currency?: string;
  region?: string;
  phase?: PhaseName;
}

export interface PriceMatrix {
  plan: string;
  rows: {
    product: string; region: string | null; currency: string; phase: PhaseName; rule: string | null;
    tiered: boolean; unitPrice: Decimal; hourly: Decimal; monthly: Decimal; amount: Decimal;
    /** Under the catalog's monthly cap, the most a month costs; null otherwise. */
    cap: Decimal | null;
  }[];
  /** On a catalog set, the version priced. */
  catalog?: CatalogVersionRef;
}

export interface Verification {
  ok: boolean;
  differences: { path: string; expected: unknown; received: unknown }[];
}

/** An environment an instance runs in. */
export type Environment = 'production' | 'staging' | 'dev' | 'qa';
/** How often a plan type's fees are charged. */
export type Recurrence = 'monthly' | 'yearly';

/** A partner's plan type ("Instance Billing Plan Type"), built on a parent plan type. */
export interface PlanTypeDocument {
  id: string;
  name: string;
  /** The owning partner; required when the catalog lists partners. */
  owner?: string;
  /** The plan type it is built on (its fees are the owner's cost); none for the platform's root plan types. */
  parent?: string;
  /** Named usage fees per instance, e.g. { name: "Hosting", price: "110.00" }; at least one. */
  fees: { name: string; price: Decimal }[];
  currency: string;
  /** Default "monthly". */
  recurring?: Recurrence;
  environments: Environment[];
  /** Direct sub-partners of the owner that may use it. */
  grantedTo?: string[];
}

/** Price (sum of fees), cost (the parent's fees) and profit. */
export interface Figures {
  price: Decimal;
  cost: Decimal;
  profit: Decimal;
}

/** Margins of a plan type: per instance, for `instances`, fee by fee and through its chain. */
export interface PlanMargins extends Figures {
  planType: string;
  currency: string;
  recurring: Recurrence;
  instances: number;
  /** The figures for `instances` instances. */
  total: Figures;
  /** Each fee against the parent's fee of the same name (parent-only fees listed with price 0). */
  fees: (Figures & { name: string })[];
  /** From the platform's root plan type down to this one: each owner's price, what it pays `paysTo`, its profit. */
  chain: (Figures & { planType: string; name: string; owner: string | null; paysTo: string | null; totalProfit: Decimal })[];
  /** NEGATIVE_PROFIT for each level selling below its cost. */
  warnings: Problem[];
}

/** What a partner earns on its plan types and those built on them. */
export interface PartnerMargins {
  partner: string;
  plans: {
    planType: string;
    owner: string | null;
    /** The partner's own plan types in the chain. */
    via: string[];
    currency: string;
    recurring: Recurrence;
    profitPerInstance: Decimal;
    instances: number;
    profit: Decimal;
  }[];
  totals: { currency: string; recurring: Recurrence; profit: Decimal }[];
}

/** Can plan type `planType` be assigned to this instance? */
export interface AssignmentRequest {
  planType: string;
  instance: { id?: string; owner: string; environment: Environment };
}

/** `allowed`, or every reason why not (paths relative to the request). */
export interface AssignmentCheck {
  allowed: boolean;
  reasons: Problem[];
}

export function validateCatalog(catalog: CatalogInput): Validation;
export function quote(catalog: CatalogInput, order: OrderDocument): Quote;
/** The summary of an order's quote: the same amounts as quote(), without each line's explanation. */
export function quoteSummary(catalog: CatalogInput, order: OrderDocument): QuoteSummary;
export function priceMatrix(catalog: CatalogInput, options?: MatrixOptions): PriceMatrix;
/**
 * What a server knows better than the browser that sent an order: set from the server's own
 * records, these replace the order's fields before the quote is recomputed, and each field the
 * order said otherwise is listed as a difference (path `order.…`).
 */
export interface Trusted {
  /** The customer's catalog version from the server's records: it replaces the order's (a
   *  difference at `order.catalogVersion`). Without it, a trusted billingStart decides the
   *  version and the order may name none. */
  catalogVersion?: string;
  /**
   * The instant the server charges at: its clock (`new Date().toISOString()`). The quote is
   * recomputed there; an honest quote made earlier verifies while its prices still hold.
   */
  at?: string;
  /** How old a quote may be at `at`, in whole seconds, a number or its decimal text (default 3600; older: `QUOTE_EXPIRED`; more than 60 s ahead: `QUOTE_FROM_FUTURE`). */
  maxAgeSeconds?: number | string;
  customer?: TrustedCustomer;
  /** The server's tax context: it replaces the order's (a difference at `order.tax` when they differ). */
  tax?: TaxContext;
}

/** The customer's fields a server sets from its own records. */
export interface TrustedCustomer {
  plan?: string;
  currency?: string;
  /** Also replaces the region of every line (or invoice item) that names another one. */
  region?: string;
  billingStart?: string;
  /** The coupons the customer redeemed: a browser cannot invent, drop or move one (a difference at `customer.redemptions`). */
  redemptions?: Redemption[];
}
/** What a server trusts of an invoice request: the customer's fields, from its own records. */
export interface TrustedInvoice {
  /** As Trusted.catalogVersion. */
  catalogVersion?: string;
  customer?: TrustedCustomer;
  /** The server's tax context: it replaces the request's (a difference at `tax` when they differ). */
  tax?: TaxContext;
  /** The customer's balances from the server's records: they replace the request's. */
  credits?: CreditDocument[];
}

/** What to bill: a period `[start, end)`, the customer, the subscription's items and its plan changes. */
export interface InvoiceRequest {
  /** In a catalog set, the version the customer is on; without it, the one in force at their billing start. */
  catalogVersion?: string;
  period: { start: string; end: string };
  /** billingStart is required: phases are measured from it. */
  customer: { plan?: string; currency?: string; region?: string; billingStart: string; redemptions?: Redemption[] };
  /** One invoice line each, in order. */
  items: InvoiceItem[];
  /** From `at` on, the customer is on `plan`; in time order, inside the period. */
  planChanges?: { at: string; plan: string }[];
  /** What taxes the invoice; without one, no tax step. */
  tax?: TaxContext;
  /** The customer's prepaid balances, applied after tax. */
  credits?: CreditDocument[];
  /** Make NO_PRICE_RULE an error instead of a zero amount with a warning. */
  strict?: boolean;
}

/**
 * A product in a region for all or part of the period: a level (`quantity`, or `changes` over
 * time, the first being when the item starts), or for a counter such as bandwidth its usage
 * (`quantity`) or its readings at the item's end (`reading`) and start (`previousReading`).
 */
export type InvoiceItem = { product: string; region?: string; until?: string } & (
  | { quantity: Quantity; from?: string }
  | { changes: { at: string; quantity: Quantity }[] }
  | { reading: Quantity; previousReading?: Quantity; from?: string;
      /** Readings strictly inside the item's time, in time order: they share its usage over phases and plans exactly. */
      readings?: { at: string; reading: Quantity }[] }
);

/** A stretch of an item's time with one plan, phase, quantity and rule. */
export interface InvoiceSegment {
  start: string;
  end: string;
  /** Hours billed (exact, or whole started hours under hourRounding "up"). */
  hours: Decimal;
  plan: string;
  phase: PhaseName;
  measured: Decimal;
  included: Decimal;
  quantity: Decimal;
  rule: { path: string; id: string | null } | null;
  period: 'hour' | 'month' | null;
  /** The rate per hour at the quantity; null for usage billed once. */
  hourlyRate: Decimal | null;
  /** Exact to 28 significant digits. */
  amount: Decimal;
  /** On a catalog set, the version whose rule priced it. */
  version?: string;
}

/** Segments of one item in one calendar month with one rule and quantity: together they cost at most the cap. */
export interface CapGroup {
  /** The calendar month (UTC), "2026-10". */
  month: string;
  rule: { path: string; id: string | null };
  quantity: Decimal;
  /** What the segments would cost without the cap. */
  uncapped: Decimal;
  /** The rule's monthly price at the quantity. */
  cap: Decimal;
  /** Whether the uncapped amount was above the cap. */
  capped: boolean;
  /** On a catalog set, the version the rule is in. */
  version?: string;
}

/** One invoice line: an item, its segments, and its amount rounded once. */
export interface InvoiceLine {
  line: number;
  product: string;
  externalId: string | null;
  kind: 'package' | 'metered';
  region: string | null;
  start: string;
  end: string;
  /** "hours": levels billed by the hour; "usage": a counter billed once for its usage. */
  billing: 'hours' | 'usage';
  hours: Decimal;
  segments: InvoiceSegment[];
  /** Under the catalog's monthly cap: each group of segments (one calendar month, rule and quantity) and its cap. */
  caps: CapGroup[];
  /** The exact amount (every segment's, added before one division). */
  exact: Decimal;
  amount: Decimal;
  amountMinor: string;
}

export interface Invoice {
  period: { start: string; end: string };
  currency: string;
  billingStart: string;
  /** The plan and phase in force over the period. */
  plans: {
    plan: string; phase: PhaseName; start: string; end: string;
    /** On a catalog set, the version whose prices and phases of the plan apply: the
     *  customer's, or a newer one the plan moved to (the period is cut where it moves). */
    version?: string;
  }[];
  lines: InvoiceLine[];
  /** Minimum-commitment true-ups, after the lines: one per plan and calendar month that cost
   *  less than the plan's commitment (`commitment x activeHours / monthHours - billed`, rounded once). */
  trueUps: InvoiceTrueUp[];
  /** The customer's coupons, in the order they apply, each on what the ones before it left of the lines and true-ups. */
  discounts: Discount[];
  /** The tax on what the discounts left, one entry per rate. */
  taxes: TaxAmount[];
  /** Why there is no tax: reverse charge or exemption; null otherwise. */
  taxNote: TaxNote | null;
  /** The credits given, in the order they apply (usable ones pay what is due after tax). */
  credits: InvoiceCredit[];
  /** The sum of the rounded lines; `exact` is the sum before rounding. */
  totals: { currency: string; exact: Decimal; amount: Decimal; amountMinor: string }[];
  /** What the customer owes: the lines and the true-ups, less the discounts, plus an exclusive tax, less the credits. */
  amountDue: Decimal;
  amountDueMinor: string;
  warnings: Problem[];
  /** On a catalog set, the customer's version. */
  catalog?: CatalogVersionRef;
}

/** One redeemed coupon applied (SPEC 12): what it took from each line and true-up. */
export interface Discount {
  coupon: string;
  name: string;
  duration: 'once' | 'repeating' | 'forever';
  redeemedAt: string;
  /** Where it applies: a percent coupon takes from the part of each line inside it; an amount
   *  coupon applies to an invoice whose period starts inside it; a `once` coupon, the invoice. */
  window: { start: string; end: string | null };
  percentOff: Decimal | null;
  /** The amount in the answer's currency. */
  amountOff: Decimal | null;
  lines: DiscountLine[];
  amount: Decimal;
  amountMinor: string;
  /** An amount coupon: what it could not use (never carried over); null for a percent coupon. */
  unusedAmount: Decimal | null;
  /** A `once` coupon: whether it applied to anything (not on a free trial's invoice); null otherwise. */
  consumed: boolean | null;
}

/** What one coupon took from one line (`line`) or true-up (`trueUp`). */
export interface DiscountLine {
  line: number | null;
  trueUp: number | null;
  /** What was left of it before this coupon. */
  left: Decimal;
  /** The part of `left` the coupon applies to (its share inside the window, on the plans and phases named), rounded once. */
  eligible: Decimal;
  /** `percentOff` of `eligible`, or its share of the amount by largest remainder. */
  amount: Decimal;
  amountMinor: string;
}

/** One tax rate's tax (SPEC 14): rounded once on what it taxes, shared back to the lines. */
export interface TaxAmount {
  rate: string;
  name: string;
  percent: Decimal;
  /** Whether the prices include it (taxMode "inclusive"): then `taxable` is the net part, and the tax is not added. */
  included: boolean;
  taxable: Decimal;
  amount: Decimal;
  amountMinor: string;
  lines: TaxShare[];
}

/** A rate's tax on one line (`line`) or true-up (`trueUp`). */
export interface TaxShare {
  line: number | null;
  trueUp: number | null;
  taxable: Decimal;
  amount: Decimal;
  amountMinor: string;
}

/** Why an answer has no tax. */
export interface TaxNote {
  code: 'REVERSE_CHARGE' | 'TAX_EXEMPT';
  /** The customer's tax id (reverse charge); null when exempt. */
  taxId: string | null;
  message: string;
}

/** What one credit did on an invoice (SPEC 15). */
export interface InvoiceCredit {
  id: string;
  currency: string;
  balance: Decimal;
  /** In the invoice's currency, and not expired by the period's end. */
  usable: boolean;
  applied: Decimal;
  appliedMinor: string;
  remainingBalance: Decimal;
}

/** What a plan's calendar month lacks of its minimum commitment. */
export interface InvoiceTrueUp {
  name: 'Minimum commitment';
  plan: string;
  /** The calendar month (UTC), "2026-11". */
  month: string;
  /** The plan's commitment for a whole month. */
  commitment: Decimal;
  /** Hours of the month, inside the period, on the plan (a trial counts). */
  activeHours: Decimal;
  monthHours: Decimal;
  /** The exact amounts of the plan's segments in the month. */
  billed: Decimal;
  amount: Decimal;
  amountMinor: string;
}

/** Bills a period: one line per item, cut into segments, each line rounded once. */
export function invoice(catalog: CatalogInput, request: InvoiceRequest): Invoice;
/** Recomputes the invoice of `request` and lists every difference with `received` (paths `invoice.…`). */
export function verifyInvoice(catalog: CatalogInput, request: InvoiceRequest, received: unknown, trusted?: TrustedInvoice): Verification;

/** Largest text (in UTF-8 bytes) any call sends into WebAssembly; larger is INPUT_TOO_LARGE. */
export const MAX_INPUT_BYTES: number;
/**
 * Runs one operation on JSON text and returns JSON text: for servers that hold the request's
 * text already. `op` is an operation name (`quote`, `verifyQuote`, `invoice`, ...) and
 * `argsJson` its arguments as one JSON object, the catalog included:
 * `callJson('quote', '{"catalog": {...}, "order": {...}}')`.
 */
export function callJson(op: string, argsJson: string): string;
export function verifyQuote(catalog: CatalogInput, order: OrderDocument, received: unknown, trusted?: Trusted): Verification;
export function planMargins(catalog: CatalogInput, planType: string, instances?: Quantity): PlanMargins;
export function partnerMargins(catalog: CatalogInput, partner: string, instances?: Record<string, Quantity>): PartnerMargins;
export function checkAssignment(catalog: CatalogInput, request: AssignmentRequest): AssignmentCheck;
/** The catalog without partners, wholesale plan types, owners, parents and grants: safe for customer pages. */
export function publicCatalog<C extends CatalogInput>(catalog: C): C extends CatalogSetDocument | AsJson<CatalogSetDocument> ? CatalogSetDocument : CatalogDocument;

/** A catalog parsed and validated once. */
export class Catalog {
  private constructor();
  /** The catalog's warnings (DISCOUNT_NEVER_REACHED, NEGATIVE_PROFIT): it loaded, but look. */
  readonly warnings: Problem[];
  /** A catalog set's versions, oldest first; null for a catalog that is not a set. */
  readonly versions: { version: string; hash: string; effectiveFrom: string }[] | null;
  /** Prices an order (see quote()). */
  quote(order: OrderDocument): Quote;
  /** The quote's amounts, totals and timeline without each line's explanation (see quoteSummary()). */
  quoteSummary(order: OrderDocument): QuoteSummary;
  /** Every product x region x currency x phase of a plan (see priceMatrix()). */
  priceMatrix(options?: MatrixOptions): PriceMatrix;
  /** Recomputes an order's quote and lists every difference with `received` (see verifyQuote()). */
  verifyQuote(order: OrderDocument, received: unknown, trusted?: Trusted): Verification;
  /** A plan type's price, cost and profit, per fee and through its chain (see planMargins()). */
  planMargins(planType: string, instances?: Quantity): PlanMargins;
  /** What a partner earns on every plan type it sells or resells (see partnerMargins()). */
  partnerMargins(partner: string, instances?: Record<string, Quantity>): PartnerMargins;
  /** Whether a plan type may be assigned to an instance, and every reason when not. */
  checkAssignment(request: AssignmentRequest): AssignmentCheck;
  /** The catalog for customer pages: no partners, costs or wholesale plan types (see publicCatalog()). */
  /** The public view: of each version, for a catalog set. */
  publicCatalog(): CatalogDocument | CatalogSetDocument;
  /** Text in, text out: any operation that takes a catalog, with its other arguments as JSON text. */
  callJson(op: string, argsJson: string): string;
  /** Many quotes in one call: each a quote, or `{ error }` for an order that cannot be priced. */
  quoteMany(orders: OrderDocument[]): (Quote | { error: Problem & { problems: Problem[] } })[];
  /** Many verifications in one call. */
  verifyMany(checks: { order: OrderDocument; quote: unknown; trusted?: Trusted }[]): (Verification | { error: Problem & { problems: Problem[] } })[];
  /** Bills a period (see invoice()). */
  invoice(request: InvoiceRequest): Invoice;
  /** Verifies an invoice against the request it bills. */
  verifyInvoice(request: InvoiceRequest, received: unknown, trusted?: TrustedInvoice): Verification;
  /** Many invoice verifications in one call. */
  verifyInvoiceMany(checks: { request: InvoiceRequest; invoice: unknown; trusted?: TrustedInvoice }[]): (Verification | { error: Problem & { problems: Problem[] } })[];
  /**
   * Lets go of this handle: every later call throws `RatecardError` `FREED`; a second free()
   * does nothing. The wasm memory is freed once no handle holds the catalog and it left the
   * cache of recently loaded texts (see CATALOG_CACHE). **A server must free every catalog it
   * does not keep**: garbage collection does not see wasm memory, and may free it late or never.
   */
  free(): void;
  /** `using catalog = loadCatalog(text)`: free() at the end of the block. */
  [Symbol.dispose](): void;
}

/**
 * Parses and validates a catalog once (a document, or its JSON text); throws INVALID_CATALOG.
 * The same JSON text loaded again shares the catalog already loaded (see CATALOG_CACHE), so a
 * server that loads its catalog text for each request does not load a copy each time. Keep the
 * catalog for many calls, or free() it: see Catalog.free.
 */
export function loadCatalog(catalog: CatalogInput | string): Catalog;

/** loadCatalog for a catalog set alone: INVALID_CATALOG (`versions` missing) for a plain catalog. */
export function loadCatalogSet(catalog: CatalogSetDocument | AsJson<CatalogSetDocument> | string): Catalog;

/** How many catalogs, by JSON text, stay loaded for loadCatalog to share: the last `entries`
 *  texts, and at most `textLength` characters of them. Catalogs loaded from objects are not kept. */
export const CATALOG_CACHE: { readonly entries: number; readonly textLength: number };

/** A tier table parsed and validated once (see loadTierTable). */
export class TierPricer {
  private constructor();
  /** The price explained tier by tier. */
  price(quantity: Quantity): TierPrice;
  /** Just the amount: rounded when the table was loaded with a currency, exact otherwise. */
  amount(quantity: Quantity): Decimal;
  /** The amounts of many quantities in one call. */
  amounts(quantities: Quantity[]): Decimal[];
  /** Frees the wasm memory now: every later call throws `RatecardError` `FREED`; a second free()
   *  does nothing. Free every table you do not keep (garbage collection does not see wasm memory). */
  free(): void;
  /** `using pricer = loadTierTable(table)`: free() at the end of the block. */
  [Symbol.dispose](): void;
}

/** Loads a tier table once for many prices; `currency` (ISO 4217) rounds amounts to its minor unit. */
export function loadTierTable(table: TierTable | string, currency?: string): TierPricer;
