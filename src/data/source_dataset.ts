// The sampling and transform machinery shared by every image dataset (in-memory arrays,
// folders, browser files): it only needs, per domain, a count, a name per image for error
// messages and a loader. Loaded images are converted to RGB, resized once and cached as uint8;
// only the crop, flip and normalisation run per sample.
import { AttributeError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { LruCache } from './cache.js';
import type { DatasetOptions, ImagePair, UnpairedDataset } from './dataset.js';
import { EmptyDomainError, InvalidImageError } from './errors.js';
import type { RawImage, RgbImage } from './image.js';
import { toRgb } from './image.js';
import type { SampleShape, TransformDraw, TransformKind } from './transforms.js';
import { checkSampleShape, cropToChw, drawTransform, flipChw, resizeForSample } from './transforms.js';

/** An image, or a CHW float32 tensor in [-1, 1] already at the sample size. */
export type ImageInput = RawImage | Float32Array;

/** One domain's images. */
export interface ImageSource {
  readonly count: number;
  /** A label for messages: a file path, or `A[3]`. */
  name(i: number): string;
  load(i: number): ImageInput | Promise<ImageInput>;
}

type Prepared = RgbImage | Float32Array;
type Domain = 'A' | 'B';

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown })?.then === 'function';

export class SourceDataset implements UnpairedDataset {
  readonly length: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly unaligned: boolean;
  readonly transform: TransformKind;
  private readonly shape: SampleShape;
  private readonly cache: LruCache<Prepared>;
  private readonly pending = new Map<string, Promise<Prepared>>();

  constructor(
    op: string,
    readonly sources: { A: ImageSource; B: ImageSource },
    options: DatasetOptions = {},
  ) {
    const imgHeight = options.imgHeight ?? 256;
    this.shape = { imgHeight, imgWidth: options.imgWidth ?? imgHeight, channels: options.channels ?? 3 };
    checkSampleShape(op, this.shape);
    this.transform = options.transform ?? 'train';
    if (this.transform !== 'train' && this.transform !== 'eval') {
      throw new AttributeError(op, 'transform', "'train' or 'eval'", String(this.transform));
    }
    for (const d of ['A', 'B'] as const) if (sources[d].count === 0) throw new EmptyDomainError(d);
    this.unaligned = options.unaligned ?? true;
    this.cache = new LruCache((options.cacheMB ?? 512) * 1024 * 1024);
    this.length = Math.max(sources.A.count, sources.B.count);
    this.channels = this.shape.channels;
    this.height = this.shape.imgHeight;
    this.width = this.shape.imgWidth;
  }

  get(index: number, rng: Rng): ImagePair | Promise<ImagePair> {
    if (!Number.isInteger(index) || index < 0) throw new AttributeError('UnpairedDataset.get', 'index', 'a non-negative integer', String(index));
    const { A, B } = this.sources;
    const ia = index % A.count;
    // Same order of draws as the reference's __getitem__: B's index, then A's and B's transforms.
    const ib = this.unaligned ? rng.nextInt(B.count) : index % B.count;
    const drawA = drawTransform(this.transform, rng);
    const drawB = drawTransform(this.transform, rng);
    const a = this.prepared('A', ia);
    const b = this.prepared('B', ib);
    if (isPromise(a) || isPromise(b)) {
      return Promise.all([a, b]).then(([pa, pb]) => ({ A: this.finish(pa, drawA), B: this.finish(pb, drawB) }));
    }
    return { A: this.finish(a, drawA), B: this.finish(b, drawB) };
  }

  /** The cached, resized (not yet cropped) form of one image; loads it on first use. */
  private prepared(domain: Domain, i: number): Prepared | Promise<Prepared> {
    const key = domain + i;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const src = this.sources[domain];
    const loaded = src.load(i);
    if (!isPromise(loaded)) return this.store(key, this.prepare(loaded, src.name(i)));
    const p = loaded
      .then((img) => this.store(key, this.prepare(img, src.name(i))))
      .finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private store(key: string, p: Prepared): Prepared {
    // Tensors belong to the caller and cost the cache nothing; count only our own copies.
    this.cache.set(key, p, p instanceof Float32Array ? 0 : p.data.byteLength);
    return p;
  }

  private prepare(img: ImageInput, name: string): Prepared {
    if (img instanceof Float32Array) return this.checkTensor(img, name);
    return resizeForSample(this.transform, toRgb(img, name), this.shape);
  }

  private checkTensor(t: Float32Array, name: string): Float32Array {
    const { channels: c, imgHeight: h, imgWidth: w } = this.shape;
    if (t.length !== c * h * w) {
      throw new InvalidImageError(name, `a Float32Array image must be CHW ${c}x${h}x${w} = ${c * h * w} values, got ${t.length}`);
    }
    for (let i = 0; i < t.length; i++) {
      const v = t[i];
      if (!(v >= -1 - 1e-6 && v <= 1 + 1e-6)) throw new InvalidImageError(name, `value ${v} at ${i} is outside [-1, 1]`);
    }
    return t;
  }

  private finish(p: Prepared, draw: TransformDraw | null): Float32Array {
    if (p instanceof Float32Array) {
      // Already at the sample size: only the flip applies (a copy, so callers may mutate it).
      const { channels: c, imgHeight: h, imgWidth: w } = this.shape;
      return draw?.flip ? flipChw(p, c, h, w) : p.slice();
    }
    return cropToChw(p, draw, this.shape);
  }
}
