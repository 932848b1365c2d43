// Wires the runtime side into the extension: the controller, its commands, the debug configuration provider, and the
// read-only API integration tests use to observe the task view.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FindingMessage, FinishedTaskInfo, GoodbyeMessage, HelloMessage, ResourceInfo, TaskInfo } from '../../shared/runtimeProtocol';
import { RuntimeController, type SessionStatus } from './controller';
import { DEBUG_TYPE, LensDebugConfigurationProvider } from './debug';
import { stackText } from './format';
import { MODULE_NAME } from './launch';
import type { Grouping, FlatOrder, TreeNode, ViewOptions } from './taskIndex';
import { OPEN_FRAME_COMMAND, REVEAL_TASK_COMMAND } from './taskTree';

/** A tree item as plain data, for tests. Pass it (it carries `taskId`) to the task commands like a tree node. */
export interface TreeItemData {
  key: string;
  kind: TreeNode['kind'];
  label: string;
  description: string | undefined;
  /** Markdown or plain text of the hover. */
  tooltip: string | undefined;
  /** Codicon id. */
  icon: string | undefined;
  contextValue: string | undefined;
  collapsible: 'none' | 'collapsed' | 'expanded';
  command: { command: string; arguments: unknown[] } | undefined;
  taskId?: number;
  resourceId?: number;
}

export interface RuntimeModelData {
  hello: HelloMessage | undefined;
  goodbye: GoodbyeMessage | undefined;
  live: TaskInfo[];
  finished: FinishedTaskInfo[];
  resources: ResourceInfo[];
  findings: FindingMessage[];
}

/** What integration tests may observe of the task inspector. */
export interface RuntimeApi {
  status(): { status: SessionStatus; paused: boolean; recording: { step: number; count: number; name: string } | undefined };
  /** A copy of the model the view shows, or undefined before any run or recording. */
  model(): RuntimeModelData | undefined;
  /** The children of a tree node (by key; the root when omitted) exactly as the view receives them. */
  treeItems(parentKey?: string): TreeItemData[];
  viewOptions(): ViewOptions;
  runtimeDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  timeline(): { open: boolean; renderedRows: number };
}

const LAST_MODULE_KEY = 'asyncioLens.lastModule';
const GROUPINGS: readonly Grouping[] = ['await', 'creation', 'flat'];

function taskIdOf(argument: unknown, treeView: vscode.TreeView<TreeNode>): number | undefined {
  if (typeof argument === 'number' && Number.isInteger(argument)) return argument;
  const candidate = (argument ?? treeView.selection[0]) as { taskId?: unknown } | undefined;
  return typeof candidate?.taskId === 'number' ? candidate.taskId : undefined;
}

export function registerRuntime(context: vscode.ExtensionContext, output: vscode.OutputChannel): RuntimeApi {
  const controller = new RuntimeController(context, output);
  const pythonDir = context.asAbsolutePath('python');
  const { tree, treeView } = controller;

  const taskFor = (argument: unknown) => {
    const id = taskIdOf(argument, treeView);
    const task = id === undefined ? undefined : controller.currentModel?.task(id);
    if (!task) void vscode.window.showInformationMessage('Select a task in the Tasks view first.');
    return task;
  };

  const openFrame = async (file: unknown, line: unknown) => {
    if (typeof file !== 'string' || typeof line !== 'number') return;
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const target = Math.min(Math.max(0, line - 1), document.lineCount - 1);
      const column = document.lineAt(target).firstNonWhitespaceCharacterIndex;
      const position = new vscode.Position(target, column);
      await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
    } catch (error) {
      void vscode.window.showWarningMessage(`Cannot open ${file}: ${(error as Error).message}`);
    }
  };

  const register = (id: string, run: Parameters<typeof vscode.commands.registerCommand>[1]) => context.subscriptions.push(vscode.commands.registerCommand(id, run));

  register('asyncioLens.runFile', async (argument?: unknown) => {
    const uri = argument instanceof vscode.Uri ? argument : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file' || !uri.fsPath.endsWith('.py')) {
      void vscode.window.showInformationMessage('Open a Python file (.py) to run it with the task inspector.');
      return;
    }
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (document?.isDirty) await document.save();
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    await controller.runInTerminal({ kind: 'file', file: uri.fsPath, args: [] }, path.basename(uri.fsPath), uri, folder?.uri.fsPath ?? path.dirname(uri.fsPath));
  });

  register('asyncioLens.runModule', async (argument?: unknown) => {
    if (!controller.ensureTrusted()) return;
    const input =
      typeof argument === 'string'
        ? argument
        : await vscode.window.showInputBox({
            title: 'Run Module with Task Inspector',
            prompt: 'Module to run, as with python -m, optionally followed by its arguments',
            placeHolder: 'package.module --option value',
            value: context.workspaceState.get<string>(LAST_MODULE_KEY, ''),
            validateInput: (value) => (MODULE_NAME.test(value.trim().split(/\s+/)[0] ?? '') ? undefined : 'Enter a module name such as package.module'),
          });
    if (!input?.trim()) return;
    const [module, ...args] = input.trim().split(/\s+/);
    if (!MODULE_NAME.test(module)) {
      void vscode.window.showErrorMessage(`'${module}' is not a Python module name.`);
      return;
    }
    await context.workspaceState.update(LAST_MODULE_KEY, input.trim());
    const folder = vscode.workspace.workspaceFolders?.[0];
    await controller.runInTerminal({ kind: 'module', module, args }, module, folder?.uri, folder?.uri.fsPath);
  });

  register('asyncioLens.stop', () => controller.stop());

  register('asyncioLens.openRecording', async (argument?: unknown) => {
    let uri = argument instanceof vscode.Uri ? argument : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Open Asyncio Lens Recording',
        canSelectMany: false,
        filters: { 'Asyncio Lens recordings (JSON Lines)': ['jsonl', 'json'], 'All files': ['*'] },
      });
      uri = picked?.[0];
    }
    if (uri) return controller.openRecording(uri);
    return false;
  });
  register('asyncioLens.recording.previous', () => controller.showStep((controller.recordingStep?.step ?? 0) - 1));
  register('asyncioLens.recording.next', () => controller.showStep((controller.recordingStep?.step ?? -1) + 1));
  register('asyncioLens.recording.goTo', (argument?: unknown) =>
    typeof argument === 'number' ? controller.showStep(argument) : controller.pickStep(),
  );

  register('asyncioLens.tasks.pause', () => controller.setPaused(true));
  register('asyncioLens.tasks.resume', () => controller.setPaused(false));
  register('asyncioLens.tasks.showFinished', () => controller.setViewOptions({ showFinished: true }));
  register('asyncioLens.tasks.hideFinished', () => controller.setViewOptions({ showFinished: false }));
  register('asyncioLens.tasks.clearFilter', () => controller.setViewOptions({ filter: '' }));
  register('asyncioLens.tasks.filter', async (argument?: unknown) => {
    const text =
      typeof argument === 'string'
        ? argument
        : await vscode.window.showInputBox({
            title: 'Filter Tasks',
            prompt: 'Show tasks whose name, coroutine or location contains this text (empty: all)',
            value: controller.viewOptions.filter,
          });
    if (text !== undefined) controller.setViewOptions({ filter: text.trim() });
  });
  register('asyncioLens.tasks.groupBy', async (argument?: unknown) => {
    if (typeof argument === 'string' && (GROUPINGS as readonly string[]).includes(argument)) {
      controller.setViewOptions({ grouping: argument as Grouping });
      return;
    }
    const options = controller.viewOptions;
    const mark = (on: boolean) => (on ? '$(check) ' : '');
    const choices: Array<vscode.QuickPickItem & { change: Partial<ViewOptions> }> = [
      { label: `${mark(options.grouping === 'await')}Await tree`, detail: 'Who awaits whom: gather and TaskGroup children under their parent', change: { grouping: 'await' } },
      { label: `${mark(options.grouping === 'creation')}Creation tree`, detail: 'Who created whom', change: { grouping: 'creation' } },
      ...(['age', 'state', 'name'] as FlatOrder[]).map((order) => ({
        label: `${mark(options.grouping === 'flat' && options.order === order)}Flat list by ${order}`,
        change: { grouping: 'flat' as Grouping, order },
      })),
      {
        label: `${mark(options.groupIdenticalStacks)}Fold identical stacks`,
        detail: 'Show sibling tasks with the same state and stack as one item with a count',
        change: { groupIdenticalStacks: !options.groupIdenticalStacks },
      },
    ];
    const picked = await vscode.window.showQuickPick(choices, { title: 'Group Tasks' });
    if (picked) controller.setViewOptions(picked.change);
  });

  register('asyncioLens.tasks.cancel', async (argument?: unknown) => {
    const task = taskFor(argument);
    if (task) return controller.cancelTask(task.id);
    return false;
  });
  register('asyncioLens.tasks.revealCreation', async (argument?: unknown) => {
    const task = taskFor(argument);
    if (!task) return;
    if (!task.created) {
      void vscode.window.showInformationMessage(`${task.name} has no known creation site (it was not created with create_task).`);
      return;
    }
    await openFrame(task.created.file, task.created.line);
  });
  register('asyncioLens.tasks.copyStack', async (argument?: unknown) => {
    let task = taskFor(argument);
    if (!task) return;
    // The model holds stacks cut at 64 frames; a running program can give the whole stack and creation stack.
    if (controller.status === 'connected' && !('finishedAt' in task)) {
      const reply = await controller.command({ type: 'get-task-stack', taskId: task.id });
      if (reply?.ok && reply.task) task = reply.task;
    }
    await vscode.env.clipboard.writeText(stackText(task));
    vscode.window.setStatusBarMessage(`Copied the stack of ${task.name}`, 3000);
  });
  register(REVEAL_TASK_COMMAND, (argument?: unknown) => {
    const id = taskIdOf(argument, treeView);
    if (id !== undefined) return controller.revealTask(id);
    return false;
  });
  register(OPEN_FRAME_COMMAND, openFrame);
  register('asyncioLens.showTimeline', () => controller.timeline.show());

  context.subscriptions.push(
    controller,
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new LensDebugConfigurationProvider(controller, pythonDir)),
  );

  const itemData = (node: TreeNode): TreeItemData => {
    const item = tree.resolveTreeItem(tree.getTreeItem(node), node);
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip;
    const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined;
    const collapsible =
      item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded ? 'expanded' : item.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed ? 'collapsed' : 'none';
    const description = typeof item.description === 'string' ? item.description : undefined;
    const command = item.command ? { command: item.command.command, arguments: item.command.arguments ?? [] } : undefined;
    return {
      key: node.key,
      kind: node.kind,
      label,
      description,
      tooltip,
      icon,
      contextValue: item.contextValue,
      collapsible,
      command,
      ...('taskId' in node ? { taskId: node.taskId } : {}),
      ...('resourceId' in node ? { resourceId: node.resourceId } : {}),
    };
  };

  return {
    status: () => ({ status: controller.status, paused: controller.paused, recording: controller.recordingStep }),
    model: () => {
      const model = controller.currentModel;
      if (!model) return undefined;
      return structuredClone({
        hello: model.hello,
        goodbye: model.goodbye,
        live: [...model.live.values()],
        finished: [...model.finished.values()],
        resources: model.resources,
        findings: [...model.findings.values()],
      });
    },
    treeItems: (parentKey?: string) => {
      controller.flush();
      tree.catchUp();
      const parent = parentKey === undefined ? undefined : tree.nodeByKey(parentKey);
      if (parentKey !== undefined && !parent) throw new Error(`no tree node '${parentKey}'`);
      return tree.getChildren(parent).map(itemData);
    },
    viewOptions: () => ({ ...controller.viewOptions }),
    runtimeDiagnostics: (uri) => controller.diagnostics.diagnosticsFor(uri),
    timeline: () => ({ open: controller.timeline.isOpen, renderedRows: controller.timeline.renderedRows }),
  };
}
