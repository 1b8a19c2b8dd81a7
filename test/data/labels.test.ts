// The labels of the demo's images (src/cyclegan/bitmap_font.ts, grid_labels.ts) and the loss
// chart's smoothing (src/cli/loss_chart.ts).
import { describe, expect, it } from 'vitest';
import { drawText, textSize } from '../../src/cyclegan/bitmap_font.js';
import { labelSampleGrid, translationSheet } from '../../src/cyclegan/grid_labels.js';
import { lossChartSvg, smoothLosses } from '../../src/cli/loss_chart.js';
import { Rng } from '../../src/index.js';

const blank = (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(255) });
const inked = (img: { data: Uint8ClampedArray }) => {
  let n = 0;
  for (let p = 0; p < img.data.length; p += 4) if (img.data[p] === 0) n++;
  return n;
};

describe('labels', () => {
  it('drawText inks pixels only inside textSize, distinct text gives distinct pixels', () => {
    const a = blank(100, 20);
    drawText(a, 'REAL A', 1, 2, [0, 0, 0], 2);
    const { width, height } = textSize('REAL A', 2);
    expect([width, height]).toEqual([70, 14]);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 100; x++) {
        const ink = a.data[(y * 100 + x) * 4] === 0;
        if (ink) expect(x >= 1 && x < 1 + width && y >= 2 && y < 2 + height).toBe(true);
      }
    }
    const b = blank(100, 20);
    drawText(b, 'FAKE B', 1, 2, [0, 0, 0], 2);
    expect(inked(a)).toBeGreaterThan(50);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(false);
    // Lower case is drawn as upper case; an unknown character as a box.
    const c = blank(100, 20);
    drawText(c, 'real a', 1, 2, [0, 0, 0], 2);
    expect(Buffer.from(c.data).equals(Buffer.from(a.data))).toBe(true);
    const d = blank(10, 10);
    drawText(d, '\u00e9', 0, 0, [0, 0, 0]);
    expect(inked(d)).toBe(2 * 5 + 2 * 5);
  });

  it('labelSampleGrid enlarges the grid and keeps its pixels; translationSheet fits its title', () => {
    const rng = new Rng(1);
    const grid = { width: 10, height: 8, data: new Uint8ClampedArray(10 * 8 * 4).map(() => Math.floor(rng.next() * 256)) };
    const out = labelSampleGrid(grid, 7);
    const k = Math.round(96 / 2);
    expect(out.height).toBe(26 + 8 * k);
    const labelW = out.width - 10 * k;
    // Pixel (3, 5) of the grid is the block at (labelW + 3k .., 26 + 5k ..).
    const at = (x: number, y: number) => Array.from(out.data.subarray((y * out.width + x) * 4, (y * out.width + x) * 4 + 3));
    expect(at(labelW + 3 * k + 1, 26 + 5 * k + 1)).toEqual(Array.from(grid.data.subarray((5 * 10 + 3) * 4, (5 * 10 + 3) * 4 + 3)));
    expect(() => labelSampleGrid({ width: 4, height: 6, data: new Uint8ClampedArray(96) }, 0)).toThrow(/divisible by 4/);
    const img = new Float32Array(3 * 32 * 32).fill(-1);
    const sheet = translationSheet([{ label: 'X', data: img }], { n: 1, c: 3, h: 32, w: 32, title: 'A LONG TITLE OF MANY CHARACTERS' });
    expect(sheet.width).toBe(textSize('A LONG TITLE OF MANY CHARACTERS', 2).width + 12);
  });

  it('smoothLosses is a debiased moving average; the chart names every loss', () => {
    expect(smoothLosses([2, 2, 2, 2], 5)).toEqual([2, 2, 2, 2]);
    const s = smoothLosses([0, 10, NaN, 10], 3);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeGreaterThan(5);
    expect(s[2]).toBe(s[1]);
    const svg = lossChartSvg([{ name: 'loss D', values: [1, 2, 3] }, { name: 'loss G', values: [3, 2, 1] }]);
    expect(svg).toContain('>loss D</text>');
    expect(svg).toContain('>loss G</text>');
    expect(svg).toContain('bold: average');
  });
});
