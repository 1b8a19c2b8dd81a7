// Issue #6, item 6: in headless Chromium, in a module Web Worker started by openWorker(), train
// 3 steps at 32x32 from a fixed seed and translate an image, on WASM and on WebGPU
// (SwiftShader), and hold the results to the same run done in Node with the in-thread API
// (the metric of docs/design.md; 1e-4 on WASM, 1e-3 on WebGPU).
//
// WASM in the page runs the same module as Node, so everything must agree to 1e-4 (it is in
// fact bit-identical). WebGPU rounds differently, and three steps of GAN training carry a
// rounding difference far: Adam's first step moves each weight by +-lr whatever the size of
// its gradient, so gradients at rounding level take either sign (see
// test/training/pytorch_parity.test.ts). Measured here on WASM alone: scaling every initial
// weight by 1 +- 1e-7 changes the third step's losses by ~1e-2 and the trained generator's
// output by ~1 (of a [-1, 1] range). So on WebGPU the test holds to 1e-3 what is decidable:
// - G_AB's translation before training (same seed, so the same initial weights);
// - the first step's losses (identical starting state);
// - the translation after training, against Node's WASM forward of the weights the page
//   trained (fetched from the worker), which checks the worker's WebGPU forward;
// and holds the free-running losses of steps 2 and 3 to max(1e-3, 3 x the spread that a
// one-rounding change of the initial weights causes in Node), measured live.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chwToRgba, type StepLosses } from '../../src/index.js';
import { describeBrowser, openPage, openSession, type Session } from './env.js';
import {
  lossVector,
  parityInputs,
  referenceRun,
  relErr,
  STEPS,
  TRAINER_OPTIONS,
  translateWith,
  type ParityInputs,
  type ParityResult,
} from './reference.js';
import { withConsole } from '../helpers/chromium.js';

interface PageResult extends ParityResult {
  backend: string;
  wasmVariant: { threads: number; relaxedSimd: boolean } | null;
  adapter: string | null;
  picture: { isImageData: boolean; width: number; height: number; data: number[] };
  report: { kernels: Record<string, { wasm?: number; webgpu?: number }> };
  /** G_AB after training, safetensors as base64. */
  weights: string;
}

const { imgHeight: H, imgWidth: W } = TRAINER_OPTIONS;
let inputs: ParityInputs;
let reference: ParityResult;
let rgba: number[];

beforeAll(async () => {
  inputs = parityInputs();
  reference = await referenceRun(inputs);
  rgba = Array.from(chwToRgba(Float32Array.from(inputs.image), 3, H, W));
});

/** Per step, how far Node's own run moves when the initial weights move by one rounding (two draws, the larger). */
async function sensitivity(): Promise<number[]> {
  const runs = await Promise.all([1, 2].map((seed) => referenceRun(inputs, { seed, rel: 1e-7 })));
  return reference.losses.map((l, k) => Math.max(...runs.map((r) => stepErr(r.losses[k], l))));
}

const stepErr = (ours: StepLosses, ref: StepLosses) => relErr(lossVector([ours]), lossVector([ref]));

// A WebGPU step on SwiftShader takes about two minutes (pipelines are compiled on the first),
// so that case gets a long timeout; WASM takes seconds.
const CASES = [
  { backend: 'wasm', tol: 1e-4, timeout: 180_000 },
  { backend: 'webgpu', tol: 1e-3, timeout: 1_500_000 },
] as const;

for (const { backend, tol, timeout } of CASES) {
  describeBrowser(`worker in Chromium on ${backend}`, () => {
    let session: Session | undefined;
    afterAll(async () => session?.close());

    it(
      `trains ${STEPS} steps and translates like the in-thread run in Node (tolerance ${tol})`,
      async () => {
        session = await openSession(backend === 'webgpu');
        const { page, log } = await openPage(session, '/harness.html');
        const got = await withConsole(log, () =>
          page.evaluate((args) => (window as unknown as { harness: { parity(a: unknown): Promise<unknown> } }).harness.parity(args), {
            backend,
            options: { ...TRAINER_OPTIONS },
            batches: inputs.batches,
            image: inputs.image,
            rgba,
          }),
        ) as PageResult;

        // The worker ran on the backend asked for ('webgpu' insists: no silent WASM fallback),
        // and its kernels were counted there.
        expect(got.backend, `adapter: ${got.adapter}`).toBe(backend);
        // Chromium validates relaxed SIMD, so the worker's WASM runs that build, as Node's reference does
        expect(got.wasmVariant?.relaxedSimd, `the worker's WASM build: ${JSON.stringify(got.wasmVariant)}`).toBe(true);
        const calls = (b: 'wasm' | 'webgpu') => Object.values(got.report.kernels).reduce((n, k) => n + (k[b] ?? 0), 0);
        expect(calls(backend), `kernel calls on ${backend}: ${JSON.stringify(got.report.kernels)}`).toBeGreaterThan(100);

        // Decidable on every backend: the initial translation and the first step.
        const initialErr = relErr(got.initialOutput, reference.initialOutput);
        const firstErr = stepErr(got.losses[0], reference.losses[0]);
        // The trained weights the page holds, run forward in Node: checks the worker's forward.
        const own = await translateWith(new Uint8Array(Buffer.from(got.weights, 'base64')), inputs.image);
        const forwardErr = relErr(got.output, own);
        const stepErrs = got.losses.map((l, k) => stepErr(l, reference.losses[k]));
        const outErr = relErr(got.output, reference.output);
        console.info(
          `${backend}: initial translation ${initialErr.toExponential(2)}, step losses ${stepErrs.map((e) => e.toExponential(2)).join(' ')}, ` +
            `forward of the trained weights ${forwardErr.toExponential(2)}, trained translation vs Node's run ${outErr.toExponential(2)}`,
        );
        const show = `losses in the page ${JSON.stringify(got.losses)}\nin Node ${JSON.stringify(reference.losses)}`;
        expect(lossVector(got.losses).every(Number.isFinite), show).toBe(true);
        expect(got.output).toHaveLength(3 * H * W);
        expect(initialErr, 'translation by the initial G_AB').toBeLessThanOrEqual(tol);
        expect(firstErr, `first step's losses; ${show}`).toBeLessThanOrEqual(tol);
        expect(forwardErr, "the page's translation vs Node's forward of the page's trained G_AB").toBeLessThanOrEqual(tol);
        // Not a degenerate image: a worker returning a constant would fail the checks above.
        expect(Math.max(...own) - Math.min(...own)).toBeGreaterThan(1e-2);

        if (backend === 'wasm') {
          // The same module in the page and in Node: the whole free-running run agrees.
          expect(relErr(lossVector(got.losses), lossVector(reference.losses)), show).toBeLessThanOrEqual(tol);
          expect(outErr, "trained translation vs Node's run").toBeLessThanOrEqual(tol);
        } else {
          const spread = await sensitivity();
          console.info(`webgpu: Node's own spread under a one-rounding change, per step: ${spread.map((e) => e.toExponential(2)).join(' ')}`);
          stepErrs.forEach((e, k) =>
            expect(e, `step ${k + 1}'s losses, allowed max(${tol}, 3 x ${spread[k].toExponential(2)}); ${show}`).toBeLessThanOrEqual(Math.max(tol, 3 * spread[k])),
          );
        }

        // The same picture as ImageData comes back as ImageData, equal to the float result
        // turned into pixels, give or take one level where a value sits on a rounding edge.
        expect(got.picture).toMatchObject({ isImageData: true, width: W, height: H });
        const want = chwToRgba(Float32Array.from(got.output), 3, H, W);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.picture.data[i] - want[i]));
        expect(worst, 'largest difference of the ImageData translation, in 8-bit levels').toBeLessThanOrEqual(1);
      },
      timeout,
    );
  });
}
