#!/usr/bin/env node
// Derives the library tables of the AIO1xx rules from typeshed (shipped inside pyright's npm package), so they are
// complete and current instead of hand-written: which callables return a coroutine, which return something that can
// never be awaited, and which classes are async-only context managers or iterables. Parses the `.pyi` stubs with
// the same tree-sitter grammar the server uses. Writes server/generated/typeshed.json (git-ignored); run by
// esbuild.mjs before bundling, skipped while the output is newer than pyright and this script.
//
// Names are canonical the way the semantic model spells them: `asyncio.sleep` and `asyncio.tasks.sleep` (star and
// explicit re-exports are followed), `asyncio.Queue.get` (inherited members are flattened into every class),
// builtins without a prefix (`print`). Every `sys.version_info` / `sys.platform` branch is included; a name whose
// definitions disagree (async in one branch, sync in another) lands in neither table.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(ROOT, 'server', 'generated', 'typeshed.json');
const PYRIGHT_PACKAGE = require.resolve('pyright/package.json');
const TYPESHED = join(dirname(PYRIGHT_PACKAGE), 'dist', 'typeshed-fallback');

/** Classes whose instances are never awaitable, and special forms that stand for them. */
const PLAIN_VALUE_TYPES = new Map([
  ['typing.List', 'builtins.list'], ['typing.Dict', 'builtins.dict'], ['typing.Set', 'builtins.set'],
  ['typing.FrozenSet', 'builtins.frozenset'], ['typing.Tuple', 'builtins.tuple'], ['typing.Type', 'builtins.type'],
  ['typing.Text', 'builtins.str'], ['typing.LiteralString', 'builtins.str'], ['typing_extensions.LiteralString', 'builtins.str'],
  ['typing.Literal', 'builtins.str'], ['typing_extensions.Literal', 'builtins.str'],
  ['typing.TypeGuard', 'builtins.bool'], ['typing_extensions.TypeGuard', 'builtins.bool'], ['typing.TypeIs', 'builtins.bool'], ['typing_extensions.TypeIs', 'builtins.bool'],
  ['typing.DefaultDict', 'collections.defaultdict'], ['typing.OrderedDict', 'collections.OrderedDict'],
  ['typing.Deque', 'collections.deque'], ['typing.Counter', 'collections.Counter'],
]);
/** Return annotations that mean "does not return a value one could await". */
const NO_VALUE_TYPES = new Set(['typing.NoReturn', 'typing.Never', 'typing_extensions.NoReturn', 'typing_extensions.Never']);
const COROUTINE_TYPES = new Set(['typing.Coroutine', 'collections.abc.Coroutine', 'types.CoroutineType']);
const PROTOCOL_BASES = new Set(['typing.Protocol', 'typing_extensions.Protocol']);
/** Types that say nothing about a value (`-> Any`, `-> object` may well return an awaitable). */
const OPAQUE_TYPES = new Set(['typing.Any', 'typing_extensions.Any', 'builtins.object']);
/** Wrappers in an annotation whose first argument is the real type. */
const TRANSPARENT_WRAPPERS = new Set(['typing.Annotated', 'typing_extensions.Annotated', 'typing.Final', 'typing_extensions.Final']);
const UNION_TYPES = new Set(['typing.Union', 'typing.Optional', 'typing_extensions.Union', 'typing_extensions.Optional']);
/** Decorators that leave a stub function callable with its declared return type. */
const NEUTRAL_DECORATORS = new Set([
  'typing.overload', 'typing_extensions.overload', 'typing.final', 'typing_extensions.final', 'builtins.staticmethod',
  'builtins.classmethod', 'abc.abstractmethod', 'typing.override', 'typing_extensions.override', 'typing_extensions.deprecated',
  'warnings.deprecated', 'typing.type_check_only', 'typing_extensions.type_check_only',
]);

// ---- reading the stubs ---------------------------------------------------------------------------------------

function stubFiles() {
  const files = [];
  const walk = (dir, base) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('@')) walk(full, base); // `@tests` folders hold typeshed's own tests
      } else if (entry.name.endsWith('.pyi')) {
        files.push({ path: full, bytes: statSync(full).size, module: { ...moduleName(relative(base, full)), stdlib: base.endsWith('stdlib') } });
      }
    }
  };
  walk(join(TYPESHED, 'stdlib'), join(TYPESHED, 'stdlib'));
  const stubs = join(TYPESHED, 'stubs');
  for (const dist of readdirSync(stubs)) walk(join(stubs, dist), join(stubs, dist));
  return files;
}

function moduleName(relPath) {
  const parts = relPath.replace(/\.pyi$/, '').split(sep);
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return { name: parts.join('.'), isPackage: relPath.endsWith(`__init__.pyi`) };
}

/**
 * One stub module: its definitions by name (every branch of every `if`), imports, star imports, aliases and
 * `__all__`. Function definitions keep only what classification needs.
 */
function readModule(tree, { name, isPackage, stdlib }) {
  const module = { name, isPackage, stdlib, functions: new Map(), classes: new Map(), imports: new Map(), aliases: new Map(), declared: new Set(), stars: [], all: undefined };
  readBlock(tree.rootNode, module, undefined);
  return module;
}

function push(map, key, value) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Statements of a module or class body, descending into `if`/`else`/`try` branches. */
function readBlock(block, module, cls) {
  for (const statement of block.namedChildren) {
    if (!statement) continue;
    switch (statement.type) {
      case 'if_statement':
      case 'try_statement':
        for (const part of statement.namedChildren) {
          if (!part) continue;
          if (part.type === 'block') readBlock(part, module, cls);
          else if (['elif_clause', 'else_clause', 'except_clause', 'finally_clause'].includes(part.type)) {
            const body = part.childForFieldName('consequence') ?? part.childForFieldName('body') ?? part.namedChildren.find((c) => c?.type === 'block');
            if (body) readBlock(body, module, cls);
          }
        }
        break;
      case 'decorated_definition': {
        const definition = statement.childForFieldName('definition');
        const decorators = statement.namedChildren.filter((c) => c?.type === 'decorator').map((d) => decoratorText(d));
        if (definition?.type === 'function_definition') readFunction(definition, decorators, module, cls);
        else if (definition?.type === 'class_definition' && !cls) readClass(definition, module);
        break;
      }
      case 'function_definition':
        readFunction(statement, [], module, cls);
        break;
      case 'class_definition':
        if (!cls) readClass(statement, module);
        break;
      case 'import_statement':
        if (!cls) readImport(statement, module);
        break;
      case 'import_from_statement':
        if (!cls) readImportFrom(statement, module);
        break;
      case 'expression_statement': {
        const assignment = statement.namedChild(0);
        if (assignment?.type === 'assignment' || assignment?.type === 'augmented_assignment') readAssignment(assignment, module, cls);
        break;
      }
      default:
        break;
    }
  }
}

function decoratorText(decorator) {
  let expr = decorator.namedChild(0);
  if (expr?.type === 'call') expr = expr.childForFieldName('function');
  return expr?.text ?? '';
}

function readFunction(node, decorators, module, cls) {
  const name = node.childForFieldName('name')?.text;
  if (!name) return;
  const isAsync = node.children.some((c) => c?.type === 'async');
  const definition = { isAsync, returns: node.childForFieldName('return_type')?.text, decorators, module: module.name };
  push(cls ? cls.members : module.functions, name, definition);
}

function readClass(node, module) {
  const name = node.childForFieldName('name')?.text;
  const body = node.childForFieldName('body');
  if (!name || !body) return;
  const bases = [];
  for (const arg of node.childForFieldName('superclasses')?.namedChildren ?? []) {
    if (!arg || arg.type === 'keyword_argument') continue;
    bases.push(arg.type === 'subscript' ? arg.childForFieldName('value')?.text ?? arg.text : arg.text);
  }
  // Redefinitions in version branches are merged: their members together decide.
  const cls = module.classes.get(name) ?? { name, module: module.name, bases: [], members: new Map(), attributes: new Set() };
  for (const b of bases) if (!cls.bases.includes(b)) cls.bases.push(b);
  module.classes.set(name, cls);
  readBlock(body, module, cls);
}

function readImport(node, module) {
  for (const child of node.namedChildren) {
    if (child?.type === 'aliased_import') {
      const target = child.childForFieldName('name')?.text;
      const alias = child.childForFieldName('alias')?.text;
      if (target && alias) module.imports.set(alias, { target, reexport: alias === target });
    } else if (child?.type === 'dotted_name') {
      const first = child.text.split('.')[0];
      module.imports.set(first, { target: first, reexport: false });
    }
  }
}

function readImportFrom(node, module) {
  const from = absoluteModule(node.childForFieldName('module_name'), module);
  if (!from) return;
  if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
    module.stars.push(from);
    return;
  }
  for (const child of node.childrenForFieldName('name')) {
    if (child?.type === 'dotted_name') module.imports.set(child.text, { target: `${from}.${child.text}`, reexport: false });
    else if (child?.type === 'aliased_import') {
      const name = child.childForFieldName('name')?.text;
      const alias = child.childForFieldName('alias')?.text;
      // In a stub, `from m import x as x` is the explicit re-export form (PEP 484).
      if (name && alias) module.imports.set(alias, { target: `${from}.${name}`, reexport: alias === name });
    }
  }
}

function absoluteModule(node, module) {
  if (!node) return undefined;
  if (node.type !== 'relative_import') return node.text;
  const prefix = node.namedChildren.find((c) => c?.type === 'import_prefix')?.text ?? '.';
  const rest = node.namedChildren.find((c) => c?.type === 'dotted_name')?.text;
  const parts = module.name.split('.');
  if (!module.isPackage) parts.pop();
  const up = prefix.length - 1;
  if (up > parts.length) return undefined;
  const base = parts.slice(0, parts.length - up);
  if (rest) base.push(rest);
  return base.join('.');
}

/** `Alias = other.Name` (a re-export under another name) and `__all__ = [...]` / `__all__ += [...]`. */
function readAssignment(node, module, cls) {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left?.type !== 'identifier') return;
  // `Protocol: _SpecialForm` (typing.pyi): a name declared without a value still names something of this module.
  if (!right) {
    if (!cls && node.childForFieldName('type')) module.declared.add(left.text);
    return;
  }
  if (cls) {
    // `__aenter__ = ...` style members still count as present.
    cls.attributes.add(left.text);
    return;
  }
  if (left.text === '__all__') {
    module.all ??= new Set();
    for (const item of right.namedChildren) if (item?.type === 'string') module.all.add(item.text.replace(/^['"]|['"]$/g, ''));
    return;
  }
  if ((right.type === 'identifier' || right.type === 'attribute') && node.type === 'assignment' && !node.childForFieldName('type')) {
    module.aliases.set(left.text, right.text);
  }
}

// ---- resolution ----------------------------------------------------------------------------------------------

class Typeshed {
  constructor(modules) {
    this.modules = new Map(modules.map((m) => [m.name, m]));
    /** Top-level names of standard library modules. */
    this.stdlib = new Set(modules.filter((m) => m.stdlib).map((m) => m.name.split('.')[0]));
    this.classInfoCache = new Map();
  }

  /** The symbol a name has inside `module` (own definitions, imports, aliases, star imports), as a canonical name. */
  resolveLocal(module, name, depth = 0) {
    if (depth > 12) return undefined;
    if (module.classes.has(name) || module.functions.has(name) || module.declared.has(name)) return `${module.name}.${name}`;
    const imported = module.imports.get(name);
    if (imported) return imported.target;
    const alias = module.aliases.get(name);
    if (alias) return this.resolveDotted(module, alias, depth + 1);
    for (const star of module.stars) {
      const other = this.modules.get(star);
      if (other && this.exports(other, name)) {
        const found = this.resolveLocal(other, name, depth + 1);
        if (found) return found;
      }
    }
    return module.name === 'builtins' ? undefined : this.modules.get('builtins').classes.has(name) || this.modules.get('builtins').functions.has(name) ? `builtins.${name}` : undefined;
  }

  resolveDotted(module, dotted, depth = 0) {
    const [head, ...rest] = dotted.split('.');
    const base = this.resolveLocal(module, head, depth);
    return base ? [base, ...rest].join('.') : undefined;
  }

  /** Whether `from module import *` brings `name` along. */
  exports(module, name) {
    if (module.all) return module.all.has(name);
    if (name.startsWith('_')) return false;
    return module.classes.has(name) || module.functions.has(name) || module.aliases.has(name) || !!module.imports.get(name)?.reexport || module.stars.length > 0;
  }

  /** Follows a canonical name to its definition: `{ kind: 'function', defs }`, `{ kind: 'class', cls }` or undefined. */
  lookup(canonical, depth = 0) {
    if (depth > 12) return undefined;
    const parts = canonical.split('.');
    for (let cut = parts.length - 1; cut >= 1; cut--) {
      const module = this.modules.get(parts.slice(0, cut).join('.'));
      if (!module) continue;
      const [first, ...rest] = parts.slice(cut);
      if (module.functions.has(first) && rest.length === 0) return { kind: 'function', defs: module.functions.get(first), canonical: `${module.name}.${first}` };
      if (module.classes.has(first)) {
        const cls = module.classes.get(first);
        if (rest.length === 0) return { kind: 'class', cls, canonical: `${module.name}.${first}` };
        if (rest.length === 1) {
          const member = this.classInfo(cls).members.get(rest[0]);
          return member ? { kind: 'function', defs: member, canonical: `${module.name}.${first}.${rest[0]}` } : undefined;
        }
        return undefined;
      }
      const target = this.resolveLocal(module, first);
      if (!target || target === `${module.name}.${first}`) return undefined;
      return this.lookup([target, ...rest].join('.'), depth + 1);
    }
    return undefined;
  }

  classNamed(canonical) {
    const found = this.lookup(canonical);
    return found?.kind === 'class' ? found : undefined;
  }

  /**
   * Members of a class with inherited ones flattened (depth-first, left to right: close enough to the MRO for
   * stubs), and whether the whole ancestry was resolved.
   */
  classInfo(cls) {
    const cached = this.classInfoCache.get(cls);
    if (cached) return cached;
    const info = { members: new Map(), attributes: new Set(), complete: true, isProtocol: false, ancestors: new Set() };
    this.classInfoCache.set(cls, info); // cycles end here
    const module = this.modules.get(cls.module);
    for (const [name, defs] of cls.members) info.members.set(name, defs);
    for (const a of cls.attributes) info.attributes.add(a);
    for (const baseText of cls.bases) {
      const base = this.resolveDotted(module, baseText);
      if (!base) {
        info.complete = false;
        continue;
      }
      if (PROTOCOL_BASES.has(base)) {
        info.isProtocol = true;
        continue;
      }
      if (base === 'typing.Generic' || base === 'typing_extensions.Generic') continue;
      const found = this.classNamed(base);
      if (!found) {
        info.complete = false;
        continue;
      }
      info.ancestors.add(found.canonical);
      const inherited = this.classInfo(found.cls);
      for (const a of inherited.ancestors) info.ancestors.add(a);
      if (!inherited.complete) info.complete = false;
      for (const [name, defs] of inherited.members) if (!info.members.has(name)) info.members.set(name, defs);
      for (const a of inherited.attributes) info.attributes.add(a);
    }
    return info;
  }

  has(info, member) {
    return info.members.has(member) || info.attributes.has(member);
  }

  // ---- annotations ----

  /**
   * What calling a definition gives, from its return annotation: 'coroutine', 'plain' (never awaitable), or
   * undefined when it cannot be told (Any, type variables, unions with such, unknown names). `selfClass` resolves `Self`.
   */
  returnKind(def, selfClass) {
    if (!def.returns) return undefined;
    const module = this.modules.get(def.module);
    return this.annotationKind(module, def.returns.trim(), selfClass);
  }

  annotationKind(module, text, selfClass, depth = 0) {
    if (depth > 6) return undefined;
    if (text === 'None') return 'plain';
    if (/^["']/.test(text)) return this.annotationKind(module, text.slice(1, -1), selfClass, depth + 1);
    const alternatives = splitTopLevel(text, '|');
    if (alternatives.length > 1) return this.combine(alternatives.map((t) => this.annotationKind(module, t.trim(), selfClass, depth + 1)));
    const bracket = text.indexOf('[');
    const head = bracket === -1 ? text : text.slice(0, bracket);
    const args = bracket === -1 ? [] : splitTopLevel(text.slice(bracket + 1, text.lastIndexOf(']')), ',');
    if (!/^[A-Za-z_][\w.]*$/.test(head)) return undefined;
    const canonical = this.resolveDotted(module, head);
    if (!canonical) return undefined;
    if (COROUTINE_TYPES.has(canonical)) return 'coroutine';
    if (NO_VALUE_TYPES.has(canonical)) return 'plain';
    if (UNION_TYPES.has(canonical)) return this.combine([...args.map((a) => this.annotationKind(module, a.trim(), selfClass, depth + 1)), ...(canonical.endsWith('Optional') ? ['plain'] : [])]);
    if (TRANSPARENT_WRAPPERS.has(canonical)) return args[0] ? this.annotationKind(module, args[0].trim(), selfClass, depth + 1) : undefined;
    if (canonical === 'typing.Self' || canonical === 'typing_extensions.Self') return selfClass ? this.instanceKind(selfClass) : undefined;
    const plain = PLAIN_VALUE_TYPES.get(canonical);
    if (plain) return 'plain';
    const found = this.classNamed(canonical);
    return found ? this.instanceKind(found.cls) : undefined;
  }

  /** Instances of a concrete class whose whole ancestry is known and has no `__await__` are never awaitable. */
  instanceKind(cls) {
    if (OPAQUE_TYPES.has(`${cls.module}.${cls.name}`)) return undefined;
    const info = this.classInfo(cls);
    if (info.isProtocol || !info.complete) return undefined;
    return this.has(info, '__await__') ? undefined : 'plain';
  }

  combine(kinds) {
    return kinds.every((k) => k === 'plain') ? 'plain' : undefined;
  }

  /** Classifies every definition (overloads, version branches) of one callable; they must agree. */
  callableKind(defs, selfClass) {
    let kind;
    for (const def of defs) {
      if (def.decorators.some((d) => /(^|\.)(property|cached_property|setter|getter|deleter)$/.test(d))) return undefined;
      const module = this.modules.get(def.module);
      if (def.decorators.some((d) => !NEUTRAL_DECORATORS.has(this.resolveDotted(module, d) ?? d))) return undefined;
      const k = def.isAsync ? 'coroutine' : this.returnKind(def, selfClass);
      if (!k || (kind && kind !== k)) return undefined;
      kind = k;
    }
    return kind;
  }

  /** Async-only protocols of instances of a class: `__aenter__` without `__enter__`, `__aiter__` without `__iter__`. */
  asyncProtocols(cls) {
    const info = this.classInfo(cls);
    return {
      contextManager: this.has(info, '__aenter__') && !this.has(info, '__enter__'),
      iterable: this.has(info, '__aiter__') && !this.has(info, '__iter__'),
    };
  }

  /** The async-only protocols of what a callable returns, when every definition agrees on one class. */
  returnedProtocols(defs, selfClass) {
    let result;
    for (const def of defs) {
      if (def.isAsync || !def.returns) return undefined;
      const module = this.modules.get(def.module);
      const head = def.returns.replace(/\[.*$/s, '').trim();
      if (!/^[A-Za-z_][\w.]*$/.test(head)) return undefined;
      const canonical = this.resolveDotted(module, head);
      const cls = canonical === 'typing.Self' || canonical === 'typing_extensions.Self' ? selfClass : canonical && this.classNamed(canonical)?.cls;
      if (!cls) return undefined;
      const p = this.asyncProtocols(cls);
      if (result && (result.contextManager !== p.contextManager || result.iterable !== p.iterable)) return undefined;
      result = p;
    }
    return result;
  }
}

/** Splits an annotation at top-level separators (outside brackets). */
function splitTopLevel(text, separator) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim());
}

// ---- emission ------------------------------------------------------------------------------------------------

/** Every name a module makes importable: own definitions, re-exported imports, aliases, and star-imported names. */
function exportedNames(typeshed, module, seen = new Set()) {
  if (seen.has(module.name)) return [];
  seen.add(module.name);
  const names = new Set([...module.functions.keys(), ...module.classes.keys(), ...module.aliases.keys()]);
  for (const [name, imported] of module.imports) if (imported.reexport || module.all?.has(name)) names.add(name);
  for (const star of module.stars) {
    const other = typeshed.modules.get(star);
    if (other) for (const n of exportedNames(typeshed, other, seen)) if (typeshed.exports(other, n)) names.add(n);
  }
  return names;
}

/** Names user code never calls directly: private ones, and dunders other than the async protocol methods. */
function skipped(name) {
  if (name.startsWith('__') && name.endsWith('__')) return !ASYNC_DUNDERS.has(name);
  return name.startsWith('_');
}
const ASYNC_DUNDERS = new Set(['__aenter__', '__aexit__', '__anext__', '__aiter__']);

/**
 * Flags of a callable: `c` returns a coroutine, `p` returns a plain (never awaitable) value, `m` returns an
 * async-only context manager, `i` returns an async-only iterable. Empty: nothing known.
 */
function callableFlags(typeshed, defs, selfClass) {
  // Inherited members are asked about once per subclass: remember the answer per definition list and class.
  let perClass = flagsMemo.get(defs);
  if (!perClass) flagsMemo.set(defs, (perClass = new Map()));
  const known = perClass.get(selfClass);
  if (known !== undefined) return known;
  const kind = typeshed.callableKind(defs, selfClass);
  const protocols = typeshed.returnedProtocols(defs, selfClass);
  const flags = (kind === 'coroutine' ? 'c' : kind === 'plain' ? 'p' : '') + (protocols?.contextManager ? 'm' : '') + (protocols?.iterable ? 'i' : '');
  perClass.set(selfClass, flags);
  return flags;
}
const flagsMemo = new WeakMap();

/**
 * The tables, keyed by where a name is defined: module functions, classes (resolved bases, own members, instance
 * flags), and the aliases under which other modules re-export them (`asyncio.sleep` → `asyncio.tasks.sleep`).
 */
function buildTables(typeshed) {
  const functions = {};
  const classes = {};
  const aliases = {};
  const definitionOf = (canonical) => typeshed.lookup(canonical)?.canonical;
  const inheritsKnown = (cls, member) => {
    const module = typeshed.modules.get(cls.module);
    return cls.bases.some((b) => {
      const base = typeshed.classNamed(typeshed.resolveDotted(module, b) ?? '');
      const defs = base && typeshed.classInfo(base.cls).members.get(member);
      return defs && callableFlags(typeshed, defs, base.cls) !== '';
    });
  };
  for (const module of typeshed.modules.values()) {
    for (const [name, defs] of module.functions) {
      if (skipped(name)) continue;
      const flags = callableFlags(typeshed, defs);
      if (flags) (functions[module.name] ??= {})[name] = flags;
    }
    for (const [name, cls] of module.classes) {
      const info = typeshed.classInfo(cls);
      const record = {};
      const bases = cls.bases.map((b) => typeshed.resolveDotted(module, b)).map((b) => b && definitionOf(b)).filter((b) => b && b !== 'builtins.object');
      if (bases.length) record.b = bases;
      const members = {};
      for (const [member, defs] of cls.members) {
        if (skipped(member)) continue;
        const flags = callableFlags(typeshed, defs, cls);
        // An unknown member is kept only when it hides a known one of a base class.
        if (flags || inheritsKnown(cls, member)) members[member] = flags;
      }
      if (Object.keys(members).length) record.m = members;
      const protocols = typeshed.asyncProtocols(cls);
      const flags = (typeshed.instanceKind(cls) === 'plain' ? 'p' : '') + (protocols.contextManager ? 'm' : '') + (protocols.iterable ? 'i' : '');
      if (flags) record.k = flags;
      if (!info.complete) record.x = 1;
      if (record.b || record.m || record.k) classes[`${module.name}.${name}`] = record;
    }
    for (const name of exportedNames(typeshed, module)) {
      if (name.startsWith('_')) continue;
      const target = typeshed.resolveLocal(module, name);
      const definition = target && definitionOf(target);
      if (definition && definition !== `${module.name}.${name}`) aliases[`${module.name}.${name}`] = definition;
    }
  }
  // Aliases of names the tables know nothing about would only take up room, except in the standard library, where
  // rules match functions by their defining name (`asyncio.create_task` is `asyncio.tasks.create_task`).
  const known = (definition) => {
    if (typeshed.stdlib.has(definition.slice(0, definition.indexOf('.')))) return true;
    if (Object.hasOwn(classes, definition)) return true;
    const dot = definition.lastIndexOf('.');
    return !!functions[definition.slice(0, dot)]?.[definition.slice(dot + 1)];
  };
  for (const [alias, definition] of Object.entries(aliases)) if (!known(definition)) delete aliases[alias];
  return { functions, classes, aliases };
}

// ---- parsing, spread over worker threads ---------------------------------------------------------------------

async function newParser() {
  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

async function readStubs(files) {
  const parser = await newParser();
  const modules = [];
  for (const file of files) {
    const tree = parser.parse(readFileSync(file.path, 'utf8'));
    if (!tree) continue;
    try {
      modules.push(readModule(tree, file.module));
    } finally {
      tree.delete();
    }
  }
  parser.delete();
  return modules;
}

/** Parsing is most of the time: the files are shared between this thread and one worker per further core. */
async function readAllStubs() {
  const files = stubFiles();
  const threads = Math.max(1, Math.min(4, availableParallelism()));
  // Shares by size; this thread also builds the tables afterwards, so it parses less than the workers.
  const weights = Array.from({ length: threads }, (_, i) => (i === 0 && threads > 1 ? 0.6 : 1));
  const shares = weights.map(() => []);
  const load = weights.map(() => 0);
  for (const file of [...files].sort((a, b) => b.bytes - a.bytes)) {
    let pick = 0;
    for (let i = 1; i < threads; i++) if (load[i] / weights[i] < load[pick] / weights[pick]) pick = i;
    shares[pick].push(file);
    load[pick] += file.bytes;
  }
  const workers = shares.slice(1).map(
    (share) =>
      new Promise((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { files: share } });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`stub parser worker exited with ${code}`)));
      }),
  );
  const own = await readStubs(shares[0]);
  // Sorted, so the output does not depend on how the files were shared out.
  return [own, ...(await Promise.all(workers))].flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function generate({ force = false } = {}) {
  const script = fileURLToPath(import.meta.url);
  const output = statSync(OUTPUT, { throwIfNoEntry: false });
  const newestInput = Math.max(statSync(PYRIGHT_PACKAGE).mtimeMs, statSync(script).mtimeMs);
  if (!force && output && output.mtimeMs > newestInput) return { skipped: true };
  const started = Date.now();
  const modules = await readAllStubs();
  const typeshed = new Typeshed(modules);
  const tables = buildTables(typeshed);
  const pyright = JSON.parse(readFileSync(PYRIGHT_PACKAGE, 'utf8')).version;
  let commit = '';
  try {
    commit = readFileSync(join(TYPESHED, 'commit.txt'), 'utf8').trim();
  } catch {
    // Older pyright packages do not record typeshed's commit.
  }
  const data = { source: `typeshed ${commit || '(unknown commit)'} from pyright ${pyright}`, ...tables };
  mkdirSync(dirname(OUTPUT), { recursive: true });
  const text = JSON.stringify(data);
  // Written aside and renamed, so a build running at the same time never reads half a file.
  const partial = `${OUTPUT}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, OUTPUT);
  return { skipped: false, seconds: (Date.now() - started) / 1000, modules: modules.length, bytes: text.length };
}

if (!isMainThread) {
  parentPort.postMessage(await readStubs(workerData.files));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await generate({ force: process.argv.includes('--force') });
  if (result.skipped) console.log(`typeshed tables are up to date (${relative(process.cwd(), OUTPUT)})`);
  else console.log(`typeshed tables: ${result.modules} stub modules in ${result.seconds.toFixed(1)} s, ${(result.bytes / 1e6).toFixed(1)} MB → ${relative(process.cwd(), OUTPUT)}`);
}
