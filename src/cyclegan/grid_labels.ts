// Images a person can read without a caption: the training sample grid with its rows named
// and its step written on top, and a translation sheet (rows of images, each row labelled).
// Small images are enlarged by a whole factor (nearest neighbour, so pixels stay sharp) until
// a row is about 96 pixels high; labels use the library's own bitmap font (bitmap_font.ts).
import { AttributeError } from '../errors.js';
import { chwToRgba } from '../data/convert.js';
import { drawText, textSize } from './bitmap_font.js';
import type { RgbaImage } from './sample_grid.js';

const TEXT_SCALE = 2;
const INK: [number, number, number] = [20, 20, 20];
const PAPER = 255;
const GAP = 6;

function blank(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(PAPER) };
}

/** Copies `src` enlarged `k` times (nearest neighbour) into `dst` at (x0, y0). */
function blit(dst: RgbaImage, src: { data: Uint8ClampedArray; width: number; height: number }, x0: number, y0: number, k: number): void {
  for (let y = 0; y < src.height * k; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < src.width * k; x++) {
      const s = (sy * src.width + Math.floor(x / k)) * 4;
      const d = ((y0 + y) * dst.width + x0 + x) * 4;
      dst.data[d] = src.data[s];
      dst.data[d + 1] = src.data[s + 1];
      dst.data[d + 2] = src.data[s + 2];
      dst.data[d + 3] = 255;
    }
  }
}

/** The whole enlargement that brings `rowHeight` pixels to about `target`. */
const enlargement = (rowHeight: number, target = 96): number => Math.max(1, Math.round(target / rowHeight));

export const SAMPLE_ROW_LABELS = ['REAL A', 'FAKE B', 'REAL B', 'FAKE A'];

/**
 * A sample grid (src/cyclegan/sample_grid.ts: four equal rows real A, fake B, real B, fake A)
 * enlarged, with each row's name on the left and "STEP n" on top.
 */
export function labelSampleGrid(grid: RgbaImage, step: number, rowLabels: readonly string[] = SAMPLE_ROW_LABELS): RgbaImage {
  const rows = rowLabels.length;
  if (grid.height % rows !== 0) throw new AttributeError('labelSampleGrid', 'grid', `a height divisible by ${rows} rows`, String(grid.height));
  const rowH = grid.height / rows;
  const k = enlargement(rowH);
  const labelW = Math.max(...rowLabels.map((l) => textSize(l, TEXT_SCALE).width)) + 2 * GAP;
  const title = `STEP ${step}`;
  const titleH = textSize(title, TEXT_SCALE).height + 2 * GAP;
  const out = blank(labelW + grid.width * k, titleH + grid.height * k);
  drawText(out, title, labelW, GAP, INK, TEXT_SCALE);
  blit(out, grid, labelW, titleH, k);
  rowLabels.forEach((label, r) => {
    const y = titleH + Math.round((r + 0.5) * rowH * k) - textSize(label, TEXT_SCALE).height / 2;
    drawText(out, label, GAP, y, INK, TEXT_SCALE);
  });
  return out;
}

export interface SheetRow {
  label: string;
  /** n CHW images in [-1, 1], one after another. */
  data: Float32Array;
}

/** Rows of n images (CHW in [-1, 1]), each row under its label, with an optional title on top. */
export function translationSheet(rows: readonly SheetRow[], dims: { n: number; c: number; h: number; w: number; title?: string }): RgbaImage {
  const { n, c, h, w } = dims;
  const size = c * h * w;
  rows.forEach((r, i) => {
    if (r.data.length < n * size) throw new AttributeError('translationSheet', `rows[${i}].data`, `${n} images of ${c}x${h}x${w}`, `${r.data.length} values`);
  });
  const k = enlargement(h);
  const textH = textSize('X', TEXT_SCALE).height;
  const titleH = dims.title ? textH + 2 * GAP : 0;
  const rowH = textH + GAP + h * k + 2 * GAP;
  const labels = [...rows.map((r) => r.label), dims.title ?? ''];
  const width = Math.max(n * (w * k + GAP) + GAP, ...labels.map((l) => textSize(l, TEXT_SCALE).width + 2 * GAP));
  const out = blank(width, titleH + rows.length * rowH);
  if (dims.title) drawText(out, dims.title, GAP, GAP, INK, TEXT_SCALE);
  rows.forEach((row, r) => {
    const y0 = titleH + r * rowH + GAP;
    drawText(out, row.label, GAP, y0, INK, TEXT_SCALE);
    for (let i = 0; i < n; i++) {
      const rgba = chwToRgba(row.data.subarray(i * size, (i + 1) * size), c, h, w);
      blit(out, { data: rgba, width: w, height: h }, GAP + i * (w * k + GAP), y0 + textH + GAP, k);
    }
  });
  return out;
}
