// Reading a whole file in Node, bounded: only regular files are read, and only the size they
// had when opened. A device (`/dev/zero`, `/dev/urandom`) never ends and a FIFO blocks until a
// writer comes, so both are refused before a byte is read; the open itself uses O_NONBLOCK so
// that opening a FIFO cannot hang (on a regular file the flag changes nothing). Node's fs is
// imported lazily through a computed specifier, so browser bundles never include it.
import { CycleGANError } from '../errors.js';

/** The most bytes one file may hold (a Uint8Array's practical limit in Node: 4 GiB). */
export const MAX_FILE_BYTES = 2 ** 32;

/** A path names something other than a regular file, or a file beyond MAX_FILE_BYTES. */
export class FileKindError extends CycleGANError {
  constructor(
    readonly path: string,
    /** 'a character device', 'a FIFO (named pipe)', 'a socket', 'a block device', 'a folder', or 'a file of N bytes'. */
    readonly kind: string,
    readonly reason: string,
  ) {
    super(`${path} is ${kind}: ${reason}`);
  }
}

type Stats = { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; size: number };
interface Handle {
  stat(): Promise<Stats>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}
interface NodeFs {
  open(path: string | URL, flags: number): Promise<Handle>;
  constants: { O_RDONLY: number; O_NONBLOCK?: number };
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of the regular file at `path` (at most its size when opened, and at most
 * `maxBytes`). Throws FileKindError for anything else; fs errors (ENOENT, EACCES) pass through.
 */
export async function readRegularFile(path: string | URL, maxBytes = MAX_FILE_BYTES): Promise<Uint8Array> {
  const specifier = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ specifier)) as NodeFs;
  const label = typeof path === 'string' ? path : path.href;
  const handle = await fs.open(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new FileKindError(label, kindOf(st), 'only regular files are read (a device or pipe may never end); copy it to a file first');
    }
    if (st.size > maxBytes) throw new FileKindError(label, `a file of ${st.size} bytes`, `larger than the ${maxBytes}-byte limit`);
    const out = new Uint8Array(st.size);
    let filled = 0;
    while (filled < out.length) {
      const { bytesRead } = await handle.read(out, filled, out.length - filled, filled);
      if (bytesRead === 0) break; // truncated while reading: return what is there
      filled += bytesRead;
    }
    return filled === out.length ? out : out.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
