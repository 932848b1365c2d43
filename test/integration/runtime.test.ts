// The task inspector in a real VS Code, with the real runtime adapter: run the fixture program through the command,
// see its tasks with the right parents, open a frame, see the blocked loop as a diagnostic, show the timeline, cancel
// a task; then stop a module run and replay a recording.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AsyncioLensApi } from '../../client/extension';
import type { TreeItemData } from '../../client/runtime';
import { activateExtension, EXTENSION_ID, fixtureUri, openFixture, readFixture, revertAndCloseAllEditors, screenshotWhenVisible, waitFor } from './support';

const FIXTURE = 'runtime/inspect_me.py';
const RUNTIME_SOURCE = 'asyncio-lens (runtime)';
/** The program connects within seconds, but the first terminal of a fresh VS Code may take a while to start. */
const START_WAIT_MS = 45_000;

/** 0-based line of the fixture line carrying `# marker: <marker>`. */
function markerLine(marker: string): number {
  const index = readFixture(FIXTURE)
    .split('\n')
    .findIndex((line) => line.includes(`# marker: ${marker}`));
  assert.ok(index >= 0, `no '# marker: ${marker}' in ${FIXTURE}`);
  return index;
}

interface PlacedItem extends TreeItemData {
  parentKey: string | undefined;
}

/** Every item of the Tasks view, depth first, without expanding task frames (they are leaves). */
function allItems(api: AsyncioLensApi, parentKey?: string): PlacedItem[] {
  return api.runtime.treeItems(parentKey).flatMap((item) => [
    { ...item, parentKey },
    ...(item.collapsible !== 'none' && item.kind !== 'resources' ? allItems(api, item.key) : []),
  ]);
}

function liveTask(api: AsyncioLensApi, name: string) {
  return api.runtime.model()?.live.find((t) => t.name === name);
}

describe('task inspector', function () {
  this.timeout(90_000);
  let api: AsyncioLensApi;

  before(async () => {
    api = await activateExtension();
  });
  after(async () => {
    await vscode.commands.executeCommand('asyncioLens.stop');
    await vscode.commands.executeCommand('asyncioLens.tasks.groupBy', 'await');
    await vscode.commands.executeCommand('asyncioLens.tasks.hideFinished');
    await revertAndCloseAllEditors();
  });

  it('runs the file from the command and shows its tasks with the right parents', async () => {
    const editor = await openFixture(FIXTURE);
    await vscode.commands.executeCommand('asyncioLens.runFile', editor.document.uri);
    await waitFor('the program to connect', () => api.runtime.status().status === 'connected', START_WAIT_MS);
    await waitFor('the victim, the supervisor and its three workers', () =>
      ['victim', 'supervisor', 'worker-0', 'worker-1', 'worker-2'].every((name) => liveTask(api, name)),
    );
    const main = api.runtime.model()!.live.find((t) => t.coro === 'main');
    assert.ok(main, 'the main task is live');
    const victim = liveTask(api, 'victim')!;
    const supervisor = liveTask(api, 'supervisor')!;

    // Await tree: the victim under main (main awaits it); the workers, folded into one "same stack" item, under the
    // supervisor that gathers them.
    await waitFor('the await tree', () => {
      const items = allItems(api);
      const victimItem = items.find((i) => i.kind === 'task' && i.label === 'victim');
      const workers = items.filter((i) => i.kind === 'task' && i.label.startsWith('worker-'));
      const group = items.find((i) => i.kind === 'sameStack');
      return (
        victimItem?.parentKey === `t${main.id}` &&
        workers.length === 3 &&
        group?.parentKey === `t${supervisor.id}` &&
        group.label === 'worker ×3' &&
        workers.every((w) => w.parentKey === group.key)
      );
    });
    const victimItem = allItems(api).find((i) => i.label === 'victim')!;
    assert.equal(victimItem.icon, 'clock', 'a waiting task shows the pending icon');
    assert.equal(victimItem.description, `inspect_me.py:${markerLine('victim waits') + 1}`, 'named after its coroutine: only where it waits');
    const mainItem = allItems(api).find((i) => i.kind === 'task' && i.taskId === main.id)!;
    assert.match(mainItem.description ?? '', /^main {2}inspect_me\.py:\d+$/);
    assert.match(victimItem.tooltip ?? '', /\*\*victim\*\* — pending/);
    assert.match(victimItem.tooltip ?? '', /Created at: \[inspect\\_me\\\.py:\d+\]/);
    assert.equal(victimItem.contextValue, 'task.live.created.stack');

    // Creation tree: main created the supervisor and the victim; the supervisor created the workers.
    await vscode.commands.executeCommand('asyncioLens.tasks.groupBy', 'creation');
    await waitFor('the creation tree', () => {
      const items = allItems(api);
      const parentOf = (label: string) => items.find((i) => i.kind === 'task' && i.label === label)?.parentKey;
      const group = items.find((i) => i.kind === 'sameStack');
      return parentOf('victim') === `t${main.id}` && parentOf('supervisor') === `t${main.id}` && group?.parentKey === `t${supervisor.id}`;
    });
    await vscode.commands.executeCommand('asyncioLens.tasks.groupBy', 'await');

    // The queue the workers wait on, with its three waiters.
    const resources = api.runtime.treeItems('resources');
    const queue = resources.find((r) => r.label.startsWith('Queue@inspect_me.py:'));
    assert.ok(queue, `no queue among ${resources.map((r) => r.label).join(', ')}`);
    assert.equal(queue.label, `Queue@inspect_me.py:${markerLine('queue created') + 1}`);
    const waiters = api.runtime.treeItems(queue.key).filter((i) => i.kind === 'waiter');
    assert.deepEqual(waiters.map((w) => w.label).sort(), ['worker-0', 'worker-1', 'worker-2']);

    // The picture for the README: the tree next to the code, scrolled to the workers and the blocking call.
    await waitFor('the blocked-loop finding', () => api.runtime.runtimeDiagnostics(editor.document.uri).length > 0);
    const shown = await vscode.window.showTextDocument(editor.document, { preserveFocus: true });
    shown.revealRange(new vscode.Range(markerLine('worker waits') - 2, 0, markerLine('worker waits') - 2, 0), vscode.TextEditorRevealType.AtTop);
    await vscode.commands.executeCommand('asyncioLens.tasks.revealTask', liveTask(api, 'worker-0')!.id);
    await screenshotWhenVisible('task-tree', '.monaco-list-row[aria-label^="victim, pending"]', {
      run: () => vscode.commands.executeCommand('asyncioLens.tasks.revealTask', victim.id),
    });
  });

  it('opens the editor at the line of a stack frame', async () => {
    await revertAndCloseAllEditors();
    const victim = liveTask(api, 'victim')!;
    const frame = api.runtime.treeItems(`t${victim.id}`).find((i) => i.kind === 'frame' && i.label === 'victim');
    assert.ok(frame?.command, 'the victim has a clickable frame of its own coroutine');
    await vscode.commands.executeCommand(frame.command.command, ...frame.command.arguments);
    const expected = markerLine('victim waits');
    const editor = await waitFor('the editor at the frame', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.fsPath === fixtureUri(FIXTURE).fsPath && active.selection.active.line === expected && active;
    });
    assert.equal(editor.selection.active.character, editor.document.lineAt(expected).firstNonWhitespaceCharacterIndex);
  });

  it('filters the tree, goes to a creation site, copies a stack, pauses and resumes', async () => {
    const victim = liveTask(api, 'victim')!;
    await vscode.commands.executeCommand('asyncioLens.tasks.filter', 'worker');
    try {
      const labels = allItems(api)
        .filter((i) => i.kind === 'task')
        .map((i) => i.label)
        .sort();
      assert.deepEqual(labels, ['supervisor', 'worker-0', 'worker-1', 'worker-2'], 'the matches and their ancestors only');
    } finally {
      await vscode.commands.executeCommand('asyncioLens.tasks.clearFilter');
    }
    assert.equal(api.runtime.viewOptions().filter, '');

    const item = allItems(api).find((i) => i.kind === 'task' && i.taskId === victim.id)!;
    await vscode.commands.executeCommand('asyncioLens.tasks.revealCreation', item);
    const created = markerLine('victim created');
    await waitFor('the editor at the creation site', () => vscode.window.activeTextEditor?.selection.active.line === created);

    await vscode.commands.executeCommand('asyncioLens.tasks.copyStack', item);
    const copied = await vscode.env.clipboard.readText();
    assert.ok(copied.startsWith('Task "victim" (pending) victim\n'), copied);
    assert.ok(copied.includes(`File "${fixtureUri(FIXTURE).fsPath}", line ${markerLine('victim waits') + 1}, in victim`), copied);

    await vscode.commands.executeCommand('asyncioLens.tasks.pause');
    assert.equal(api.runtime.status().paused, true, 'the adapter accepted the pause');
    await vscode.commands.executeCommand('asyncioLens.tasks.resume');
    assert.equal(api.runtime.status().paused, false);
  });

  it('reports the blocked loop at the time.sleep line, confirming the static AIO200 finding', async () => {
    const editor = await openFixture(FIXTURE);
    const line = markerLine('blocks the loop');
    const runtime = await waitFor('the runtime blocked-loop diagnostic confirming AIO200', () => {
      const found = vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === RUNTIME_SOURCE && d.code === 'blocked-loop');
      return found && found.message.startsWith('confirmed at runtime') && found;
    });
    assert.equal(runtime.range.start.line, line);
    assert.equal(editor.document.getText(runtime.range), 'time.sleep(0.5)  # marker: blocks the loop');
    assert.match(runtime.message, /^confirmed at runtime: loop blocked (\d+ ms|\d\.\d s) here, in task 'Task-1' \(AIO200\)$/);
    assert.equal(runtime.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(api.runtime.runtimeDiagnostics(editor.document.uri).map((d) => d.message), [runtime.message]);
    editor.revealRange(runtime.range, vscode.TextEditorRevealType.InCenter);
    await screenshotWhenVisible('runtime-finding', '.monaco-hover:has-text("confirmed at runtime")', { mouseOver: '.squiggly-warning' });

    // Once the file is edited its line numbers no longer match the run: the runtime findings go, the static stay.
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '# edited\n'));
    await waitFor('the runtime finding to clear after the edit', () => api.runtime.runtimeDiagnostics(editor.document.uri).length === 0);
    assert.equal(vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === RUNTIME_SOURCE).length, 0);
    await revertAndCloseAllEditors();
  });

  it('shows the task lifetimes in the timeline', async () => {
    await vscode.commands.executeCommand('asyncioLens.showTimeline');
    const rows = await waitFor('the timeline to draw the tasks', () => api.runtime.timeline().renderedRows >= 6 && api.runtime.timeline().renderedRows);
    assert.ok(rows >= 6, `${rows} rows`);
    await screenshotWhenVisible('timeline', 'iframe.webview.ready', { run: () => vscode.commands.executeCommand('asyncioLens.showTimeline') });
  });

  it('cancels a task from the view and shows it cancelled', async () => {
    const victim = liveTask(api, 'victim')!;
    const item = allItems(api).find((i) => i.kind === 'task' && i.taskId === victim.id)!;
    const cancelled = await vscode.commands.executeCommand<boolean>('asyncioLens.tasks.cancel', item);
    assert.equal(cancelled, true);
    const finished = await waitFor('the victim to be cancelled', () => api.runtime.model()?.finished.find((t) => t.id === victim.id));
    assert.equal(finished.state, 'cancelled');
    assert.equal(finished.cancelledBy, 'client');

    await vscode.commands.executeCommand('asyncioLens.tasks.showFinished');
    const shown = await waitFor('the cancelled victim in the Finished section', () => {
      const found = allItems(api).find((i) => i.kind === 'task' && i.taskId === victim.id);
      return found?.icon === 'circle-slash' && found;
    });
    assert.match(shown.contextValue ?? '', /^task\.finished\.created\b/, 'no cancel action on a finished task');
    assert.equal(shown.description, 'cancelled by you');
    assert.ok(shown.tooltip?.includes('Cancelled by: you \\(Asyncio Lens\\)'), shown.tooltip);

    // Cancelling the victim lets the fixture finish: the view keeps its last state.
    await waitFor('the program to exit', () => api.runtime.model()?.goodbye);
    assert.equal(api.runtime.model()!.goodbye!.exitCode, 0);
    await waitFor('the session to end', () => api.runtime.status().status === 'ended');
  });

  it('runs a module and stops it from the view', async () => {
    await vscode.commands.executeCommand('asyncioLens.runModule', 'runtime.inspect_me');
    // Checked before the program can start (it blocks its loop only half a second after it started).
    assert.equal(api.runtime.runtimeDiagnostics(fixtureUri(FIXTURE)).length, 0, 'a new run starts with no runtime findings');
    await waitFor('the module to connect', () => api.runtime.status().status === 'connected', START_WAIT_MS);
    await waitFor('its victim task', () => liveTask(api, 'victim'));
    const terminal = vscode.window.terminals.find((t) => t.name === 'Asyncio Lens: runtime.inspect_me');
    assert.ok(terminal, 'the program runs in its own terminal');
    await vscode.commands.executeCommand('asyncioLens.stop');
    assert.equal(api.runtime.status().status, 'ended');
    await waitFor('its terminal to close', () => !vscode.window.terminals.includes(terminal));
  });

  it('shows 10,000 tasks as one folded item split into ranges', async () => {
    await vscode.commands.executeCommand('asyncioLens.runFile', fixtureUri('runtime/many_tasks.py'));
    try {
      await waitFor('the program to connect', () => api.runtime.status().status === 'connected', START_WAIT_MS);
      await waitFor('10,000 sleepers in the model', () => (api.runtime.model()?.live.filter((t) => t.coro === 'sleeper').length ?? 0) === 10_000);
      const top = api.runtime.treeItems();
      const main = top.find((i) => i.kind === 'task' && i.description?.startsWith('main'));
      assert.ok(main, `the main task at the top; top level: ${top.map((i) => i.label).join(', ')}`);
      assert.equal(top.filter((i) => i.kind === 'task').length, 1, 'every sleeper is under main, which gathers them');
      const group = api.runtime.treeItems(main.key).find((i) => i.kind === 'sameStack');
      assert.equal(group?.label, 'sleeper ×10000');
      const ranges = api.runtime.treeItems(group.key);
      assert.equal(ranges.length, 20);
      assert.ok(ranges.every((r) => r.kind === 'range'));
      assert.deepEqual([ranges[0].label, ranges[0].description], ['1–500', 'of 10,000']);
      const first = api.runtime.treeItems(ranges[0].key);
      assert.equal(first.length, 500);
      assert.ok(first.every((i) => i.kind === 'task' && i.icon === 'clock'));
    } finally {
      await vscode.commands.executeCommand('asyncioLens.stop');
    }
  });

  it('refuses a launch.json debug run when the Python Debugger extension is missing, without opening a session', async () => {
    // Both hosts start VS Code without other extensions (code-server has none, the desktop host disables them).
    assert.equal(vscode.extensions.getExtension('ms-python.debugpy'), undefined);
    const before = api.runtime.status().status;
    const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], {
      type: 'asyncio-lens',
      request: 'launch',
      name: 'Python: Debug with Asyncio Lens',
      program: fixtureUri(FIXTURE).fsPath,
    });
    assert.equal(started, false);
    assert.equal(api.runtime.status().status, before, 'no session was opened');
  });

  it('replays a recording made with --record, snapshot by snapshot', async () => {
    const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const folder = mkdtempSync(join(tmpdir(), 'asyncio-lens-recording-'));
    const recording = join(folder, 'demo.jsonl');
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(
          'python3',
          ['-m', 'asyncio_lens', 'run', '--interval', '200', '--record', recording, join(extensionPath, 'examples', 'demo.py')],
          { env: { ...process.env, PYTHONPATH: join(extensionPath, 'python') }, timeout: 60_000 },
          (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
        ),
      );
      const opened = await vscode.commands.executeCommand<boolean>('asyncioLens.openRecording', vscode.Uri.file(recording));
      assert.equal(opened, true);
      const status = api.runtime.status();
      assert.equal(status.status, 'recording');
      const steps = status.recording!;
      assert.ok(steps.count >= 5, `${steps.count} snapshots`);
      assert.equal(steps.step, steps.count - 1, 'a recording opens at its end');
      assert.ok(api.runtime.model()!.goodbye, 'the end of the recording includes the exit');

      // The whole demo: its creation tree with every task's final state, and on the timeline the workers, gathers,
      // the TaskGroup, the blocked loop and the tasks cancelled at exit.
      await vscode.commands.executeCommand('asyncioLens.tasks.showFinished');
      await vscode.commands.executeCommand('asyncioLens.tasks.groupBy', 'creation');
      await vscode.commands.executeCommand('asyncioLens.showTimeline');
      await waitFor('the timeline of the recording', () => api.runtime.timeline().renderedRows >= 10);
      const ticker = api.runtime.model()!.finished.find((t) => t.name === 'ticker');
      assert.equal(ticker?.state, 'cancelled', 'asyncio.run cancelled the forgotten ticker at exit');
      await screenshotWhenVisible('timeline-demo', '.monaco-list-row[aria-label^="ticker, cancelled"]', {
        run: () => vscode.commands.executeCommand('asyncioLens.tasks.revealTask', ticker.id),
      });
      await vscode.commands.executeCommand('asyncioLens.tasks.groupBy', 'await');

      await vscode.commands.executeCommand('asyncioLens.recording.goTo', 2);
      assert.equal(api.runtime.status().recording!.step, 2);
      const early = api.runtime.model()!;
      assert.ok(early.live.some((t) => t.name.startsWith('worker-')), 'the workers run early in the demo');
      assert.equal(early.goodbye, undefined);
      assert.ok(api.runtime.treeItems().length > 0, 'the tree shows that snapshot');
      await vscode.commands.executeCommand('asyncioLens.recording.next');
      assert.equal(api.runtime.status().recording!.step, 3);
      await vscode.commands.executeCommand('asyncioLens.recording.previous');
      await vscode.commands.executeCommand('asyncioLens.recording.previous');
      assert.equal(api.runtime.status().recording!.step, 1);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
