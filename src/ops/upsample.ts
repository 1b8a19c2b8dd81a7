// This op is being written; see src/kernels/contract.ts.
export {};
