// The client's session, model and tree index against the real runtime adapter (python/asyncio_lens) running the
// integration fixture: what the Tasks view will show, checked without VS Code.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AdapterMessage } from '../../shared/runtimeProtocol';
import { TaskModel } from '../../client/runtime/model';
import { RuntimeSession } from '../../client/runtime/session';
import { buildTaskIndex, DEFAULT_VIEW_OPTIONS, taskKey } from '../../client/runtime/taskIndex';
import { pythonPathWith } from '../../client/runtime/launch';

const REPO = resolve(__dirname, '..', '..', '..');
const FIXTURE = join(REPO, 'test', 'fixtures', 'workspace', 'runtime', 'inspect_me.py');
const PYTHON = process.env.ASYNCIO_LENS_TEST_PYTHON || 'python3';

function markerLine(marker: string): number {
  const index = readFileSync(FIXTURE, 'utf8').split('\n').findIndex((line) => line.includes(`# marker: ${marker}`));
  assert.ok(index >= 0, `no '# marker: ${marker}' in the fixture`);
  return index + 1;
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('runtime client against the real adapter', function () {
  this.timeout(60_000);
  let session: RuntimeSession | undefined;
  let child: ChildProcess | undefined;
  afterEach(() => {
    session?.close();
    child?.kill('SIGKILL');
  });

  it('shows the fixture’s tasks with their parents, cancels the victim, reports the blocking line, and sees the exit', async () => {
    const model = new TaskModel();
    const messages: AdapterMessage[] = [];
    const problems: string[] = [];
    session = await RuntimeSession.listen({
      onMessage: (m) => {
        messages.push(m);
        model.apply(m);
      },
      onProblem: (p) => problems.push(p),
      onDisconnect: () => {},
    });
    let stderr = '';
    child = spawn(PYTHON, ['-m', 'asyncio_lens', 'run', '--interval', '100', FIXTURE], {
      env: { ...process.env, ...session.environment(), PYTHONPATH: pythonPathWith(join(REPO, 'python'), process.env.PYTHONPATH) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));

    const named = (name: string) => [...model.live.values()].find((t) => t.name === name);
    await until(`the victim, the supervisor and three workers (stderr: ${stderr})`, () => named('victim') && named('supervisor') && [0, 1, 2].every((i) => named(`worker-${i}`)));
    const main = [...model.live.values()].find((t) => t.coro === 'main');
    assert.ok(main, 'the main task is live');
    const supervisor = named('supervisor')!;
    const victim = named('victim')!;
    assert.equal(victim.parent, main.id, 'main created the victim');
    assert.equal(supervisor.parent, main.id, 'main created the supervisor');
    for (const i of [0, 1, 2]) assert.equal(named(`worker-${i}`)!.parent, supervisor.id);

    // The await tree puts the workers under the supervisor (it gathers them) and the victim under main (it awaits it).
    await until('main to await the victim and the supervisor to gather', () => {
      const index = buildTaskIndex(model, { ...DEFAULT_VIEW_OPTIONS, groupIdenticalStacks: false });
      return index.parents.get(taskKey(victim.id)) === taskKey(main.id) && [0, 1, 2].every((i) => index.parents.get(taskKey(named(`worker-${i}`)!.id)) === taskKey(supervisor.id));
    });
    const victimFrame = model.live.get(victim.id)!.stack.find((f) => f.function === 'victim');
    assert.deepEqual(victimFrame && { file: victimFrame.file, line: victimFrame.line }, { file: FIXTURE, line: markerLine('victim waits') });

    const blocked = await until('the blocked-loop finding', () => [...model.findings.values()].find((f) => f.kind === 'blocked-loop' && !f.ongoing));
    assert.deepEqual(blocked.location && { file: blocked.location.file, line: blocked.location.line }, { file: FIXTURE, line: markerLine('blocks the loop') });
    assert.ok((blocked.duration ?? 0) >= 400, `blocked for ${blocked.duration} ms`);

    const reply = await session.request({ type: 'cancel-task', taskId: victim.id });
    assert.equal(reply.ok, true, reply.error);
    const cancelled = await until('the victim to finish cancelled', () => model.finished.get(victim.id));
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.cancelledBy, 'client');

    assert.equal(await exited, 0, stderr);
    const goodbye = await until('goodbye', () => model.goodbye);
    assert.equal(goodbye.exitCode, 0);
    assert.deepEqual(problems, [], 'every adapter message passed validation');
    assert.equal(messages[0].type, 'hello');
  });
});
