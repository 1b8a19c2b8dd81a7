// The chart of a results object as hand-written SVG (no dependencies): for each end-to-end case
// and the conv forwards, one bar per runner giving its speed relative to the engine on WASM with
// one thread (time of wasm-1t / time of the runner), on a log scale: right of the 1x line is
// faster than the engine's WASM, left is slower. Missing cells are drawn as a grey tick with a
// label ("skipped", "n/a"). Browser-safe.

const COLORS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chartSvg(results, { baseline = 'engine-wasm-1t', title } = {}) {
  const runners = results.runners;
  // the end-to-end cases and five conv forwards at the smallest op size (the one a software GPU
  // gets through) keep the chart readable; every other number is in the table and the JSON
  const maxSize = Math.min(...results.cases.filter((c) => c.group === 'op').map((c) => c.size));
  const picked = /stem|residual|s2 64->128|up 256->128/;
  const cases = results.cases.filter((c) => c.group === 'e2e' || (c.op === 'conv2d' && c.dir === 'forward' && c.size === maxSize && picked.test(c.id)));
  const base = results.results[baseline] ?? {};
  const rowH = 11, gap = 10, left = 250, plotW = 460, right = 60, top = 58;
  const groupH = runners.length * rowH + gap;
  const height = top + cases.length * groupH + 40 + Math.ceil(runners.length / 3) * 16;
  const width = left + plotW + right;
  // log10 axis from 1/1000x to 100x
  const lo = -3, hi = 2;
  const x = (ratio) => left + ((Math.log10(Math.min(Math.max(ratio, 10 ** lo), 10 ** hi)) - lo) / (hi - lo)) * plotW;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title ?? 'Speed relative to the engine on WASM, 1 thread (log scale; right is faster)')}</text>`);
  const m = results.machine ?? {};
  out.push(`<text x="${width / 2}" y="30" text-anchor="middle" fill="#555">${esc(`${m.cpu ?? results.where ?? ''}, ${m.availableParallelism ?? '?'} cores; ${results.gpuAdapter ?? 'no GPU adapter'}; ${results.date?.slice(0, 10) ?? ''}, preset ${results.preset}`)}</text>`);
  for (let e = lo; e <= hi; e++) {
    const px = x(10 ** e);
    out.push(`<line x1="${px}" y1="${top - 6}" x2="${px}" y2="${top + cases.length * groupH}" stroke="${e === 0 ? '#000' : '#ddd'}"/>`);
    out.push(`<text x="${px}" y="${top - 9}" text-anchor="middle" fill="#555">${e >= 0 ? 10 ** e : `1/${10 ** -e}`}x</text>`);
  }
  cases.forEach((c, i) => {
    const y0 = top + i * groupH;
    out.push(`<text x="${left - 6}" y="${y0 + (runners.length * rowH) / 2 + 3}" text-anchor="end">${esc(c.id)}</text>`);
    runners.forEach((run, j) => {
      const r = results.results[run.key]?.[c.id];
      const y = y0 + j * rowH;
      if (r?.medianMs > 0 && base[c.id]?.medianMs > 0) {
        const ratio = base[c.id].medianMs / r.medianMs;
        const x0 = x(1), x1 = x(ratio);
        out.push(`<rect x="${Math.min(x0, x1)}" y="${y + 1}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 2}" fill="${COLORS[j % COLORS.length]}"><title>${esc(`${run.label}: ${r.medianMs.toFixed(1)} ms, ${ratio.toFixed(2)}x`)}</title></rect>`);
        out.push(`<text x="${Math.max(x0, x1) + 3}" y="${y + rowH - 2}" font-size="8" fill="#333">${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}x</text>`);
      } else {
        const why = r?.skipped ? (/SwiftShader/.test(r.skipped) ? 'skipped (SwiftShader too slow)' : 'n/a') : r?.error ? 'error' : 'not run';
        out.push(`<text x="${x(1) + 3}" y="${y + rowH - 2}" font-size="8" fill="#999">${esc(`${run.label}: ${why}`)}</text>`);
      }
    });
  });
  const ly = top + cases.length * groupH + 16;
  runners.forEach((run, j) => {
    const lx = 20 + (j % 3) * ((width - 40) / 3);
    const yy = ly + Math.floor(j / 3) * 16;
    out.push(`<rect x="${lx}" y="${yy - 8}" width="10" height="10" fill="${COLORS[j % COLORS.length]}"/><text x="${lx + 14}" y="${yy + 1}">${esc(run.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
