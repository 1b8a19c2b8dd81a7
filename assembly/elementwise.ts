// Kernels of this family are being written; see src/kernels/contract.ts.
export {};
