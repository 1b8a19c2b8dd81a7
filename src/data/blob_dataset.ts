// A dataset over browser files (an <input type="file" multiple> selection, fetched Blobs):
// each image is decoded by the browser on first use, then cached like any other dataset's.
import type { DatasetOptions } from './dataset.js';
import { EmptyDomainError } from './errors.js';
import { decodeImageBrowser, type BrowserImageSource } from './codec_browser.js';
import type { ImageSource } from './source_dataset.js';
import { SourceDataset } from './source_dataset.js';

function blobSource(domain: 'A' | 'B', items: readonly BrowserImageSource[]): ImageSource {
  if (!Array.isArray(items) || items.length === 0) throw new EmptyDomainError(domain);
  return {
    count: items.length,
    name: (i) => (items[i] as { name?: string }).name || `${domain}[${i}]`,
    load: (i) => decodeImageBrowser(items[i]),
  };
}

/** get() returns a Promise until both images of a sample are decoded and cached. */
export class BlobDataset extends SourceDataset {
  constructor(items: { A: readonly BrowserImageSource[]; B: readonly BrowserImageSource[] }, options: DatasetOptions = {}) {
    super('BlobDataset', { A: blobSource('A', items.A), B: blobSource('B', items.B) }, options);
  }
}
