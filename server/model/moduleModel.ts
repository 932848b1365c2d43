// The semantic model of one Python module, shared by every rule: scopes and bindings, imports with aliases,
// functions and classes, and resolution of names, attributes and calls to canonical dotted names.
import type { Node, Tree } from 'web-tree-sitter';
import type { CallRef, ClassSummary, FunctionSummary, ModuleSummary, SymbolSummary } from './summary';
import { lineStartsOf } from '../sourceText';
import { partitionPoint } from '../sorted';
import type { WorkspaceIndex } from './workspaceIndex';
import { KNOWN_RETURN_TYPES } from './knownTypes';

export type ScopeKind = 'module' | 'function' | 'class' | 'lambda';

export type Binding =
  | { kind: 'import'; target: string; node: Node }
  | { kind: 'function'; fn: FunctionInfo; node: Node }
  | { kind: 'class'; cls: ClassInfo; node: Node }
  /** `target = value`, `target: annotation = value`, augmented assignments and walrus. */
  | { kind: 'assignment'; node: Node; value?: Node; annotation?: Node }
  | { kind: 'parameter'; node: Node; annotation?: Node; index: number; fn?: FunctionInfo }
  /** `with value as name` / `async with value as name`. */
  | { kind: 'with'; node: Node; value: Node }
  /** Loop variables (`iterable`: what a single-name `for` target iterates over), exception names, deletes. */
  | { kind: 'other'; node: Node; iterable?: Node };

export interface Scope {
  kind: ScopeKind;
  node: Node;
  /** `node.endIndex`, kept so finding the scope at a position asks the parser nothing. */
  end: number;
  parent?: Scope;
  bindings: Map<string, Binding[]>;
  /** Names declared `global` (or `nonlocal`) here: looked up outside this scope. */
  declaredOutside: Set<string>;
  /** The function this scope belongs to, for function scopes. */
  fn?: FunctionInfo;
  cls?: ClassInfo;
}

export interface FunctionInfo {
  name: string;
  /** Python's `__qualname__`: `Outer.method`, `outer.<locals>.inner`. */
  qualname: string;
  canonical: string;
  /** The `function_definition` node. */
  node: Node;
  /** The `decorated_definition` around it, if any: the statement that a fix or a noqa applies to. */
  statement: Node;
  isAsync: boolean;
  isGenerator: boolean;
  decorators: string[];
  decoratorNodes: Node[];
  /** The class this function is a method of (directly in its body). */
  cls?: ClassInfo;
  /** The function this one is nested in. */
  parent?: FunctionInfo;
  scope: Scope;
  params: { name: string; node: Node; annotation?: Node }[];
  returnAnnotation?: Node;
  calls: CallSite[];
}

export interface ClassInfo {
  name: string;
  qualname: string;
  canonical: string;
  node: Node;
  bases: Node[];
  decorators: string[];
  methods: Map<string, FunctionInfo>;
  scope: Scope;
}

export interface CallSite {
  node: Node;
  /** Innermost enclosing `def` (undefined at module level or directly in a class body). */
  fn?: FunctionInfo;
  /** Inside a lambda that is itself inside `fn` (or at module level). */
  inLambda: boolean;
  awaited: boolean;
  /** Inside the argument list of another call. */
  nestedInCall: boolean;
}

/** Node types the single walk collects, so rules can look them up without walking the tree again. */
const COLLECTED = new Set([
  'call', 'await', 'function_definition', 'class_definition', 'lambda', 'with_statement', 'for_statement',
  'while_statement', 'try_statement', 'except_clause', 'except_group_clause', 'if_statement', 'expression_statement', 'return_statement',
  'assignment', 'augmented_assignment', 'named_expression', 'import_statement', 'import_from_statement',
  'future_import_statement', 'global_statement', 'nonlocal_statement', 'conditional_expression', 'boolean_operator',
  'not_operator', 'assert_statement', 'yield', 'comment', 'raise_statement', 'delete_statement', 'list_comprehension',
  'set_comprehension', 'dictionary_comprehension', 'generator_expression', 'decorated_definition', 'argument_list',
]);

/** Nodes whose extent tells a call where it stands (awaited, inside another call's arguments, inside a lambda). */
const CONTEXT_TYPES = new Set(['await', 'argument_list', 'lambda', 'function_definition', 'call']);

const COLLECTED_TYPES = [...COLLECTED];

/** Where a call in `scope` runs: the innermost `def` (none when a class body is nearer), and whether a lambda is in between. */
function callerIn(scope: Scope): { fn?: FunctionInfo; inLambda: boolean } {
  let inLambda = false;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.kind === 'lambda') inLambda = true;
    if (s.kind === 'class') break;
    if (s.kind === 'function') return { fn: s.fn, inLambda };
  }
  return { inLambda };
}

/** Collected expressions that open with a keyword token of the same name. */
const KEYWORD_EXPRESSIONS = new Set(['await', 'lambda', 'yield']);

/** Top-level statements whose contents the model walks only when asked (see `Unit`). */
const LAZY_DEFINITIONS = new Set(['function_definition', 'class_definition']);

/**
 * What a def or class body can bind outside itself: a walrus in a decorator, default or base binds in the enclosing
 * scope, and `from m import *` anywhere adds to the module's star imports. A top-level statement whose text has one
 * is walked at once.
 */
const REACHES_OUTSIDE = /:=|\bimport[\s\\]*\*/g;

/**
 * A top-level def or class (with its decorators), or a run of the other top-level statements, and what the walk
 * collected in it. A def or class is walked only when something asks: a position inside it, its function or class, a
 * list of the whole module; its module-level name is bound from the start. The other statements are walked at once.
 * So after an edit inside one def, the server's re-check of that statement walks it and the few statements it reads,
 * not the whole file (server/incrementalLint.ts).
 */
interface Unit {
  /** The top-level statements (children of the root) it is made of. */
  readonly nodes: readonly Node[];
  readonly start: number;
  readonly end: number;
  /** Position among the units: which of two definitions of a name counts does not depend on which was walked first. */
  readonly order: number;
  /** A lazy def or class: the `function_definition` or `class_definition` node, and what it defines once walked. */
  readonly definitionNode?: Node;
  definition?: FunctionInfo | ClassInfo;
  walked: boolean;
  readonly calls: CallSite[];
  readonly functions: FunctionInfo[];
  readonly classes: ClassInfo[];
  readonly byType: Map<string, Node[]>;
  /** Scopes in source order of their nodes, for finding the innermost scope at a position by binary search. */
  readonly scopes: Scope[];
  /** See `ModuleModel.returnValuesOf`. */
  returnedValues?: Map<FunctionInfo, Node[]>;
  /** Offsets where more than one call of the unit starts (`f(x).g(y)`: the outer call starts at `f` too). */
  sharedCallStarts?: Set<number>;
}

/** The whole module's lists, made once every unit is walked. */
interface WholeModule {
  calls: CallSite[];
  functions: FunctionInfo[];
  classes: ClassInfo[];
  byType: Map<string, Node[]>;
}

export class ModuleModel {
  readonly root: Node;
  readonly moduleScope: Scope;
  readonly starImports: string[] = [];
  /** In source order: the whole module as one, or (lazy) per top-level def or class and the runs between them. */
  private readonly units: Unit[] = [];
  /** Lazy units by the name they bind at module level. */
  private readonly lazyUnitsByName = new Map<string, Unit[]>();
  /** State shared with focused views (`focusedOn`), which are objects of their own. */
  private readonly shared: { whole?: WholeModule; finished: boolean; resolvingDecorators: boolean; lazyUnitsLeft: number } = {
    finished: false,
    resolvingDecorators: false,
    lazyUnitsLeft: 0,
  };
  private readonly comments = new Map<number, Node>();
  private readonly functionByNode = new Map<number, FunctionInfo>();
  private readonly resolveCache = new Map<number, string | undefined>();
  private readonly callCache = new Map<number, string | undefined>();
  private readonly parentCache = new Map<number, Node | null>();
  /** For each call, an ancestor close to it (see `parentOf`). */
  private readonly nearAncestors = new Map<number, Node>();
  private readonly typeCache = new Map<number, string | undefined>();

  constructor(
    readonly tree: Tree,
    readonly source: string,
    /** Dotted module name, e.g. `pkg.util` (see `moduleNameForPath`). */
    readonly moduleName: string,
    /** Absolute file path (or a URI for unsaved documents). */
    readonly path: string,
    /** The module is a package's `__init__`: relative imports start from the module itself. */
    readonly isPackageInit: boolean,
    readonly index: WorkspaceIndex,
    /**
     * Walk a top-level def or class only when something asks for it (see `Unit`): for the language server, which
     * after an edit re-checks one statement. Otherwise the whole module is walked at once, which is cheaper when
     * everything will be read anyway (the index, the CLI).
     */
    lazy = false,
  ) {
    this.root = tree.rootNode;
    this.moduleScope = this.newScope('module', this.root);
    if (lazy) this.splitIntoUnits();
    else this.walkUnit(this.addUnit([this.root], 0, Infinity));
  }

  /** The stretch of source a view made by `focusedOn` lists; undefined for the model itself. */
  get focus(): { start: number; end: number } | undefined {
    return undefined;
  }

  /** Every function of the module (nested ones too), in source order. */
  get functions(): readonly FunctionInfo[] {
    return this.wholeModule().functions;
  }

  /** Every class of the module (nested ones too), in source order. */
  get classes(): readonly ClassInfo[] {
    return this.wholeModule().classes;
  }

  /** Every call of the module, in source order. */
  get calls(): readonly CallSite[] {
    return this.wholeModule().calls;
  }

  /** The comment on a zero-based line, if there is one. */
  commentOnLine(line: number): Node | undefined {
    const starts = (this.lineStarts ??= lineStartsOf(this.source));
    if (line < 0 || line >= starts.length) return undefined;
    this.walkUnitsOverlapping(starts[line], line + 1 < starts.length ? starts[line + 1] : this.source.length + 1);
    return this.comments.get(line);
  }

  /** The classes (nested ones too) whose definitions start in [start, end). */
  classesIn(start: number, end: number): ClassInfo[] {
    return this.walkUnitsOverlapping(start, end).flatMap((unit) => unit.classes.filter((c) => c.node.startIndex >= start && c.node.startIndex < end));
  }

  /** Whether another call starts where `call` does (`f(x).g(y)`: the outer call starts at `f` too). */
  sharesStartWithAnotherCall(call: Node): boolean {
    const unit = this.unitAt(call.startIndex);
    if (!unit) return false;
    if (!unit.sharedCallStarts) {
      const starts = new Set<number>();
      unit.sharedCallStarts = new Set();
      for (const site of unit.calls) {
        const start = site.node.startIndex;
        if (starts.has(start)) unit.sharedCallStarts.add(start);
        else starts.add(start);
      }
    }
    return unit.sharedCallStarts.has(call.startIndex);
  }

  /** Zero-based line and UTF-16 column of a source offset. */
  positionAt(index: number): { line: number; character: number } {
    const starts = (this.lineStarts ??= lineStartsOf(this.source));
    const line = Math.max(0, partitionPoint(starts, (start) => start <= index) - 1);
    return { line, character: index - starts[line] };
  }

  private lineStarts?: number[];

  /** Every collected node of the given type, in source order. */
  nodesOfType(type: string): readonly Node[] {
    const whole = this.wholeModule();
    let list = whole.byType.get(type);
    if (!list) whole.byType.set(type, (list = concatenated(this.units, (unit) => unit.byType.get(type))));
    return list;
  }

  /**
   * The same model seen through one stretch of the source, [start, end): `calls` and `nodesOfType` list only what
   * starts inside it; scopes, resolution and caches stay the whole module's. Statement-local rules run on such a view
   * to re-check one changed top-level statement (server/incrementalLint.ts).
   */
  focusedOn(start: number, end: number): ModuleModel {
    const focused = Object.create(this) as ModuleModel;
    Object.defineProperty(focused, 'focus', { value: { start, end } });
    const units = this.walkUnitsOverlapping(start, end);
    const lists = new Map<string, readonly Node[]>();
    const calls = units.flatMap((unit) => unit.calls);
    Object.defineProperty(focused, 'calls', { value: sliceByStart(calls, (site) => site.node.startIndex, start, end) });
    focused.nodesOfType = (type: string) => {
      let list = lists.get(type);
      if (!list) lists.set(type, (list = sliceByStart(units.flatMap((unit) => unit.byType.get(type) ?? []), (node) => node.startIndex, start, end)));
      return list;
    };
    return focused;
  }

  /** The innermost `def` that contains `node` (lambdas and classes in between do not count). */
  enclosingFunction(node: Node): FunctionInfo | undefined {
    for (let s: Scope | undefined = this.scopeAt(node); s; s = s.parent) if (s.kind === 'function') return s.fn;
    return undefined;
  }

  /** The function a call at `node` runs in, as its `CallSite.fn` says (the innermost `def`, unless a class body is nearer). */
  callerFunction(node: Node): FunctionInfo | undefined {
    return callerIn(this.scopeAt(node)).fn;
  }

  /** The function defined by a `function_definition` node. */
  functionOf(def: Node): FunctionInfo | undefined {
    this.unitAt(def.startIndex);
    return this.functionByNode.get(def.id);
  }

  /** Code inside `node` runs as part of a coroutine: its innermost `def` is `async def` and no lambda or class is in between. */
  inCoroutineBody(node: Node): FunctionInfo | undefined {
    const scope = this.scopeAt(node);
    return scope.kind === 'function' && scope.fn?.isAsync ? scope.fn : undefined;
  }

  /** The innermost scope that `node` is inside of (a def's own scope for nodes in it, not for the def itself). */
  scopeAt(node: Node): Scope {
    const position = node.startIndex;
    const scopes = this.unitAt(position)?.scopes;
    if (!scopes) return this.moduleScope;
    const candidate = partitionPoint(scopes, (scope) => scope.node.startIndex <= position) - 1;
    for (let s: Scope | undefined = candidate >= 0 ? scopes[candidate] : undefined; s && s.kind !== 'module'; s = s.parent) {
      const inside = s.node.startIndex <= position && position < s.end && s.node.id !== node.id;
      if (inside) return s;
    }
    return this.moduleScope;
  }

  /** The binding of `name` visible at `node`, following Python's LEGB rule (class scopes are skipped from within methods). */
  lookup(name: string, at: Node): Binding | undefined {
    let scope: Scope | undefined = this.scopeAt(at);
    let first = true;
    while (scope) {
      if (scope.declaredOutside.has(name)) {
        scope = this.moduleScope;
        first = false;
        continue;
      }
      if (scope.kind !== 'class' || first) {
        const bindings = scope.bindings.get(name);
        if (bindings?.length) return latestBefore(bindings, at);
      }
      first = false;
      scope = scope.parent;
    }
    return undefined;
  }

  /**
   * The canonical dotted name an expression refers to when it names a module, class or function:
   * `aio.sleep` → `asyncio.sleep`, `nap` → `time.sleep`, `self.fetch` → `pkg.Client.fetch`,
   * `requests.Session().get` → `requests.Session.get`. Undefined for values the model cannot name.
   */
  resolve(node: Node): string | undefined {
    if (this.resolveCache.has(node.id)) return this.resolveCache.get(node.id);
    this.resolveCache.set(node.id, undefined); // cycles (x = x.y) end as unresolved
    const result = this.resolveUncached(node);
    this.resolveCache.set(node.id, result);
    return result;
  }

  /** The canonical name of the function or class a call invokes. */
  resolveCall(call: Node): string | undefined {
    // Cached by call, not only by callee: every rule asks, and fetching the callee node is a call into the parser.
    if (this.callCache.has(call.id)) return this.callCache.get(call.id);
    const fn = call.childForFieldName('function');
    const result = fn ? this.resolve(fn) : undefined;
    this.callCache.set(call.id, result);
    return result;
  }

  /**
   * `node.parent`, found by descending from a near ancestor the walk recorded (for calls) or the innermost scope:
   * web-tree-sitter finds a parent by descending from the root, at a cost that grows with the size of the file.
   */
  parentOf(node: Node): Node | null {
    const cached = this.parentCache.get(node.id);
    if (cached !== undefined) return cached;
    this.unitAt(node.startIndex); // walked, so that its calls' near ancestors are known
    let parent: Node | null = null;
    let ancestor: Node | null = this.nearAncestors.get(node.id) ?? this.scopeAt(node).node;
    while (ancestor && ancestor.id !== node.id) {
      const child: Node | null = ancestor.childWithDescendant(node);
      if (child?.id === node.id) {
        parent = ancestor;
        break;
      }
      ancestor = child;
    }
    // The root has none; a node the descent missed (zero-width recovery nodes) asks the tree.
    parent ??= node.id === this.root.id ? null : node.parent;
    this.parentCache.set(node.id, parent);
    return parent;
  }

  /** The canonical class of the value of an expression, when it can be told without a type checker. */
  typeOf(node: Node): string | undefined {
    if (this.typeCache.has(node.id)) return this.typeCache.get(node.id);
    this.typeCache.set(node.id, undefined);
    const result = this.typeOfUncached(node);
    this.typeCache.set(node.id, result);
    return result;
  }

  /** The function summary for a canonical name: a function of this file (nested ones too) or of the workspace. */
  lookupFunction(canonical: string): FunctionSummary | FunctionInfo | undefined {
    return this.localFunction(canonical) ?? this.index.lookupFunction(canonical);
  }

  /** Canonical class named by a type annotation: `Client`, `Optional[Client]`, `Client | None`, `"Client"`. */
  resolveAnnotation(annotation: Node): string | undefined {
    // Cached: a parameter's annotation is asked again for every use of the parameter.
    if (this.annotationCache.has(annotation.id)) return this.annotationCache.get(annotation.id);
    const result = this.resolveAnnotationUncached(annotation);
    this.annotationCache.set(annotation.id, result);
    return result;
  }

  private readonly annotationCache = new Map<number, string | undefined>();

  private resolveAnnotationUncached(annotation: Node): string | undefined {
    let node: Node | null = annotation.type === 'type' ? annotation.namedChild(0) : annotation;
    if (!node) return undefined;
    if (node.type === 'string') {
      // `"Client"`, `"Optional[Client]"`, `"Client | None"`, `"Command[Any]"`: the class named, by text.
      let text = node.text.replace(/^[rbuRBU]*['"]+|['"]+$/g, '').replace(/^None\s*\|\s*|\s*\|\s*None$/g, '');
      text = /^(?:typing\.)?Optional\[(.*)\]$/.exec(text)?.[1] ?? text;
      text = text.replace(/\[.*\]$/s, '');
      return /^[A-Za-z_][\w.]*$/.test(text) ? this.resolveDottedText(text, annotation) : undefined;
    }
    if (node.type === 'binary_operator' || node.type === 'union_type') {
      const sides = unionMembers(node).filter((s) => s.text !== 'None');
      return sides.length === 1 ? this.resolveAnnotation(sides[0]) : undefined;
    }
    const generic = genericParts(node);
    if (generic) {
      const headName = this.resolve(generic.head) ?? generic.head.text;
      const wrapper = /(?:^|\.)(Optional|Union|Annotated|ClassVar|Final|Type|type)$/.exec(headName)?.[1];
      if (!wrapper) return this.resolve(generic.head); // `Command[Any]` is a `Command`
      const args = wrapper === 'Union' ? generic.args.filter((a) => a.text !== 'None') : generic.args.slice(0, 1);
      return args.length === 1 ? this.resolveAnnotation(args[0]) : undefined;
    }
    return this.resolve(node);
  }

  /**
   * Item classes of an annotated container: what iterating it yields (`element`) and what indexing or `.get()` gives
   * (`value`). `list[Trace]` → both `Trace`; `dict[Key, Conn]` → element `Key`, value `Conn`.
   */
  annotationContainerTypes(annotation: Node): ContainerTypes | undefined {
    const node = annotation.type === 'type' ? annotation.namedChild(0) : annotation;
    if (!node) return undefined;
    if (node.type === 'binary_operator' || node.type === 'union_type') {
      const sides = unionMembers(node).filter((s) => s.text !== 'None');
      return sides.length === 1 ? this.annotationContainerTypes(sides[0]) : undefined;
    }
    if (node.type === 'string') {
      // `"list[Trace]"`, `"Sequence[Trace] | None"`, `"Dict[str, Conn]"`: container and items named by text.
      const text = node.text.replace(/^[rbuRBU]*['"]+|['"]+$/g, '').replace(/^None\s*\|\s*|\s*\|\s*None$/g, '');
      const match = /^(?:typing\.|collections\.abc\.)?(\w+)\[\s*([A-Za-z_][\w.]*)\s*(?:,\s*([A-Za-z_][\w.]*|\.\.\.)\s*)?\]$/.exec(text);
      if (!match) return undefined;
      const resolveText = (t: string | undefined) => (t && t !== '...' ? this.resolveDottedText(t, annotation) : undefined);
      return containerTypes(match[1], resolveText(match[2]), match[3] === '...' ? '...' : resolveText(match[3]));
    }
    const generic = genericParts(node);
    if (!generic) return undefined;
    const headName = this.resolve(generic.head) ?? generic.head.text;
    if (/(?:^|\.)Optional$/.test(headName)) return generic.args[0] ? this.annotationContainerTypes(generic.args[0]) : undefined;
    const [first, second] = generic.args;
    return containerTypes(
      headName.slice(headName.lastIndexOf('.') + 1),
      first ? this.resolveAnnotation(first) : undefined,
      second?.text === '...' ? '...' : second ? this.resolveAnnotation(second) : undefined,
    );
  }

  /** The class of the items an iterable expression yields, when the model can tell (annotations, literals, comprehensions). */
  elementTypeOf(iterable: Node): string | undefined {
    return this.containerTypesOf(iterable)?.element;
  }

  /** Item classes of a container expression: annotated names and attributes, literals, comprehensions. */
  containerTypesOf(container: Node): ContainerTypes | undefined {
    if (this.containerTypeCache.has(container.id)) return this.containerTypeCache.get(container.id);
    this.containerTypeCache.set(container.id, undefined); // cycles (`a = b; b = a`) end as unknown
    const result = this.containerTypesOfUncached(container);
    this.containerTypeCache.set(container.id, result);
    return result;
  }

  private readonly containerTypeCache = new Map<number, ContainerTypes | undefined>();

  private containerTypesOfUncached(container: Node): ContainerTypes | undefined {
    switch (container.type) {
      case 'identifier': {
        const binding = this.lookup(container.text, container);
        if (binding?.kind === 'parameter' && binding.annotation) return this.annotationContainerTypes(binding.annotation);
        if (binding?.kind !== 'assignment') return undefined;
        if (binding.annotation) return this.annotationContainerTypes(binding.annotation);
        return binding.value && binding.node.type === 'assignment' ? this.containerTypesOf(binding.value) : undefined;
      }
      case 'list':
      case 'set':
      case 'tuple': {
        const types = new Set(container.namedChildren.map((c) => (c ? this.typeOf(c) : undefined)));
        const only = types.size === 1 ? [...types][0] : undefined;
        return only ? { element: only, value: only } : undefined;
      }
      case 'list_comprehension':
      case 'set_comprehension':
      case 'generator_expression': {
        const body = container.childForFieldName('body');
        const type = body ? this.typeOf(body) : undefined;
        return type ? { element: type, value: type } : undefined;
      }
      case 'attribute': {
        // `self._traces` declared `list[Trace]` in the class, or assigned an annotated parameter.
        const object = container.childForFieldName('object');
        const attribute = container.childForFieldName('attribute')?.text;
        const ownerType = object && attribute ? this.typeOf(object) : undefined;
        if (!ownerType || !attribute) return undefined;
        const local = this.localClass(ownerType);
        return local ? this.classAttributeContainerTypes(local).get(attribute) : this.index.attributeContainerTypes(ownerType, attribute);
      }
      case 'call': {
        // `list(self._sites)`, `sorted(tasks)`: the same items.
        const callee = this.resolveCall(container);
        const first = container.childForFieldName('arguments')?.namedChild(0);
        return callee && ITEM_PRESERVING_CALLS.has(callee) && first && first.type !== 'keyword_argument' ? this.containerTypesOf(first) : undefined;
      }
      case 'parenthesized_expression': {
        const inner = container.namedChild(0);
        return inner ? this.containerTypesOf(inner) : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * The module's summary for the workspace index. `kept`: summaries of functions and classes the caller knows to be
   * what this model would compute (server/incrementalLint.ts keeps those of unchanged statements), used as they are.
   */
  summary(kept?: ReadonlyMap<string, SymbolSummary>): ModuleSummary {
    const symbols = new Map<string, SymbolSummary>();
    for (const [name, bindings] of this.moduleScope.bindings) {
      const last = bindings[bindings.length - 1];
      const known = kept?.get(name);
      if (known) {
        symbols.set(name, known);
        continue;
      }
      switch (last.kind) {
        case 'function':
          symbols.set(name, this.functionSummary(last.fn));
          break;
        case 'class':
          symbols.set(name, this.classSummary(last.cls));
          break;
        case 'import':
          symbols.set(name, { kind: 'alias', target: last.target });
          break;
        default: {
          const value = last.kind === 'assignment' ? last.value : undefined;
          const annotation = last.kind === 'assignment' ? last.annotation : undefined;
          const type = annotation ? this.resolveAnnotation(annotation) : value ? this.typeOf(value) : undefined;
          symbols.set(name, { kind: 'variable', type });
        }
      }
    }
    return { module: this.moduleName, path: this.path, symbols, starImports: this.starImports };
  }

  // ---- construction ----------------------------------------------------------------------------------------

  /** By canonical name: the function of the unit last in source order that defines it (a later `def` replaces). */
  private readonly localFunctions = new Map<string, { order: number; fn: FunctionInfo }>();

  private newScope(kind: ScopeKind, node: Node, parent?: Scope): Scope {
    return { kind, node, end: Infinity, parent, bindings: new Map(), declaredOutside: new Set() };
  }

  private bind(scope: Scope, name: string, binding: Binding): void {
    const list = scope.bindings.get(name);
    if (list) list.push(binding);
    else scope.bindings.set(name, [binding]);
  }

  /** Binds a def or class, unless it is a lazy unit's own, whose module-level binding exists already. */
  private define(unit: Unit, node: Node, scope: Scope, name: string, binding: Binding & { kind: 'function' | 'class' }): void {
    if (unit.definitionNode?.id === node.id) unit.definition = binding.kind === 'function' ? binding.fn : binding.cls;
    else this.bind(scope, name, binding);
  }

  /**
   * Units in source order: each top-level def or class is one, which binds its name now and is walked when first
   * needed (its binding hands out the function or class by walking it); the statements between them are walked at
   * once, a run of them as one unit.
   */
  private splitIntoUnits(): void {
    const reachesOutside: number[] = [];
    for (const match of this.source.matchAll(REACHES_OUTSIDE)) reachesOutside.push(match.index!);
    let run: Node[] = [];
    const endRun = () => {
      if (run.length) this.walkUnit(this.addUnit(run, run[0].startIndex, run[run.length - 1].endIndex));
      run = [];
    };
    for (const node of this.root.children) {
      if (!node) continue;
      const start = node.startIndex;
      const end = node.endIndex;
      const definitionNode = node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
      const lazy = !!definitionNode && LAZY_DEFINITIONS.has(definitionNode.type) &&
        partitionPoint(reachesOutside, (at) => at < start) === partitionPoint(reachesOutside, (at) => at < end);
      if (!lazy) {
        run.push(node);
        continue;
      }
      endRun();
      const unit = this.addUnit([node], start, end, definitionNode!);
      this.shared.lazyUnitsLeft++;
      const name = definitionNode!.childForFieldName('name')?.text ?? '<anonymous>';
      const units = this.lazyUnitsByName.get(name);
      if (units) units.push(unit);
      else this.lazyUnitsByName.set(name, [unit]);
      const definitionOf = () => {
        this.walkUnit(unit);
        return unit.definition!;
      };
      const binding: Binding = definitionNode!.type === 'function_definition'
        ? { kind: 'function', node: definitionNode!, get fn() { return definitionOf() as FunctionInfo; } }
        : { kind: 'class', node: definitionNode!, get cls() { return definitionOf() as ClassInfo; } };
      this.bind(this.moduleScope, name, binding);
    }
    endRun();
  }

  private addUnit(nodes: Node[], start: number, end: number, definitionNode?: Node): Unit {
    const unit: Unit = {
      nodes, start, end, order: this.units.length, definitionNode, walked: false, definition: undefined,
      calls: [], functions: [], classes: [], byType: new Map(), scopes: [], returnedValues: undefined, sharedCallStarts: undefined,
    };
    this.units.push(unit);
    return unit;
  }

  /** The unit containing an offset (walked), if any. */
  private unitAt(position: number): Unit | undefined {
    // The last unit starting at or before the position (asked for every lookup: no closure for partitionPoint).
    const units = this.units;
    let low = 0;
    let high = units.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (units[mid].start <= position) low = mid + 1;
      else high = mid;
    }
    const unit = units[low - 1];
    if (!unit || position >= unit.end) return undefined;
    this.walkUnit(unit);
    return unit;
  }

  /** The units overlapping [start, end), walked. */
  private walkUnitsOverlapping(start: number, end: number): Unit[] {
    const units: Unit[] = [];
    for (let i = Math.max(0, partitionPoint(this.units, (u) => u.start <= start) - 1); i < this.units.length && this.units[i].start < end; i++) {
      const unit = this.units[i];
      if (unit.end <= start) continue;
      this.walkUnit(unit);
      units.push(unit);
    }
    return units;
  }

  /** Walks every unit; the whole module's lists. */
  private wholeModule(): WholeModule {
    if (this.shared.whole) return this.shared.whole;
    if (this.units.length === 1) {
      const [unit] = this.units;
      this.walkUnit(unit);
      return (this.shared.whole = unit);
    }
    for (const unit of this.units) this.walkUnit(unit);
    this.shared.whole ??= {
      calls: concatenated(this.units, (unit) => unit.calls),
      functions: concatenated(this.units, (unit) => unit.functions),
      classes: concatenated(this.units, (unit) => unit.classes),
      byType: new Map(),
    };
    return this.shared.whole;
  }

  /** Walks the units that may define a function or class of that canonical name: those binding its first name. */
  private walkUnitsDefining(canonical: string): void {
    if (this.shared.lazyUnitsLeft === 0) return;
    const prefix = `${this.moduleName}.`;
    if (!canonical.startsWith(prefix)) return;
    const dot = canonical.indexOf('.', prefix.length);
    const name = canonical.slice(prefix.length, dot === -1 ? undefined : dot);
    for (const unit of this.lazyUnitsByName.get(name) ?? []) this.walkUnit(unit);
  }

  /** The function of this file with that canonical name (nested ones too; the last, when a name is defined twice). */
  private localFunction(canonical: string): FunctionInfo | undefined {
    this.walkUnitsDefining(canonical);
    return this.localFunctions.get(canonical)?.fn;
  }

  /**
   * Collects the interesting nodes of a unit in one call into the parser (pre-order, so parents come before
   * children) and keeps the scope stack from their ranges: far cheaper than stepping a cursor, or `node.parent`, from
   * JavaScript.
   */
  private walkUnit(unit: Unit): void {
    if (unit.walked) return;
    unit.walked = true;
    if (unit.definitionNode) this.shared.lazyUnitsLeft--;
    const open: { scope: Scope; end: number }[] = [{ scope: this.moduleScope, end: Infinity }];
    const context: { type: string; end: number; node: Node }[] = [];
    let previous: Node | undefined;
    let previousType: string | undefined;
    for (const node of unit.nodes.length === 1 ? unit.nodes[0].descendantsOfType(COLLECTED_TYPES) : unit.nodes.flatMap((n) => n.descendantsOfType(COLLECTED_TYPES))) {
      if (!node) continue;
      const start = node.startIndex;
      // Each property read is a call into the parser: read type and end once.
      const type = node.type;
      // descendantsOfType matches by name, so the `await`, `lambda` and `yield` keywords come right after the
      // expressions named like them, at the same offset: they are tokens, not expressions.
      if (type === previousType && start === previous?.startIndex && KEYWORD_EXPRESSIONS.has(type)) continue;
      previousType = type;
      while (open.length > 1 && start >= open[open.length - 1].end) open.pop();
      while (context.length && start >= context[context.length - 1].end) context.pop();
      let end: number | undefined;
      if (CONTEXT_TYPES.has(type)) {
        end = node.endIndex;
        context.push({ type, end, node });
        if (type === 'argument_list') {
          previous = node;
          continue;
        }
      }
      const list = unit.byType.get(type);
      if (list) list.push(node);
      else unit.byType.set(type, [node]);
      const scope = open[open.length - 1].scope;
      if (type === 'call') {
        this.visitCall(node, scope, context, unit);
        this.noteNearAncestor(node, scope, context, previous);
      }
      const entered = this.visit(node, scope, type, unit);
      if (entered) {
        entered.end = end ?? node.endIndex;
        open.push({ scope: entered, end: entered.end });
        unit.scopes.push(entered);
      }
      previous = node;
    }
    // Decorators resolve against module-level bindings, complete once the model is built (see `finish`).
    if (this.shared.finished) this.ensureDecorators();
  }

  /**
   * The deepest ancestor of a call the walk knows without asking the parser: the enclosing context node or scope,
   * or the node just before it in pre-order when that starts where the call does (`f()` in its expression statement).
   */
  private noteNearAncestor(call: Node, scope: Scope, context: readonly { node: Node }[], previous: Node | undefined): void {
    let near = scope.node;
    const below = context[context.length - 2]?.node;
    if (below && below.startIndex > near.startIndex) near = below;
    if (previous && previous.startIndex === call.startIndex && previous.startIndex > near.startIndex) near = previous;
    this.nearAncestors.set(call.id, near);
  }

  /** Handles one collected node; returns the scope it opens, if any. */
  private visit(node: Node, scope: Scope, type: string, unit: Unit): Scope | undefined {
    switch (type) {
      case 'decorated_definition':
        this.lastDecorated = node;
        return undefined;
      case 'function_definition':
        return this.visitFunction(node, scope, unit);
      case 'class_definition':
        return this.visitClass(node, scope, unit);
      case 'lambda': {
        const lambdaScope = this.newScope('lambda', node, scope);
        const params = node.childForFieldName('parameters');
        if (params) for (const p of params.namedChildren) if (p) this.bindParameter(lambdaScope, p, 0);
        return lambdaScope;
      }
      case 'import_statement':
        this.visitImport(node, scope);
        return undefined;
      case 'import_from_statement':
        this.visitImportFrom(node, scope);
        return undefined;
      case 'assignment':
      case 'augmented_assignment': {
        const left = node.childForFieldName('left');
        if (!left) return undefined;
        const value = node.childForFieldName('right') ?? undefined;
        const annotation = node.childForFieldName('type') ?? undefined;
        if (left.type === 'identifier') this.bind(scope, left.text, { kind: 'assignment', node, value, annotation });
        else this.bindTargets(scope, left);
        if (left.type === 'attribute' && scope.fn?.cls) this.noteSelfAttribute(left, value, annotation, scope.fn);
        return undefined;
      }
      case 'named_expression': {
        const name = node.childForFieldName('name');
        const value = node.childForFieldName('value') ?? undefined;
        // Walrus targets bind in the enclosing function even inside comprehensions.
        if (name) this.bind(scope, name.text, { kind: 'assignment', node, value });
        return undefined;
      }
      case 'with_statement':
        this.visitWith(node, scope);
        return undefined;
      case 'for_statement': {
        const left = node.childForFieldName('left');
        const iterable = node.childForFieldName('right') ?? undefined;
        if (left?.type === 'identifier') this.bind(scope, left.text, { kind: 'other', node: left, iterable });
        else if (left) this.bindTargets(scope, left);
        return undefined;
      }
      case 'except_clause':
      case 'except_group_clause': {
        const alias = node.namedChildren.find((c) => c?.type === 'as_pattern');
        const target = alias?.childForFieldName('alias');
        if (target) this.bindTargets(scope, target);
        return undefined;
      }
      case 'global_statement':
      case 'nonlocal_statement':
        for (const c of node.namedChildren) if (c?.type === 'identifier') scope.declaredOutside.add(c.text);
        return undefined;
      case 'comment':
        this.comments.set(node.startPosition.row, node);
        return undefined;
      case 'yield':
        if (scope.fn && scope.kind === 'function') scope.fn.isGenerator = true;
        return undefined;
      default:
        return undefined;
    }
  }

  /** The last `decorated_definition` seen, if `definition` is the definition it decorates (it ends where it does). */
  private lastDecorated: Node | undefined;

  private decoratedEndingAt(definition: Node): Node | undefined {
    const d = this.lastDecorated;
    // The last method of a decorated class ends where the class does: only the decorated definition itself counts.
    return d && d.endIndex === definition.endIndex && d.childForFieldName('definition')?.id === definition.id ? d : undefined;
  }

  private visitFunction(node: Node, scope: Scope, unit: Unit): Scope {
    const name = node.childForFieldName('name')?.text ?? '<anonymous>';
    const parentFn = scope.kind === 'function' ? scope.fn : undefined;
    const cls = scope.kind === 'class' ? scope.cls : undefined;
    const qualname = parentFn ? `${parentFn.qualname}.<locals>.${name}` : cls ? `${cls.qualname}.${name}` : name;
    const decorated = this.decoratedEndingAt(node);
    const decoratorNodes = decorated ? decorated.namedChildren.filter((c): c is Node => c?.type === 'decorator') : [];
    const fnScope = this.newScope('function', node, scope);
    const fn: FunctionInfo = {
      name,
      qualname,
      canonical: `${this.moduleName}.${qualname}`,
      node,
      statement: decorated ?? node,
      // `async def` starts with its keyword: no need to fetch every child from the parser.
      isAsync: this.source.startsWith('async', node.startIndex),
      isGenerator: false,
      decorators: [],
      decoratorNodes,
      cls,
      parent: parentFn,
      scope: fnScope,
      params: [],
      returnAnnotation: node.childForFieldName('return_type') ?? undefined,
      calls: [],
    };
    fnScope.fn = fn;
    // Decorators are evaluated in the enclosing scope; resolve them after the whole module is bound.
    this.pendingDecorators.push(fn);
    unit.functions.push(fn);
    this.functionByNode.set(node.id, fn);
    const known = this.localFunctions.get(fn.canonical);
    if (!known || known.order <= unit.order) this.localFunctions.set(fn.canonical, { order: unit.order, fn });
    if (cls) cls.methods.set(name, fn);
    this.define(unit, node, scope, name, { kind: 'function', fn, node });
    const params = node.childForFieldName('parameters');
    let index = 0;
    if (params) {
      for (const p of params.namedChildren) {
        if (!p) continue;
        const bound = this.bindParameter(fnScope, p, index);
        if (bound) {
          fn.params.push(bound);
          index++;
        }
      }
    }
    return fnScope;
  }

  private readonly pendingDecorators: FunctionInfo[] = [];

  private bindParameter(scope: Scope, p: Node, index: number): { name: string; node: Node; annotation?: Node } | undefined {
    let nameNode: Node | null = null;
    let annotation: Node | undefined;
    switch (p.type) {
      case 'identifier':
        nameNode = p;
        break;
      case 'typed_parameter':
        nameNode = p.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        annotation = p.childForFieldName('type') ?? undefined;
        break;
      case 'default_parameter':
      case 'typed_default_parameter':
        nameNode = p.childForFieldName('name');
        annotation = p.childForFieldName('type') ?? undefined;
        break;
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        nameNode = p.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        break;
      default:
        return undefined;
    }
    if (!nameNode) return undefined;
    this.bind(scope, nameNode.text, { kind: 'parameter', node: p, annotation, index, fn: scope.fn });
    return { name: nameNode.text, node: p, annotation };
  }

  private visitClass(node: Node, scope: Scope, unit: Unit): Scope {
    const name = node.childForFieldName('name')?.text ?? '<anonymous>';
    const parentFn = scope.kind === 'function' ? scope.fn : undefined;
    const outer = scope.kind === 'class' ? scope.cls : undefined;
    const qualname = parentFn ? `${parentFn.qualname}.<locals>.${name}` : outer ? `${outer.qualname}.${name}` : name;
    const clsScope = this.newScope('class', node, scope);
    const args = node.childForFieldName('superclasses');
    const decorated = this.decoratedEndingAt(node);
    const cls: ClassInfo = {
      name,
      qualname,
      canonical: `${this.moduleName}.${qualname}`,
      node,
      bases: args ? args.namedChildren.filter((c): c is Node => !!c && c.type !== 'keyword_argument') : [],
      decorators: decorated ? decorated.namedChildren.filter((c): c is Node => c?.type === 'decorator').map((d) => d.text.slice(1).trim()) : [],
      methods: new Map(),
      scope: clsScope,
    };
    clsScope.cls = cls;
    unit.classes.push(cls);
    const known = this.classByCanonical.get(cls.canonical);
    if (!known || known.order > unit.order) this.classByCanonical.set(cls.canonical, { order: unit.order, cls });
    this.define(unit, node, scope, name, { kind: 'class', cls, node });
    return clsScope;
  }

  private visitImport(node: Node, scope: Scope): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        // `import a.b.c` binds `a`.
        const first = child.text.split('.')[0];
        this.bind(scope, first, { kind: 'import', target: first, node });
      } else if (child.type === 'aliased_import') {
        const target = child.childForFieldName('name')?.text;
        const alias = child.childForFieldName('alias')?.text;
        if (target && alias) this.bind(scope, alias, { kind: 'import', target, node });
      }
    }
  }

  private visitImportFrom(node: Node, scope: Scope): void {
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    const from = this.absoluteModule(moduleNode);
    if (from === undefined) return;
    if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
      this.starImports.push(from);
      return;
    }
    for (const child of node.childrenForFieldName('name')) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        this.bind(scope, child.text, { kind: 'import', target: `${from}.${child.text}`, node });
      } else if (child.type === 'aliased_import') {
        const name = child.childForFieldName('name')?.text;
        const alias = child.childForFieldName('alias')?.text;
        if (name && alias) this.bind(scope, alias, { kind: 'import', target: `${from}.${name}`, node });
      }
    }
  }

  /** `from ..util import x` in module `pkg.sub.mod` imports from `pkg.util`. */
  private absoluteModule(moduleNode: Node): string | undefined {
    if (moduleNode.type !== 'relative_import') return moduleNode.text;
    const prefix = moduleNode.namedChildren.find((c) => c?.type === 'import_prefix')?.text ?? '.';
    const rest = moduleNode.namedChildren.find((c) => c?.type === 'dotted_name')?.text;
    const packageParts = this.moduleName.split('.');
    if (!this.isPackageInit) packageParts.pop();
    const up = prefix.length - 1;
    if (up > packageParts.length) return undefined;
    const base = packageParts.slice(0, packageParts.length - up);
    if (rest) base.push(rest);
    return base.length ? base.join('.') : undefined;
  }

  private visitWith(node: Node, scope: Scope): void {
    const clause = node.namedChildren.find((c) => c?.type === 'with_clause');
    if (!clause) return;
    for (const item of clause.namedChildren) {
      const value = item?.childForFieldName('value');
      if (value?.type !== 'as_pattern') continue;
      const ctx = value.namedChild(0);
      const alias = value.childForFieldName('alias');
      const target = alias?.namedChild(0) ?? alias;
      if (ctx && target?.type === 'identifier') this.bind(scope, target.text, { kind: 'with', node: item!, value: ctx });
      else if (target) this.bindTargets(scope, target);
    }
  }

  /** Binds every identifier in an assignment target (tuples, lists, starred), with unknown type. */
  private bindTargets(scope: Scope, target: Node): void {
    if (target.type === 'identifier') {
      this.bind(scope, target.text, { kind: 'other', node: target });
      return;
    }
    if (target.type === 'attribute' || target.type === 'subscript') return;
    for (const c of target.namedChildren) if (c) this.bindTargets(scope, c);
  }

  /** By class, in source order: each class looks only at its own (a file has hundreds of classes). */
  private readonly selfAttributeHints = new Map<ClassInfo, { attribute: string; value?: Node; annotation?: Node }[]>();

  /** Records `self.x = value` / `self.x: T = value` in a method, for instance attribute types. */
  private noteSelfAttribute(left: Node, value: Node | undefined, annotation: Node | undefined, fn: FunctionInfo): void {
    const object = left.childForFieldName('object');
    const attribute = left.childForFieldName('attribute');
    const selfName = fn.params[0]?.name;
    if (object?.type === 'identifier' && attribute && selfName && object.text === selfName && fn.cls) {
      const hint = { attribute: attribute.text, value, annotation };
      const hints = this.selfAttributeHints.get(fn.cls);
      if (hints) hints.push(hint);
      else this.selfAttributeHints.set(fn.cls, [hint]);
    }
  }

  private visitCall(node: Node, scope: Scope, context: readonly { type: string; end: number }[], unit: Unit): void {
    const { fn, inLambda } = callerIn(scope);
    // The call itself is on top of the context stack; what is below it says where it stands.
    const enclosing = context[context.length - 2];
    const awaited = enclosing?.type === 'await' && enclosing.end === node.endIndex;
    let nestedInCall = false;
    for (let i = context.length - 2; i >= 0; i--) {
      const t = context[i].type;
      if (t === 'argument_list') {
        nestedInCall = true;
        break;
      }
      if (t === 'lambda' || t === 'function_definition') break;
    }
    const site: CallSite = { node, fn, inLambda, awaited, nestedInCall };
    unit.calls.push(site);
    if (fn) fn.calls.push(site);
  }

  // ---- resolution --------------------------------------------------------------------------------------------

  /**
   * Resolves the decorators of the functions walked so far, once every module-level name is bound (a decorator may be
   * defined below its use): at `finish`, and after each unit walked later.
   */
  private ensureDecorators(): void {
    if (this.shared.resolvingDecorators) return;
    this.shared.resolvingDecorators = true;
    try {
      // Resolving may walk more units, whose functions join the list.
      for (let i = 0; i < this.pendingDecorators.length; i++) {
        const fn = this.pendingDecorators[i];
        fn.decorators = fn.decoratorNodes.map((d) => {
          let expr = d.namedChild(0);
          if (expr?.type === 'call') expr = expr.childForFieldName('function');
          return expr ? this.resolve(expr) ?? expr.text : d.text.slice(1).trim();
        });
      }
    } finally {
      this.pendingDecorators.length = 0;
      this.shared.resolvingDecorators = false;
    }
  }

  /** Call after construction: resolves what needed the whole module bound. Rules may rely on it having run. */
  finish(): this {
    this.shared.finished = true;
    this.ensureDecorators();
    return this;
  }

  private resolveDottedText(text: string, at: Node): string | undefined {
    const [head, ...rest] = text.split('.');
    const binding = this.lookup(head, at);
    const base = binding ? this.bindingName(binding) : head;
    return base ? [base, ...rest].join('.') : undefined;
  }

  /** The canonical name a binding gives its name, when it names a module, class or function. */
  private bindingName(binding: Binding): string | undefined {
    switch (binding.kind) {
      case 'import':
        return this.index.canonicalOf(binding.target);
      case 'function':
        return binding.fn.canonical;
      case 'class':
        return binding.cls.canonical;
      case 'assignment': {
        // `sleep = time.sleep` (a plain alias at any level).
        const v = binding.value;
        if (v && !binding.annotation && (v.type === 'identifier' || v.type === 'attribute') && binding.node.type === 'assignment') {
          return this.resolve(v);
        }
        return undefined;
      }
      case 'parameter': {
        // `cls` of a classmethod names the class itself.
        const fn = binding.fn;
        if (binding.index !== 0 || !fn?.cls) return undefined;
        this.ensureDecorators();
        return fn.decorators.includes('classmethod') ? fn.cls.canonical : undefined;
      }
      default:
        return undefined;
    }
  }

  private resolveUncached(node: Node): string | undefined {
    switch (node.type) {
      case 'identifier': {
        const binding = this.lookup(node.text, node);
        if (binding) return this.bindingName(binding);
        for (const star of this.starImports) {
          const candidate = `${star}.${node.text}`;
          if (this.index.lookup(candidate)) return this.index.canonicalOf(candidate);
        }
        return node.text; // a builtin (`open`, `input`) or an unknown global: its own name
      }
      case 'attribute': {
        const object = node.childForFieldName('object');
        const attribute = node.childForFieldName('attribute')?.text;
        if (!object || !attribute) return undefined;
        if (object.type === 'call' && object.childForFieldName('function')?.text === 'super') {
          return this.resolveSuper(node, attribute);
        }
        const type = this.typeOf(object);
        if (type) return this.index.resolveMember(type, attribute);
        const base = this.resolve(object);
        if (!base) return undefined;
        const cls = this.index.lookupClass(base) ?? this.localClass(base);
        if (cls) return this.index.resolveMember(cls.canonical, attribute);
        return this.index.canonicalOf(`${base}.${attribute}`);
      }
      case 'parenthesized_expression': {
        const inner = node.namedChild(0);
        return inner ? this.resolve(inner) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The class of this file with that canonical name (the first, when a name is defined twice). */
  localClass(canonical: string): ClassInfo | undefined {
    this.walkUnitsDefining(canonical);
    return this.classByCanonical.get(canonical)?.cls;
  }

  /** By canonical name: the class of the unit first in source order that defines it. */
  private readonly classByCanonical = new Map<string, { order: number; cls: ClassInfo }>();

  /** `super().m` inside a method of class C: `m` looked up on C's first base that has it. */
  private resolveSuper(node: Node, attribute: string): string | undefined {
    const fn = this.enclosingFunction(node);
    const cls = fn?.cls;
    if (!cls) return undefined;
    for (const base of cls.bases) {
      const baseName = this.resolveBase(base);
      if (baseName) return this.index.resolveMember(baseName, attribute);
    }
    return undefined;
  }

  /** A base class expression: `Base`, or `Base[T]` for a generic base. */
  resolveBase(base: Node): string | undefined {
    const value = base.type === 'subscript' ? base.childForFieldName('value') : base;
    return value ? this.resolve(value) : undefined;
  }

  private typeOfUncached(node: Node): string | undefined {
    switch (node.type) {
      case 'call': {
        // `conns.get(key)`, `queue.pop()` on an annotated container: its item class.
        const fn = node.childForFieldName('function');
        const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
        if (method && CONTAINER_GETTERS.has(method)) {
          const item = this.containerTypesOf(fn!.childForFieldName('object')!)?.value;
          if (item) return item;
        }
        const callee = this.resolveCall(node);
        if (!callee) return undefined;
        return this.returnTypeOf(callee);
      }
      case 'subscript': {
        const value = node.childForFieldName('value');
        const indexes = node.childrenForFieldName('subscript');
        return value && indexes.length === 1 && indexes[0]?.type !== 'slice' ? this.containerTypesOf(value)?.value : undefined;
      }
      case 'identifier': {
        const binding = this.lookup(node.text, node);
        if (!binding) return undefined;
        return this.typeOfBinding(binding, node.text);
      }
      case 'attribute': {
        const object = node.childForFieldName('object');
        const attribute = node.childForFieldName('attribute')?.text;
        if (!object || !attribute) return undefined;
        const ownerType = this.typeOf(object);
        if (ownerType) return this.index.attributeType(ownerType, attribute) ?? this.localAttributeType(ownerType, attribute) ?? this.propertyType(ownerType, attribute);
        return undefined;
      }
      case 'parenthesized_expression':
      case 'await': {
        // `await fetch()` has the class `fetch` is annotated to return.
        const inner = node.namedChild(0);
        return inner ? this.typeOf(inner) : undefined;
      }
      default:
        return undefined;
    }
  }

  private typeOfBinding(binding: Binding, name: string): string | undefined {
    switch (binding.kind) {
      case 'assignment':
        if (binding.annotation) return this.resolveAnnotation(binding.annotation);
        return binding.value && binding.node.type !== 'augmented_assignment' ? this.typeOf(binding.value) : undefined;
      case 'parameter': {
        if (binding.annotation) return this.resolveAnnotation(binding.annotation);
        // `self` / `cls` of a method.
        const fn = binding.fn;
        if (binding.index === 0 && fn?.cls && fn.params[0]?.name === name) {
          this.ensureDecorators();
          if (fn.decorators.includes('staticmethod') || fn.decorators.includes('classmethod')) return undefined;
          return fn.cls.canonical;
        }
        return undefined;
      }
      case 'with':
        return this.typeOf(binding.value);
      case 'other':
        return binding.iterable ? this.elementTypeOf(binding.iterable) : undefined;
      default:
        return undefined;
    }
  }

  /** The class an instance returned by calling `callee` has: the class itself, an annotated return, or a known factory. */
  private returnTypeOf(callee: string): string | undefined {
    const known = KNOWN_RETURN_TYPES[callee];
    if (known) return known;
    const local = this.localFunction(callee);
    if (local) return local.returnAnnotation ? this.resolveAnnotation(local.returnAnnotation) : undefined;
    if (this.localClass(callee)) return callee;
    const symbol = this.index.lookup(callee);
    if (symbol?.kind === 'class') return symbol.canonical;
    if (symbol?.kind === 'function') return symbol.returns;
    // Outside the workspace, a capitalised callee is a class by Python naming convention (`requests.Session()`).
    const last = callee.slice(callee.lastIndexOf('.') + 1);
    return /^[A-Z]/.test(last) && !/^[A-Z0-9_]+$/.test(last) ? callee : undefined;
  }

  /** `request.writer` where `writer` is a `@property` (or a cached one) annotated to return a class. */
  private propertyType(classCanonical: string, attribute: string): string | undefined {
    const getter = this.lookupFunction(this.index.resolveMember(classCanonical, attribute));
    if (!getter) return undefined;
    this.ensureDecorators();
    if (!getter.decorators.some((d) => PROPERTY_DECORATOR.test(d))) return undefined;
    if ('kind' in getter) return getter.returns;
    return getter.returnAnnotation ? this.resolveAnnotation(getter.returnAnnotation) : undefined;
  }

  private localAttributeType(classCanonical: string, attribute: string): string | undefined {
    const cls = this.localClass(classCanonical);
    return cls ? this.classAttributeTypes(cls).get(attribute) : undefined;
  }

  private readonly attributeTypesCache = new Map<ClassInfo, Map<string, string>>();

  private classAttributeTypes(cls: ClassInfo): Map<string, string> {
    const cached = this.attributeTypesCache.get(cls);
    if (cached) return cached;
    const types = new Map<string, string>();
    this.attributeTypesCache.set(cls, types);
    for (const [name, bindings] of cls.scope.bindings) {
      const b = bindings[bindings.length - 1];
      if (b.kind === 'assignment' && b.annotation) {
        const t = this.resolveAnnotation(b.annotation);
        if (t) types.set(name, t);
      }
    }
    for (const hint of this.selfAttributeHints.get(cls) ?? []) {
      if (types.has(hint.attribute)) continue;
      const t = hint.annotation ? this.resolveAnnotation(hint.annotation) : hint.value ? this.typeOf(hint.value) : undefined;
      if (t) types.set(hint.attribute, t);
    }
    return types;
  }

  private readonly attributeContainerTypesCache = new Map<ClassInfo, Map<string, ContainerTypes>>();

  /** Item classes of container attributes: `_traces: list[Trace]` in the class body, `self._traces = traces` in a method. */
  private classAttributeContainerTypes(cls: ClassInfo): Map<string, ContainerTypes> {
    const cached = this.attributeContainerTypesCache.get(cls);
    if (cached) return cached;
    const types = new Map<string, ContainerTypes>();
    this.attributeContainerTypesCache.set(cls, types);
    for (const [name, bindings] of cls.scope.bindings) {
      const b = bindings[bindings.length - 1];
      const t = b.kind === 'assignment' && b.annotation ? this.annotationContainerTypes(b.annotation) : undefined;
      if (t) types.set(name, t);
    }
    for (const hint of this.selfAttributeHints.get(cls) ?? []) {
      if (types.has(hint.attribute)) continue;
      const t = hint.annotation ? this.annotationContainerTypes(hint.annotation) : hint.value ? this.containerTypesOf(hint.value) : undefined;
      if (t) types.set(hint.attribute, t);
    }
    return types;
  }

  /** The values of a function's own `return <value>` statements (`return None` excluded). */
  private returnValuesOf(fn: FunctionInfo): Node[] {
    const unit = this.unitAt(fn.node.startIndex);
    if (!unit) return [];
    if (!unit.returnedValues) {
      unit.returnedValues = new Map();
      for (const r of unit.byType.get('return_statement') ?? []) {
        const value = r.namedChild(0);
        const owner = value && value.type !== 'none' ? this.enclosingFunction(r) : undefined;
        if (!owner || !value) continue;
        const list = unit.returnedValues.get(owner);
        if (list) list.push(value);
        else unit.returnedValues.set(owner, [value]);
      }
    }
    return unit.returnedValues.get(fn) ?? [];
  }

  /** See `FunctionSummary.asDecorator`. */
  decoratorResult(fn: FunctionInfo, depth = 0): 'identity' | 'async-wrapper' | undefined {
    const values = this.returnValuesOf(fn);
    let result: 'identity' | 'async-wrapper' | undefined;
    for (const value of values) {
      if (value.type !== 'identifier') return undefined;
      let kind: typeof result;
      if (value.text === fn.params[0]?.name && fn.params.length >= 1) kind = 'identity';
      else {
        const binding = this.lookup(value.text, value);
        const inner = binding?.kind === 'function' && binding.fn.parent === fn ? binding.fn : undefined;
        if (!inner) return undefined;
        // `def retry(times): def deco(f): ... return deco`: a factory, used as `@retry(3)`.
        kind = inner.isAsync ? (inner.isGenerator ? undefined : 'async-wrapper') : depth === 0 ? this.decoratorResult(inner, 1) : undefined;
      }
      if (!kind || (result && result !== kind)) return undefined;
      result = kind;
    }
    return result;
  }

  /** See `FunctionSummary.returnsNone`. */
  certainlyReturnsNone(fn: FunctionInfo): boolean {
    if (fn.isGenerator || this.returnValuesOf(fn).length > 0) return false;
    const body = fn.node.childForFieldName('body');
    const placeholder = (s: Node | null) =>
      !s || s.type === 'pass_statement' || s.type === 'raise_statement' || s.type === 'comment' ||
      (s.type === 'expression_statement' && ['ellipsis', 'string'].includes(s.namedChild(0)?.type ?? ''));
    return !!body && !body.namedChildren.every(placeholder);
  }

  private functionSummary(fn: FunctionInfo): FunctionSummary {
    this.ensureDecorators();
    return {
      kind: 'function',
      name: fn.name,
      canonical: fn.canonical,
      isAsync: fn.isAsync,
      decorators: fn.decorators,
      returns: fn.returnAnnotation ? this.resolveAnnotation(fn.returnAnnotation) : undefined,
      isGenerator: fn.isGenerator,
      returnsNone: this.certainlyReturnsNone(fn),
      asDecorator: this.decoratorResult(fn),
      params: fn.params.map((p) => p.name),
      calls: fn.calls
        .filter((c) => !c.inLambda)
        .map((c): CallRef | undefined => {
          const callee = this.resolveCall(c.node);
          return callee === undefined
            ? undefined
            : { callee, line: c.node.startPosition.row, column: c.node.startPosition.column, awaited: c.awaited, nestedInCall: c.nestedInCall };
        })
        .filter((c): c is CallRef => !!c),
      line: fn.node.startPosition.row,
      path: this.path,
    };
  }

  private classSummary(cls: ClassInfo): ClassSummary {
    const methods = new Map<string, FunctionSummary>();
    for (const [name, fn] of cls.methods) methods.set(name, this.functionSummary(fn));
    return {
      kind: 'class',
      name: cls.name,
      canonical: cls.canonical,
      bases: cls.bases.map((b) => this.resolveBase(b)).filter((b): b is string => !!b),
      decorators: cls.decorators,
      methods,
      attributeTypes: this.classAttributeTypes(cls),
      attributeContainerTypes: this.classAttributeContainerTypes(cls),
      line: cls.node.startPosition.row,
      path: this.path,
    };
  }
}

/** Decorators that make a method read as an attribute: `property`, `functools.cached_property`, aiohttp's `reify`. */
const PROPERTY_DECORATOR = /(?:^|\.)(?:property|cached_property|reify)$/;

/** Builtins that copy or reorder an iterable: their result holds the same items. */
const ITEM_PRESERVING_CALLS = new Set(['list', 'tuple', 'set', 'frozenset', 'sorted', 'reversed', 'iter']);

/** Container methods that return one item. */
const CONTAINER_GETTERS = new Set(['get', 'pop', 'setdefault', 'popleft']);

/** Containers indexed by their items, and mappings (iterated by key, indexed by value), by unqualified name. */
const SEQUENCES = new Set([
  'list', 'List', 'set', 'Set', 'frozenset', 'FrozenSet', 'tuple', 'Tuple', 'Sequence', 'MutableSequence', 'Iterable',
  'Iterator', 'Collection', 'AbstractSet', 'MutableSet', 'deque', 'Deque', 'Generator', 'AsyncIterable', 'AsyncIterator',
  'AsyncGenerator', 'KeysView', 'ValuesView',
]);
const MAPPINGS = new Set(['dict', 'Dict', 'Mapping', 'MutableMapping', 'DefaultDict', 'defaultdict', 'OrderedDict', 'ChainMap', 'WeakValueDictionary', 'WeakKeyDictionary']);

export interface ContainerTypes {
  /** What iterating yields. */
  element?: string;
  /** What indexing, `.get()` or `.pop()` gives. */
  value?: string;
}

/** `second` is `...` for `tuple[X, ...]`. */
function containerTypes(container: string, first: string | undefined, second: string | undefined): ContainerTypes | undefined {
  if (MAPPINGS.has(container)) return first || second ? { element: first, value: second === '...' ? undefined : second } : undefined;
  if (!SEQUENCES.has(container) || !first) return undefined;
  // `tuple[A, B]` holds different things; `tuple[A, ...]` holds As.
  if (container.toLowerCase() === 'tuple' && second !== '...') return undefined;
  return { element: first, value: first };
}

/** The alternatives of `A | B | None`: an expression (`binary_operator`) or, in annotations, a `union_type`. */
function unionMembers(node: Node): Node[] {
  if (node.type === 'union_type') return node.namedChildren.flatMap((c) => (c ? (c.namedChild(0)?.type === 'union_type' ? unionMembers(c.namedChild(0)!) : [c]) : []));
  if (node.type !== 'binary_operator' || node.childForFieldName('operator')?.text !== '|') return [node];
  return [node.childForFieldName('left'), node.childForFieldName('right')].flatMap((c) => (c ? unionMembers(c) : []));
}

/** Head and type arguments of `Head[A, B]` (`generic_type` or `subscript` in the grammar). */
function genericParts(node: Node): { head: Node; args: Node[] } | undefined {
  if (node.type === 'generic_type') {
    const head = node.namedChild(0);
    const params = node.namedChildren.find((c) => c?.type === 'type_parameter');
    return head ? { head, args: (params?.namedChildren ?? []).filter((c): c is Node => !!c) } : undefined;
  }
  if (node.type === 'subscript') {
    const head = node.childForFieldName('value');
    return head ? { head, args: node.childrenForFieldName('subscript').filter((c): c is Node => !!c) } : undefined;
  }
  return undefined;
}

/** The binding in effect at `at`: the last one that starts before it, else the first (a use before assignment in a loop). */
function latestBefore(bindings: Binding[], at: Node): Binding {
  let best: Binding | undefined;
  for (const b of bindings) {
    if (b.node.startIndex <= at.startIndex) best = b;
  }
  return best ?? bindings[0];
}

/** The lists of the units, one after the other (a loop: `flatMap` over hundreds of arrays costs a millisecond). */
function concatenated<T>(units: readonly Unit[], listOf: (unit: Unit) => readonly T[] | undefined): T[] {
  const all: T[] = [];
  for (const unit of units) {
    const list = listOf(unit);
    if (list) for (let i = 0; i < list.length; i++) all.push(list[i]);
  }
  return all;
}

/** The items of a list in source order (by `startOf`) that start in [start, end). */
function sliceByStart<T>(items: readonly T[], startOf: (item: T) => number, start: number, end: number): T[] {
  return items.slice(partitionPoint(items, (item) => startOf(item) < start), partitionPoint(items, (item) => startOf(item) < end));
}
