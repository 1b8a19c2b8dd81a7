// The dataset contract the trainer codes against, and the options every dataset shares.
import type { Rng } from '../random/rng.js';
import type { TransformKind } from './transforms.js';

/** One training sample: an image of each domain, CHW float32 in [-1, 1]. */
export interface ImagePair {
  A: Float32Array;
  B: Float32Array;
}

export interface UnpairedDataset {
  /** Samples per epoch = max(|A|, |B|), like the reference's ImageDataset. */
  readonly length: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /**
   * A[index % |A|] and B[rng.nextInt(|B|)] when unaligned (the default, as the reference's
   * unaligned=True), else B[index % |B|]; every random transform is drawn from rng. All draws
   * happen synchronously inside the call, so the rng stream does not depend on loading order.
   */
  get(index: number, rng: Rng): ImagePair | Promise<ImagePair>;
}

export interface DatasetOptions {
  /** Sample height (default 256, the reference's img_height; the built-in dataset uses 64). */
  imgHeight?: number;
  /** Sample width (default imgHeight). */
  imgWidth?: number;
  /** 3 (RGB; grayscale inputs are copied to all channels as the reference does) or 1 (luma). */
  channels?: 1 | 3;
  /** Draw B at random for each sample (default true, as the reference's unaligned=True). */
  unaligned?: boolean;
  /** 'train' (default): the reference's random resize/crop/flip; 'eval': resize + centre crop. */
  transform?: TransformKind;
  /** Cap on the cache of decoded, resized uint8 images, in MiB (default 512). */
  cacheMB?: number;
}
