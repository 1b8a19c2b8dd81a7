// Recomputing the residual blocks in backward (options.recompute) changes memory, never results:
// the same losses, weights, gradients and Adam moments bit for bit as keeping the activations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeError, createEngine, mean, mul, type Engine } from '../../src/index.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { ResidualBlock, recomputeResiduals, setResidualRecompute } from '../../src/cyclegan/residual_block.js';
import { initWeightsNormal } from '../../src/cyclegan/init_weights.js';
import type { Tensor } from '../../src/tensor.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3 });
});
afterAll(() => engine.dispose());

/** Every value of every tensor, as raw bits (so -0 and NaN payloads count too). */
async function bits(tensors: (Tensor | null)[]): Promise<Uint32Array[]> {
  const out: Uint32Array[] = [];
  for (const t of tensors) out.push(t ? new Uint32Array((await t.data()).buffer) : new Uint32Array(0));
  return out;
}

/** Index of the first differing element, -1 when a and b are equal bit for bit (toEqual on millions of elements is slow). */
function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

async function trainTwoSteps(recompute: 'residual' | 'none') {
  const t = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 2, batchSize: 1, nEpochs: 1, decayEpoch: 0, seed: 5, recompute });
  const losses = [];
  for (let k = 0; k < 2; k++) {
    const a = engine.randn([1, 3, 32, 32], { seed: 10 + k, std: 0.5 });
    const b = engine.randn([1, 3, 32, 32], { seed: 20 + k, std: 0.5 });
    losses.push(await t.step(a, b));
    a.dispose();
    b.dispose();
  }
  const params = [t.G_AB, t.G_BA, t.D_A, t.D_B].flatMap((n) => n.parameters());
  const state = await bits([...params, ...params.map((p) => p.grad)]);
  const moments = await bits(t.optimizerG.params.flatMap((p) => [t.optimizerG.stateOf(p)!.expAvg, t.optimizerG.stateOf(p)!.expAvgSq]));
  const blocks = t.G_AB.modules().filter((m) => m instanceof ResidualBlock) as ResidualBlock[];
  const flags = blocks.map((b) => b.recompute);
  t.dispose();
  return { losses, state, moments, flags };
}

describe('recomputing the residual blocks in backward', () => {
  it('gives the same losses, weights and gradients bit for bit after 2 steps at 32x32', async () => {
    const kept = await trainTwoSteps('none');
    const recomputed = await trainTwoSteps('residual');
    expect(kept.flags).toEqual([false, false]);
    expect(recomputed.flags).toEqual([true, true]);
    expect(recomputed.losses).toEqual(kept.losses);
    expect(recomputed.state.length).toBe(kept.state.length);
    expect(recomputed.state.map((s, i) => firstDifference(s, kept.state[i])).filter((d) => d !== -1)).toEqual([]);
    expect(recomputed.moments.map((s, i) => firstDifference(s, kept.moments[i])).filter((d) => d !== -1)).toEqual([]);
  }, 600_000);

  it('a block alone: same output, input gradient and parameter gradients, also accumulating into existing .grad', async () => {
    const block = new ResidualBlock(engine, 8);
    initWeightsNormal(block, { seed: 4 });
    const run = async (on: boolean) => {
      setResidualRecompute(block, on);
      for (const p of block.parameters()) p.zeroGrad();
      const x = engine.randn([2, 8, 6, 6], { seed: 9, requiresGrad: true });
      const w = engine.randn([2, 8, 6, 6], { seed: 10 });
      // two uses of the block (like G_AB's three passes) and a second backward into the same .grad
      for (let k = 0; k < 2; k++) {
        engine.tidy(() => {
          const y = block.forward(block.forward(x));
          mean(mul(y, w)).backward();
        });
      }
      const out = engine.noGrad(() => block.forward(x));
      const r = await bits([out, x.grad, ...block.parameters().map((p) => p.grad)]);
      for (const t of [x, w, out]) t.dispose();
      return r;
    };
    const kept = await run(false);
    const recomputed = await run(true);
    expect(recomputed.map((s, i) => firstDifference(s, kept[i]))).toEqual(kept.map(() => -1));
    block.dispose();
  });

  it("'auto' recomputes where the kept activations would pass 512 MiB (256x256 with 9 blocks), not at 128x128", () => {
    expect(recomputeResiduals('auto', 1, 256, 256, 9)).toBe(true);
    expect(recomputeResiduals('auto', 1, 256, 256, 6)).toBe(true);
    expect(recomputeResiduals('auto', 1, 128, 128, 9)).toBe(false);
    expect(recomputeResiduals('auto', 4, 128, 128, 9)).toBe(true);
    expect(recomputeResiduals('none', 8, 512, 512, 9)).toBe(false);
    expect(recomputeResiduals('residual', 1, 32, 32, 1)).toBe(true);
    const t = new CycleGANTrainer(engine); // the reference's defaults: 256x256, 9 blocks, batch 1
    expect((t.G_BA.modules().find((m) => m instanceof ResidualBlock) as ResidualBlock).recompute).toBe(true);
    t.dispose();
    expect(() => new CycleGANTrainer(engine, { recompute: 'yes' as never })).toThrow(AttributeError);
    expect(() => new CycleGANTrainer(engine, { recompute: 'yes' as never })).toThrow(/recompute must be one of 'auto', 'residual', 'none', got "yes"/);
  });
});
