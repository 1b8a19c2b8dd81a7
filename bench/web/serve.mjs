// `npm run bench:web`: serves the repository root on 127.0.0.1 (a secure context, so the page
// has navigator.gpu) and prints the benchmark page's address. Static files only: dist/ (the
// library), bench/ (the page, its worker and the shared suite code) and the UMD bundles the
// worker loads from node_modules (benchmark.js, lodash, platform, TF.js).
//   node bench/web/serve.mjs [--port N]      (the page: /bench/web/?preset=quick|test|full)
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.css': 'text/css', '.map': 'application/json' };
// only these trees are served: nothing else of the machine is reachable through the server
const ALLOWED = ['dist', 'bench', 'node_modules'];

export function startServer({ port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let path = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    if (path === '' || path === '.') path = 'bench/web/index.html';
    if (path.endsWith(sep) || path.endsWith('/')) path += 'index.html';
    const file = join(ROOT, path);
    if (!file.startsWith(ROOT) || !ALLOWED.includes(path.split(/[/\\]/)[0])) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let st;
    try {
      st = statSync(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    if (st.isDirectory()) {
      res.writeHead(302, { location: `/${path}/` }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store',
      // cross-origin isolation: SharedArrayBuffer, so WASM threads work in the page
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve({ server, url: `http://${host}:${server.address().port}` })));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const { url } = await startServer({ port: i > 0 ? Number(process.argv[i + 1]) : 8787 });
  console.log(`benchmark page: ${url}/bench/web/  (quick: ?preset=quick, tiny: ?preset=test)`);
}
