// Tiled translation of one image, exact: every tile carries a halo wide enough for the whole
// network's receptive field, and each InstanceNorm uses the statistics of the WHOLE image.
// Those statistics are found in passes: pass k runs every tile up to norm k (normalising the
// earlier norms with their already known whole-image statistics) and adds up the per-channel
// sum and sum of squares of norm k's input over the part of the tile it owns; the last pass
// runs every tile to the end and keeps the part of the output it owns. Peak memory is that of
// one tile; the price is recomputing the early layers once per norm.
import type { Engine } from '../engine.js';
import { CycleGANError } from '../errors.js';
import { add } from '../ops/arithmetic.js';
import type { Tensor } from '../tensor.js';
import { advance, type AxisState, type Step } from './plan.js';

export interface TranslateProgress {
  /** Share of the image's work done, 0..1 (weighted by each pass's multiply-adds). */
  fraction: number;
  /** Tile just finished (1-based) and tiles per pass; 1 of 1 when not tiled. */
  tile: number;
  tiles: number;
  /** Pass just finished (1-based): one per InstanceNorm to gather statistics, then the output pass. */
  pass: number;
  passes: number;
}

/** Per-channel mean and 1/sqrt(var + eps) of a norm's input over the whole image. */
interface NormStats {
  mean: Float64Array;
  invStd: Float64Array;
}

interface Accumulator {
  index: number;
  eps: number;
  sum: Float64Array | null;
  sq: Float64Array | null;
  count: number;
}

interface RunContext {
  engine: Engine;
  stats: NormStats[];
  /** The norm whose input statistics this pass gathers, or null in the output pass. */
  gather: Accumulator | null;
  /** The tile's core (the part it owns) in input pixels: [rows, cols] as [from, to). */
  core: [[number, number], [number, number]];
  inputSize: [number, number];
}

/** Local [from, to) of what a tile owns along one axis of a frame, checked to be exact. */
function owned(a: AxisState, core: [number, number], inputFull: number, what: string): [number, number] {
  const from = (core[0] * a.full) / inputFull - a.start;
  const to = (core[1] * a.full) / inputFull - a.start;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < a.vt || to > a.len - a.vb) {
    throw new CycleGANError(`translate: internal error: the tile halo does not cover ${what} (owned ${from}..${to}, exact ${a.vt}..${a.len - a.vb})`);
  }
  return [from, to];
}

async function normalise(ctx: RunContext, x: Tensor, step: Extract<Step, { kind: 'norm' }>, at: [AxisState, AxisState]): Promise<Tensor | null> {
  const [, c, h, w] = x.shape;
  const data = await x.data();
  const acc = ctx.gather;
  if (acc && acc.index === step.index) {
    acc.eps = step.module.eps;
    acc.sum ??= new Float64Array(c);
    acc.sq ??= new Float64Array(c);
    const [r0, r1] = owned(at[0], ctx.core[0], ctx.inputSize[0], `norm ${step.index}'s rows`);
    const [c0, c1] = owned(at[1], ctx.core[1], ctx.inputSize[1], `norm ${step.index}'s columns`);
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      let q = 0;
      for (let r = r0; r < r1; r++) {
        const row = ch * h * w + r * w;
        for (let k = row + c0; k < row + c1; k++) {
          const v = data[k];
          s += v;
          q += v * v;
        }
      }
      acc.sum[ch] += s;
      acc.sq![ch] += q;
    }
    acc.count += (r1 - r0) * (c1 - c0);
    return null;
  }
  const st = ctx.stats[step.index];
  const m = step.module;
  const weight = m.weight ? await m.weight.data() : null;
  const bias = m.bias ? await m.bias.data() : null;
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    const scale = st.invStd[ch] * (weight ? weight[ch] : 1);
    const shift = (bias ? bias[ch] : 0) - st.mean[ch] * scale;
    const base = ch * plane;
    for (let k = base; k < base + plane; k++) out[k] = data[k] * scale + shift;
  }
  return ctx.engine.tensor(out, x.shape);
}

/**
 * Runs `steps` on a tile tensor. Returns the result and its axes, or null when the pass stopped
 * at the norm it gathers. Never disposes `x` (the caller's); disposes what it made.
 */
async function runSteps(ctx: RunContext, steps: Step[], x: Tensor, at: [AxisState, AxisState]): Promise<{ y: Tensor; at: [AxisState, AxisState] } | null> {
  let h = x;
  let axes = at;
  const drop = (t: Tensor): void => {
    if (t !== x) t.dispose();
  };
  try {
    for (const step of steps) {
      let next: Tensor | null;
      if (step.kind === 'layer') {
        const cur = h;
        next = ctx.engine.noGrad(() => step.module.forward(cur));
        axes = [advance(axes[0], step.axes[0]), advance(axes[1], step.axes[1])];
      } else if (step.kind === 'norm') {
        next = await normalise(ctx, h, step, axes);
        if (next === null) {
          drop(h);
          return null;
        }
      } else {
        const body = await runSteps(ctx, step.body, h, axes);
        if (body === null) {
          drop(h);
          return null;
        }
        const cur = h;
        next = ctx.engine.noGrad(() => add(cur, body.y));
        body.y.dispose();
        axes = [0, 1].map((i) => ({ ...axes[i], vt: Math.max(axes[i].vt, body.at[i].vt), vb: Math.max(axes[i].vb, body.at[i].vb) })) as [AxisState, AxisState];
      }
      drop(h);
      h = next;
    }
  } catch (e) {
    drop(h);
    throw e;
  }
  return { y: h, at: axes };
}

export interface TiledImage {
  /** [C, H, W] values of one image, H and W multiples of the network's size multiple. */
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

export interface TiledPlan {
  steps: Step[];
  norms: number;
  halo: number;
  tileSize: number;
  macsToNorm: number[];
  macsPerPixel: number;
}

function cores(size: number, tile: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < size; a += tile) out.push([a, Math.min(size, a + tile)]);
  return out;
}

/** Translates one image in tiles; returns [outC, H, W] values. */
export async function translateTiled(
  engine: Engine,
  plan: TiledPlan,
  image: TiledImage,
  onProgress?: (p: TranslateProgress) => void,
): Promise<{ data: Float32Array; channels: number }> {
  const { height: H, width: W, channels: C } = image;
  const tiles: { core: [[number, number], [number, number]]; rows: [number, number]; cols: [number, number] }[] = [];
  for (const r of cores(H, plan.tileSize)) {
    for (const c of cores(W, plan.tileSize)) {
      tiles.push({ core: [r, c], rows: [Math.max(0, r[0] - plan.halo), Math.min(H, r[1] + plan.halo)], cols: [Math.max(0, c[0] - plan.halo), Math.min(W, c[1] + plan.halo)] });
    }
  }
  const passes = plan.norms + 1;
  const pixelsOf = (t: (typeof tiles)[number]): number => (t.rows[1] - t.rows[0]) * (t.cols[1] - t.cols[0]);
  const passCost = (p: number): number => (p < plan.norms ? plan.macsToNorm[p] : plan.macsPerPixel) + 1;
  let total = 0;
  for (let p = 0; p < passes; p++) for (const t of tiles) total += passCost(p) * pixelsOf(t);
  let done = 0;

  const stats: NormStats[] = [];
  let output: Float32Array | null = null;
  let outC = 0;
  for (let pass = 0; pass < passes; pass++) {
    const gathering = pass < plan.norms;
    const acc: Accumulator | null = gathering ? { index: pass, eps: 0, sum: null, sq: null, count: 0 } : null;
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti];
      const [y0, y1] = t.rows;
      const [x0, x1] = t.cols;
      const th = y1 - y0;
      const tw = x1 - x0;
      const tileData = new Float32Array(C * th * tw);
      for (let ch = 0; ch < C; ch++) {
        for (let r = 0; r < th; r++) {
          const src = ch * H * W + (y0 + r) * W + x0;
          tileData.set(image.data.subarray(src, src + tw), ch * th * tw + r * tw);
        }
      }
      const x = engine.tensor(tileData, [1, C, th, tw]);
      const at: [AxisState, AxisState] = [
        { start: y0, len: th, full: H, vt: 0, vb: 0 },
        { start: x0, len: tw, full: W, vt: 0, vb: 0 },
      ];
      const ctx: RunContext = { engine, stats, gather: acc, core: t.core, inputSize: [H, W] };
      let result;
      try {
        result = await runSteps(ctx, plan.steps, x, at);
      } finally {
        x.dispose();
      }
      if (!gathering) {
        if (!result) throw new CycleGANError('translate: internal error: the output pass stopped early');
        const { y, at: oat } = result;
        try {
          const [, oc, oh, ow] = y.shape;
          const [r0, r1] = owned(oat[0], t.core[0], H, 'the output rows');
          const [c0, c1] = owned(oat[1], t.core[1], W, 'the output columns');
          if (oat[0].full !== H || oat[1].full !== W) throw new CycleGANError(`translate: the network's output is ${oat[1].full}x${oat[0].full}, not its input's ${W}x${H}`);
          outC = oc;
          output ??= new Float32Array(oc * H * W);
          const yd = await y.data();
          for (let ch = 0; ch < oc; ch++) {
            for (let r = r0; r < r1; r++) {
              const src = ch * oh * ow + r * ow;
              output.set(yd.subarray(src + c0, src + c1), ch * H * W + (t.core[0][0] + r - r0) * W + t.core[1][0]);
            }
          }
        } finally {
          y.dispose();
        }
      } else if (result) {
        result.y.dispose();
        throw new CycleGANError(`translate: internal error: pass ${pass + 1} never reached norm ${pass}`);
      }
      done += passCost(pass) * pixelsOf(t);
      onProgress?.({ fraction: done / total, tile: ti + 1, tiles: tiles.length, pass: pass + 1, passes });
    }
    if (acc) {
      // InstanceNorm's biased variance over the whole image, accumulated in float64.
      const n = acc.count;
      const sum = acc.sum!;
      const sq = acc.sq!;
      const channels = sum.length;
      const mean = new Float64Array(channels);
      const invStd = new Float64Array(channels);
      for (let ch = 0; ch < channels; ch++) {
        mean[ch] = sum[ch] / n;
        const variance = Math.max(0, sq[ch] / n - mean[ch] * mean[ch]);
        invStd[ch] = 1 / Math.sqrt(variance + acc.eps);
      }
      stats[pass] = { mean, invStd };
    }
  }
  return { data: output!, channels: outC };
}
