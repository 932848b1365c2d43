// Runs programs under the runtime adapter and shows what they do: owns the session (listener + token), the terminal
// the program runs in, the task model, and feeds the tree view, the diagnostics, the status bar and the timeline with
// batched updates. Also replays recordings. Its commands are registered in index.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AdapterMessage, ReplyMessage } from '../../shared/runtimeProtocol';
import { RuntimeDiagnostics } from './diagnostics';
import { formatDuration } from './format';
import { resolveInterpreter } from './interpreter';
import { adapterRunArgs, pythonPathWith, shellCommandLine, shellKind, type AdapterOptions, type RunTarget } from './launch';
import { isEmptyChange, TaskModel } from './model';
import { parseRecording, RecordingPlayer } from './recording';
import { RuntimeSession, type CommandRequest } from './session';
import { DEFAULT_VIEW_OPTIONS, type TreeNode, type ViewOptions } from './taskIndex';
import { TaskTreeProvider, TASKS_VIEW_ID } from './taskTree';
import { timelineData } from './timelineData';
import { TimelinePanel } from './timelinePanel';

export type SessionStatus = 'idle' | 'waiting' | 'connected' | 'ended' | 'recording';

/** Model changes are batched for this long before the views are updated... */
const FLUSH_DELAY_MS = 100;
/**
 * ...and two updates are at least this far apart: VS Code debounces a tree's change events by 200 ms and restarts
 * that wait on every event, so updates closer than that would hold the view back indefinitely.
 */
const FLUSH_GAP_MS = 400;
/** After this long without the adapter connecting, the user is told to look at the terminal. */
const CONNECT_WARNING_MS = 20_000;
/** Least time between two requests for a full snapshot after a missed delta. */
const FULL_SNAPSHOT_RETRY_MS = 2_000;
/** Recordings above this size are refused (they would not fit in one JavaScript string). */
const MAX_RECORDING_BYTES = 400 * 1024 * 1024;
const VIEW_OPTIONS_KEY = 'asyncioLens.tasks.viewOptions';

interface LiveRun {
  label: string;
  session: RuntimeSession;
  terminal: vscode.Terminal | undefined;
  /** Marks the debugpy configuration of a run started from launch.json, to find its debug session. */
  debugMarker: string | undefined;
  connectTimer: NodeJS.Timeout | undefined;
}

export class RuntimeController implements vscode.Disposable {
  readonly tree: TaskTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly diagnostics = new RuntimeDiagnostics();
  readonly timeline: TimelinePanel;
  private readonly statusItem = vscode.window.createStatusBarItem('asyncioLens.runtime', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private model: TaskModel | undefined;
  private run: LiveRun | undefined;
  private player: RecordingPlayer | undefined;
  private recordingName = '';
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private lastFullSnapshotRequest = 0;
  /** Numbers the debug runs, to recognise their debug sessions. */
  private debugRuns = 0;
  status: SessionStatus = 'idle';
  paused = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {
    const saved = context.workspaceState.get<Partial<ViewOptions>>(VIEW_OPTIONS_KEY, {});
    this.tree = new TaskTreeProvider({ ...DEFAULT_VIEW_OPTIONS, ...saved, filter: '' });
    this.treeView = vscode.window.createTreeView(TASKS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true });
    this.tree.attachVisibility(() => this.treeView.visible);
    this.timeline = new TimelinePanel(context.extensionUri, () => (this.model ? timelineData(this.model) : undefined), (id) => void this.revealTask(id));
    this.statusItem.name = 'Asyncio Lens task inspector';
    this.statusItem.command = `${TASKS_VIEW_ID}.focus`;
    this.disposables.push(
      this.tree,
      this.treeView,
      this.diagnostics,
      this.timeline,
      this.statusItem,
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) this.tree.catchUp();
      }),
      vscode.window.onDidCloseTerminal((terminal) => this.terminalClosed(terminal)),
      vscode.debug.onDidTerminateDebugSession((session) => {
        if (this.run?.debugMarker && session.configuration.asyncioLensRun === this.run.debugMarker) this.endRun('debug session ended');
      }),
    );
    void this.setContext();
    this.updateViewText();
  }

  // ---- running programs ---------------------------------------------------------------------------------------

  adapterOptions(resource: vscode.Uri | undefined): AdapterOptions {
    const config = vscode.workspace.getConfiguration('asyncioLens.runtime', resource);
    return {
      intervalMs: config.get<number>('intervalMs', 500),
      blockThresholdMs: config.get<number>('blockThresholdMs', 100),
      extraArgs: config.get<string[]>('adapterArgs', []),
    };
  }

  /** True when programs may run here; otherwise tells the user why not. */
  ensureTrusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window
      .showErrorMessage(
        'Asyncio Lens does not run programs in an untrusted workspace: running the task inspector executes this workspace\'s code. Trust the workspace to use it.',
        'Manage Workspace Trust',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return false;
  }

  /** Asks before replacing a program that is still running; true when the caller may go on. */
  private async confirmReplace(): Promise<boolean> {
    if (this.status !== 'waiting' && this.status !== 'connected') return true;
    const stop = 'Stop and Continue';
    const choice = await vscode.window.showWarningMessage(
      `${this.run?.label ?? 'A program'} is still running under the task inspector.`,
      { modal: true },
      stop,
    );
    return choice === stop;
  }

  /** Starts a program in a new integrated terminal under the adapter. */
  async runInTerminal(target: RunTarget, label: string, resource: vscode.Uri | undefined, cwd: string | undefined): Promise<void> {
    if (!this.ensureTrusted() || !(await this.confirmReplace())) return;
    const interpreter = await resolveInterpreter(resource, (line) => this.output.appendLine(line));
    const run = await this.beginRun(label, `Check its terminal: is '${interpreter.command}' a Python 3.8 or later?`);
    const env = {
      ...run.session.environment(),
      PYTHONPATH: pythonPathWith(this.context.asAbsolutePath('python'), process.env.PYTHONPATH),
    };
    const argv = [interpreter.command, '-m', 'asyncio_lens', ...adapterRunArgs(target, this.adapterOptions(resource))];
    this.output.appendLine(`Running ${argv.join(' ')} (interpreter from ${interpreter.source}) in ${cwd ?? 'the default folder'}`);
    const terminal = vscode.window.createTerminal({
      name: `Asyncio Lens: ${label}`,
      cwd,
      env,
      iconPath: new vscode.ThemeIcon('pulse'),
      isTransient: true,
    });
    run.terminal = terminal;
    await vscode.commands.executeCommand('workbench.view.extension.asyncioLens');
    terminal.show(false); // the program's stdin is this terminal
    terminal.sendText(shellCommandLine(argv, shellKind(vscode.env.shell)), true);
  }

  /**
   * Opens a session for a program debugpy will start (launch.json); returns the variables the debug configuration
   * must pass on and a marker to recognise its debug session, or undefined when the user cancelled.
   */
  async prepareDebugRun(label: string): Promise<{ env: Record<string, string>; marker: string } | undefined> {
    if (!this.ensureTrusted() || !(await this.confirmReplace())) return undefined;
    const run = await this.beginRun(label, 'Check the Debug Console and the terminal of the debug session.');
    run.debugMarker = `run-${++this.debugRuns}`;
    return { env: run.session.environment(), marker: run.debugMarker };
  }

  /** Opens the session of a new run; `whereToLook` completes the warning shown if the program never connects. */
  private async beginRun(label: string, whereToLook: string): Promise<LiveRun> {
    this.endRun('a new run started');
    this.run?.terminal?.dispose();
    this.player = undefined;
    const model = new TaskModel();
    let run: LiveRun | undefined;
    const session = await RuntimeSession.listen({
      onMessage: (message) => {
        if (run && this.run === run) this.received(model, message);
      },
      onProblem: (text) => this.output.appendLine(`[${label}] ${text}`),
      onDisconnect: () => {
        if (run && this.run === run) this.endRun('the program disconnected');
      },
    });
    const connectTimer = setTimeout(() => {
      if (this.run === run && this.status === 'waiting') {
        void vscode.window.showWarningMessage(`${label} has not connected to the task inspector after ${CONNECT_WARNING_MS / 1000} s. ${whereToLook}`);
      }
    }, CONNECT_WARNING_MS);
    run = { label, session, terminal: undefined, debugMarker: undefined, connectTimer };
    this.run = run;
    this.model = model;
    this.paused = false;
    this.tree.setModel(model);
    this.diagnostics.reset();
    this.setStatus('waiting');
    return run;
  }

  private received(model: TaskModel, message: AdapterMessage): void {
    model.apply(message);
    if (message.type === 'hello') {
      clearTimeout(this.run?.connectTimer);
      this.output.appendLine(`[${this.run?.label}] connected: Python ${message.python} (${message.implementation}), pid ${message.pid}, adapter ${message.adapterVersion}`);
      this.setStatus('connected');
    } else if (message.type === 'goodbye') {
      this.output.appendLine(`[${this.run?.label}] exited with code ${message.exitCode} (${message.reason}), ${message.findings} findings`);
    } else if (message.type === 'error') {
      this.output.appendLine(`[${this.run?.label}] adapter error: ${message.message}`);
    }
    this.scheduleFlush();
  }

  /** Stops listening; the view keeps the last state. The terminal stays so its output can be read. */
  private endRun(why: string): void {
    const run = this.run;
    if (!run || (this.status !== 'waiting' && this.status !== 'connected')) return;
    clearTimeout(run.connectTimer);
    run.session.close();
    this.output.appendLine(`[${run.label}] session ended: ${why}`);
    this.setStatus('ended');
    this.flush();
  }

  /** Stops the running program: its terminal is closed, or its debug session stopped. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    if (run.debugMarker) {
      const debugSession = vscode.debug.activeDebugSession;
      if (debugSession?.configuration.asyncioLensRun === run.debugMarker) await vscode.debug.stopDebugging(debugSession);
    }
    this.endRun('stopped');
    run.terminal?.dispose();
    run.terminal = undefined;
  }

  private terminalClosed(terminal: vscode.Terminal): void {
    const run = this.run;
    if (!run || run.terminal !== terminal) return;
    run.terminal = undefined;
    // Give the adapter's last messages (goodbye) a moment to arrive before the session is closed.
    setTimeout(() => {
      if (this.run === run) this.endRun('its terminal was closed');
    }, 500);
  }

  /** Sends a command to the program, reporting failures to the user; undefined when it could not be done. */
  async command(request: CommandRequest): Promise<ReplyMessage | undefined> {
    const run = this.run;
    if (!run || this.status !== 'connected') {
      void vscode.window.showInformationMessage(this.status === 'recording' ? 'This is a recording: the program is not running.' : 'No program is running under the task inspector.');
      return undefined;
    }
    try {
      const reply = await run.session.request(request);
      if (!reply.ok) void vscode.window.showWarningMessage(`${request.type} failed: ${reply.error ?? 'refused by the program'}`);
      return reply;
    } catch (error) {
      void vscode.window.showWarningMessage((error as Error).message);
      return undefined;
    }
  }

  /** Asks for a full snapshot; a failure only goes to the output channel (the next periodic snapshot will do). */
  private requestSnapshotQuietly(): void {
    if (this.status !== 'connected') return;
    this.run?.session.request({ type: 'request-snapshot' }).catch((error: Error) => this.output.appendLine(error.message));
  }

  async setPaused(paused: boolean): Promise<void> {
    const reply = await this.command({ type: paused ? 'pause' : 'resume' });
    if (reply?.ok) {
      this.paused = paused;
      void this.setContext();
      this.updateViewText();
      if (!paused) this.requestSnapshotQuietly();
    }
  }

  async cancelTask(taskId: number): Promise<boolean> {
    const reply = await this.command({ type: 'cancel-task', taskId, message: 'cancelled from Asyncio Lens' });
    if (!reply?.ok) return false;
    // Show the outcome now rather than at the next periodic snapshot (the program may also just have ended).
    this.requestSnapshotQuietly();
    return true;
  }

  // ---- recordings ---------------------------------------------------------------------------------------------

  async openRecording(uri: vscode.Uri): Promise<boolean> {
    if (!(await this.confirmReplace())) return false;
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_RECORDING_BYTES) {
      void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} is larger than ${MAX_RECORDING_BYTES / 1024 / 1024} MB; record a shorter run.`);
      return false;
    }
    const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
    const recording = parseRecording(text);
    if (recording.messages.length === 0) {
      const why = recording.problems[0] ? ` (${recording.problems[0]})` : '';
      void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} is not an Asyncio Lens recording${why}.`);
      return false;
    }
    if (recording.skipped > 0) {
      void vscode.window.showWarningMessage(`Skipped ${recording.skipped} invalid lines of ${path.basename(uri.fsPath)}: ${recording.problems.join('; ')}`);
    }
    this.endRun('a recording was opened');
    this.run = undefined;
    this.player = new RecordingPlayer(recording);
    this.recordingName = path.basename(uri.fsPath);
    this.diagnostics.reset();
    this.setStatus('recording');
    this.showStep(this.player.stepCount - 1);
    return true;
  }

  get recordingStep(): { step: number; count: number; name: string } | undefined {
    return this.player ? { step: this.player.step, count: this.player.stepCount, name: this.recordingName } : undefined;
  }

  /** Moves the recording to a step (0-based, clamped). */
  showStep(step: number): void {
    const player = this.player;
    if (!player) return;
    const before = this.model;
    const model = player.seek(step);
    this.model = model;
    if (model !== before) {
      model.takeChanges();
      this.tree.setModel(model);
      this.diagnostics.show(model.findings.values(), model.hello?.cwd);
      this.updateViewText();
      this.timeline.update();
    } else {
      this.flush();
    }
  }

  async pickStep(): Promise<void> {
    const player = this.player;
    if (!player) return;
    const items = player.recording.steps.map((index, step) => {
      const message = player.recording.messages[index];
      const time = message.type === 'snapshot' ? new Date(message.time).toLocaleTimeString() : '';
      const tasks = message.type === 'snapshot' ? `${message.taskCount} tasks` : '';
      return { label: `Snapshot ${step + 1}`, description: `${time} · ${tasks}`, step };
    });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `Snapshot of ${this.recordingName}` });
    if (picked) this.showStep(picked.step);
  }

  // ---- view state ---------------------------------------------------------------------------------------------

  get currentModel(): TaskModel | undefined {
    return this.model;
  }

  get viewOptions(): ViewOptions {
    return this.tree.viewOptions;
  }

  setViewOptions(change: Partial<ViewOptions>): void {
    const options = { ...this.tree.viewOptions, ...change };
    this.tree.setOptions(options);
    const { filter: _filter, ...kept } = options;
    void this.context.workspaceState.update(VIEW_OPTIONS_KEY, kept);
    void this.setContext();
    this.updateViewText();
  }

  /** Selects a task in the tree (showing finished tasks or dropping the filter if that hides it). */
  async revealTask(taskId: number): Promise<boolean> {
    const task = this.model?.task(taskId);
    if (!task) {
      void vscode.window.showInformationMessage(`Task ${taskId} is no longer known (finished long ago or never seen).`);
      return false;
    }
    if ('finishedAt' in task && !this.viewOptions.showFinished) this.setViewOptions({ showFinished: true });
    let node = this.tree.nodeForTask(taskId);
    if (!node && this.viewOptions.filter) {
      this.setViewOptions({ filter: '' });
      node = this.tree.nodeForTask(taskId);
    }
    if (!node) return false;
    await this.treeView.reveal(node, { select: true, focus: true, expand: true });
    return true;
  }

  private setStatus(status: SessionStatus): void {
    this.status = status;
    if (status !== 'connected') this.paused = false;
    void this.setContext();
    this.updateViewText();
  }

  private async setContext(): Promise<void> {
    const options = this.tree.viewOptions;
    const set = (key: string, value: unknown) => vscode.commands.executeCommand('setContext', key, value);
    await Promise.all([
      set('asyncioLens.runtime.status', this.status),
      set('asyncioLens.runtime.paused', this.paused),
      set('asyncioLens.tasks.showFinished', options.showFinished),
      set('asyncioLens.tasks.filtered', options.filter !== ''),
      set('asyncioLens.tasks.grouping', options.grouping),
    ]);
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), Math.max(FLUSH_DELAY_MS, this.lastFlush + FLUSH_GAP_MS - Date.now()));
  }

  /** Hands the changes batched since the last flush to every view (tests call it to read the views up to date). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const model = this.model;
    if (!model) return;
    const change = model.takeChanges();
    if (isEmptyChange(change)) return;
    this.lastFlush = Date.now();
    if (change.needsFullSnapshot && Date.now() - this.lastFullSnapshotRequest > FULL_SNAPSHOT_RETRY_MS) {
      this.lastFullSnapshotRequest = Date.now();
      this.requestSnapshotQuietly();
    }
    this.tree.update(change);
    if (change.findings.length > 0 || change.session) this.diagnostics.show(model.findings.values(), model.hello?.cwd);
    this.updateViewText();
    this.timeline.update();
  }

  /** The status bar item, the view's description and its message line. */
  private updateViewText(): void {
    const model = this.model;
    const live = model?.live.size ?? 0;
    const blocked = model ? [...model.findings.values()].filter((f) => f.kind === 'blocked-loop') : [];
    const stuck = blocked.some((f) => f.ongoing);
    const lag = model ? Math.max(0, ...[...model.loops.values()].filter((l) => !l.closed).map((l) => l.info.lagMs)) : 0;
    const options = this.tree.viewOptions;
    const grouping = options.grouping === 'flat' ? `flat by ${options.order}` : `${options.grouping} tree`;
    // Each assignment is an event VS Code debounces (see FLUSH_GAP_MS): assign only what changed.
    const description = model ? `${live} live · ${grouping}` : undefined;
    if (this.treeView.description !== description) this.treeView.description = description;

    const label = this.run?.label ?? this.recordingName;
    const goodbye = model?.goodbye;
    const messages: string[] = [];
    switch (this.status) {
      case 'waiting':
        messages.push(`Waiting for ${label} to start…`);
        break;
      case 'ended':
        messages.push(goodbye ? `${label} exited with code ${goodbye.exitCode}; showing its last state.` : `${label} is no longer connected; showing its last state.`);
        break;
      case 'recording': {
        const step = this.recordingStep;
        const time = this.player?.stepTime();
        messages.push(`Recording ${label}: snapshot ${(step?.step ?? -1) + 1} of ${step?.count ?? 0}${time ? ` (${new Date(time).toLocaleTimeString()})` : ''}`);
        break;
      }
      default:
        if (this.paused) messages.push('Paused: no new snapshots.');
    }
    if (options.filter) messages.push(`Filter: "${options.filter}"`);
    const message = messages.length > 0 ? messages.join(' · ') : undefined;
    if (this.treeView.message !== message) this.treeView.message = message;

    if (this.status === 'waiting' || this.status === 'connected') {
      const parts = this.status === 'waiting' ? ['$(loading~spin) asyncio: starting'] : [`$(pulse) ${live} tasks`, `lag ${Math.round(lag)} ms`];
      if (blocked.length > 0) parts.push(`$(warning) ${blocked.length} blocked`);
      if (this.paused) parts.push('paused');
      this.statusItem.text = parts.join(' · ');
      const longest = Math.max(0, ...blocked.map((f) => f.duration ?? 0));
      this.statusItem.tooltip = `${label}: ${live} live tasks, event loop lag ${Math.round(lag)} ms${blocked.length ? `, blocked ${blocked.length} times (longest ${formatDuration(longest)})` : ''}. Click to show the Tasks view.`;
      this.statusItem.backgroundColor = stuck ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.statusItem.show();
    } else {
      this.statusItem.hide();
    }
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    this.run?.session.close();
    for (const d of this.disposables) d.dispose();
  }
}
