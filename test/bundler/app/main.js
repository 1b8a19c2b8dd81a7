import { openWorker, drawToCanvas } from 'cyclegan-engine';

// A module Web Worker that owns the engine; Vite bundles it from the package, unconfigured.
const worker = await openWorker(); // backend 'auto': WebGPU where there is an adapter, else WASM
const model = await worker.loadModel('./G_AB.safetensors'); // fetched by the worker
const img = document.querySelector('#input');
await img.decode();
const out = await model.translate(img, 'AtoB'); // ImageData of the input's size
drawToCanvas(out, document.querySelector('#output'));
console.log(`translated ${out.width}x${out.height} on ${worker.backend}`);
await worker.close();
