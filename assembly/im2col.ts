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
// The forward product never materializes col at all: lowerPanels writes each KC-deep slice
// of it straight into the GEMM's packed-panel layout (panelChunk columns at a time), so the
// image is read once per slice and the panels go from L2 into the micro-kernel.
// A 1x1 / stride-1 / pad-0 window needs no lowering at all: col is the image itself.
import {
  GEMM_KC,
  GEMM_NR,
  gemmF32,
  gemmF32PackedA,
  gemmPackA,
  gemmPackedABytes,
  gemmPackedSlice,
  gemmWorkBytes,
} from './gemm';
import { nextUnit, UNITS_PER_PART } from './tasks';

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

/**
 * Positions per chunk of the forward product: the packed slice (KC x chunk floats) stays
 * within about 512 KiB, so it is still in L2 when the micro-kernel reads it for every block of
 * output channels. A multiple of the panel width, so only the last panel of an image is ragged.
 */
export function panelChunk(k: i32, p: i32): i32 {
  const depth = max<i32>(min<i32>(k, GEMM_KC), 1);
  const chunk = min<i32>(max<i32>((1 << 17) / depth, 256), 2048) & ~(GEMM_NR - 1);
  return min<i32>(chunk, ((p + GEMM_NR - 1) / GEMM_NR) * GEMM_NR);
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

/**
 * Bytes of the col chunk (or of the forward product's packed slice), rounded up to a cache
 * line so the packed weights after it are aligned.
 */
function colBytes(k: i32, p: i32, ow: i32, direct: bool): usize {
  if (direct) return 0;
  const chunk = max<i32>(convColumnChunk(k, p, ow, false), convColumnChunk(k, p, ow, true));
  const bytes = max<usize>(
    (<usize>k * <usize>chunk) << 2,
    (<usize>min<i32>(k, GEMM_KC) * <usize>panelChunk(k, p)) << 2,
  );
  return (bytes + 63) & ~(<usize>63);
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

/**
 * Rows [r0, r1) of col for positions [p0, p1), written as the GEMM's packed B slice
 * (gemmPackedSlice): panel q holds, for each row, the NR positions p0 + q*NR .. in order, zero
 * past p1. A panel whose positions lie in one output row reads, per row of col, NR pixels
 * of one image row (two vector loads at stride 1); only panels at the image border or
 * across output rows take the per-pixel path.
 */
function lowerPanels(
  img: usize,
  dst: usize,
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
  r0: i32,
  r1: i32,
): void {
  const khw = kh * kw;
  const kc = r1 - r0;
  const planeBytes = (<usize>imgH * <usize>imgW) << 2;
  const zero = f32x4.splat(0);
  for (let jr = 0; jr < p1 - p0; jr += GEMM_NR) {
    const q = p0 + jr;
    const oy = q / ow;
    const ox = q - oy * ow;
    const oneRow = q + GEMM_NR <= p1 && ox + GEMM_NR <= ow;
    const iyBase = oy * sh - ph;
    const ixBase = ox * sw - pw;
    // The last pixel a vector path reads: stride 2 loads 2*NR floats, one past the window.
    const reach = sw == 1 ? GEMM_NR - 1 : sw == 2 ? 2 * GEMM_NR - 1 : (GEMM_NR - 1) * sw;
    let d = dst + ((<usize>jr * <usize>kc) << 2);
    let c = r0 / khw;
    let ki = (r0 - c * khw) / kw;
    let kj = r0 - c * khw - ki * kw;
    for (let r = r0; r < r1; r++) {
      const iy = iyBase + ki;
      const ix = ixBase + kj;
      const rowStart = img + <usize>c * planeBytes + ((<usize>iy * <usize>imgW) << 2);
      if (oneRow && (iy < 0 || iy >= imgH)) {
        v128.store(d, zero);
        v128.store(d, zero, 16);
      } else if (oneRow && ix >= 0 && ix + reach < imgW && sw <= 2) {
        const s = rowStart + ((<usize>ix) << 2);
        if (sw == 1) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        } else {
          v128.store(d, f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
          v128.store(d, f32x4.shuffle(v128.load(s, 32), v128.load(s, 48), 0, 2, 4, 6), 16);
        }
      } else {
        lowerPanelRow(img, d, c, ki, kj, planeBytes, imgH, imgW, ow, sh, sw, ph, pw, q, p1);
      }
      d += GEMM_NR << 2;
      if (++kj == kw) {
        kj = 0;
        if (++ki == kh) {
          ki = 0;
          c++;
        }
      }
    }
  }
}

/** One row of one panel, pixel by pixel: positions q .. q+NR-1 (zero from p1 on). */
function lowerPanelRow(
  img: usize,
  d: usize,
  c: i32,
  ki: i32,
  kj: i32,
  planeBytes: usize,
  imgH: i32,
  imgW: i32,
  ow: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  q: i32,
  p1: i32,
): void {
  const plane = img + <usize>c * planeBytes;
  for (let l = 0; l < GEMM_NR; l++) {
    const pos = q + l;
    let v: f32 = 0;
    if (pos < p1) {
      const oy = pos / ow;
      const iy = oy * sh - ph + ki;
      const ix = (pos - oy * ow) * sw - pw + kj;
      if (iy >= 0 && iy < imgH && ix >= 0 && ix < imgW) v = load<f32>(plane + ((<usize>iy * <usize>imgW + <usize>ix) << 2));
    }
    store<f32>(d + ((<usize>l) << 2), v);
  }
}

/**
 * out[i][M, P] = wm[M, K] · im2col(img[i]) (+ bias[M]) for each of the n images. The units
 * of work (tasks.ts) are chunks of positions of one image, all output channels each, so
 * parts write disjoint columns of out.
 */
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
  part: i32,
  parts: i32,
): void {
  const k = imgC * kh * kw;
  const p = oh * ow;
  if (n <= 0 || p <= 0) return;
  const imgBytes = (<usize>imgC * <usize>imgH * <usize>imgW) << 2;
  const outBytes = (<usize>m * <usize>p) << 2;
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  let chunk = panelChunk(k, p);
  if (parts > 1) {
    // Smaller chunks where there would be too few to share (small images, batch 1).
    const share = <i32>((<i64>n * <i64>p + <i64>(UNITS_PER_PART * parts - 1)) / <i64>(UNITS_PER_PART * parts));
    chunk = max<i32>(GEMM_NR, min<i32>(chunk, ((share + GEMM_NR - 1) / GEMM_NR) * GEMM_NR));
  }
  const perImage = (p + chunk - 1) / chunk;
  const units = n * perImage;
  const col = work + gemmWorkBytes();
  const packed = col + colBytes(k, p, ow, direct);
  gemmPackA(m, k, wm, k, 1, packed);
  for (let u = nextUnit(-1, parts); u < units; u = nextUnit(u, parts)) {
    const i = u / perImage;
    const p0 = (u - i * perImage) * chunk;
    const p1 = min<i32>(p, p0 + chunk);
    const x = img + <usize>i * imgBytes;
    const y0 = out + <usize>i * outBytes + ((<usize>p0) << 2);
    if (direct || k == 0) {
      gemmF32PackedA(m, p1 - p0, k, packed, x + ((<usize>p0) << 2), p, 1, y0, p, false, bias, work);
      continue;
    }
    for (let pc = 0; pc < k; pc += GEMM_KC) {
      const kc = min<i32>(GEMM_KC, k - pc);
      lowerPanels(x, col, imgH, imgW, kh, kw, ow, sh, sw, ph, pw, p0, p1, pc, pc + kc);
      gemmPackedSlice(m, p1 - p0, k, pc, kc, packed, col, y0, p, pc == 0, bias, work);
    }
  }
}

/** Channels per unit of work when an image's channels are shared out (adjoint and weight products). */
function channelBlock(imgC: i32, parts: i32): i32 {
  if (parts <= 1) return max<i32>(imgC, 1);
  return max<i32>(1, (imgC + UNITS_PER_PART * parts - 1) / (UNITS_PER_PART * parts));
}

/**
 * img[i] = col2im(wm[M, K]ᵀ · src[i][M, P]) (+ bias[imgC] per channel) for each image.
 * The units of work are blocks of image channels [c0, c1): their rows of col and so their
 * planes of img, which no other unit's windows touch.
 */
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
  part: i32,
  parts: i32,
): void {
  const khw = kh * kw;
  const k = imgC * khw;
  const p = oh * ow;
  const hw = imgH * imgW;
  const imgBytes = (<usize>imgC * <usize>hw) << 2;
  const srcBytes = (<usize>m * <usize>p) << 2;
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  const chunk = convColumnChunk(k, p, ow, false);
  const col = work + gemmWorkBytes();
  const packed = col + colBytes(k, p, ow, direct);
  const cb = channelBlock(imgC, parts);
  const units = (imgC + cb - 1) / cb;
  for (let u = nextUnit(-1, parts); u < units; u = nextUnit(u, parts)) {
    const c0 = u * cb;
    const c1 = min<i32>(imgC, c0 + cb);
    const kp = (c1 - c0) * khw; // this unit's rows of col
    const planes = (<usize>c0 * <usize>hw) << 2;
    const unitBias = bias != 0 ? bias + ((<usize>c0) << 2) : 0;
    gemmPackA(kp, m, wm + ((<usize>c0 * <usize>khw) << 2), 1, k, packed); // rows of wmᵀ
    for (let i = 0; i < n; i++) {
      const s = src + <usize>i * srcBytes;
      const x = img + <usize>i * imgBytes + planes;
      if (direct) {
        // col is the image: the GEMM writes it directly, bias included (K = imgC rows).
        gemmF32PackedA(kp, p, m, packed, s, p, 1, x, p, false, unitBias, work);
        continue;
      }
      // col2im accumulates: start from the bias (or zero), pixels no window covers included
      // (convTranspose2d's outputPadding rows and columns).
      for (let c = 0; c < c1 - c0; c++) {
        const plane = x + ((<usize>c * <usize>hw) << 2);
        if (unitBias != 0) fillFloats(plane, hw, load<f32>(unitBias + ((<usize>c) << 2)));
        else zeroFloats(plane, hw);
      }
      for (let p0 = 0; p0 < p; p0 += chunk) {
        const p1 = min<i32>(p, p0 + chunk);
        const s0 = s + ((<usize>p0) << 2);
        gemmF32PackedA(kp, p1 - p0, m, packed, s0, p, 1, col, p1 - p0, false, 0, work);
        lowerRange(x, col, c1 - c0, imgH, imgW, kh, kw, ow, sh, sw, ph, pw, p0, p1, true);
      }
    }
  }
}

/**
 * dwm[M, K] = Σ_i src[i][M, P] · im2col(img[i])ᵀ, the weight gradient. The units of work are
 * blocks of image channels [c0, c1): the columns of dwm that belong to them, for which only
 * those channels are lowered.
 */
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
  part: i32,
  parts: i32,
): void {
  const khw = kh * kw;
  const k = imgC * khw;
  const p = oh * ow;
  const hw = imgH * imgW;
  const imgBytes = (<usize>imgC * <usize>hw) << 2;
  const srcBytes = (<usize>m * <usize>p) << 2;
  const direct = isDirect(kh, kw, sh, sw, ph, pw);
  const chunk = convColumnChunk(k, p, ow, true);
  const col = work + gemmWorkBytes();
  const cb = channelBlock(imgC, parts);
  const units = (imgC + cb - 1) / cb;
  for (let u = nextUnit(-1, parts); u < units; u = nextUnit(u, parts)) {
    const c0 = u * cb;
    const c1 = min<i32>(imgC, c0 + cb);
    const kp = (c1 - c0) * khw; // this unit's columns of dwm
    const planes = (<usize>c0 * <usize>hw) << 2;
    const dcol = dwm + ((<usize>c0 * <usize>khw) << 2);
    if (n == 0 || p == 0) {
      // An empty sum still writes its zeros.
      for (let r = 0; r < m; r++) zeroFloats(dcol + ((<usize>r * <usize>k) << 2), kp);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const s = src + <usize>i * srcBytes;
      const x = img + <usize>i * imgBytes + planes;
      if (direct) {
        gemmF32(m, kp, p, s, p, 1, x, 1, p, dcol, k, i > 0, 0, work);
        continue;
      }
      for (let p0 = 0; p0 < p; p0 += chunk) {
        const p1 = min<i32>(p, p0 + chunk);
        lowerRange(x, col, c1 - c0, imgH, imgW, kh, kw, ow, sh, sw, ph, pw, p0, p1, false);
        const s0 = s + ((<usize>p0) << 2);
        // The reduction runs over positions: B(p, r) = col[r, p].
        gemmF32(m, kp, p1 - p0, s0, p, 1, col, 1, p1 - p0, dcol, k, i > 0 || p0 > 0, 0, work);
      }
    }
  }
}
