// .pth import against files PyTorch wrote at test time: both containers, every dtype, shared
// and non-contiguous storages, nested checkpoints, DEFLATE, and what must be refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadWeights } from '../../src/io/load.js';
import { WeightFormatError, UnsafePickleError } from '../../src/io/errors.js';
import { makeFixtures, probeTorch, type Fixtures } from './torch_helper.js';

interface Manifest {
  tiny: {
    files: { zip: string; legacy: string; deflate: string };
    expected: Record<string, { shape: number[]; data: number[] }>;
    torchReadsDeflate: boolean;
    ckpt: { zip: string; legacy: string };
    dataparallel: string;
  };
}

const torch = probeTorch();

describe('PyTorch availability', () => {
  it('CI=true requires torch for the .pth tests', () => {
    // Without CI the PyTorch tests below skip with the reason; CI must run them.
    if (torch.required && !torch.ok) throw new Error(torch.reason);
  });
});

describe.skipIf(!torch.ok)(`.pth import (${torch.reason})`, () => {
  let fx: Fixtures<Manifest>;
  beforeAll(() => {
    fx = makeFixtures<Manifest>(['tiny']);
  });
  afterAll(() => fx?.cleanup());

  for (const container of ['zip', 'legacy', 'deflate'] as const) {
    it(`reads every tensor of the ${container} file exactly (dtypes, views, shared storage)`, async () => {
      const w = await loadWeights(readFileSync(fx.path(fx.manifest.tiny.files[container])));
      expect(w.format).toBe(container === 'legacy' ? 'pth-legacy' : 'pth-zip');
      const expected = fx.manifest.tiny.expected;
      expect(Object.keys(w.tensors)).toEqual(Object.keys(expected));
      for (const [key, e] of Object.entries(expected)) {
        const t = w.tensors[key];
        expect(t.shape, key).toEqual(e.shape);
        expect(Array.from(t.data), key).toEqual(e.data.map((x) => Math.fround(x)));
      }
      expect(w.tensors.h.dtype).toBe('F16');
      expect(w.tensors.bf.dtype).toBe('BF16');
      expect(w.tensors.n.dtype).toBe('I64');
    });
  }

  it('reads a file path and a Blob as well as bytes', async () => {
    const path = fx.path(fx.manifest.tiny.files.zip);
    const a = await loadWeights(path);
    const b = await loadWeights(new Blob([readFileSync(path)]));
    expect(Array.from(a.tensors.weight.data)).toEqual(Array.from(b.tensors.weight.data));
  });

  for (const container of ['zip', 'legacy'] as const) {
    it(`flattens a ${container} training checkpoint: nested dicts to dotted keys, scalars to metadata`, async () => {
      const w = await loadWeights(fx.path(fx.manifest.tiny.ckpt[container]));
      expect(Object.keys(w.tensors)).toEqual(['G.w']);
      expect(Array.from(w.tensors['G.w'].data)).toEqual([0, 1, 2, 3]);
      expect(w.metadata).toMatchObject({ epoch: '7', lr: '0.0002', name: 'horse2zebra' });
    });
  }

  it('the deflate fixture is really DEFLATE', () => {
    const b = readFileSync(fx.path(fx.manifest.tiny.files.deflate));
    // local header compression method at offset 8
    expect(b.readUInt16LE(8)).toBe(8);
  });

  it('refuses a whole pickled nn.Module, naming its class', async () => {
    // torch.save(model) pickles the class by name: refused, nothing imported.
    const err = await loadWeights(fx.path('whole_model.pth')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafePickleError);
    expect((err as UnsafePickleError).refused).toMatch(/ResnetGenerator$/);
    expect((err as UnsafePickleError).entry).toMatch(/data\.pkl$/);
  });

  it('unknown bytes are a typed error naming offset 0', async () => {
    const err = await loadWeights(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightFormatError);
    expect((err as WeightFormatError).offset).toBe(0);
  });
});
