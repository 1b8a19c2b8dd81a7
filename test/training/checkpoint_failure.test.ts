// A save that fails while writing or renaming (disk full, a crash) leaves the previous
// checkpoint intact and no temporary file behind: node:fs/promises is wrapped so that the
// write and then the rename fail once.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { CheckpointError } from '../../src/cyclegan/checkpoint.js';

const faults = vi.hoisted(() => ({ write: false, rename: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const wrapped = {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const fh = await fs.open(...args);
      if (!faults.write) return fh;
      faults.write = false;
      // Half the bytes reach the disk, then the device is full (a whole-buffer write), or the
      // header and the first tensor do (the streamed writer's positional writes).
      let writes = 0;
      return Object.assign(Object.create(fh), {
        writeFile: async (data: Uint8Array) => {
          await fh.writeFile(data.subarray(0, data.length >> 1));
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
        write: async (data: Uint8Array, offset: number, length: number, position: number) => {
          if (++writes > 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          return fh.write(data, offset, length, position);
        },
        sync: () => fh.sync(),
        close: () => fh.close(),
      });
    },
    rename: async (from: string, to: string) => {
      if (faults.rename) {
        faults.rename = false;
        throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      }
      return fs.rename(from, to);
    },
  };
  return { ...wrapped, default: wrapped };
});

let engine: Engine;
let dir: string;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'cyclegan-ckpt-fail-'));
});
afterAll(() => {
  engine?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a failed checkpoint save', () => {
  it('in the middle of the write or at the rename leaves the previous file intact and no temporary file', async () => {
    const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, seed: 1 });
    const path = join(dir, 'run.safetensors');
    await trainer.saveCheckpoint(path);
    const previous = readFileSync(path);
    // The trainer moves on (one step), so the next checkpoint differs.
    const a = engine.rand([1, 3, 32, 32]);
    const b = engine.rand([1, 3, 32, 32]);
    await trainer.step(a, b);

    faults.write = true;
    const e1 = await trainer.saveCheckpoint(path).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CheckpointError);
    expect((e1 as Error).message).toMatch(/could not write .*ENOSPC.*previous file there is unchanged/);
    expect(readFileSync(path).equals(previous)).toBe(true);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);

    faults.rename = true;
    await expect(trainer.saveCheckpoint(path)).rejects.toThrow(/EIO/);
    expect(readFileSync(path).equals(previous)).toBe(true);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);

    // The trainer is unharmed: the next save succeeds and holds the new state.
    await trainer.saveCheckpoint(path);
    expect(readFileSync(path).equals(previous)).toBe(false);
    const resumed = await CycleGANTrainer.resume(engine, path);
    expect(resumed.steps).toBe(1);
    resumed.dispose();
    a.dispose();
    b.dispose();
    trainer.dispose();
  });
});
