// Fuzz-style robustness: thousands of mutated weight files through the safetensors and .pth
// parsers (zip, legacy, DEFLATE). Each must either parse into well-formed tensors or throw a
// WeightFormatError: no other exception, no crash, no hang (every parse is timed). Mutations
// are seeded, so a failure names the seed that reproduces it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { readPthLegacy, readPthZip } from '../../src/io/pth.js';
import { loadWeights } from '../../src/io/load.js';
import { WeightFormatError } from '../../src/io/errors.js';
import { ZipArchive, crc32 } from '../../src/io/zip.js';
import type { TensorMap } from '../../src/io/tensors.js';
import { makeFixtures, probeTorch, type Fixtures } from './torch_helper.js';

const MAX_PARSE_MS = 1000;
/** IO_FUZZ_SCALE=20 runs twenty times the mutations (seeds continue past the default ones). */
const SCALE = Math.max(1, Number(process.env.IO_FUZZ_SCALE ?? 1) || 1);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x28, 0x2e, 0x51, 0x52, 0x58, 0x63, 0x7b, 0x7d];
const INTERESTING32 = [0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 0xffff, 64, 4096];

/** One random mutation of `src` (a new array); `hot` biases positions towards a region. */
function mutate(src: Uint8Array, r: () => number, hot?: [number, number]): Uint8Array {
  const pos = (): number => {
    if (hot && r() < 0.5) return Math.min(src.length - 1, hot[0] + Math.floor(r() * (hot[1] - hot[0])));
    return Math.floor(r() * src.length);
  };
  const b = src.slice();
  switch (Math.floor(r() * 8)) {
    case 0: { // flip 1-4 bits
      const n = 1 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) b[pos()] ^= 1 << Math.floor(r() * 8);
      return b;
    }
    case 1: // an interesting byte
      b[pos()] = INTERESTING[Math.floor(r() * INTERESTING.length)];
      return b;
    case 2: { // an interesting 32-bit value, little-endian
      const p = Math.min(pos(), b.length - 4);
      if (p >= 0) new DataView(b.buffer).setUint32(p, INTERESTING32[Math.floor(r() * INTERESTING32.length)], true);
      return b;
    }
    case 3: // truncate
      return src.slice(0, Math.floor(r() * src.length));
    case 4: { // insert random bytes
      const p = pos();
      const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256));
      return Uint8Array.from([...src.subarray(0, p), ...ins, ...src.subarray(p)]);
    }
    case 5: { // delete a range
      const p = pos();
      return Uint8Array.from([...src.subarray(0, p), ...src.subarray(p + 1 + Math.floor(r() * 32))]);
    }
    case 6: { // duplicate a chunk elsewhere
      const from = pos();
      const to = pos();
      const len = Math.min(1 + Math.floor(r() * 64), src.length - from, b.length - to);
      if (len > 0) b.set(src.subarray(from, from + len), to);
      return b;
    }
    default: { // several byte changes at once
      for (let i = 0; i < 8; i++) b[pos()] = Math.floor(r() * 256);
      return b;
    }
  }
}

function checkTensors(tensors: TensorMap): void {
  for (const [k, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (!(t.data instanceof Float32Array) || t.data.length !== n) throw new Error(`malformed tensor '${k}' accepted`);
  }
}

interface Stats {
  runs: number;
  parsed: number;
  rejected: number;
  maxMs: number;
  totalMs: number;
}

/** Runs `count` mutations of `base` through `parse`; any non-WeightFormatError fails with its seed. */
async function fuzz(
  label: string,
  base: Uint8Array,
  count: number,
  parse: (b: Uint8Array) => TensorMap | Promise<TensorMap>,
  make: (r: () => number) => Uint8Array = (r) => mutate(base, r),
): Promise<Stats> {
  const stats: Stats = { runs: 0, parsed: 0, rejected: 0, maxMs: 0, totalMs: 0 };
  for (let seed = 1; seed <= count * SCALE; seed++) {
    const bytes = make(rng(seed * 7919 + label.length));
    const t0 = performance.now();
    try {
      checkTensors(await parse(bytes));
      stats.parsed++;
    } catch (e) {
      if (!(e instanceof WeightFormatError)) {
        throw new Error(`${label} seed ${seed}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      }
      stats.rejected++;
    }
    const ms = performance.now() - t0;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    stats.runs++;
  }
  return stats;
}

const report: string[] = [];
const record = (label: string, s: Stats): void => {
  report.push(`${label}: ${s.runs} files, ${s.rejected} rejected with WeightFormatError, ${s.parsed} parsed, ${s.totalMs.toFixed(0)} ms total, max ${s.maxMs.toFixed(1)} ms`);
  expect(s.runs).toBeGreaterThan(0);
  expect(s.maxMs).toBeLessThan(MAX_PARSE_MS);
};
afterAll(() => {
  if (report.length) console.log(`fuzz:\n  ${report.join('\n  ')}`);
});

describe('fuzz: safetensors', () => {
  const r = rng(3);
  const base = writeSafetensors(
    {
      'model.1.weight': { data: Float32Array.from({ length: 48 }, () => r()), shape: [4, 3, 2, 2] },
      'model.1.bias': { data: Float32Array.from([1, 2, 3, 4]), shape: [4] },
      s: { data: Float32Array.from([7]), shape: [] },
    },
    { metadata: { kind: 'GeneratorResNet', options: '{}' } },
  );
  const half = writeSafetensors({ a: { data: Float32Array.from([1, 2, 3]), shape: [3] }, b: { data: Float32Array.from([4]), shape: [1] } }, { dtype: 'F16' });
  const headerEnd = 8 + new DataView(base.buffer).getUint32(0, true);

  it('3000 byte-level mutations (half of them aimed at the header)', async () => {
    record('safetensors bytes', await fuzz('st', base, 3000, (b) => readSafetensors(b).tensors, (rr) => mutate(rr() < 0.8 ? base : half, rr, [0, headerEnd])));
  });

  it('2000 structural mutations of the JSON header (values swapped for hostile ones)', async () => {
    const header = JSON.parse(new TextDecoder().decode(base.subarray(8, headerEnd))) as Record<string, Record<string, unknown>>;
    const data = base.subarray(headerEnd);
    const hostile: unknown[] = [-1, 0, 1, 2 ** 53, 2 ** 64, 1e308, -0.5, 3.5, 'x', null, [], {}, [0], [0, 0], [2 ** 31, 2 ** 31], [0, 1e9], true];
    const make = (rr: () => number): Uint8Array => {
      const h = structuredClone(header);
      const keys = Object.keys(h);
      const key = keys[Math.floor(rr() * keys.length)];
      const fields = ['dtype', 'shape', 'data_offsets', 'extra'];
      const field = fields[Math.floor(rr() * fields.length)];
      const v = hostile[Math.floor(rr() * hostile.length)];
      if (rr() < 0.3 && Array.isArray(h[key]?.[field])) (h[key][field] as unknown[])[Math.floor(rr() * 2)] = v;
      else if (h[key] && typeof h[key] === 'object') h[key][field] = field === 'dtype' && rr() < 0.5 ? ['F64', 'BF16', 'U8', 'BOOL', 'I64'][Math.floor(rr() * 5)] : v;
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setUint32(0, json.length, true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    };
    record('safetensors header values', await fuzz('st-json', base, 2000, (b) => readSafetensors(b).tensors, make));
  });
});

const torch = probeTorch();

describe('PyTorch availability', () => {
  it('CI=true requires torch for the .pth fuzz bases', () => {
    // Without CI the PyTorch tests below skip with the reason; CI must run them.
    if (torch.required && !torch.ok) throw new Error(torch.reason);
  });
});

interface Manifest {
  tiny: { files: { zip: string; legacy: string; deflate: string } };
}

describe.skipIf(!torch.ok)(`fuzz: .pth (${torch.reason})`, () => {
  let fx: Fixtures<Manifest>;
  beforeAll(() => {
    fx = makeFixtures<Manifest>(['tiny']);
  });
  afterAll(() => fx?.cleanup());
  const read = (which: 'zip' | 'legacy' | 'deflate'): Uint8Array => new Uint8Array(readFileSync(fx.path(fx.manifest.tiny.files[which])));

  it('2000 mutations of a zip .pth (half aimed at the central directory)', async () => {
    const base = read('zip');
    const cd = base.length - 400;
    record('pth zip bytes', await fuzz('zip', base, 2000, async (b) => (await readPthZip(b)).tensors, (r) => mutate(base, r, [cd, base.length])));
  });

  it('2000 mutations of data.pkl inside a zip .pth, CRC fixed so the unpickler sees them', async () => {
    const base = read('zip');
    const zip = new ZipArchive(base);
    const entry = [...zip.entries.values()].find((e) => e.name.endsWith('/data.pkl'))!;
    const make = (r: () => number): Uint8Array => {
      const b = base.slice();
      const pkl = b.subarray(entry.dataOffset, entry.dataOffset + entry.size);
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        const p = Math.floor(r() * pkl.length);
        pkl[p] = r() < 0.5 ? INTERESTING[Math.floor(r() * INTERESTING.length)] : pkl[p] ^ (1 << Math.floor(r() * 8));
      }
      patchCrc(b, entry.headerOffset, crc32(pkl));
      return b;
    };
    record('pth zip data.pkl', await fuzz('pkl', base, 2000, async (b) => (await readPthZip(b)).tensors, make));
  });

  it('3000 mutations of a legacy .pth (pickles and raw storages, no checksum in the way)', async () => {
    const base = read('legacy');
    record('pth legacy bytes', await fuzz('legacy', base, 3000, (b) => readPthLegacy(b).tensors));
  });

  it('500 mutations of a DEFLATE .pth, through format detection', async () => {
    const base = read('deflate');
    record('pth deflate bytes', await fuzz('deflate', base, 500, async (b) => (await loadWeights(b)).tensors));
  });
});

/** Writes an entry's CRC-32 into its local header and its central directory record. */
function patchCrc(b: Uint8Array, headerOffset: number, crc: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(headerOffset + 14, crc, true);
  for (let p = 0; p + 46 <= b.length; p++) {
    if (v.getUint32(p, true) === 0x02014b50 && v.getUint32(p + 42, true) === headerOffset) v.setUint32(p + 16, crc, true);
  }
}
