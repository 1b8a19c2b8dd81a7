// The main job, until the training issue lands: build the seed's CycleGAN generator with
// PyTorch-GAN's weights_init_normal (random weights, seeded), translate a synthetic 64x64
// image with it on the WASM backend, and write input and output as PNG files.
// Usage: node examples/translate.mjs [--out DIR] [--blocks N] [--size N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { createEngine, GeneratorResNet, initWeightsNormal } from '../dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const out = resolve(arg('out', 'out'));
const blocks = Number(arg('blocks', 6));
const size = Number(arg('size', 64));

// A test card: colour gradients and a disc, values in [-1, 1] like the reference's Normalize.
function syntheticImage(s) {
  const img = new Float32Array(3 * s * s);
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++) {
      const disc = (x - s * 0.6) ** 2 + (y - s * 0.4) ** 2 < (s * 0.22) ** 2 ? 1 : 0;
      img[y * s + x] = (x / s) * 2 - 1;
      img[s * s + y * s + x] = disc ? 0.9 : (y / s) * 2 - 1;
      img[2 * s * s + y * s + x] = Math.sin((x + y) / 6);
    }
  return img;
}

// Minimal PNG (8-bit RGB) writer using node:zlib, so the example has no dependencies.
function png(chw, s) {
  const raw = Buffer.alloc(s * (1 + 3 * s));
  for (let y = 0; y < s; y++) {
    raw[y * (1 + 3 * s)] = 0;
    for (let x = 0; x < s; x++)
      for (let c = 0; c < 3; c++) {
        const v = Math.round(((chw[c * s * s + y * s + x] + 1) / 2) * 255);
        raw[y * (1 + 3 * s) + 1 + 3 * x + c] = Math.max(0, Math.min(255, v));
      }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s, 0);
  ihdr.writeUInt32BE(s, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const engine = await createEngine({ backend: 'auto', seed: 42 });
const generator = new GeneratorResNet(engine, [3, size, size], blocks);
initWeightsNormal(generator, { seed: 42 });
generator.eval();

const input = syntheticImage(size);
const x = engine.tensor(input, [1, 3, size, size]);
const start = performance.now();
const y = engine.noGrad(() => engine.tidy(() => generator.forward(x)));
const output = await y.data();
const ms = performance.now() - start;

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'input.png'), png(input, size));
writeFileSync(join(out, 'output.png'), png(output, size));
console.log(
  `GeneratorResNet(${blocks} blocks, ${generator.numParameters().toLocaleString('en')} parameters, random weights) ` +
    `translated a ${size}x${size} image on ${engine.backend} in ${ms.toFixed(0)} ms`,
);
console.log(`wrote ${join(out, 'input.png')} and ${join(out, 'output.png')}`);
engine.dispose();
