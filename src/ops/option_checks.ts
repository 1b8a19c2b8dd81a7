// Type checks of the options that create tensors (requiresGrad, seed, mean, std, a fill value)
// and the one way every check shows a wrong value. Kept free of tensor imports so that the
// engine can use it without an import cycle.
import { AttributeError, DTypeError } from '../errors.js';

/**
 * A value as an error message shows it: numbers as they are, anything else with its type, so
 * that the string "2" is never mistaken for the number 2 (`string "2"`, `boolean true`, `an array`).
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'string':
      return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
    case 'boolean':
      return `boolean ${v}`;
    case 'bigint':
      return `bigint ${v}n`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'an array';
      return ArrayBuffer.isView(v) ? `a ${(v as object).constructor.name}` : 'an object';
  }
}

/** An options argument of a tensor-creating op: undefined is {}, anything but an object is refused. */
export function checkOptionsObject(op: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttributeError(op, 'options', 'an options object', describeValue(options));
  }
  return options as Record<string, unknown>;
}

/** `requiresGrad`: a boolean (default false); 'yes' or 1 is an error, never kept. */
export function checkRequiresGrad(op: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new AttributeError(op, 'requiresGrad', 'a boolean', describeValue(v));
  return v;
}

/** A number option: `finite` refuses NaN and the infinities, `min` bounds it below. */
export function checkNumberOption(op: string, arg: string, v: unknown, fallback: number, { finite = true, min = -Infinity } = {}): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || (finite && !Number.isFinite(v)) || v < min) {
    const what = `a ${finite ? 'finite ' : ''}number${min > -Infinity ? ` >= ${min}` : ''}`;
    throw new AttributeError(op, arg, what, describeValue(v));
  }
  return v;
}

/** A seed: an integer in [0, 2^32). */
export function checkSeed(op: string, v: unknown, fallback: () => number): number {
  if (v === undefined) return fallback();
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new AttributeError(op, 'seed', 'an integer in [0, 2^32)', describeValue(v));
  }
  return v;
}

/** An array of numbers as float32; an element of another type is an error naming its index. */
export function numbersToFloat32(op: string, data: readonly unknown[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (typeof x !== 'number') throw new DTypeError(op, `data[${i}]`, 'a number', describeValue(x));
    out[i] = x;
  }
  return out;
}
