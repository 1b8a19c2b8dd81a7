// Tiled translation of one image, exact: each InstanceNorm uses the statistics of the WHOLE
// image, gathered in passes over tiles (./segment.ts). Re-running every earlier layer once per
// norm would cost 23 passes of the whole network for a 9-block generator, so the schedule
// keeps one whole-image activation where it is small (./plan.ts splitAtCheckpoint: after the
// two stride-2 convolutions, 64 bytes per input pixel) and splits the work there:
//   front:  image -> stored activation, one pass per norm before it (3) and one that stores;
//   blocks: each residual block over the stored activation, in place by row bands with a
//           one-band lag (stats of its first norm; of its second; output): 3 passes of a block;
//   back:   stored activation -> output by tiles, one pass per norm after it (2) and the output.
// A generator without residual blocks runs as one segment from image to output (every layer
// recomputed once per norm). The stored activation lives in memory or in a temporary file
// (./store.ts); where it lives changes nothing in the result.
import type { Engine } from '../engine.js';
import { CycleGANError } from '../errors.js';
import { activationProfile, channelsAfter, geometryOf, haloOf, PEAK_ACTIVATIONS, splitAtCheckpoint, type Step } from './plan.js';
import { passCosts, runSegment, tilesOf, type NormStats, type PassProgress, type Segment } from './segment.js';
import { arrayPlanes, fileStore, type ActivationStore } from './store.js';

export interface TranslateProgress {
  /** Share of the image's work done, 0..1 (weighted by each pass's multiply-adds). */
  fraction: number;
  /** Tile just finished (1-based) and tiles in this pass; 1 of 1 when not tiled. */
  tile: number;
  tiles: number;
  /** Pass just finished (1-based) of all passes over the image; 1 of 1 when not tiled. */
  pass: number;
  passes: number;
  /** Tiles done over all passes so far and in all (1 of 1 when not tiled): a bar's position. */
  step: number;
  steps: number;
}

/** Where the stored activation lives: 'auto' picks memory up to STORE_IN_MEMORY_BYTES. */
export type ActivationStoreKind = 'auto' | 'memory' | 'file';

/**
 * Largest stored activation kept in memory by 'auto' (in Node; a page has no files). A
 * 12-megapixel photo's is 732 MiB: in memory it would join the WASM heap (input, output,
 * weights and the tiles' activations) and the output's copies, past 1.5 GiB resident; in a
 * file the process stays far below (bench/translate_memory.mjs).
 */
export const STORE_IN_MEMORY_BYTES = 512 * 1024 * 1024;

export interface TiledImage {
  /**
   * [C, H, W] values of one image, H and W multiples of the network's size multiple. Set to
   * null once the image is no longer read (after the front), so a large photo's copy can go.
   */
  data: Float32Array | null;
  channels: number;
  height: number;
  width: number;
}

export interface TiledPlan {
  steps: Step[];
  inChannels: number;
  /** The multiple the image sides have (product of the strides). */
  multiple: number;
  /** Core side in input pixels forced by the caller, or null to size tiles to memoryBudget. */
  tileSize: number | null;
  /** Bytes the activations of one tile's forward pass may take. */
  memoryBudget: number;
  store: ActivationStoreKind;
  /** Folder of the temporary file (default: the OS temp folder). */
  storeDir?: string;
}

/** What translateTiled did (for benchmarks and tests). */
export interface TiledReport {
  schedule: 'stored' | 'passes';
  store: 'memory' | 'file' | null;
  storeBytes: number;
  segments: { name: string; tiles: number; tile: [number, number]; halo: number; passes: number }[];
}

/**
 * Residual bands take this share of the budget: a band's tensors also live on the host (the
 * rows read, the norms' copies, the output waiting for the next band) and the heap keeps the
 * band's input through the block. Measured with bench/translate_memory.mjs on a 12-megapixel
 * photo: bands sized to the whole 384 MiB budget (84 rows of 1000 x 256) grew the WASM memory
 * from 426 to 801 MiB and the peak RSS to 1424 MiB in the first block.
 */
const IN_PLACE_SHARE = 4;

interface Planned {
  seg: Segment;
  /** Source size [rows, cols] in the segment's pixels. */
  size: [number, number];
}

/**
 * A segment sized for a source of rows x cols whose pixels are `scale` input pixels a side.
 * Forced tiles keep the caller's side in input pixels; otherwise the tile with its halo holds
 * PEAK_ACTIVATIONS of the segment's largest activation within the budget.
 */
function planSegment(plan: TiledPlan, name: string, steps: Step[], inChannels: number, size: [number, number], scale: number, multiple: number, inPlace: boolean): Planned {
  const halo = haloOf(steps, multiple);
  const profile = activationProfile(steps, inChannels);
  const bytesPerPixel = profile.floatsPerPixel * 4 * PEAK_ACTIVATIONS;
  const round = (v: number): number => Math.max(multiple, Math.floor(v / multiple) * multiple);
  let tile: [number, number];
  if (inPlace) {
    const rows =
      plan.tileSize !== null
        ? Math.ceil(plan.tileSize / scale)
        : Math.floor(plan.memoryBudget / (IN_PLACE_SHARE * bytesPerPixel * (size[1] + 2 * halo))) - 2 * halo;
    // A band at least as tall as the halo, so the next band's halo stays inside this one.
    tile = [Math.max(halo, 1, rows), size[1]];
  } else {
    const side =
      plan.tileSize !== null
        ? Math.ceil(plan.tileSize / scale / multiple) * multiple
        : round(Math.max(4 * multiple, Math.sqrt(plan.memoryBudget / bytesPerPixel) - 2 * halo));
    tile = [Math.max(multiple, side), Math.max(multiple, side)];
  }
  return { seg: { name, steps, halo, tile, macsToNorm: profile.macsToNorm, macsPerPixel: profile.macsPerPixel, inPlace }, size };
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

async function createStore(kind: ActivationStoreKind, c: number, h: number, w: number, dir?: string): Promise<ActivationStore> {
  const bytes = c * h * w * 4;
  const useFile = kind === 'file' || (kind === 'auto' && bytes > STORE_IN_MEMORY_BYTES && isNode());
  if (useFile) return fileStore(c, h, w, dir);
  return arrayPlanes(new Float32Array(c * h * w), c, h, w);
}

/** Translates one image in tiles; returns [outC, H, W] values and what was done. */
export async function translateTiled(
  engine: Engine,
  plan: TiledPlan,
  image: TiledImage,
  onProgress?: (p: TranslateProgress) => void,
): Promise<{ data: Float32Array; channels: number; report: TiledReport }> {
  const { height: H, width: W, channels: C } = image;
  if (!image.data) throw new CycleGANError('translate: internal error: the image was released before translation');
  const outC = channelsAfter(plan.steps, C);
  const split = splitAtCheckpoint(plan.steps, C);
  const full = (steps: Step[]): [number, number] => {
    const g = geometryOf(steps, [
      { start: 0, len: H, full: H, vt: 0, vb: 0 },
      { start: 0, len: W, full: W, vt: 0, vb: 0 },
    ]);
    return [g.output[0].full, g.output[1].full];
  };

  let segments: Planned[];
  let stored: { c: number; h: number; w: number } | null = null;
  if (split) {
    const [h, w] = full(split.front);
    const c = channelsAfter(split.front, C);
    if (H % h !== 0 || W % w !== 0 || H / h !== W / w) throw new CycleGANError(`translate: internal error: a ${W}x${H} image's checkpoint is ${w}x${h}`);
    const scale = H / h;
    stored = { c, h, w };
    segments = [
      planSegment(plan, 'front', split.front, C, [H, W], 1, plan.multiple, false),
      ...split.blocks.map((b, i) => planSegment(plan, `residual block ${i + 1}`, [b], c, [h, w], scale, 1, true)),
      planSegment(plan, 'back', split.back, c, [h, w], scale, 1, false),
    ];
  } else {
    segments = [planSegment(plan, 'network', plan.steps, C, [H, W], 1, plan.multiple, false)];
  }

  // Progress over every pass of every segment, weighted by multiply-adds.
  let total = 0;
  let passes = 0;
  let steps = 0;
  for (const p of segments) {
    const tiles = tilesOf(p.seg, p.size[0], p.size[1]);
    const costs = passCosts(p.seg, tiles);
    total += costs.reduce((a, b) => a + b, 0);
    passes += costs.length;
    steps += costs.length * tiles.length;
  }
  let done = 0;
  let pass = 0;
  let step = 0;
  const progress: PassProgress = {
    passStarted: () => {
      pass++;
    },
    tileDone: (tile, tiles, cost) => {
      done += cost;
      step++;
      onProgress?.({ fraction: Math.min(1, done / total), tile, tiles, pass, passes, step, steps });
    },
  };

  const report: TiledReport = {
    schedule: split ? 'stored' : 'passes',
    store: null,
    storeBytes: stored ? stored.c * stored.h * stored.w * 4 : 0,
    segments: segments.map(({ seg, size }) => ({
      name: seg.name,
      tiles: tilesOf(seg, size[0], size[1]).length,
      tile: seg.tile,
      halo: seg.halo,
      passes: passCosts(seg, []).length,
    })),
  };
  const stats: NormStats[] = [];
  const input = arrayPlanes(image.data, C, H, W);
  const outData = new Float32Array(outC * H * W);
  const output = arrayPlanes(outData, outC, H, W);
  if (!stored) {
    await runSegment(engine, segments[0].seg, input, output, stats, progress);
  } else {
    const store = await createStore(plan.store, stored.c, stored.h, stored.w, plan.storeDir);
    report.store = store.kind;
    try {
      await runSegment(engine, segments[0].seg, input, store, stats, progress);
      // The image is not read again: let its copy go before the output grows.
      input.dispose();
      image.data = null;
      for (const p of segments.slice(1, -1)) await runSegment(engine, p.seg, store, store, stats, progress);
      await runSegment(engine, segments[segments.length - 1].seg, store, output, stats, progress);
    } finally {
      store.dispose();
    }
  }
  output.dispose();
  return { data: outData, channels: outC, report };
}
