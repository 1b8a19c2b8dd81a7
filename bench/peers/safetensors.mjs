// A minimal safetensors writer (F32 only) for the peers' weight files: the library's own
// writer works on modules, and the benchmark wants a plain { key: { data, shape } } map on disk.
import { renameSync, writeFileSync } from 'node:fs';

export function writeSafetensorsFile(path, tensors) {
  const header = {};
  let offset = 0;
  for (const [key, t] of Object.entries(tensors)) {
    header[key] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  const parts = [head, Buffer.from(text)];
  for (const t of Object.values(tensors)) parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileSync(`${path}.tmp`, Buffer.concat(parts));
  renameSync(`${path}.tmp`, path); // atomic: a concurrent reader never sees half a file
}
