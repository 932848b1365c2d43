// Types of the runtime adapter's JSON Lines protocol (docs/runtime-protocol.md) and their validation.
// Dependency-free on purpose: the VS Code client, the CLI and webviews import it.
// Compatibility rule: protocol 1 only grows (new optional fields, new message types); unknown fields are ignored.

export const RUNTIME_PROTOCOL_VERSION = 1;

/** Environment variables through which a client hands the connection details to the adapter. */
export const RUNTIME_ENV = {
  host: 'ASYNCIO_LENS_HOST',
  port: 'ASYNCIO_LENS_PORT',
  socket: 'ASYNCIO_LENS_SOCKET',
  token: 'ASYNCIO_LENS_TOKEN',
} as const;

/**
 * The string both sides HMAC-SHA256 (key = the token, hex digest) to prove they know the token.
 * Client proof: role 'client' over the adapter's challenge nonce; adapter proof (in hello): role 'adapter' over the
 * client's nonce. In Node: createHmac('sha256', token).update(authProofInput('client', nonce)).digest('hex').
 */
export function authProofInput(role: 'client' | 'adapter', nonce: string): string {
  return `${role}:${nonce}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes

export interface StackFrame {
  file: string;
  line: number;
  function: string;
}

export interface SourceLocation {
  file: string;
  line: number;
  function?: string;
}

export type TaskState = 'pending' | 'running' | 'done' | 'cancelled' | 'failed';

/** How a task waits; `awaiting` lists the task ids involved. */
export type AwaitKind =
  | 'task'
  | 'gather'
  | 'taskgroup'
  | 'shield'
  | 'wait_for'
  | 'wait'
  | 'resource'
  | 'executor'
  | 'sleep'
  | 'future';

export interface LoopInfo {
  id: number;
  /** Name of the thread running the loop. */
  thread: string;
  threadId: number;
  /** Class name of the loop, e.g. "_UnixSelectorEventLoop". */
  className: string;
  running: boolean;
  /** Latest lateness of the adapter's heartbeat callback, in ms. */
  lagMs: number;
  /** Largest lag since the previous snapshot of this loop, in ms. */
  maxLagMs: number;
}

export interface TaskInfo {
  id: number;
  name: string;
  state: TaskState;
  loop: number;
  /** Qualified name of the task's coroutine. */
  coro: string;
  /** Innermost frame of `stack` in the program's own code (not stdlib/site-packages), else the innermost; null without a stack. */
  location: StackFrame | null;
  /** Coroutine stack, outermost first, following cr_await / gi_yieldfrom chains. May be cut at 64 frames. */
  stack: StackFrame[];
  /** Ids of the tasks this task waits for. */
  awaiting: number[];
  awaitingKind: AwaitKind | null;
  /** Resource id when the task waits on a tracked queue/lock/semaphore/event/condition/executor. */
  awaitingResource: number | null;
  /** Human description of what it waits on, e.g. "queue Queue@jobs.py:12", "sleep", "gather of 3 tasks". */
  awaitingDetail: string | null;
  /** Id of the task that created it (the current task at creation), or null. */
  parent: number | null;
  /** Where it was created (first frame outside asyncio), or null when unknown. */
  created: StackFrame | null;
  /** Full creation stack, outermost first; only with the adapter's --creation-stack option or in replies. */
  createdStack?: StackFrame[];
  /** Unix time in ms when the adapter saw the task being created. */
  createdAt: number;
  /** Seconds since creation at the time of the snapshot (for tasks not resent in a delta: time - createdAt). */
  age: number;
}

export interface ExceptionSummary {
  type: string;
  message: string;
  /** Innermost frame of its traceback. */
  location: StackFrame | null;
}

export interface FinishedTaskInfo extends TaskInfo {
  state: 'done' | 'cancelled' | 'failed';
  finishedAt: number;
  /** repr() of the result, shortened; null unless state is 'done'. */
  result: string | null;
  exception: ExceptionSummary | null;
  /** Task id, 'client' (cancel command), 'shutdown' (asyncio.run cancelling leftovers) or null when unknown. */
  cancelledBy: number | 'client' | 'shutdown' | null;
}

export type ResourceKind = 'queue' | 'lock' | 'semaphore' | 'bounded-semaphore' | 'event' | 'condition' | 'executor';

export interface ResourceInfo {
  id: number;
  kind: ResourceKind;
  /** E.g. "Queue@jobs.py:12". */
  name: string;
  created: StackFrame | null;
  /** Short state text, e.g. "3/10 items", "locked", "value 0", "set", "2 running, 5 queued". */
  state: string;
  /** Ids of tasks waiting on it (for a queue: getters and putters). */
  waiters: number[];
  // Kind-specific details:
  size?: number;
  maxsize?: number;
  getters?: number[];
  putters?: number[];
  locked?: boolean;
  value?: number;
  isSet?: boolean;
  pending?: number;
  running?: number;
  maxWorkers?: number | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Adapter -> client messages

export interface ChallengeMessage {
  type: 'challenge';
  protocol: number;
  nonce: string;
}

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  adapter: string;
  adapterVersion: string;
  pid: number;
  python: string;
  implementation: string;
  platform: string;
  argv: string[];
  cwd: string;
  startedAt: number;
  intervalMs: number;
  blockThresholdMs: number;
  /** HMAC proof of the adapter (see authProofInput); null in recordings and when no client is connected. */
  proof: string | null;
}

export interface LoopMessage {
  type: 'loop';
  event: 'started' | 'stopped' | 'closed';
  time: number;
  loop: LoopInfo;
}

export interface SnapshotMessage {
  type: 'snapshot';
  /** Increasing per process across all loops. */
  seq: number;
  time: number;
  /** Full: `tasks` is every live task of the loop. Delta: only new or changed tasks, applied on top of `base`. */
  full: boolean;
  /** Seq of the previous snapshot of the same loop this delta applies to; null for full snapshots. */
  base: number | null;
  loop: LoopInfo;
  currentTask: number | null;
  /** Number of live tasks of the loop after applying this message. */
  taskCount: number;
  tasks: TaskInfo[];
  /** Delta only: ids of tasks that are no longer live (finished or gone). */
  removed: number[];
  /** Full: the bounded finished-task history; delta: tasks finished since `base`. */
  finished: FinishedTaskInfo[];
  /** Every tracked resource (process-wide, bounded). */
  resources: ResourceInfo[];
  /** Number of resources left out because of the bound. */
  resourcesOmitted: number;
  /** Time the loop thread spent collecting this snapshot, in ms. */
  collectMs: number;
}

export type FindingKind =
  | 'blocked-loop'
  | 'never-awaited'
  | 'exception-never-retrieved'
  | 'destroyed-pending'
  | 'pending-at-exit';

export interface FindingMessage {
  type: 'finding';
  /** A later finding with the same id replaces the earlier one (a blocked loop is reported while stuck, then final). */
  id: number;
  kind: FindingKind;
  message: string;
  location: SourceLocation | null;
  time: number;
  loop: number | null;
  taskId: number | null;
  taskName: string | null;
  /** blocked-loop: how long the loop was (or so far is) blocked, in ms. */
  duration?: number;
  /** blocked-loop: true while the loop is still blocked. */
  ongoing?: boolean;
  /** blocked-loop: loop thread stack sampled while stuck; exception: traceback; never-awaited: creation origin. */
  stack?: StackFrame[];
  /** Creation site of the task or coroutine. */
  created?: StackFrame | null;
  coro?: string;
  exception?: ExceptionSummary | null;
}

export type ClientCommandName =
  | 'cancel-task'
  | 'pause'
  | 'resume'
  | 'set-interval'
  | 'get-task-stack'
  | 'request-snapshot';

export interface ReplyMessage {
  type: 'reply';
  requestId: number;
  command: ClientCommandName;
  ok: boolean;
  error?: string;
  /** get-task-stack: the task with its full stack (and creation stack when recorded). */
  task?: TaskInfo;
}

export interface ErrorMessage {
  type: 'error';
  message: string;
  requestId?: number | null;
}

export interface GoodbyeMessage {
  type: 'goodbye';
  time: number;
  exitCode: number;
  reason: 'exit' | 'exception' | 'interrupt';
  exception: ExceptionSummary | null;
  findings: number;
}

export type AdapterMessage =
  | ChallengeMessage
  | HelloMessage
  | LoopMessage
  | SnapshotMessage
  | FindingMessage
  | ReplyMessage
  | ErrorMessage
  | GoodbyeMessage;

// ---------------------------------------------------------------------------------------------------------------
// Client -> adapter messages

export interface AuthMessage {
  type: 'auth';
  protocol: number;
  /** hex HMAC-SHA256(token, authProofInput('client', challenge.nonce)). */
  proof: string;
  /** Fresh random nonce the adapter proves itself over in hello.proof. */
  nonce: string;
}

export interface CancelTaskCommand {
  type: 'cancel-task';
  requestId: number;
  taskId: number;
  message?: string;
}

export interface PauseCommand {
  type: 'pause';
  requestId: number;
}

export interface ResumeCommand {
  type: 'resume';
  requestId: number;
}

export interface SetIntervalCommand {
  type: 'set-interval';
  requestId: number;
  /** 50 .. 60000 */
  intervalMs: number;
}

export interface GetTaskStackCommand {
  type: 'get-task-stack';
  requestId: number;
  taskId: number;
}

export interface RequestSnapshotCommand {
  type: 'request-snapshot';
  requestId: number;
}

export type ClientCommand =
  | CancelTaskCommand
  | PauseCommand
  | ResumeCommand
  | SetIntervalCommand
  | GetTaskStackCommand
  | RequestSnapshotCommand;

export type ClientMessage = AuthMessage | ClientCommand;

/** Serialises a client message as one JSON line. */
export function encodeClientMessage(message: ClientMessage): string {
  return JSON.stringify(message) + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of adapter messages

class Invalid extends Error {}

type Obj = Record<string, unknown>;

/**
 * Where in a message a value sits, e.g. `snapshot.tasks[12].stack[0].line`. Built as a linked list and turned
 * into text only when validation fails: formatting it for every item costs more than checking the item.
 */
class PathPart {
  constructor(
    private readonly parent: Path,
    private readonly key: string | number,
  ) {}

  toString(): string {
    return typeof this.key === 'number' ? `${this.parent}[${this.key}]` : `${this.parent}.${this.key}`;
  }
}

type Path = string | PathPart;

function at(parent: Path, key: string | number): PathPart {
  return new PathPart(parent, key);
}

function fail(path: Path, expected: string, got: unknown): never {
  const shown = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
  throw new Invalid(`${path}: expected ${expected}, got ${shown}`);
}

function obj(x: unknown, path: Path): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(path, 'object', x);
  return x as Obj;
}

/** What a value must be: a test, and its name for the error message. */
interface Expectation<T> {
  name: string;
  test(v: unknown): v is T;
}

const STRING: Expectation<string> = { name: 'string', test: (v): v is string => typeof v === 'string' };
const NUMBER: Expectation<number> = { name: 'finite number', test: (v): v is number => typeof v === 'number' && Number.isFinite(v) };
const INTEGER: Expectation<number> = { name: 'integer', test: (v): v is number => typeof v === 'number' && Number.isInteger(v) };
const BOOLEAN: Expectation<boolean> = { name: 'boolean', test: (v): v is boolean => typeof v === 'boolean' };

/** The field `key` of `o`, which must meet `expected`. */
function field<T>(o: Obj, key: string, path: Path, expected: Expectation<T>): T {
  const v = o[key];
  if (!expected.test(v)) fail(`${path}.${key}`, expected.name, v);
  return v;
}

/** A check for values that stand alone (array items, nullable fields). */
function value<T>(expected: Expectation<T>): (v: unknown, p: Path) => void {
  return (v, p) => {
    if (!expected.test(v)) fail(p, expected.name, v);
  };
}

const str = (o: Obj, key: string, path: Path): string => field(o, key, path, STRING);
const num = (o: Obj, key: string, path: Path): number => field(o, key, path, NUMBER);
const int = (o: Obj, key: string, path: Path): number => field(o, key, path, INTEGER);
const bool = (o: Obj, key: string, path: Path): boolean => field(o, key, path, BOOLEAN);
const isInt = value(INTEGER);
const isStr = value(STRING);
const isNum = value(NUMBER);
const isBool = value(BOOLEAN);

function nullable<T>(o: Obj, key: string, path: Path, check: (v: unknown, p: Path) => T): T | null {
  return o[key] === null ? null : check(o[key], at(path, key));
}

function optional(o: Obj, key: string, path: Path, check: (v: unknown, p: Path) => unknown): void {
  if (o[key] !== undefined) check(o[key], at(path, key));
}

function oneOf<T extends string>(o: Obj, key: string, path: Path, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(`${path}.${key}`, values.join('|'), v);
  return v as T;
}

function arrayOf(v: unknown, path: Path, check: (item: unknown, p: Path) => unknown): void {
  if (!Array.isArray(v)) fail(path, 'array', v);
  (v as unknown[]).forEach((item, i) => check(item, at(path, i)));
}

function checkFrame(v: unknown, p: Path): void {
  const o = obj(v, p);
  str(o, 'file', p);
  int(o, 'line', p);
  str(o, 'function', p);
}

function checkLocation(v: unknown, p: Path): void {
  const o = obj(v, p);
  str(o, 'file', p);
  int(o, 'line', p);
  optional(o, 'function', p, isStr);
}

function checkException(v: unknown, p: Path): void {
  const o = obj(v, p);
  str(o, 'type', p);
  str(o, 'message', p);
  nullable(o, 'location', p, checkFrame);
}

const TASK_STATES = ['pending', 'running', 'done', 'cancelled', 'failed'] as const;
const AWAIT_KINDS = [
  'task', 'gather', 'taskgroup', 'shield', 'wait_for', 'wait', 'resource', 'executor', 'sleep', 'future',
] as const;
const RESOURCE_KINDS = ['queue', 'lock', 'semaphore', 'bounded-semaphore', 'event', 'condition', 'executor'] as const;
const FINDING_KINDS = [
  'blocked-loop', 'never-awaited', 'exception-never-retrieved', 'destroyed-pending', 'pending-at-exit',
] as const;
const COMMANDS = ['cancel-task', 'pause', 'resume', 'set-interval', 'get-task-stack', 'request-snapshot'] as const;

function checkLoop(v: unknown, p: Path): void {
  const o = obj(v, p);
  int(o, 'id', p);
  str(o, 'thread', p);
  int(o, 'threadId', p);
  str(o, 'className', p);
  bool(o, 'running', p);
  num(o, 'lagMs', p);
  num(o, 'maxLagMs', p);
}

function checkTask(v: unknown, p: Path): Obj {
  const o = obj(v, p);
  int(o, 'id', p);
  str(o, 'name', p);
  oneOf(o, 'state', p, TASK_STATES);
  int(o, 'loop', p);
  str(o, 'coro', p);
  nullable(o, 'location', p, checkFrame);
  arrayOf(o.stack, at(p, 'stack'), checkFrame);
  arrayOf(o.awaiting, at(p, 'awaiting'), isInt);
  if (o.awaitingKind !== null) oneOf(o, 'awaitingKind', p, AWAIT_KINDS);
  nullable(o, 'awaitingResource', p, isInt);
  nullable(o, 'awaitingDetail', p, isStr);
  nullable(o, 'parent', p, isInt);
  nullable(o, 'created', p, checkFrame);
  optional(o, 'createdStack', p, (s, sp) => arrayOf(s, sp, checkFrame));
  num(o, 'createdAt', p);
  num(o, 'age', p);
  return o;
}

function checkFinishedTask(v: unknown, p: Path): void {
  const o = checkTask(v, p);
  oneOf(o, 'state', p, ['done', 'cancelled', 'failed'] as const);
  num(o, 'finishedAt', p);
  nullable(o, 'result', p, isStr);
  nullable(o, 'exception', p, checkException);
  const by = o.cancelledBy;
  if (!(by === null || by === 'client' || by === 'shutdown' || (typeof by === 'number' && Number.isInteger(by)))) {
    fail(at(p, 'cancelledBy'), "integer|'client'|'shutdown'|null", by);
  }
}

function checkResource(v: unknown, p: Path): void {
  const o = obj(v, p);
  int(o, 'id', p);
  oneOf(o, 'kind', p, RESOURCE_KINDS);
  str(o, 'name', p);
  nullable(o, 'created', p, checkFrame);
  str(o, 'state', p);
  arrayOf(o.waiters, at(p, 'waiters'), isInt);
  for (const key of ['size', 'maxsize', 'value', 'pending', 'running']) optional(o, key, p, isInt);
  for (const key of ['getters', 'putters']) optional(o, key, p, (a, ap) => arrayOf(a, ap, isInt));
  for (const key of ['locked', 'isSet']) optional(o, key, p, isBool);
  if (o.maxWorkers !== undefined && o.maxWorkers !== null) int(o, 'maxWorkers', p);
}

const validators: Record<AdapterMessage['type'], (o: Obj, p: Path) => void> = {
  challenge(o, p) {
    int(o, 'protocol', p);
    str(o, 'nonce', p);
  },
  hello(o, p) {
    int(o, 'protocol', p);
    str(o, 'adapter', p);
    str(o, 'adapterVersion', p);
    int(o, 'pid', p);
    str(o, 'python', p);
    str(o, 'implementation', p);
    str(o, 'platform', p);
    arrayOf(o.argv, at(p, 'argv'), isStr);
    str(o, 'cwd', p);
    num(o, 'startedAt', p);
    num(o, 'intervalMs', p);
    num(o, 'blockThresholdMs', p);
    nullable(o, 'proof', p, isStr);
  },
  loop(o, p) {
    oneOf(o, 'event', p, ['started', 'stopped', 'closed'] as const);
    num(o, 'time', p);
    checkLoop(o.loop, at(p, 'loop'));
  },
  snapshot(o, p) {
    int(o, 'seq', p);
    num(o, 'time', p);
    const full = bool(o, 'full', p);
    if (full) {
      if (o.base !== null) fail(at(p, 'base'), 'null in a full snapshot', o.base);
    } else {
      int(o, 'base', p);
    }
    checkLoop(o.loop, at(p, 'loop'));
    nullable(o, 'currentTask', p, isInt);
    int(o, 'taskCount', p);
    arrayOf(o.tasks, at(p, 'tasks'), checkTask);
    arrayOf(o.removed, at(p, 'removed'), isInt);
    arrayOf(o.finished, at(p, 'finished'), checkFinishedTask);
    arrayOf(o.resources, at(p, 'resources'), checkResource);
    int(o, 'resourcesOmitted', p);
    num(o, 'collectMs', p);
  },
  finding(o, p) {
    int(o, 'id', p);
    oneOf(o, 'kind', p, FINDING_KINDS);
    str(o, 'message', p);
    nullable(o, 'location', p, checkLocation);
    num(o, 'time', p);
    nullable(o, 'loop', p, isInt);
    nullable(o, 'taskId', p, isInt);
    nullable(o, 'taskName', p, isStr);
    optional(o, 'duration', p, isNum);
    optional(o, 'ongoing', p, isBool);
    optional(o, 'stack', p, (s, sp) => arrayOf(s, sp, checkFrame));
    if (o.created !== undefined && o.created !== null) checkFrame(o.created, at(p, 'created'));
    optional(o, 'coro', p, isStr);
    if (o.exception !== undefined && o.exception !== null) checkException(o.exception, at(p, 'exception'));
  },
  reply(o, p) {
    int(o, 'requestId', p);
    oneOf(o, 'command', p, COMMANDS);
    bool(o, 'ok', p);
    optional(o, 'error', p, isStr);
    optional(o, 'task', p, checkTask);
  },
  error(o, p) {
    str(o, 'message', p);
    if (o.requestId !== undefined && o.requestId !== null) int(o, 'requestId', p);
  },
  goodbye(o, p) {
    num(o, 'time', p);
    int(o, 'exitCode', p);
    oneOf(o, 'reason', p, ['exit', 'exception', 'interrupt'] as const);
    nullable(o, 'exception', p, checkException);
    int(o, 'findings', p);
  },
};

/**
 * Checks that `x` (a parsed JSON value) is a well-formed adapter message. Returns the typed message, or a string
 * naming the first problem (e.g. "snapshot.tasks[3].state: expected pending|running|..., got number").
 * Unknown message types are reported as errors; callers should skip them (newer adapters may add types).
 */
export function validateMessage(x: unknown): AdapterMessage | string {
  try {
    const o = obj(x, 'message');
    const type = o.type;
    if (typeof type !== 'string') return 'message.type: expected string';
    if (!Object.prototype.hasOwnProperty.call(validators, type)) return `unknown message type '${type}'`;
    validators[type as AdapterMessage['type']](o, type);
    return o as unknown as AdapterMessage;
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    throw e;
  }
}

/** Parses one JSON line from the adapter and validates it; returns the message or an error string. */
export function parseMessageLine(line: string): AdapterMessage | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  return validateMessage(parsed);
}
