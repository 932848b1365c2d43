// "What does calling this give?" for the AIO1xx rules: a coroutine, a plain value that can never be awaited, an
// async-only context manager or iterable — for functions, methods and classes of the whole workspace (through the
// semantic model and the index) and of the standard library and typeshed's third-party stubs.
import type { Node } from 'web-tree-sitter';
import type { ClassInfo, FunctionInfo, ModuleModel } from '../../model/moduleModel';
import type { ClassSummary, FunctionSummary, ModuleSummary } from '../../model/summary';
import type { WorkspaceIndex } from '../../model/workspaceIndex';
import { decoratorEffect } from './decorators';
import { libraryCallFlags, libraryClass, libraryInstanceFlags, libraryMember, type CallFlags } from './library';

export type { CallFlags } from './library';

type WorkspaceFunction = FunctionInfo | FunctionSummary;

export interface Callee {
  /** Canonical name of what is called (`pkg.Client.fetch`, `asyncio.sleep`). */
  canonical: string;
  flags: CallFlags;
  /** The workspace definition, when the callee is a function of the workspace. */
  fn?: WorkspaceFunction;
}

const NOTHING: CallFlags = { coroutine: false, plain: false, asyncContextManager: false, asyncIterable: false };

/** Flags of calling a workspace function, from its `async`, generator and decorator facts. */
function functionFlags(model: ModuleModel, fn: WorkspaceFunction): CallFlags | undefined {
  const effect = decoratorEffect(fn.decorators, (canonical) => workspaceDecorator(model, canonical));
  if (effect === 'asyncContextManager') return fn.isGenerator ? { ...NOTHING, asyncContextManager: true } : undefined;
  if (effect === 'makesCoroutine') return { ...NOTHING, coroutine: true };
  if (effect !== 'keeps') return undefined;
  if (fn.isAsync) return fn.isGenerator ? { ...NOTHING, asyncIterable: true } : { ...NOTHING, coroutine: true };
  if (fn.isGenerator) return undefined;
  return returnsPlainValue(model, fn) ? { ...NOTHING, plain: true } : undefined;
}

/** What a workspace function does as a decorator, when the model can see it. */
function workspaceDecorator(model: ModuleModel, canonical: string): 'identity' | 'async-wrapper' | undefined {
  const fn = model.lookupFunction(canonical);
  if (!fn) return undefined;
  return 'kind' in fn ? fn.asDecorator : model.decoratorResult(fn);
}

/** A plain `def` whose result can never be awaited: it returns None, or its return annotation names a plain class. */
function returnsPlainValue(model: ModuleModel, fn: WorkspaceFunction): boolean {
  if ('kind' in fn) {
    if (fn.returnsNone) return true;
    return !!fn.returns && !!instanceFlags(model, fn.returns)?.plain;
  }
  if (model.certainlyReturnsNone(fn)) return true;
  const returns = fn.returnAnnotation ? model.resolveAnnotation(fn.returnAnnotation) : undefined;
  return !!returns && !!instanceFlags(model, returns)?.plain;
}

// ---- classes ---------------------------------------------------------------------------------------------------

interface ClassView {
  canonical: string;
  bases: string[];
  methods: ReadonlyMap<string, WorkspaceFunction>;
  attributeTypes?: ReadonlyMap<string, string>;
}

/** A workspace class by canonical name: module-level ones through the index, nested ones from this file's model. */
export function workspaceClass(model: ModuleModel, canonical: string): ClassView | undefined {
  const summary = model.index.lookupClass(canonical);
  if (summary) return summary;
  const local = model.localClass(canonical);
  return local ? localClassView(model, local) : undefined;
}

function localClassView(model: ModuleModel, cls: ClassInfo): ClassView {
  return { canonical: cls.canonical, bases: cls.bases.map((b) => model.resolveBase(b)).filter((b): b is string => !!b), methods: cls.methods };
}

/** Bases that add no behaviour to instances. */
const TRANSPARENT_BASES = new Set(['object', 'typing.Generic', 'typing_extensions.Generic', 'typing.Protocol', 'typing_extensions.Protocol', 'abc.ABC']);

interface Ancestry {
  /** Method names defined by the class or its workspace ancestors. */
  methods: Set<string>;
  /** Library classes among the ancestors. */
  libraryBases: string[];
  /** Every base was found (in the workspace or in typeshed). */
  complete: boolean;
}

function ancestry(model: ModuleModel, canonical: string, seen = new Set<string>()): Ancestry {
  const result: Ancestry = { methods: new Set(), libraryBases: [], complete: true };
  const cls = workspaceClass(model, canonical);
  if (!cls || seen.has(cls.canonical)) {
    result.complete = false;
    return result;
  }
  seen.add(cls.canonical);
  for (const m of cls.methods.keys()) result.methods.add(m);
  for (const base of cls.bases) {
    if (TRANSPARENT_BASES.has(base)) continue;
    if (workspaceClass(model, base)) {
      const inherited = ancestry(model, base, seen);
      for (const m of inherited.methods) result.methods.add(m);
      result.libraryBases.push(...inherited.libraryBases);
      result.complete &&= inherited.complete;
    } else if (libraryClass(base)) {
      result.libraryBases.push(base);
    } else {
      result.complete = false;
    }
  }
  return result;
}

/** Flags of instances of a class (workspace or library), for `with x:`, `for _ in x:` and `await C()`. */
export function instanceFlags(model: ModuleModel, classCanonical: string): CallFlags | undefined {
  if (!workspaceClass(model, classCanonical)) return libraryInstanceFlags(classCanonical);
  const { methods, libraryBases, complete } = ancestry(model, classCanonical);
  if (!complete) return undefined;
  const libraryFlags = libraryBases.map((b) => libraryInstanceFlags(b) ?? NOTHING);
  const asyncOnly = (enter: string, asyncEnter: string, libraryFlag: keyof CallFlags) =>
    !methods.has(enter) &&
    (methods.has(asyncEnter) || libraryFlags.some((f) => f[libraryFlag])) &&
    libraryFlags.every((f) => f[libraryFlag]);
  return {
    coroutine: false,
    plain: !methods.has('__await__') && libraryFlags.every((f) => f.plain),
    asyncContextManager: asyncOnly('__enter__', '__aenter__', 'asyncContextManager'),
    asyncIterable: asyncOnly('__iter__', '__aiter__', 'asyncIterable'),
  };
}

// ---- methods and overrides -------------------------------------------------------------------------------------

/**
 * Direct workspace subclasses of every workspace class, and the subclass definitions already looked up, kept up to
 * date from the index. On a new index generation only modules whose summary object changed are looked at again, and
 * memoized answers survive unless a class's bases, or the methods of that name, really changed: the CLI's second pass
 * re-summarises every file, and CPython's test suite calls `self.assert*()` in thousands of `TestCase` subclasses.
 */
class SubclassTables {
  private generation = -1;
  /** Per module: the summary last seen, its (base, subclass) pairs, and a signature of each of its classes' methods. */
  private readonly modules = new Map<string, { summary: ModuleSummary; pairs: [string, string][]; methods: Map<string, MethodSignature> }>();
  private readonly children = new Map<string, Set<string>>();
  /**
   * The summary of every module-level workspace class, by canonical name: the walks below visit thousands of
   * subclasses, and `index.lookupClass` starts from scratch after every index change.
   */
  private readonly classes = new Map<string, ClassSummary>();
  /** Answers of `definitionsBelow`, by member, then owner. */
  private readonly definitions = new Map<string, Map<string, WorkspaceFunction[]>>();
  /** Answers of `subclassesBelow`, kept until some class's bases change. */
  private readonly descendants = new Map<string, string[]>();

  constructor(private readonly index: WorkspaceIndex) {}

  /** Every definition of `member` in workspace subclasses (at any depth) of `owner`. */
  definitionsBelow(owner: string, member: string): WorkspaceFunction[] {
    this.refresh();
    let byOwner = this.definitions.get(member);
    if (!byOwner) this.definitions.set(member, (byOwner = new Map()));
    const known = byOwner.get(owner);
    if (known) return known;
    const found: WorkspaceFunction[] = [];
    for (const name of this.subclassesBelow(owner)) {
      const override = this.classes.get(name)?.methods.get(member);
      if (override) found.push(override);
    }
    byOwner.set(owner, found);
    return found;
  }

  /** Workspace subclasses (at any depth) of `owner`. */
  private subclassesBelow(owner: string): string[] {
    const known = this.descendants.get(owner);
    if (known) return known;
    const seen = new Set<string>();
    const pending = [...(this.children.get(owner) ?? [])];
    const found: string[] = [];
    while (pending.length) {
      const name = pending.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      found.push(name);
      for (const child of this.children.get(name) ?? []) pending.push(child);
    }
    this.descendants.set(owner, found);
    return found;
  }

  private refresh(): void {
    if (this.generation === this.index.generation) return;
    this.generation = this.index.generation;
    let hierarchyChanged = false;
    const changedMembers = new Set<string>();
    // Modules seen before that are still indexed: fewer than before means some were removed (counted, not
    // collected, because this runs after every index change and the workspace may hold thousands of modules).
    const knownBefore = this.modules.size;
    let stillIndexed = 0;
    for (const summary of this.index.allModules()) {
      const known = this.modules.get(summary.module);
      if (known) stillIndexed++;
      if (known?.summary === summary) continue;
      if (known) this.forgetClasses(known.summary);
      const pairs: [string, string][] = [];
      const methods = new Map<string, MethodSignature>();
      for (const symbol of summary.symbols.values()) {
        if (symbol.kind !== 'class') continue;
        this.classes.set(symbol.canonical, symbol);
        for (const base of symbol.bases) pairs.push([this.index.canonicalOf(base), symbol.canonical]);
        for (const fn of symbol.methods.values()) {
          methods.set(`${symbol.canonical}.${fn.name}`, { member: fn.name, facts: `${fn.isAsync}:${fn.isGenerator}:${fn.returnsNone}:${fn.returns}:${fn.decorators}` });
        }
      }
      const samePairs = !!known && known.pairs.length === pairs.length && known.pairs.every(([b, c], i) => b === pairs[i][0] && c === pairs[i][1]);
      if (!samePairs) {
        hierarchyChanged = true;
        if (known) this.remove(known.pairs);
        for (const [base, sub] of pairs) {
          const set = this.children.get(base);
          if (set) set.add(sub);
          else this.children.set(base, new Set([sub]));
        }
      }
      noteChangedMembers(known?.methods, methods, changedMembers);
      this.modules.set(summary.module, { summary, pairs, methods });
    }
    for (const [module, known] of stillIndexed < knownBefore ? this.modules : []) {
      if (this.index.module(module)) continue;
      this.remove(known.pairs);
      this.forgetClasses(known.summary);
      this.modules.delete(module);
      hierarchyChanged = true;
    }
    if (hierarchyChanged) {
      this.descendants.clear();
      this.definitions.clear();
    } else {
      for (const member of changedMembers) this.definitions.delete(member);
    }
  }

  private forgetClasses(summary: ModuleSummary): void {
    for (const symbol of summary.symbols.values()) {
      if (symbol.kind === 'class' && this.classes.get(symbol.canonical) === symbol) this.classes.delete(symbol.canonical);
    }
  }

  private remove(pairs: [string, string][]): void {
    for (const [base, sub] of pairs) this.children.get(base)?.delete(sub);
  }
}

/** What decides the kind of a method's result (see `functionFlags`), and the member it defines. */
interface MethodSignature {
  member: string;
  facts: string;
}

/** Adds the members whose definitions differ between two signature tables of one module (by `Class.member`). */
function noteChangedMembers(before: ReadonlyMap<string, MethodSignature> | undefined, after: ReadonlyMap<string, MethodSignature>, changed: Set<string>): void {
  for (const [key, now] of after) if (before?.get(key)?.facts !== now.facts) changed.add(now.member);
  if (before) for (const [key, then] of before) if (!after.has(key)) changed.add(then.member);
}

const subclassTables = new WeakMap<WorkspaceIndex, SubclassTables>();

/** Every definition of `member` in workspace subclasses (at any depth) of `owner`. */
function subclassDefinitions(model: ModuleModel, owner: string, member: string): WorkspaceFunction[] {
  let tables = subclassTables.get(model.index);
  if (!tables) subclassTables.set(model.index, (tables = new SubclassTables(model.index)));
  return tables.definitionsBelow(owner, member);
}

const sameKind = (a: CallFlags, b: CallFlags) => a.coroutine === b.coroutine && a.plain === b.plain;

/**
 * Whether every override of `member` in workspace subclasses of `owner` gives the same kind as `flags`: a call
 * through `self` may reach any of them (a base's `def run(): raise NotImplementedError` overridden by `async def run`).
 */
function overridesAgree(model: ModuleModel, owner: string, member: string, flags: CallFlags): boolean {
  return subclassDefinitions(model, owner, member).every((fn) => {
    const f = functionFlags(model, fn);
    return !!f && sameKind(f, flags);
  });
}

/**
 * A mixin's `self.acquire()` where `acquire` is defined only by the classes that mix it in: known when every
 * subclass definition agrees.
 */
function mixinMember(model: ModuleModel, owner: string, member: string): CallFlags | undefined {
  const definitions = subclassDefinitions(model, owner, member).map((fn) => functionFlags(model, fn));
  const [first] = definitions;
  return first && definitions.every((f) => !!f && sameKind(f, first)) ? first : undefined;
}

/**
 * Flags of calling `member` on a workspace class that does not define it: inherited from a library class
 * (`class Q(asyncio.Queue)`), or, for a mixin with no other bases, defined by the subclasses that mix it in.
 */
function undefinedMember(model: ModuleModel, owner: ClassView, member: string): CallFlags | undefined {
  const { libraryBases, methods, complete } = ancestry(model, owner.canonical);
  if (methods.has(member)) return undefined;
  for (const base of libraryBases) {
    if (libraryMember(base, member)) return libraryCallFlags(`${base}.${member}`);
  }
  const isAttribute = !!owner.attributeTypes?.has(member);
  return complete && libraryBases.length === 0 && !isAttribute ? mixinMember(model, owner.canonical, member) : undefined;
}

// ---- calls -----------------------------------------------------------------------------------------------------

/** What a canonical name gives when called: a workspace function, method or class, else a library one. */
export function calleeFlags(model: ModuleModel, canonical: string): Callee | undefined {
  const fn = model.lookupFunction(canonical);
  const dot = canonical.lastIndexOf('.');
  const owner = dot === -1 ? undefined : canonical.slice(0, dot);
  const ownerClass = owner ? workspaceClass(model, owner) : undefined;
  if (fn) {
    const flags = functionFlags(model, fn);
    if (!flags) return undefined;
    if (ownerClass && !overridesAgree(model, ownerClass.canonical, canonical.slice(dot + 1), flags)) return undefined;
    return { canonical, flags, fn };
  }
  if (workspaceClass(model, canonical)) {
    const flags = instanceFlags(model, canonical);
    return flags ? { canonical, flags } : undefined;
  }
  if (ownerClass) {
    const flags = undefinedMember(model, ownerClass, canonical.slice(dot + 1));
    return flags ? { canonical, flags } : undefined;
  }
  const flags = libraryCallFlags(canonical);
  return flags ? { canonical, flags } : undefined;
}

/** What calling the function of a `call` node gives, when known. */
export function callFlags(model: ModuleModel, call: Node): Callee | undefined {
  const canonical = model.resolveCall(call);
  return canonical ? calleeFlags(model, canonical) : undefined;
}

/**
 * What an expression's value is, for the protocol checks of AIO105: a call's result, or an instance of the class
 * the model can tell (`lock = asyncio.Lock()`, `self.session: ClientSession`).
 */
export function valueFlags(model: ModuleModel, expr: Node): CallFlags | undefined {
  let node: Node | null = expr;
  while (node?.type === 'parenthesized_expression') node = node.namedChild(0);
  if (!node) return undefined;
  if (node.type === 'call') return callFlags(model, node)?.flags;
  const type = model.typeOf(node);
  return type ? instanceFlags(model, type) : undefined;
}

/** The text a message shows for the called function: `fetch`, `self.fetch`, `asyncio.sleep`. */
export function calleeText(call: Node): string {
  const fn = call.childForFieldName('function');
  const text = fn?.text ?? call.text;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
