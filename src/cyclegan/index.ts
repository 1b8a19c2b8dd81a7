// CycleGAN networks (PyTorch-GAN's layout) and their initialization.
export { ResidualBlock } from './residual_block.js';
export { GeneratorResNet } from './generator.js';
export { Discriminator } from './discriminator.js';
export { initWeightsNormal } from './init_weights.js';
export type { InitWeightsNormalOptions } from './init_weights.js';
export { ResnetGenerator, ResnetBlock } from './resnet_generator.js';
export type { ResnetGeneratorOptions } from './resnet_generator.js';
export { NLayerDiscriminator } from './nlayer_discriminator.js';
export type { NLayerDiscriminatorOptions } from './nlayer_discriminator.js';
