// Headless Chromium with WebGPU on SwiftShader (DESIGN.md section 8), for the page's test and
// for running the page without a display. A small launcher of our own, so the benchmark does not
// depend on the test helpers of another branch.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
];

export function launchChromium() {
  // playwright adds its own --headless; ours (new headless mode) comes later and wins
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
