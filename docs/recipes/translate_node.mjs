// Translate a photo with a CycleGAN generator saved as .pth or .safetensors, in Node (>= 20):
//   node translate_node.mjs G_AB.safetensors photo.jpg translated.png
import { readFile, writeFile } from 'node:fs/promises';
import { createEngine, loadModel, decodeImage, rgbaToChw, chwToRgba, encodePng, reflectionPad2d, slice } from 'cyclegan-engine';

const [weights, photo, out = 'translated.png'] = process.argv.slice(2);
const engine = await createEngine({ backend: 'wasm' }); // or 'auto': WebGPU when there is one
const G = await loadModel(engine, await readFile(weights)); // network kind and block count come from the file
const { data, width, height } = await decodeImage(await readFile(photo)); // PNG or JPEG -> RGBA bytes
// The generator needs sides that are multiples of 4: mirror the right and bottom edges, crop back after.
const [padW, padH] = [(4 - (width % 4)) % 4, (4 - (height % 4)) % 4];
const y = engine.noGrad(() =>
  engine.tidy(() => {
    const x = engine.tensor(rgbaToChw(data, height, width), [1, 3, height, width]); // [-1, 1], NCHW
    const fake = G.forward(padW || padH ? reflectionPad2d(x, [0, padW, 0, padH]) : x);
    return slice(slice(fake, 2, 0, height), 3, 0, width);
  }),
);
await writeFile(out, await encodePng(chwToRgba(await y.data(), 3, height, width), width, height));
engine.dispose();
console.log(`${out}: ${width}x${height}`);
