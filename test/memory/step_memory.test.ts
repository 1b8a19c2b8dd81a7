// The training step's memory: what its peak may be, computed from the networks' activation
// sizes, and that every step gives back what it took (no leak).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { ResidualBlock } from '../../src/cyclegan/residual_block.js';
import { Conv2d } from '../../src/nn/conv.js';
import { InstanceNorm2d } from '../../src/nn/norm.js';
import { LeakyReLU, ReLU, Tanh } from '../../src/nn/activation.js';
import type { Module } from '../../src/nn/module.js';
import type { Sequential } from '../../src/nn/sequential.js';
import type { Tensor } from '../../src/tensor.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3 });
});
afterAll(() => engine.dispose());

const SIZE = 32;
const BATCH = 2;
const BLOCKS = 2;

interface Activations {
  /** Bytes of every layer's output in one forward: what a graph that keeps everything holds. */
  all: number;
  /** Bytes a backward needs: a conv's or InstanceNorm's input, an activation's output. */
  saved: number;
  /** The same with every residual block recomputed (only its input is kept). */
  savedRecomputed: number;
  largest: number;
}

/** Walks `layers` on x layer by layer (no grad), adding up the sizes of their outputs. */
function walk(layers: Module[], x: Tensor, acc: Activations): Tensor {
  let h = x;
  layers.forEach((layer, i) => {
    const next = layers[i + 1];
    const savedByNext = next instanceof Conv2d || next instanceof InstanceNorm2d;
    let out: Tensor;
    if (layer instanceof ResidualBlock) {
      const inner: Activations = { all: 0, saved: 0, savedRecomputed: 0, largest: 0 };
      const y = walk([...(layer.block as Sequential)], h, inner);
      out = engine.noGrad(() => layer.forward(h));
      y.dispose();
      acc.all += inner.all + out.size * 4;
      acc.saved += inner.saved;
      acc.savedRecomputed += h.size * 4;
      acc.largest = Math.max(acc.largest, inner.largest);
    } else {
      out = engine.noGrad(() => layer.forward(h));
      const bytes = out.size * 4;
      const saved = savedByNext || layer instanceof ReLU || layer instanceof Tanh || layer instanceof LeakyReLU ? bytes : 0;
      acc.all += bytes;
      acc.saved += saved;
      acc.savedRecomputed += saved;
      acc.largest = Math.max(acc.largest, bytes);
    }
    if (h !== x) h.dispose();
    h = out;
  });
  return h;
}

function activations(net: { model: Sequential }, x: Tensor): Activations {
  const acc: Activations = { all: 0, saved: 0, savedRecomputed: 0, largest: 0 };
  walk([...net.model], x, acc).dispose();
  return acc;
}

async function stepPeak(recompute: 'residual' | 'none') {
  // A replay buffer of 1 image is full after the first step, so later steps add nothing to it.
  const t = new CycleGANTrainer(engine, { imgHeight: SIZE, imgWidth: SIZE, nResidualBlocks: BLOCKS, batchSize: BATCH, bufferSize: 1, seed: 1, recompute });
  const a = engine.randn([BATCH, 3, SIZE, SIZE], { seed: 1, std: 0.5 });
  const b = engine.randn([BATCH, 3, SIZE, SIZE], { seed: 2, std: 0.5 });
  await t.step(a, b); // creates the gradients and Adam's moments
  const before = engine.memory();
  engine.resetPeakMemory();
  await t.step(a, b);
  const after = engine.memory();
  const peakExtra = after.backends.wasm!.peakLiveBytes! - before.backends.wasm!.liveBytes;
  await t.step(a, b);
  const third = engine.memory();
  const G = activations(t.G_AB, a);
  const D = activations(t.D_A, a);
  const biggestParam = Math.max(...[t.G_AB, t.D_A].flatMap((n) => n.parameters()).map((p) => p.size * 4));
  for (const x of [a, b]) x.dispose();
  t.dispose();
  return { before, after, third, peakExtra, G, D, biggestParam };
}

describe('the training step', () => {
  it('keeps only what backward needs: its peak over the live bytes at rest is bounded by the saved activations', async () => {
    for (const mode of ['none', 'residual'] as const) {
      const r = await stepPeak(mode);
      const savedG = mode === 'none' ? r.G.saved : r.G.savedRecomputed;
      // Six generator passes (identity, fake, cycle for each direction) and two discriminator
      // passes whose input needs a gradient; beside them, the gradients on their way back
      // (a few activations), a parameter's gradient being summed and the conv workspaces.
      const bound = 6 * savedG + 2 * r.D.saved + 2 * r.G.largest + 2 * r.biggestParam;
      // What a graph keeping every activation holds at the start of the generators' backward.
      const keptAll = 6 * r.G.all + 2 * r.D.all;
      const mib = (v: number): string => (v / 2 ** 20).toFixed(1);
      console.log(`${mode}: peak over rest ${mib(r.peakExtra)} MiB, bound ${mib(bound)} (G saved ${mib(savedG)} x 6, D ${mib(r.D.saved)} x 2, largest ${mib(r.G.largest)}, param ${mib(r.biggestParam)}), all kept ${mib(keptAll)} MiB`);
      expect(r.peakExtra).toBeLessThanOrEqual(bound);
      expect(r.peakExtra).toBeLessThan(keptAll);
      if (mode === 'residual') expect(r.G.savedRecomputed).toBeLessThan(r.G.saved);
    }
  }, 600_000);

  it('gives back all it takes: live tensors and bytes after a step equal those after the step before', async () => {
    const r = await stepPeak('residual');
    expect(r.third.liveTensors).toBe(r.after.liveTensors);
    expect(r.third.liveBytes).toBe(r.after.liveBytes);
    expect(r.after.liveBytes).toBe(r.before.liveBytes);
    // the heap did not grow on the third step: freed blocks were reused
    expect(r.third.backends.wasm!.reservedBytes).toBe(r.after.backends.wasm!.reservedBytes);
  }, 600_000);
});
