// AIO301 dangling-task: a task whose reference is dropped (or bound to a name nobody reads) is only weakly held by
// the event loop and can be garbage-collected before it finishes.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import { insertBefore, replaceNode } from '../fixes';
import type { CallSite, ModuleModel } from '../model/moduleModel';
import { freshName, insertStatementsAfter, moduleDefinitionBefore } from './lifecycle/edits';
import { callArguments, identifiersIn, isStoreTarget, isVariableReference } from './lifecycle/syntax';
import { enclosingTaskGroup, firstInModule, mentionsTaskFactory, possibleTaskFactories, taskFactoryOf, taskSink, type TaskSink } from './lifecycle/tasks';
import { PY311, targetAtLeast } from './lifecycle/version';
import type { Fix, Rule } from './types';

interface Dangling {
  site: CallSite;
  sink: Extract<TaskSink, { kind: 'discarded' } | { kind: 'name' }>;
}

/** A local variable of the call's function that no code reads (nested functions included). */
function isUnreadLocal(model: ModuleModel, site: CallSite, name: string): boolean {
  const fn = site.fn;
  if (!fn || fn.scope.declaredOutside.has(name)) return false;
  return !identifiersIn(model, fn.node).some((id) => id.text === name && isVariableReference(id) && !isStoreTarget(id));
}

function danglingTasks(model: ModuleModel): Dangling[] {
  const found: Dangling[] = [];
  for (const site of possibleTaskFactories(model)) {
    if (site.inLambda || !taskFactoryOf(model, site.node)) continue;
    const sink = taskSink(model, site.node);
    if (sink.kind === 'discarded' || (sink.kind === 'name' && isUnreadLocal(model, site, sink.name))) found.push({ site, sink });
  }
  return found;
}

/** Spellings of the names a fix may take: `freshName` looks for them in the whole module in some cases. */
const FIX_NAMES = /\b(?:_background_tasks|task)(?:_\d+)?\b/g;

/**
 * AIO301's reuse key, one part per top-level statement (server/rules/registry.ts): whether the statement has a
 * dangling task (the first such statement receives the set's definition), and the spellings of the names a fix may
 * take that occur in it (`freshName` looks for `_background_tasks` in the whole module, and for `task` there when a
 * task is created in a class body). Words rather than identifiers: a change inside a string only costs a full re-check.
 */
export function danglingTaskKeyPart(focused: ModuleModel, statement: { start: number; end: number }): string {
  const names = focused.source.slice(statement.start, statement.end).match(FIX_NAMES) ?? [];
  const dangling = mentionsTaskFactory(focused) && danglingTasks(focused).length > 0;
  return `${dangling ? 'dangling' : '-'} ${names.join(',')}`;
}

/** The module-level set that keeps background tasks alive: an existing `_background_tasks = set()`, or a new one. */
function backgroundSet(model: ModuleModel): { name: string; exists: boolean } {
  const existing = model.moduleScope.bindings.get('_background_tasks');
  const last = existing?.[existing.length - 1];
  if (last?.kind === 'assignment' && last.value?.text === 'set()') return { name: '_background_tasks', exists: true };
  return { name: freshName(model, model.root, '_background_tasks'), exists: false };
}

class DanglingFixes {
  private readonly set: { name: string; exists: boolean };

  constructor(
    private readonly model: ModuleModel,
    /** The first finding that may use the set: its definition goes before that code, identically for every finding. */
    private readonly firstUse: Node,
  ) {
    this.set = backgroundSet(model);
  }

  private definition?: TextEdit | null;

  /** The edit that defines the set, the same for every finding. */
  private setDefinition(): TextEdit | undefined {
    if (this.definition === undefined) this.definition = moduleDefinitionBefore(this.model, this.firstUse, `${this.set.name} = set()`) ?? null;
    return this.definition ?? undefined;
  }

  /** Keeps the task in a module-level set until it is done (the asyncio documentation's pattern). */
  keepInSet(item: Dangling): Fix | undefined {
    const { sink, site } = item;
    const set = this.set.name;
    let task: string;
    const edits: TextEdit[] = [];
    if (sink.kind === 'name') {
      task = sink.name;
    } else if (sink.shape === 'call') {
      task = freshName(this.model, site.fn?.node ?? this.model.root, 'task');
      edits.push(insertBefore(sink.statement, `${task} = `));
    } else {
      return undefined;
    }
    edits.push(insertStatementsAfter(this.model, sink.statement, [`${set}.add(${task})`, `${task}.add_done_callback(${set}.discard)`]));
    const edit = edits[0];
    if (!this.set.exists) {
      const definition = this.setDefinition();
      if (!definition) return undefined;
      // Module-level code: the definition and the rewritten statement start at the same place; one edit keeps order.
      const sameStart = definition.range.start.line === edit.range.start.line && definition.range.start.character === edit.range.start.character;
      if (sameStart) edits[0] = { range: edit.range, newText: definition.newText + edit.newText };
      else edits.push(definition);
    }
    return { title: `Keep a reference in \`${set}\` until the task is done`, safety: 'safe', edits };
  }

  /** Moves the task into the enclosing `TaskGroup`, which holds and awaits it. */
  moveIntoTaskGroup(item: Dangling, group: string): Fix | undefined {
    const call = item.site.node;
    const args = callArguments(call);
    const keywordsOk = [...args.keywords.keys()].every((k) => k === 'name' || k === 'context');
    const callee = call.childForFieldName('function');
    if (!callee || args.positional.length !== 1 || args.hasSplat || !keywordsOk) return undefined;
    return { title: `Create the task with \`${group}.create_task()\``, safety: 'unsafe', edits: [replaceNode(callee, `${group}.create_task`)] };
  }
}

function messageFor(item: Dangling): string {
  const callee = `\`${item.site.node.childForFieldName('function')?.text ?? 'create_task'}()\``;
  const where = item.site.fn ? ` in \`${item.site.fn.name}\`` : '';
  const weak = 'the event loop keeps only a weak reference, so the task can be garbage-collected before it finishes';
  const { sink } = item;
  if (sink.kind === 'name') return `Task \`${sink.name}\` from ${callee}${where} is never used: once the function moves on, ${weak}. Keep a reference until it is done.`;
  if (sink.shape === 'chained') return `The task from ${callee}${where} is not stored (a done callback does not keep it alive): ${weak}. Keep a reference until it is done.`;
  if (sink.shape === 'collection') return `The tasks from ${callee}${where} are collected but the collection is dropped: ${weak}. Keep a reference until they are done.`;
  return `The task from ${callee}${where} is not stored anywhere: ${weak}. Keep a reference until it is done.`;
}

export const danglingTask: Rule = {
  meta: {
    code: 'AIO301',
    name: 'dangling-task',
    summary: 'the task from create_task/ensure_future is dropped, so only a weak reference keeps it alive',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['RUF006', 'ASYNC300'],
  },
  check({ model, config, report }) {
    if (!mentionsTaskFactory(model)) return;
    const found = danglingTasks(model);
    if (!found.length) return;
    const fixes = new DanglingFixes(model, firstInModule(model, found[0], danglingTasks).site.node);
    const taskGroupsAvailable = targetAtLeast(config, PY311);
    for (const item of found) {
      const keep = fixes.keepInSet(item);
      const group = taskGroupsAvailable ? enclosingTaskGroup(model, item.site.node) : undefined;
      const intoGroup = group ? fixes.moveIntoTaskGroup(item, group) : undefined;
      const [fix, ...alternatives] = [intoGroup, keep].filter((f): f is Fix => !!f);
      report({ node: item.site.node, message: messageFor(item), fix, alternativeFixes: alternatives });
    }
  },
};
