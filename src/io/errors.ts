// Typed errors of weight-file reading and writing. Every parse failure says which file format
// was being read and where it went wrong: a byte offset, a state_dict key, a zip entry, so
// that a user with a broken download can tell a truncated file from a wrong model.
import { CycleGANError } from '../errors.js';

/** Which parser raised the error. */
export type WeightFormat = 'safetensors' | 'pth-zip' | 'pth-legacy' | 'pickle' | 'zip' | 'unknown';

export interface WeightErrorPlace {
  /** Byte offset in the file (or in the zip entry named by `entry`) where the problem is. */
  offset?: number;
  /** The tensor / state_dict key concerned. */
  key?: string;
  /** The zip entry concerned (`archive/data/0`). */
  entry?: string;
}

/** A weight file is malformed, truncated, inconsistent or of an unsupported kind. */
export class WeightFormatError extends CycleGANError {
  readonly offset?: number;
  readonly key?: string;
  readonly entry?: string;

  constructor(
    readonly format: WeightFormat,
    readonly detail: string,
    place: WeightErrorPlace = {},
  ) {
    super(`${format}: ${detail}${describePlace(place)}`);
    if (place.offset !== undefined) this.offset = place.offset;
    if (place.key !== undefined) this.key = place.key;
    if (place.entry !== undefined) this.entry = place.entry;
  }
}

/**
 * A pickle asked for something a state_dict never needs: a global outside the allow-list
 * (`os.system`, `builtins.eval`, ...) or an opcode that builds arbitrary objects. Nothing
 * the pickle asked for was looked up or run: the refusal happens when the name is read.
 */
export class UnsafePickleError extends WeightFormatError {
  constructor(
    /** The refused global as `module.name`, or the refused opcode's name. */
    readonly refused: string,
    detail: string,
    place: WeightErrorPlace = {},
  ) {
    super('pickle', detail, place);
  }
}

/** The tensors do not match any architecture this library can build. */
export class ArchitectureError extends CycleGANError {
  constructor(
    message: string,
    /** The key that showed the mismatch, when there is one. */
    readonly key?: string,
  ) {
    super(message);
  }
}

function describePlace({ offset, key, entry }: WeightErrorPlace): string {
  const parts: string[] = [];
  if (entry !== undefined) parts.push(`entry '${entry}'`);
  if (key !== undefined) parts.push(`key '${key}'`);
  if (offset !== undefined) parts.push(`offset ${offset}`);
  return parts.length ? ` (at ${parts.join(', ')})` : '';
}

/** A weight source could not be read: a missing file, a failed fetch, an unsupported value. */
export class WeightSourceError extends CycleGANError {
  constructor(
    /** The path or URL, or a description of the value given. */
    readonly source: string,
    readonly reason: string,
  ) {
    super(`cannot read weights from ${source}: ${reason}`);
  }
}
