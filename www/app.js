// The order form: loads the wasm engine once, then recomputes on every keystroke.
import { init, loadCatalog, priceTiers, version } from '../js/browser.js';

const storage = {
  mode: 'graduated',
  tiers: [
    { upTo: '100', unitPrice: '0.10' },
    { upTo: '1000', unitPrice: '0.08' },
    { upTo: null, unitPrice: '0.05' },
  ],
};

const $ = (id) => document.getElementById(id);

function update() {
  const error = $('storage-error');
  try {
    const p = priceTiers(storage, $('storage-gb').value.trim() || '0', 'USD');
    $('storage-price').textContent = `$${p.amount}`;
    $('storage-tiers').replaceChildren(...p.lines.map((l) => {
      const li = document.createElement('li');
      li.textContent = `${l.quantity} GB in tier ${l.tier + 1} at $${l.unitPrice} = $${l.amount}`;
      return li;
    }));
    error.hidden = true;
  } catch (e) {
    $('storage-price').textContent = '—';
    error.textContent = e.name === 'RatecardError' ? `${e.message}` : String(e);
    error.hidden = false;
  }
}

/** The package table: the price matrix of the demo catalog for one region, currency and phase. */
function showPackages(catalog, document_) {
  const rows = catalog.priceMatrix({ currency: 'USD', region: 'us-east', phase: 'final' }).rows;
  const body = $('packages').tBodies[0];
  body.replaceChildren(...document_.products.filter((p) => p.kind === 'package').map((p) => {
    const tr = document.createElement('tr');
    const price = rows.find((r) => r.product === p.id);
    for (const text of [p.name, `${p.package.cpu} cores`, `${p.package.memoryMb} MB`, `${p.package.storageGb} GB`, `$${price.amount}`]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tr.dataset.product = p.id;
    return tr;
  }));
}

const [, demo] = await Promise.all([init(), fetch('../catalogs/demo.json').then((r) => r.json())]);
showPackages(loadCatalog(demo), demo);
$('engine-version').textContent = `ratecard ${version()} (WebAssembly)`;
$('storage-gb').addEventListener('input', update);
update();
document.body.dataset.ready = 'true';
