// Runs bench/lib/memory_step.mjs once per image size, each in a child process of its own
// (bench/memory_step.mjs --child), and collects the per-step peaks. Used by bench/run.mjs
// (results.memory) and by bench/memory_step.mjs.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

function runChild(spec, log) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(HERE, '..', 'memory_step.mjs'), '--child', JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let buf = '';
    let err = '';
    let result = null;
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const m = JSON.parse(line);
          if (m.phase) {
            const p = m.phase;
            log(`  memory @${spec.size} ${spec.blocks} blocks | ${p.phase}: heap ${p.heapMiB} MiB, peak live ${p.peakLiveMiB} MiB, live ${p.liveMiB} MiB${p.ms ? `, ${(p.ms / 1e3).toFixed(1)} s` : ''}`);
          }
          if (m.result) result = m.result;
        } catch {
          if (line.trim()) log(`  ${line}`);
        }
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ size: spec.size, blocks: spec.blocks, error: e.message }));
    child.on('exit', (code) => {
      if (result) resolve(result);
      else resolve({ size: spec.size, blocks: spec.blocks, error: `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

/**
 * sizes: [{ size, blocks }]; returns { budgetMiB, cases: [result per size] }, each result as
 * measureStepMemory returns it (or { size, blocks, error }).
 */
export async function measureMemoryCases({ sizes, steps = 2, threads = 1, trainerOptions = {}, log = () => {} }) {
  const cases = [];
  for (const { size, blocks } of sizes) {
    log(`memory: training step ${blocks} blocks @${size}, batch 1, ${steps} steps + sample grid + checkpoint`);
    cases.push(await runChild({ size, blocks, steps, threads, trainerOptions }, log));
  }
  return { what: 'peak WebAssembly memory (heap byteLength) per training step, batch 1, WASM backend', budgetMiB: 2560, cases };
}
