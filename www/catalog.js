// Operator tool: check a catalog before it reaches an order form. Every problem at once, with
// its code and JSON path; a valid catalog's contents and the public view a customer page gets.
import { init, loadCatalog, version } from '../js/browser.js';
import { plural, problemItems } from './shared.js';

const $ = (id) => document.getElementById(id);
await init();

/** Checks the catalog in the text area: its problems, or what it holds. */
function check() {
  const text = $('catalog-text').value;
  const status = $('catalog-status');
  const list = $('catalog-problems');
  $('catalog-contents').textContent = '';
  let catalog;
  try {
    catalog = loadCatalog(text);
  } catch (e) {
    const problems = e.problems?.filter((p) => p.code !== 'INVALID_CATALOG') ?? [];
    status.textContent = `This catalog has ${plural(problems.length || 1, 'problem')}.`;
    status.className = 'error';
    list.replaceChildren(...problemItems(problems.length ? { problems } : e));
    return;
  }
  try {
    const warnings = catalog.warnings;
    status.textContent = `The catalog is valid${warnings.length ? `, with ${plural(warnings.length, 'warning')}` : ''}.`;
    status.className = 'ok';
    list.replaceChildren(...problemItems({ problems: warnings }));
    const doc = JSON.parse(text);
    const publicView = catalog.publicCatalog();
    $('catalog-contents').textContent = `${plural(doc.plans?.length ?? 0, 'plan')}, ${plural(doc.products?.length ?? 0, 'product')}, `
      + `${plural(doc.regions?.length ?? 0, 'region')}, ${plural(doc.planTypes?.length ?? 0, 'plan type')}; `
      + `its public view for customer pages keeps ${plural(publicView.planTypes?.length ?? 0, 'plan type')} and no partner.`;
  } finally {
    catalog.free();
  }
}

$('catalog-load').addEventListener('click', check);
$('catalog-file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  $('catalog-text').value = await file.text();
  check();
});
$('catalog-demo').addEventListener('click', async () => {
  $('catalog-text').value = await fetch('../catalogs/demo.json').then((r) => r.text());
  check();
});
$('engine-version').textContent = `ratecard ${version()} (WebAssembly)`;
document.body.dataset.ready = 'true';
