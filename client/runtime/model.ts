// What the client knows about the running program: its loops, live and finished tasks, resources and findings, built
// by applying adapter messages in order (full snapshots, deltas, findings). Records what changed since the last
// `takeChanges()` so the views refresh only that. Free of `vscode`: recordings and unit tests use it directly.
import type {
  AdapterMessage,
  FindingMessage,
  FinishedTaskInfo,
  GoodbyeMessage,
  HelloMessage,
  LoopInfo,
  ResourceInfo,
  SnapshotMessage,
  StackFrame,
  TaskInfo,
} from '../../shared/runtimeProtocol';

export type AnyTask = TaskInfo | FinishedTaskInfo;

export interface LoopView {
  info: LoopInfo;
  /** Seq of the last snapshot applied for this loop (a delta applies only on top of it). */
  lastSeq: number | null;
  /** When that snapshot was taken (epoch ms). */
  time: number;
  currentTask: number | null;
  taskIds: Set<number>;
  /** A delta did not apply: deltas are ignored until the next full snapshot. */
  stale: boolean;
  closed: boolean;
}

export interface ModelChange {
  /** Tasks that appeared, changed, finished or disappeared. */
  tasks: Set<number>;
  /** The task set or the links between tasks (creator, awaiting) changed: groupings must be recomputed. */
  structure: boolean;
  resources: boolean;
  loops: boolean;
  /** hello or goodbye arrived. */
  session: boolean;
  /** New or updated findings, in arrival order. */
  findings: FindingMessage[];
  /** A delta could not be applied (a snapshot was missed): ask the adapter for a full snapshot. */
  needsFullSnapshot: boolean;
}

function noChange(): ModelChange {
  return {
    tasks: new Set(),
    structure: false,
    resources: false,
    loops: false,
    session: false,
    findings: [],
    needsFullSnapshot: false,
  };
}

export function isEmptyChange(change: ModelChange): boolean {
  return (
    change.tasks.size === 0 &&
    !change.structure &&
    !change.resources &&
    !change.loops &&
    !change.session &&
    change.findings.length === 0 &&
    !change.needsFullSnapshot
  );
}

function sameFrame(a: StackFrame | null, b: StackFrame | null): boolean {
  if (a === null || b === null) return a === b;
  return a.line === b.line && a.file === b.file && a.function === b.function;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Links that place a task in the await tree or the creation tree. */
function sameLinks(a: TaskInfo, b: TaskInfo): boolean {
  return a.parent === b.parent && sameIds(a.awaiting, b.awaiting);
}

/** What the tree item shows (its age is computed when shown, so a task that only aged is unchanged). */
function sameContent(a: TaskInfo, b: TaskInfo): boolean {
  return (
    a.state === b.state &&
    a.name === b.name &&
    a.coro === b.coro &&
    a.awaitingKind === b.awaitingKind &&
    a.awaitingDetail === b.awaitingDetail &&
    a.awaitingResource === b.awaitingResource &&
    sameFrame(a.location, b.location) &&
    a.stack.length === b.stack.length &&
    a.stack.every((frame, i) => sameFrame(frame, b.stack[i]))
  );
}

export class TaskModel {
  hello: HelloMessage | undefined;
  goodbye: GoodbyeMessage | undefined;
  readonly loops = new Map<number, LoopView>();
  /** Live tasks of every loop by id (ids are unique within the process). */
  readonly live = new Map<number, TaskInfo>();
  /** Finished tasks, oldest first, at most `finishedLimit`. */
  readonly finished = new Map<number, FinishedTaskInfo>();
  resources: ResourceInfo[] = [];
  resourcesOmitted = 0;
  readonly findings = new Map<number, FindingMessage>();
  /** Messages applied so far. */
  messageCount = 0;
  /** Latest time any message carried (epoch ms); "now" for a recording. */
  latestTime = 0;
  private changes = noChange();
  private resourcesJson = '[]';

  constructor(
    private readonly finishedLimit = 2000,
    /** A program can produce findings without end (a coroutine never awaited in a loop): the oldest go first. */
    private readonly findingLimit = 10_000,
  ) {}

  task(id: number): AnyTask | undefined {
    return this.live.get(id) ?? this.finished.get(id);
  }

  /** Live tasks followed by finished ones. */
  *allTasks(): Iterable<AnyTask> {
    yield* this.live.values();
    yield* this.finished.values();
  }

  /** Seconds the task has existed: up to the loop's latest snapshot while live, up to its end once finished. */
  ageSeconds(task: AnyTask): number {
    if ('finishedAt' in task) return Math.max(0, (task.finishedAt - task.createdAt) / 1000);
    const loop = this.loops.get(task.loop);
    return loop ? Math.max(0, (loop.time - task.createdAt) / 1000) : task.age;
  }

  isCurrent(task: AnyTask): boolean {
    return this.loops.get(task.loop)?.currentTask === task.id;
  }

  /** Returns what changed since the previous call and starts a new record. */
  takeChanges(): ModelChange {
    const taken = this.changes;
    this.changes = noChange();
    return taken;
  }

  apply(message: AdapterMessage): void {
    this.messageCount++;
    if ('time' in message && typeof message.time === 'number') this.latestTime = Math.max(this.latestTime, message.time);
    switch (message.type) {
      case 'hello':
        this.hello = message;
        this.latestTime = Math.max(this.latestTime, message.startedAt);
        this.changes.session = true;
        break;
      case 'goodbye':
        this.goodbye = message;
        this.changes.session = true;
        break;
      case 'loop': {
        const loop = this.loopFor(message.loop);
        loop.closed = message.event === 'closed';
        this.changes.loops = true;
        break;
      }
      case 'snapshot':
        this.applySnapshot(message);
        break;
      case 'finding':
        this.findings.set(message.id, message);
        if (this.findings.size > this.findingLimit) this.findings.delete(this.findings.keys().next().value as number);
        this.changes.findings.push(message);
        break;
      default:
        // challenge, reply and error messages do not change the model.
        break;
    }
  }

  private loopFor(info: LoopInfo): LoopView {
    let loop = this.loops.get(info.id);
    if (!loop) {
      loop = { info, lastSeq: null, time: 0, currentTask: null, taskIds: new Set(), stale: false, closed: false };
      this.loops.set(info.id, loop);
    } else {
      loop.info = info;
    }
    return loop;
  }

  private applySnapshot(message: SnapshotMessage): void {
    const loop = this.loopFor(message.loop);
    this.changes.loops = true;
    if (!message.full && (loop.stale || loop.lastSeq !== message.base)) {
      loop.stale = true;
      this.changes.needsFullSnapshot = true;
      return;
    }
    if (message.full) {
      const incoming = new Set(message.tasks.map((t) => t.id));
      for (const id of loop.taskIds) if (!incoming.has(id)) this.forget(loop, id);
      loop.stale = false;
    } else {
      for (const id of message.removed) this.forget(loop, id);
    }
    for (const task of message.tasks) this.upsert(loop, task);
    for (const task of message.finished) this.finish(loop, task);

    if (loop.currentTask !== message.currentTask) {
      if (loop.currentTask !== null) this.changes.tasks.add(loop.currentTask);
      if (message.currentTask !== null) this.changes.tasks.add(message.currentTask);
      loop.currentTask = message.currentTask;
    }
    loop.lastSeq = message.seq;
    loop.time = message.time;

    const resourcesJson = JSON.stringify(message.resources);
    if (resourcesJson !== this.resourcesJson || message.resourcesOmitted !== this.resourcesOmitted) {
      this.resources = message.resources;
      this.resourcesOmitted = message.resourcesOmitted;
      this.resourcesJson = resourcesJson;
      this.changes.resources = true;
    }
  }

  private forget(loop: LoopView, id: number): void {
    loop.taskIds.delete(id);
    if (this.live.delete(id)) {
      this.changes.tasks.add(id);
      this.changes.structure = true;
    }
  }

  private upsert(loop: LoopView, task: TaskInfo): void {
    if (this.finished.has(task.id)) return; // a finished task does not come back to life
    const previous = this.live.get(task.id);
    loop.taskIds.add(task.id);
    if (!previous || !sameLinks(previous, task)) {
      this.changes.structure = true;
      this.changes.tasks.add(task.id);
    } else if (!sameContent(previous, task)) {
      this.changes.tasks.add(task.id);
    } else {
      return; // unchanged: keep the object (the views cache by it); its age is derived from createdAt anyway
    }
    this.live.set(task.id, task);
  }

  private finish(loop: LoopView, task: FinishedTaskInfo): void {
    loop.taskIds.delete(task.id);
    this.live.delete(task.id);
    const known = this.finished.get(task.id);
    if (!known || !sameContent(known, task) || known.cancelledBy !== task.cancelledBy) {
      this.changes.tasks.add(task.id);
      this.changes.structure = true;
    }
    if (!known) {
      this.finished.set(task.id, task);
      while (this.finished.size > this.finishedLimit) {
        const oldest = this.finished.keys().next().value as number;
        this.finished.delete(oldest);
        this.changes.tasks.add(oldest);
      }
    } else {
      this.finished.set(task.id, task);
    }
  }
}
