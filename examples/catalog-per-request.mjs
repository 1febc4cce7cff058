// A server that prices with each tenant's own catalog, kept as JSON text in its store.
import * as ratecard from 'ratecard';

/**
 * Prices `order` with the catalog `catalogText` holds. Loading the same text again shares the
 * catalog already loaded (the last 8 stay loaded), and `free()` lets go of this handle: the
 * garbage collector does not see wasm memory, so a catalog left to it may be freed late or never.
 */
export function quoteWithStoredCatalog(catalogText, order) {
  const catalog = ratecard.loadCatalog(catalogText);
  try {
    return catalog.quote(order);
  } finally {
    catalog.free();
  }
}
