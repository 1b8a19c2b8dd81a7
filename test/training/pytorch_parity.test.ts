// The training loop against PyTorch-GAN's cyclegan.py, run live by test/training/torch_cyclegan.py
// (Debian's python3-torch): from the same initial weights and the same batches, with the replay
// buffers' random decisions scripted identically on both sides, fit() takes 5 steps (batch 2,
// 32x32, 2 residual blocks; an epoch of 2+2+1 samples, so a partial batch, a LambdaLR step
// between epochs and both branches of the replay buffer are inside).
//
// Two kinds of check, because float32 GAN training is chaotic beyond the first step:
// - Step 1 starts from identical state, so it is decidable to rounding level: the five losses,
//   every gradient, and the Adam update of every weight whose gradient sign is determined.
//   The oracle there is PyTorch in float64 (the same float32 initial weights and samples, run
//   in double precision): PyTorch float32's own result depends on the CPU's kernel choice (a
//   gradient of G_AB.model.17 differs from float64 by 4e-3 on one AMD EPYC, far less on an
//   Intel Xeon), so each quantity is held to the spec's bound from the float64 result, or, where
//   the quantity is ill-conditioned, to 2x PyTorch float32's own distance from it, measured live
//   and printed.
// - Steps 1..5 free-running. Adam's first step moves every weight by +-lr whatever the size of
//   its gradient, so gradients at rounding level get a random sign, and the GAN losses amplify
//   that: PyTorch's float32 run drifts from its own float64 run by 2e-3 (lossD) and 1e-2
//   (lossGAN) within 5 steps, and from float32 runs whose initial weights moved by one rounding
//   (1e-7) about as much, but how far is heavy-tailed: over 6 such runs (perturbation seeds),
//   lossD at step 5 moved by anything from 7e-5 to 2.4e-2 (AMD EPYC family 26). So the test makes
//   an ensemble of SENSITIVITY_SEEDS.length such runs live, takes PyTorch's spread as the largest
//   distance between any two of its float32 runs (the reference and the ensemble), and holds ours
//   to the spec's 1e-3, or, where PyTorch itself moves farther than that, to SPREAD_MULTIPLE
//   times that spread. (With one sensitivity run, a quiet draw gave a spread of 5.9e-4 at step 4
//   on that CPU, where our lossD was 7e-3 from PyTorch's and other draws of PyTorch's own were
//   7.7e-3 from it: the premise, not the loop, failed.)
// Parameterised by backend (test/training/backends.ts: test/helpers/backends.ts's list, WebGPU
// on a hardware adapter). Without torch the test is skipped with the reason, except under
// CI=true where it fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, createEngine, InstanceNorm2d, Sequential, type Engine, type Module } from '../../src/index.js';
import { CycleGANTrainer, type StepLosses } from '../../src/cyclegan/trainer.js';
import { trainingBackends as backends } from './backends.js';
import { probeTorch, relErr, runTorch, ScriptedDataset, withPrefix, type TorchRun } from './helpers.js';

const torch = probeTorch();
const STEPS = 5;
const NETS = ['G_AB', 'G_BA', 'D_A', 'D_B'] as const;
const LOSSES = ['lossG', 'lossD', 'lossGAN', 'lossCycle', 'lossIdentity'] as const;
/** Perturbation seeds of PyTorch's sensitivity runs (about 5 s each, in one process). */
const SENSITIVITY_SEEDS = [1, 2, 3, 4, 5, 6];
/** Ours may be this many times PyTorch's largest float32-to-float32 distance from its reference. */
const SPREAD_MULTIPLE = 3;
const CONFIG = {
  seed: 11,
  channels: 3,
  img_height: 32,
  img_width: 32,
  n_residual_blocks: 2,
  // batch sizes per epoch: 5 samples with batch_size 2 (drop_last false); 5 steps in all
  epochs: [[2, 2, 1], [2, 2]],
  n_epochs: 2,
  epoch: 0,
  decay_epoch: 0,
  lr: 0.0002,
  b1: 0.5,
  b2: 0.999,
  lambda_cyc: 10.0,
  lambda_id: 5.0,
  buffer_size: 3,
  uniforms: [0.7, 0.2, 0.9, 0.6, 0.1, 0.8, 0.3, 0.75, 0.55, 0.4, 0.95, 0.05, 0.65, 0.35, 0.85, 0.15, 0.6, 0.7, 0.2, 0.9, 0.3],
  randints: [2, 0, 1, 2, 1, 0, 2, 1, 0, 1, 2, 0, 1, 2, 0, 1, 2],
};

interface TorchStep extends StepLosses {
  epoch: number;
  batch: number;
  lr: number;
}
type Plain = Record<string, { data: Float32Array; shape: number[] }>;

/** Keys of conv biases that an InstanceNorm right after removes: their exact gradient is 0. */
function normalizedBiases(net: Module): Set<string> {
  const out = new Set<string>();
  for (const [path, m] of net.namedModules()) {
    if (!(m instanceof Sequential)) continue;
    for (let i = 0; i + 1 < m.length; i++) {
      if (m.at(i) instanceof Conv2d && m.at(i + 1) instanceof InstanceNorm2d) out.add(`${path ? `${path}.` : ''}${i}.bias`);
    }
  }
  return out;
}

const maxAbs = (v: Float32Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** The largest distance between two of `runs`: PyTorch's own spread over its float32 runs. */
function largestPairwise<T>(runs: T[], distance: (a: T, b: T) => number): number {
  let most = 0;
  for (const [i, a] of runs.entries()) for (const b of runs.slice(i + 1)) most = Math.max(most, distance(b, a));
  return most;
}

/** ||a - b|| / ||b|| over every tensor of a network (flattened together). */
function l2Rel(a: Plain, b: Plain, keys: string[]): number {
  let num = 0;
  let den = 0;
  for (const k of keys) {
    const x = a[k].data;
    const y = b[k].data;
    for (let i = 0; i < y.length; i++) {
      num += (x[i] - y[i]) ** 2;
      den += y[i] ** 2;
    }
  }
  return Math.sqrt(num / den);
}

describe.skipIf(!torch.ok && !torch.required)(`training equals PyTorch-GAN's cyclegan.py (${torch.reason})`, () => {
  let t32: TorchRun;
  let t64: TorchRun;
  let tp: TorchRun;
  beforeAll(() => {
    if (!torch.ok) throw new Error(`CI=true requires PyTorch: ${torch.reason}`);
    t32 = runTorch('train', { ...CONFIG, dump_step1: true });
    t64 = runTorch('train', { ...CONFIG, dump_step1: true, dtype: 'float64', max_steps: 1 });
    tp = runTorch('sensitivity', { ...CONFIG, perturb: 1e-7, perturb_seeds: SENSITIVITY_SEEDS });
  }, 600_000);
  afterAll(() => {
    t32?.cleanup();
    t64?.cleanup();
    tp?.cleanup();
  });

  for (const backend of backends) {
    describe(backend.name, () => {
      let engine: Engine;
      beforeAll(async () => {
        engine = await createEngine({ backend: backend.name });
      });
      afterAll(() => engine?.dispose());

      it(`${STEPS} steps of fit(): step 1 to rounding level, the run within 1e-3 or PyTorch's own spread`, async () => {
        const trainer = new CycleGANTrainer(engine, {
          imgHeight: CONFIG.img_height,
          imgWidth: CONFIG.img_width,
          channels: CONFIG.channels,
          nResidualBlocks: CONFIG.n_residual_blocks,
          batchSize: 2,
          nEpochs: CONFIG.n_epochs,
          epoch: CONFIG.epoch,
          decayEpoch: CONFIG.decay_epoch,
          lr: CONFIG.lr,
          b1: CONFIG.b1,
          b2: CONFIG.b2,
          lambdaCyc: CONFIG.lambda_cyc,
          lambdaId: CONFIG.lambda_id,
          bufferSize: CONFIG.buffer_size,
          seed: 3,
        });
        const init = t32.read('init.safetensors');
        for (const name of NETS) trainer[name].loadStateDict(withPrefix(init, `${name}.`), { strict: true });
        const uniforms = CONFIG.uniforms[Symbol.iterator]();
        const randints = CONFIG.randints[Symbol.iterator]();
        const draw = (it: Iterator<number>): number => {
          const r = it.next();
          if (r.done) throw new Error('scripted replay decisions ran out');
          return r.value;
        };
        trainer.replayRandom = { uniform: () => draw(uniforms), randint: () => draw(randints) };
        const samples = t32.read('samples.safetensors');
        const n = Object.keys(samples).length / 2;
        const pairs = Array.from({ length: n }, (_, i) => ({ A: samples[`A.${i}`].data, B: samples[`B.${i}`].data }));
        const dataset = new ScriptedDataset(pairs, 5, 3, 32, 32);

        const steps: TorchStep[] = [];
        const after1: { weights: Plain; grads: Plain } = { weights: {}, grads: {} };
        const stop = new AbortController();
        const result = await trainer.fit(dataset, {
          signal: stop.signal,
          onProgress: async (p) => {
            steps.push({ ...p.losses, lr: p.lr, epoch: p.epoch, batch: p.batch });
            if (steps.length === 1) {
              for (const name of NETS) {
                for (const [k, t] of trainer[name].namedParameters()) {
                  after1.weights[`${name}.${k}`] = { data: await t.data(), shape: [...t.shape] };
                  after1.grads[`${name}.${k}`] = { data: await t.grad!.data(), shape: [...t.shape] };
                }
              }
            }
            if (steps.length === STEPS) stop.abort();
          },
        });
        expect(result.status).toBe('aborted');
        expect(result.steps).toBe(STEPS);

        const ref32 = t32.json<{ steps: TorchStep[] }>('result.json').steps;
        const refsP = SENSITIVITY_SEEDS.map((seed) => tp.json<{ steps: TorchStep[] }>(`${seed}/result.json`).steps);
        // PyTorch's float32 runs: the reference first, then the sensitivity ensemble.
        const torchRuns = [ref32, ...refsP];
        const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
        const skipped = new Set(NETS.flatMap((name) => [...normalizedBiases(trainer[name])].map((k) => `${name}.${k}`)));
        const report: string[] = [];

        // ---- step 1, from identical state, against the float64 oracle
        const s1 = t32.read('step1.safetensors');
        const s64 = t64.read('step1.safetensors');
        const ref64 = t64.json<{ steps: TorchStep[] }>('result.json').steps[0];
        // Bounds scale with the backend's op tolerance (docs/design.md: 1e-4 WASM, 1e-3 WebGPU).
        const lossBound = backend.tol / 10; // 1e-5 on WASM
        const gradBound = backend.tol * 10; // 1e-3 on WASM, the spec's bound
        // Ours within the bound of float64, or within 2x PyTorch float32's own distance from it.
        const allowed = (bound: number, torch32Err: number): number => Math.max(bound, 2 * torch32Err);
        let step1Loss = 0;
        let step1Loss32 = 0;
        for (const k of LOSSES) {
          const ours = rel(steps[0][k], ref64[k]);
          const theirs = rel(ref32[0][k], ref64[k]);
          step1Loss = Math.max(step1Loss, ours);
          step1Loss32 = Math.max(step1Loss32, theirs);
          expect(ours, `step 1 ${k} (PyTorch float32 is ${theirs.toExponential(1)} from float64)`).toBeLessThan(allowed(lossBound, theirs));
        }
        let worstGrad = 0;
        let worstGrad32 = 0;
        const illConditioned: string[] = [];
        let worstUpdate = 0;
        let undetermined = 0;
        let total = 0;
        for (const name of NETS) {
          const keys = trainer[name].namedParameters().map(([k]) => `${name}.${k}`);
          const gmax = Math.max(...keys.map((k) => maxAbs(s64[`grad.${k}`].data)));
          for (const key of keys) {
            const g = after1.grads[key].data;
            const g64 = s64[`grad.${key}`].data;
            if (skipped.has(key)) {
              // Zero in exact arithmetic: both float32 sides must be rounding noise.
              expect(maxAbs(g) / gmax, `${key} gradient (ours)`).toBeLessThan(1e-4);
              expect(maxAbs(s1[`grad.${key}`].data) / gmax, `${key} gradient (torch)`).toBeLessThan(1e-4);
              continue;
            }
            const eg = relErr(g, g64);
            const e32 = relErr(s1[`grad.${key}`].data, g64);
            worstGrad = Math.max(worstGrad, eg);
            worstGrad32 = Math.max(worstGrad32, e32);
            if (eg >= gradBound) illConditioned.push(`${key} ${eg.toExponential(1)} (PyTorch float32 ${e32.toExponential(1)})`);
            expect(eg, `${key} gradient (PyTorch float32 is ${e32.toExponential(1)} from float64)`).toBeLessThan(allowed(gradBound, e32));
            // Adam's first step is -lr * g / (|g| + eps): where our gradient agrees with the exact
            // one to 1% the updates must agree to 1e-3 of the weights; elsewhere (g at rounding
            // level) the sign is undetermined in float32, and the update may only be at most lr.
            const w = after1.weights[key].data;
            const w64 = s64[key].data;
            const w0 = init[key].data;
            const wmax = maxAbs(w64);
            for (let i = 0; i < w.length; i++) {
              total++;
              const d = Math.abs(w[i] - w64[i]);
              if (Math.abs(g[i] - g64[i]) <= 0.01 * Math.abs(g64[i])) {
                worstUpdate = Math.max(worstUpdate, d / wmax);
              } else {
                undetermined++;
                expect(Math.abs(w[i] - w0[i]), `${key}[${i}] update`).toBeLessThanOrEqual(CONFIG.lr * 1.0001);
              }
            }
          }
        }
        expect(worstUpdate).toBeLessThan(gradBound);
        report.push(
          `step 1 against PyTorch float64: losses ${step1Loss.toExponential(1)} (PyTorch float32 ${step1Loss32.toExponential(1)}), ` +
            `gradients ${worstGrad.toExponential(1)} (PyTorch float32 ${worstGrad32.toExponential(1)}), ` +
            `weights ${worstUpdate.toExponential(1)} (${undetermined} of ${total} elements with a rounding-level gradient)`,
        );
        if (illConditioned.length) report.push(`ill-conditioned gradients (held to 2x PyTorch float32's distance): ${illConditioned.join('; ')}`);

        // ---- steps 1..5, free-running
        const CHECKED = ['lossG', 'lossD', 'lossCycle', 'lossIdentity'] as const;
        const torchSpread = (k: number, q: (typeof LOSSES)[number]): number => largestPairwise(torchRuns, (b, a) => rel(b[k][q], a[k][q]));
        let spread = 0; // PyTorch's largest relative change of a checked loss so far under a one-rounding change
        for (let k = 0; k < STEPS; k++) {
          for (const run of torchRuns) {
            expect([run[k].epoch, run[k].batch, run[k].lr]).toEqual([ref32[k].epoch, ref32[k].batch, ref32[k].lr]);
          }
          expect([steps[k].epoch, steps[k].batch]).toEqual([ref32[k].epoch, ref32[k].batch]);
          expect(steps[k].lr).toBe(ref32[k].lr);
          spread = Math.max(spread, ...CHECKED.map((q) => torchSpread(k, q)));
          const tol = Math.max(1e-3, SPREAD_MULTIPLE * spread);
          const errs = LOSSES.map((q) => rel(steps[k][q], ref32[k][q]));
          const checkedErrs = CHECKED.map((q) => errs[LOSSES.indexOf(q)]);
          report.push(
            `step ${k + 1}: ${LOSSES.map((q, i) => `${q} ${errs[i].toExponential(1)}`).join(', ')}; ` +
              `PyTorch's spread ${spread.toExponential(1)} (lossGAN ${torchSpread(k, 'lossGAN').toExponential(1)}), ours / spread ` +
              `${(Math.max(...checkedErrs) / spread).toFixed(2)}`,
          );
          for (const [i, q] of CHECKED.entries()) expect(checkedErrs[i], `step ${k + 1} ${q}`).toBeLessThan(tol);
        }
        const final32 = t32.read('final.safetensors');
        const finalsP = SENSITIVITY_SEEDS.map((seed) => tp.read(`${seed}/final.safetensors`));
        const finals = [final32, ...finalsP];
        const ours: Plain = {};
        for (const name of NETS) {
          for (const [k, t] of trainer[name].namedParameters()) ours[`${name}.${k}`] = { data: await t.data(), shape: [...t.shape] };
        }
        for (const name of NETS) {
          const keys = Object.keys(ours).filter((k) => k.startsWith(`${name}.`) && !skipped.has(k));
          const ourErr = l2Rel(ours, final32, keys);
          const drift = largestPairwise(finals, (b, a) => l2Rel(b, a, keys));
          report.push(`weights after ${STEPS} steps, ${name}: ||ours - torch|| / ||torch|| ${ourErr.toExponential(1)}; PyTorch's spread ${drift.toExponential(1)}`);
          expect(ourErr, `${name} weights`).toBeLessThan(Math.max(1e-3, SPREAD_MULTIPLE * drift));
          // The normalised-away biases hold only rounding noise, in PyTorch's float32 run too.
          for (const key of Object.keys(ours).filter((k) => k.startsWith(`${name}.`) && skipped.has(k))) {
            expect(maxAbs(ours[key].data), key).toBeLessThan(2 * maxAbs(final32[key].data) + CONFIG.lr);
          }
        }
        console.log(`[${backend.name}] PyTorch parity:\n  ${report.join('\n  ')}`);
        trainer.dispose();
      });
    });
  }
});
