// The Node side of the browser parity tests: the inputs (drawn here, deterministically, and
// sent to the page) and the same run done in this thread with the in-thread API, which is
// what the page's worker results are measured against.
import {
  builtinDataset,
  createEngine,
  CycleGANTrainer,
  GeneratorResNet,
  loadWeights,
  Rng,
  type Engine,
  type StepLosses,
} from '../../src/index.js';
import { enableRelaxedSimd } from '../helpers/relaxed_simd.js';

/** Small enough for SwiftShader: one WebGPU step at this size takes minutes there. */
export const TRAINER_OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 2, seed: 7 } as const;
export const STEPS = 3;
const PLANE = 3 * TRAINER_OPTIONS.imgHeight * TRAINER_OPTIONS.imgWidth;
const SHAPE = [1, 3, TRAINER_OPTIONS.imgHeight, TRAINER_OPTIONS.imgWidth];

/** One batch of one image per domain, NCHW [1, 3, 32, 32] in [-1, 1], as plain arrays for page.evaluate. */
export interface Batch {
  A: number[];
  B: number[];
}

export interface ParityInputs {
  batches: Batch[];
  /** The image translated AtoB after training. */
  image: number[];
}

export interface ParityResult {
  /** The translation of `image` by G_AB as initialised, before any step. */
  initialOutput: number[];
  losses: StepLosses[];
  /** The translation of `image` after the steps, NCHW [1, 3, 32, 32]. */
  output: number[];
}

/**
 * Real images from the built-in dataset (not noise: the losses then move like in training),
 * picked by a seeded Rng; the translated image comes from the disjoint 'test' stream.
 */
export function parityInputs(seed = 11): ParityInputs {
  const size = { imgHeight: TRAINER_OPTIONS.imgHeight, imgWidth: TRAINER_OPTIONS.imgWidth };
  const train = builtinDataset({ seed, size: 16, ...size });
  const test = builtinDataset({ seed, size: 4, mode: 'test', ...size });
  const rng = new Rng(seed);
  const batches: Batch[] = [];
  for (let i = 0; i < STEPS; i++) {
    const pair = train.get(rng.nextInt(train.length), rng);
    if (pair instanceof Promise) throw new Error('the built-in dataset is synchronous');
    batches.push({ A: Array.from(pair.A), B: Array.from(pair.B) });
  }
  const t = test.get(0, rng);
  if (t instanceof Promise) throw new Error('the built-in dataset is synchronous');
  for (const b of batches) if (b.A.length !== PLANE || b.B.length !== PLANE) throw new Error('unexpected sample size');
  return { batches, image: Array.from(t.A) };
}

/**
 * A WASM engine on the build a page's engine picks by default: Chromium validates relaxed SIMD,
 * whose fused multiply-adds round differently from the plain SIMD build, so Node's reference
 * runs the relaxed build too (V8's flag turned on for this process where Node ships it off).
 */
export async function referenceEngine(): Promise<Engine> {
  const why = await enableRelaxedSimd();
  if (why) throw new Error(`the Node reference needs the relaxed-SIMD build that Chromium runs: ${why}`);
  return createEngine({ backend: 'wasm', wasm: { relaxedSimd: true } });
}

/**
 * The run the page does in its worker, here in this thread on WASM. With `perturb`, every
 * initial weight is first scaled by 1 +- perturb.rel (random signs from perturb.seed): a
 * rounding-sized change, to measure how far the training loop itself carries one.
 */
export async function referenceRun(inputs: ParityInputs, perturb?: { seed: number; rel: number }): Promise<ParityResult> {
  const engine = await referenceEngine();
  try {
    const trainer = new CycleGANTrainer(engine, TRAINER_OPTIONS);
    if (perturb) perturbWeights(trainer, perturb.seed, perturb.rel);
    const translate = async () => {
      const x = engine.tensor(Float32Array.from(inputs.image), SHAPE);
      const y = await trainer.translate(x, 'AtoB');
      const out = Array.from(await y.data());
      x.dispose();
      y.dispose();
      return out;
    };
    const initialOutput = await translate();
    const losses: StepLosses[] = [];
    for (const b of inputs.batches) {
      const a = engine.tensor(Float32Array.from(b.A), SHAPE);
      const bb = engine.tensor(Float32Array.from(b.B), SHAPE);
      losses.push(await trainer.step(a, bb));
      a.dispose();
      bb.dispose();
    }
    const output = await translate();
    trainer.dispose();
    return { initialOutput, losses, output };
  } finally {
    engine.dispose();
  }
}

function perturbWeights(trainer: CycleGANTrainer, seed: number, rel: number): void {
  const rng = new Rng(seed);
  for (const net of [trainer.G_AB, trainer.G_BA, trainer.D_A, trainer.D_B]) {
    const state: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const [key, t] of Object.entries(net.stateDict())) {
      state[key] = { data: Float32Array.from(t.dataSync(), (v) => v * (1 + (rng.next() < 0.5 ? -rel : rel))), shape: [...t.shape] };
    }
    net.loadStateDict(state);
  }
}

/** What a generator with these weights (a safetensors file from the page) makes of `image`, on WASM here. */
export async function translateWith(weights: Uint8Array, image: number[]): Promise<number[]> {
  const engine: Engine = await referenceEngine();
  try {
    const G = new GeneratorResNet(engine, [3, TRAINER_OPTIONS.imgHeight, TRAINER_OPTIONS.imgWidth], TRAINER_OPTIONS.nResidualBlocks);
    G.loadStateDict((await loadWeights(weights)).tensors);
    G.eval();
    const y = engine.noGrad(() => G.forward(engine.tensor(Float32Array.from(image), SHAPE)));
    return Array.from(await y.data());
  } finally {
    engine.dispose();
  }
}

export const LOSS_KEYS = ['lossD', 'lossG', 'lossGAN', 'lossCycle', 'lossIdentity'] as const;

/** The losses of every step as one vector, so the metric of docs/design.md covers them all at once. */
export function lossVector(losses: StepLosses[]): number[] {
  return losses.flatMap((l) => LOSS_KEYS.map((k) => l[k]));
}

/** max|ours - ref| / (max|ref| + 1e-6): the metric of docs/design.md ("The numbers that define correct"). */
export function relErr(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (ours.length !== ref.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    // A NaN must fail the check, and Math.max would hide it.
    num = Number.isNaN(d) ? Infinity : Math.max(num, d);
    den = Math.max(den, Math.abs(ref[i]));
  }
  return num / (den + 1e-6);
}
