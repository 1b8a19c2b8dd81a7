// concat (torch.cat), slice (x.narrow as a copy) and clone (kernels concat, slice, sliceGrad,
// copy). Around the chosen dim a tensor is viewed as [outer, size, inner], which is all the
// kernels need to know.
import { AttributeError, DTypeError, ShapeError } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkInt, checkTensor, sameEngine } from './checks.js';
import { engineOf } from '../engine.js';

/** A copy of x; the gradient passes through. */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', 'x', x);
  const e = engineOf(x);
  const [y] = e.runKernel('clone', 'copy', [x], [x.shape], { n: x.size });
  if (e.needsGrad(x)) e.recordGrad(y, 'clone', [x], (dy) => [dy]);
  return y;
}

/**
 * Concatenates tensors along `dim` (negative counts from the end), with torch.cat's rules:
 * equal ranks and equal sizes except along dim; 1-D empty tensors (shape [0]) are skipped.
 */
export function concat(tensors: Tensor[], dim = 0): Tensor {
  const op = 'concat';
  if (!Array.isArray(tensors)) throw new DTypeError(op, 'tensors', 'an array of Tensors', typeof tensors);
  if (tensors.length === 0) throw new AttributeError(op, 'tensors', 'a non-empty array of Tensors', '[]');
  tensors.forEach((t, i) => checkTensor(op, `tensors[${i}]`, t));
  const e = sameEngine(op, ...tensors);
  // torch.cat's legacy rule: a 1-D empty tensor joins anything (and contributes nothing).
  const skipped = tensors.map((t) => t.rank === 1 && t.size === 0);
  const parts = tensors.filter((_, i) => !skipped[i]);
  const ref = parts[0] ?? tensors[0];
  if (ref.rank === 0) throw new ShapeError(op, 'tensors[0]', '[n, ...] (0-d tensors cannot be concatenated)', '[]');
  const d = normalizeDim(op, dim, ref.rank);
  tensors.forEach((t, i) => {
    if (skipped[i]) return;
    const ok = t.rank === ref.rank && t.shape.every((s, k) => k === d || s === ref.shape[k]);
    if (!ok) {
      const expected = ref.shape.map((s, k) => (k === d ? '*' : String(s))).join(', ');
      throw new ShapeError(op, `tensors[${i}]`, `[${expected}] (sizes equal except along dim ${d})`, formatShape(t.shape));
    }
  });
  const sizes = parts.map((t) => t.shape[d]);
  const total = sizes.reduce((a, b) => a + b, 0);
  const shape = ref.shape.map((s, k) => (k === d ? total : s));
  const { outer, inner } = around(ref.shape, d);
  const [y] = e.runKernel(op, 'concat', parts, [shape], { outer, inner, sizes });
  if (e.needsGrad(...tensors)) {
    // Where each input's block starts along dim (by position: the same tensor may appear twice).
    const starts: number[] = [];
    let off = 0;
    for (let i = 0; i < tensors.length; i++) {
      starts.push(off);
      if (!skipped[i]) off += tensors[i].shape[d];
    }
    e.recordGrad(y, op, tensors, (dy) =>
      tensors.map((t, i) => {
        if (!t.requiresGrad) return null;
        // A skipped 1-D empty tensor gets an empty gradient, as in PyTorch.
        if (skipped[i]) return e.zeros(t.shape);
        const attrs = { outer, inner, size: total, start: starts[i], len: t.shape[d] };
        return e.runKernel(`${op} backward`, 'slice', [dy], [t.shape], attrs)[0];
      }),
    );
  }
  return y;
}

/**
 * x.narrow(dim, start, end - start) as a new tensor (a copy, not a view). dim, start and end
 * may be negative (counted from the end); 0 <= start <= end <= size after that.
 */
export function slice(x: Tensor, dim: number, start: number, end: number): Tensor {
  const op = 'slice';
  checkTensor(op, 'x', x);
  if (x.rank === 0) throw new ShapeError(op, 'x', '[n, ...] (at least one dimension)', '[]');
  const d = normalizeDim(op, dim, x.rank);
  const size = x.shape[d];
  const s = normalizeIndex(op, 'start', start, size);
  const t = normalizeIndex(op, 'end', end, size);
  if (t < s) throw new AttributeError(op, 'end', `an index >= start (${s}) along dim ${d}`, String(end));
  const len = t - s;
  const shape = x.shape.map((v, k) => (k === d ? len : v));
  const { outer, inner } = around(x.shape, d);
  const attrs = { outer, inner, size, start: s, len };
  const e = engineOf(x);
  const [y] = e.runKernel(op, 'slice', [x], [shape], attrs);
  if (e.needsGrad(x)) {
    e.recordGrad(y, op, [x], (dy) => e.runKernel(`${op} backward`, 'sliceGrad', [dy], [x.shape], attrs));
  }
  return y;
}

function normalizeDim(op: string, dim: unknown, rank: number): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new AttributeError(op, 'dim', `an integer in [${-rank}, ${rank - 1}]`, String(dim));
  }
  return dim < 0 ? dim + rank : dim;
}

function normalizeIndex(op: string, arg: string, v: unknown, size: number): number {
  checkInt(op, arg, v, -size);
  const i = (v as number) < 0 ? (v as number) + size : (v as number);
  if (i > size) throw new AttributeError(op, arg, `an integer in [${-size}, ${size}]`, String(v));
  return i;
}

/** The [outer, size, inner] view of a shape around dim d. */
function around(shape: Shape, d: number): { outer: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let k = 0; k < d; k++) outer *= shape[k];
  for (let k = d + 1; k < shape.length; k++) inner *= shape[k];
  return { outer, inner };
}
