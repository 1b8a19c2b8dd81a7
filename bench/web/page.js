// The benchmark page: starts the worker, fills the tables as results arrive, draws the chart
// at the end. `window.benchResults` holds the results object once done (the test reads it).
import { blanks, formatTable, tableRows } from '../lib/report.mjs';
import { chartSvg } from '../lib/chart.mjs';

const params = new URLSearchParams(location.search);
// ?quick=test is the test's tiny mode; ?preset=quick|full|test otherwise
const preset = params.get('quick') === 'test' ? 'test' : params.get('preset') ?? 'quick';
const $ = (id) => document.getElementById(id);

function renderTable(results, group) {
  const rows = tableRows(results, group, [['webgpu÷wasm time', 'engine-wasm-1t', 'engine-webgpu']]);
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const cls = (v) => (/^(skipped|no |not |error|ORT|TF)/.test(v) ? ' class="skip"' : v === 'not run' ? ' class="pending"' : '');
  return `<table><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${cols.map((c) => `<td${cls(String(r[c]))} data-cell="${esc(c)}">${esc(r[c])}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

const worker = new Worker(new URL('./worker.js', import.meta.url));
worker.onmessage = ({ data }) => {
  if (data.type === 'log') {
    $('log').textContent += `${data.text}\n`;
    $('status').textContent = data.text;
  } else if (data.type === 'done') {
    const results = data.results;
    const c = results.ceilings;
    $('ceilings').textContent = `Ceilings: WASM SIMD ${c.wasm1?.gflops.toFixed(1)} GFLOP/s on one core; GPU ${c.gpu ? `${c.gpu.gflops.toFixed(1)} GFLOP/s (${results.gpuAdapter})` : 'none'}.`;
    $('ops').innerHTML = renderTable(results, 'op');
    $('e2e').innerHTML = renderTable(results, 'e2e');
    $('chart').innerHTML = chartSvg(results);
    const missing = blanks(results);
    $('status').textContent = `done in ${results.durationSeconds} s${missing.length ? `; ${missing.length} blank cells` : ''}`;
    console.log(formatTable(tableRows(results, 'e2e')));
    window.benchResults = results;
  } else if (data.type === 'error') {
    $('status').textContent = `error: ${data.message}`;
    window.benchError = data.message;
  }
};
worker.postMessage({ preset });
