// add, sub, mul (tensor-tensor with 1-element broadcasting, or tensor-number), div by a
// number, and neg. Kernels: add/sub/mul, addScalar/mulScalar; a broadcast side's gradient is
// reduced with the sum kernel.
import type { BinaryAttrs } from '../kernels/contract.js';
import { engineOf, type Engine } from '../engine.js';
import { AttributeError, DTypeError, ShapeError } from '../errors.js';
import { formatShape, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkNumber, checkTensor, sameEngine } from './checks.js';

type Operand = Tensor | number;
type BinaryKernel = 'add' | 'sub' | 'mul';

/** a + b. Same shapes, a 1-element tensor on either side (broadcast), or a number. */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b);
}

/** a - b, with add's rules. */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b);
}

/** a * b, with add's rules. */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b);
}

/** a / b for a number b (computed as a * (1/b)). */
export function div(a: Tensor, b: number): Tensor {
  checkTensor('div', 'a', a);
  if (typeof b !== 'number') throw new DTypeError('div', 'b', 'a number', (b as unknown) instanceof Tensor ? 'a Tensor' : typeof b);
  checkNumber('div', 'b', b);
  if (b === 0) throw new AttributeError('div', 'b', 'a non-zero number', '0');
  return scale('div', a, 1 / b);
}

/** -x */
export function neg(x: Tensor): Tensor {
  checkTensor('neg', 'x', x);
  return scale('neg', x, -1);
}

// ---------------------------------------------------------------- implementation

function binary(op: BinaryKernel, a: Operand, b: Operand): Tensor {
  const aIsNum = typeof a === 'number';
  const bIsNum = typeof b === 'number';
  if (aIsNum && bIsNum) throw new DTypeError(op, 'a', 'a Tensor when b is a number', 'a number');
  if (aIsNum) return scalarLeft(op, a, checkTensor(op, 'b', b));
  if (bIsNum) return scalarRight(op, checkTensor(op, 'a', a), b);
  const ta = checkTensor(op, 'a', a);
  const tb = checkTensor(op, 'b', b);
  const e = sameEngine(op, ta, tb);
  const { shape, attrs } = broadcastPlan(op, ta, tb);
  const [y] = e.runKernel(op, op, [ta, tb], [shape], attrs);
  if (e.needsGrad(ta, tb)) {
    // Only mul reads its inputs' values in backward: it saves views of them.
    const saved = op === 'mul' ? [e._save(ta), e._save(tb)] : [];
    const [sa, sb] = saved;
    e.recordGrad(y, op, [ta, tb], (dy) => {
      const bw = `${op} backward`;
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (ta.requiresGrad) {
        // d(a+b)/da = d(a-b)/da = 1; d(a*b)/da = b.
        const g = op === 'mul' ? e.runKernel(bw, 'mul', [dy, sb], [shape], { ...attrs, broadcastA: false })[0] : dy;
        da = reduceTo(e, bw, g, ta.shape, attrs.broadcastA, g !== dy);
      }
      if (tb.requiresGrad) {
        let g: Tensor;
        let fresh = false;
        if (op === 'mul') {
          g = e.runKernel(bw, 'mul', [dy, sa], [shape], { n: attrs.n, broadcastA: false, broadcastB: attrs.broadcastA })[0];
          fresh = true;
        } else if (op === 'sub' && !attrs.broadcastB) {
          g = scaleKernel(e, bw, dy, -1);
          fresh = true;
        } else {
          g = dy;
        }
        db = reduceTo(e, bw, g, tb.shape, attrs.broadcastB, fresh);
        // For a broadcast b of sub, negate the 1-element sum rather than all n elements.
        if (op === 'sub' && attrs.broadcastB) {
          const s = db;
          db = scaleKernel(e, bw, s, -1);
          s.dispose();
        }
      }
      return [da, db];
    }, saved);
  }
  return y;
}

/**
 * The output shape and kernel attrs for two tensors: equal shapes, or one side with a single
 * element broadcast to the other's shape. Two 1-element tensors give the higher rank's shape,
 * as PyTorch's broadcasting does ([] with [1, 1] is [1, 1]).
 */
function broadcastPlan(op: string, a: Tensor, b: Tensor): { shape: Shape; attrs: BinaryAttrs } {
  if (shapesEqual(a.shape, b.shape)) {
    return { shape: a.shape, attrs: { n: a.size, broadcastA: false, broadcastB: false } };
  }
  if (a.size === 1 && b.size === 1) {
    return { shape: a.rank >= b.rank ? a.shape : b.shape, attrs: { n: 1, broadcastA: false, broadcastB: false } };
  }
  if (a.size === 1) return { shape: b.shape, attrs: { n: b.size, broadcastA: true, broadcastB: false } };
  if (b.size === 1) return { shape: a.shape, attrs: { n: a.size, broadcastA: false, broadcastB: true } };
  throw new ShapeError(op, 'b', `${formatShape(a.shape)} (the shape of a) or a single element`, formatShape(b.shape));
}

/**
 * A gradient g (output-shaped) as the gradient of an input of `shape`: summed when the input
 * was broadcast, else a view of g with the input's shape (a 1-element input of another rank).
 * `fresh` says g was made here and may be disposed.
 */
function reduceTo(e: Engine, op: string, g: Tensor, shape: Shape, broadcast: boolean, fresh: boolean): Tensor {
  if (broadcast) {
    const [s] = e.runKernel(op, 'sum', [g], [shape], { n: g.size });
    if (fresh) g.dispose();
    return s;
  }
  if (shapesEqual(g.shape, shape)) return g;
  const v = e._view(g, shape, false);
  if (fresh) g.dispose();
  return v;
}

function scaleKernel(e: Engine, op: string, x: Tensor, value: number): Tensor {
  return e.runKernel(op, 'mulScalar', [x], [x.shape], { n: x.size, value })[0];
}

/** x * value as an op (neg, div, mul with a number), gradient dy * value. */
function scale(op: string, x: Tensor, value: number): Tensor {
  const e = engineOf(x);
  const y = scaleKernel(e, op, x, value);
  if (e.needsGrad(x)) e.recordGrad(y, op, [x], (dy) => [scaleKernel(e, `${op} backward`, dy, value)]);
  return y;
}

/** tensor (op) number */
function scalarRight(op: BinaryKernel, x: Tensor, v: number): Tensor {
  if (op === 'mul') return scale(op, x, v);
  const e = engineOf(x);
  const value = op === 'add' ? v : -v;
  const [y] = e.runKernel(op, 'addScalar', [x], [x.shape], { n: x.size, value });
  if (e.needsGrad(x)) e.recordGrad(y, op, [x], (dy) => [dy]);
  return y;
}

/** number (op) tensor */
function scalarLeft(op: BinaryKernel, v: number, x: Tensor): Tensor {
  if (op !== 'sub') return scalarRight(op, x, v);
  // v - x = (-x) + v: two passes, but no reverse-subtract kernel is needed.
  const e = engineOf(x);
  const negX = scaleKernel(e, op, x, -1);
  const [y] = e.runKernel(op, 'addScalar', [negX], [x.shape], { n: x.size, value: v });
  negX.dispose();
  if (e.needsGrad(x)) e.recordGrad(y, op, [x], (dy) => [scaleKernel(e, `${op} backward`, dy, -1)]);
  return y;
}
