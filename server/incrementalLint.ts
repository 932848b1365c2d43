// Statement-level re-lint for the language server. After an edit confined to one top-level def or class that left
// the module's interface alone, the statement-local rules (server/rules/registry.ts) re-check only that statement,
// and their findings in every other statement are carried over from the previous lint, moved down or up by the lines
// the edit added or removed. Module-wide rules always run in full, and anything else is linted in full. The module's
// summary for the workspace index is kept the same way (`buildModelIncrementally`). The result must equal a full lint
// exactly: test/unit/incremental-analysis.test.ts compares the two, summaries included, on random edit sequences.
import type { LintConfig } from './config';
import type { Tree } from 'web-tree-sitter';
import { buildModel, runRule, sortFindings, type RuleFailure } from './engine';
import type { ModuleModel } from './model/moduleModel';
import type { ClassSummary, FunctionSummary, ModuleSummary, SymbolSummary } from './model/summary';
import { sameInterface, type WorkspaceIndex } from './model/workspaceIndex';
import { reachOf, reuseKeyOf, RULES } from './rules/registry';
import { partitionPoint } from './sorted';
import type { Finding, Fix, Rule } from './rules/types';

/** A top-level statement, as plain data: the trees it came from are gone by the next edit. */
interface Statement {
  type: string;
  start: number;
  end: number;
  startLine: number;
  startColumn: number;
  endLine: number;
  hasError: boolean;
}

/** What one lint leaves for the next. */
export interface LintState {
  readonly source: string;
  readonly statements: readonly Statement[];
  readonly config: LintConfig;
  /** The workspace index's generation after this module was indexed: any interface change anywhere bumps it. */
  readonly generation: number;
  /** This module's summary, as indexed. */
  readonly summary: ModuleSummary;
  /** Module-level bindings: name, kind, import target and the statement that binds them. */
  readonly bindings: string;
  /** Each statement-local rule's findings, in the order it reported them. */
  readonly localFindings: ReadonlyMap<string, readonly Finding[]>;
  /** The reuse key of each enabled rule that has one (server/rules/registry.ts). */
  readonly keys: ReadonlyMap<string, string>;
  /** For keys made per statement: each statement's part, in the order of `statements`. */
  readonly keyParts: ReadonlyMap<string, readonly string[]>;
}

export interface IncrementalLint {
  findings: Finding[];
  failures: RuleFailure[];
  /** Undefined when a rule failed: a partial result is no base for the next lint. */
  state?: LintState;
  /** The lint re-checked one statement (or none) and reused the rest. */
  reused: boolean;
}

/** Lints `model`, reusing `previous` (the lint of the document before the edit) where that is exact. */
export function lintIncrementally(model: ModuleModel, config: LintConfig, previous: LintState | undefined): IncrementalLint {
  const { statements, bindings, match } = comparedWithPrevious(model, previous);
  const reuse = previous && match && reusable(previous, model, config, match);
  const localFindings = new Map<string, Finding[]>();
  const keys = new Map<string, string>();
  const keyParts = new Map<string, string[]>();
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const focused = reuse && (reuse.changed ? model.focusedOn(reuse.changed.start, reuse.changed.end) : undefined);
  const keying: Keying = { model, config, statements, previous: reuse ? previous : undefined, changed: reuse?.changed?.index, failures, keyParts };
  for (const rule of RULES) {
    const reach = reachOf(rule);
    const local = reach !== 'module';
    const key = reuseKey(rule, keying);
    if (key !== undefined) keys.set(rule.meta.code, key);
    const sameKey = key === previous?.keys.get(rule.meta.code);
    const statementOnly = sameKey && (reach === 'statement' || (reach === 'statement-same-lines' && reuse?.lineShift === 0));
    if (!reuse || !statementOnly) {
      const own: Finding[] = [];
      runRule(rule, model, config, own, failures);
      findings.push(...own);
      if (local) localFindings.set(rule.meta.code, own);
      continue;
    }
    const own = reuse.carried.get(rule.meta.code) ?? [];
    if (focused) runRule(rule, focused, config, own, failures);
    findings.push(...own);
    localFindings.set(rule.meta.code, own);
  }
  const summary = ownSummary(model);
  const state = failures.length || !summary
    ? undefined
    : { source: model.source, statements, config, generation: model.index.generation, summary, bindings, localFindings, keys, keyParts };
  return { findings: sortFindings(findings), failures, state, reused: !!reuse };
}

interface Keying {
  model: ModuleModel;
  config: LintConfig;
  statements: readonly Statement[];
  /** The previous lint, when this one reuses it: parts of unchanged statements are carried over. */
  previous?: LintState;
  /** The index of the changed statement (none: the text is the same). */
  changed?: number;
  failures: RuleFailure[];
  /** Filled with the parts of per-statement keys. */
  keyParts: Map<string, string[]>;
}

/**
 * The rule's reuse key for this model, if it has one and is enabled; a key that throws is the rule's failure. A key
 * made per statement takes the previous lint's parts for the statements an edit left alone (a part depends only on
 * its statement and the module's interface, which a reused lint has unchanged) and computes the rest.
 */
function reuseKey(rule: Rule, { model, config, statements, previous, changed, failures, keyParts }: Keying): string | undefined {
  const key = reuseKeyOf(rule);
  const code = rule.meta.code;
  if (!key || !config.isEnabled(code)) return undefined;
  try {
    if (key.of === 'module') return key.key(model);
    const carried = previous?.keyParts.get(code);
    const partOf = (s: Statement) => key.part(model.focusedOn(s.start, s.end), s);
    const parts = carried ? carried.map((part, i) => (i === changed ? partOf(statements[i]) : part)) : statements.map(partOf);
    keyParts.set(code, parts);
    return key.combine ? key.combine(parts, model) : parts.join('\n');
  } catch (error) {
    failures.push({ code, error });
    return undefined;
  }
}

/** The module's summary as the index holds it (unless another file of the same module name replaced it). */
function ownSummary(model: ModuleModel): ModuleSummary | undefined {
  const summary = model.index.module(model.moduleName);
  return summary?.path === model.path ? summary : undefined;
}

interface Reuse {
  /** The changed statement's extent in the new source and its index among the statements (none when the text is the same). */
  changed?: { start: number; end: number; index: number };
  /** Each local rule's previous findings outside the changed statement, moved to their new lines. */
  carried: Map<string, Finding[]>;
  /** Lines added (or, negative, removed) by the edit. */
  lineShift: number;
}

const DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition']);

/** The one top-level def or class an edit changed, matched against the previous lint's statements. */
interface EditedStatement {
  was: Statement;
  now: Statement;
  /** Its index among the statements. */
  index: number;
  /** Lines added (or, negative, removed) by the edit. */
  lineShift: number;
}

function reusable(previous: LintState, model: ModuleModel, config: LintConfig, match: { edited?: EditedStatement }): Reuse | undefined {
  if (previous.config !== config) return undefined;
  // Other modules are as they were: the only index change since, if any, is this module's own update.
  const summary = ownSummary(model);
  if (!summary || !sameInterface(previous.summary, summary, false)) return undefined;
  const sameCalls = sameInterface(previous.summary, summary);
  if (model.index.generation !== previous.generation + (sameCalls ? 0 : 1)) return undefined;
  const edited = match.edited;
  if (!edited) return { carried: new Map([...previous.localFindings].map(([code, list]) => [code, [...list]])), lineShift: 0 };
  const { was, now, lineShift } = edited;
  // Where the edited statement starts is the same place before and after the edit (it starts at the same offset, at
  // the start of its line): an edit inserting there, such as a module-level definition, stays as it is.
  const moveLine = (p: Position): number | undefined =>
    p.line < was.startLine || (p.line === was.startLine && p.character === 0) ? p.line : p.line > was.endLine ? p.line + lineShift : undefined;
  const carried = new Map<string, Finding[]>();
  for (const [code, list] of previous.localFindings) {
    const kept: Finding[] = [];
    for (const finding of list) {
      if (finding.range.start.line >= was.startLine && finding.range.start.line <= was.endLine) continue;
      const moved = moveFinding(finding, moveLine);
      if (!moved) return undefined;
      kept.push(moved);
    }
    carried.set(code, kept);
  }
  return { changed: { start: now.start, end: now.end, index: edited.index }, carried, lineShift };
}

/**
 * Whether the source differs from the previous lint's by an edit confined to one top-level def or class, with the
 * module-level bindings unchanged: `{}` for the same text, the edited statement otherwise, undefined for anything else.
 */
function matchStatements(previous: LintState, model: ModuleModel, statements: Statement[], bindings: string): { edited?: EditedStatement } | undefined {
  if (previous.bindings !== bindings) return undefined;
  const before = previous.statements;
  if (before.length !== statements.length) return undefined;
  const oldSource = previous.source;
  const source = model.source;
  if (oldSource === source) return {};
  // The statement the edit starts in (or after): the text before it must be the same, and so must the text after it.
  let prefix = 0;
  const shorter = Math.min(oldSource.length, source.length);
  while (prefix < shorter && oldSource.charCodeAt(prefix) === source.charCodeAt(prefix)) prefix++;
  let k = statements.length - 1;
  while (k >= 0 && statements[k].start > prefix) k--;
  if (k === -1) return undefined;
  const was = before[k];
  const now = statements[k];
  // One def or class changed, where it was: in place, starting its own line and sharing no line with its neighbours.
  if (was.start !== now.start || !DEFINITIONS.has(now.type) || was.type !== now.type) return undefined;
  if (oldSource.length - was.end !== source.length - now.end || oldSource.slice(was.end) !== source.slice(now.end)) return undefined;
  if (now.startColumn !== 0 || was.startColumn !== 0) return undefined;
  if (k > 0 && before[k - 1].endLine >= was.startLine) return undefined;
  if (k + 1 < statements.length && (before[k + 1].startLine <= was.endLine || statements[k + 1].startLine <= now.endLine)) return undefined;
  // Every other statement parsed as before (so, being the same text, is the same statement), shifted past the edit.
  const shift = source.length - oldSource.length;
  for (let i = 0; i < statements.length; i++) {
    if (i === k) continue;
    const a = before[i];
    const b = statements[i];
    const offset = i < k ? 0 : shift;
    if (b.type !== a.type || b.start !== a.start + offset || b.end !== a.end + offset || b.hasError !== a.hasError) return undefined;
  }
  if (!hasNoNestedClass(model, now)) return undefined;
  return { edited: { was, now, index: k, lineShift: now.endLine - was.endLine } };
}

/**
 * Summaries computed against an index whose entry for their own module had the same interface (without calls): what
 * a function's summary resolves through its own module's index entry then holds for every later entry of that
 * interface, so their functions and classes may be kept.
 */
const settledSummaries = new WeakSet<ModuleSummary>();

/**
 * `buildModel` for the server: after an edit inside one top-level def or class (the same matching as the lint's
 * reuse), the summaries of the functions and classes of every other statement are taken from the previous lint's,
 * moved by the lines the edit added or removed, instead of resolving all their calls again. If the module's interface
 * turns out to have changed, the whole summary is computed again.
 */
export function buildModelIncrementally(
  tree: Tree,
  source: string,
  path: string,
  index: WorkspaceIndex,
  previous: LintState | undefined,
): ReturnType<typeof buildModel> & { keptSummaries: number } {
  let keptSummaries = 0;
  const built = buildModel(tree, source, path, index, (model) => {
    const entry = index.module(model.moduleName);
    const kept = previous && entry === previous.summary && settledSummaries.has(entry) && index.generation === previous.generation ? keptSymbols(previous, model) : undefined;
    let summary = model.summary(kept);
    keptSummaries = kept?.size ?? 0;
    if (kept && !sameInterface(entry!, summary, false)) {
      summary = model.summary();
      keptSummaries = 0;
    }
    if (entry?.path === path && sameInterface(entry, summary, false)) settledSummaries.add(summary);
    return summary;
  }, true);
  return { ...built, keptSummaries };
}

/** The previous summaries of the module-level functions and classes outside the edited statement, at their new lines. */
function keptSymbols(previous: LintState, model: ModuleModel): Map<string, SymbolSummary> | undefined {
  const { match } = comparedWithPrevious(model, previous);
  if (!match) return undefined;
  const edited = match.edited;
  const kept = new Map<string, SymbolSummary>();
  for (const [name, bindings] of model.moduleScope.bindings) {
    const last = bindings[bindings.length - 1];
    if (last.kind !== 'function' && last.kind !== 'class') continue;
    const at = last.node.startIndex;
    if (edited && at >= edited.now.start && at < edited.now.end) continue;
    const symbol = previous.summary.symbols.get(name);
    if (symbol?.kind !== last.kind) continue;
    kept.set(name, edited && at >= edited.now.end ? shiftedSymbol(symbol, edited.lineShift) : symbol);
  }
  return kept;
}

function shiftedSymbol(symbol: FunctionSummary | ClassSummary, lines: number): SymbolSummary {
  if (lines === 0) return symbol;
  if (symbol.kind === 'function') return shiftedFunction(symbol, lines);
  return { ...symbol, line: symbol.line + lines, methods: new Map([...symbol.methods].map(([name, m]) => [name, shiftedFunction(m, lines)])) };
}

function shiftedFunction(fn: FunctionSummary, lines: number): FunctionSummary {
  return { ...fn, line: fn.line + lines, calls: fn.calls.map((c) => ({ ...c, line: c.line + lines })) };
}

/**
 * Other statements see the changed def or class through the module's summary (compared above) and its module-level
 * binding (in the bindings key), but a class nested in a class, `Outer.Inner`, is resolved from the model alone.
 * A class nested in a function, `f.<locals>.Local`, is private to it.
 */
function hasNoNestedClass(model: ModuleModel, statement: Statement): boolean {
  return !model.classesIn(statement.start, statement.end).some((c) => c.qualname.includes('.') && !c.qualname.includes('<locals>'));
}

type Position = Finding['range']['start'];

/** The finding with every position (range and fix edits) moved, or undefined if one falls on the changed lines. */
function moveFinding(finding: Finding, moveLine: (p: Position) => number | undefined): Finding | undefined {
  let outside = true;
  const move = (p: Position): Position => {
    const line = moveLine(p);
    if (line === undefined) outside = false;
    return line === p.line || line === undefined ? p : { line, character: p.character };
  };
  const moveRange = (r: Finding['range']) => ({ start: move(r.start), end: move(r.end) });
  const moveFix = (fix: Fix): Fix => ({ ...fix, edits: fix.edits.map((e) => ({ ...e, range: moveRange(e.range) })) });
  const moved: Finding = { ...finding, range: moveRange(finding.range) };
  if (finding.fix) moved.fix = moveFix(finding.fix);
  if (finding.alternativeFixes) moved.alternativeFixes = finding.alternativeFixes.map(moveFix);
  return outside ? moved : undefined;
}

interface Comparison {
  previous: LintState | undefined;
  statements: Statement[];
  bindings: string;
  /** See matchStatements; undefined also without a previous lint. */
  match?: { edited?: EditedStatement };
}

const comparisons = new WeakMap<ModuleModel, Comparison>();

/**
 * The model's top-level statements and bindings, matched against the previous lint's: worked out once per model,
 * for the summary (`buildModelIncrementally`) and then the lint.
 */
function comparedWithPrevious(model: ModuleModel, previous: LintState | undefined): Comparison {
  const known = comparisons.get(model);
  if (known && known.previous === previous) return known;
  const statements = topLevelStatements(model);
  const bindings = bindingsKey(model, statements);
  const comparison = { previous, statements, bindings, match: previous && matchStatements(previous, model, statements, bindings) };
  comparisons.set(model, comparison);
  return comparison;
}

function topLevelStatements(model: ModuleModel): Statement[] {
  const statements: Statement[] = [];
  for (const node of model.root.namedChildren) {
    if (!node || node.type === 'comment') continue;
    const start = node.startPosition;
    const end = node.endPosition;
    statements.push({ type: node.type, start: node.startIndex, end: node.endIndex, startLine: start.row, startColumn: start.column, endLine: end.row, hasError: node.hasError });
  }
  return statements;
}

/** The module scope's bindings in order, each with its kind, import target and the index of the statement holding it. */
function bindingsKey(model: ModuleModel, statements: readonly Statement[]): string {
  const statementAt = (offset: number) => Math.max(0, partitionPoint(statements, (s) => s.start <= offset) - 1);
  const parts: string[] = [];
  for (const [name, list] of model.moduleScope.bindings) {
    parts.push(`${name}=${list.map((b) => `${b.kind}${b.kind === 'import' ? `(${b.target})` : ''}@${statementAt(b.node.startIndex)}`).join(',')}`);
  }
  return parts.join(';');
}
