// Nearest-neighbour upsampling of [nc, h, w] planes by an integer scale, forward and backward.
// Kernel names match src/ops/upsample.ts and kernels/*.wgsl. Output plane [h*scale, w*scale],
// y[i*scale + a, j*scale + b] = x[i, j] (PyTorch's 'nearest' for an integer scale factor).
//
// Scale 2 (the only one CycleGAN uses) has a shuffle-based SIMD path; other scales splat.

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

/** Writes one output row (w*scale floats at dst) from one input row (w floats at src). */
@inline
function widenRow(src: usize, dst: usize, w: i32, scale: i32): void {
  let j = 0;
  if (scale == 2) {
    for (; j + 4 <= w; j += 4) {
      const v = v128.load(src + (<usize>j << 2));
      const d = dst + (<usize>j << 3);
      v128.store(d, v128.shuffle<f32>(v, v, 0, 0, 1, 1));
      v128.store(d + 16, v128.shuffle<f32>(v, v, 2, 2, 3, 3));
    }
  }
  for (; j < w; j++) {
    const s = load<f32>(src + (<usize>j << 2));
    const d = dst + (<usize>(j * scale) << 2);
    const v = f32x4.splat(s);
    let b = 0;
    for (; b + 4 <= scale; b += 4) v128.store(d + (<usize>b << 2), v);
    for (; b < scale; b++) store<f32>(d + (<usize>b << 2), s);
  }
}

export function upsampleNearest2d(x: usize, y: usize, nc: i32, h: i32, w: i32, scale: i32): void {
  const ow = w * scale;
  const rows = nc * h;
  // Planes are contiguous, so input row r (over all planes) makes output rows r*scale...+scale-1.
  for (let r = 0; r < rows; r++) {
    const first = y + (<usize>r * <usize>scale * <usize>ow << 2);
    widenRow(x + (<usize>r * <usize>w << 2), first, w, scale);
    // The other scale-1 rows repeat the first.
    for (let a = 1; a < scale; a++) copyRow(first, first + (<usize>(a * ow) << 2), ow);
  }
}

/** Backward of upsampleNearest2d: dx[i, j] = sum of the scale x scale block of dy it made. */
export function upsampleNearest2dGrad(dy: usize, dx: usize, nc: i32, h: i32, w: i32, scale: i32): void {
  const ow = w * scale;
  const rows = nc * h;
  for (let r = 0; r < rows; r++) {
    const block = dy + (<usize>r * <usize>scale * <usize>ow << 2);
    const out = dx + (<usize>r * <usize>w << 2);
    let j = 0;
    if (scale == 2) {
      // Sum the two dy rows, then add each even lane to its odd neighbour.
      const row1 = block + (<usize>ow << 2);
      for (; j + 4 <= w; j += 4) {
        const o = <usize>j << 3;
        const s0 = f32x4.add(v128.load(block + o), v128.load(row1 + o));
        const s1 = f32x4.add(v128.load(block + o + 16), v128.load(row1 + o + 16));
        const even = v128.shuffle<f32>(s0, s1, 0, 2, 4, 6);
        const odd = v128.shuffle<f32>(s0, s1, 1, 3, 5, 7);
        v128.store(out + (<usize>j << 2), f32x4.add(even, odd));
      }
    }
    for (; j < w; j++) {
      let s: f32 = 0;
      for (let a = 0; a < scale; a++) {
        const src = block + (<usize>(a * ow + j * scale) << 2);
        for (let b = 0; b < scale; b++) s += load<f32>(src + (<usize>b << 2));
      }
      store<f32>(out + (<usize>j << 2), s);
    }
  }
}
