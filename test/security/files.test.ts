// Careless and hostile paths, in-process: reads refuse devices and FIFOs before reading a byte
// (and the open of a FIFO never waits for a writer); atomic writes create their temporary file
// exclusively under an unpredictable name, never follow a planted link, and remove stale
// temporaries of their own; an output that is an input is refused before anything is written.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { loadFolderDataset } from '../../src/data/folder.js';
import { DatasetFolderError } from '../../src/data/errors.js';
import { FileKindError, readRegularFile } from '../../src/io/read_file.js';
import { loadWeights } from '../../src/io/load.js';
import { WeightSourceError } from '../../src/io/errors.js';
import { readFileBytes } from '../../src/cyclegan/checkpoint.js';
import { CheckpointError } from '../../src/cyclegan/checkpoint.js';
import { CliError } from '../../src/cli/errors.js';
import { readFileOrFail, refuseOutputOverInput, removeStaleTemps, STALE_TEMP_MS, tempNameFor, writeFileAtomic } from '../../src/cli/files.js';

let dir: string;
let fifo: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cg-files-'));
  fifo = join(dir, 'weights.pth');
  // mkfifo is in coreutils; a machine without it fails here (never a skip).
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('bounded reads', () => {
  it('/dev/zero is refused as a character device before a byte is read', async () => {
    const t0 = performance.now();
    const e = await caught(readRegularFile('/dev/zero'));
    console.log(`/dev/zero refused in ${(performance.now() - t0).toFixed(1)} ms`);
    expect(e).toBeInstanceOf(FileKindError);
    expect((e as FileKindError).kind).toBe('a character device');
    const w = await caught(loadWeights('/dev/zero'));
    expect(w).toBeInstanceOf(WeightSourceError);
    expect(String(w)).toMatch(/\/dev\/zero: it is a character device: only regular files are read/);
    expect(await caught(readFileOrFail('/dev/zero', 'weights file'))).toEqual(
      new CliError('weights file /dev/zero is a character device, not a regular file: only regular files are read (a device or pipe may never end); copy it to a file first'),
    );
    expect(await caught(readFileBytes('/dev/zero'))).toBeInstanceOf(CheckpointError);
  });

  it('a FIFO with no writer is refused at once, never waited on', async () => {
    const t0 = performance.now();
    const e = await caught(readRegularFile(fifo));
    console.log(`FIFO refused in ${(performance.now() - t0).toFixed(1)} ms`);
    expect(e).toBeInstanceOf(FileKindError);
    expect((e as FileKindError).kind).toBe('a FIFO (named pipe)');
    expect(String(await caught(loadWeights(fifo)))).toMatch(/FIFO/);
    expect(String(await caught(readFileOrFail(fifo, 'image')))).toMatch(/^CliError: image .*weights\.pth is a FIFO \(named pipe\), not a regular file/);
    // A link to one is the same thing.
    const link = join(dir, 'link.pth');
    symlinkSync(fifo, link);
    expect((await caught(readRegularFile(link)) as FileKindError).kind).toBe('a FIFO (named pipe)');
  });

  it('a dataset image that is a link to a FIFO is refused, not waited on', async () => {
    const root = join(dir, 'data');
    for (const d of ['A', 'B']) mkdirSync(join(root, 'train', d), { recursive: true });
    const img = new PNG({ width: 8, height: 8 });
    writeFileSync(join(root, 'train', 'A', 'a.png'), PNG.sync.write(img));
    symlinkSync(fifo, join(root, 'train', 'B', 'b.png'));
    const e = await caught(loadFolderDataset(root, { imgHeight: 8 }));
    expect(e).toBeInstanceOf(DatasetFolderError);
    expect(String(e)).toMatch(/b\.png.*not a regular file/);
  });

  it('a folder is a folder; a regular file reads whole; a limit is stated', async () => {
    expect(String(await caught(readFileOrFail(dir, 'image')))).toMatch(/is a folder, not a file/);
    const f = join(dir, 'ten.bin');
    writeFileSync(f, Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect([...(await readRegularFile(f))]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const big = await caught(readRegularFile(f, 4));
    expect(big).toBeInstanceOf(FileKindError);
    expect(String(big)).toMatch(/a file of 10 bytes: larger than the 4-byte limit/);
  });
});

describe('atomic writes', () => {
  it('temporary names are unpredictable and in the target folder', () => {
    const a = tempNameFor(join(dir, 'out.png'));
    const b = tempNameFor(join(dir, 'out.png'));
    expect(a).not.toBe(b);
    expect(a.startsWith(join(dir, '.out.png.tmp-'))).toBe(true);
    expect(a).toMatch(/\.tmp-\d+-[0-9a-f]{16}\.tmp$/);
  });

  it('a link planted at the old predictable name, or at the target, is neither followed nor written through', async () => {
    const sub = join(dir, 'planted');
    mkdirSync(sub);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    // What earlier versions opened without O_EXCL: `.NAME.PID.N.tmp`.
    for (let n = 0; n < 4; n++) symlinkSync(victim, join(sub, `.out.png.${process.pid}.${n}.tmp`));
    await writeFileAtomic(join(sub, 'out.png'), 'first');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(join(sub, 'out.png'), 'utf8')).toBe('first');
    for (let n = 0; n < 4; n++) expect(readlinkSync(join(sub, `.out.png.${process.pid}.${n}.tmp`))).toBe(victim);

    // A link at the target itself is replaced by the new file, the file it pointed to untouched.
    symlinkSync(victim, join(sub, 'target.png'));
    await writeFileAtomic(join(sub, 'target.png'), 'second');
    expect(lstatSync(join(sub, 'target.png')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(sub, 'target.png'), 'utf8')).toBe('second');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    // No temporary of ours is left.
    expect(readdirSync(sub).filter((n) => /\.tmp-\d+-[0-9a-f]{16}\.tmp$/.test(n))).toEqual([]);
  });

  it('stale temporaries of ours are removed; live ones, links and others are left', async () => {
    const sub = join(dir, 'stale');
    mkdirSync(sub);
    const victim = join(dir, 'victim2.txt');
    writeFileSync(victim, 'keep');
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default range: no such process
    const names = {
      dead: `.a.png.tmp-${deadPid}-0123456789abcdef.tmp`,
      old: `.b.png.tmp-${process.pid}-0123456789abcdef.tmp`,
      live: `.c.png.tmp-${process.pid}-fedcba9876543210.tmp`,
      legacy: `.d.png.${deadPid}.0.tmp`,
      link: `.e.png.tmp-${deadPid}-0123456789abcdef.tmp`,
      other: `.f.png.tmp-notours.tmp`,
    };
    for (const [k, n] of Object.entries(names)) if (k !== 'link') writeFileSync(join(sub, n), k);
    symlinkSync(victim, join(sub, names.link));
    const longAgo = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
    const aWhileAgo = (Date.now() - 60_000) / 1000;
    utimesSync(join(sub, names.old), longAgo, longAgo);
    for (const k of ['dead', 'legacy', 'other'] as const) utimesSync(join(sub, names[k]), aWhileAgo, aWhileAgo);
    const removed = await removeStaleTemps(sub);
    expect(removed.sort()).toEqual([names.dead, names.old, names.legacy].sort());
    expect(existsSync(join(sub, names.live))).toBe(true);
    expect(existsSync(join(sub, names.other))).toBe(true);
    expect(lstatSync(join(sub, names.link)).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    // writeFileAtomic runs the clean-up itself.
    writeFileSync(join(sub, names.dead), 'again');
    utimesSync(join(sub, names.dead), aWhileAgo, aWhileAgo);
    await writeFileAtomic(join(sub, 'new.png'), 'x');
    expect(existsSync(join(sub, names.dead))).toBe(false);
  });
});

describe('an output that is an input', () => {
  it('is refused for the same path, a link, a hard link and the same folder; other outputs pass', async () => {
    const inDir = join(dir, 'photos');
    mkdirSync(inDir);
    const x = join(inDir, 'x.png');
    const y = join(inDir, 'y.png');
    writeFileSync(x, 'x');
    writeFileSync(y, 'y');
    symlinkSync(x, join(dir, 'x-link.png'));
    linkSync(x, join(dir, 'x-hard.png'));
    const refused = async (jobs: { from: string; to: string }[], pattern: RegExp): Promise<void> => {
      const e = await caught(refuseOutputOverInput(jobs));
      expect(e).toBeInstanceOf(CliError);
      expect(String(e)).toMatch(pattern);
    };
    await refused([{ from: x, to: x }], /output .*x\.png would overwrite the input .*x\.png; choose another output path/);
    await refused([{ from: x, to: join(inDir, '..', 'photos', 'x.png') }], /would overwrite the input/);
    await refused([{ from: x, to: join(dir, 'x-link.png') }], /would overwrite the input/);
    await refused([{ from: join(dir, 'x-link.png'), to: x }], /would overwrite the input/);
    await refused([{ from: x, to: join(dir, 'x-hard.png') }], /would overwrite the input/);
    await refused(
      [
        { from: x, to: join(inDir, 'x.png') },
        { from: y, to: join(inDir, 'y.png') },
      ],
      /the output folder is the input folder/,
    );
    // Translating x into y's place would destroy y, an input of the same run.
    await refused(
      [
        { from: x, to: y },
        { from: y, to: join(dir, 'y-out.png') },
      ],
      /y\.png would overwrite the input .*y\.png/,
    );
    await refuseOutputOverInput([{ from: x, to: join(dir, 'out', 'x.png') }]);
    await refuseOutputOverInput([{ from: x, to: join(dir, 'x-translated.png') }]);
    expect(readFileSync(x, 'utf8')).toBe('x');
  });
});
