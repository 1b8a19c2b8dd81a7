// Turns a results object (bench/run.mjs, or the page's worker) into what people read: derived
// rates, the printed tables and the ratios. Browser-safe (no imports).

/** GFLOP/s or GB/s of a timed result, and its share of the runner's ceiling. */
export function derive(r, ceilingGflops) {
  if (!(r?.medianMs > 0)) return r;
  const s = r.medianMs / 1e3;
  const out = { ...r };
  if (r.flop) out.gflops = r.flop / s / 1e9;
  else if (r.bytes) out.gbps = r.bytes / s / 1e9;
  if (out.gflops && ceilingGflops) out.pctCeiling = (100 * out.gflops) / ceilingGflops;
  return out;
}

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));

/** One cell: "36.8ms ±4% n5 18.0GF/s 60%" or why there is no number. */
export function cellText(r) {
  if (!r) return 'not run';
  if (r.skipped) return r.skipped;
  if (r.error) return `error: ${r.error}`.slice(0, 60);
  const parts = [`${fmtMs(r.medianMs)}ms`, r.rme == null || r.samples < 2 ? '(1 run)' : `±${r.rme.toFixed(0)}%`, `n${r.samples}`];
  if (r.gflops) parts.push(`${r.gflops.toFixed(r.gflops >= 100 ? 0 : 1)}GF/s`);
  if (r.gbps) parts.push(`${r.gbps.toFixed(1)}GB/s`);
  if (r.pctCeiling != null) parts.push(`${r.pctCeiling.toFixed(0)}%`);
  return parts.join(' ');
}

/** Time of `b` over time of `a` as "x.xx" (above 1: a is faster), or '' when either is missing. */
export function ratioText(a, b) {
  if (!(a?.medianMs > 0) || !(b?.medianMs > 0)) return '';
  const r = b.medianMs / a.medianMs;
  return r >= 10 ? r.toFixed(0) : r.toFixed(2);
}

/**
 * Rows of a table: for each case, one cell per runner, plus ratio columns
 * ([label, runnerA, runnerB]: time of B / time of A).
 */
export function tableRows(results, group, ratios = []) {
  const rows = [];
  for (const c of results.cases.filter((x) => x.group === group)) {
    const row = { case: c.id, GFLOP: c.flop ? (c.flop / 1e9).toFixed(2) : c.bytes ? `${(c.bytes / 1e6).toFixed(1)}MB` : '' };
    for (const run of results.runners) row[run.label] = cellText(results.results[run.key]?.[c.id]);
    for (const [label, a, b] of ratios) row[label] = ratioText(results.results[a]?.[c.id], results.results[b]?.[c.id]);
    rows.push(row);
  }
  return rows;
}

/** A plain fixed-width table (console.table quotes strings and wraps badly at this width). */
export function formatTable(rows) {
  if (!rows.length) return '(no rows)\n';
  const cols = Object.keys(rows[0]);
  const width = cols.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k] ?? '').length)));
  const line = (vals) => vals.map((v, i) => String(v ?? '').padEnd(width[i])).join(' | ').trimEnd();
  return [line(cols), width.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map((r) => line(cols.map((k) => r[k])))].join('\n') + '\n';
}

/** Every runner's cell of every case is a number or a stated reason: the list of blanks. */
export function blanks(results) {
  const out = [];
  for (const c of results.cases) {
    for (const run of results.runners) {
      const r = results.results[run.key]?.[c.id];
      if (!r || (!(r.medianMs > 0) && !r.skipped && !r.error)) out.push(`${run.key} / ${c.id}`);
    }
  }
  return out;
}
