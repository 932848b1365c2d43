// The "Tasks" view: a TreeDataProvider over the TaskModel. Updates are batched by the controller and turned into
// refreshes of only the nodes whose children or content changed (diffIndexes), so a program with 10,000 tasks does
// not make VS Code reload the whole tree twice a second. While the view is hidden nothing is recomputed.
import * as vscode from 'vscode';
import type { ResourceKind, StackFrame, TaskState } from '../../shared/runtimeProtocol';
import { resourceDescription, resourceTooltipMarkdown, shortLocation, STATE_LABEL, taskDescription, taskTooltipMarkdown } from './format';
import type { ModelChange, TaskModel } from './model';
import {
  buildTaskIndex,
  diffIndexes,
  loopKey,
  RESOURCES_KEY,
  ROOT_KEY,
  taskKey,
  type TaskIndex,
  type TreeNode,
  type ViewOptions,
} from './taskIndex';

export const TASKS_VIEW_ID = 'asyncioLens.tasks';
export const OPEN_FRAME_COMMAND = 'asyncioLens.openFrame';
export const REVEAL_TASK_COMMAND = 'asyncioLens.tasks.revealTask';

const STATE_ICON: Record<TaskState, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('charts.green')),
  pending: new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.blue')),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

const RESOURCE_ICON: Record<ResourceKind, string> = {
  queue: 'list-ordered',
  lock: 'lock',
  semaphore: 'symbol-number',
  'bounded-semaphore': 'symbol-number',
  event: 'bell',
  condition: 'symbol-event',
  executor: 'server-process',
};

/** Tasks shown in total up to which parent tasks start expanded (bigger trees start collapsed). */
const EXPAND_BELOW = 60;

function frameCommand(frame: StackFrame): vscode.Command {
  return { command: OPEN_FRAME_COMMAND, title: 'Open Frame', arguments: [frame.file, frame.line] };
}

export class TaskTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private model: TaskModel | undefined;
  private index: TaskIndex | undefined;
  /** Nodes computed on expansion (frames, resources, waiters), kept so getParent returns the same objects. */
  private readonly lazyNodes = new Map<string, TreeNode>();
  /** Content changes seen while the view was hidden or between rebuilds. */
  private readonly pendingKeys = new Set<string>();
  private stale = false;
  private visible = () => true;

  constructor(private options: ViewOptions) {}

  /** Lets the provider skip work while its view is hidden. */
  attachVisibility(isVisible: () => boolean): void {
    this.visible = isVisible;
  }

  get viewOptions(): ViewOptions {
    return this.options;
  }

  /** Shows another model (a new run, or a recording moved backwards). */
  setModel(model: TaskModel | undefined): void {
    this.model = model;
    this.reloadAll();
  }

  setOptions(options: ViewOptions): void {
    this.options = options;
    this.reloadAll();
  }

  /** Applies the batched changes of the model. */
  update(change: ModelChange): void {
    if (!this.model) return;
    for (const id of change.tasks) this.pendingKeys.add(taskKey(id));
    if (change.resources) this.pendingKeys.add(RESOURCES_KEY);
    if (change.loops) for (const id of this.model.loops.keys()) this.pendingKeys.add(loopKey(id));
    const needsRebuild = change.tasks.size > 0 || change.structure || change.resources;
    if (needsRebuild) this.stale = true;
    if (!this.visible()) return;
    if (this.stale) {
      this.rebuild();
    } else {
      this.refreshKeys([...this.pendingKeys]);
      this.pendingKeys.clear();
    }
  }

  /** The view became visible: catch up on what happened while it was hidden. */
  catchUp(): void {
    if (this.stale || this.pendingKeys.size > 0) this.rebuild();
  }

  private reloadAll(): void {
    this.index = this.model ? buildTaskIndex(this.model, this.options, this.index?.nodes) : undefined;
    this.lazyNodes.clear();
    this.pendingKeys.clear();
    this.stale = false;
    this.changed.fire(undefined);
  }

  private rebuild(): void {
    if (!this.model) return;
    const before = this.index;
    this.index = buildTaskIndex(this.model, this.options, before?.nodes);
    this.stale = false;
    const diff = diffIndexes(before, this.index, this.pendingKeys);
    this.pendingKeys.clear();
    if (diff.full) {
      this.lazyNodes.clear();
      this.changed.fire(undefined);
    } else {
      this.refreshKeys(diff.keys);
    }
  }

  private refreshKeys(keys: string[]): void {
    const nodes = keys.map((key) => this.index?.nodes.get(key)).filter((n): n is TreeNode => n !== undefined);
    if (nodes.length > 0) this.changed.fire(nodes);
  }

  nodeForTask(taskId: number): TreeNode | undefined {
    if (this.stale) this.rebuild();
    return this.index?.nodes.get(taskKey(taskId));
  }

  /** A node by key, including lazily computed ones that were shown. */
  nodeByKey(key: string): TreeNode | undefined {
    return key === ROOT_KEY ? undefined : this.index?.nodes.get(key) ?? this.lazyNodes.get(key);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const model = this.model;
    const index = this.index;
    if (!model || !index) return [];
    const indexed = (key: string) => (index.children.get(key) ?? []).map((k) => index.nodes.get(k)).filter((n): n is TreeNode => n !== undefined);
    if (!node) return indexed(ROOT_KEY);
    switch (node.kind) {
      case 'task': {
        const task = model.task(node.taskId);
        const frames = task ? [...task.stack].reverse().map((frame, i) => this.lazy({ kind: 'frame', key: `${node.key}>f${i}`, taskId: node.taskId, index: i, frame })) : [];
        return [...frames, ...indexed(node.key)];
      }
      case 'resources':
        return model.resources.map((r) => this.lazy({ kind: 'resource', key: `r${r.id}`, resourceId: r.id }));
      case 'resource': {
        const resource = model.resources.find((r) => r.id === node.resourceId);
        if (!resource) return [];
        const waiters = resource.waiters.map((taskId) => this.lazy({ kind: 'waiter', key: `${node.key}>w${taskId}`, resourceId: resource.id, taskId }));
        const site = resource.created ? [this.lazy({ kind: 'site', key: `${node.key}>site`, site: resource.created })] : [];
        return [...waiters, ...site];
      }
      default:
        return indexed(node.key);
    }
  }

  getParent(node: TreeNode): TreeNode | undefined {
    switch (node.kind) {
      case 'frame':
        return this.index?.nodes.get(taskKey(node.taskId));
      case 'resource':
        return this.index?.nodes.get(RESOURCES_KEY);
      case 'waiter':
        return this.lazyNodes.get(`r${node.resourceId}`);
      case 'site':
        return this.lazyNodes.get(node.key.slice(0, node.key.lastIndexOf('>')));
      default: {
        const parent = this.index?.parents.get(node.key);
        return parent === undefined || parent === ROOT_KEY ? undefined : this.index?.nodes.get(parent);
      }
    }
  }

  private lazy<N extends TreeNode>(fresh: N): N {
    const existing = this.lazyNodes.get(fresh.key);
    const node = existing && existing.kind === fresh.kind ? (Object.assign(existing, fresh) as N) : fresh;
    this.lazyNodes.set(node.key, node);
    return node;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const model = this.model;
    const index = this.index;
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    if (!model || !index) return item;
    const hasIndexedChildren = index.children.has(node.key);
    const collapsed = hasIndexedChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    switch (node.kind) {
      case 'task': {
        const task = model.task(node.taskId);
        if (!task) return Object.assign(item, { label: `task ${node.taskId} (gone)` });
        const current = model.isCurrent(task);
        item.label = current ? { label: task.name, highlights: [[0, task.name.length]] } : task.name;
        item.description = taskDescription(task, current, (id) => model.task(id)?.name);
        item.iconPath = STATE_ICON[task.state];
        const live = !('finishedAt' in task);
        item.contextValue = ['task', live ? 'live' : 'finished', task.created ? 'created' : '', task.stack.length > 0 ? 'stack' : ''].filter(Boolean).join('.');
        if (hasIndexedChildren) {
          item.collapsibleState = index.taskCount <= EXPAND_BELOW ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
        } else if (task.stack.length > 0) {
          item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
        }
        item.accessibilityInformation = { label: `${task.name}, ${STATE_LABEL[task.state]}, ${task.coro}` };
        return item;
      }
      case 'frame': {
        item.label = node.frame.function;
        item.description = shortLocation(node.frame);
        item.tooltip = `${node.frame.file}:${node.frame.line}`;
        item.iconPath = new vscode.ThemeIcon(node.index === 0 ? 'debug-stackframe-focused' : 'debug-stackframe');
        item.contextValue = 'frame';
        item.command = frameCommand(node.frame);
        return item;
      }
      case 'sameStack': {
        const sample = model.task(node.sampleTaskId);
        const count = node.count;
        item.label = `${sample?.coro ?? 'tasks'} ×${count}`;
        item.description = `same stack${sample?.location ? ` · ${shortLocation(sample.location)}` : ''}${sample ? ` · ${STATE_LABEL[sample.state]}` : ''}`;
        item.tooltip = `${count} tasks with the same state and stack`;
        item.iconPath = new vscode.ThemeIcon('layers');
        item.contextValue = 'sameStack';
        item.collapsibleState = collapsed;
        return item;
      }
      case 'range':
        item.label = `${node.first.toLocaleString('en-US')}–${node.last.toLocaleString('en-US')}`;
        item.description = `of ${node.total.toLocaleString('en-US')}`;
        item.contextValue = 'range';
        item.collapsibleState = collapsed;
        return item;
      case 'finished': {
        item.label = 'Finished';
        item.description = `${countTasks(index, node.key)}`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'finishedSection';
        item.collapsibleState = collapsed;
        return item;
      }
      case 'loop': {
        const loop = model.loops.get(node.loopId);
        item.label = `Loop ${node.loopId}${loop ? ` · ${loop.info.thread}` : ''}`;
        item.description = loop ? `${loop.taskIds.size} tasks · lag ${Math.round(loop.info.lagMs)} ms${loop.closed ? ' · closed' : loop.info.running ? '' : ' · stopped'}` : '';
        item.iconPath = new vscode.ThemeIcon('sync');
        item.contextValue = 'loop';
        item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        return item;
      }
      case 'resources':
        item.label = 'Resources';
        item.description = `${model.resources.length}${model.resourcesOmitted > 0 ? ` (+${model.resourcesOmitted} not shown)` : ''}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'resourcesSection';
        item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
        return item;
      case 'resource': {
        const resource = model.resources.find((r) => r.id === node.resourceId);
        if (!resource) return Object.assign(item, { label: `resource ${node.resourceId} (gone)` });
        item.label = resource.name;
        item.description = resourceDescription(resource);
        item.iconPath = new vscode.ThemeIcon(RESOURCE_ICON[resource.kind]);
        item.contextValue = resource.created ? 'resource.created' : 'resource';
        item.collapsibleState = resource.waiters.length > 0 || resource.created ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
        return item;
      }
      case 'waiter': {
        const task = model.task(node.taskId);
        item.label = task?.name ?? `task ${node.taskId}`;
        item.description = task ? `waiting · ${task.coro}` : 'waiting';
        item.iconPath = task ? STATE_ICON[task.state] : new vscode.ThemeIcon('clock');
        item.contextValue = 'waiter';
        item.command = { command: REVEAL_TASK_COMMAND, title: 'Reveal Task', arguments: [node.taskId] };
        return item;
      }
      case 'site':
        item.label = `created at ${shortLocation(node.site)}`;
        item.description = node.site.function;
        item.iconPath = new vscode.ThemeIcon('location');
        item.contextValue = 'site';
        item.command = frameCommand(node.site);
        return item;
    }
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    const model = this.model;
    if (!model) return item;
    if (node.kind === 'task' || node.kind === 'waiter') {
      const task = model.task(node.taskId);
      if (task) item.tooltip = new vscode.MarkdownString(taskTooltipMarkdown(task, model));
    } else if (node.kind === 'resource') {
      const resource = model.resources.find((r) => r.id === node.resourceId);
      if (resource) item.tooltip = new vscode.MarkdownString(resourceTooltipMarkdown(resource, model));
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function countTasks(index: TaskIndex, key: string): number {
  let count = 0;
  for (const child of index.children.get(key) ?? []) {
    count += index.nodes.get(child)?.kind === 'task' ? 1 : countTasks(index, child);
  }
  return count;
}
