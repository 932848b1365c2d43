// Runtime findings as Problems entries (client/runtime/findings.ts), the texts of the task view
// (client/runtime/format.ts) and the timeline's data (client/runtime/timelineData.ts).
import * as assert from 'node:assert/strict';
import { findingDiagnosticMessage, findingEntries, findingFile } from '../../client/runtime/findings';
import { escapeMarkdown, formatDuration, stackText, taskDescription, taskTooltipMarkdown } from '../../client/runtime/format';
import { TaskModel } from '../../client/runtime/model';
import { timelineData } from '../../client/runtime/timelineData';
import { finding, finishedTask, frame, hello, snapshot, task } from '../support/runtimeFakes';

describe('runtime findings as diagnostics', () => {
  it('folds findings of the same kind on the same line, keeping the longest block', () => {
    const entries = findingEntries(
      [
        finding(1, { duration: 120, taskName: 'fetcher' }),
        finding(2, { duration: 1_250, taskName: 'fetcher' }),
        finding(3, { kind: 'never-awaited', message: "coroutine 'save' was never awaited", duration: undefined, ongoing: undefined }),
        finding(4, { location: null }),
      ],
      '/app',
    );
    assert.equal(entries.length, 2);
    assert.deepEqual(
      entries.map((e) => [e.kind, e.line, e.count, e.severity, e.summary]),
      [
        ['blocked-loop', 6, 2, 'warning', "loop blocked 2 times here, longest 1.3 s, in task 'fetcher'"],
        ['never-awaited', 6, 1, 'warning', "coroutine 'save' was never awaited"],
      ],
    );
  });

  it('says "confirmed at runtime" when a static rule flags the same line', () => {
    const [entry] = findingEntries([finding(1, { duration: 1_200 })], '/app');
    assert.equal(findingDiagnosticMessage(entry, ['AIO200']), 'confirmed at runtime: loop blocked 1.2 s here (AIO200)');
    assert.equal(findingDiagnosticMessage(entry, []), 'Loop blocked 1.2 s here (seen at runtime)');
    const [ongoing] = findingEntries([finding(1, { duration: 400, ongoing: true })], '/app');
    assert.equal(ongoing.summary, 'loop blocked here, 400 ms so far');
  });

  it('resolves relative files against the program’s directory and skips pseudo files', () => {
    assert.equal(findingFile('pkg/mod.py', '/app'), '/app/pkg/mod.py');
    assert.equal(findingFile('/abs/x.py', '/app'), '/abs/x.py');
    assert.equal(findingFile('<frozen runpy>', '/app'), undefined);
    assert.equal(findingFile('rel.py', undefined), undefined);
  });

  it('lists the sampled stack innermost first as related locations', () => {
    const stack = [frame('/app/main.py', 30, 'main'), frame('/app/main.py', 7, 'warm_up')];
    const [entry] = findingEntries([finding(1, { stack })], '/app');
    assert.deepEqual(entry.related.map((f) => f.function), ['warm_up', 'main']);
  });
});

describe('task view texts', () => {
  it('formats durations for people', () => {
    assert.equal(formatDuration(350.4), '350 ms');
    assert.equal(formatDuration(1_234), '1.2 s');
    assert.equal(formatDuration(42_000), '42 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
  });

  it('describes a live task by coroutine and place, a finished one by how it ended', () => {
    const names = (id: number) => (id === 7 ? 'watchdog' : undefined);
    assert.equal(taskDescription(task(1, { name: 'Task-1', coro: 'main' }), false, names), 'main  main.py:11');
    assert.equal(taskDescription(task(1, { name: 'main', coro: 'main' }), true, names), '▶ current  main.py:11');
    assert.equal(taskDescription(finishedTask(2, { name: 'f', coro: 'fetch', result: "'ok'" }), false, names), "fetch  → 'ok'");
    const failed = finishedTask(2, { state: 'failed', result: null, exception: { type: 'ValueError', message: 'x', location: null } });
    assert.equal(taskDescription(failed, false, names), 'coro2  ValueError');
    assert.equal(taskDescription(finishedTask(2, { state: 'cancelled', result: null, cancelledBy: 'shutdown' }), false, names), 'coro2  cancelled at exit');
    assert.equal(taskDescription(finishedTask(2, { state: 'cancelled', result: null, cancelledBy: 7 }), false, names), 'coro2  cancelled by watchdog');
    assert.equal(taskDescription(finishedTask(2, { state: 'cancelled', result: null, cancelledBy: 8 }), false, names), 'coro2  cancelled by task 8');
  });

  it('copies a stack like a Python traceback, with the creation site', () => {
    const text = stackText(task(3, { name: 'fetch-1', stack: [frame('/app/a.py', 4, 'main'), frame('/app/b.py', 9, 'fetch')], awaitingDetail: 'sleep' }));
    assert.equal(
      text,
      [
        'Task "fetch-1" (pending) coro3',
        'awaiting sleep',
        'Stack (most recent call last):',
        '  File "/app/a.py", line 4, in main',
        '  File "/app/b.py", line 9, in fetch',
        'Created at:',
        '  File "/app/main.py", line 1, in main',
        '',
      ].join('\n'),
    );
  });

  it('escapes names from the program in Markdown tooltips', () => {
    assert.equal(escapeMarkdown('[x](command:evil)'), '\\[x\\]\\(command:evil\\)');
    const model = new TaskModel();
    model.apply(snapshot(1, [task(1, { name: '**bold** <img src=x>' })]));
    const tooltip = taskTooltipMarkdown(model.task(1)!, model);
    assert.ok(tooltip.startsWith('**\\*\\*bold\\*\\* \\<img src=x\\>** — pending'), tooltip);
    assert.match(tooltip, /Created at: \[main\\\.py:1\]\(file:\/\/\/app\/main\.py#L1\)/);
  });
});

describe('timeline data', () => {
  it('has a bar per task from creation to end (or now) and the blocked intervals', () => {
    const model = new TaskModel();
    model.apply(hello(null, { startedAt: 900 }));
    model.apply(snapshot(1, [task(2, { createdAt: 1_500 })], { time: 4_000, finished: [finishedTask(1, { createdAt: 1_000, finishedAt: 2_000, state: 'failed' })] }));
    model.apply(finding(1, { time: 3_000, duration: 500 }));
    const data = timelineData(model);
    assert.deepEqual(
      data.rows.map((r) => [r.id, r.state, r.createdAt, r.finishedAt]),
      [
        [1, 'failed', 1_000, 2_000],
        [2, 'pending', 1_500, null],
      ],
    );
    assert.deepEqual(data.blocks.map((b) => [b.start, b.end]), [[2_500, 3_000]]);
    assert.equal(data.start, 900);
    assert.equal(data.end, 4_000);
  });

  it('leaves out the oldest tasks beyond the row limit and says how many', () => {
    const model = new TaskModel();
    model.apply(snapshot(1, [1, 2, 3, 4].map((id) => task(id))));
    const data = timelineData(model, 3);
    assert.equal(data.omitted, 1);
    assert.deepEqual(data.rows.map((r) => r.id), [2, 3, 4]);
  });
});
