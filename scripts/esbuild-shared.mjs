// Bundling settings shared by esbuild.mjs (the extension, server, CLI and tests) and bench/run.mjs (its workers), so
// the benchmarks measure the parser exactly as it ships.
import { readFileSync } from 'node:fs';

/**
 * web-tree-sitter keeps each Node's WebAssembly handle in an indexed property, `node[0]`, declared as a class field.
 * That gives every node an elements store of its own: about 135 of the 160 ns a node costs to create, and the
 * language server creates tens of thousands of nodes per keystroke (14 % of its CPU on a 5,000-line file). The
 * handle becomes a named property. Each replacement must apply exactly once, so a web-tree-sitter release that
 * changes these lines fails the build here instead of bundling a half-patched parser.
 */
const nodeHandleAsNamedProperty = {
  name: 'tree-sitter-node-handle',
  setup(build) {
    build.onLoad({ filter: /[\\/]web-tree-sitter[\\/]tree-sitter\.c?js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const replace = (pattern, replacement, what) => {
        const matches = source.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
        if (matches !== 1) {
          throw new Error(`${args.path}: expected one ${what}, found ${matches}; web-tree-sitter changed, so update or drop the tree-sitter-node-handle patch in scripts/esbuild-shared.mjs`);
        }
        source = source.replace(pattern, replacement);
      };
      replace(/(var Node = class \{\s*static \{[^}]*\}\s*\/\*\* @internal \*\/\s*)\[0\] = 0;/, '$1_handle = 0;', "Node's handle field");
      replace(/\bthis\[0\] = other;/, 'this._handle = other;', "Node constructor's handle assignment");
      replace(/C\.setValue\(address, node\[0\], "i32"\);/, 'C.setValue(address, node._handle, "i32");', 'read of the handle in marshalNode');
      // childForFieldName and childrenForFieldName find the field's id by `indexOf` over the names, a string comparison
      // per field on each call: a map, built once per language, answers in one lookup.
      const fieldIdLookup = 'const fieldId = (this.tree.language._fieldIds ??= new Map(this.tree.language.fields.map((name, id) => [name, id]))).get(fieldName) ?? -1;';
      replace(/(childForFieldName\(fieldName\) \{\s*)const fieldId = this\.tree\.language\.fields\.indexOf\(fieldName\);/, `$1${fieldIdLookup}`, 'field lookup in childForFieldName');
      replace(/(childrenForFieldName\(fieldName\) \{\s*)const fieldId = this\.tree\.language\.fields\.indexOf\(fieldName\);/, `$1${fieldIdLookup}`, 'field lookup in childrenForFieldName');
      // descendantsOfType turns its type names into symbols by scanning every symbol of the language for each call
      // (`includes` over the names for each of ~270 symbols): the model walks each top-level statement with one call,
      // so the same list is looked up hundreds of times per keystroke. Kept per list of names, per language.
      replace(
        /(descendantsOfType\(types, startPosition = ZERO_POINT, endPosition = ZERO_POINT\) \{\s*if \(!Array\.isArray\(types\)\) types = \[types\];\s*)const symbols = \[\];(\s*const typesBySymbol = this\.tree\.language\.types;\s*for \(const node_type of types\) \{\s*if \(node_type == "ERROR"\) \{\s*symbols\.push\(65535\);\s*\}\s*\}\s*for \(let (\w+) = 0, n = typesBySymbol\.length; \3 < n; \3\+\+\) \{\s*if \(types\.includes\(typesBySymbol\[\3\]\)\) \{\s*symbols\.push\(\3\);\s*\}\s*\}\s*)/,
        '$1const symbolsByTypes = (this.tree.language._symbolsByTypes ??= new WeakMap());\n    let symbols = symbolsByTypes.get(types);\n    if (!symbols) {\n    symbols = [];$2symbolsByTypes.set(types, symbols);\n    }\n    ',
        "symbol lookup in descendantsOfType",
      );
      return { contents: source, loader: 'js' };
    });
  },
};

export const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // web-tree-sitter's ESM build locates itself through import.meta.url, which a CommonJS bundle lacks.
  banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__import_meta_url' },
  plugins: [nodeHandleAsNamedProperty],
};
