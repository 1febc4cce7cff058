// Type-checked by the packaging test (tsc --noEmit) against the installed tarball.
import { RatecardError, init, priceTiers, version, type TierPrice } from 'ratecard';

await init();
const v: string = version();
const p: TierPrice = priceTiers({ mode: 'graduated', tiers: [{ upTo: null, unitPrice: '0.10' }] }, '3', 'USD');
const amount: string = p.amount;
const minor: string | undefined = p.amountMinor;
try {
  priceTiers({ tiers: [] }, 1);
} catch (e) {
  if (e instanceof RatecardError) console.log(e.code, e.path, e.problems.length, v, amount, minor);
}
// @ts-expect-error a price is a decimal string, never a number
priceTiers({ tiers: [{ upTo: null, unitPrice: 0.1 }] }, '1');
