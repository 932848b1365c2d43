// TaskModel (client/runtime/model.ts): full snapshots, deltas and missed deltas, finished tasks, findings, and the
// change record the views refresh from; and replaying recordings (client/runtime/recording.ts).
import * as assert from 'node:assert/strict';
import { TaskModel } from '../../client/runtime/model';
import { parseRecording, RecordingPlayer } from '../../client/runtime/recording';
import { finding, finishedTask, hello, snapshot, task } from '../support/runtimeFakes';

describe('task model', () => {
  it('replaces a loop’s tasks with each full snapshot and records which tasks changed', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1), task(2, { parent: 1 }), task(3)]));
    let change = model.takeChanges();
    assert.deepEqual([...change.tasks].sort(), [1, 2, 3]);
    assert.ok(change.structure);

    model.apply(snapshot(2, [task(1), task(2, { parent: 1, state: 'running' })]));
    change = model.takeChanges();
    assert.deepEqual([...model.live.keys()].sort(), [1, 2]);
    assert.deepEqual([...change.tasks].sort(), [2, 3], 'task 2 changed state, task 3 went away; task 1 is untouched');
    assert.ok(change.structure, 'a task disappeared');

    const kept = model.live.get(1);
    model.apply(snapshot(3, [task(1, { age: 99 }), task(2, { parent: 1, state: 'running' })]));
    change = model.takeChanges();
    assert.equal(change.tasks.size, 0, 'ageing alone is no change');
    assert.equal(change.structure, false);
    assert.equal(model.live.get(1), kept, 'an unchanged task keeps its object (views cache by it)');
  });

  it('treats new await edges as a change of structure, a moved frame as a change of content only', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1), task(2)]));
    model.takeChanges();
    model.apply(snapshot(2, [task(1, { awaiting: [2], awaitingKind: 'task' }), task(2)]));
    let change = model.takeChanges();
    assert.ok(change.structure);
    assert.deepEqual([...change.tasks], [1]);
    const moved = [{ file: '/app/main.py', line: 99, function: 'coro1' }];
    model.apply(snapshot(3, [task(1, { awaiting: [2], awaitingKind: 'task', stack: moved, location: moved[0] }), task(2)]));
    change = model.takeChanges();
    assert.equal(change.structure, false);
    assert.deepEqual([...change.tasks], [1]);
  });

  it('applies a delta on top of the snapshot it names and moves finished tasks out of the live set', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1), task(2), task(3)]));
    model.takeChanges();
    model.apply(
      snapshot(2, [task(4, { parent: 1 })], {
        full: false,
        base: 1,
        removed: [3],
        finished: [finishedTask(2, { state: 'cancelled', cancelledBy: 'client' })],
        taskCount: 2,
      }),
    );
    const change = model.takeChanges();
    assert.deepEqual([...model.live.keys()].sort(), [1, 4]);
    assert.equal(model.finished.get(2)?.state, 'cancelled');
    assert.equal(model.task(2)?.state, 'cancelled', 'a finished task is still found by id');
    assert.deepEqual([...change.tasks].sort(), [2, 3, 4]);
    assert.equal(change.needsFullSnapshot, false);
  });

  it('ignores deltas after a missed snapshot and asks for a full one until it arrives', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1)]));
    model.takeChanges();
    model.apply(snapshot(5, [task(9)], { full: false, base: 4 })); // seq 2..4 were lost
    let change = model.takeChanges();
    assert.ok(change.needsFullSnapshot);
    assert.equal(model.live.has(9), false);
    model.apply(snapshot(6, [task(10)], { full: false, base: 5 }));
    change = model.takeChanges();
    assert.ok(change.needsFullSnapshot, 'still stale: this delta builds on one that was ignored');
    assert.equal(model.live.has(10), false);
    model.apply(snapshot(7, [task(9), task(10)]));
    model.apply(snapshot(8, [task(11)], { full: false, base: 7 }));
    change = model.takeChanges();
    assert.equal(change.needsFullSnapshot, false);
    assert.deepEqual([...model.live.keys()].sort((a, b) => a - b), [9, 10, 11]);
  });

  it('keeps the loops apart: a full snapshot of one loop leaves the other loop’s tasks alone', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1)]));
    model.apply(snapshot(2, [task(2, { loop: 2 })], { loop: { ...snapshot(0, []).loop, id: 2, thread: 'worker' } }));
    model.apply(snapshot(3, [task(3)]));
    assert.deepEqual([...model.live.keys()].sort(), [2, 3]);
    assert.equal(model.loops.get(2)?.info.thread, 'worker');
  });

  it('bounds the finished history, dropping the oldest first', () => {
    const model = new TaskModel(3);
    model.apply(snapshot(1, [], { finished: [1, 2, 3, 4, 5].map((id) => finishedTask(id)) }));
    assert.deepEqual([...model.finished.keys()], [3, 4, 5]);
  });

  it('replaces a finding that comes again with the same id (a blocked loop: first ongoing, then final)', () => {
    const model = new TaskModel();
    model.apply(finding(1, { ongoing: true, duration: 150 }));
    model.apply(finding(1, { ongoing: false, duration: 420 }));
    assert.equal(model.findings.size, 1);
    assert.equal(model.findings.get(1)?.duration, 420);
    assert.equal(model.takeChanges().findings.length, 2);
  });

  it('bounds the findings kept, dropping the oldest first', () => {
    const model = new TaskModel(10, 3);
    for (const id of [1, 2, 3, 4]) model.apply(finding(id));
    assert.deepEqual([...model.findings.keys()], [2, 3, 4]);
  });

  it('computes a live task’s age from its loop’s latest snapshot and a finished task’s from its end', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1, { createdAt: 10_000 })], { time: 12_500, finished: [finishedTask(2, { createdAt: 1_000, finishedAt: 4_000 })] }));
    assert.equal(model.ageSeconds(model.task(1)!), 2.5);
    assert.equal(model.ageSeconds(model.task(2)!), 3);
  });
});

describe('recordings', () => {
  const lines = [
    JSON.stringify(hello(null)),
    JSON.stringify(snapshot(1, [task(1)])),
    '{"type": "snapshot", "seq": "two"}',
    JSON.stringify(finding(1)),
    JSON.stringify(snapshot(2, [task(1), task(2)])),
    'garbage',
    JSON.stringify(snapshot(3, [task(2)], { finished: [finishedTask(1)] })),
    JSON.stringify({ type: 'goodbye', time: 30_000, exitCode: 3, reason: 'exit', exception: null, findings: 1 }),
    '',
  ].join('\n');

  it('parses the valid lines, counts and names the invalid ones', () => {
    const recording = parseRecording(lines);
    assert.equal(recording.messages.length, 6);
    assert.equal(recording.steps.length, 3);
    assert.equal(recording.skipped, 2);
    assert.match(recording.problems[0], /^line 3: snapshot\.seq: expected integer, got string/);
    assert.match(recording.problems[1], /^line 6: not JSON/);
  });

  it('steps forward on the same model and back on a rebuilt one', () => {
    const player = new RecordingPlayer(parseRecording(lines));
    const first = player.seek(0);
    assert.deepEqual([...first.live.keys()], [1]);
    assert.equal(first.findings.size, 0, 'the finding comes after the first snapshot');
    const second = player.seek(1);
    assert.equal(second, first, 'moving forward applies the next messages to the same model');
    assert.deepEqual([...second.live.keys()].sort(), [1, 2]);
    assert.equal(second.findings.size, 1);
    const last = player.seek(99);
    assert.equal(player.step, 2, 'clamped to the last snapshot');
    assert.equal(last.goodbye?.exitCode, 3, 'the last step includes what follows the last snapshot');
    const back = player.seek(0);
    assert.notEqual(back, last);
    assert.deepEqual([...back.live.keys()], [1]);
    assert.equal(back.goodbye, undefined);
    assert.equal(player.stepTime(), 10_500);
  });
});
