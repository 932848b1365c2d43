// The task tree's shape (client/runtime/taskIndex.ts): await tree, creation tree, flat list, filter, folded identical
// stacks, ranges for long lists, and which nodes a change refreshes.
import * as assert from 'node:assert/strict';
import { TaskModel } from '../../client/runtime/model';
import {
  buildTaskIndex,
  DEFAULT_VIEW_OPTIONS,
  diffIndexes,
  RANGE_SIZE,
  RESOURCES_KEY,
  ROOT_KEY,
  taskKey,
  type TaskIndex,
  type ViewOptions,
} from '../../client/runtime/taskIndex';
import { finishedTask, frame, loopInfo, snapshot, task } from '../support/runtimeFakes';
import type { TaskInfo } from '../../shared/runtimeProtocol';

function modelOf(tasks: TaskInfo[], fields: Parameters<typeof snapshot>[2] = {}): TaskModel {
  const model = new TaskModel();
  model.apply(snapshot(1, tasks, fields));
  return model;
}

function options(change: Partial<ViewOptions> = {}): ViewOptions {
  return { ...DEFAULT_VIEW_OPTIONS, groupIdenticalStacks: false, ...change };
}

/** The tree as nested text: "t1(t2,t3)". */
function shape(index: TaskIndex, key = ROOT_KEY): string {
  return (index.children.get(key) ?? [])
    .map((child) => (index.children.has(child) ? `${child}(${shape(index, child)})` : child))
    .join(',');
}

// main (1) awaits a gather of 2 and 3; 2 awaits 4. 2 and 3 were created by 1, 4 by 3.
const family = () => [
  task(1, { awaiting: [2, 3], awaitingKind: 'gather' }),
  task(2, { parent: 1, awaiting: [4], awaitingKind: 'task' }),
  task(3, { parent: 1 }),
  task(4, { parent: 3 }),
];

describe('task tree index', () => {
  it('await tree: each task under the task that awaits it', () => {
    assert.equal(shape(buildTaskIndex(modelOf(family()), options())), 't1(t2(t4),t3)');
  });

  it('creation tree: each task under its creator', () => {
    assert.equal(shape(buildTaskIndex(modelOf(family()), options({ grouping: 'creation' }))), 't1(t2,t3(t4))');
  });

  it('flat list ordered by age, state or name (natural order)', () => {
    const tasks = [
      task(1, { name: 'worker-10', createdAt: 3, state: 'pending' }),
      task(2, { name: 'worker-9', createdAt: 1, state: 'running' }),
      task(3, { name: 'alpha', createdAt: 2, state: 'pending' }),
    ];
    const model = modelOf(tasks);
    assert.equal(shape(buildTaskIndex(model, options({ grouping: 'flat', order: 'age' }))), 't2,t3,t1');
    assert.equal(shape(buildTaskIndex(model, options({ grouping: 'flat', order: 'state' }))), 't2,t3,t1');
    assert.equal(shape(buildTaskIndex(model, options({ grouping: 'flat', order: 'name' }))), 't3,t2,t1');
  });

  it('keeps the ancestors of tasks that match the filter', () => {
    const index = buildTaskIndex(modelOf(family()), options({ grouping: 'creation', filter: 'CORO4' }));
    assert.equal(shape(index), 't1(t3(t4))');
    assert.equal(index.taskCount, 3);
  });

  it('matches the file name and line of where a task waits, not the folders above it', () => {
    const at = frame('/home/me/project/jobs.py', 42, 'run');
    const model = modelOf([task(1, { stack: [at], location: at })]);
    assert.equal(buildTaskIndex(model, options({ filter: 'project' })).taskCount, 0);
    assert.equal(buildTaskIndex(model, options({ filter: 'jobs.py:42' })).taskCount, 1);
  });

  it('shows finished tasks only when asked: in a Finished section of the await tree, in place in the creation tree', () => {
    const model = modelOf([task(1)], { finished: [finishedTask(2, { parent: 1 })] });
    assert.equal(shape(buildTaskIndex(model, options())), 't1');
    assert.equal(shape(buildTaskIndex(model, options({ showFinished: true }))), 't1,finished(t2)');
    assert.equal(shape(buildTaskIndex(model, options({ grouping: 'creation', showFinished: true }))), 't1(t2)');
  });

  it('folds three or more sibling leaves with the same state and stack into one node', () => {
    const waiting = [frame('/app/w.py', 5, 'worker'), frame('/usr/lib/python3.12/asyncio/queues.py', 158, 'get')];
    const workers = [2, 3, 4].map((id) => task(id, { parent: 1, stack: waiting, location: waiting[1], coro: 'worker' }));
    const odd = task(5, { parent: 1, coro: 'worker' });
    const index = buildTaskIndex(modelOf([task(1, { awaiting: [2, 3, 4, 5], awaitingKind: 'gather' }), ...workers, odd]), options({ groupIdenticalStacks: true }));
    const [group, single] = index.children.get(taskKey(1))!;
    assert.equal(index.nodes.get(group)?.kind, 'sameStack');
    assert.deepEqual(index.children.get(group), ['t2', 't3', 't4']);
    assert.equal(single, 't5');
    assert.equal(index.parents.get('t3'), group);
  });

  it('splits long child lists into ranges so VS Code never gets thousands of items at once', () => {
    const count = RANGE_SIZE * 2 + 7;
    const tasks = Array.from({ length: count }, (_, i) => task(i + 1, { stack: [frame('/app/x.py', i + 1, 'f')] }));
    const index = buildTaskIndex(modelOf(tasks), options({ grouping: 'flat' }));
    const ranges = index.children.get(ROOT_KEY)!;
    const folded = buildTaskIndex(modelOf(tasks.map((t) => ({ ...t, coro: 'f', stack: [frame('/app/x.py', 1, 'f')] }))), options({ grouping: 'flat', groupIdenticalStacks: true }));
    const [group] = folded.children.get(ROOT_KEY)!;
    const groupNode = folded.nodes.get(group);
    assert.deepEqual(groupNode?.kind === 'sameStack' && [groupNode.count, folded.children.get(group)!.length], [count, 3], 'a big folded group has ranges too');
    assert.equal(ranges.length, 3);
    assert.deepEqual(
      ranges.map((key) => index.children.get(key)!.length),
      [RANGE_SIZE, RANGE_SIZE, 7],
    );
    const last = index.nodes.get(ranges[2]);
    assert.deepEqual(last?.kind === 'range' && [last.first, last.last, last.total], [RANGE_SIZE * 2 + 1, count, count]);
  });

  it('groups tasks by loop when several loops have tasks, and lists resources after the tasks', () => {
    // Resources are process-wide: every snapshot carries all of them.
    const resources = [{ id: 1, kind: 'queue' as const, name: 'Queue@a.py:3', created: null, state: '0 items', waiters: [1] }];
    const model = modelOf([task(1)], { resources });
    model.apply(snapshot(2, [task(2, { loop: 2 })], { loop: loopInfo(2), resources }));
    const index = buildTaskIndex(model, options());
    assert.equal(shape(index), `l1(t1),l2(t2),${RESOURCES_KEY}`);
  });

  it('survives a cycle of awaits (never expected) instead of looping forever', () => {
    const index = buildTaskIndex(modelOf([task(1, { awaiting: [2] }), task(2, { awaiting: [1] })]), options());
    assert.equal(index.taskCount, 2);
    assert.ok(shape(index).includes('t1') && shape(index).includes('t2'));
  });

  it('reuses node objects across rebuilds: VS Code refreshes elements by identity', () => {
    const model = modelOf(family());
    const before = buildTaskIndex(model, options());
    const after = buildTaskIndex(model, options(), before.nodes);
    assert.equal(after.nodes.get('t2'), before.nodes.get('t2'));
  });
});

describe('tree refresh diff', () => {
  const view = options();

  it('refreshes only the parent whose children changed and the tasks whose content changed', () => {
    const model = modelOf(family());
    const before = buildTaskIndex(model, view);
    model.apply(snapshot(2, [...family(), task(5, { parent: 1 })].map((t) => (t.id === 3 ? { ...t, awaiting: [5], awaitingKind: 'task' as const } : t))));
    const after = buildTaskIndex(model, view, before.nodes);
    assert.deepEqual(diffIndexes(before, after, ['t4']), { full: false, keys: ['t3', 't4'] });
  });

  it('drops refreshes of nodes whose ancestor is refreshed anyway', () => {
    const model = modelOf(family());
    const before = buildTaskIndex(model, view);
    model.apply(snapshot(2, [...family(), task(5)].map((t) => (t.id === 2 ? { ...t, awaiting: [4, 5] } : t))));
    const after = buildTaskIndex(model, view, before.nodes);
    assert.deepEqual(diffIndexes(before, after, ['t4', 't2']), { full: false, keys: ['t2'] });
  });

  it('reloads a moved task through the closest node that holds its old and its new parent', () => {
    const model = modelOf(family());
    const before = buildTaskIndex(model, view);
    model.apply(snapshot(2, family().map((t) => (t.id === 2 ? { ...t, awaiting: [] } : t.id === 3 ? { ...t, awaiting: [4] } : t))));
    assert.deepEqual(diffIndexes(before, buildTaskIndex(model, view, before.nodes), ['t4']), { full: false, keys: ['t1'] }, 'task 4 moved from 2 to 3');
  });

  it('asks for a full refresh when the top level changes or the options change', () => {
    const model = modelOf(family());
    model.apply(snapshot(3, [...family(), task(9)]));
    const grown = buildTaskIndex(model, view);
    assert.equal(diffIndexes(buildTaskIndex(modelOf(family()), view), grown, []).full, true, 'a new top-level task');
    assert.equal(diffIndexes(grown, buildTaskIndex(model, options({ grouping: 'flat' })), []).full, true);
  });

  it('refreshes nothing when nothing changed', () => {
    const model = modelOf(family());
    const before = buildTaskIndex(model, view);
    assert.deepEqual(diffIndexes(before, buildTaskIndex(model, view, before.nodes), []), { full: false, keys: [] });
  });
});
