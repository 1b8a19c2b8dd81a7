// Data-handling kernels: fill, copy, concat, slice and slice's gradient. Buffers are float32 at
// byte offsets; a tensor is viewed as [outer, size, inner] around the concatenated/sliced dim,
// so one contiguous run of `len*inner` floats moves per outer index. Runs are moved with the
// bulk-memory instructions (memory.copy / memory.fill), which engines lower to memcpy/memset:
// faster than any SIMD loop we could write for plain copies.

/** y[0:n] = value. Zero takes memory.fill (all-zero bits); other values a v128 splat loop. */
export function fill(y: usize, n: i32, value: f32): void {
  if (reinterpret<u32>(value) == 0) {
    // +0.0 only: -0.0 has its sign bit set and must be stored as such.
    memory.fill(y, 0, <usize>n << 2);
    return;
  }
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = y + (<usize>i << 2);
    v128.store(p, v);
    v128.store(p, v, 16);
    v128.store(p, v, 32);
    v128.store(p, v, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}

/** y[0:n] = x[0:n]. */
export function copy(x: usize, y: usize, n: i32): void {
  memory.copy(y, x, <usize>n << 2);
}

/**
 * Concatenation along a dim. `table` holds `count` pairs of u32 (input byte offset, size of
 * the input along the dim), written by the JS binding into scratch memory, so this one call
 * handles any number of inputs without the kernel allocating.
 * y[o, off_i*inner : (off_i+size_i)*inner] = x_i[o, :] for every outer index o.
 */
export function concat(table: usize, count: i32, y: usize, outer: i32, inner: i32): void {
  // Total size along the dim: the output row length in units of `inner`.
  let total: usize = 0;
  for (let k = 0; k < count; k++) total += <usize>load<u32>(table + (<usize>k << 3), 4);
  const rowBytes = total * <usize>inner << 2;
  let off: usize = 0;
  for (let k = 0; k < count; k++) {
    const x = <usize>load<u32>(table + (<usize>k << 3));
    const chunk = <usize>load<u32>(table + (<usize>k << 3), 4) * <usize>inner << 2;
    // Input k's runs are contiguous in x; in y they sit `off` bytes into each output row.
    for (let o: usize = 0; o < <usize>outer; o++) {
      memory.copy(y + o * rowBytes + off, x + o * chunk, chunk);
    }
    off += chunk;
  }
}

/** y[o, 0:len] = x[o, start:start+len] along a dim of `size` (each unit is `inner` floats). */
export function slice(x: usize, y: usize, outer: i32, inner: i32, size: i32, start: i32, len: i32): void {
  const inRow = <usize>size * <usize>inner << 2;
  const outRow = <usize>len * <usize>inner << 2;
  const skip = <usize>start * <usize>inner << 2;
  for (let o: usize = 0; o < <usize>outer; o++) {
    memory.copy(y + o * outRow, x + o * inRow + skip, outRow);
  }
}

/** Gradient of slice: dx = 0 except dx[o, start:start+len] = dy[o, :]. */
export function sliceGrad(dy: usize, dx: usize, outer: i32, inner: i32, size: i32, start: i32, len: i32): void {
  const inRow = <usize>size * <usize>inner << 2;
  const outRow = <usize>len * <usize>inner << 2;
  const skip = <usize>start * <usize>inner << 2;
  for (let o: usize = 0; o < <usize>outer; o++) {
    const row = dx + o * inRow;
    // Zero only what the copy does not overwrite: the parts before and after the slice.
    memory.fill(row, 0, skip);
    memory.copy(row + skip, dy + o * outRow, outRow);
    memory.fill(row + skip + outRow, 0, inRow - skip - outRow);
  }
}
