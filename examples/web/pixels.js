// Pixel helpers of the example page: photos of any size go through the generators at full
// resolution. The generators need sides that are multiples of 4 (two stride-2 downsamplings,
// undone by two upsamplings), so an image is reflection-padded up to the next multiple of 4
// (reflection, like the generators' own padding, adds no hard border) and the translation is
// cropped back to the image's size. Large photos are first scaled down so that their longest
// side is at most the size the person chose.

/** `source` (an ImageBitmap, video or canvas) scaled so its longest side is at most `longest`. */
export function scaledPixels(source, longest, canvas) {
  const sw = source.videoWidth ?? source.width;
  const sh = source.videoHeight ?? source.height;
  const scale = Math.min(1, longest / Math.max(sw, sh));
  const w = Math.max(1, Math.round(sw * scale));
  const h = Math.max(1, Math.round(sh * scale));
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

/** Index of `i` reflected into [0, n) (PyTorch's ReflectionPad2d: the edge is not repeated). */
function reflect(i, n) {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** ImageData padded on the right and bottom to multiples of 4 by reflection (the same object when already). */
export function padToMultipleOf4(image) {
  const { width: w, height: h, data } = image;
  const pw = Math.ceil(w / 4) * 4;
  const ph = Math.ceil(h / 4) * 4;
  if (pw === w && ph === h) return image;
  const out = new ImageData(pw, ph);
  for (let y = 0; y < ph; y++) {
    const sy = reflect(y, h);
    for (let x = 0; x < pw; x++) {
      const s = (sy * w + reflect(x, w)) * 4;
      out.data.set(data.subarray(s, s + 4), (y * pw + x) * 4);
    }
  }
  return out;
}

/** The top-left width x height of `image` (a translation of a padded input). */
export function cropTo(image, width, height) {
  if (image.width === width && image.height === height) return image;
  const out = new ImageData(width, height);
  for (let y = 0; y < height; y++) out.data.set(image.data.subarray(y * image.width * 4, (y * image.width + width) * 4), y * width * 4);
  return out;
}

/** Saves bytes as a file through the browser's download. */
export function download(bytes, name, type = 'application/octet-stream') {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The `__metadata__` of a safetensors file (8-byte little-endian header length, then JSON),
 * or null for other files. The CLI and the library write { direction: 'AtoB' | 'BtoA' } there.
 */
export function safetensorsMetadata(bytes) {
  if (bytes.byteLength < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n <= 0 || n > bytes.byteLength - 8 || n > 1 << 24) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    return header.__metadata__ ?? {};
  } catch {
    return null;
  }
}

/** Formats seconds as 1m05s / 42s. */
export function formatEta(seconds) {
  if (!Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
