// A generator read as a list of steps whose geometry is known, so that it can run on a tile
// of an image: which rows and columns of a tile's activations are exact (their receptive field
// lies inside the tile or on the image's real border), how large the halo around a tile must
// be, the multiple the image sides must have, and what each step costs.
import { CycleGANError } from '../errors.js';
import { ReLU, Tanh, LeakyReLU } from '../nn/activation.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d, ZeroPad2d } from '../nn/padding.js';
import { Sequential } from '../nn/sequential.js';
import { Upsample } from '../nn/upsample.js';
import { ResidualBlock } from '../cyclegan/residual_block.js';
import { fusesWithUpsample } from '../cyclegan/upsample_conv_sequential.js';
import { ResnetBlock } from '../cyclegan/resnet_generator.js';

/** How one step maps one axis (rows or columns) of its input to its output. */
export type AxisOp =
  | { type: 'same' }
  | { type: 'pad'; before: number; after: number }
  | { type: 'conv'; k: number; s: number; p: number }
  | { type: 'convT'; k: number; s: number; p: number; op: number }
  | { type: 'up'; f: number };

export type Step =
  | { kind: 'layer'; module: Module; axes: [AxisOp, AxisOp]; outChannels: number | null; macs: number }
  | { kind: 'norm'; module: InstanceNorm2d; index: number }
  | { kind: 'residual'; body: Step[] };

/**
 * One axis of a tile's tensor in the frame of the current layer: local index 0 is global
 * index `start`; the frame has `full` positions; the first `vt` and last `vb` local positions
 * are not exact (they saw the fake padding of an inner tile side).
 */
export interface AxisState {
  start: number;
  len: number;
  full: number;
  vt: number;
  vb: number;
}

function pair(v: [number, number], axis: number): number {
  return v[axis];
}

function layerStep(m: Module): { axes: [AxisOp, AxisOp]; outChannels: number | null; macs: number } {
  if (m instanceof ReflectionPad2d || m instanceof ZeroPad2d) {
    const [l, r, t, b] = m.padding;
    return { axes: [{ type: 'pad', before: t, after: b }, { type: 'pad', before: l, after: r }], outChannels: null, macs: 0 };
  }
  if (m instanceof Conv2d) {
    const axes = [0, 1].map((a) => ({ type: 'conv', k: pair(m.kernelSize, a), s: pair(m.stride, a), p: pair(m.padding, a) }) as AxisOp) as [AxisOp, AxisOp];
    const macs = (m.kernelSize[0] * m.kernelSize[1] * m.inChannels * m.outChannels) / (m.stride[0] * m.stride[1]);
    return { axes, outChannels: m.outChannels, macs };
  }
  if (m instanceof ConvTranspose2d) {
    const axes = [0, 1].map(
      (a) => ({ type: 'convT', k: pair(m.kernelSize, a), s: pair(m.stride, a), p: pair(m.padding, a), op: pair(m.outputPadding, a) }) as AxisOp,
    ) as [AxisOp, AxisOp];
    return { axes, outChannels: m.outChannels, macs: m.kernelSize[0] * m.kernelSize[1] * m.inChannels * m.outChannels };
  }
  if (m instanceof Upsample) return { axes: [{ type: 'up', f: m.scaleFactor }, { type: 'up', f: m.scaleFactor }], outChannels: null, macs: 0 };
  // Pointwise layers (Dropout is the identity in eval mode, the only mode translation uses).
  if (m instanceof ReLU || m instanceof Tanh || m instanceof LeakyReLU || m instanceof Dropout) return { axes: [{ type: 'same' }, { type: 'same' }], outChannels: null, macs: 0 };
  throw new CycleGANError(`translate: a ${m.constructor.name} layer cannot run in tiles (only pads, convolutions, instance norms, upsampling, residual blocks and pointwise layers can)`);
}

/** The steps of a generator's Sequential, with instance norms numbered in execution order. */
export function planOf(model: Sequential): Step[] {
  let norms = 0;
  const walk = (seq: Iterable<Module>): Step[] => {
    const steps: Step[] = [];
    for (const m of seq) {
      if (m instanceof InstanceNorm2d) steps.push({ kind: 'norm', module: m, index: norms++ });
      else if (m instanceof ResidualBlock) steps.push({ kind: 'residual', body: walk(m.block) });
      else if (m instanceof ResnetBlock) steps.push({ kind: 'residual', body: walk(m.conv_block) });
      else if (m instanceof Sequential) steps.push(...walk(m));
      else steps.push({ kind: 'layer', module: m, ...layerStep(m) });
    }
    return steps;
  };
  return walk(model);
}

export function countNorms(steps: Step[]): number {
  let n = 0;
  for (const s of steps) n += s.kind === 'norm' ? 1 : s.kind === 'residual' ? countNorms(s.body) : 0;
  return n;
}

/** The axis after one step (validity follows the step's receptive field on inner tile sides). */
export function advance(a: AxisState, op: AxisOp): AxisState {
  const innerTop = a.start > 0;
  const innerBottom = a.start + a.len < a.full;
  switch (op.type) {
    case 'same':
      return a;
    case 'pad':
      return {
        start: a.start,
        len: a.len + op.before + op.after,
        full: a.full + op.before + op.after,
        vt: innerTop ? a.vt + op.before : a.vt,
        vb: innerBottom ? a.vb + op.after : a.vb,
      };
    case 'up':
      return { start: a.start * op.f, len: a.len * op.f, full: a.full * op.f, vt: a.vt * op.f, vb: a.vb * op.f };
    case 'conv': {
      if (a.start % op.s !== 0) throw new CycleGANError(`translate: internal error: a tile starts at ${a.start}, off the stride ${op.s} grid`);
      const m = Math.floor((a.len + 2 * op.p - op.k) / op.s) + 1;
      const full = Math.floor((a.full + 2 * op.p - op.k) / op.s) + 1;
      // On an inner side the zero padding is fake: an output is exact when its whole window lies
      // in the exact part. On the image's border the padding is real (and nothing is inexact).
      const vt = innerTop || a.vt > 0 ? Math.ceil((a.vt + op.p) / op.s) : 0;
      const lastValid = Math.floor((a.len - a.vb - op.k + op.p) / op.s);
      const vb = innerBottom || a.vb > 0 ? Math.max(0, m - 1 - lastValid) : 0;
      return { start: a.start / op.s, len: m, full, vt, vb };
    }
    case 'convT': {
      const m = (a.len - 1) * op.s - 2 * op.p + op.k + op.op;
      const full = (a.full - 1) * op.s - 2 * op.p + op.k + op.op;
      const vt = innerTop || a.vt > 0 ? Math.max(0, op.s * (a.vt - 1) + op.k - op.p) : 0;
      const vb = innerBottom || a.vb > 0 ? Math.max(0, m - op.s * (a.len - a.vb) + op.p) : 0;
      return { start: a.start * op.s, len: m, full, vt, vb };
    }
  }
}

/** Where the norms and the output of a tile stand: each norm's axes, by its index. */
export interface TileGeometry {
  norms: [AxisState, AxisState][];
  output: [AxisState, AxisState];
}

/** Runs the geometry of `steps` (no data) from an input tile. */
export function geometryOf(steps: Step[], input: [AxisState, AxisState]): TileGeometry {
  const norms: [AxisState, AxisState][] = [];
  const walk = (list: Step[], at: [AxisState, AxisState]): [AxisState, AxisState] => {
    let cur = at;
    for (const s of list) {
      if (s.kind === 'layer') cur = [advance(cur[0], s.axes[0]), advance(cur[1], s.axes[1])];
      else if (s.kind === 'norm') norms[s.index] = cur;
      else {
        const out = walk(s.body, cur);
        if (out[0].len !== cur[0].len || out[1].len !== cur[1].len || out[0].start !== cur[0].start || out[1].start !== cur[1].start) {
          throw new CycleGANError('translate: a residual block changes the size of its input; it cannot run in tiles');
        }
        cur = [0, 1].map((i) => ({ ...cur[i], vt: Math.max(cur[i].vt, out[i].vt), vb: Math.max(cur[i].vb, out[i].vb) })) as [AxisState, AxisState];
      }
    }
    return cur;
  };
  const output = walk(steps, input);
  return { norms, output };
}

/**
 * The multiple the image sides must have so that every stride divides its input exactly and
 * upsampling restores the size: the product of the strides (4 for the seed's generator).
 */
export function sizeMultiple(steps: Step[]): number {
  let m = 1;
  const walk = (list: Step[]): void => {
    for (const s of list) {
      if (s.kind === 'residual') walk(s.body);
      else if (s.kind === 'layer') {
        const [rows, cols] = s.axes;
        if (rows.type === 'conv' && cols.type === 'conv') m *= Math.max(rows.s, cols.s);
      }
    }
  };
  walk(steps);
  return m;
}

/**
 * The halo (in input pixels, a multiple of `multiple`) a tile needs on each inner side so
 * that every norm's share of the tile and the output's share are exact.
 */
export function haloOf(steps: Step[], multiple: number): number {
  const big = multiple * 4096;
  const axis: AxisState = { start: big, len: big, full: big * 4, vt: 0, vb: 0 };
  const g = geometryOf(steps, [axis, axis]);
  let halo = 0;
  // g.norms is indexed by norm number: a segment's list has holes where other segments' norms are.
  for (const [a] of [...g.norms.filter((x) => x !== undefined), g.output]) {
    const scale = a.full / axis.full;
    halo = Math.max(halo, Math.ceil(a.vt / scale), Math.ceil(a.vb / scale));
  }
  return Math.ceil(halo / multiple) * multiple;
}

/**
 * Float32 values per input pixel of the largest activation, and the multiply-adds per input
 * pixel. An Upsample followed by a 3x3 convolution that fuses with it has no activation of its
 * own: both run as one upsampleConv2d (src/cyclegan/upsample_conv_sequential.ts, and tiles in
 * ./segment.ts), so the upsampled tensor never exists.
 */
export function activationProfile(steps: Step[], inChannels: number): { floatsPerPixel: number; macsPerPixel: number; macsToNorm: number[] } {
  let channels = inChannels;
  let scale = 1;
  let largest = inChannels;
  let macs = 0;
  const macsToNorm: number[] = [];
  const walk = (list: Step[]): void => {
    for (const [i, s] of list.entries()) {
      if (s.kind === 'norm') macsToNorm[s.index] = macs;
      else if (s.kind === 'residual') walk(s.body);
      else {
        const a = s.axes[0];
        if (a.type === 'conv') scale /= a.s * a.s;
        if (a.type === 'convT') scale *= a.s * a.s;
        if (a.type === 'up') scale *= a.f * a.f;
        macs += s.macs * (a.type === 'conv' ? scale * a.s * a.s : a.type === 'convT' ? scale / (a.s * a.s) : scale);
        if (s.outChannels !== null) channels = s.outChannels;
        const next = list[i + 1];
        const fused = s.module instanceof Upsample && next?.kind === 'layer' && fusesWithUpsample(s.module, next.module);
        if (!fused) largest = Math.max(largest, channels * scale);
      }
    }
  };
  walk(steps);
  return { floatsPerPixel: largest, macsPerPixel: macs, macsToNorm };
}

/**
 * Peak bytes of a forward pass, in units of its largest activation: the layer's input and
 * output and the convolution's workspace. Measured on the WASM backend with
 * bench/translate_memory.mjs, untiled forwards of the seed's generator (largest activation 64
 * floats a pixel, the full-size one after the fused upsampling): 600x452 grew the heap to 436
 * MiB, 1000x752 to 817 MiB, 1200x900 to 1083 MiB, about 0.82 KiB a pixel (3.2 activations)
 * over some 220 MiB of weights and buffers.
 */
export const PEAK_ACTIVATIONS = 4;

/** The channels after `steps` run on `inChannels` (the last layer that sets them). */
export function channelsAfter(steps: Step[], inChannels: number): number {
  let c = inChannels;
  for (const s of steps) {
    if (s.kind === 'layer' && s.outChannels !== null) c = s.outChannels;
    else if (s.kind === 'residual') c = channelsAfter(s.body, c);
  }
  return c;
}

/** Floats per input pixel of the activation before each top-level step and after the last. */
function activationsAt(steps: Step[], inChannels: number): number[] {
  let channels = inChannels;
  let scale = 1;
  const out = [channels];
  for (const s of steps) {
    if (s.kind === 'layer') {
      const a = s.axes[0];
      if (a.type === 'conv') scale /= a.s * a.s;
      if (a.type === 'convT') scale *= a.s * a.s;
      if (a.type === 'up') scale *= a.f * a.f;
      if (s.outChannels !== null) channels = s.outChannels;
    }
    out.push(channels * scale);
  }
  return out;
}

/**
 * The stored schedule's split of a generator's top-level steps: `front` runs from the image to
 * the checkpoint, whose whole-image activation is kept; `blocks` are the residual steps that
 * follow it, each run over the kept activation in place; `back` runs from it to the output.
 * The checkpoint is the start of a run of top-level residual blocks, the one whose activation
 * is smallest (the seed's generator: after the two stride-2 convolutions, 256 channels at a
 * quarter of each side, 16 floats per input pixel). Null when there is no residual block.
 */
export function splitAtCheckpoint(steps: Step[], inChannels: number): { front: Step[]; blocks: Step[]; back: Step[] } | null {
  const sizes = activationsAt(steps, inChannels);
  let best = -1;
  for (let p = 0; p < steps.length; p++) {
    const startsRun = steps[p].kind === 'residual' && (p === 0 || steps[p - 1].kind !== 'residual');
    if (startsRun && (best < 0 || sizes[p] < sizes[best])) best = p;
  }
  if (best < 0) return null;
  let end = best;
  while (end < steps.length && steps[end].kind === 'residual') end++;
  return { front: steps.slice(0, best), blocks: steps.slice(best, end), back: steps.slice(end) };
}
