//## Mixed-radix counters of the tiled conv kernels (conv2d*.wgsl): a flat index as three digits,
//## advanced by carry-adds, since integer division in the staging loops would cost as much as
//## the tile's FMAs.
// Mixed-radix digits of i for radices (hi, lo): (i / (hi*lo), (i / lo) % hi, i % lo).
fn digits(i: u32, hi: i32, lo: i32) -> vec3<i32> {
  let t = i % u32(hi * lo);
  return vec3<i32>(i32(i / u32(hi * lo)), i32(t) / lo, i32(t) % lo);
}

// digits(i + j) from digits(i) and digits(j): one carry per digit suffices.
fn addDigits(a: vec3<i32>, d: vec3<i32>, hi: i32, lo: i32) -> vec3<i32> {
  var t = a + d;
  if (t.z >= lo) {
    t = t + vec3<i32>(0, 1, -lo);
  }
  if (t.y >= hi) {
    t = t + vec3<i32>(1, -hi, 0);
  }
  return t;
}
