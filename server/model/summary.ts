// What the workspace index keeps of each module: plain data, no syntax-tree nodes, so trees can be freed.

/** A call made directly in a function body (not in nested defs or lambdas). */
export interface CallRef {
  /** Canonical dotted name of the callee, e.g. `time.sleep` or `pkg.util.fetch`. */
  callee: string;
  /** Zero-based line and UTF-16 column of the call. */
  line: number;
  column: number;
  /** The call is the operand of `await`. */
  awaited: boolean;
  /** The call sits inside the arguments of another call (e.g. `to_thread(f, x)` or `gather(g())`). */
  nestedInCall: boolean;
}

export interface FunctionSummary {
  kind: 'function';
  name: string;
  /** Canonical name: `module.Class.method` / `module.func`. */
  canonical: string;
  isAsync: boolean;
  /** Canonical names of the decorators, outermost first (`@app.route(...)` gives `app.route`'s canonical name). */
  decorators: string[];
  /** Canonical class name of the return annotation, when it names one. */
  returns?: string;
  /** The body contains `yield` (an async generator when `isAsync`). */
  isGenerator: boolean;
  /** Certainly returns None: no `return <value>`, and a real body (not only `pass`/`...`/`raise`, which overrides replace). */
  returnsNone?: boolean;
  /**
   * What the function gives when used as a decorator (directly, or as a factory `@deco(arg)` returning a nested
   * decorator): the decorated function itself (`identity`), or a nested `async def` wrapper (`async-wrapper`).
   */
  asDecorator?: 'identity' | 'async-wrapper';
  params: string[];
  calls: CallRef[];
  /** Zero-based line of the `def`. */
  line: number;
  path: string;
}

export interface ClassSummary {
  kind: 'class';
  name: string;
  canonical: string;
  bases: string[];
  decorators: string[];
  methods: Map<string, FunctionSummary>;
  /** Instance attribute types, from class-body annotations and `self.x = Cls(...)` in methods. */
  attributeTypes: Map<string, string>;
  /** Item classes of container attributes (`_traces: list[Trace]`, `_conns: dict[Key, Conn]`). */
  attributeContainerTypes?: Map<string, { element?: string; value?: string }>;
  line: number;
  path: string;
}

/** A module-level name bound by an import: a re-export as far as other modules are concerned. */
export interface AliasSummary {
  kind: 'alias';
  target: string;
}

export interface VariableSummary {
  kind: 'variable';
  /** Canonical class of the value when known (`client = Client()`). */
  type?: string;
}

export type SymbolSummary = FunctionSummary | ClassSummary | AliasSummary | VariableSummary;

export interface ModuleSummary {
  module: string;
  path: string;
  symbols: Map<string, SymbolSummary>;
  /** Modules imported with `from m import *`, canonical. */
  starImports: string[];
}
