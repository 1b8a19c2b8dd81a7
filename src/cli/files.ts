// Atomic file writes for the CLI: the bytes go to a temporary file next to the target, which is
// flushed and renamed over it, so an interrupted or failed command never leaves a partial file
// that looks complete.
import { mkdir, open, rename, rm, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from './errors.js';

let counter = 0;

/** Writes `bytes` (or text) to `path` atomically, creating the folder if needed. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Reads a file, turning fs errors into one clear line. */
export async function readFileOrFail(path: string, what = 'file'): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} ${path} does not exist`);
    if (code === 'EISDIR') throw new CliError(`${what} ${path} is a folder, not a file`);
    if (code === 'EACCES') throw new CliError(`${what} ${path} is not readable (permission denied)`);
    throw new CliError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}
