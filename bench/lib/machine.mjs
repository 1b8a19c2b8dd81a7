// What the results JSON says about the machine and the software: CPU model and cores, memory,
// OS, Node, the git commit of the engine, the peers' package versions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const root = new URL('../../', import.meta.url);

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8')).version;
  } catch {
    return null;
  }
}

function readOr(url) {
  try {
    return readFileSync(url, 'utf8').trim();
  } catch {
    return null;
  }
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

export function softwareInfo() {
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.versions.node,
    v8: process.versions.v8,
    engine: {
      version: JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version,
      // a packed copy (bench/device/pack.sh) has no .git: the commit was written next to it
      commit: git(['rev-parse', 'HEAD']) ?? readOr(new URL('commit.txt', root)),
      dirty: dirty === null ? null : dirty.length > 0,
    },
    packages: Object.fromEntries(
      ['benchmark', 'webgpu', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-web'].map((n) => [n, pkgVersion(n)]),
    ),
  };
}

/** A short machine name for the results file: CPU model and core count, filesystem-safe. */
export function machineSlug(m, adapter) {
  const cpu = m.cpu.replace(/\(R\)|\(TM\)|CPU|Processor|@.*$/g, '').trim().replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const gpu = adapter && !/swiftshader/i.test(adapter) ? `-${adapter.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 24)}` : '';
  return `${cpu}-${m.availableParallelism}c${gpu}`.toLowerCase();
}
