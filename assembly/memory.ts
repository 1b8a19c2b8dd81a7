// The JS side owns all allocation (src/backends/wasm/allocator.ts): kernels never allocate.
// It hands out memory from __heap_base upwards, so this module only reports where that is.
export function heapBase(): usize {
  return __heap_base;
}
