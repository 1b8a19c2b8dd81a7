// The CycleGAN models are being written.
export {};
