// An SVG line chart of every loss over steps, written by hand (no dependency): per series, the
// raw values as a faint line and a smoothed one (a debiased exponential moving average, as
// TensorBoard draws it) on shared axes, a legend naming each loss, tick labels on both axes.
// Long runs are thinned to at most ~2000 points per series by averaging consecutive steps.

export interface LossSeries {
  name: string;
  values: number[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round, readable tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function thin(values: number[], max: number): { x: number; y: number }[] {
  const bucket = Math.max(1, Math.ceil(values.length / max));
  const pts: { x: number; y: number }[] = [];
  for (let i = 0; i < values.length; i += bucket) {
    let s = 0;
    let n = 0;
    for (let k = i; k < Math.min(values.length, i + bucket); k++) {
      if (Number.isFinite(values[k])) {
        s += values[k];
        n++;
      }
    }
    if (n) pts.push({ x: i + (Math.min(values.length, i + bucket) - i - 1) / 2 + 1, y: s / n });
  }
  return pts;
}

/**
 * A debiased exponential moving average over about `window` steps (alpha = 2 / (window + 1));
 * non-finite values are skipped (the average carries over them).
 */
export function smoothLosses(values: number[], window: number): number[] {
  const alpha = 2 / (Math.max(1, window) + 1);
  const out: number[] = [];
  let avg = 0;
  let weight = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      avg = (1 - alpha) * avg + alpha * v;
      weight = (1 - alpha) * weight + alpha;
    }
    out.push(weight > 0 ? avg / weight : NaN);
  }
  return out;
}

/** The chart as an SVG document. Steps are 1-based on the x axis. */
export function lossChartSvg(
  series: LossSeries[],
  options: { title?: string; width?: number; height?: number; /** EMA window in steps; default: a 20th of the run, at least 5. */ smoothing?: number } = {},
): string {
  const W = options.width ?? 800;
  const H = options.height ?? 450;
  const m = { left: 60, right: 150, top: 36, bottom: 44 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const window = options.smoothing ?? Math.max(5, Math.round(n / 20));
  const lines = series.map((s) => ({ name: s.name, pts: thin(s.values, 2000), smooth: thin(smoothLosses(s.values, window), 2000) }));
  const ys = lines.flatMap((l) => l.pts.map((p) => p.y));
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 1;
  lo = Math.min(0, lo);
  if (!(hi > lo)) hi = lo + 1;
  const x0 = 1;
  const x1 = Math.max(2, n);
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - lo) / (hi - lo)) * ph;
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title ?? 'Losses over steps')}</text>`);
  for (const t of niceTicks(lo, hi)) {
    const y = sy(t);
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(y)}" y2="${f(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${f(y + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1).filter((t) => Number.isInteger(t))) {
    const x = sx(t);
    parts.push(`<line x1="${f(x)}" x2="${f(x)}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`);
    parts.push(`<text x="${f(x)}" y="${m.top + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 8}" text-anchor="middle">step</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">loss</text>`);
  const polyline = (pts: { x: number; y: number }[], color: string, attrs: string): string =>
    `<polyline fill="none" stroke="${color}" ${attrs} points="${pts.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ')}"/>`;
  lines.forEach((l, i) => {
    const color = COLORS[i % COLORS.length];
    if (l.pts.length === 1) {
      parts.push(`<circle cx="${f(sx(l.pts[0].x))}" cy="${f(sy(l.pts[0].y))}" r="3" fill="${color}"/>`);
    } else if (l.pts.length > 1) {
      parts.push(polyline(l.pts, color, 'stroke-width="1" stroke-opacity="0.25"'));
      parts.push(polyline(l.smooth, color, 'stroke-width="2"'));
    }
    const ly = m.top + 10 + i * 20;
    parts.push(`<line x1="${m.left + pw + 12}" x2="${m.left + pw + 34}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${m.left + pw + 40}" y="${ly + 4}">${escapeXml(l.name)}</text>`);
  });
  const noteY = m.top + 10 + lines.length * 20 + 8;
  parts.push(`<text x="${m.left + pw + 12}" y="${noteY}" font-size="11" fill="#555">faint: each step</text>`);
  parts.push(`<text x="${m.left + pw + 12}" y="${noteY + 15}" font-size="11" fill="#555">bold: average</text>`);
  parts.push(`<text x="${m.left + pw + 12}" y="${noteY + 30}" font-size="11" fill="#555">of ~${window} steps</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The same data as CSV (step, one column per series); steps are 1, 2, ... unless `stepNumbers` says. */
export function lossCsv(series: LossSeries[], stepNumbers?: readonly number[]): string {
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const rows = [['step', ...series.map((s) => s.name)].join(',')];
  for (let i = 0; i < n; i++) rows.push([stepNumbers?.[i] ?? i + 1, ...series.map((s) => (i < s.values.length ? String(s.values[i]) : ''))].join(','));
  return `${rows.join('\n')}\n`;
}
