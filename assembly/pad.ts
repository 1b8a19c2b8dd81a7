// Reflection and zero padding of [nc, h, w] planes, forward and backward. Kernel names match
// src/ops/pad.ts and kernels/*.wgsl. Pads are per side (left, right, top, bottom) so
// asymmetric pads like ZeroPad2d((1, 0, 1, 0)) need no special case. The output plane is
// [h + top + bottom, w + left + right].
//
// The middle of every padded row is a contiguous copy of an input row (SIMD); only the few
// pad columns at each end are written one float at a time.

/** dst[0:n] = src[0:n] (no overlap). */
@inline
function copyRow(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/** dst[0:n] += src[0:n] (no overlap). */
@inline
function addRow(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** dst[0:n] = 0. */
@inline
function zeroRow(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * The input index that padded index p (in input coordinates, -pad..size-1+pad) reflects to,
 * without repeating the edge (PyTorch's ReflectionPad). Valid for pad < size.
 */
@inline
function reflect(p: i32, size: i32): i32 {
  if (p < 0) return -p;
  if (p >= size) return 2 * (size - 1) - p;
  return p;
}

export function reflectionPad2d(
  x: usize,
  y: usize,
  nc: i32,
  h: i32,
  w: i32,
  left: i32,
  right: i32,
  top: i32,
  bottom: i32,
): void {
  const oh = h + top + bottom;
  const ow = w + left + right;
  for (let p = 0; p < nc; p++) {
    const xp = x + (<usize>p * <usize>(h * w) << 2);
    const yp = y + (<usize>p * <usize>(oh * ow) << 2);
    for (let oi = 0; oi < oh; oi++) {
      const src = xp + (<usize>(reflect(oi - top, h) * w) << 2);
      const dst = yp + (<usize>(oi * ow) << 2);
      for (let j = 0; j < left; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>(left - j) << 2)));
      copyRow(src, dst + (<usize>left << 2), w);
      for (let j = 0; j < right; j++) {
        store<f32>(dst + (<usize>(left + w + j) << 2), load<f32>(src + (<usize>(w - 2 - j) << 2)));
      }
    }
  }
}

/**
 * Backward of reflectionPad2d: every input element receives its own dy plus the dy of each
 * pad position that reflects onto it (an edge-adjacent element can receive four).
 */
export function reflectionPad2dGrad(
  dy: usize,
  dx: usize,
  nc: i32,
  h: i32,
  w: i32,
  left: i32,
  right: i32,
  top: i32,
  bottom: i32,
): void {
  const oh = h + top + bottom;
  const ow = w + left + right;
  for (let p = 0; p < nc; p++) {
    const dxp = dx + (<usize>p * <usize>(h * w) << 2);
    const dyp = dy + (<usize>p * <usize>(oh * ow) << 2);
    // The interior rows initialize every dx element (dx starts uninitialized)...
    for (let i = 0; i < h; i++) {
      copyRow(dyp + (<usize>((i + top) * ow + left) << 2), dxp + (<usize>(i * w) << 2), w);
    }
    // ...then the middle parts of the top and bottom pad rows fold onto their mirror rows...
    for (let oi = 0; oi < top; oi++) {
      addRow(dyp + (<usize>(oi * ow + left) << 2), dxp + (<usize>(reflect(oi - top, h) * w) << 2), w);
    }
    for (let oi = top + h; oi < oh; oi++) {
      addRow(dyp + (<usize>(oi * ow + left) << 2), dxp + (<usize>(reflect(oi - top, h) * w) << 2), w);
    }
    // ...and the pad columns of every row (corners included) fold onto their mirror elements.
    if (left == 0 && right == 0) continue;
    for (let oi = 0; oi < oh; oi++) {
      const dst = dxp + (<usize>(reflect(oi - top, h) * w) << 2);
      const src = dyp + (<usize>(oi * ow) << 2);
      for (let j = 0; j < left; j++) {
        const d = dst + (<usize>(left - j) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>j << 2)));
      }
      for (let j = 0; j < right; j++) {
        const d = dst + (<usize>(w - 2 - j) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>(left + w + j) << 2)));
      }
    }
  }
}

export function zeroPad2d(
  x: usize,
  y: usize,
  nc: i32,
  h: i32,
  w: i32,
  left: i32,
  right: i32,
  top: i32,
  bottom: i32,
): void {
  const oh = h + top + bottom;
  const ow = w + left + right;
  for (let p = 0; p < nc; p++) {
    const xp = x + (<usize>p * <usize>(h * w) << 2);
    const yp = y + (<usize>p * <usize>(oh * ow) << 2);
    // Top pad rows, then each input row between its left and right zeros, then bottom pad rows.
    zeroRow(yp, top * ow);
    for (let i = 0; i < h; i++) {
      const dst = yp + (<usize>((i + top) * ow) << 2);
      zeroRow(dst, left);
      copyRow(xp + (<usize>(i * w) << 2), dst + (<usize>left << 2), w);
      zeroRow(dst + (<usize>(left + w) << 2), right);
    }
    zeroRow(yp + (<usize>((top + h) * ow) << 2), bottom * ow);
  }
}

/** Backward of zeroPad2d: dx is the interior of dy. */
export function zeroPad2dGrad(
  dy: usize,
  dx: usize,
  nc: i32,
  h: i32,
  w: i32,
  left: i32,
  right: i32,
  top: i32,
  bottom: i32,
): void {
  const oh = h + top + bottom;
  const ow = w + left + right;
  for (let p = 0; p < nc; p++) {
    const dxp = dx + (<usize>p * <usize>(h * w) << 2);
    const dyp = dy + (<usize>p * <usize>(oh * ow) << 2);
    for (let i = 0; i < h; i++) {
      copyRow(dyp + (<usize>((i + top) * ow + left) << 2), dxp + (<usize>(i * w) << 2), w);
    }
  }
}
