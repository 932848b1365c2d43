// AIO302 task-exception-lost: a task is kept (in a variable, a private attribute or a collection) but nothing ever
// awaits it, gathers it, asks for its result or gives it a done callback, so its exception is never retrieved.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import { ensureImport } from '../fixes';
import type { CallSite, FunctionInfo, ModuleModel } from '../model/moduleModel';
import { freshName, insertStatementsAfter, moduleDefinitionBefore } from './lifecycle/edits';
import { identifiersIn, isStoreTarget, isVariableReference, methodReceiver } from './lifecycle/syntax';
import { firstInModule, isContainerAdder, mentionsTaskFactory, onlyInspects, possibleTaskFactories, taskFactoryOf, taskSink } from './lifecycle/tasks';
import type { Fix, Rule } from './types';

/** Methods that look at or stop a task without retrieving its exception. */
const TASK_NEUTRAL_METHODS = new Set(['cancel', 'cancelled', 'done', 'get_name', 'set_name', 'get_coro', 'get_context', 'get_stack', 'print_stack', 'cancelling', 'uncancel', 'remove_done_callback']);
/** Methods of a collection that add or drop tasks without looking at their outcome. */
const CONTAINER_NEUTRAL_METHODS = new Set(['append', 'add', 'discard', 'remove', 'clear', 'insert', 'appendleft', 'extend', 'update']);

/** Where the task is kept, as something whose every use can be found in this module. */
type Holder =
  | { kind: 'local'; name: string; fn: FunctionInfo }
  | { kind: 'global'; name: string }
  /** A private attribute (`self._task`): read anywhere in the module as `<anything>._task`. */
  | { kind: 'attribute'; name: string };

type Use = 'neutral' | 'retrieves' | { into: Node };

function holderKey(holder: Holder): string {
  return `${holder.kind}:${holder.name}:${holder.kind === 'local' ? holder.fn.canonical : ''}`;
}

function isPrivate(name: string): boolean {
  return name.startsWith('_') && !name.startsWith('__');
}

/** The holder that an expression denotes, when every use of it can be found. */
function holderOf(model: ModuleModel, node: Node, fn: FunctionInfo | undefined): Holder | undefined {
  if (node.type === 'attribute') {
    const attribute = node.childForFieldName('attribute')?.text;
    return attribute && isPrivate(attribute) ? { kind: 'attribute', name: attribute } : undefined;
  }
  if (node.type !== 'identifier') return undefined;
  if (fn && !fn.scope.declaredOutside.has(node.text)) return { kind: 'local', name: node.text, fn };
  const isModuleName = !fn || fn.scope.declaredOutside.has(node.text) || model.moduleScope.bindings.has(node.text);
  return isModuleName && isPrivate(node.text) ? { kind: 'global', name: node.text } : undefined;
}

class ExceptionTracker {
  private attributes: Node[] | undefined;

  constructor(private readonly model: ModuleModel) {}

  /** Every place the holder is read or written. */
  private references(holder: Holder): Node[] {
    if (holder.kind === 'attribute') {
      this.attributes ??= this.model.root.descendantsOfType('attribute').filter((a): a is Node => !!a);
      return this.attributes.filter((a) => a.childForFieldName('attribute')?.text === holder.name);
    }
    const scope = holder.kind === 'local' ? holder.fn.node : this.model.root;
    return identifiersIn(this.model, scope).filter((id) => id.text === holder.name && isVariableReference(id));
  }

  /** What one reference does with what it names, as a string (see `taskExceptionLostKeyPart`). */
  useKey(ref: Node): string {
    const use = this.useOf(ref);
    if (typeof use === 'string') return use;
    const container = holderOf(this.model, use.into, this.model.enclosingFunction(use.into));
    return `into ${container ? holderKey(container) : '?'}`;
  }

  /** What one reference does with the task (or collection of tasks) it names. */
  private useOf(ref: Node): Use {
    if (isStoreTarget(ref)) return 'neutral';
    const parent = ref.parent;
    if (!parent) return 'retrieves';
    if (parent.type === 'attribute' && parent.childForFieldName('object')?.id === ref.id) {
      const method = parent.childForFieldName('attribute')?.text ?? '';
      const call = parent.parent;
      const called = call?.type === 'call' && call.childForFieldName('function')?.id === parent.id;
      return called && (TASK_NEUTRAL_METHODS.has(method) || CONTAINER_NEUTRAL_METHODS.has(method)) ? 'neutral' : 'retrieves';
    }
    if (['comparison_operator', 'not_operator', 'boolean_operator', 'global_statement', 'nonlocal_statement'].includes(parent.type)) return 'neutral';
    if (['if_statement', 'elif_clause', 'while_statement'].includes(parent.type) && parent.childForFieldName('condition')?.id === ref.id) return 'neutral';
    if (parent.type === 'argument_list' && parent.parent?.type === 'call') {
      const call = parent.parent;
      if (onlyInspects(this.model, call)) return 'neutral';
      const receiver = methodReceiver(call);
      if (isContainerAdder(call) && receiver) return { into: receiver };
    }
    return 'retrieves';
  }

  /**
   * Whether anything can retrieve the outcome of what the holder keeps: a read that is not a mere check, cancel or
   * collection bookkeeping. A task put into another collection is followed into it.
   */
  retrieved(holder: Holder, seen = new Set<string>()): boolean {
    const key = holderKey(holder);
    if (seen.has(key)) return false;
    seen.add(key);
    for (const ref of this.references(holder)) {
      const use = this.useOf(ref);
      if (use === 'neutral') continue;
      if (use === 'retrieves') return true;
      const container = holderOf(this.model, use.into, this.model.enclosingFunction(use.into));
      if (!container || this.retrieved(container, seen)) return true;
    }
    return false;
  }
}

interface LostTask {
  site: CallSite;
  holder: Holder;
  /** The expression that names the task, for the done-callback fix (absent for collections). */
  target?: string;
  statement: Node;
}

function isReadIn(model: ModuleModel, scope: Node, name: string): boolean {
  return identifiersIn(model, scope).some((id) => id.text === name && isVariableReference(id) && !isStoreTarget(id));
}

function lostTasks(model: ModuleModel): LostTask[] {
  const tracker = new ExceptionTracker(model);
  const found: LostTask[] = [];
  for (const site of possibleTaskFactories(model)) {
    if (site.inLambda || !taskFactoryOf(model, site.node)) continue;
    const sink = taskSink(model, site.node);
    let holder: Holder | undefined;
    let target: string | undefined;
    let statement: Node;
    if (sink.kind === 'stored' || sink.kind === 'name') {
      holder = holderOf(model, sink.target, site.fn);
      target = sink.target.text;
      statement = sink.statement;
    } else if (sink.kind === 'container') {
      holder = holderOf(model, sink.container, site.fn);
      statement = sink.statement;
    } else {
      continue;
    }
    if (!holder || (holder.kind === 'local' && !isReadIn(model, holder.fn.node, holder.name))) continue; // never read: AIO301's finding
    if (!tracker.retrieved(holder)) found.push({ site, holder, target, statement });
  }
  return found;
}

/** Words that may name a private holder (`_task`, not `__task`), as a variable or as an attribute. */
const PRIVATE_WORD = /(?<!\w)_(?!_)\w*/g;

/**
 * AIO302's reuse key, one part per top-level statement (server/rules/registry.ts): whether the statement has a lost
 * task (the first such statement receives the callback's definition), and what each of its references to a private
 * name does with what it names: a task kept in a private attribute or global is retrieved, or not, anywhere in the
 * module, and a fix names the callback with a private name no one uses.
 */
export function taskExceptionLostKeyPart(focused: ModuleModel, statement: { start: number; end: number }): string {
  const lost = mentionsTaskFactory(focused) && lostTasks(focused).length > 0;
  const tracker = new ExceptionTracker(focused);
  const uses: string[] = [];
  for (const match of focused.source.slice(statement.start, statement.end).matchAll(PRIVATE_WORD)) {
    const at = statement.start + match.index!;
    const id = focused.root.descendantForIndex(at, at + match[0].length);
    if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + match[0].length) continue;
    const parent = focused.parentOf(id);
    const attribute = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id;
    if (attribute) uses.push(`.${match[0]} ${tracker.useKey(parent)}`);
    else if (isVariableReference(id)) uses.push(`${match[0]} ${tracker.useKey(id)}`);
  }
  return `${lost ? 'lost' : '-'} ${uses.join(',')}`;
}

class LoggingCallbackFix {
  private readonly callback: string;
  private readonly definitionEdits: TextEdit[] = [];
  /** The callback exists or its definition can be inserted. */
  private readonly available: boolean;

  constructor(model: ModuleModel, firstUse: Node) {
    const existing = model.moduleScope.bindings.get('_log_task_exception');
    const reusable = existing?.[existing.length - 1]?.kind === 'function';
    this.callback = reusable ? '_log_task_exception' : freshName(model, model.root, '_log_task_exception');
    this.available = reusable;
    if (reusable) return;
    const definition = moduleDefinitionBefore(
      model,
      firstUse,
      [
        `def ${this.callback}(task):`,
        '    if not task.cancelled() and task.exception() is not None:',
        '        logging.getLogger(__name__).error("Task %r failed", task, exc_info=task.exception())',
      ].join('\n'),
    );
    const importEdit = ensureImport(model, 'logging');
    if (!definition) return;
    this.available = true;
    const samePlace = importEdit && importEdit.range.start.line === definition.range.start.line && importEdit.range.start.character === definition.range.start.character;
    if (samePlace) this.definitionEdits.push({ range: definition.range, newText: importEdit.newText + definition.newText });
    else this.definitionEdits.push(definition, ...(importEdit ? [importEdit] : []));
  }

  fixFor(model: ModuleModel, lost: LostTask): Fix | undefined {
    if (!lost.target || !this.available) return undefined;
    return {
      title: 'Log the task\'s exception with a done callback',
      safety: 'safe',
      edits: [insertStatementsAfter(model, lost.statement, [`${lost.target}.add_done_callback(${this.callback})`]), ...this.definitionEdits],
    };
  }
}

function describe(lost: LostTask): string {
  const where = lost.site.fn ? ` in \`${lost.site.fn.name}\`` : '';
  if (!lost.target) return `The task added to a collection${where}`;
  return `Task \`${lost.target}\`${where}`;
}

export const taskExceptionLost: Rule = {
  meta: {
    code: 'AIO302',
    name: 'task-exception-lost',
    summary: 'a stored task is never awaited, gathered or given a done callback, so its exception is lost',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, report }) {
    if (!mentionsTaskFactory(model)) return;
    const found = lostTasks(model);
    if (!found.length) return;
    const fixes = new LoggingCallbackFix(model, firstInModule(model, found[0], lostTasks).site.node);
    for (const lost of found) {
      report({
        node: lost.site.node,
        message:
          `${describe(lost)} is kept but never awaited, gathered or given a done callback: if it fails, the error only ` +
          'shows up as "Task exception was never retrieved" when the task is garbage-collected. Await it or add a done callback that handles the exception.',
        fix: fixes.fixFor(model, lost),
      });
    }
  },
};
