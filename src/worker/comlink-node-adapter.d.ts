// Types for comlink's Node adapter, imported by its .mjs path (the package has no "exports"
// map, so TypeScript does not pair that path with the .d.ts comlink ships next to it).
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export type { NodeEndpoint } from 'comlink/dist/esm/node-adapter';
  export { default } from 'comlink/dist/esm/node-adapter';
}
