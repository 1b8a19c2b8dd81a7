// The one place that turns a kernels/*.wgsl file into the WGSL a pipeline is built from:
// it prepends the shared header and fills the `{{NAME}}` placeholders from a pass's
// `defines` (WgslPass in spec.ts). Kernel files stay readable WGSL with their
// specialisation points visible, e.g.
//
//   @compute @workgroup_size({{WG}})
//   fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
//           @builtin(local_invocation_index) lid: u32) {
//     let i = cg_flat(wid, nwg, lid, {{WG}}u);
//
// A placeholder without a value is an error naming the file and the placeholder, so a
// forgotten define never compiles into a silently different kernel.

/**
 * The shared header, prepended to every kernel. Names start with `cg_` so they cannot clash
 * with a kernel's own. Each kernel file declares its own bindings and `struct Params`.
 */
export const WGSL_HEADER = `// ---- shared header (src/backends/webgpu/header.ts) ----
// Grids of more than 65535 workgroups fold into x and y (see grid() in header.ts):
// the flat workgroup index is y * num_workgroups.x + x.
fn cg_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}
// The flat invocation index of a 1-D problem laid out on a folded grid.
fn cg_flat(wid: vec3u, nwg: vec3u, lid: u32, wg: u32) -> u32 {
  return cg_group(wid, nwg) * wg + lid;
}
// A quiet NaN (the mean of nothing, as in PyTorch). WGSL rejects a NaN constant, so the bits
// are formed at run time: pass any runtime value that is 0 (e.g. the element count n = 0).
fn cg_nan(runtime_zero: u32) -> f32 {
  return bitcast<f32>(0x7fc00000u | runtime_zero);
}
// High 32 bits of the 64-bit product a*b, from 16-bit halves (WGSL has no 64-bit integers).
fn cg_mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let mid = ((al * bl) >> 16u) + ((ah * bl) & 0xffffu) + al * bh;
  return ah * bh + ((ah * bl) >> 16u) + (mid >> 16u);
}
// Philox-4x32-10 with key (seed, 0) and counter (block, 0, 0, 0): the four words of a block,
// exactly as assembly/philox.ts (the stream is specified in assembly/random.ts).
fn cg_philox(block: u32, seed: u32) -> vec4u {
  var x = vec4u(block, 0u, 0u, 0u);
  var k0 = seed;
  var k1 = 0u;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = cg_mulhi(0xd2511f53u, x.x);
    let lo0 = 0xd2511f53u * x.x;
    let hi1 = cg_mulhi(0xcd9e8d57u, x.z);
    let lo1 = 0xcd9e8d57u * x.z;
    x = vec4u(hi1 ^ x.y ^ k0, lo1, hi0 ^ x.w ^ k1, lo0);
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  return x;
}
// A word as a uniform in [0, 1): its top 24 bits times 2^-24 (exact in float32).
fn cg_uniform(w: u32) -> f32 {
  return f32(w >> 8u) * 5.9604644775390625e-8;
}
// ---- end of shared header ----
`;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The WGSL of kernel `name` with the header and every placeholder filled. */
export function buildShader(name: string, source: string, defines: Record<string, number | string> = {}): string {
  const missing = new Set<string>();
  const body = source.replace(PLACEHOLDER, (_, key: string) => {
    if (!(key in defines)) {
      missing.add(key);
      return '';
    }
    const v = defines[key];
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`kernels/${name}.wgsl: define ${key} is ${v}`);
    return String(v);
  });
  if (missing.size) {
    throw new Error(`kernels/${name}.wgsl: no value for placeholder(s) ${[...missing].map((k) => `{{${k}}}`).join(', ')}; add them to the pass's defines`);
  }
  return `${WGSL_HEADER}${body}`;
}

/** Most workgroups per grid dimension guaranteed by WebGPU (maxComputeWorkgroupsPerDimension). */
export const MAX_GROUPS_PER_DIM = 65535;

/**
 * Workgroup counts for `groups` workgroups, folded into x and y when over 65535 (use
 * cg_group / cg_flat in the shader, and guard the tail: x*y may exceed `groups`).
 */
export function grid(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS_PER_DIM);
  return [Math.ceil(groups / y), y, 1];
}

/** Workgroups for one invocation per element: grid(ceil(n / wg)). */
export function grid1d(n: number, wg: number): [number, number, number] {
  return grid(Math.ceil(n / wg));
}
