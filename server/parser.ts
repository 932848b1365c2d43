// The Python parser: web-tree-sitter with tree-sitter-python's WASM grammar, loaded once per process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Edit, Language, Parser, Point, Tree } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;

/** Finds a WASM file next to the bundle (dist/) or, in development, in its npm package. */
function locate(file: string, packageSpecifier: string): string {
  const bundled = join(__dirname, file);
  if (existsSync(bundled)) return bundled;
  const distCopy = join(__dirname, '..', '..', '..', 'dist', file);
  if (existsSync(distCopy)) return distCopy;
  return require.resolve(packageSpecifier);
}

export function loadParser(): Promise<Parser> {
  loading ??= (async () => {
    const runtimeWasm = locate('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
    const runtime: Record<string, unknown> = { locateFile: () => runtimeWasm };
    await Parser.init(runtime);
    useDirectHeapAccess(runtime);
    const python = await Language.load(locate('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    const parser = new Parser();
    parser.setLanguage(python);
    return parser;
  })();
  return loading;
}

type HeapGetter = (pointer: number, type?: string) => number;
type HeapSetter = (pointer: number, value: number, type?: string) => void;

/**
 * Every node handed between JavaScript and the parser is copied field by field through the Emscripten runtime's
 * generic `getValue`/`setValue`, which dispatch on a type string and go through a DataView: a fifth of the time a
 * keystroke's analysis takes. The options object given to `Parser.init` becomes that runtime (Emscripten's
 * MODULARIZE contract), so its 32-bit accessors can read and write the heap view directly. Only on little-endian
 * hosts (WebAssembly memory is little-endian), and only when the runtime looks as expected; otherwise unchanged.
 */
function useDirectHeapAccess(runtime: Record<string, unknown>): void {
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const getValue = runtime.getValue as HeapGetter | undefined;
  const setValue = runtime.setValue as HeapSetter | undefined;
  if (!littleEndian || typeof getValue !== 'function' || typeof setValue !== 'function' || !(runtime.HEAP32 instanceof Int32Array)) return;
  // The view is read from the runtime on each access: it is replaced whenever the WebAssembly memory grows.
  runtime.getValue = (pointer: number, type?: string) => (type === 'i32' ? (runtime.HEAP32 as Int32Array)[pointer >> 2] : getValue(pointer, type));
  runtime.setValue = (pointer: number, value: number, type?: string) => {
    if (type === 'i32') (runtime.HEAP32 as Int32Array)[pointer >> 2] = value;
    else setValue(pointer, value, type);
  };
}

/** Files larger than this are not parsed at all: a linter that stalls on a generated 50 MB file helps nobody. */
export const MAX_SOURCE_LENGTH = 8 * 1024 * 1024;
/**
 * Parsing gives up after this long, so a pathological input cannot block the server. Generous and proportional to
 * size: a normal 5 MB file parses in about 2.5 s on a slow machine, and a loaded one must not turn that into an error.
 */
function parseBudgetMs(length: number): number {
  return 5000 + 3000 * (length / 1048576);
}

export class ParseError extends Error {}

export function parse(parser: Parser, source: string, previous?: Tree): Tree {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ParseError(`file is ${(source.length / 1048576).toFixed(1)} MB; files over ${MAX_SOURCE_LENGTH / 1048576} MB are not analysed`);
  }
  const budget = parseBudgetMs(source.length);
  const deadline = Date.now() + budget;
  const tree = parser.parse(source, previous ?? null, { progressCallback: () => Date.now() > deadline });
  if (!tree) throw new ParseError(`parsing took longer than ${Math.round(budget)} ms and was abandoned`);
  return tree;
}

/** The point (row, UTF-16 column) reached after inserting `text` at `start`. */
function endPointAfter(start: Point, text: string): Point {
  let row = start.row;
  let lastBreak = -1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    row++;
    lastBreak = i;
  }
  return lastBreak === -1 ? { row, column: start.column + text.length } : { row, column: text.length - lastBreak - 1 };
}

/** The tree-sitter edit for replacing [startIndex, oldEndIndex) (at the given points) with `text`. */
export function editFor(startIndex: number, oldEndIndex: number, startPosition: Point, oldEndPosition: Point, text: string): Edit {
  return {
    startIndex,
    oldEndIndex,
    newEndIndex: startIndex + text.length,
    startPosition,
    oldEndPosition,
    newEndPosition: endPointAfter(startPosition, text),
  };
}
