#!/usr/bin/env node
// The `cyclegan-engine` command: runs dist/cli.js (src/cli/bin.ts). The published package ships
// dist/; a clone of the repository has none until `npm run build`, and nothing builds at install
// time, so here the first run builds it (its output goes to stderr, the command's stdout stays
// the command's): the kernels and the JavaScript bundles, without the public types, which only
// a TypeScript consumer needs and which take most of a full build's time (`npm run build`
// makes them).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(cli) && existsSync(new URL('../src/cli/bin.ts', import.meta.url))) {
  process.stderr.write('cyclegan-engine: no dist/ in this clone yet: building it once (npm run build, without the .d.ts types)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', 'build'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, CYCLEGAN_ENGINE_BUILD_TYPES: '0' },
  });
  if (built.status !== 0) {
    process.stderr.write(`cyclegan-engine: the build failed (${built.error?.message ?? `exit ${built.status}`}); run \`npm run build\` to see why\n`);
    process.exit(1);
  }
}
await import(cli.href);
