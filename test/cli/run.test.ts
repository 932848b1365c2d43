// `asyncio-lens run --record` on the demo program: every recorded line is a valid protocol message, and the
// recording holds what the demo is built to show (task parents, a blocked loop at the time.sleep line, a lost task).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessageLine, type AdapterMessage, type FindingMessage, type SnapshotMessage } from '../../shared/runtimeProtocol';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DEMO = join(ROOT, 'examples', 'demo.py');

describe('asyncio-lens run --record (examples/demo.py)', function () {
  this.timeout(120000);
  let dir: string;
  let messages: AdapterMessage[];
  let exitCode: number | null;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lens-run-'));
    const record = join(dir, 'demo.jsonl');
    const r = spawnSync(process.execPath, [CLI, 'run', '--record', record, '--', DEMO], { encoding: 'utf8', timeout: 110000 });
    exitCode = r.status;
    messages = readFileSync(record, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line, i) => {
        const parsed = parseMessageLine(line);
        if (typeof parsed === 'string') assert.fail(`line ${i + 1} is not a valid message: ${parsed}`);
        return parsed;
      });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits with the program’s own code and records a hello first', () => {
    assert.equal(exitCode, 0);
    assert.equal(messages[0].type, 'hello');
  });

  it('records tasks with their creators and coroutine stacks', () => {
    const snapshots = messages.filter((m): m is SnapshotMessage => m.type === 'snapshot');
    assert.ok(snapshots.length > 0);
    const tasks = new Map(snapshots.flatMap((s) => s.tasks).map((t) => [t.id, t]));
    const main = [...tasks.values()].find((t) => t.coro.endsWith('main'));
    assert.ok(main, 'main task recorded');
    const workers = [...tasks.values()].filter((t) => t.name.startsWith('worker-'));
    assert.ok(workers.length >= 1);
    for (const w of workers) {
      assert.equal(w.parent, main.id, `${w.name} was created by main`);
      assert.ok(w.stack.length >= 1 && w.stack.every((f) => typeof f.line === 'number'));
      assert.match(w.created?.file ?? '', /demo\.py$/);
    }
  });

  it('reports the blocked loop at the time.sleep line and the task lost at exit', () => {
    const findings = messages.filter((m): m is FindingMessage => m.type === 'finding');
    const demoLines = readFileSync(DEMO, 'utf8').split('\n');
    const blocked = findings.find((f) => f.kind === 'blocked-loop' && !f.ongoing);
    assert.ok(blocked?.location, 'a final blocked-loop finding with a location');
    assert.match(demoLines[blocked.location.line - 1], /time\.sleep\(/);
    assert.ok((blocked.duration ?? 0) >= 200, `blocked for ${blocked.duration} ms`);
    const lost = findings.find((f) => f.kind === 'pending-at-exit');
    assert.ok(lost?.location);
    assert.match(demoLines[lost.location.line - 1], /create_task|ensure_future/);
  });
});

describe('asyncio-lens run --origin-tracking', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lens-origin-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const PROGRAM = [
    'import asyncio, gc',
    'async def save():',
    '    pass',
    'def forget():',
    '    save()',
    'async def main():',
    '    forget()',
    '    gc.collect()',
    'asyncio.run(main())',
    '',
  ].join('\n');

  function neverAwaited(...options: string[]): FindingMessage {
    const script = join(dir, 'forget.py');
    const record = join(dir, `run${options.join('')}.jsonl`);
    writeFileSync(script, PROGRAM);
    const r = spawnSync(process.execPath, [CLI, 'run', ...options, '--record', record, '--', script], { encoding: 'utf8', timeout: 50000 });
    assert.equal(r.status, 0, r.stderr);
    const findings = readFileSync(record, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => parseMessageLine(line))
      .filter((m): m is FindingMessage => typeof m !== 'string' && m.type === 'finding' && m.kind === 'never-awaited');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    return findings[0];
  }

  it('passes --origin-tracking to the adapter: the first dropped coroutine carries its creation site', () => {
    assert.equal(neverAwaited('--origin-tracking').created?.function, 'forget');
    // By default tracking starts only after the first never-awaited coroutine, so that one has no origin.
    assert.equal(neverAwaited().created ?? null, null);
  });
});
