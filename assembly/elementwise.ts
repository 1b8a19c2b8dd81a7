// Binary elementwise kernels (add, sub, mul) and the scalar forms (addScalar, mulScalar).
// A binary input holds n floats, or 1 float broadcast to all n (contract's BinaryAttrs), so
// each kernel has a loop per case: both full, a broadcast, b broadcast (and both broadcast,
// which is a fill of one value). The op is a compile-time constant of the inlined helpers,
// so every loop is specialised: no branch per element.

const ADD = 0;
const SUB = 1;
const MUL = 2;

// @ts-ignore: decorator
@inline function opV(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  return f32x4.mul(a, b);
}

// @ts-ignore: decorator
@inline function opS(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  return a * b;
}

// @ts-ignore: decorator
@inline function binary(op: i32, a: usize, b: usize, y: usize, n: i32, bcA: bool, bcB: bool): void {
  let i = 0;
  if (bcA && bcB) {
    const v = opS(op, load<f32>(a), load<f32>(b));
    const s = f32x4.splat(v);
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), s);
    for (; i < n; i++) store<f32>(y + (<usize>i << 2), v);
  } else if (bcA) {
    const sa = load<f32>(a);
    const va = f32x4.splat(sa);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, opV(op, va, v128.load(b + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, opS(op, sa, load<f32>(b + o)));
    }
  } else if (bcB) {
    const sb = load<f32>(b);
    const vb = f32x4.splat(sb);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, opV(op, v128.load(a + o), vb));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, opS(op, load<f32>(a + o), sb));
    }
  } else {
    // Unrolled by two vectors: these kernels are memory-bound; fewer loop branches help a bit.
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      v128.store(y + o, opV(op, v128.load(a + o), v128.load(b + o)));
      v128.store(y + o, opV(op, v128.load(a + o, 16), v128.load(b + o, 16)), 16);
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, opV(op, v128.load(a + o), v128.load(b + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, opS(op, load<f32>(a + o), load<f32>(b + o)));
    }
  }
}

/** y = a + b; bcA/bcB: that input has one element, broadcast to n. */
export function add(a: usize, b: usize, y: usize, n: i32, bcA: bool, bcB: bool): void {
  binary(ADD, a, b, y, n, bcA, bcB);
}

/** y = a - b */
export function sub(a: usize, b: usize, y: usize, n: i32, bcA: bool, bcB: bool): void {
  binary(SUB, a, b, y, n, bcA, bcB);
}

/** y = a * b */
export function mul(a: usize, b: usize, y: usize, n: i32, bcA: bool, bcB: bool): void {
  binary(MUL, a, b, y, n, bcA, bcB);
}

// @ts-ignore: decorator
@inline function scalar(op: i32, x: usize, y: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    v128.store(y + o, opV(op, v128.load(x + o), v));
    v128.store(y + o, opV(op, v128.load(x + o, 16), v), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, opV(op, v128.load(x + o), v));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, opS(op, load<f32>(x + o), value));
  }
}

/** y = x + value */
export function addScalar(x: usize, y: usize, n: i32, value: f32): void {
  scalar(ADD, x, y, n, value);
}

/** y = x * value */
export function mulScalar(x: usize, y: usize, n: i32, value: f32): void {
  scalar(MUL, x, y, n, value);
}
