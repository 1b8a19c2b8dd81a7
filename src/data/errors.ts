// Typed errors of image decoding and dataset loading. Each one names the file or folder
// concerned, so a user with one bad file among thousands can find and fix it directly.
import { CycleGANError } from '../errors.js';

/** An image file is damaged, truncated, or over the decoder's size limits. */
export class ImageDecodeError extends CycleGANError {
  constructor(
    /** The file path, URL or label of the image (e.g. `A[3]` for in-memory images). */
    readonly source: string,
    /** The format the bytes claimed to be. */
    readonly format: string,
    readonly detail: string,
  ) {
    super(`cannot decode ${format} image ${source}: ${detail}`);
  }
}

/** The bytes are not a PNG or a JPEG (a text file named .png, a GIF, an empty file). */
export class UnsupportedImageFormatError extends CycleGANError {
  constructor(
    readonly source: string,
    /** What the bytes look like: 'gif', 'webp', 'bmp', 'empty' or 'unknown'. */
    readonly detected: string,
  ) {
    const what = detected === 'unknown' ? 'not a PNG or JPEG image' : `a ${detected} file, not a PNG or JPEG`;
    super(`${source} is ${detected === 'empty' ? 'empty (0 bytes)' : what}`);
  }
}

/** An in-memory image whose fields do not agree (data length vs width x height x channels). */
export class InvalidImageError extends CycleGANError {
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`invalid image ${source}: ${detail}`);
  }
}

export type DatasetFolderProblem = 'missing' | 'not-a-directory' | 'empty' | 'no-layout' | 'unreadable';

/** A dataset folder is missing, is a file, holds no images, or matches neither layout. */
export class DatasetFolderError extends CycleGANError {
  constructor(
    readonly path: string,
    readonly problem: DatasetFolderProblem,
    detail: string,
  ) {
    super(`dataset folder ${path}: ${detail}`);
  }
}

/** A dataset built from arrays was given an empty domain. */
export class EmptyDomainError extends CycleGANError {
  constructor(readonly domain: string) {
    super(`dataset domain ${domain} has no images`);
  }
}
