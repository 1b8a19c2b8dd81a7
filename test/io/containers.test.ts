// The .pth containers on hand-made files (no torch needed): any root folder name, big-endian
// archives, legacy storage views, and a typed error naming the entry / key / offset for each
// way a file can be broken or hostile: truncation, a flipped byte, lying sizes, zip bombs,
// overlapping entries, out-of-bounds tensors and reference amplification.
import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { loadWeights } from '../../src/io/load.js';
import { readPthLegacy, readPthZip } from '../../src/io/pth.js';
import { unpickle } from '../../src/io/pickle.js';
import { flattenStateDict, stateDictGlobals } from '../../src/io/torch_pickle.js';
import { ZipArchive } from '../../src/io/zip.js';
import { WeightFormatError } from '../../src/io/errors.js';
import { enc, f32Bytes, legacyPth, pickleStateDict, writeZip, zipPth, type PickledTensor } from './builders.js';

const W: PickledTensor[] = [
  { key: 'conv.weight', storage: '0', numel: 6, size: [2, 3] },
  { key: 'conv.bias', storage: '1', numel: 2, size: [2] },
  { key: 'conv.weight_t', storage: '0', numel: 6, size: [3, 2], stride: [1, 3] },
];
const S = { '0': [1, 2, 3, 4, 5, 6], '1': [-0.5, 0.25] };

async function formatError(p: Promise<unknown> | (() => unknown)): Promise<WeightFormatError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(WeightFormatError);
  return err as WeightFormatError;
}

describe('zip container', () => {
  it('finds data.pkl under any root folder name and reads views of shared storages', async () => {
    for (const root of ['archive', 'latest_net_G', 'my model-v2.0']) {
      const { tensors } = await readPthZip(zipPth(root, W, S));
      expect(Array.from(tensors['conv.weight'].data)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(tensors['conv.weight_t'].data)).toEqual([1, 4, 2, 5, 3, 6]);
      expect(tensors['conv.weight_t'].shape).toEqual([3, 2]);
      expect(Array.from(tensors['conv.bias'].data)).toEqual([-0.5, 0.25]);
    }
  });

  it('reads ZIP64 central directory and end records (as a > 4 GiB checkpoint has)', async () => {
    const items = [
      { name: 'big/data.pkl', data: pickleStateDict(W.slice(0, 2), false) },
      { name: 'big/data/0', data: f32Bytes(S['0']) },
      { name: 'big/data/1', data: f32Bytes(S['1']) },
    ];
    const { tensors } = await readPthZip(writeZip(items, { zip64: true }));
    expect(Array.from(tensors['conv.bias'].data)).toEqual([-0.5, 0.25]);
  });

  it("reads a big-endian archive (byteorder 'big')", async () => {
    const { tensors } = await readPthZip(zipPth('archive', W, S, true));
    expect(Array.from(tensors['conv.weight'].data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a flipped byte in tensor data fails the CRC check, naming the entry and its offset', async () => {
    const bytes = zipPth('archive', W, S);
    const entry = new ZipArchive(bytes).entries.get('archive/data/0')!;
    bytes[entry.dataOffset + 5] ^= 0x10;
    const e = await formatError(readPthZip(bytes));
    expect(e.message).toMatch(/CRC-32 mismatch/);
    expect(e.entry).toBe('archive/data/0');
    expect(e.offset).toBe(entry.dataOffset);
  });

  it('a truncated archive is a typed error at every cut', async () => {
    const bytes = zipPth('archive', W, S);
    for (let n = 0; n < bytes.length; n++) {
      const e = await formatError(loadWeights(bytes.subarray(0, n)));
      expect(e.offset ?? e.entry, `cut at ${n}`).toBeDefined();
    }
  });

  it('refuses a DEFLATE entry that inflates past its declared size (zip bomb), without inflating it all', async () => {
    const zeros = new Uint8Array(32 << 20);
    const bomb = writeZip([{ name: 'a/bomb', data: zeros, deflate: true, declaredSize: 1000 }]);
    expect(bomb.length).toBeLessThan(64 << 10);
    const t0 = performance.now();
    const e = await formatError(new ZipArchive(bomb).read('a/bomb'));
    expect(e.message).toMatch(/inflates past its declared size of 1000 bytes/);
    expect(e.entry).toBe('a/bomb');
    expect(performance.now() - t0).toBeLessThan(2000);
    // A declared size beyond any DEFLATE ratio is refused before inflating.
    const liar = writeZip([{ name: 'a/x', data: new Uint8Array(10), deflate: true, declaredSize: 2 ** 31 }]);
    expect((await formatError(() => new ZipArchive(liar))).message).toMatch(/beyond any real compression ratio/);
    // Honest DEFLATE entries read back.
    const ok = writeZip([{ name: 'a/x', data: Uint8Array.from(enc('hello hello hello')), deflate: true }]);
    expect(new TextDecoder().decode(await new ZipArchive(ok).read('a/x'))).toBe('hello hello hello');
  });

  it('corrupt DEFLATE data is a typed error naming the entry', async () => {
    const data = new Uint8Array(deflateRawSync(new Uint8Array(1000).fill(7)));
    data[2] ^= 0xff;
    const z = writeZip([{ name: 'a/x', data: new Uint8Array(1000).fill(7), deflate: true }]);
    const entry = new ZipArchive(z).entries.get('a/x')!;
    z.set(data.subarray(0, entry.compressedSize), entry.dataOffset);
    expect((await formatError(new ZipArchive(z).read('a/x'))).entry).toBe('a/x');
  });

  it('overlapping entries and local headers out of bounds are refused, naming the entry', async () => {
    const bytes = writeZip([
      { name: 'a/one', data: new Uint8Array(100) },
      { name: 'a/two', data: new Uint8Array(100) },
    ]);
    // Point entry two's central record (offset field at +42) at entry one's local header.
    const view = new DataView(bytes.buffer);
    const cd = view.getUint32(bytes.length - 6, true);
    const second = cd + 46 + 'a/one'.length;
    view.setUint32(second + 42, 0, true);
    expect((await formatError(() => new ZipArchive(bytes))).entry).toBe('a/two');
    view.setUint32(second + 42, cd + 10, true);
    const e = await formatError(() => new ZipArchive(bytes));
    expect(e.entry).toBe('a/two');
    expect(e.message).toMatch(/outside the entries/);
  });

  it('a storage entry of the wrong size, or missing, names the entry', async () => {
    const short = zipPth('archive', W, { '0': [1, 2, 3], '1': [0, 0] });
    expect((await formatError(readPthZip(short))).entry).toBe('archive/data/0');
    const missing = zipPth('archive', W, { '0': [1, 2, 3, 4, 5, 6] });
    expect((await formatError(readPthZip(missing))).entry).toBe('archive/data/1');
  });

  it('a TorchScript archive gets a hint', async () => {
    const ts = writeZip([{ name: 'm/constants.pkl', data: new Uint8Array(1) }]);
    expect((await formatError(readPthZip(ts))).message).toMatch(/TorchScript/);
  });
});

describe('tensor records', () => {
  it('a tensor reaching past its storage names the key', async () => {
    const e = await formatError(readPthZip(zipPth('a', [{ key: 'w', storage: '0', numel: 4, offset: 2, size: [3] }], { '0': [1, 2, 3, 4] })));
    expect(e.key).toBe('w');
    expect(e.message).toMatch(/reaches element 4 of a storage of 4/);
  });

  it('an expanded view (more elements than its storage) is refused', async () => {
    const e = await formatError(readPthZip(zipPth('a', [{ key: 'w', storage: '0', numel: 1, size: [1000000], stride: [0] }], { '0': [1] })));
    expect(e.key).toBe('w');
  });

  it('a million keys on one storage (reference amplification) stop at the element budget', async () => {
    const many: PickledTensor[] = Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, storage: '0', numel: 1000, size: [1000] }));
    const e = await formatError(readPthZip(zipPth('a', many, { '0': new Array(1000).fill(1) })));
    expect(e.message).toMatch(/more than .* elements for 1000 stored/);
  });

  it('exponentially shared lists are walked once each, not 2^30 times', () => {
    // root = {'a': L30}, L(i+1) = [L(i), L(i)]
    const p: number[] = [0x80, 2, 0x7d, 0x58, 1, 0, 0, 0, ...enc('a'), 0x5d, 0x4b, 1, 0x61, 0x71, 0, 0x30];
    for (let i = 0; i < 30; i++) p.push(0x5d, 0x28, 0x68, i, 0x68, i, 0x65, 0x71, i + 1, 0x30);
    p.push(0x68, 30, 0x73, 0x2e);
    const { value } = unpickle(Uint8Array.from(p), 0, { globals: stateDictGlobals('pickle') });
    const t0 = performance.now();
    const out = flattenStateDict(value, 'pth-zip', true, 0);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(out.notes.join()).toMatch(/referenced a second time/);
  });
});

describe('legacy container', () => {
  it('reads storages in key-list order, with views into a root storage', () => {
    const t: PickledTensor[] = [
      { key: 'a', storage: 'root', numel: 6, size: [2], view: ['v1', 2, 3] },
      { key: 'b', storage: 'root', numel: 6, size: [6] },
    ];
    const { tensors } = readPthLegacy(legacyPth(t, { root: [1, 2, 3, 4, 5, 6] }));
    expect(Array.from(tensors.a.data)).toEqual([3, 4]);
    expect(Array.from(tensors.b.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a view outside its storage names the storage key', async () => {
    const t: PickledTensor[] = [{ key: 'a', storage: 'root', numel: 6, size: [2], view: ['v1', 5, 3] }];
    const e = await formatError(() => readPthLegacy(legacyPth(t, { root: [1, 2, 3, 4, 5, 6] })));
    expect(e.key).toBe('root');
  });

  it('a truncated legacy file is a typed error at every cut', async () => {
    const bytes = legacyPth(W, S);
    for (let n = 0; n < bytes.length; n++) {
      const e = await formatError(() => readPthLegacy(bytes.subarray(0, n)));
      expect(e.offset ?? e.key, `cut at ${n}`).toBeDefined();
    }
  });

  it('a storage count that disagrees with the object names the key and offset', async () => {
    const bytes = legacyPth(W, S);
    // The first storage's 8-byte count sits right after the key-list pickle: 6 -> 7.
    const at = bytes.length - (8 + 24) - (8 + 8);
    expect(bytes[at]).toBe(6);
    bytes[at] = 7;
    const e = await formatError(() => readPthLegacy(bytes));
    expect(e.key).toBe('0');
    expect(e.offset).toBe(at);
  });

  it('storage keys the object never used are refused', async () => {
    const bytes = legacyPth([W[1]], S);
    expect((await formatError(() => readPthLegacy(bytes))).key).toBe('0');
  });
});

describe('zip pickle allow-list inside the container', () => {
  it('a refused global in data.pkl names the entry', async () => {
    const evil = Uint8Array.from([0x80, 2, 0x63, ...enc('os\nsystem\n'), 0x58, 2, 0, 0, 0, ...enc('id'), 0x85, 0x52, 0x2e]);
    const e = await formatError(readPthZip(writeZip([{ name: 'x/data.pkl', data: evil }])));
    expect(e.entry).toBe('x/data.pkl');
  });
});
