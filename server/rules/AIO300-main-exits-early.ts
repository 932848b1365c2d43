// AIO300 main-exits-early: the entry coroutine returns while tasks it started are still pending, and the runner
// cancels (or abandons) them silently.
import type { TextEdit } from 'vscode-languageserver-types';
import { asyncioReference, insertBefore } from '../fixes';
import type { FunctionInfo, ModuleModel } from '../model/moduleModel';
import { freshName, insertStatementsAfter, insertStatementsBefore, startsOwnLine } from './lifecycle/edits';
import { entryPoints, type EntryPoint, type EntryRunner } from './lifecycle/entryPoints';
import { pendingAnalysis, type PendingAnalysis, type PendingExit, type PendingTask } from './lifecycle/pending';
import { insideLoop, mentions, statementsOf } from './lifecycle/syntax';
import { PY37, targetAtLeast } from './lifecycle/version';
import type { Fix, Rule, RuleContext } from './types';

function consequence(runner: EntryRunner, pronoun: string): string {
  if (runner === 'run_until_complete') return `the loop then stops with ${pronoun} unfinished`;
  return `\`${runner === 'asyncio.run' ? 'asyncio.run' : 'Runner.run'}()\` then cancels ${pronoun} silently`;
}

/** A variable bound once in `fn`, outside loops: at every exit it still holds what it was first given. */
function isStableName(fn: FunctionInfo, name: string): boolean {
  if (fn.scope.declaredOutside.has(name)) return false;
  const bindings = fn.scope.bindings.get(name);
  return bindings?.length === 1 && !insideLoop(bindings[0].node, fn.node);
}

class ExitFixBuilder {
  /** Names given to discarded tasks so they can be awaited. */
  private readonly newNames = new Map<PendingTask, string>();
  private readonly asyncio: ReturnType<typeof asyncioReference>;

  constructor(
    private readonly model: ModuleModel,
    private readonly fn: FunctionInfo,
  ) {
    this.asyncio = asyncioReference(model);
  }

  /** How the fix can refer to a pending task at an exit: a variable, `*collection`, or nothing. */
  private handleOf(task: PendingTask): string | undefined {
    // A helper's return value (a server, a pool) is not necessarily awaitable.
    if (task.helper) return undefined;
    if (!task.inLoop) {
      const name = [...task.names].find((n) => isStableName(this.fn, n));
      if (name) return name;
    }
    const container = [...task.containers].find((c) => isStableName(this.fn, c));
    if (container) return `*${container}`;
    if (task.discardedStatement && !task.inLoop && !task.helper) {
      let name = this.newNames.get(task);
      if (!name) {
        name = freshName(this.model, this.fn.node, 'task', new Set(this.newNames.values()));
        this.newNames.set(task, name);
      }
      return name;
    }
    return undefined;
  }

  private awaitLines(exit: PendingExit): string[] | undefined {
    const handles = exit.pending.map((t) => this.handleOf(t));
    if (handles.some((h) => h === undefined)) return undefined;
    const unique = [...new Set(handles as string[])];
    if (unique.length === 1 && !unique[0].startsWith('*')) return [`await ${unique[0]}`];
    return [`await ${this.asyncio.name}.gather(${unique.join(', ')})`];
  }

  private waitForAllLines(): string[] {
    const aio = this.asyncio.name;
    const pending = freshName(this.model, this.fn.node, 'pending');
    return [`${pending} = ${aio}.all_tasks() - {${aio}.current_task()}`, `if ${pending}:`, `    await ${aio}.wait(${pending})`];
  }

  /** Inserts `lines` where the function leaves through `exit`; undefined when they cannot go there. */
  private exitEdit(exit: PendingExit, lines: string[]): TextEdit | undefined {
    const compound = lines.length > 1;
    if (exit.statement) {
      if (compound && !startsOwnLine(this.model, exit.statement)) return undefined;
      return insertStatementsBefore(this.model, exit.statement, lines);
    }
    const last = statementsOf(this.fn.node.childForFieldName('body')).pop();
    if (!last || (compound && !startsOwnLine(this.model, last))) return undefined;
    return insertStatementsAfter(this.model, last, lines);
  }

  private finish(edits: (TextEdit | undefined)[], usesAsyncio: boolean): TextEdit[] | undefined {
    if (edits.some((e) => !e)) return undefined;
    const all = edits as TextEdit[];
    for (const [task, name] of this.newNames) all.push(insertBefore(task.discardedStatement!, `${name} = `));
    if (usesAsyncio && this.asyncio.importEdit) all.push(this.asyncio.importEdit);
    return all;
  }

  /** Awaits the pending tasks at each exit (gathering several); exits with tasks it cannot name wait for all tasks. */
  awaitPending(exits: PendingExit[], canWaitForAll: boolean): Fix | undefined {
    let usesAsyncio = false;
    const edits = exits.map((exit) => {
      let lines = this.awaitLines(exit);
      if (!lines) {
        if (!canWaitForAll) return undefined;
        lines = this.waitForAllLines();
      }
      usesAsyncio ||= lines.some((l) => l.includes(`${this.asyncio.name}.`));
      return this.exitEdit(exit, lines);
    });
    const all = this.finish(edits, usesAsyncio);
    return all && { title: 'Await the pending tasks before returning', safety: 'unsafe', edits: all };
  }

  /** The idiom that waits for every other task, whatever started it. */
  waitForAll(exits: PendingExit[]): Fix | undefined {
    const edits = exits.map((exit) => this.exitEdit(exit, this.waitForAllLines()));
    const all = this.finish(edits, true);
    return all && { title: 'Wait for all other tasks before returning (`asyncio.all_tasks()`)', safety: 'unsafe', edits: all };
  }
}

function subjectOf(task: PendingTask): { text: string; plural: boolean } {
  if (task.helper) return { text: `\`${task.helper}()\` starts tasks that`, plural: true };
  const name = [...task.names][0];
  if (name && !task.inLoop) return { text: `Task \`${name}\``, plural: false };
  const container = [...task.containers][0];
  if (container) return { text: `The tasks in \`${container}\``, plural: true };
  return { text: task.inLoop ? 'The tasks created here' : 'The task created here', plural: task.inLoop };
}

function exitDescription(fn: FunctionInfo, exit: PendingExit): string {
  if (exit.statement) return `returns (line ${exit.statement.startPosition.row + 1})`;
  return `reaches its end (line ${fn.node.endPosition.row + 1})`;
}

function checkEntry(context: RuleContext, entry: EntryPoint, analysis: PendingAnalysis): void {
  const { model, config } = context;
  const { fn } = entry;
  const builder = new ExitFixBuilder(model, fn);
  const canWaitForAll = targetAtLeast(config, PY37);
  const fix = builder.awaitPending(analysis.exits, canWaitForAll);
  const waitForAll = canWaitForAll ? new ExitFixBuilder(model, fn).waitForAll(analysis.exits) : undefined;
  const differs = fix && waitForAll && JSON.stringify(fix.edits) !== JSON.stringify(waitForAll.edits);
  const reported = new Set<PendingTask>();
  for (const exit of analysis.exits) {
    for (const task of exit.pending) {
      if (reported.has(task)) continue;
      reported.add(task);
      const subject = subjectOf(task);
      const pronoun = subject.plural ? 'them' : 'it';
      context.report({
        node: task.anchor,
        message:
          `${subject.text} may still be pending when \`${fn.name}\` ${exitDescription(fn, exit)}; ${consequence(entry.runner, pronoun)}. ` +
          `Await, gather or cancel ${pronoun} before \`${fn.name}\` returns.`,
        // One fix per entry coroutine, shared by its findings: identical edits merge when several are applied.
        fix: fix ?? waitForAll,
        alternativeFixes: differs ? [waitForAll!] : undefined,
      });
    }
  }
}

/**
 * AIO300's reuse key, made per statement (server/rules/registry.ts): the entry coroutines a statement runs. Findings
 * are only in those, and they read the helpers the entry calls wherever these are defined; so a module that runs none
 * reports nothing whatever is edited, and in one that does, every edit re-checks the whole module (`mainExitsEarlyKey`).
 */
export function mainExitsEarlyKeyPart(focused: ModuleModel): string {
  return entryPoints(focused).map((entry) => `${entry.fn.canonical} ${entry.runner}`).join(',');
}

/** Nothing while no statement runs an entry coroutine, otherwise the module's whole text. */
export function mainExitsEarlyKey(parts: readonly string[], model: ModuleModel): string {
  return parts.some((part) => part !== '') ? `${parts.join('\n')}\n${model.source}` : '';
}

export const mainExitsEarly: Rule = {
  meta: {
    code: 'AIO300',
    name: 'main-exits-early',
    summary: 'the entry coroutine can return while tasks it started are still pending',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check(context) {
    if (!mentions(context.model, 'asyncio', 'run_until_complete')) return;
    const cache = new Map<FunctionInfo, PendingAnalysis | 'running'>();
    for (const entry of entryPoints(context.model)) {
      const analysis = pendingAnalysis(context.model, entry.fn, 0, cache);
      if (analysis.exits.length) checkEntry(context, entry, analysis);
    }
  },
};
