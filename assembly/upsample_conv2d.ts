// upsampleConv2d: nearest upsampling by 2 followed by a 3x3 conv with padding 1, as four 2x2
// convolutions of the un-upsampled input, one per output phase (kernel names match
// src/ops/upsample_conv2d.ts and kernels/upsample_conv2d*.wgsl).
//
// Why it is exact: with u the x2 upsampled x, output row Y = 2a + py reads u rows Y-1..Y+1,
// which are x rows (a-1, a, a) for py = 0 and (a, a, a+1) for py = 1 (a u row outside [0, 2h)
// is exactly an x row outside [0, h)). So the 3x3 weight's rows fold into 2 taps per phase:
// py = 0: x row a-1 gets w row 0, x row a gets rows 1 + 2; py = 1: x row a gets rows 0 + 1,
// x row a+1 gets row 2; likewise for columns. The four 2x2 "phase weights" of a 3x3 weight are
// wp[ph = py*2 + px, co, ci, ti, tj] = Σ_{i in S(py, ti)} Σ_{j in S(px, tj)} w[co, ci, i, j]
// with S(0,0) = {0}, S(0,1) = {1,2}, S(1,0) = {0,1}, S(1,1) = {2}.
// Stacked as a [4*cOut, cIn, 2, 2] conv weight, one conv2d of x with padding 1 (conv2d.ts, the
// threaded GEMM and im2col of im2col.ts) gives z [n, 4*cOut, h+1, w+1] with
//   y[n, co, 2a+py, 2b+px] = z[n, ph*cOut + co, a+py, b+px]
// for 16 multiply-adds per x pixel and output channel instead of the 36 of the direct form.
// The functions here are the cheap steps around that conv: the phase weights, the interleave of
// z into y (with the bias), its adjoint (dy into dz, for both gradients) and the adjoint of
// the phase weights (the 3x3 weight gradient from the 2x2 one).

// @ts-ignore: decorator
@inline
function tapLo(p: i32, t: i32): i32 {
  // First 3x3 row (or column) folded into tap t of phase p.
  return p == 0 ? (t == 0 ? 0 : 1) : t == 0 ? 0 : 2;
}

// @ts-ignore: decorator
@inline
function tapHi(p: i32, t: i32): i32 {
  // Last 3x3 row (or column) folded into tap t of phase p.
  return p == 0 ? (t == 0 ? 0 : 2) : t == 0 ? 1 : 2;
}

/** wp [4*cOut, cIn, 2, 2] from w [cOut, cIn, 3, 3]. */
export function upsampleConv2dPhaseWeights(w: usize, wp: usize, cOut: i32, cIn: i32): void {
  const planes = cOut * cIn;
  for (let ph = 0; ph < 4; ph++) {
    const py = ph >> 1;
    const px = ph & 1;
    for (let k = 0; k < planes; k++) {
      const src = w + ((<usize>k * 9) << 2);
      const dst = wp + ((<usize>(ph * planes + k) * 4) << 2);
      for (let ti = 0; ti < 2; ti++) {
        for (let tj = 0; tj < 2; tj++) {
          let s: f32 = 0;
          for (let i = tapLo(py, ti); i <= tapHi(py, ti); i++) {
            for (let j = tapLo(px, tj); j <= tapHi(px, tj); j++) s += load<f32>(src + ((<usize>(i * 3 + j)) << 2));
          }
          store<f32>(dst + ((<usize>(ti * 2 + tj)) << 2), s);
        }
      }
    }
  }
}

/** dw [cOut, cIn, 3, 3] = the adjoint of the phase weights applied to dwp [4*cOut, cIn, 2, 2]. */
export function upsampleConv2dFoldWeights(dwp: usize, dw: usize, cOut: i32, cIn: i32): void {
  const planes = cOut * cIn;
  for (let k = 0; k < planes; k++) {
    const dst = dw + ((<usize>k * 9) << 2);
    for (let t = 0; t < 9; t++) store<f32>(dst + ((<usize>t) << 2), 0);
    // Phases in a fixed order, so the sum's order does not depend on anything but the shape.
    for (let ph = 0; ph < 4; ph++) {
      const py = ph >> 1;
      const px = ph & 1;
      const src = dwp + ((<usize>(ph * planes + k) * 4) << 2);
      for (let ti = 0; ti < 2; ti++) {
        for (let tj = 0; tj < 2; tj++) {
          const g = load<f32>(src + ((<usize>(ti * 2 + tj)) << 2));
          for (let i = tapLo(py, ti); i <= tapHi(py, ti); i++) {
            for (let j = tapLo(px, tj); j <= tapHi(px, tj); j++) {
              const a = dst + ((<usize>(i * 3 + j)) << 2);
              store<f32>(a, load<f32>(a) + g);
            }
          }
        }
      }
    }
  }
}

/**
 * y [n, cOut, 2h, 2w] from z [n, 4*cOut, h+1, w+1] (+ bias [cOut], 0 = none): output row
 * 2a+py interleaves z rows a+py of phases (py, 0) and (py, 1), the second one column on.
 */
export function upsampleConv2dInterleave(z: usize, bias: usize, y: usize, n: i32, cOut: i32, h: i32, w: i32): void {
  const zw = w + 1;
  const zPlane = <usize>(h + 1) * <usize>zw;
  const ow = 2 * w;
  for (let img = 0; img < n; img++) {
    for (let co = 0; co < cOut; co++) {
      const b: f32 = bias != 0 ? load<f32>(bias + ((<usize>co) << 2)) : 0;
      const bv = f32x4.splat(b);
      const yPlane = y + ((<usize>(img * cOut + co) * <usize>(2 * h) * <usize>ow) << 2);
      for (let py = 0; py < 2; py++) {
        const p0 = z + ((<usize>((img * 4 + py * 2) * cOut + co) * zPlane) << 2);
        const p1 = z + ((<usize>((img * 4 + py * 2 + 1) * cOut + co) * zPlane) << 2);
        for (let a = 0; a < h; a++) {
          const r0 = p0 + ((<usize>(a + py) * <usize>zw) << 2);
          const r1 = p1 + ((<usize>(a + py) * <usize>zw + 1) << 2);
          const dst = yPlane + ((<usize>(2 * a + py) * <usize>ow) << 2);
          let bx = 0;
          for (; bx + 4 <= w; bx += 4) {
            const v0 = f32x4.add(v128.load(r0 + ((<usize>bx) << 2)), bv);
            const v1 = f32x4.add(v128.load(r1 + ((<usize>bx) << 2)), bv);
            v128.store(dst + ((<usize>(2 * bx)) << 2), v128.shuffle<f32>(v0, v1, 0, 4, 1, 5));
            v128.store(dst + ((<usize>(2 * bx + 4)) << 2), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
          }
          for (; bx < w; bx++) {
            store<f32>(dst + ((<usize>(2 * bx)) << 2), load<f32>(r0 + ((<usize>bx) << 2)) + b);
            store<f32>(dst + ((<usize>(2 * bx + 1)) << 2), load<f32>(r1 + ((<usize>bx) << 2)) + b);
          }
        }
      }
    }
  }
}

/**
 * dz [n, 4*cOut, h+1, w+1] from dy [n, cOut, 2h, 2w]: the adjoint of the interleave. The z
 * entries no output reads (row 0 or h, column 0 or w, by phase) get 0.
 */
export function upsampleConv2dDeinterleave(dy: usize, dz: usize, n: i32, cOut: i32, h: i32, w: i32): void {
  const zw = w + 1;
  const zPlane = <usize>(h + 1) * <usize>zw;
  const ow = 2 * w;
  for (let img = 0; img < n; img++) {
    for (let co = 0; co < cOut; co++) {
      const src = dy + ((<usize>(img * cOut + co) * <usize>(2 * h) * <usize>ow) << 2);
      for (let py = 0; py < 2; py++) {
        const p0 = dz + ((<usize>((img * 4 + py * 2) * cOut + co) * zPlane) << 2);
        const p1 = dz + ((<usize>((img * 4 + py * 2 + 1) * cOut + co) * zPlane) << 2);
        // The unread row of both phases of this py: row h for py = 0, row 0 for py = 1.
        const spareRow: i32 = py == 0 ? h : 0;
        const spare = <usize>spareRow * <usize>zw;
        for (let j = 0; j < zw; j++) {
          store<f32>(p0 + ((spare + <usize>j) << 2), 0);
          store<f32>(p1 + ((spare + <usize>j) << 2), 0);
        }
        for (let a = 0; a < h; a++) {
          const r0 = p0 + ((<usize>(a + py) * <usize>zw) << 2);
          const r1 = p1 + ((<usize>(a + py) * <usize>zw) << 2);
          const s = src + ((<usize>(2 * a + py) * <usize>ow) << 2);
          // Phase px = 0 leaves column w unread, px = 1 column 0.
          store<f32>(r0 + ((<usize>w) << 2), 0);
          store<f32>(r1, 0);
          let bx = 0;
          for (; bx + 4 <= w; bx += 4) {
            const u0 = v128.load(s + ((<usize>(2 * bx)) << 2));
            const u1 = v128.load(s + ((<usize>(2 * bx + 4)) << 2));
            v128.store(r0 + ((<usize>bx) << 2), v128.shuffle<f32>(u0, u1, 0, 2, 4, 6));
            v128.store(r1 + ((<usize>(bx + 1)) << 2), v128.shuffle<f32>(u0, u1, 1, 3, 5, 7));
          }
          for (; bx < w; bx++) {
            store<f32>(r0 + ((<usize>bx) << 2), load<f32>(s + ((<usize>(2 * bx)) << 2)));
            store<f32>(r1 + ((<usize>(bx + 1)) << 2), load<f32>(s + ((<usize>(2 * bx + 1)) << 2)));
          }
        }
      }
    }
  }
}
