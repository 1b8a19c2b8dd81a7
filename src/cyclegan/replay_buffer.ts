// PyTorch-GAN's utils.ReplayBuffer (the image pool of Shrivastava et al.): push_and_pop walks the
// batch one image at a time; below max_size it stores the image and returns it; once full, with
// probability 0.5 it returns a stored image and puts the new one in its place, else it returns
// the new image. The random decisions come from a replaceable source, so that a run can be
// reproduced exactly (or scripted to match a PyTorch run).
import type { Engine } from '../engine.js';
import { AttributeError } from '../errors.js';
import { concat, slice } from '../ops/data.js';
import type { Tensor } from '../tensor.js';
import { Rng, type RngState } from '../random/rng.js';

/** The two draws push_and_pop makes: Python's random.uniform(0, 1) and random.randint(a, b). */
export interface ReplayRandom {
  /** A number in [0, 1]. */
  uniform(): number;
  /** An integer in [low, high], both included (Python's randint). */
  randint(low: number, high: number): number;
}

/** The default source: the library's seedable Rng, whose state checkpoints save. */
export class RngReplayRandom implements ReplayRandom {
  constructor(readonly rng: Rng) {}
  uniform(): number {
    return this.rng.next();
  }
  randint(low: number, high: number): number {
    return low + this.rng.nextInt(high - low + 1);
  }
  getState(): RngState {
    return this.rng.getState();
  }
  setState(state: readonly number[]): void {
    this.rng.setState(state);
  }
}

export class ReplayBuffer {
  /** The stored images, each [1, C, H, W], owned by the buffer. */
  private data: Tensor[] = [];

  constructor(
    readonly engine: Engine,
    readonly maxSize = 50,
    /** Where the decisions come from; may be replaced (e.g. shared by both buffers, or scripted). */
    public random: ReplayRandom = new RngReplayRandom(new Rng(0)),
  ) {
    if (!Number.isInteger(maxSize) || maxSize <= 0) {
      throw new AttributeError('ReplayBuffer', 'maxSize', 'an integer >= 1 (an empty buffer would hold nothing)', String(maxSize));
    }
  }

  get length(): number {
    return this.data.length;
  }

  /**
   * Pushes the batch `images` [N, C, H, W] and returns a batch of the same shape: for each image,
   * itself or a stored one it replaced. The result is a new tensor cut from the graph; the
   * buffer keeps copies, outside any tidy() scope.
   */
  pushAndPop(images: Tensor): Tensor {
    if (images.rank !== 4) {
      throw new AttributeError('ReplayBuffer.pushAndPop', 'images', 'a batch [N, C, H, W]', `shape [${images.shape}]`);
    }
    const e = this.engine;
    return e.noGrad(() =>
      e.tidy(() => {
        const toReturn: Tensor[] = [];
        const evicted: Tensor[] = [];
        for (let k = 0; k < images.shape[0]; k++) {
          const element = slice(images, 0, k, k + 1);
          if (this.data.length < this.maxSize) {
            this.data.push(e.keep(element));
            toReturn.push(element);
          } else if (this.random.uniform() > 0.5) {
            const i = this.random.randint(0, this.maxSize - 1);
            if (!Number.isInteger(i) || i < 0 || i >= this.maxSize) {
              throw new AttributeError('ReplayBuffer', 'random.randint', `an integer in [0, ${this.maxSize - 1}]`, String(i));
            }
            toReturn.push(this.data[i]);
            evicted.push(this.data[i]);
            this.data[i] = e.keep(element);
          } else {
            toReturn.push(element);
          }
        }
        const out = concat(toReturn, 0);
        // An evicted image may have been returned (or stored and evicted again) in this very
        // call; it is freed only now that the result is a copy.
        for (const t of evicted) if (!this.data.includes(t)) t.dispose();
        return out;
      }),
    );
  }

  /** Copies of the stored images' values, in order, for checkpoints. */
  async snapshot(): Promise<Float32Array[]> {
    return this.snapshotWith((t) => t.data());
  }

  /** @internal The stored images' values as `read` gives them (a checkpoint streamed from the heap). */
  async snapshotWith<V>(read: (t: Tensor) => V | Promise<V>): Promise<V[]> {
    const out: V[] = [];
    for (const t of this.data) out.push(await read(t));
    return out;
  }

  /** Replaces the contents with these images (each C*H*W values of the given [1, C, H, W] shape). */
  restore(images: readonly Float32Array[], shape: readonly number[]): void {
    if (images.length > this.maxSize) {
      throw new AttributeError('ReplayBuffer.restore', 'images', `at most ${this.maxSize} images`, String(images.length));
    }
    const fresh = images.map((v) => this.engine.keep(this.engine.tensor(v, shape)));
    this.clear();
    this.data = fresh;
  }

  /** Frees every stored image. */
  clear(): void {
    for (const t of this.data) t.dispose();
    this.data = [];
  }

  dispose(): void {
    this.clear();
  }
}
