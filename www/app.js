// The order form: loads the wasm engine once, then recomputes on every keystroke.
import { init, priceTiers, version } from '../js/browser.js';

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

await init();
$('engine-version').textContent = `ratecard ${version()} (WebAssembly)`;
$('storage-gb').addEventListener('input', update);
update();
document.body.dataset.ready = 'true';
