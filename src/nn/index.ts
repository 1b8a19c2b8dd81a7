// nn modules mirroring torch.nn: Module and the layers CycleGAN needs.
export { Module } from './module.js';
export type { StateDictValue, LoadStateDictOptions, LoadStateDictResult } from './module.js';
export { Sequential } from './sequential.js';
export { Conv2d, ConvTranspose2d } from './conv.js';
export type { Conv2dOptions, ConvTranspose2dOptions } from './conv.js';
export { InstanceNorm2d } from './norm.js';
export type { InstanceNorm2dOptions } from './norm.js';
export { ReflectionPad2d, ZeroPad2d } from './padding.js';
export { Upsample } from './upsample.js';
export type { UpsampleOptions } from './upsample.js';
export { ReLU, LeakyReLU, Tanh } from './activation.js';
export { Dropout } from './dropout.js';
