// A ~1 MB .pth whose storage entry inflates to 1 GiB: each way the file can lie about it is
// refused with a typed error naming the entry, before or at the first surplus output chunk,
// never after inflating the gigabyte. The cost is checked by the archive's own count of
// inflated bytes (deterministic), and logged in ms and MB (not asserted: timings are noisy).
import { describe, expect, it } from 'vitest';
import { inflateRawSync } from 'node:zlib';
import { createEngine } from '../../src/engine.js';
import { loadWeights } from '../../src/io/load.js';
import { loadModel } from '../../src/cyclegan/weights/load_model.js';
import { readPthZip } from '../../src/io/pth.js';
import { ZipArchive } from '../../src/io/zip.js';
import { WeightFormatError } from '../../src/io/errors.js';
import { CycleGANError } from '../../src/errors.js';
import { deflateZeros, enc, pickleStateDict, writeZip, type PickledTensor } from '../io/builders.js';

const GiB = 2 ** 30;
const BODY = deflateZeros(1024); // inflates to 1 GiB of zeros

/** A zip .pth of `tensors` whose storage '0' is the bomb, declaring `declaredSize` bytes. */
function bombPth(tensors: PickledTensor[], declaredSize: number): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pickleStateDict(tensors, false) },
    { name: 'archive/data/0', data: new Uint8Array(0), compressed: BODY, declaredSize },
    { name: 'archive/version', data: Uint8Array.from(enc('3\n')) },
  ]);
}

const SMALL: PickledTensor[] = [{ key: 'w', storage: '0', numel: 1000, size: [10, 100] }];

async function refusal(run: () => Promise<unknown>): Promise<{ error: unknown; ms: number; extraMB: number }> {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  const extraMB = (after.arrayBuffers - before.arrayBuffers + Math.max(0, after.heapUsed - before.heapUsed)) / 2 ** 20;
  return { error, ms, extraMB };
}

describe('zip bomb in a .pth', () => {
  it('the body is about 1 MB and inflates to 1 GiB', () => {
    expect(BODY.length).toBeGreaterThan(512 << 10);
    expect(BODY.length).toBeLessThan(2 << 20);
    // The body is one self-contained 1 MiB block run repeated, then an end block: the same
    // construction with 4 repeats inflates to exactly 4 MiB of zeros, and 1024 repeats are
    // 1024 times the run (inflating the full gigabyte here would take 20 s on a loaded machine).
    const four = deflateZeros(4);
    const run = (four.length - 2) / 4;
    expect(BODY.length).toBe(run * 1024 + 2);
    expect(BODY.subarray(run * 1023, run * 1024)).toEqual(four.subarray(0, run));
    const out = inflateRawSync(four);
    expect(out.length).toBe(4 << 20);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('an entry declaring 1 GiB for a tensor of 1000 floats is refused before a byte is inflated', async () => {
    const file = bombPth(SMALL, GiB);
    const zip = new ZipArchive(file);
    const e = await zip.read('archive/data/0', 4000).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WeightFormatError);
    expect((e as WeightFormatError).entry).toBe('archive/data/0');
    expect(String(e)).toMatch(/declares 1073741824 bytes.*needs exactly 4000/);
    expect(zip.inflatedBytes).toBe(0);

    const { error, ms, extraMB } = await refusal(() => loadWeights(file));
    console.log(`bomb declaring 1 GiB (${file.length} bytes): refused in ${ms.toFixed(1)} ms, ~${extraMB.toFixed(1)} MB extra`);
    expect(error).toBeInstanceOf(WeightFormatError);
    expect((error as WeightFormatError).entry).toBe('archive/data/0');
    expect(String(error)).toMatch(/declares 1073741824 bytes; 1000 F32 elements need 4000/);
  });

  it('an entry lying that it holds 4000 bytes stops inflating at the first chunk past them', async () => {
    const file = bombPth(SMALL, 4000);
    const zip = new ZipArchive(file);
    const e = await zip.read('archive/data/0', 4000).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WeightFormatError);
    expect(String(e)).toMatch(/inflates past its declared size of 4000 bytes/);
    // One output chunk at most (Node's inflater yields 16 KiB ones), not the gigabyte.
    expect(zip.inflatedBytes).toBeGreaterThan(4000);
    expect(zip.inflatedBytes).toBeLessThanOrEqual(1 << 20);

    const { error, ms, extraMB } = await refusal(() => readPthZip(file));
    console.log(`bomb declaring 4000 bytes (${file.length} bytes): refused in ${ms.toFixed(1)} ms, ~${extraMB.toFixed(1)} MB extra`);
    expect(error).toBeInstanceOf(WeightFormatError);
    expect((error as WeightFormatError).entry).toBe('archive/data/0');
    expect(extraMB).toBeLessThan(200); // generous: inflating it all would be 1024
  });

  it('a storage honestly declaring 1 GiB that its tensors barely use is refused before inflating', async () => {
    const view: PickledTensor[] = [{ key: 'w', storage: '0', numel: GiB / 4, size: [10] }];
    const { error, ms, extraMB } = await refusal(() => loadWeights(bombPth(view, GiB)));
    console.log(`1 GiB storage behind a 10-element tensor: refused in ${ms.toFixed(1)} ms, ~${extraMB.toFixed(1)} MB extra`);
    expect(error).toBeInstanceOf(WeightFormatError);
    expect(String(error)).toMatch(/storages declare 268435456 elements but the tensors use 10/);
    expect(extraMB).toBeLessThan(200);
  });

  it('a 1 GiB tensor in a file that is no network is refused by loadModel before inflating', async () => {
    const engine = await createEngine({ backend: 'wasm', seed: 0 });
    try {
      const huge: PickledTensor[] = [{ key: 'model.1.weight', storage: '0', numel: GiB / 4, size: [2 ** 14, 2 ** 14, 1, 1] }];
      const { error, ms, extraMB } = await refusal(() => loadModel(engine, bombPth(huge, GiB)));
      console.log(`1 GiB tensor through loadModel: refused in ${ms.toFixed(1)} ms, ~${extraMB.toFixed(1)} MB extra`);
      expect(error).toBeInstanceOf(CycleGANError);
      expect(String(error)).toMatch(/model\.1\.weight|cannot tell the network/);
      expect(extraMB).toBeLessThan(200);
    } finally {
      engine.dispose();
    }
  });
});
