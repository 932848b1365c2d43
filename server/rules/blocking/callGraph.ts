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
  /** From the workspace index (memoisable across files), not a function only this file's model knows. */
  indexed: boolean;
}

type FunctionLike = FunctionSummary | FunctionInfo;

/** A function whose call runs its body right away, on the caller's thread. */
function runsWhenCalled(fn: FunctionLike): boolean {
  return !fn.isAsync && !fn.isGenerator && fn.decorators.every((d) => TRANSPARENT_DECORATORS.has(d));
}

interface Memo {
  generation: number;
  configured: string;
  chains: Map<string, BlockingChain | null>;
}

const memos = new WeakMap<WorkspaceIndex, Memo>();

function memoFor(index: WorkspaceIndex, config: LintConfig): Memo {
  const configured = configuredKey(config);
  let memo = memos.get(index);
  if (!memo || memo.generation !== index.generation || memo.configured !== configured) {
    memo = { generation: index.generation, configured, chains: new Map() };
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
    if (!start.indexed) return this.search(start, (c) => this.helper(c)) ?? undefined;
    let chain = this.memo.chains.get(start.canonical);
    if (chain === undefined) {
      chain = this.search(start, (c) => this.indexedHelper(c));
      this.memo.chains.set(start.canonical, chain);
    }
    return chain ?? undefined;
  }

  private indexedHelper(callee: string): GraphFunction | undefined {
    const fn = this.index.lookupFunction(callee);
    if (fn) return runsWhenCalled(fn) ? { canonical: fn.canonical, display: `${fn.name}()`, calls: fn.calls, indexed: true } : undefined;
    const cls = this.index.lookupClass(callee);
    const init = cls ? this.index.lookupFunction(this.index.resolveMember(cls.canonical, '__init__')) : undefined;
    return cls && init && runsWhenCalled(init) ? { canonical: init.canonical, display: `${cls.name}()`, calls: init.calls, indexed: true } : undefined;
  }

  /** Functions only this file's model knows: nested defs and methods of classes defined in functions. */
  private localHelper(callee: string): GraphFunction | undefined {
    const fromModel = (fn: FunctionLike | undefined, display: string): GraphFunction | undefined => {
      if (!fn || !('node' in fn) || !runsWhenCalled(fn)) return undefined;
      const calls = fn.calls.filter((c) => !c.inLambda).map((c) => ({ callee: this.model.resolveCall(c.node) ?? '', awaited: c.awaited, node: c.node }));
      return { canonical: fn.canonical, display, calls, indexed: false };
    };
    const fn = this.model.lookupFunction(callee);
    if (fn) return fromModel(fn, `${fn.name}()`);
    const cls = this.model.classes.find((c) => c.canonical === callee);
    return cls ? fromModel(cls.methods.get('__init__'), `${cls.name}()`) : undefined;
  }

  /** The blocking call `call` makes, as the chain shows it. */
  private blockingEnd(call: GraphCall): string | undefined {
    if (call.node) {
      const callable = matchBlockingCall(this.model, call.node, call.awaited);
      if (callable) return blockingDisplay(callable);
    } else if (!call.awaited) {
      // A summary keeps no arguments: calls often made in their non-blocking form are not taken to block.
      const callable = blockingByName(call.callee, this.index);
      if (callable && !callable.oftenPolled) return blockingDisplay(callable);
    }
    return call.callee && !call.awaited && this.configured(call.callee) ? `${call.callee}()` : undefined;
  }

  /**
   * Breadth-first from `start`, level by level, so the first chain found is a shortest one; cycles end at functions
   * already seen. A function with a memoised result is not walked again: its chain is appended.
   */
  private search(start: GraphFunction, lookup: (callee: string) => GraphFunction | undefined): BlockingChain | null {
    let level: { fn: GraphFunction; path: string[] }[] = [{ fn: start, path: [start.display] }];
    const seen = new Set([start.canonical]);
    let best: BlockingChain | null = null;
    while (level.length) {
      for (const { fn, path } of level) {
        for (const call of fn.calls) {
          const end = this.blockingEnd(call);
          if (end) return [...path, end];
        }
      }
      // Chains through the next level are at least one step longer than a direct call there.
      if (best && best.length <= level[0].path.length + 2) return best;
      const next: typeof level = [];
      for (const { fn, path } of level) {
        for (const call of fn.calls) {
          if (call.awaited || !call.callee) continue;
          const child = lookup(call.callee);
          if (!child || seen.has(child.canonical)) continue;
          seen.add(child.canonical);
          const known = child.indexed ? this.memo.chains.get(child.canonical) : undefined;
          if (known === null) continue;
          if (known) {
            const candidate = [...path, ...known];
            if (!best || candidate.length < best.length) best = candidate;
            continue;
          }
          next.push({ fn: child, path: [...path, child.display] });
        }
      }
      level = next;
    }
    return best;
  }
}
