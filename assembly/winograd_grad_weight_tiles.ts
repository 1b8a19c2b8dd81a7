// The tile transforms of the Winograd weight gradient (winograd_grad_weight.ts), F(2x2, 3x3):
// V = Bᵀ d B of 4x4 input tiles and D = A dY Aᵀ of 2x2 output-gradient tiles, each written to
// its 16 positions `step` bytes apart (the packed GEMM operands the caller points into).
import { col0, col1, col2, col3 } from './winograd_transforms';

/**
 * V of 4 channels (planes planeBytes apart from `base`) x 4 tiles of one row (windows of 4
 * rows x 10 columns from `base`, rowBytes per row), to tile l's 4 channels at dst + 32*l +
 * pos*step. `tmp` holds 64 vectors.
 */
export function inputQuad4(base: usize, planeBytes: usize, rowBytes: usize, dst: usize, step: usize, tmp: usize): void {
  for (let c = 0; c < 4; c++) {
    const src = base + <usize>c * planeBytes;
    const out = tmp + ((<usize>(c * 16)) << 4);
    // d B of each row (lane l = tile l, whose column j is src[2l + j]), into out[4i + j].
    for (let i = 0; i < 4; i++) {
      const r = src + <usize>i * rowBytes;
      const v0 = v128.load(r);
      const v1 = v128.load(r, 16);
      const u0 = v128.load(r, 8);
      const u1 = v128.load(r, 24);
      const d0 = f32x4.shuffle(v0, v1, 0, 2, 4, 6);
      const d1 = f32x4.shuffle(v0, v1, 1, 3, 5, 7);
      const d2 = f32x4.shuffle(u0, u1, 0, 2, 4, 6);
      const d3 = f32x4.shuffle(u0, u1, 1, 3, 5, 7);
      const o = out + ((<usize>(i * 4)) << 4);
      v128.store(o, f32x4.sub(d0, d2));
      v128.store(o, f32x4.add(d1, d2), 16);
      v128.store(o, f32x4.sub(d2, d1), 32);
      v128.store(o, f32x4.sub(d1, d3), 48);
    }
    // Bᵀ (d B) down each column j, in place.
    for (let j = 0; j < 4; j++) {
      const o = out + ((<usize>j) << 4);
      const r0 = v128.load(o);
      const r1 = v128.load(o, 64);
      const r2 = v128.load(o, 128);
      const r3 = v128.load(o, 192);
      v128.store(o, f32x4.sub(r0, r2));
      v128.store(o, f32x4.add(r1, r2), 64);
      v128.store(o, f32x4.sub(r2, r1), 128);
      v128.store(o, f32x4.sub(r1, r3), 192);
    }
  }
  // Per position: the 4 channels' vectors (lane = tile) transposed to lane = channel.
  for (let p = 0; p < 16; p++) {
    const q = tmp + ((<usize>p) << 4);
    const a = v128.load(q);
    const b = v128.load(q, 256);
    const c = v128.load(q, 512);
    const d = v128.load(q, 768);
    const o = dst + <usize>p * step;
    v128.store(o, col0(a, b, c, d));
    v128.store(o, col1(a, b, c, d), 32);
    v128.store(o, col2(a, b, c, d), 64);
    v128.store(o, col3(a, b, c, d), 96);
  }
}

// @ts-ignore: decorator
@inline
function at(plane: usize, h: i32, w: i32, y: i32, x: i32): f32 {
  return y >= 0 && y < h && x >= 0 && x < w ? load<f32>(plane + ((<usize>y * <usize>w + <usize>x) << 2)) : 0;
}

/** The 16 values of A dY Aᵀ for the dy tile at (y0, x0) to dst + pos*step. */
export function dyTile(plane: usize, oh: i32, ow: i32, y0: i32, x0: i32, dst: usize, step: usize): void {
  let a: f32, b: f32, c: f32, d: f32;
  if (y0 + 1 < oh && x0 + 1 < ow) {
    const p = plane + ((<usize>y0 * <usize>ow + <usize>x0) << 2);
    const q = p + ((<usize>ow) << 2);
    a = load<f32>(p);
    b = load<f32>(p, 4);
    c = load<f32>(q);
    d = load<f32>(q, 4);
  } else {
    a = at(plane, oh, ow, y0, x0);
    b = at(plane, oh, ow, y0, x0 + 1);
    c = at(plane, oh, ow, y0 + 1, x0);
    d = at(plane, oh, ow, y0 + 1, x0 + 1);
  }
  // Rows of A·dY: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d); then each row times Aᵀ.
  row4(dst, step, a, b);
  row4(dst + 4 * step, step, a + c, b + d);
  row4(dst + 8 * step, step, a - c, b - d);
  row4(dst + 12 * step, step, -c, -d);
}

// @ts-ignore: decorator
@inline
function row4(dst: usize, step: usize, u: f32, v: f32): void {
  store<f32>(dst, u);
  store<f32>(dst + step, u + v);
  store<f32>(dst + 2 * step, u - v);
  store<f32>(dst + 3 * step, -v);
}

/** The 16 values of Bᵀ d B for the input tile at (y0, x0) (may leave the image) to dst + pos*step. */
export function inputTile(plane: usize, h: i32, w: i32, y0: i32, x0: i32, dst: usize, step: usize): void {
  const inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= h && x0 + 4 <= w;
  // d B of each row i: (d0 - d2, d1 + d2, d2 - d1, d1 - d3), kept in r[i][j].
  let r00: f32, r01: f32, r02: f32, r03: f32, r10: f32, r11: f32, r12: f32, r13: f32;
  let r20: f32, r21: f32, r22: f32, r23: f32, r30: f32, r31: f32, r32: f32, r33: f32;
  {
    const d = inputRow(plane, h, w, y0, x0, inside);
    r00 = f32x4.extract_lane(d, 0) - f32x4.extract_lane(d, 2);
    r01 = f32x4.extract_lane(d, 1) + f32x4.extract_lane(d, 2);
    r02 = f32x4.extract_lane(d, 2) - f32x4.extract_lane(d, 1);
    r03 = f32x4.extract_lane(d, 1) - f32x4.extract_lane(d, 3);
  }
  {
    const d = inputRow(plane, h, w, y0 + 1, x0, inside);
    r10 = f32x4.extract_lane(d, 0) - f32x4.extract_lane(d, 2);
    r11 = f32x4.extract_lane(d, 1) + f32x4.extract_lane(d, 2);
    r12 = f32x4.extract_lane(d, 2) - f32x4.extract_lane(d, 1);
    r13 = f32x4.extract_lane(d, 1) - f32x4.extract_lane(d, 3);
  }
  {
    const d = inputRow(plane, h, w, y0 + 2, x0, inside);
    r20 = f32x4.extract_lane(d, 0) - f32x4.extract_lane(d, 2);
    r21 = f32x4.extract_lane(d, 1) + f32x4.extract_lane(d, 2);
    r22 = f32x4.extract_lane(d, 2) - f32x4.extract_lane(d, 1);
    r23 = f32x4.extract_lane(d, 1) - f32x4.extract_lane(d, 3);
  }
  {
    const d = inputRow(plane, h, w, y0 + 3, x0, inside);
    r30 = f32x4.extract_lane(d, 0) - f32x4.extract_lane(d, 2);
    r31 = f32x4.extract_lane(d, 1) + f32x4.extract_lane(d, 2);
    r32 = f32x4.extract_lane(d, 2) - f32x4.extract_lane(d, 1);
    r33 = f32x4.extract_lane(d, 1) - f32x4.extract_lane(d, 3);
  }
  // Bᵀ (d B): the same combination down each column j; position (i, j) is i*4 + j.
  column4(dst, step, r00, r10, r20, r30);
  column4(dst + step, step, r01, r11, r21, r31);
  column4(dst + 2 * step, step, r02, r12, r22, r32);
  column4(dst + 3 * step, step, r03, r13, r23, r33);
}

// @ts-ignore: decorator
@inline
function column4(dst: usize, step: usize, d0: f32, d1: f32, d2: f32, d3: f32): void {
  store<f32>(dst, d0 - d2);
  store<f32>(dst + 4 * step, d1 + d2);
  store<f32>(dst + 8 * step, d2 - d1);
  store<f32>(dst + 12 * step, d1 - d3);
}

/** Input row y, columns x0 .. x0 + 3, zero outside the image. */
// @ts-ignore: decorator
@inline
function inputRow(plane: usize, h: i32, w: i32, y: i32, x0: i32, inside: bool): v128 {
  if (inside) return v128.load(plane + ((<usize>y * <usize>w + <usize>x0) << 2));
  let v = f32x4.splat(0);
  if (y < 0 || y >= h) return v;
  v = f32x4.replace_lane(v, 0, at(plane, h, w, y, x0));
  v = f32x4.replace_lane(v, 1, at(plane, h, w, y, x0 + 1));
  v = f32x4.replace_lane(v, 2, at(plane, h, w, y, x0 + 2));
  v = f32x4.replace_lane(v, 3, at(plane, h, w, y, x0 + 3));
  return v;
}
