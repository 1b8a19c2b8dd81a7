// One segment of a generator's steps run in tiles from a whole-image source activation to a
// whole-image sink, exactly: every tile carries a halo wide enough for the segment's receptive
// field, and each InstanceNorm in the segment uses the statistics of the WHOLE image. Those are
// found in passes: pass k runs every tile up to the segment's k-th norm (normalising earlier
// norms with their already known whole-image statistics) and adds up the per-channel sum and
// sum of squares of that norm's input over the part of the tile it owns; the last pass runs
// every tile to the end and writes the part of the output it owns. Peak memory is that of one
// tile; the price is recomputing the segment's early layers once per norm.
//
// In place (a residual block over the stored activation, ./stored.ts): source and sink are the
// same activation, tiles are full-width row bands taken top to bottom, and a band's output is
// written only after the next band has read its rows (its halo reaches into this band), so the
// one whole-image buffer is never read after it was overwritten.
import type { Engine } from '../engine.js';
import { CycleGANError } from '../errors.js';
import { add } from '../ops/arithmetic.js';
import { upsampleConv2d } from '../ops/upsample_conv2d.js';
import { Upsample } from '../nn/upsample.js';
import { fusesWithUpsample } from '../cyclegan/upsample_conv_sequential.js';
import type { Tensor } from '../tensor.js';
import { advance, type AxisState, type Step } from './plan.js';
import type { Planes } from './store.js';

/** Per-channel mean and 1/sqrt(var + eps) of a norm's input over the whole image. */
export interface NormStats {
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
  /** The tile's core (the part it owns) in source pixels: [rows, cols] as [from, to). */
  core: [[number, number], [number, number]];
  sourceSize: [number, number];
}

/** Local [from, to) of what a tile owns along one axis of a frame, checked to be exact. */
function owned(a: AxisState, core: [number, number], sourceFull: number, what: string): [number, number] {
  const from = (core[0] * a.full) / sourceFull - a.start;
  const to = (core[1] * a.full) / sourceFull - a.start;
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
    const [r0, r1] = owned(at[0], ctx.core[0], ctx.sourceSize[0], `norm ${step.index}'s rows`);
    const [c0, c1] = owned(at[1], ctx.core[1], ctx.sourceSize[1], `norm ${step.index}'s columns`);
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
  if (!st) throw new CycleGANError(`translate: internal error: norm ${step.index} is used before its statistics were gathered`);
  const m = step.module;
  const weight = m.weight ? await m.weight.data() : null;
  const bias = m.bias ? await m.bias.data() : null;
  // In place in the host copy (one large array per norm rather than two: a front tile's is
  // about 100 MiB with the default budget).
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    const scale = st.invStd[ch] * (weight ? weight[ch] : 1);
    const shift = (bias ? bias[ch] : 0) - st.mean[ch] * scale;
    const base = ch * plane;
    for (let k = base; k < base + plane; k++) data[k] = data[k] * scale + shift;
  }
  return ctx.engine.tensor(data, x.shape);
}

type Axes = [AxisState, AxisState];

/**
 * Runs `steps` on a tile tensor. Returns the result and its axes, or null when the pass stopped
 * at the norm it gathers. Never disposes `x` (the caller's); disposes what it made. An Upsample
 * directly followed by a fusable 3x3 convolution runs as one upsampleConv2d, as the untiled
 * GeneratorResNet does (src/cyclegan/upsample_conv_sequential.ts).
 */
async function runSteps(ctx: RunContext, steps: Step[], x: Tensor, at: Axes): Promise<{ y: Tensor; at: Axes } | null> {
  let h = x;
  let axes = at;
  const drop = (t: Tensor): void => {
    if (t !== x) t.dispose();
  };
  try {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      let next: Tensor | null;
      if (step.kind === 'layer') {
        const cur = h;
        const following = steps[i + 1];
        const conv = following?.kind === 'layer' ? following.module : undefined;
        if (step.module instanceof Upsample && fusesWithUpsample(step.module, conv)) {
          next = ctx.engine.noGrad(() => upsampleConv2d(cur, conv.weight, conv.bias, { scale: 2, padding: 1 }));
          for (const s of [step, following as Extract<Step, { kind: 'layer' }>]) axes = [advance(axes[0], s.axes[0]), advance(axes[1], s.axes[1])];
          i++;
        } else {
          next = ctx.engine.noGrad(() => step.module.forward(cur));
          axes = [advance(axes[0], step.axes[0]), advance(axes[1], step.axes[1])];
        }
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
        axes = [0, 1].map((k) => ({ ...axes[k], vt: Math.max(axes[k].vt, body.at[k].vt), vb: Math.max(axes[k].vb, body.at[k].vb) })) as Axes;
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

/** The indices of the norms in `steps`, in execution order. */
export function normIndices(steps: Step[]): number[] {
  const out: number[] = [];
  for (const s of steps) {
    if (s.kind === 'norm') out.push(s.index);
    else if (s.kind === 'residual') out.push(...normIndices(s.body));
  }
  return out;
}

/** A run of steps with its tiling, in the pixels of its source activation. */
export interface Segment {
  /** Shown in errors and reports ('front', 'residual block 3', 'back', 'network'). */
  name: string;
  steps: Step[];
  /** Source pixels a tile needs around its core on each inner side. */
  halo: number;
  /** Core size [rows, cols] in source pixels (cols = the width for row bands). */
  tile: [number, number];
  /** Multiply-adds per source pixel up to each norm (by norm index) and to the end. */
  macsToNorm: number[];
  macsPerPixel: number;
  /** Source and sink are one activation, written by row bands with a one-band lag. */
  inPlace: boolean;
}

export interface TileRect {
  core: [[number, number], [number, number]];
  rows: [number, number];
  cols: [number, number];
}

function cores(size: number, tile: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < size; a += tile) out.push([a, Math.min(size, a + tile)]);
  return out;
}

/** The tiles of a segment over a source of height x width, row-major. */
export function tilesOf(seg: Segment, height: number, width: number): TileRect[] {
  const tiles: TileRect[] = [];
  for (const r of cores(height, seg.tile[0])) {
    for (const c of cores(width, seg.tile[1])) {
      tiles.push({
        core: [r, c],
        rows: [Math.max(0, r[0] - seg.halo), Math.min(height, r[1] + seg.halo)],
        cols: [Math.max(0, c[0] - seg.halo), Math.min(width, c[1] + seg.halo)],
      });
    }
  }
  if (seg.inPlace) {
    const rowsPerBand = seg.tile[0];
    if (seg.tile[1] < width || (tiles.length > 1 && rowsPerBand < seg.halo)) {
      throw new CycleGANError(`translate: internal error: ${seg.name} runs in place but its tiles are not full-width bands of at least ${seg.halo} rows`);
    }
  }
  return tiles;
}

/** The multiply-adds of each pass of a segment over its tiles (the progress's weights). */
export function passCosts(seg: Segment, tiles: TileRect[]): number[] {
  const pixels = tiles.reduce((s, t) => s + (t.rows[1] - t.rows[0]) * (t.cols[1] - t.cols[0]), 0);
  const norms = normIndices(seg.steps);
  return [...norms.map((n) => seg.macsToNorm[n]), seg.macsPerPixel].map((m) => (m + 1) * pixels);
}

export interface PassProgress {
  /** Called after each tile with its 1-based number, the tile count, and the multiply-adds it cost. */
  tileDone(tile: number, tiles: number, cost: number): void;
  /** Called when a pass starts. */
  passStarted(): void;
}

function finishStats(acc: Accumulator): NormStats {
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
  return { mean, invStd };
}

/**
 * Runs a segment from `source` to `sink` (the same object when seg.inPlace), filling in the
 * statistics of its norms in `stats`.
 */
export async function runSegment(engine: Engine, seg: Segment, source: Planes, sink: Planes, stats: NormStats[], progress: PassProgress): Promise<void> {
  const H = source.height;
  const W = source.width;
  const C = source.channels;
  const tiles = tilesOf(seg, H, W);
  const norms = normIndices(seg.steps);
  const costs = passCosts(seg, tiles);
  const totalPixels = tiles.reduce((s, t) => s + (t.rows[1] - t.rows[0]) * (t.cols[1] - t.cols[0]), 0);
  if (seg.inPlace && source !== sink) throw new CycleGANError(`translate: internal error: ${seg.name} runs in place on two activations`);
  for (let pass = 0; pass <= norms.length; pass++) {
    progress.passStarted();
    const gathering = pass < norms.length;
    const acc: Accumulator | null = gathering ? { index: norms[pass], eps: 0, sum: null, sq: null, count: 0 } : null;
    let pending: { rows: [number, number]; cols: [number, number]; data: Float32Array } | null = null;
    const flush = (): void => {
      if (pending) sink.write(pending.rows, pending.cols, pending.data);
      pending = null;
    };
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti];
      const th = t.rows[1] - t.rows[0];
      const tw = t.cols[1] - t.cols[0];
      const x = engine.tensor(source.read(t.rows, t.cols), [1, C, th, tw]);
      // This band has read its halo rows: the band above may now be overwritten.
      if (seg.inPlace) flush();
      const at: Axes = [
        { start: t.rows[0], len: th, full: H, vt: 0, vb: 0 },
        { start: t.cols[0], len: tw, full: W, vt: 0, vb: 0 },
      ];
      const ctx: RunContext = { engine, stats, gather: acc, core: t.core, sourceSize: [H, W] };
      let result;
      try {
        result = await runSteps(ctx, seg.steps, x, at);
      } finally {
        x.dispose();
      }
      if (!gathering) {
        if (!result) throw new CycleGANError(`translate: internal error: the output pass of ${seg.name} stopped early`);
        const { y, at: oat } = result;
        try {
          if (oat[0].full !== sink.height || oat[1].full !== sink.width) {
            throw new CycleGANError(`translate: ${seg.name} makes a ${oat[1].full}x${oat[0].full} activation where ${sink.width}x${sink.height} was planned`);
          }
          const [, oc, oh, ow] = y.shape;
          if (oc !== sink.channels) throw new CycleGANError(`translate: ${seg.name} makes ${oc} channels where ${sink.channels} were planned`);
          const [r0, r1] = owned(oat[0], t.core[0], H, 'the output rows');
          const [c0, c1] = owned(oat[1], t.core[1], W, 'the output columns');
          const yd = await y.data();
          const nr = r1 - r0;
          const nc = c1 - c0;
          const part = nr === oh && nc === ow ? yd : new Float32Array(oc * nr * nc);
          if (part !== yd) {
            for (let ch = 0; ch < oc; ch++) {
              for (let r = 0; r < nr; r++) {
                const src = ch * oh * ow + (r0 + r) * ow + c0;
                part.set(yd.subarray(src, src + nc), (ch * nr + r) * nc);
              }
            }
          }
          const rows: [number, number] = [r0 + oat[0].start, r1 + oat[0].start];
          const cols: [number, number] = [c0 + oat[1].start, c1 + oat[1].start];
          if (seg.inPlace) pending = { rows, cols, data: part };
          else sink.write(rows, cols, part);
        } finally {
          y.dispose();
        }
      } else if (result) {
        result.y.dispose();
        throw new CycleGANError(`translate: internal error: a pass of ${seg.name} never reached norm ${norms[pass]}`);
      }
      progress.tileDone(ti + 1, tiles.length, (costs[pass] * th * tw) / totalPixels);
      // A macrotask turn between tiles: the awaits above resolve as microtasks, and a program's
      // signal handlers and timers (the CLI's Ctrl-C) run only between macrotasks.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    flush();
    if (acc) stats[acc.index] = finishStats(acc);
  }
}
