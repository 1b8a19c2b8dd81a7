// The data movement both Winograd variants share (winograd.ts's F(4x4, 3x3), winograd_f2.ts's
// F(2x2, 3x3)): a quad is 4 tiles of `tile` x `tile` outputs (one per SIMD lane) from
// (tile + 2) x (tile + 2) inputs, tiles numbered row-major over tw tiles per row. Only the tile
// size differs between the variants; the transforms themselves stay in their own files.

/**
 * The input row yy of a quad's window (columns x0 .. x0 + width - 1 of `plane`) as an address:
 * the image row itself when the window is inside it, a zero row above or below the image, else
 * the row copied into rowCopy with zeros where it leaves the image.
 */
// @ts-ignore: decorator
@inline
export function quadInputRow(plane: usize, yy: i32, h: i32, w: i32, x0: i32, width: i32, inside: bool, rowCopy: usize, zeroRow: usize): usize {
  if (yy < 0 || yy >= h) return zeroRow;
  if (inside) return plane + ((<usize>yy * <usize>w + <usize>x0) << 2);
  const row = plane + ((<usize>yy * <usize>w) << 2);
  for (let j = 0; j < width; j++) {
    const xx = x0 + j;
    store<f32>(rowCopy + ((<usize>j) << 2), xx >= 0 && xx < w ? load<f32>(row + ((<usize>xx) << 2)) : 0);
  }
  return rowCopy;
}

/**
 * quadInputRow for F(4x4)'s 18-column window on an image upsampled by 2 (nearest): row yy,
 * columns x0 .. x0 + 17 of the h x w upsampled image, whose pixel (yy, xx) is the original's
 * (yy >> 1, xx >> 1) in `plane` ((h/2) x (w/2)). Always a copy into rowCopy (20 floats): with
 * `inside` (x0 odd, as padding 1 makes every window start, x0 >= 0 and x0 + 24 <= w) from three
 * vector loads of the original row and shuffles that repeat each pixel twice, else pixel by
 * pixel with zeros outside the image.
 */
// @ts-ignore: decorator
@inline
export function quadUpsampledRow(plane: usize, yy: i32, h: i32, w: i32, x0: i32, inside: bool, rowCopy: usize, zeroRow: usize): usize {
  if (yy < 0 || yy >= h) return zeroRow;
  const wr = w >> 1;
  const row = plane + ((<usize>(yy >> 1) * <usize>wr) << 2);
  if (inside) {
    const s = row + ((<usize>(x0 >> 1)) << 2);
    const a = v128.load(s);
    const b = v128.load(s, 16);
    const c = v128.load(s, 32);
    // x0 odd: upsampled column x0 + j is original column (x0 >> 1) + ((j + 1) >> 1).
    v128.store(rowCopy, f32x4.shuffle(a, a, 0, 1, 1, 2));
    v128.store(rowCopy, f32x4.shuffle(a, b, 2, 3, 3, 4), 16);
    v128.store(rowCopy, f32x4.shuffle(b, b, 0, 1, 1, 2), 32);
    v128.store(rowCopy, f32x4.shuffle(b, c, 2, 3, 3, 4), 48);
    v128.store(rowCopy, f32x4.shuffle(c, c, 0, 1, 1, 2), 64);
    return rowCopy;
  }
  for (let j = 0; j < 18; j++) {
    const xx = x0 + j;
    store<f32>(rowCopy + ((<usize>j) << 2), xx >= 0 && xx < w ? load<f32>(row + ((<usize>(xx >> 1)) << 2)) : 0);
  }
  return rowCopy;
}

/**
 * Where input channel c of column block qi (4 tiles) starts in V: packed panel qi/2 at lanes
 * 4*(qi%2), the panel layout of gemm.ts (8 columns per k row), in slices of GEMM_KC channels.
 */
// @ts-ignore: decorator
@inline
export function quadColumnBlock(vBuf: usize, c: i32, cIn: i32, cols: i32, qi: i32, kcMax: i32): usize {
  const pc = c - (c % kcMax);
  const kc = min<i32>(kcMax, cIn - pc);
  return vBuf + ((<usize>pc * <usize>cols + <usize>(qi >> 1) * <usize>kc * 8 + <usize>(c - pc) * 8 + <usize>((qi & 1) * 4)) << 2);
}

/**
 * gather[i][j] (a vector, lane l) = tile t0 + l's input value (i, j), i, j < tile + 2; zero
 * outside the image or past the last tile. For quads that are not one row segment.
 */
export function gatherQuadTiles(plane: usize, h: i32, w: i32, t0: i32, tw: i32, tilesPerImage: i32, pad: i32, tile: i32, gather: usize, up: bool = false): void {
  // With `up`, h x w is the image upsampled by 2 and plane holds the (h/2) x (w/2) original.
  const rowFloats = up ? w >> 1 : w;
  const shift = up ? 1 : 0;
  const size = tile + 2;
  for (let l = 0; l < 4; l++) {
    const t = t0 + l;
    const ty = t / tw;
    const y0 = ty * tile - pad;
    const x0 = (t - ty * tw) * tile - pad;
    for (let i = 0; i < size; i++) {
      const yy = y0 + i;
      for (let j = 0; j < size; j++) {
        const xx = x0 + j;
        let v: f32 = 0;
        if (t < tilesPerImage && yy >= 0 && yy < h && xx >= 0 && xx < w) {
          v = load<f32>(plane + ((<usize>(yy >> shift) * <usize>rowFloats + <usize>(xx >> shift)) << 2));
        }
        store<f32>(gather + ((<usize>(i * size + j)) << 4) + ((<usize>l) << 2), v);
      }
    }
  }
}

/** The first `len` floats at `src` to `row`. */
// @ts-ignore: decorator
@inline
export function storeRowPart(row: usize, src: usize, len: i32): void {
  for (let j = 0; j < len; j++) store<f32>(row + ((<usize>j) << 2), load<f32>(src + ((<usize>j) << 2)));
}

/**
 * Row i of each lane's output tile to y, inside the image only: `pixels` holds the quad's row
 * in tile order (tile t0 + l's `tile` pixels at l * tile). For quads that are not one row segment.
 */
export function storeQuadTileRows(plane: usize, oh: i32, ow: i32, t0: i32, tw: i32, tilesPerImage: i32, tile: i32, i: i32, pixels: usize): void {
  for (let l = 0; l < 4; l++) {
    const t = t0 + l;
    if (t >= tilesPerImage) break;
    const ty = t / tw;
    const yy = ty * tile + i;
    if (yy >= oh) continue;
    const x0 = (t - ty * tw) * tile;
    storeRowPart(plane + ((<usize>yy * <usize>ow + <usize>x0) << 2), pixels + ((<usize>(l * tile)) << 2), min<i32>(tile, ow - x0));
  }
}
