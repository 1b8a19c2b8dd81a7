// Training checkpoints: one safetensors file holding everything a run needs to continue as if
// it had never stopped: the four networks (keys G_AB.*, G_BA.*, D_A.*, D_B.*: PyTorch's
// state_dict keys under the reference's variable names, so `loadModel(file, { prefix: 'G_AB.' })`
// reads a generator straight out of it), the three Adam optimizers' moments, the schedulers,
// the epoch and batch counters with the epoch's sample order, the two replay buffers and the
// random generators' states. Scalars travel as JSON in `__metadata__`.
//
// Files are written atomically: the bytes go to a temporary file next to the target, which is
// flushed and then renamed over it, so a crash or a failed write leaves the previous checkpoint
// as it was. Node's fs is imported lazily (computed specifier) so browser bundles never pull it
// in; browsers use the byte-level encode/decode.
import { CycleGANError } from '../errors.js';
import { chunkBytes, layoutSafetensors, readSafetensors, writeSafetensors, type SafetensorsLayout, type TensorValues } from '../io/safetensors.js';
import { readRegularFile } from '../io/read_file.js';
import type { RngState } from '../random/rng.js';
import type { AdamStateDict } from '../optim/adam.js';
import type { LambdaLRSchedulerState } from '../optim/lambda_lr.js';
import { ARCHITECTURE_OPTIONS, DEFAULT_OPTIONS, type ResolvedCycleGANOptions } from './options.js';

/** A checkpoint could not be written, read, or does not fit the trainer. */
export class CheckpointError extends CycleGANError {}

export const CHECKPOINT_FORMAT = 'cyclegan-engine/training-checkpoint';
export const CHECKPOINT_VERSION = 1;

export const NETWORK_NAMES = ['G_AB', 'G_BA', 'D_A', 'D_B'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];
export const OPTIMIZER_NAMES = ['optimizer_G', 'optimizer_D_A', 'optimizer_D_B'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export const BUFFER_NAMES = ['fake_A_buffer', 'fake_B_buffer'] as const;
export type BufferName = (typeof BUFFER_NAMES)[number];

export interface PlainTensor<V = Float32Array> {
  data: V;
  shape: number[];
}

/**
 * Everything a checkpoint holds, as plain values. (Internally also with each tensor's values as
 * a function that returns a view of them, `V = TensorValues`: a checkpoint written from the heap.)
 */
export interface TrainingState<V = Float32Array> {
  options: ResolvedCycleGANOptions;
  /** Per network: state_dict key -> values. */
  networks: Record<NetworkName, Record<string, PlainTensor<V>>>;
  /** Per optimizer: the prefixed names of its parameters (`G_AB.model.1.weight`), in order, and its state. */
  optimizers: Record<OptimizerName, { params: string[]; state: AdamStateDict<V> }>;
  schedulers: Record<OptimizerName, LambdaLRSchedulerState>;
  /** The epoch being trained (absolute, like the reference's `epoch`). */
  epoch: number;
  /** Batches of that epoch already done. */
  batch: number;
  /** The sample order of the current epoch, or null before its first batch. */
  epochOrder: number[] | null;
  /** Steps taken over the whole run. */
  steps: number;
  rng: { data: RngState; replay: RngState | null; sample: RngState };
  /** The replay buffers' images, each [1, C, H, W]. */
  buffers: Record<BufferName, V[]>;
}

interface Meta {
  options: ResolvedCycleGANOptions;
  optimizers: Record<OptimizerName, { params: string[]; lr: number; initialLr: number; betas: [number, number]; eps: number; weightDecay: number; steps: (number | null)[] }>;
  schedulers: Record<OptimizerName, LambdaLRSchedulerState>;
  epoch: number;
  batch: number;
  epochOrder: number[] | null;
  steps: number;
  rng: TrainingState['rng'];
  buffers: Record<BufferName, number>;
}

/** Serialises a training state as safetensors bytes. */
export function encodeCheckpoint(state: TrainingState): Uint8Array {
  const { tensors, metadata } = checkpointContents(state);
  return writeSafetensors(tensors, { metadata });
}

/** A training state laid out as safetensors, its tensors not copied (writeCheckpointFile streams them). */
export function layoutCheckpoint(state: TrainingState<TensorValues>): SafetensorsLayout {
  const { tensors, metadata } = checkpointContents(state);
  return layoutSafetensors(tensors, { metadata });
}

function checkpointContents<V extends TensorValues>(state: TrainingState<V>): { tensors: Record<string, PlainTensor<V>>; metadata: Record<string, string> } {
  const tensors: Record<string, PlainTensor<V>> = Object.create(null);
  for (const net of NETWORK_NAMES) {
    for (const [k, t] of Object.entries(state.networks[net])) tensors[`${net}.${k}`] = t;
  }
  const optimizers = {} as Meta['optimizers'];
  for (const name of OPTIMIZER_NAMES) {
    const { params, state: s } = state.optimizers[name];
    const shapes = params.map((p) => shapeOfParam(state, p));
    s.state.forEach((ps, i) => {
      if (!ps) return;
      tensors[`${name}.exp_avg.${params[i]}`] = { data: ps.expAvg, shape: shapes[i] };
      tensors[`${name}.exp_avg_sq.${params[i]}`] = { data: ps.expAvgSq, shape: shapes[i] };
    });
    optimizers[name] = {
      params,
      lr: s.lr,
      initialLr: s.initialLr,
      betas: s.betas,
      eps: s.eps,
      weightDecay: s.weightDecay,
      steps: s.state.map((ps) => (ps ? ps.step : null)),
    };
  }
  const { channels, imgHeight, imgWidth } = state.options;
  const buffers = {} as Meta['buffers'];
  for (const name of BUFFER_NAMES) {
    state.buffers[name].forEach((img, i) => {
      tensors[`${name}.${i}`] = { data: img, shape: [1, channels, imgHeight, imgWidth] };
    });
    buffers[name] = state.buffers[name].length;
  }
  const meta: Meta = {
    options: state.options,
    optimizers,
    schedulers: state.schedulers,
    epoch: state.epoch,
    batch: state.batch,
    epochOrder: state.epochOrder,
    steps: state.steps,
    rng: state.rng,
    buffers,
  };
  return {
    tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      version: String(CHECKPOINT_VERSION),
      architecture: describeArchitecture(state.options),
      checkpoint: JSON.stringify(meta),
    },
  };
}

function shapeOfParam(state: TrainingState<TensorValues>, prefixed: string): number[] {
  const dot = prefixed.indexOf('.');
  const net = prefixed.slice(0, dot) as NetworkName;
  const t = state.networks[net]?.[prefixed.slice(dot + 1)];
  if (!t) throw new CheckpointError(`checkpoint: optimizer parameter ${prefixed} is not a network tensor`);
  return t.shape;
}

/** Parses checkpoint bytes; throws a CheckpointError saying what is wrong with them. */
export function decodeCheckpoint(bytes: Uint8Array, label = 'checkpoint'): TrainingState {
  let contents;
  try {
    contents = readSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`${label} is not a readable safetensors file: ${(e as Error).message}`);
  }
  const { tensors, metadata } = contents;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    const looksLikeWeights = Object.keys(tensors).some((k) => k.startsWith('model.'));
    throw new CheckpointError(
      `${label} is not a cyclegan-engine training checkpoint (metadata format ${JSON.stringify(metadata.format ?? null)})` +
        (looksLikeWeights ? '; it looks like a weights file: load it with loadModel() or a network\'s loadStateDict()' : ''),
    );
  }
  if (metadata.version !== String(CHECKPOINT_VERSION)) {
    throw new CheckpointError(`${label} has checkpoint version ${metadata.version}; this library reads version ${CHECKPOINT_VERSION}`);
  }
  let meta: Meta;
  try {
    meta = JSON.parse(metadata.checkpoint ?? '') as Meta;
  } catch {
    throw new CheckpointError(`${label}: its 'checkpoint' metadata is not JSON`);
  }
  const bad = (what: string): never => {
    throw new CheckpointError(`${label} is damaged: ${what}`);
  };
  if (!meta || typeof meta !== 'object' || !meta.options || typeof meta.options !== 'object' || !meta.optimizers || !meta.schedulers || !meta.rng || !meta.buffers) {
    bad('its metadata lacks options, optimizers, schedulers, rng or buffers');
  }
  const used = new Set<string>();
  const take = (key: string): PlainTensor => {
    const t = tensors[key];
    if (!t) bad(`tensor ${key} is missing`);
    used.add(key);
    return { data: t.data, shape: t.shape };
  };
  const networks = {} as TrainingState['networks'];
  for (const net of NETWORK_NAMES) {
    const out: Record<string, PlainTensor> = Object.create(null);
    for (const key of Object.keys(tensors)) {
      if (key.startsWith(`${net}.`)) out[key.slice(net.length + 1)] = take(key);
    }
    if (Object.keys(out).length === 0) bad(`no tensors for network ${net}`);
    networks[net] = out;
  }
  const optimizers = {} as TrainingState['optimizers'];
  for (const name of OPTIMIZER_NAMES) {
    const m = meta.optimizers[name];
    if (!m || !Array.isArray(m.params) || !Array.isArray(m.steps) || m.steps.length !== m.params.length) {
      bad(`optimizer ${name} has no parameter list`);
    }
    const state: AdamStateDict['state'] = m.params.map((p, i) => {
      const step = m.steps[i];
      if (step === null) return null;
      return { step, expAvg: take(`${name}.exp_avg.${p}`).data, expAvgSq: take(`${name}.exp_avg_sq.${p}`).data };
    });
    optimizers[name] = {
      params: m.params,
      state: { lr: m.lr, initialLr: m.initialLr, betas: m.betas, eps: m.eps, weightDecay: m.weightDecay, state },
    };
  }
  const buffers = {} as TrainingState['buffers'];
  for (const name of BUFFER_NAMES) {
    const n = meta.buffers[name];
    if (!Number.isInteger(n) || n < 0) bad(`buffer ${name} has no image count`);
    buffers[name] = Array.from({ length: n }, (_, i) => take(`${name}.${i}`).data);
  }
  const stray = Object.keys(tensors).filter((k) => !used.has(k));
  if (stray.length) bad(`unexpected tensors ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', ...' : ''}`);
  if (!Number.isInteger(meta.epoch) || !Number.isInteger(meta.batch) || meta.batch < 0 || !Number.isInteger(meta.steps)) {
    bad('invalid epoch, batch or step counters');
  }
  if (meta.epochOrder !== null && !(Array.isArray(meta.epochOrder) && meta.epochOrder.every((i) => Number.isInteger(i) && i >= 0))) {
    bad('invalid epoch sample order');
  }
  return {
    options: knownOptions(meta.options),
    networks,
    optimizers,
    schedulers: meta.schedulers,
    epoch: meta.epoch,
    batch: meta.batch,
    epochOrder: meta.epochOrder,
    steps: meta.steps,
    rng: meta.rng,
    buffers,
  };
}

/**
 * The checkpoint's options, copied key by known key into a fresh object: whatever else the
 * parsed JSON holds (a `__proto__` key, which JSON.parse makes an own property) goes nowhere,
 * so spreading or assigning these options can never replace a prototype.
 */
function knownOptions(parsed: unknown): ResolvedCycleGANOptions {
  const out: Record<string, unknown> = {};
  const src = parsed as Record<string, unknown>;
  for (const k of Object.keys(DEFAULT_OPTIONS)) if (Object.hasOwn(src, k)) out[k] = src[k];
  return out as unknown as ResolvedCycleGANOptions;
}

/** 'channels 3, 32x32, 2 residual blocks' */
export function describeArchitecture(o: Pick<ResolvedCycleGANOptions, (typeof ARCHITECTURE_OPTIONS)[number]>): string {
  // Checkpoints written before the width options existed hold none: they are the reference's 64.
  const width = (o.ngf ?? 64) !== 64 || (o.ndf ?? 64) !== 64 ? `, ngf ${o.ngf ?? 64}, ndf ${o.ndf ?? 64}` : '';
  return `channels ${o.channels}, ${o.imgHeight}x${o.imgWidth}, ${o.nResidualBlocks} residual blocks${width}`;
}

/** The architecture options on which a and b differ, as 'name a -> b' lines. */
export function architectureDifferences(
  checkpoint: Pick<ResolvedCycleGANOptions, (typeof ARCHITECTURE_OPTIONS)[number]>,
  trainer: Pick<ResolvedCycleGANOptions, (typeof ARCHITECTURE_OPTIONS)[number]>,
): string[] {
  return ARCHITECTURE_OPTIONS.filter((k) => checkpoint[k] !== trainer[k]).map(
    (k) => `${k}: checkpoint ${checkpoint[k]}, trainer ${trainer[k]}`,
  );
}

// ------------------------------------------------------------------------------- files (Node)

interface FileHandleLike {
  writeFile(b: Uint8Array): Promise<void>;
  write(b: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

interface NodeFs {
  open(path: string, flags: string): Promise<FileHandleLike>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

async function nodeFs(what: string): Promise<NodeFs> {
  const specifier = 'node:fs/promises';
  try {
    return (await import(/* @vite-ignore */ specifier)) as NodeFs;
  } catch {
    throw new CheckpointError(`${what}: file paths need Node.js; in a browser use the bytes (checkpointBytes / loadCheckpoint(bytes))`);
  }
}

/**
 * Writes bytes to `path` atomically: a temporary file in the same directory, flushed to disk,
 * then renamed over `path`. On any failure the temporary file is removed and an existing file
 * at `path` is left untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeAtomicWith(path, (fh) => fh.writeFile(bytes));
}

/**
 * Writes a laid-out safetensors file to `path` atomically, streaming it: the header, then each
 * tensor's bytes from its own values with a positional write (no buffer of the whole file, which
 * for a 256x256 checkpoint meant allocating and filling 325 MiB before the first byte was
 * written). The file is byte for byte what writeSafetensors would return.
 */
export async function writeSafetensorsFileAtomic(path: string, layout: SafetensorsLayout): Promise<void> {
  await writeAtomicWith(path, (fh) => writeSafetensorsLayout(fh, layout));
}

/**
 * Writes a laid-out safetensors file into an open file: the header, then each tensor's bytes
 * from its own values, each with positional writes repeated until every byte is written. Every
 * EARLY_FLUSH_BYTES written, a flush of what is there so far starts without being waited for:
 * the disk works while the rest is copied into the page cache, so the caller's final fsync finds
 * little left (at 256x256 it took the last flush of a 325 MiB checkpoint from about 0.5 s to
 * under 0.05 s; bench/train_stop.mjs). Resolves once every write and those flushes are done.
 */
export async function writeSafetensorsLayout(fh: Pick<FileHandleLike, 'write' | 'datasync'>, layout: SafetensorsLayout): Promise<void> {
  await writeAllAt(fh, layout.header, 0);
  const flushes: Promise<void>[] = [];
  let unflushed = 0;
  let failure: { error: unknown } | null = null;
  try {
    for (const c of layout.chunks) {
      await writeAllAt(fh, chunkBytes(layout, c), c.at);
      unflushed += c.bytes;
      if (unflushed >= EARLY_FLUSH_BYTES) {
        unflushed = 0;
        flushes.push(fh.datasync());
      }
    }
  } catch (error) {
    failure = { error };
  }
  // None is left running past a failed write (the caller then closes and removes the file).
  const settled = await Promise.allSettled(flushes);
  if (failure) throw failure.error;
  for (const f of settled) if (f.status === 'rejected') throw f.reason;
}

/** Bytes written between two early flushes (see writeSafetensorsLayout). */
const EARLY_FLUSH_BYTES = 64 * 2 ** 20;

async function writeAllAt(fh: Pick<FileHandleLike, 'write'>, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at byte ${position + done}`);
    done += bytesWritten;
  }
}

/**
 * The atomic write: `fill` writes into a temporary file in the same directory, created
 * exclusively; it is flushed to disk (fsync, so the rename never publishes a file whose data a
 * crash could still lose) and renamed over `path`. On any failure the temporary file is removed
 * and an existing file at `path` is left untouched.
 */
async function writeAtomicWith(path: string, fill: (fh: FileHandleLike) => Promise<void>): Promise<void> {
  const fs = await nodeFs('saveCheckpoint');
  // Created exclusively ('wx') under an unpredictable name: a planted file or link is never reused.
  const random = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
  let created = false;
  // The CLI's temp-name pattern (src/cli/files.ts), so its clean-up of stale temps left by a
  // killed run covers checkpoints too.
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  const tmp = `${path.slice(0, cut)}.${path.slice(cut).slice(0, 200)}.tmp-${typeof process !== 'undefined' ? process.pid : 0}-${random}.tmp`;
  try {
    const fh = await fs.open(tmp, 'wx');
    created = true;
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new CheckpointError(`saveCheckpoint: could not write ${path} (${(e as Error).message}); any previous file there is unchanged`);
  }
}

export async function readFileBytes(path: string): Promise<Uint8Array> {
  await nodeFs('loadCheckpoint'); // the Node-only error message in a browser
  try {
    return await readRegularFile(path); // never a device or FIFO
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: cannot read ${path} (${(e as Error).message})`);
  }
}
