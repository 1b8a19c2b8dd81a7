// A dataset over images the caller already holds: raw pixels (gray, RGB or RGBA; any size) or
// CHW float32 tensors already at the sample size. Sampling is synchronous.
import type { DatasetOptions } from './dataset.js';
import { InvalidImageError } from './errors.js';
import { rawChannels } from './image.js';
import type { ImageInput, ImageSource } from './source_dataset.js';
import { SourceDataset } from './source_dataset.js';

function arraySource(domain: string, images: readonly ImageInput[]): ImageSource {
  if (!Array.isArray(images)) throw new InvalidImageError(domain, `expected an array of images, got ${typeof images}`);
  // Pixel arrays are checked now (cheap); tensors once the sample size is known, on first use.
  images.forEach((img, i) => {
    if (!(img instanceof Float32Array)) rawChannels(img, `${domain}[${i}]`);
  });
  return {
    count: images.length,
    name: (i) => `${domain}[${i}]`,
    load: (i) => images[i],
  };
}

export class InMemoryDataset extends SourceDataset {
  constructor(images: { A: readonly ImageInput[]; B: readonly ImageInput[] }, options: DatasetOptions = {}) {
    super('InMemoryDataset', { A: arraySource('A', images.A), B: arraySource('B', images.B) }, options);
  }
}
