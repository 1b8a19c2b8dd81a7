// reflectionPad2d's backward as a gather (no atomics): each input element (i, j) adds the dy of
// every padded position that reflects onto it. Along one axis those are at most three: itself
// (pi = i), its mirror across the start (pi = -i, when 0 < i <= top) and its mirror across the end
// (pi = 2(h-1) - i, when h-1-bottom <= i < h-1); the 2-D set is their product (up to 9 terms).
// One thread per input element, the 1-D grid folded into 2-D.

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  h: i32,
  w: i32,
  left: i32,
  right: i32,
  top: i32,
  bottom: i32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// The padded coordinates (in input coordinates, -before .. size-1+after) that can reflect onto i...
fn sources(i: i32, size: i32) -> vec3<i32> {
  return vec3<i32>(i, -i, 2 * (size - 1) - i);
}

// ...and which of them exist: the mirrors only inside the pad, and distinct from i itself.
fn validMask(i: i32, size: i32, before: i32, after: i32) -> vec3<bool> {
  return vec3<bool>(true, i > 0 && i <= before, i < size - 1 && i >= size - 1 - after);
}

//#include flat_main I=idx LIMIT=total
  let h = params.h;
  let w = params.w;
  let oh = h + params.top + params.bottom;
  let ow = w + params.left + params.right;
  let ipl = u32(h * w);
  let p = idx / ipl;
  let rem = i32(idx - p * ipl);
  let i = rem / w;
  let j = rem - i * w;

  let rows = sources(i, h);
  let rowOk = validMask(i, h, params.top, params.bottom);
  let cols = sources(j, w);
  let colOk = validMask(j, w, params.left, params.right);
  let planeBase = p * u32(oh * ow);
  var s = 0.0;
  for (var a = 0; a < 3; a++) {
    if (!rowOk[a]) {
      continue;
    }
    let rowOff = (rows[a] + params.top) * ow + params.left;
    for (var b = 0; b < 3; b++) {
      if (colOk[b]) {
        s += dy[planeBase + u32(rowOff + cols[b])];
      }
    }
  }
  dx[idx] = s;
}
