// Type-checked by the packaging test (tsc --noEmit) against the installed tarball.
import demo from 'ratecard/demo-catalog.json' with { type: 'json' };
import demoSet from 'ratecard/demo-catalog-set.json' with { type: 'json' };
import { RatecardError, checkAssignment, init, loadCatalog, loadCatalogSet, loadTierTable, planMargins, priceTiers, publicCatalog, version, type CatalogDocument, type PlanMargins, type TierPrice } from 'ratecard';

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
{
  // A handle freed at the end of its block.
  using pricer = loadTierTable({ tiers: [{ upTo: null, unitPrice: '1' }] });
  const two: string = pricer.amount('2');
  console.log(two);
}
// @ts-expect-error a price is a decimal string, never a number
priceTiers({ tiers: [{ upTo: null, unitPrice: 0.1 }] }, '1');

const partnerCatalog = {
  defaultCurrency: 'USD',
  currencies: ['USD'],
  partners: [{ id: 'p', name: 'Platform' }, { id: 'a', name: 'A', parent: 'p' }],
  planTypes: [
    { id: 'root', name: 'Root', owner: 'p', fees: [{ name: 'Hosting', price: '74.00' }], currency: 'USD', environments: ['production' as const], grantedTo: ['a'] },
    { id: 'p110', name: 'Production 110', owner: 'a', parent: 'root', fees: [{ name: 'Hosting', price: '110.00' }], currency: 'USD', environments: ['production' as const] },
  ],
};
const m: PlanMargins = planMargins(partnerCatalog, 'p110', 2);
const profit: string = m.chain[1].profit;
const allowed: boolean = checkAssignment(partnerCatalog, { planType: 'p110', instance: { owner: 'a', environment: 'production' } }).allowed;
console.log(profit, allowed);
// @ts-expect-error environments are a fixed set
checkAssignment(partnerCatalog, { planType: 'p110', instance: { owner: 'a', environment: 'prod' } });

// A catalog file as a JSON import types it (its strings widened) loads as it is: the engine
// checks it at run time.
const catalog = loadCatalog(demo);
const total: string = catalog.quote({ at: '2027-01-01T00:00:00Z', lines: [{ product: 'medium', quantity: 1 }] }).totals[0].amount;
const versions: number = loadCatalogSet(demoSet).versions?.length ?? 0;
const kept: CatalogDocument = publicCatalog(demo);
console.log(total, versions, kept.name);
// Code that builds a catalog keeps the precise type.
const built = { defaultCurrency: 'USD', currencies: ['USD'], rounding: 'halfEven' } satisfies CatalogDocument;
// @ts-expect-error rounding is halfUp or halfEven
const misspelt = { defaultCurrency: 'USD', currencies: ['USD'], rounding: 'halfeven' } satisfies CatalogDocument;
// @ts-expect-error a catalog has no such field
loadCatalog({ defaultCurrency: 'USD', currencies: ['USD'], roundng: 'halfUp' });
console.log(built, misspelt);
