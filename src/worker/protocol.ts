// What crosses between the main-thread client (client.ts) and the worker (worker_host.ts):
// the worker's methods and the plain, cloneable shapes of their arguments and results. Objects
// that cannot cross (tensors, datasets, callbacks inside options) are replaced by handles,
// descriptions and top-level comlink proxies.
import type { TranslateOptions } from '../translate/translate.js';
import type { BackendChoice, BackendSelection, DispatchReport, MemoryInfo } from '../engine.js';
import type { WebGpuOptions } from '../backends/webgpu/gpu.js';
import type { WasmOptions } from '../backends/wasm/backend.js';
import type { WasmVariant } from '../backends/wasm/loader.js';
import type { BuiltinDatasetOptions } from '../data/builtin.js';
import type { DatasetOptions } from '../data/dataset.js';
import type { FolderDatasetOptions } from '../data/folder.js';
import type { RawImage } from '../data/image.js';
import type { CycleGANOptions, ResolvedCycleGANOptions } from '../cyclegan/options.js';
import type { FitProgress, FitResult, SampleInfo, StepLosses, Direction } from '../cyclegan/trainer.js';
import type { RgbaImage } from '../cyclegan/sample_grid.js';
import type { ModelSpec } from '../cyclegan/weights/architectures.js';
import type { LoadModelOptions } from '../cyclegan/weights/load_model.js';
import type { SaveWeightsOptions } from '../cyclegan/weights/save.js';

export type { Direction };

/**
 * Posted by a browser worker just before it closes itself (only the exit test hook does): a Web
 * Worker that calls close() fires no event on the page, so it says so first.
 */
export const WORKER_EXIT_MESSAGE = 'cyclegan-engine:worker-exit';

/** One RGBA (or gray/RGB, told apart by length) 8-bit image, as ImageData and the Node codecs give. */
export interface WireImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * A batch of images on the wire. 'chw': float32 [N, C, H, W] (or [C, H, W]) in [-1, 1]; a null
 * shape means "N images of the model's own size". 'rgba': 8-bit images, converted in the
 * worker; `single` when the caller passed one image rather than an array.
 */
export type WireBatch =
  | { kind: 'chw'; data: Float32Array; shape: number[] | null }
  | { kind: 'rgba'; images: WireImage[]; single: boolean };

/**
 * A dataset, described so that the worker can build it (a dataset object cannot cross):
 * - `{ kind: 'builtin', ...builtinDatasetOptions }`: the procedural dataset;
 * - `{ kind: 'images', A, B, options }`: images you hold (RGBA/RGB/gray pixels or CHW
 *   Float32Arrays at the sample size), transferred to the worker;
 * - `{ kind: 'folder', root, ...folderOptions }`: a folder dataset (Node only).
 */
export type DatasetDescription =
  | ({ kind: 'builtin' } & BuiltinDatasetOptions)
  | { kind: 'images'; A: (RawImage | Float32Array)[]; B: (RawImage | Float32Array)[]; options?: DatasetOptions }
  | ({ kind: 'folder'; root: string } & FolderDatasetOptions);

/** A weight or checkpoint source the worker can read: bytes, a Blob, a URL (fetched) or a path (Node). */
export type WireSource = Uint8Array | ArrayBuffer | Blob | string;

export interface WorkerInit {
  backend: BackendChoice;
  seed: number;
  webgpu?: Omit<WebGpuOptions, 'gpu'>;
  wasm?: WasmOptions;
  /** Least milliseconds between two progress callbacks of fit(). */
  progressIntervalMs: number;
  /** Enables the _test* methods (crash and transfer probes of the test suite). */
  testHooks: boolean;
}

export interface WorkerReady {
  backend: string;
  selection: BackendSelection;
  /** The worker engine's WASM build and threads (null when it has no WASM backend). */
  wasmVariant: WasmVariant | null;
}

/** A trainer's handle and where its training stands. */
export interface TrainerInfo {
  id: number;
  options: ResolvedCycleGANOptions;
  epoch: number;
  batch: number;
  steps: number;
  lr: number;
}

/** A loaded model's handle: which generator serves each direction, and what each network is. */
export interface ModelInfo {
  id: number;
  /** The directions translate() takes. */
  directions: Direction[];
  specs: Partial<Record<Direction, ModelSpec>>;
  /** Lines about keys skipped or adjusted while loading. */
  notes: string[];
}

/** fit()'s options, minus the callbacks (passed as separate proxies) and the signal (a cancel id). */
export interface WireFitOptions {
  cancelId: number;
  /** The client's signal was already aborted when fit was called. */
  aborted: boolean;
  /**
   * An Int32Array(1)'s buffer that the client raises when its signal aborts, before sending the
   * cancel: the worker's engine reads it before every kernel of a step's abandonable phase
   * (Engine.setAbortFlag), so the running step stops within a kernel instead of at its end.
   * Absent where SharedArrayBuffer is unavailable (a page that is not cross-origin isolated).
   */
  abortFlag?: SharedArrayBuffer;
  /** A file path the worker writes checkpoints to (Node), when the callback is not used. */
  checkpointPath?: string;
  sampleDataset?: DatasetDescription;
  sampleCount?: number;
  /** Overrides the worker's progress interval for this call. */
  progressIntervalMs?: number;
}

export type ProgressCallback = (progress: FitProgress) => unknown;
export type CheckpointCallback = (bytes: Uint8Array) => unknown;
export type SampleCallback = (grid: RgbaImage, info: SampleInfo) => unknown;

export type LoadModelWireOptions = Omit<LoadModelOptions, 'onNote'> & {
  /**
   * Which direction a single generator file translates (default: the direction its metadata
   * names, as the CLI's G_AB/G_BA files carry, else 'AtoB'); a file labelled with the other
   * direction is refused.
   */
  direction?: Direction;
};

export type NetworkName = 'G_AB' | 'G_BA' | 'D_A' | 'D_B';

/** translate()'s options that cross to the worker (src/translate/translate.ts). */
export type WireTranslateOptions = Pick<TranslateOptions, 'tileSize' | 'memoryBudget'>;

/** The worker's methods, as the worker implements them (the client sees each as a promise). */
export interface WorkerApi {
  init(options: WorkerInit): Promise<WorkerReady>;
  createTrainer(options: CycleGANOptions): TrainerInfo;
  resumeTrainer(source: WireSource, overrides: Pick<CycleGANOptions, 'sampleInterval' | 'checkpointInterval'>): Promise<TrainerInfo>;
  trainerInfo(id: number): TrainerInfo;
  trainerStep(id: number, realA: WireBatch, realB: WireBatch): Promise<StepLosses>;
  trainerEndEpoch(id: number): TrainerInfo;
  trainerFit(
    id: number,
    dataset: DatasetDescription,
    options: WireFitOptions,
    onProgress?: ProgressCallback,
    onCheckpoint?: CheckpointCallback,
    onSample?: SampleCallback,
  ): Promise<FitResult>;
  trainerTranslate(id: number, image: WireBatch, direction: Direction, options?: WireTranslateOptions): Promise<WireBatch>;
  trainerSampleImages(id: number, realA: WireBatch, realB: WireBatch): Promise<RgbaImage>;
  trainerCheckpoint(id: number): Promise<Uint8Array>;
  trainerSaveCheckpoint(id: number, path: string): Promise<void>;
  trainerLoadCheckpoint(id: number, source: WireSource): Promise<TrainerInfo>;
  trainerSaveWeights(id: number, network: NetworkName, options: SaveWeightsOptions): Promise<Uint8Array>;
  trainerLoadWeights(id: number, network: NetworkName, source: WireSource, options: { strict?: boolean }): Promise<void>;
  trainerDispose(id: number): void;
  loadModel(sources: Partial<Record<Direction, WireSource>> | WireSource, options: LoadModelWireOptions): Promise<ModelInfo>;
  modelTranslate(id: number, image: WireBatch, direction: Direction | undefined, options?: WireTranslateOptions): Promise<WireBatch>;
  modelSaveWeights(id: number, direction: Direction | undefined, options: SaveWeightsOptions): Promise<Uint8Array>;
  modelLoadWeights(id: number, source: WireSource, direction: Direction | undefined, options: { strict?: boolean }): Promise<void>;
  modelDispose(id: number): void;
  /** Aborts the fit() registered under this id; it stops at the next step boundary. */
  cancel(cancelId: number): void;
  memory(): MemoryInfo;
  dispatchReport(): DispatchReport;
  /** Frees every trainer and model and the engine (the GPU device with it). */
  shutdown(): void;
}

/**
 * Test hooks, refused unless the worker was opened with `testHooks: true` (WorkerInit). Not
 * part of WorkerApi: the tests reach them through CycleGANWorker's internal `_test`.
 */
export interface WorkerTestHooks {
  /** Ends the worker as a crash would. */
  _testExit(code: number): void;
  _testThrowUncaught(message: string): void;
  /** How many buffers the last transferred result had, and how many are now detached here. */
  _testLastTransfer(): { buffers: number; detached: number };
}

/** What the worker script exposes to its client: the API and the test hooks. */
export type WorkerEndpointApi = WorkerApi & WorkerTestHooks;

/** Sources keyed by direction (`{ AtoB, BtoA }`), as opposed to one source (bytes, a Blob, a Response, a URL or a path). */
export function isDirectionMap<S>(s: unknown): s is Partial<Record<Direction, S>> {
  if (s === null || typeof s !== 'object' || s instanceof ArrayBuffer || ArrayBuffer.isView(s)) return false;
  if (typeof URL !== 'undefined' && s instanceof URL) return false;
  if ((typeof Blob !== 'undefined' && s instanceof Blob) || (typeof Response !== 'undefined' && s instanceof Response)) return false;
  const keys = Object.keys(s);
  return keys.length > 0 && keys.every((k) => k === 'AtoB' || k === 'BtoA');
}
