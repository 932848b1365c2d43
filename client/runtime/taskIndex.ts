// The shape of the task tree for one moment of the model and the view's options: which node is under which, for the
// await tree (who awaits whom), the creation tree (who created whom) and the flat list, with identical stacks folded
// into one node and long child lists split into ranges so VS Code never receives thousands of items at once.
// Task frames and resource children are not indexed: the tree provider computes them when a node is expanded.
// Free of `vscode` so it can be unit-tested and benchmarked.
import type { StackFrame, TaskState } from '../../shared/runtimeProtocol';
import { shortLocation } from './format';
import type { AnyTask, TaskModel } from './model';

export type Grouping = 'await' | 'creation' | 'flat';
export type FlatOrder = 'age' | 'state' | 'name';

export interface ViewOptions {
  grouping: Grouping;
  /** Order of the flat list (the trees are ordered by creation). */
  order: FlatOrder;
  showFinished: boolean;
  /** Case-insensitive text matched against name, coroutine and location; empty: no filter. */
  filter: string;
  /** Fold sibling leaf tasks with the same state and stack into one node with a count. */
  groupIdenticalStacks: boolean;
}

export const DEFAULT_VIEW_OPTIONS: ViewOptions = {
  grouping: 'await',
  order: 'age',
  showFinished: false,
  filter: '',
  groupIdenticalStacks: true,
};

/** Siblings with identical stacks are folded from this many on. */
export const SAME_STACK_MIN = 3;
/** Longest child list handed to VS Code; longer lists are split into ranges of this size. */
export const RANGE_SIZE = 500;

export type TreeNode =
  | { kind: 'loop'; key: string; loopId: number }
  | { kind: 'task'; key: string; taskId: number }
  | { kind: 'sameStack'; key: string; sampleTaskId: number; count: number }
  | { kind: 'range'; key: string; first: number; last: number; total: number }
  | { kind: 'finished'; key: string; loopId: number | null }
  | { kind: 'resources'; key: string }
  | { kind: 'resource'; key: string; resourceId: number }
  | { kind: 'waiter'; key: string; resourceId: number; taskId: number }
  | { kind: 'frame'; key: string; taskId: number; index: number; frame: StackFrame }
  | { kind: 'site'; key: string; site: StackFrame };

export const ROOT_KEY = '';
export const RESOURCES_KEY = 'resources';
export const taskKey = (id: number): string => `t${id}`;
export const loopKey = (id: number): string => `l${id}`;
const finishedKey = (loopId: number | null): string => (loopId === null ? 'finished' : `finished${loopId}`);

/** Parent → children keys (only nodes that have children), child → parent, and the node objects by key. */
export interface TaskIndex {
  readonly options: ViewOptions;
  readonly children: Map<string, string[]>;
  readonly parents: Map<string, string>;
  readonly nodes: Map<string, TreeNode>;
  /** Number of tasks in the tree (after the filter). */
  readonly taskCount: number;
}

const STATE_ORDER: Record<TaskState, number> = { running: 0, pending: 1, failed: 2, cancelled: 3, done: 4 };
const naturalOrder = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function byCreation(a: AnyTask, b: AnyTask): number {
  return a.createdAt - b.createdAt || a.id - b.id;
}

function flatComparator(order: FlatOrder): (a: AnyTask, b: AnyTask) => number {
  switch (order) {
    case 'state':
      return (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || byCreation(a, b);
    case 'name':
      return (a, b) => naturalOrder.compare(a.name, b.name) || byCreation(a, b);
    default:
      return byCreation;
  }
}

/** Whether the task's name, coroutine, file name and line, or what it awaits contain `needle` (lower case). */
function matchesFilter(task: AnyTask, needle: string): boolean {
  if (!needle) return true;
  const where = task.location ? shortLocation(task.location) : '';
  return `${task.name}\n${task.coro}\n${where}\n${task.awaitingDetail ?? ''}`.toLowerCase().includes(needle);
}

const signatures = new WeakMap<AnyTask, string>();

/**
 * What makes two tasks look the same in the tree: state, coroutine and every frame of the stack. Cached per task
 * object (the model keeps the object of a task that did not change).
 */
export function stackSignature(task: AnyTask): string {
  let signature = signatures.get(task);
  if (signature === undefined) {
    signature = `${task.state}|${task.coro}|${task.stack.map((f) => `${f.file}:${f.line}:${f.function}`).join('|')}`;
    signatures.set(task, signature);
  }
  return signature;
}

/** 32-bit FNV-1a, to keep node keys short; collisions are resolved by the caller. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/**
 * Builds the tree for `model` under `options`. Nodes whose key already exists in `reuse` are the same objects
 * (updated in place), because VS Code identifies the elements it refreshes by object identity.
 */
export function buildTaskIndex(model: TaskModel, options: ViewOptions, reuse: Map<string, TreeNode> = new Map()): TaskIndex {
  const children = new Map<string, string[]>();
  const parents = new Map<string, string>();
  const nodes = new Map<string, TreeNode>();
  const node = <N extends TreeNode>(fresh: N): N => {
    const existing = reuse.get(fresh.key);
    const kept = existing && existing.kind === fresh.kind ? (Object.assign(existing, fresh) as N) : fresh;
    nodes.set(kept.key, kept);
    return kept;
  };
  // Task nodes are the bulk: their key fixes their content, so a kept one needs no update (and no new object).
  const taskNode = (id: number): void => {
    const key = taskKey(id);
    const existing = reuse.get(key);
    nodes.set(key, existing?.kind === 'task' ? existing : { kind: 'task', key, taskId: id });
  };

  const visible: AnyTask[] = [...model.live.values()];
  if (options.showFinished) visible.push(...model.finished.values());
  const visibleIds = new Set(visible.map((t) => t.id));

  // The parent task of each task in this grouping (undefined: the task is at the top of its loop or section).
  const parentTask = new Map<number, number>();
  if (options.grouping === 'await') {
    for (const waiter of [...model.live.values()].sort(byCreation)) {
      for (const awaited of waiter.awaiting) {
        if (awaited !== waiter.id && model.live.has(awaited) && !parentTask.has(awaited)) parentTask.set(awaited, waiter.id);
      }
    }
  } else if (options.grouping === 'creation') {
    for (const task of visible) if (task.parent !== null && visibleIds.has(task.parent)) parentTask.set(task.id, task.parent);
  }
  breakCycles(parentTask);

  // With a filter, a task stays when it matches or when one of its descendants does.
  const needle = options.filter.trim().toLowerCase();
  let shown = visible;
  if (needle) {
    const keep = new Set<number>();
    for (const task of visible) {
      if (!matchesFilter(task, needle)) continue;
      for (let id: number | undefined = task.id; id !== undefined && !keep.has(id); id = parentTask.get(id)) keep.add(id);
    }
    shown = visible.filter((t) => keep.has(t.id));
  }

  const loopsWithTasks = new Set(shown.map((t) => t.loop));
  const byLoop = loopsWithTasks.size > 1;
  const topOf = (task: AnyTask): string => (byLoop ? loopKey(task.loop) : ROOT_KEY);
  const finishedSection = options.grouping === 'await';

  // Tasks per container (a parent task, a loop, the root, or a "Finished" section).
  const members = new Map<string, AnyTask[]>();
  const add = (container: string, task: AnyTask) => {
    const list = members.get(container);
    if (list) list.push(task);
    else members.set(container, [task]);
  };
  for (const task of shown) {
    const parentId = parentTask.get(task.id);
    if (parentId !== undefined) add(taskKey(parentId), task);
    else if (finishedSection && 'finishedAt' in task) add(finishedKey(byLoop ? task.loop : null), task);
    else add(topOf(task), task);
    taskNode(task.id);
  }

  const compare = options.grouping === 'flat' ? flatComparator(options.order) : byCreation;
  const hasTaskChildren = (task: AnyTask) => members.has(taskKey(task.id));
  for (const [container, tasks] of members) {
    if (container.startsWith('finished')) {
      tasks.sort((a, b) => ('finishedAt' in b ? b.finishedAt : 0) - ('finishedAt' in a ? a.finishedAt : 0) || b.id - a.id);
    } else {
      tasks.sort(compare);
    }
    const keys = options.groupIdenticalStacks ? foldSameStacks(container, tasks, hasTaskChildren, node, children, parents) : tasks.map((t) => taskKey(t.id));
    setChildren(container, keys, node, children, parents);
  }

  // Top level: loops (when several have tasks) or the tasks, then resources, then finished tasks.
  const top: string[] = [];
  if (byLoop) {
    for (const loopId of [...loopsWithTasks].sort((a, b) => a - b)) {
      const key = loopKey(loopId);
      node({ kind: 'loop', key, loopId });
      const finished = finishedKey(loopId);
      if (children.has(finished)) {
        node({ kind: 'finished', key: finished, loopId });
        children.set(key, [...(children.get(key) ?? []), finished]);
        parents.set(finished, key);
      }
      top.push(key);
    }
  } else {
    top.push(...(children.get(ROOT_KEY) ?? []));
  }
  if (model.resources.length > 0) top.push(node({ kind: 'resources', key: RESOURCES_KEY }).key);
  if (!byLoop && children.has(finishedKey(null))) top.push(node({ kind: 'finished', key: finishedKey(null), loopId: null }).key);
  children.delete(ROOT_KEY);
  setChildren(ROOT_KEY, top, node, children, parents);

  return { options, children, parents, nodes, taskCount: shown.length };
}

/** Detaches any task whose chain of parents loops back to itself (never expected, but a cycle would hang the view). */
function breakCycles(parentTask: Map<number, number>): void {
  // Walk up from each task; `walk` marks the tasks of the current walk, `settled` those known to reach a root.
  const IN_WALK = 1;
  const SETTLED = 2;
  const mark = new Map<number, number>();
  const path: number[] = [];
  for (const start of parentTask.keys()) {
    for (let id: number | undefined = start; id !== undefined; id = parentTask.get(id)) {
      const state = mark.get(id);
      if (state === SETTLED) break;
      if (state === IN_WALK) {
        parentTask.delete(id);
        break;
      }
      mark.set(id, IN_WALK);
      path.push(id);
    }
    for (const id of path) mark.set(id, SETTLED);
    path.length = 0;
  }
}

type NodeMaker = <N extends TreeNode>(fresh: N) => N;

/** Replaces runs of sibling leaf tasks that share a stack by one node each; returns the container's child keys. */
function foldSameStacks(
  container: string,
  tasks: AnyTask[],
  hasTaskChildren: (task: AnyTask) => boolean,
  node: NodeMaker,
  children: Map<string, string[]>,
  parents: Map<string, string>,
): string[] {
  const bySignature = new Map<string, AnyTask[]>();
  for (const task of tasks) {
    if ('finishedAt' in task || hasTaskChildren(task)) continue;
    const signature = stackSignature(task);
    const same = bySignature.get(signature);
    if (same) same.push(task);
    else bySignature.set(signature, [task]);
  }
  const groupOf = new Map<number, string>();
  const usedKeys = new Set<string>();
  for (const [signature, same] of bySignature) {
    if (same.length < SAME_STACK_MIN) continue;
    let key = `${container}>s${hash(signature)}`;
    for (let n = 2; usedKeys.has(key); n++) key = `${container}>s${hash(signature)}.${n}`;
    usedKeys.add(key);
    node({ kind: 'sameStack', key, sampleTaskId: same[0].id, count: same.length });
    setChildren(key, same.map((t) => taskKey(t.id)), node, children, parents);
    for (const task of same) groupOf.set(task.id, key);
  }
  const keys: string[] = [];
  const placed = new Set<string>();
  for (const task of tasks) {
    const key = groupOf.get(task.id) ?? taskKey(task.id);
    if (!placed.has(key)) {
      placed.add(key);
      keys.push(key);
    }
  }
  return keys;
}

/** Records `keys` as the children of `parent`, through range nodes when there are more than RANGE_SIZE. */
function setChildren(parent: string, keys: string[], node: NodeMaker, children: Map<string, string[]>, parents: Map<string, string>): void {
  if (keys.length === 0) return;
  let direct = keys;
  if (keys.length > RANGE_SIZE) {
    direct = [];
    for (let start = 0; start < keys.length; start += RANGE_SIZE) {
      const slice = keys.slice(start, start + RANGE_SIZE);
      const key = `${parent}>r${start / RANGE_SIZE}`;
      node({ kind: 'range', key, first: start + 1, last: start + slice.length, total: keys.length });
      children.set(key, slice);
      for (const child of slice) parents.set(child, key);
      direct.push(key);
    }
  }
  children.set(parent, direct);
  for (const child of direct) parents.set(child, parent);
}

export interface IndexDiff {
  /** Refresh everything (the top level changed, or too much changed). */
  full: boolean;
  /** Keys of the nodes to refresh (each refresh also reloads that node's expanded children). */
  keys: string[];
}

/** Most single-node refreshes sent at once; beyond this one full refresh is cheaper for VS Code. */
const MAX_PARTIAL_REFRESH = 300;

/** The closest node that holds both `oldParent` (in `before`) and `newParent` (in `after`). */
function commonAncestor(before: TaskIndex, after: TaskIndex, oldParent: string, newParent: string): string {
  const chain = new Set<string>();
  for (let key: string | undefined = newParent; key !== undefined; key = after.parents.get(key)) chain.add(key);
  for (let key: string | undefined = oldParent; key !== undefined; key = before.parents.get(key)) {
    if (chain.has(key)) return key;
  }
  return ROOT_KEY;
}

/**
 * Which nodes VS Code must reload to go from `before` to `after`: nodes whose children changed, and nodes whose own
 * content changed (`changedKeys`). A node that moved to another parent is reloaded through the closest node holding
 * both parents, because VS Code must never see the same id under two parents at once.
 */
export function diffIndexes(before: TaskIndex | undefined, after: TaskIndex, changedKeys: Iterable<string>): IndexDiff {
  if (!before || before.options !== after.options) return { full: true, keys: [] };
  const refresh = new Set<string>();
  for (const [key, kids] of after.children) {
    const old = before.children.get(key);
    if (!old || old.length !== kids.length || old.some((k, i) => k !== kids[i])) refresh.add(key);
  }
  for (const key of before.children.keys()) {
    if (!after.children.has(key) && after.nodes.has(key)) refresh.add(key); // lost its children: no longer expandable
  }
  for (const [key, parent] of after.parents) {
    const oldParent = before.parents.get(key);
    if (oldParent !== undefined && oldParent !== parent) refresh.add(commonAncestor(before, after, oldParent, parent));
  }
  for (const key of changedKeys) if (after.nodes.has(key)) refresh.add(key);
  if (refresh.has(ROOT_KEY)) return { full: true, keys: [] };
  // A refreshed node reloads its descendants, so refreshing them as well is redundant.
  const keys = [...refresh].filter((key) => {
    for (let up = after.parents.get(key); up !== undefined && up !== ROOT_KEY; up = after.parents.get(up)) {
      if (refresh.has(up)) return false;
    }
    return true;
  });
  if (keys.length > MAX_PARTIAL_REFRESH) return { full: true, keys: [] };
  return { full: false, keys };
}
