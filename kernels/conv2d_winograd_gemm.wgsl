// conv2dWinograd, pass 3 (once per chunk of tiles): one matrix product per transform position,
//   out[pos][M, N] = u[pos][M, K] · v[pos][K, N]
// with M output channels, K input channels and N the chunk's tiles (the layouts of
// conv2d_winograd_filter.wgsl and conv2d_winograd_input.wgsl). The tiling is conv2d.wgsl's: a
// workgroup of 64 threads owns a TILE_M x TILE_N tile of one position's product, each thread an
// 8x8 block in sixteen vec4 registers; the reduction runs in TILE_K steps staged in workgroup
// memory. (TILE_M/8) * (TILE_N/8) must be 64, and TILE_K must divide 64 (each thread stages
// every (64/TILE_K)-th row of u's tile); src/backends/webgpu/kernels/winograd.ts picks the tile.
// The tiling blocks are the shared fragments of kernels/templates/ (gemm_tile_*).

//#include gemm_tile_consts K=TK

struct Params {
  m: u32,
  n: u32,
  k: u32,
  tilesN: u32,
  tilesM: u32,
  // workgroups that do work: tilesN * tilesM * positions
  total: u32,
}

@group(0) @binding(0) var<storage, read> u: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

//#include gemm_tile_main
  let tileN = wg % params.tilesN;
  let rest = wg / params.tilesN;
  let tileM = rest % params.tilesM;
  let pos = rest / params.tilesM;

  let M = params.m;
  let N = params.n;
  let K = params.k;
  let aBase = pos * M * K;
  let bBase = pos * K * N;
  let n0 = tileN * TN;
  let m0 = tileM * TM;
  // u staging: k fastest, so consecutive threads read consecutive floats.
  let aK = lid % TK;
  let aStep = NT / TK;

//#include gemm_tile_registers

  for (var k0 = 0u; k0 < K; k0 += TK) {
//#include gemm_tile_stage_a AT=u[aBase+m*K+k]
    // v staging: columns fastest (v's rows are contiguous).
    for (var e = lid; e < TK * TN; e += NT) {
      let k = k0 + e / TN;
      let col = n0 + e % TN;
      var b = 0.0;
      if (k < K && col < N) {
        b = v[bBase + k * N + col];
      }
      Bs[e / 4u][e % 4u] = b;
    }
    workgroupBarrier();

//#include gemm_tile_fma KK=kk DEPTH=TK
    workgroupBarrier();
  }

  // Named registers above (a private array indexed in a loop is spilled by some compilers,
  // SwiftShader's among them); one array for the stores.
  let acc = array<vec4<f32>, 16>(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
  let cBase = pos * M * N;
  for (var i = 0u; i < 8u; i++) {
    let m = m0 + 8u * ty + i;
    if (m >= M) {
      continue;
    }
    for (var j = 0u; j < 8u; j++) {
      let q = n0 + 8u * tx + j;
      if (q < N) {
        out[cBase + m * N + q] = acc[2u * i + j / 4u][j % 4u];
      }
    }
  }
}
