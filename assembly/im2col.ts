// Lowering of convolutions to GEMM: im2col, col2im, and the three products every conv
// kernel is made of.
//
// Vocabulary. An "image" has imgC channels of imgH x imgW; a kh x kw window with stride and
// zero padding visits oh x ow "positions" of it. im2col turns one image into the matrix
// col[K = imgC*kh*kw, P = oh*ow], col[(c*kh + ki)*kw + kj, oy*ow + ox] =
// img[c, oy*sh - ph + ki, ox*sw - pw + kj] (0 outside). col2im is its adjoint (it adds each
// column entry back to the pixel it came from). With a weight matrix wm[M, K]:
//   convLoweredForward: out[M, P] = wm · im2col(img) (+ bias)      conv2d, convTranspose2d dx
//   convLoweredAdjoint: img = col2im(wmᵀ · src[M, P]) (+ bias)     conv2d dx, convTranspose2d
//   convLoweredWeight:  dwm[M, K] = Σ_n src[n] · im2col(img[n])ᵀ   both weight gradients
// conv2d's image is x; convTranspose2d's image is its output y (it is conv2d's adjoint).
//
// The columns of col are processed in chunks of about 1 MiB (convColumnChunk), so the col
// buffer stays small even where K*P is hundreds of MiB (a 7x7 conv on 256x256 images).
// A 1x1 / stride-1 / pad-0 window needs no lowering at all: col is the image itself.
import { gemmF32, gemmF32PackedA, gemmPackA, gemmPackedABytes, gemmWorkBytes } from './gemm';

/**
 * Target size of the col chunk, in floats (1 MiB): small enough to stay in L2 between the
 * pass that writes it and the pass that reads it (im2col then B packing, or the GEMM then
 * col2im). Measured no slower than larger chunks on big convs, and faster on convs with few
 * output channels, whose GEMM does only a few flops per col element.
 */
const COL_BUDGET: i32 = 1 << 18;

/**
 * Columns (output positions) per chunk of a K-row col matrix for an output ow wide.
 * Where the chunk is the GEMM's reduction (`reduce`: weight gradients), it is kept at least
 * 256 deep (the GEMM's KC) so that the weight gradient, re-read by every chunk, is re-read
 * no more often than the GEMM re-reads it anyway. Chunks are rounded to whole output rows
 * (at least one, up to 4x the budget): a row cut in pieces costs one more segment per col
 * row, which measured up to 40% of im2col's time on 7x7 convs over 256-wide images.
 */
export function convColumnChunk(k: i32, p: i32, ow: i32, reduce: bool): i32 {
  if (p <= 0 || ow <= 0) return 0;
  let chunk = max<i32>(COL_BUDGET / max<i32>(k, 1), reduce ? 256 : 64);
  if (chunk >= ow) chunk -= chunk % ow;
  else if (<i64>k * <i64>ow <= <i64>(COL_BUDGET << 2)) chunk = ow;
  return min<i32>(chunk, p);
}

/** A 1x1, stride-1, unpadded window: the image is its own col matrix. */
// @ts-ignore: decorator
@inline
function isDirect(kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32): bool {
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
}

/**
 * Workspace bytes of the lowered products for an M x K weight matrix over P positions, ow
 * wide, of a kh x kw window: GEMM panels, the col chunk (none for a 1x1 / stride-1 / pad-0
 * window), then the weight matrix packed once for all chunks and images.
 */
export function convScratchBytes(
  k: i32,
  p: i32,
  ow: i32,
  m: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): usize {
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  return gemmWorkBytes() + colBytes(k, p, ow, direct) + max<usize>(gemmPackedABytes(m, k), gemmPackedABytes(k, m));
}

/** Bytes of the col chunk, rounded up to a cache line so the packed weights after it are aligned. */
function colBytes(k: i32, p: i32, ow: i32, direct: bool): usize {
  if (direct) return 0;
  const chunk = max<i32>(convColumnChunk(k, p, ow, false), convColumnChunk(k, p, ow, true));
  return (((<usize>k * <usize>chunk) << 2) + 63) & ~(<usize>63);
}

function zeroFloats(dst: usize, len: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(dst + ((<usize>i) << 2), z);
  for (; i < len; i++) store<f32>(dst + ((<usize>i) << 2), 0);
}

function fillFloats(dst: usize, len: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(dst + ((<usize>i) << 2), v);
  for (; i < len; i++) store<f32>(dst + ((<usize>i) << 2), value);
}

/** dst[i] = src[i*stride] for i < len. Stride 1 and 2 (the common convs) are vectorized. */
function gatherRow(dst: usize, src: usize, len: i32, stride: i32): void {
  let i = 0;
  if (stride == 1) {
    for (; i + 4 <= len; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
  } else if (stride == 2) {
    // Two vectors hold 8 consecutive source floats; keep the even ones. The second vector
    // reads src[2i+4 .. 2i+7], so stop while 2i+7 is still inside the row (i + 5 <= len).
    for (; i + 5 <= len; i += 4) {
      const s = src + ((<usize>i) << 3);
      v128.store(dst + ((<usize>i) << 2), f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
    }
  }
  for (; i < len; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>(i * stride)) << 2)));
}

/** dst[i*stride] += src[i] for i < len (the adjoint of gatherRow). */
function scatterAddRow(dst: usize, src: usize, len: i32, stride: i32): void {
  let i = 0;
  if (stride == 1) {
    for (; i + 4 <= len; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < len; i++) {
    const d = dst + ((<usize>(i * stride)) << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + ((<usize>i) << 2)));
  }
}

/** First position ox (or oy) whose tap lands inside the image: ox*s - pad + kOff >= 0. */
// @ts-ignore: decorator
@inline
function firstInside(pad: i32, kOff: i32, s: i32): i32 {
  const t = pad - kOff;
  return t > 0 ? (t + s - 1) / s : 0;
}

/** One past the last position whose tap lands inside: ox*s - pad + kOff <= size - 1. */
// @ts-ignore: decorator
@inline
function endInside(size: i32, pad: i32, kOff: i32, s: i32, positions: i32): i32 {
  const t = size - 1 + pad - kOff;
  return t < 0 ? 0 : min<i32>(positions, t / s + 1);
}

/**
 * col[r, p - p0] for positions p in [p0, p1) of one image, or (when `adjoint`) the reverse:
 * img[...] += col[r, p - p0]. Walks each row of col one output row (oy) segment at a time,
 * so the inner loops run over contiguous or evenly strided pixels.
 */
function lowerRange(
  img: usize,
  col: usize,
  imgC: i32,
  imgH: i32,
  imgW: i32,
  kh: i32,
  kw: i32,
  ow: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  p0: i32,
  p1: i32,
  adjoint: bool,
): void {
  const width = p1 - p0;
  // The chunk starts at output row oyStart, column oxStart; every col row walks the same
  // segments (one per output row), so locate the start once, not per segment.
  const oyStart = p0 / ow;
  const oxStart = p0 - oyStart * ow;
  let r = 0;
  for (let c = 0; c < imgC; c++) {
    const plane = img + ((<usize>c * <usize>imgH * <usize>imgW) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = col + ((<usize>r * <usize>width) << 2);
        r++;
        const lo = firstInside(pw, kj, sw);
        const hi = endInside(imgW, pw, kj, sw, ow);
        const kOff = kj - pw;
        let oy = oyStart;
        let ox0 = oxStart;
        let seg = row;
        let left = width;
        while (left > 0) {
          const len = min<i32>(ow - ox0, left);
          const ox1 = ox0 + len;
          const iy = oy * sh - ph + ki;
          const a = max<i32>(ox0, lo);
          const b = min<i32>(ox1, hi);
          if (iy < 0 || iy >= imgH || a >= b) {
            if (!adjoint) zeroFloats(seg, len);
          } else {
            const src = plane + ((<usize>iy * <usize>imgW + <usize>(a * sw + kOff)) << 2);
            const mid = seg + ((<usize>(a - ox0)) << 2);
            if (adjoint) {
              scatterAddRow(src, mid, b - a, sw);
            } else {
              zeroFloats(seg, a - ox0);
              gatherRow(mid, src, b - a, sw);
              zeroFloats(seg + ((<usize>(b - ox0)) << 2), ox1 - b);
            }
          }
          seg += (<usize>len) << 2;
          left -= len;
          oy++;
          ox0 = 0;
        }
      }
    }
  }
}

/** out[i][M, P] = wm[M, K] · im2col(img[i]) (+ bias[M]) for each of the n images. */
export function convLoweredForward(
  img: usize,
  wm: usize,
  bias: usize,
  out: usize,
  work: usize,
  n: i32,
  imgC: i32,
  imgH: i32,
  imgW: i32,
  m: i32,
  kh: i32,
  kw: i32,
  oh: i32,
  ow: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): void {
  const k = imgC * kh * kw;
  const p = oh * ow;
  const imgBytes = (<usize>imgC * <usize>imgH * <usize>imgW) << 2;
  const outBytes = (<usize>m * <usize>p) << 2;
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  const chunk = convColumnChunk(k, p, ow, false);
  const col = work + gemmWorkBytes();
  const packed = col + colBytes(k, p, ow, direct);
  gemmPackA(m, k, wm, k, 1, packed);
  for (let i = 0; i < n; i++) {
    const x = img + <usize>i * imgBytes;
    const y = out + <usize>i * outBytes;
    if (direct) {
      gemmF32PackedA(m, p, k, packed, x, p, 1, y, p, false, bias, work);
      continue;
    }
    for (let p0 = 0; p0 < p; p0 += chunk) {
      const p1 = min<i32>(p, p0 + chunk);
      lowerRange(x, col, imgC, imgH, imgW, kh, kw, ow, sh, sw, ph, pw, p0, p1, false);
      const y0 = y + ((<usize>p0) << 2);
      gemmF32PackedA(m, p1 - p0, k, packed, col, p1 - p0, 1, y0, p, false, bias, work);
    }
  }
}

/** img[i] = col2im(wm[M, K]ᵀ · src[i][M, P]) (+ bias[imgC] per channel) for each image. */
export function convLoweredAdjoint(
  src: usize,
  wm: usize,
  bias: usize,
  img: usize,
  work: usize,
  n: i32,
  imgC: i32,
  imgH: i32,
  imgW: i32,
  m: i32,
  kh: i32,
  kw: i32,
  oh: i32,
  ow: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): void {
  const k = imgC * kh * kw;
  const p = oh * ow;
  const hw = imgH * imgW;
  const imgBytes = (<usize>imgC * <usize>hw) << 2;
  const srcBytes = (<usize>m * <usize>p) << 2;
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  const chunk = convColumnChunk(k, p, ow, false);
  const col = work + gemmWorkBytes();
  const packed = col + colBytes(k, p, ow, direct);
  gemmPackA(k, m, wm, 1, k, packed); // wmᵀ
  for (let i = 0; i < n; i++) {
    const s = src + <usize>i * srcBytes;
    const x = img + <usize>i * imgBytes;
    if (direct) {
      // col is the image: the GEMM writes it directly, bias included (K = imgC rows).
      gemmF32PackedA(k, p, m, packed, s, p, 1, x, p, false, bias, work);
      continue;
    }
    // col2im accumulates: start from the bias (or zero), pixels no window covers included
    // (convTranspose2d's outputPadding rows and columns).
    for (let c = 0; c < imgC; c++) {
      const plane = x + ((<usize>c * <usize>hw) << 2);
      if (bias != 0) fillFloats(plane, hw, load<f32>(bias + ((<usize>c) << 2)));
      else zeroFloats(plane, hw);
    }
    for (let p0 = 0; p0 < p; p0 += chunk) {
      const p1 = min<i32>(p, p0 + chunk);
      const s0 = s + ((<usize>p0) << 2);
      gemmF32PackedA(k, p1 - p0, m, packed, s0, p, 1, col, p1 - p0, false, 0, work);
      lowerRange(x, col, imgC, imgH, imgW, kh, kw, ow, sh, sw, ph, pw, p0, p1, true);
    }
  }
}

/** dwm[M, K] = Σ_i src[i][M, P] · im2col(img[i])ᵀ, the weight gradient. */
export function convLoweredWeight(
  src: usize,
  img: usize,
  dwm: usize,
  work: usize,
  n: i32,
  imgC: i32,
  imgH: i32,
  imgW: i32,
  m: i32,
  kh: i32,
  kw: i32,
  oh: i32,
  ow: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): void {
  const k = imgC * kh * kw;
  const p = oh * ow;
  const imgBytes = (<usize>imgC * <usize>imgH * <usize>imgW) << 2;
  const srcBytes = (<usize>m * <usize>p) << 2;
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  const chunk = convColumnChunk(k, p, ow, true);
  const col = work + gemmWorkBytes();
  if (n == 0 || p == 0) {
    zeroFloats(dwm, m * k); // an empty sum still writes its zeros
    return;
  }
  for (let i = 0; i < n; i++) {
    const s = src + <usize>i * srcBytes;
    const x = img + <usize>i * imgBytes;
    if (direct) {
      gemmF32(m, k, p, s, p, 1, x, 1, p, dwm, k, i > 0, 0, work);
      continue;
    }
    for (let p0 = 0; p0 < p; p0 += chunk) {
      const p1 = min<i32>(p, p0 + chunk);
      lowerRange(x, col, imgC, imgH, imgW, kh, kw, ow, sh, sw, ph, pw, p0, p1, false);
      const s0 = s + ((<usize>p0) << 2);
      // The reduction runs over positions: B(p, r) = col[r, p].
      gemmF32(m, k, p1 - p0, s0, p, 1, col, 1, p1 - p0, dwm, k, i > 0 || p0 > 0, 0, work);
    }
  }
}
