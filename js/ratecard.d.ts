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

/** Thrown for bad input: `code` and `path` of the first problem, and every problem found. */
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
