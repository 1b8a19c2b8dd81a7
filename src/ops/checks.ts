// Argument checks shared by the ops. Each throws a typed error naming the op, the argument,
// and the expected and actual values.
import { AttributeError, DTypeError, ShapeError } from '../errors.js';
import { describeValue } from './option_checks.js';

export { describeValue };
import { formatShape, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { engineOf, type Engine } from '../engine.js';

/** Checks that `t` is a live float32 Tensor and returns it. */
export function checkTensor(op: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) {
    const actual = t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t;
    throw new DTypeError(op, arg, 'a Tensor', actual);
  }
  t.assertAlive(op, arg);
  if (t.dtype !== 'float32') throw new DTypeError(op, arg, 'float32', t.dtype);
  return t;
}

/** Checks a tensor argument that may be null or undefined. */
export function checkOptionalTensor(op: string, arg: string, t: unknown): Tensor | null {
  return t === null || t === undefined ? null : checkTensor(op, arg, t);
}

/** Checks that all tensors belong to one engine and returns it. */
export function sameEngine(op: string, ...tensors: (Tensor | null)[]): Engine {
  const present = tensors.filter((t): t is Tensor => t !== null);
  const engine = engineOf(present[0]);
  for (const t of present) {
    if (t.engine !== engine) throw new AttributeError(op, 'tensors', 'tensors of one engine', 'tensors of two engines');
  }
  return engine;
}

export function checkRank(op: string, arg: string, t: Tensor, rank: number, layout: string): void {
  if (t.rank !== rank) throw new ShapeError(op, arg, `rank ${rank} ${layout}`, formatShape(t.shape));
}

export function checkShapeEquals(op: string, arg: string, t: Tensor, expected: Shape): void {
  if (!shapesEqual(t.shape, expected)) throw new ShapeError(op, arg, formatShape(expected), formatShape(t.shape));
}

/** A positive or non-negative integer attribute. */
export function checkInt(op: string, arg: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new AttributeError(op, arg, `an integer >= ${min}`, describeValue(v));
  }
  return v;
}

/** An int or [int, int] attribute (like PyTorch's _pair), returned as a pair. */
export function checkPair(op: string, arg: string, v: unknown, min: number): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new AttributeError(op, arg, `an integer or a pair of integers >= ${min}`, JSON.stringify(v));
    return [checkInt(op, arg, v[0], min), checkInt(op, arg, v[1], min)];
  }
  const x = checkInt(op, arg, v, min);
  return [x, x];
}

/** A finite number attribute. */
export function checkNumber(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AttributeError(op, arg, 'a finite number', describeValue(v));
  return v;
}
