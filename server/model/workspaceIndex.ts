// Module-level definitions of every Python file in the workspace, so that a call into another file resolves.
import type { ClassSummary, FunctionSummary, ModuleSummary, SymbolSummary } from './summary';

/** Re-export chains longer than this are treated as unresolvable (and cycles end). */
const MAX_ALIAS_HOPS = 8;

export class WorkspaceIndex {
  private readonly modules = new Map<string, ModuleSummary>();
  private readonly moduleByPath = new Map<string, string>();
  /** Bumped on every change, so dependants can tell a stale analysis from a current one. */
  generation = 0;

  /** Replaces the summary of one module; returns whether anything another file could see changed. */
  update(summary: ModuleSummary): boolean {
    const previousName = this.moduleByPath.get(summary.path);
    if (previousName !== undefined && previousName !== summary.module) this.modules.delete(previousName);
    const previous = this.modules.get(summary.module);
    this.forgetLookups();
    this.modules.set(summary.module, summary);
    this.moduleByPath.set(summary.path, summary.module);
    const changed = !previous || !sameInterface(previous, summary);
    if (changed) this.generation++;
    return changed;
  }

  removePath(path: string): boolean {
    const name = this.moduleByPath.get(path);
    if (name === undefined) return false;
    this.moduleByPath.delete(path);
    this.modules.delete(name);
    this.forgetLookups();
    this.generation++;
    return true;
  }

  module(name: string): ModuleSummary | undefined {
    return this.modules.get(name);
  }

  moduleForPath(path: string): ModuleSummary | undefined {
    const name = this.moduleByPath.get(path);
    return name === undefined ? undefined : this.modules.get(name);
  }

  get size(): number {
    return this.modules.size;
  }

  allModules(): IterableIterator<ModuleSummary> {
    return this.modules.values();
  }

  /**
   * The definition a canonical dotted name refers to, following re-exports (`from .impl import fetch` in a
   * package `__init__`) and star imports. Undefined for anything outside the workspace.
   */
  lookup(canonical: string): SymbolSummary | undefined {
    if (this.lookups.has(canonical)) return this.lookups.get(canonical);
    const found = this.lookupFrom(canonical, 0);
    this.lookups.set(canonical, found);
    return found;
  }

  /** Answers of `lookup` and `canonicalOf` since the last change of any module. */
  private readonly lookups = new Map<string, SymbolSummary | undefined>();
  private readonly canonicals = new Map<string, string>();

  private forgetLookups(): void {
    this.lookups.clear();
    this.canonicals.clear();
  }

  lookupFunction(canonical: string): FunctionSummary | undefined {
    const found = this.lookup(canonical);
    return found?.kind === 'function' ? found : undefined;
  }

  lookupClass(canonical: string): ClassSummary | undefined {
    const found = this.lookup(canonical);
    return found?.kind === 'class' ? found : undefined;
  }

  /** The canonical name a possibly re-exported name finally stands for (itself when it is not an alias). */
  canonicalOf(canonical: string): string {
    let known = this.canonicals.get(canonical);
    if (known === undefined) this.canonicals.set(canonical, (known = this.canonicalOfUncached(canonical)));
    return known;
  }

  private canonicalOfUncached(canonical: string): string {
    let name = canonical;
    for (let hop = 0; hop < MAX_ALIAS_HOPS; hop++) {
      const found = this.lookupDirect(name);
      if (found?.kind === 'alias') name = found.target;
      else if (found?.kind === 'function' || found?.kind === 'class') return found.canonical;
      else return name;
    }
    return name;
  }

  /**
   * The canonical name of `member` looked up on class `classCanonical`, walking workspace base classes in
   * declaration order (a depth-first approximation of the MRO). Classes outside the workspace answer
   * `classCanonical.member`.
   */
  resolveMember(classCanonical: string, member: string): string {
    const seen = new Set<string>();
    const visit = (name: string): string | undefined => {
      const cls = this.lookupClass(name);
      if (!cls || seen.has(cls.canonical)) return undefined;
      seen.add(cls.canonical);
      if (cls.methods.has(member) || cls.attributeTypes.has(member)) return `${cls.canonical}.${member}`;
      for (const base of cls.bases) {
        const found = visit(base);
        if (found) return found;
      }
      return undefined;
    };
    return visit(classCanonical) ?? `${this.canonicalOf(classCanonical)}.${member}`;
  }

  /** The declared type of an instance attribute, searched through workspace base classes. */
  attributeType(classCanonical: string, attribute: string): string | undefined {
    const owner = this.resolveMember(classCanonical, attribute);
    const cls = this.lookupClass(owner.slice(0, owner.lastIndexOf('.')));
    return cls?.attributeTypes.get(attribute);
  }

  /** Item classes of a container attribute (`_traces: list[Trace]`), searched through workspace base classes. */
  attributeContainerTypes(classCanonical: string, attribute: string): { element?: string; value?: string } | undefined {
    const owner = this.resolveMember(classCanonical, attribute);
    const cls = this.lookupClass(owner.slice(0, owner.lastIndexOf('.')));
    return cls?.attributeContainerTypes?.get(attribute);
  }

  private lookupFrom(canonical: string, hops: number): SymbolSummary | undefined {
    if (hops > MAX_ALIAS_HOPS) return undefined;
    const found = this.lookupDirect(canonical, hops);
    if (found?.kind === 'alias') return this.lookupFrom(found.target, hops + 1) ?? found;
    return found;
  }

  /** Splits `a.b.c.d` at the longest module prefix in the index and walks the rest through classes. */
  private lookupDirect(canonical: string, hops = 0): SymbolSummary | undefined {
    // Prefixes cut at the dots, longest first, without splitting and joining: rules resolve names by the thousand.
    for (let cut = canonical.lastIndexOf('.'); cut > 0; cut = canonical.lastIndexOf('.', cut - 1)) {
      const module = this.modules.get(canonical.slice(0, cut));
      if (module) return this.walkMembers(module, canonical.slice(cut + 1).split('.'), hops);
    }
    return undefined;
  }

  /** `hops` counts the aliases followed so far, so a re-export cycle through a member ends. */
  private walkMembers(module: ModuleSummary, rest: string[], hops: number): SymbolSummary | undefined {
    let symbol: SymbolSummary | undefined = module.symbols.get(rest[0]);
    if (!symbol) {
      for (const star of module.starImports) {
        const viaStar = this.modules.get(star)?.symbols.get(rest[0]);
        if (viaStar) {
          symbol = viaStar;
          break;
        }
      }
    }
    if (!symbol) return undefined;
    if (rest.length === 1) return symbol;
    if (symbol.kind === 'class' && rest.length === 2) return symbol.methods.get(rest[1]);
    if (symbol.kind === 'alias') return this.lookupFrom([symbol.target, ...rest.slice(1)].join('.'), hops + 1);
    return undefined;
  }
}

/**
 * Whether two summaries of a module show other files the same thing: positions are left out, so edits that only move
 * code are cheap. `withCalls: false` also leaves out what functions call, which only the call-graph rules read.
 */
export function sameInterface(a: ModuleSummary, b: ModuleSummary, withCalls = true): boolean {
  if (!sameList(a.starImports, b.starImports) || a.symbols.size !== b.symbols.size) return false;
  const others = b.symbols.entries();
  for (const [name, symbol] of a.symbols) {
    const [otherName, other] = others.next().value as [string, SymbolSummary];
    if (name !== otherName || !sameSymbol(symbol, other, withCalls)) return false;
  }
  return true;
}

function sameSymbol(a: SymbolSummary, b: SymbolSummary, withCalls: boolean): boolean {
  // The server keeps the summaries of unchanged statements: the very same objects, compared on every keystroke.
  if (a === b) return true;
  switch (a.kind) {
    case 'function':
      return b.kind === 'function' && sameFunction(a, b, withCalls);
    case 'class':
      return (
        b.kind === 'class' &&
        sameList(a.bases, b.bases) &&
        sameList(a.decorators, b.decorators) &&
        sameMap(a.attributeTypes, b.attributeTypes, (x, y) => x === y) &&
        sameMap(a.attributeContainerTypes ?? new Map(), b.attributeContainerTypes ?? new Map(), (x, y) => x.element === y.element && x.value === y.value) &&
        sameMap(a.methods, b.methods, (x, y) => sameFunction(x, y, withCalls))
      );
    case 'alias':
      return b.kind === 'alias' && a.target === b.target;
    case 'variable':
      return b.kind === 'variable' && a.type === b.type;
  }
}

function sameFunction(a: FunctionSummary, b: FunctionSummary, withCalls: boolean): boolean {
  return (
    a.name === b.name &&
    a.isAsync === b.isAsync &&
    a.isGenerator === b.isGenerator &&
    a.returnsNone === b.returnsNone &&
    a.asDecorator === b.asDecorator &&
    a.returns === b.returns &&
    sameList(a.decorators, b.decorators) &&
    sameList(a.params, b.params) &&
    (!withCalls ||
      (a.calls.length === b.calls.length &&
        a.calls.every((c, i) => c.callee === b.calls[i].callee && c.awaited === b.calls[i].awaited && c.nestedInCall === b.calls[i].nestedInCall)))
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Same keys in the same order, with values the same by `same`. */
function sameMap<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, same: (x: V, y: V) => boolean): boolean {
  if (a.size !== b.size) return false;
  const others = b.entries();
  for (const [key, value] of a) {
    const [otherKey, other] = others.next().value as [string, V];
    if (key !== otherKey || !same(value, other)) return false;
  }
  return true;
}
