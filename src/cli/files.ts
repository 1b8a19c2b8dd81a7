// Files for the CLI. Writes are atomic: the bytes go to a temporary file next to the target,
// created exclusively (O_CREAT | O_EXCL, so an existing name, a planted symlink included, is
// never followed or reused) under an unpredictable name, flushed, and renamed over the target
// (rename replaces a link at the target itself, never writes through it). Temporary files of
// ours that a killed process left behind are removed on the next write into that folder.
// Reads take regular files only (src/io/read_file.ts), and an output that would overwrite an
// input is refused before anything is written.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileKindError, readRegularFile } from '../io/read_file.js';
import type { SafetensorsLayout } from '../io/safetensors.js';
import { writeSafetensorsLayout } from '../cyclegan/checkpoint.js';
import { CliError } from './errors.js';

/** Our temporary names: `.NAME.tmp-PID-RANDOM.tmp` (16 hex digits of crypto randomness). */
const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]{16}\.tmp$/;
/** The predictable names earlier versions used (`.NAME.PID.N.tmp`), cleaned up the same way. */
const OLD_TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;
/** A temporary file older than this is stale whoever made it; one of a dead process sooner. */
export const STALE_TEMP_MS = 60 * 60 * 1000;
const DEAD_PID_GRACE_MS = 5_000;

/** The temporary name for `path`'s next write (exported for tests). */
export function tempNameFor(path: string): string {
  // Keep the whole name under the usual 255-byte limit.
  return join(dirname(path), `.${basename(path).slice(0, 200)}.tmp-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
}

/** Writes `bytes` (or text) to `path` atomically, creating the folder if needed. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeAtomicWith(path, (handle) => handle.writeFile(bytes));
}

/**
 * Writes a laid-out safetensors file to `path` atomically, streaming it: the header, then each
 * tensor's bytes from its own values with a positional write, never a buffer of the whole file.
 * The file is byte for byte what writeSafetensors returns.
 */
export async function writeSafetensorsAtomic(path: string, layout: SafetensorsLayout): Promise<void> {
  await writeAtomicWith(path, (handle) => writeSafetensorsLayout(handle, layout));
}

// One fsync per file before its rename stays: without it a crash soon after could publish the new
// name over an empty or partial file on filesystems that do not order data before the rename.
// fdatasync measured no faster for a 325 MiB checkpoint (about 0.45 s either way).
async function writeAtomicWith(path: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  const dir = dirname(path);
  let tmp: string | null = null;
  try {
    await mkdir(dir, { recursive: true });
    await removeStaleTemps(dir);
    const name = tempNameFor(path);
    const handle = await open(name, 'wx', 0o644);
    tmp = name; // created by us: ours to remove on failure
    try {
      await fill(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(name, path);
    tmp = null;
  } catch (e) {
    if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes temporary files of ours in `dir` that no write will finish: those of a process that
 * is gone, and any older than STALE_TEMP_MS. Only regular files owned by this user are
 * touched (lstat: a symlink with a temp-looking name is left alone). Returns the names removed.
 */
export async function removeStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  for (const name of names) {
    const m = TEMP_NAME.exec(name) ?? OLD_TEMP_NAME.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    try {
      const st = await lstat(file);
      if (!st.isFile() || (uid !== null && st.uid !== uid)) continue;
      const age = now - st.mtimeMs;
      const pid = Number(m[1]);
      const dead = pid !== process.pid && !processIsAlive(pid);
      if (age > STALE_TEMP_MS || (dead && age > DEAD_PID_GRACE_MS)) {
        await rm(file, { force: true });
        removed.push(name);
      }
    } catch {
      // gone already, or not ours to judge
    }
  }
  return removed;
}

/** Reads a regular file (never a device or FIFO: see readRegularFile), turning fs errors into one clear line. */
export async function readFileOrFail(path: string, what = 'file'): Promise<Uint8Array> {
  try {
    return await readRegularFile(path);
  } catch (e) {
    if (e instanceof FileKindError) {
      if (e.kind === 'a folder') throw new CliError(`${what} ${path} is a folder, not a file`);
      throw new CliError(`${what} ${path} is ${e.kind}, not a regular file: ${e.reason}`);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} ${path} does not exist`);
    if (code === 'EISDIR') throw new CliError(`${what} ${path} is a folder, not a file`);
    if (code === 'EACCES') throw new CliError(`${what} ${path} is not readable (permission denied)`);
    throw new CliError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** The file `p` really is (links and `..` resolved; for a file not yet there, its folder resolved). */
async function identity(p: string): Promise<{ real: string; id: string | null }> {
  try {
    const st = await stat(p);
    return { real: await realpath(p), id: `${st.dev}:${st.ino}` };
  } catch {
    let dir = resolve(dirname(p));
    try {
      dir = await realpath(dir);
    } catch {
      // the folder does not exist yet: nothing in it can be an input
    }
    return { real: join(dir, basename(p)), id: null };
  }
}

/**
 * Refuses, before anything is written, a job list in which an output is one of the inputs
 * (the same path, a link to it or a hard link: `translate -i x.png -o x.png`, or an output
 * folder that is the input folder), naming the first such pair.
 */
export async function refuseOutputOverInput(jobs: readonly { from: string; to: string }[]): Promise<void> {
  const inputs = new Map<string, string>();
  for (const { from } of jobs) {
    const { real, id } = await identity(from);
    inputs.set(real, from);
    if (id) inputs.set(id, from);
  }
  for (const { to } of jobs) {
    const { real, id } = await identity(to);
    const hit = inputs.get(real) ?? (id ? inputs.get(id) : undefined);
    if (hit !== undefined) {
      const same = resolve(dirname(to)) === resolve(dirname(hit)) && jobs.length > 1 ? ' (the output folder is the input folder)' : '';
      throw new CliError(`output ${to} would overwrite the input ${hit}${same}; choose another output path`);
    }
  }
}
