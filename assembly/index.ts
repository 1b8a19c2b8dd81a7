// Entry point of the WebAssembly module: re-exports every kernel family.
// Each family file holds the kernels of one op family; kernel names match the TS ops
// (src/ops/) and the WGSL kernels (kernels/). Kernels take byte offsets into this module's
// memory and sizes; they never allocate (the JS side owns the heap).
export * from './memory';
export * from './tasks';
export * from './activation';
export * from './gemm';
export * from './im2col';
export * from './conv2d';
export * from './conv_transpose2d';
export * from './instance_norm';
export * from './pad';
export * from './upsample';
export * from './upsample_conv2d';
export * from './elementwise';
export * from './reduce';
export * from './loss';
export * from './adam';
export * from './data';
export * from './random';
export * from './dropout';
export * from './winograd_filter';
export * from './winograd';
export * from './winograd_grad_weight';
