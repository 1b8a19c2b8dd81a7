//## The tile sizes of the tiled GEMM kernels (conv2d*.wgsl), from the pass's defines; K names the
//## reduction depth's constant. 64 threads a workgroup.
const TM: u32 = {{TILE_M}}u;
const TN: u32 = {{TILE_N}}u;
const [[K]]: u32 = {{TILE_K}}u;
const NT: u32 = 64u;
