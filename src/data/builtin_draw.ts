// Procedural images of the built-in dataset. Both domains hold the same kinds of scenes
// (1-2 circles, squares and triangles of saturated colours, at random places, sizes and
// angles); they differ only in style:
//   A: flat-filled shapes on a light background;
//   B: the same kinds of shapes filled with bold stripes (the shape's colour alternating with
//      near-white) on a dark background.
// The stripes are horizontal with a period of 4 pixels at every image size (2 rows of colour,
// 2 of near-white): the generator's two stride-2 downsamplings and two x2 upsamplings give it
// a 4-pixel grid, so this period is the one its layers can place most directly, and at the
// demo's 32x32 the stripes stay wide enough to see. Their phase is random per image, so a
// generator must draw them, not copy a fixed mask.
// With stripesOn 'background' (the demo's style, src/cli/commands/demo.ts), B's shapes are flat
// like A's and the stripes run across B's dark background instead: a share of each period
// (backgroundStripeShare) lightened towards white.
// Shapes have the same distribution in both domains, so the only thing to learn is the style.
// Each image is a pure function of (seed, split, domain, index).
import { Rng } from '../random/rng.js';
import type { RgbImage } from './image.js';

export type BuiltinDomain = 'A' | 'B';
type Rgb = [number, number, number];

/** The look of the two domains; the defaults are the dataset's (experiments may vary them). */
export interface BuiltinStyle {
  /** Stripe period in pixels (default 4). */
  stripePeriod: number;
  /** Random stripe phase per image (default true), or phase 0. */
  randomPhase: boolean;
  /** Most shapes per image (default 2). */
  maxShapes: number;
  /** Shape radius range as fractions of the image's smaller side (default [0.2, 0.32]). */
  radius: [number, number];
  /** How far the light stripes go from the shape's colour towards white (default 0.85). */
  stripeLightness: number;
  /** Where B's stripes are: inside the shapes (default) or on the background around them. */
  stripesOn: 'shapes' | 'background';
  /**
   * With stripesOn 'background': the share of each period that is light (default 0.25, so the
   * background stays mostly dark; 0.5 gives bold, even bands), rounded to whole rows.
   */
  backgroundStripeShare: number;
}

export const BUILTIN_STYLE: Readonly<BuiltinStyle> = Object.freeze({
  stripePeriod: 4,
  randomPhase: true,
  maxShapes: 2,
  radius: [0.2, 0.32] as [number, number],
  stripeLightness: 0.85,
  stripesOn: 'shapes' as const,
  backgroundStripeShare: 0.25,
});

interface Shape {
  inside(x: number, y: number): boolean;
  color: Rgb;
}

/** Mixes integers into one 32-bit seed (murmur-style finaliser per word). */
export function mixSeed(...words: number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) {
    for (const part of [w >>> 0, Math.floor(w / 4294967296) >>> 0]) {
      h = Math.imul(h ^ part, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
    }
  }
  return h >>> 0;
}

function hsvToRgb(h: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return 255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

function makeShape(rng: Rng, w: number, h: number, style: BuiltinStyle): Shape {
  const size = Math.min(w, h);
  const [r0, r1] = style.radius;
  const r = (r0 + (r1 - r0) * rng.next()) * size;
  const cx = r + rng.next() * (w - 2 * r);
  const cy = r + rng.next() * (h - 2 * r);
  const angle = rng.next() * 2 * Math.PI;
  const kind = rng.nextInt(3);
  // Saturated and not too dark, so the shape stands out on both backgrounds.
  const color = hsvToRgb(rng.next(), 0.75 + 0.25 * rng.next(), 0.8 + 0.2 * rng.next());
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  if (kind === 0) return { color, inside: (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r };
  if (kind === 1) {
    const half = 0.886 * r; // same area as the circle of radius r
    return {
      color,
      inside: (x, y) => {
        const dx = x - cx;
        const dy = y - cy;
        return Math.abs(dx * cos + dy * sin) <= half && Math.abs(dy * cos - dx * sin) <= half;
      },
    };
  }
  const R = 1.3 * r; // equilateral triangle's circumradius
  const vx = [0, 1, 2].map((k) => cx + R * Math.cos(angle + (2 * Math.PI * k) / 3));
  const vy = [0, 1, 2].map((k) => cy + R * Math.sin(angle + (2 * Math.PI * k) / 3));
  return {
    color,
    inside: (x, y) => {
      // Counter-clockwise vertices: inside when left of (or on) every edge.
      for (let k = 0; k < 3; k++) {
        const j = (k + 1) % 3;
        if ((vx[j] - vx[k]) * (y - vy[k]) - (vy[j] - vy[k]) * (x - vx[k]) < 0) return false;
      }
      return true;
    },
  };
}

/** Renders one image of a domain, 2x2 supersampled so shape edges are antialiased. */
export function drawBuiltinImage(
  seed: number,
  split: 'train' | 'test',
  domain: BuiltinDomain,
  index: number,
  width: number,
  height: number,
  style: BuiltinStyle = BUILTIN_STYLE,
): RgbImage {
  const rng = new Rng(mixSeed(seed, split === 'train' ? 1 : 2, domain === 'A' ? 0xa : 0xb, index));
  const striped = domain === 'B';
  // Light background for A, dark for B, each with a slight random tint.
  const base = striped ? 20 + 20 * rng.next() : 220 + 25 * rng.next();
  const bg: Rgb = [0, 1, 2].map(() => base + (rng.next() - 0.5) * 16) as Rgb;
  const shapes = Array.from({ length: 1 + rng.nextInt(style.maxShapes) }, () => makeShape(rng, width, height, style));
  const period = style.stripePeriod;
  // Whole-pixel phase, so every stripe covers whole rows (sharp at any size).
  const phase = style.randomPhase ? rng.nextInt(period) : 0;
  const light = shapes.map((s) => s.color.map((c) => c + style.stripeLightness * (255 - c)) as Rgb);
  const onBackground = striped && style.stripesOn === 'background';
  const onShapes = striped && !onBackground;
  const bgLight = bg.map((c) => c + style.stripeLightness * (255 - c)) as Rgb;
  // Background stripes: backgroundStripeShare of each period light, at least one row.
  const bgLightRows = Math.min(period - 1, Math.max(1, Math.round(period * style.backgroundStripeShare)));

  const out = new Uint8Array(width * height * 3);
  const acc: Rgb = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    // Horizontal stripes: the first half of each period in the shape's colour, the rest light.
    const lightRow = (y + phase) % period >= period / 2;
    const lightBgRow = onBackground && (y + phase) % period < bgLightRows;
    const rowBg = lightBgRow ? bgLight : bg;
    for (let x = 0; x < width; x++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0.25; sy < 1; sy += 0.5) {
        for (let sx = 0.25; sx < 1; sx += 0.5) {
          const px = x + sx;
          const py = y + sy;
          let col = rowBg;
          for (let k = shapes.length - 1; k >= 0; k--) {
            if (!shapes[k].inside(px, py)) continue;
            col = onShapes && lightRow ? light[k] : shapes[k].color;
            break; // the last-drawn shape is on top
          }
          acc[0] += col[0];
          acc[1] += col[1];
          acc[2] += col[2];
        }
      }
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.min(255, Math.max(0, Math.round(acc[c] / 4)));
    }
  }
  return { data: out, width, height };
}
