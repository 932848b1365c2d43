// AIO210's call graph: from a call to a plain function of the workspace, the shortest chain of plain calls that
// reaches a blocking call (catalog or configured). Other files are seen through the workspace index's summaries;
// results are memoised per index generation, so an edit anywhere that changes what a file exposes starts afresh.
import type { Node } from 'web-tree-sitter';
import type { LintConfig } from '../../config';
import type { FunctionInfo, ModuleModel } from '../../model/moduleModel';
import type { FunctionSummary } from '../../model/summary';
import type { WorkspaceIndex } from '../../model/workspaceIndex';
import { blockingByName, blockingFunction, type BlockingCallable } from './catalog';
import { configuredKey, configuredMatcher, type ConfiguredMatcher } from './configured';
import { matchBlockingCall } from './match';

/** `load_config()`, `read_file()`, …, `open()`: the helpers called in turn, ending with the blocking call. */
export type BlockingChain = readonly string[];

/** A chain as kept in the memo: linked, so the chains of the functions along one share their tails. */
interface ChainLink {
  display: string;
  next?: ChainLink;
  length: number;
}

function chainOf(link: ChainLink): BlockingChain {
  const chain: string[] = [];
  for (let l: ChainLink | undefined = link; l; l = l.next) chain.push(l.display);
  return chain;
}

/** Decorators that leave calling the function running its body. Others may make it async, cached, or remote. */
const TRANSPARENT_DECORATORS = new Set([
  'staticmethod', 'classmethod', 'functools.lru_cache', 'functools.cache', 'functools.wraps', 'typing.override', 'typing_extensions.override',
]);

interface GraphCall {
  callee: string;
  awaited: boolean;
  /** The call's node, for functions of the file being linted: its arguments can then be read. */
  node?: Node;
}

interface GraphFunction {
  canonical: string;
  /** How the chain shows it: `read_file()`, or `Config()` for a class whose `__init__` is followed. */
  display: string;
  calls: readonly GraphCall[];
  /**
   * From the workspace index, not a function only this file's model knows. Its calls lead to indexed functions
   * only, so what is found from it holds for every file and is memoised.
   */
  indexed: boolean;
  /** Its calls, classified once: the first blocking call it makes, and the helpers it calls, in source order. */
  edges?: { end?: string; helpers: GraphFunction[] };
}

type FunctionLike = FunctionSummary | FunctionInfo;

/** A function whose call runs its body right away, on the caller's thread. */
function runsWhenCalled(fn: FunctionLike): boolean {
  return !fn.isAsync && !fn.isGenerator && fn.decorators.every((d) => TRANSPARENT_DECORATORS.has(d));
}

/**
 * What a search reads of the module's own summary beyond its interface: the calls (callee and whether awaited, in
 * order) of its functions and methods that can be on a chain. The calls of the others (coroutine functions among
 * them) lead nowhere, so the server may keep AIO210's findings in other statements while they change
 * (server/rules/registry.ts).
 */
export function helperCallsKey(model: ModuleModel): string {
  const summary = model.index.module(model.moduleName);
  const parts: string[] = [];
  const add = (fn: FunctionSummary) => {
    if (runsWhenCalled(fn)) parts.push(`${fn.canonical}(${fn.calls.map((c) => `${c.awaited ? 'await ' : ''}${c.callee}`).join(', ')})`);
  };
  for (const symbol of summary?.symbols.values() ?? []) {
    if (symbol.kind === 'function') add(symbol);
    else if (symbol.kind === 'class') symbol.methods.forEach(add);
  }
  return parts.join('\n');
}

interface Memo {
  generation: number;
  configured: string;
  chains: Map<string, ChainLink | null>;
  /** `indexedHelper` by callee: most callees in coroutines are library calls, looked up again and again. */
  helpers: Map<string, GraphFunction | null>;
  /** What a call without arguments (a summary's) to a callee ends a chain with, if anything. */
  ends: Map<string, string | null>;
}

const memos = new WeakMap<WorkspaceIndex, Memo>();

function memoFor(index: WorkspaceIndex, config: LintConfig): Memo {
  const configured = configuredKey(config);
  let memo = memos.get(index);
  if (!memo || memo.generation !== index.generation || memo.configured !== configured) {
    memo = { generation: index.generation, configured, chains: new Map(), helpers: new Map(), ends: new Map() };
    memos.set(index, memo);
  }
  return memo;
}

/** How the end of a chain is shown: `open()`, `requests.get()`, `TextIOWrapper.read()`. */
function blockingDisplay(callable: BlockingCallable): string {
  if (blockingFunction(callable.name)) return `${callable.name}()`;
  const parts = callable.name.split('.');
  return `${parts.slice(-2).join('.')}()`;
}

export class BlockingCallGraph {
  private readonly index: WorkspaceIndex;
  private readonly memo: Memo;
  private readonly configured: ConfiguredMatcher;

  constructor(
    private readonly model: ModuleModel,
    config: LintConfig,
  ) {
    this.index = model.index;
    this.memo = memoFor(this.index, config);
    this.configured = configuredMatcher(config);
  }

  /** The plain function (or class `__init__`) a call to `callee` runs, if the workspace defines one. */
  helper(callee: string): GraphFunction | undefined {
    return this.indexedHelper(callee) ?? this.localHelper(callee);
  }

  /** The shortest chain from calling `callee` to a blocking call, or undefined when none is reached. */
  chainFrom(callee: string): BlockingChain | undefined {
    const start = this.helper(callee);
    if (!start) return undefined;
    const known = start.indexed ? this.memo.chains.get(start.canonical) : undefined;
    const chain = known === undefined ? this.search(start) : known;
    return chain ? chainOf(chain) : undefined;
  }

  private indexedHelper(callee: string): GraphFunction | undefined {
    let helper = this.memo.helpers.get(callee);
    if (helper === undefined) this.memo.helpers.set(callee, (helper = this.findIndexedHelper(callee) ?? null));
    return helper ?? undefined;
  }

  private findIndexedHelper(callee: string): GraphFunction | undefined {
    const fn = this.index.lookupFunction(callee);
    if (fn) {
      if (!runsWhenCalled(fn)) return undefined;
      // A method is shown with its class: `Service._load()`, `FFmpegAudio.__init__()`.
      const owner = this.index.lookupClass(fn.canonical.slice(0, fn.canonical.lastIndexOf('.')));
      return { canonical: fn.canonical, display: `${owner ? `${owner.name}.` : ''}${fn.name}()`, calls: fn.calls, indexed: true };
    }
    const cls = this.index.lookupClass(callee);
    const init = cls ? this.index.lookupFunction(this.index.resolveMember(cls.canonical, '__init__')) : undefined;
    return cls && init && runsWhenCalled(init) ? { canonical: init.canonical, display: `${cls.name}()`, calls: init.calls, indexed: true } : undefined;
  }

  /** Functions only this file's model knows, once each (the search tells functions apart by identity). */
  private readonly locals = new Map<string, GraphFunction | null>();

  private localHelper(callee: string): GraphFunction | undefined {
    let helper = this.locals.get(callee);
    if (helper === undefined) this.locals.set(callee, (helper = this.findLocalHelper(callee) ?? null));
    return helper ?? undefined;
  }

  /** Nested defs and methods of classes defined in functions. */
  private findLocalHelper(callee: string): GraphFunction | undefined {
    const fromModel = (fn: FunctionLike | undefined, display: string): GraphFunction | undefined => {
      if (!fn || !('node' in fn) || !runsWhenCalled(fn)) return undefined;
      const calls = fn.calls.filter((c) => !c.inLambda).map((c) => ({ callee: this.model.resolveCall(c.node) ?? '', awaited: c.awaited, node: c.node }));
      return { canonical: fn.canonical, display, calls, indexed: false };
    };
    const fn = this.model.lookupFunction(callee);
    if (fn && 'node' in fn) return fromModel(fn, `${fn.cls ? `${fn.cls.name}.` : ''}${fn.name}()`);
    const cls = this.model.localClass(callee);
    return cls ? fromModel(cls.methods.get('__init__'), `${cls.name}()`) : undefined;
  }

  /** The blocking call `call` makes, as the chain shows it. */
  private blockingEnd(call: GraphCall): string | undefined {
    if (call.node) {
      const callable = matchBlockingCall(this.model, call.node, call.awaited);
      if (callable) return blockingDisplay(callable);
      return call.callee && !call.awaited && this.configured(call.callee) ? `${call.callee}()` : undefined;
    }
    if (call.awaited || !call.callee) return undefined;
    let end = this.memo.ends.get(call.callee);
    if (end === undefined) {
      // A summary keeps no arguments: calls often made in their non-blocking form are not taken to block.
      const callable = blockingByName(call.callee, this.index);
      end = callable && !callable.oftenPolled ? blockingDisplay(callable) : this.configured(call.callee) ? `${call.callee}()` : null;
      this.memo.ends.set(call.callee, end);
    }
    return end ?? undefined;
  }

  private edgesOf(fn: GraphFunction): NonNullable<GraphFunction['edges']> {
    if (fn.edges) return fn.edges;
    let end: string | undefined;
    const helpers: GraphFunction[] = [];
    for (const call of fn.calls) {
      end ??= this.blockingEnd(call);
      if (call.awaited || !call.callee) continue;
      const helper = fn.indexed ? this.indexedHelper(call.callee) : this.helper(call.callee);
      if (helper && !helpers.includes(helper)) helpers.push(helper);
    }
    return (fn.edges = { end, helpers });
  }

  /**
   * Breadth-first from `start`, level by level, so the first chain found is a shortest one; cycles end at functions
   * already seen. A function with a memoised result is not walked again: its chain is appended. What the search
   * proves is memoised for indexed functions: each one on the chain found has the rest of it as its own shortest
   * chain, and when no chain exists, none exists from any function visited either.
   */
  private search(start: GraphFunction): ChainLink | null {
    interface Step {
      fn: GraphFunction;
      from?: Step;
      depth: number;
    }
    const finish = (last: Step, tail: ChainLink): ChainLink => {
      let link = tail;
      for (let s: Step | undefined = last; s; s = s.from) {
        link = { display: s.fn.display, next: link, length: link.length + 1 };
        if (s.fn.indexed) this.memo.chains.set(s.fn.canonical, link);
      }
      return link;
    };
    let level: Step[] = [{ fn: start, depth: 0 }];
    const seen = new Set([start]);
    let best: { step: Step; tail: ChainLink; length: number } | undefined;
    while (level.length) {
      for (const step of level) {
        const end = this.edgesOf(step.fn).end;
        if (end) return finish(step, { display: end, length: 1 });
      }
      // Chains through the next level are at least one step longer than a direct call there.
      if (best && best.length <= level[0].depth + 3) return finish(best.step, best.tail);
      const next: Step[] = [];
      for (const step of level) {
        for (const child of this.edgesOf(step.fn).helpers) {
          if (seen.has(child)) continue;
          seen.add(child);
          const known = child.indexed ? this.memo.chains.get(child.canonical) : undefined;
          if (known === null) continue;
          if (known) {
            const length = step.depth + 1 + known.length;
            if (!best || length < best.length) best = { step, tail: known, length };
            continue;
          }
          next.push({ fn: child, from: step, depth: step.depth + 1 });
        }
      }
      level = next;
    }
    if (best) return finish(best.step, best.tail);
    for (const fn of seen) if (fn.indexed) this.memo.chains.set(fn.canonical, null);
    return null;
  }
}
