// Benchmark worker: the Tasks view's own work for a program with 10,000 live tasks, per snapshot the adapter sends.
//   node out/bench/workers/taskView.js [tasks]
// Times (median of RUNS): parsing and validating one full snapshot line, applying it to the model, rebuilding the tree
// index in each grouping, and diffing it against the previous one; and counts what VS Code would be asked to reload
// when nothing changed, when 1% of the tasks changed state, and how many items the top level hands to VS Code.
// Prints one JSON object.
import { performance } from 'node:perf_hooks';
import { parseMessageLine, type SnapshotMessage, type TaskInfo } from '../shared/runtimeProtocol';
import { TaskModel } from '../client/runtime/model';
import { buildTaskIndex, DEFAULT_VIEW_OPTIONS, diffIndexes, ROOT_KEY, taskKey, type ViewOptions } from '../client/runtime/taskIndex';

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(body: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    body();
    samples.push(performance.now() - started);
  }
  return Math.round(median(samples) * 100) / 100;
}

/** A server-like program: 100 handlers each gathering 99 request tasks, which wait on sockets or sleeps. */
function tasks(count: number, tick: number, changed = 0): TaskInfo[] {
  const list: TaskInfo[] = [];
  const handlers = Math.max(1, Math.floor(count / 100));
  for (let id = 1; id <= count; id++) {
    const handler = id <= handlers;
    const owner = handler ? null : 1 + (id % handlers);
    const flipped = id > count - changed; // the last `changed` request tasks move on to another await
    const waitsOnSleep = id % 3 === 0 !== flipped;
    const stack = [
      { file: '/srv/app/server.py', line: handler ? 40 : 88, function: handler ? 'handle' : 'request' },
      { file: '/srv/app/client.py', line: waitsOnSleep ? 12 : 30, function: waitsOnSleep ? 'backoff' : 'read_reply' },
      { file: '/usr/lib/python3.12/asyncio/streams.py', line: 540, function: 'readline' },
    ];
    list.push({
      id,
      name: handler ? `handler-${id}` : `Task-${id}`,
      state: 'pending',
      loop: 1,
      coro: handler ? 'handle' : 'request',
      location: stack[1],
      stack,
      awaiting: handler ? Array.from({ length: 99 }, (_, k) => handlers + (id - 1) * 99 + k + 1).filter((t) => t <= count) : [],
      awaitingKind: handler ? 'gather' : 'future',
      awaitingResource: null,
      awaitingDetail: handler ? 'gather of 99 tasks' : null,
      parent: owner,
      created: { file: '/srv/app/server.py', line: handler ? 20 : 60, function: handler ? 'serve' : 'handle' },
      createdAt: 1_700_000_000_000 + id,
      age: 10 + tick,
    });
  }
  return list;
}

function snapshotLine(seq: number, list: TaskInfo[]): string {
  const message: SnapshotMessage = {
    type: 'snapshot',
    seq,
    time: 1_700_000_100_000 + seq * 500,
    full: true,
    base: null,
    loop: { id: 1, thread: 'MainThread', threadId: 1, className: '_UnixSelectorEventLoop', running: true, lagMs: 1, maxLagMs: 3 },
    currentTask: null,
    taskCount: list.length,
    tasks: list,
    removed: [],
    finished: [],
    resources: [],
    resourcesOmitted: 0,
    collectMs: 20,
  };
  return JSON.stringify(message);
}

function main(): void {
  const count = Number(process.argv[2] ?? 10_000);
  const lines = [0, 1, 2].map((tick) => snapshotLine(tick + 1, tasks(count, tick, tick === 2 ? count / 100 : 0)));
  const parsed = lines.map((line) => {
    const message = parseMessageLine(line);
    if (typeof message === 'string') throw new Error(message);
    return message;
  });

  const parseMs = time(() => parseMessageLine(lines[0]));
  const applyMs = time(() => new TaskModel().apply(parsed[0]));

  const groupings: Record<string, ViewOptions> = {
    await: DEFAULT_VIEW_OPTIONS,
    creation: { ...DEFAULT_VIEW_OPTIONS, grouping: 'creation' },
    flat: { ...DEFAULT_VIEW_OPTIONS, grouping: 'flat' },
    awaitUnfolded: { ...DEFAULT_VIEW_OPTIONS, groupIdenticalStacks: false },
  };
  const model = new TaskModel();
  model.apply(parsed[0]);
  model.takeChanges();
  const indexMs: Record<string, number> = {};
  const topLevelItems: Record<string, number> = {};
  for (const [name, options] of Object.entries(groupings)) {
    indexMs[name] = time(() => buildTaskIndex(model, options));
    topLevelItems[name] = buildTaskIndex(model, options).children.get(ROOT_KEY)?.length ?? 0;
  }

  // Steady state: the next snapshot only ages the tasks.
  const options = groupings.await;
  const before = buildTaskIndex(model, options);
  model.apply(parsed[1]);
  const steady = model.takeChanges();
  let steadyRefresh = diffIndexes(before, buildTaskIndex(model, options, before.nodes), []);
  const steadyMs = time(() => {
    steadyRefresh = diffIndexes(before, buildTaskIndex(model, options, before.nodes), [...steady.tasks].map(taskKey));
  });

  // 1% of the tasks move to another await (and so to another folded group).
  const beforeChange = buildTaskIndex(model, options);
  model.apply(parsed[2]);
  const change = model.takeChanges();
  const changedKeys = [...change.tasks].map(taskKey);
  let changeRefresh = diffIndexes(beforeChange, buildTaskIndex(model, options, beforeChange.nodes), changedKeys);
  const changeMs = time(() => {
    changeRefresh = diffIndexes(beforeChange, buildTaskIndex(model, options, beforeChange.nodes), changedKeys);
  });

  process.stdout.write(
    JSON.stringify({
      tasks: count,
      snapshotBytes: lines[0].length,
      parseAndValidateMs: parseMs,
      applyFullSnapshotMs: applyMs,
      buildIndexMs: indexMs,
      topLevelItems,
      steadySnapshot: { changedTasks: steady.tasks.size, rebuildAndDiffMs: steadyMs, full: steadyRefresh.full, nodesRefreshed: steadyRefresh.keys.length },
      onePercentChanged: { changedTasks: change.tasks.size, rebuildAndDiffMs: changeMs, full: changeRefresh.full, nodesRefreshed: changeRefresh.keys.length },
    }) + '\n',
  );
}

main();
