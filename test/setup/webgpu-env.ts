// Test setup for WebGPU in Node: without a GPU, Dawn (the `webgpu` package) finds SwiftShader's
// Vulkan driver, shipped by Debian's chromium package, through VK_ICD_FILENAMES. Set here
// (before any engine creates the Dawn instance) unless the environment already chose a driver.
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
