//## The tile sizes of the tiled GEMM kernels (conv2d*.wgsl), from the pass's defines, and their staged
//## tiles; K names the reduction depth's constant. 64 threads a workgroup.
const TM: u32 = {{TILE_M}}u;
const TN: u32 = {{TILE_N}}u;
const [[K]]: u32 = {{TILE_K}}u;
const NT: u32 = 64u;

// Staged tiles, reduction-major: As[k*TM + row], Bs[k*TN + column] (float indices; stored as vec4s).
var<workgroup> As: array<vec4<f32>, [[K]] * TM / 4u>;
var<workgroup> Bs: array<vec4<f32>, [[K]] * TN / 4u>;
