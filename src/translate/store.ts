// Whole-image activations [C, H, W] that tiles are read from and written to by rectangles: the
// image being translated, the output, and the stored checkpoint activation of the stored
// schedule (./stored.ts). The checkpoint lives either in a Float32Array outside the WASM heap
// or, where that would cost too much resident memory (a 12-megapixel photo's quarter-resolution
// 256-channel activation is 732 MiB), in a temporary file read and written by rows. Both keep
// float32 values exactly, so the translation's result does not depend on where they live.
import { CycleGANError } from '../errors.js';

/** A whole-image [channels, height, width] activation, read and written by rectangles. */
export interface Planes {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** The values of rows [r0, r1) and columns [c0, c1), as [channels, r1 - r0, c1 - c0]. */
  read(rows: [number, number], cols: [number, number]): Float32Array;
  /** Writes `data` ([channels, r1 - r0, c1 - c0]) at rows [r0, r1) and columns [c0, c1). */
  write(rows: [number, number], cols: [number, number], data: Float32Array): void;
}

/** Planes that may hold resources (a file) to release. */
export interface ActivationStore extends Planes {
  /** 'memory' or 'file', and where the file is (for reports). */
  readonly kind: 'memory' | 'file';
  readonly path: string | null;
  /** Releases the buffer or closes and removes the file; safe to call twice. */
  dispose(): void;
}

function checkRect(p: Planes, rows: [number, number], cols: [number, number]): void {
  if (!(rows[0] >= 0 && rows[0] <= rows[1] && rows[1] <= p.height && cols[0] >= 0 && cols[0] <= cols[1] && cols[1] <= p.width)) {
    throw new CycleGANError(`translate: internal error: rows ${rows[0]}..${rows[1]}, columns ${cols[0]}..${cols[1]} lie outside a ${p.width}x${p.height} activation`);
  }
}

/** Planes over a [C, H, W] Float32Array (not copied). */
export function arrayPlanes(data: Float32Array, channels: number, height: number, width: number): ActivationStore {
  if (data.length !== channels * height * width) throw new CycleGANError(`translate: internal error: ${data.length} values for a ${channels}x${height}x${width} activation`);
  let buf: Float32Array | null = data;
  const plane = height * width;
  const live = (): Float32Array => {
    if (!buf) throw new CycleGANError('translate: internal error: an activation was used after it was released');
    return buf;
  };
  const p: ActivationStore = {
    kind: 'memory',
    path: null,
    channels,
    height,
    width,
    read(rows, cols) {
      checkRect(p, rows, cols);
      const b = live();
      const nr = rows[1] - rows[0];
      const nc = cols[1] - cols[0];
      const out = new Float32Array(channels * nr * nc);
      for (let ch = 0; ch < channels; ch++) {
        for (let r = 0; r < nr; r++) {
          const src = ch * plane + (rows[0] + r) * width + cols[0];
          out.set(b.subarray(src, src + nc), (ch * nr + r) * nc);
        }
      }
      return out;
    },
    write(rows, cols, values) {
      checkRect(p, rows, cols);
      const b = live();
      const nr = rows[1] - rows[0];
      const nc = cols[1] - cols[0];
      for (let ch = 0; ch < channels; ch++) {
        for (let r = 0; r < nr; r++) {
          const src = (ch * nr + r) * nc;
          b.set(values.subarray(src, src + nc), ch * plane + (rows[0] + r) * width + cols[0]);
        }
      }
    },
    dispose() {
      buf = null;
    },
  };
  return p;
}

interface NodeFsSync {
  openSync(path: string, flags: string, mode: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
  unlinkSync(path: string): void;
  readdirSync(path: string): string[];
}

/** Temporary files still open, removed when the process exits (also after a failure). */
const liveFiles = new Set<() => void>();
let exitHookInstalled = false;

interface NodeProcess {
  pid: number;
  once(event: string, f: () => void): void;
  kill(pid: number, signal?: string | number): boolean;
}

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

function cleanupAll(): void {
  for (const cleanup of [...liveFiles]) cleanup();
}

/**
 * While a file exists, removes it at exit ('exit' runs on process.exit and a normal end). No
 * signal listener is added: one would turn off Node's default action, and a translation whose
 * awaits resolve as microtasks would then ignore SIGTERM until it ends. A process ended by a
 * signal it does not handle leaves its file, which the next store removes (removeStale).
 */
function watchProcess(): void {
  const proc = nodeProcess();
  if (!proc || exitHookInstalled) return;
  exitHookInstalled = true;
  proc.once('exit', cleanupAll);
}

const PREFIX = 'cyclegan-engine-activation-';

/**
 * Removes activation files of this kind left in `dir` by processes that no longer run (killed
 * with SIGKILL, say): the name carries the creating process's id. A file of a live process,
 * or one whose owner cannot be told, is left alone (on POSIX an open file stays usable after
 * its name is removed, so even a wrong guess would not disturb its owner).
 */
function removeStale(fs: NodeFsSync, dir: string, join: (...p: string[]) => string): void {
  const proc = nodeProcess();
  if (!proc) return;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${PREFIX}(\\d+)-[0-9a-f]+\\.f32$`).exec(name);
    if (!m || Number(m[1]) === proc.pid) continue;
    try {
      proc.kill(Number(m[1]), 0);
      continue;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ESRCH') continue;
    }
    try {
      fs.unlinkSync(join(dir, name));
    } catch {
      // Removed by someone else meanwhile, or not ours to remove.
    }
  }
}

/**
 * A [C, H, W] activation in a temporary file of the OS temp folder, created exclusively under a
 * random name (readable by its owner only) and removed by dispose() or, failing that, when the
 * process exits; files that processes killed by a signal left behind are removed by the next
 * one. Stored row by row with the channels of a pixel together ([H, W, C]), so that a
 * rectangle's row is one contiguous read or write.
 */
export async function fileStore(channels: number, height: number, width: number, dir?: string): Promise<ActivationStore> {
  let fs: NodeFsSync;
  let tmp: string;
  let join: (...p: string[]) => string;
  try {
    const [fsSpec, osSpec, pathSpec] = ['node:fs', 'node:os', 'node:path'];
    fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsSpec)) as NodeFsSync;
    tmp = dir ?? ((await import(/* @vite-ignore */ /* webpackIgnore: true */ osSpec)) as { tmpdir(): string }).tmpdir();
    join = ((await import(/* @vite-ignore */ /* webpackIgnore: true */ pathSpec)) as { join(...p: string[]): string }).join;
  } catch {
    throw new CycleGANError("translate: activationStore 'file' needs Node.js (in a browser use 'memory')");
  }
  removeStale(fs, tmp, join);
  const random = new Uint8Array(12);
  globalThis.crypto.getRandomValues(random);
  const pid = nodeProcess()?.pid ?? 0;
  const name = join(tmp, `${PREFIX}${pid}-${[...random].map((b) => b.toString(16).padStart(2, '0')).join('')}.f32`);
  // 'wx+' (read and write): fails rather than reuse anything already at that name (a planted file or link).
  const fd = fs.openSync(name, 'wx+', 0o600);
  let open = true;
  const cleanup = (): void => {
    if (!open) return;
    open = false;
    liveFiles.delete(cleanup);
    try {
      fs.closeSync(fd);
    } finally {
      try {
        fs.unlinkSync(name);
      } catch {
        // Already gone: nothing to clean.
      }
    }
  };
  liveFiles.add(cleanup);
  watchProcess();

  const pixelBytes = channels * 4;
  const live = (): void => {
    if (!open) throw new CycleGANError('translate: internal error: an activation file was used after it was removed');
  };
  const transfer = (op: 'read' | 'write', bytes: Uint8Array, position: number): void => {
    let done = 0;
    while (done < bytes.length) {
      const n = op === 'read' ? fs.readSync(fd, bytes, done, bytes.length - done, position + done) : fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
      // A read past what was ever written (never done by the schedule) would loop forever.
      if (n <= 0) throw new CycleGANError(`translate: the activation file ${name} ended early (${op} at byte ${position + done})`);
      done += n;
    }
  };
  const p: ActivationStore = {
    kind: 'file',
    path: name,
    channels,
    height,
    width,
    read(rows, cols) {
      checkRect(p, rows, cols);
      live();
      const nr = rows[1] - rows[0];
      const nc = cols[1] - cols[0];
      const out = new Float32Array(channels * nr * nc);
      const row = new Float32Array(nc * channels);
      const bytes = new Uint8Array(row.buffer);
      for (let r = 0; r < nr; r++) {
        transfer('read', bytes, ((rows[0] + r) * width + cols[0]) * pixelBytes);
        for (let ch = 0; ch < channels; ch++) {
          const dst = (ch * nr + r) * nc;
          for (let k = 0; k < nc; k++) out[dst + k] = row[k * channels + ch];
        }
      }
      return out;
    },
    write(rows, cols, values) {
      checkRect(p, rows, cols);
      live();
      const nr = rows[1] - rows[0];
      const nc = cols[1] - cols[0];
      const row = new Float32Array(nc * channels);
      const bytes = new Uint8Array(row.buffer);
      for (let r = 0; r < nr; r++) {
        for (let ch = 0; ch < channels; ch++) {
          const src = (ch * nr + r) * nc;
          for (let k = 0; k < nc; k++) row[k * channels + ch] = values[src + k];
        }
        transfer('write', bytes, ((rows[0] + r) * width + cols[0]) * pixelBytes);
      }
    },
    dispose: cleanup,
  };
  return p;
}
