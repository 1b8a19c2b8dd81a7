// Issue #6, item 6: in headless Chromium, in a module Web Worker started by openWorker(), train
// 3 steps at 32x32 from a fixed seed and translate an image, on WASM and on WebGPU
// (SwiftShader); the losses and the translation must match the same run done in Node with the
// in-thread API, within DESIGN.md's tolerances (1e-4 relative on WASM, 1e-3 on WebGPU).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chwToRgba } from '../../src/index.js';
import { describeBrowser, openPage, openSession, type Session } from './env.js';
import { lossVector, parityInputs, referenceRun, relErr, STEPS, TRAINER_OPTIONS, type ParityInputs, type ParityResult } from './reference.js';
import { withConsole } from '../helpers/chromium.js';

interface PageResult extends ParityResult {
  backend: string;
  adapter: string | null;
  picture: { isImageData: boolean; width: number; height: number; data: number[] };
  report: { kernels: Record<string, { wasm?: number; webgpu?: number }> };
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
      `trains ${STEPS} steps and translates like the in-thread run in Node (rel. error <= ${tol})`,
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
        const calls = (b: 'wasm' | 'webgpu') => Object.values(got.report.kernels).reduce((n, k) => n + (k[b] ?? 0), 0);
        expect(calls(backend), `kernel calls on ${backend}: ${JSON.stringify(got.report.kernels)}`).toBeGreaterThan(100);

        const ours = lossVector(got.losses);
        const ref = lossVector(reference.losses);
        const lossErr = relErr(ours, ref);
        const outErr = relErr(got.output, reference.output);
        console.info(`${backend}: losses rel. error ${lossErr.toExponential(2)}, translation rel. error ${outErr.toExponential(2)}`);
        expect(ours.every(Number.isFinite), `losses: ${JSON.stringify(got.losses)}`).toBe(true);
        expect(lossErr, `losses in the page ${JSON.stringify(got.losses)}\nin Node ${JSON.stringify(reference.losses)}`).toBeLessThanOrEqual(tol);
        expect(got.output).toHaveLength(3 * H * W);
        expect(outErr, 'translation of the float image').toBeLessThanOrEqual(tol);
        // Not a constant image: a broken worker returning zeros would match nothing above anyway,
        // but say so plainly if the reference itself were degenerate.
        expect(Math.max(...reference.output) - Math.min(...reference.output)).toBeGreaterThan(1e-3);

        // The same picture as ImageData comes back as ImageData, equal to the float result
        // turned into pixels, give or take one level where a value sits on a rounding edge.
        expect(got.picture).toMatchObject({ isImageData: true, width: W, height: H });
        const want = chwToRgba(Float32Array.from(reference.output), 3, H, W);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.picture.data[i] - want[i]));
        expect(worst, 'largest difference of the ImageData translation, in 8-bit levels').toBeLessThanOrEqual(1);
      },
      timeout,
    );
  });
}
