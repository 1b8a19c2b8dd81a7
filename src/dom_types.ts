// Browser classes that the public API names (images a page hands to the worker API, the canvas
// drawToCanvas draws on). Each is the DOM's class where the program has the DOM lib, and
// `never` where it does not, so the package's declarations type-check in a Node-only program
// (lib es2022, @types/node, no DOM lib, no skipLibCheck) as well as in a page's.

/** The instance type of the global class `K`, or never when the program has no such global. */
type GlobalClass<K extends string> = typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : never;

export type DomImageBitmap = GlobalClass<'ImageBitmap'>;
export type DomImageData = GlobalClass<'ImageData'>;
export type DomHTMLCanvasElement = GlobalClass<'HTMLCanvasElement'>;
export type DomOffscreenCanvas = GlobalClass<'OffscreenCanvas'>;
export type DomHTMLImageElement = GlobalClass<'HTMLImageElement'>;
