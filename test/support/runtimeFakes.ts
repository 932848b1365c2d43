// Test doubles for the runtime side: a fake adapter that speaks docs/runtime-protocol.md over a real socket (so the
// client's session code is exercised end to end), and builders for protocol messages.
import { createHmac, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type {
  FindingMessage,
  FinishedTaskInfo,
  HelloMessage,
  LoopInfo,
  SnapshotMessage,
  StackFrame,
  TaskInfo,
} from '../../shared/runtimeProtocol';

export function frame(file: string, line: number, fn = 'f'): StackFrame {
  return { file, line, function: fn };
}

export function task(id: number, fields: Partial<TaskInfo> = {}): TaskInfo {
  const stack = fields.stack ?? [frame('/app/main.py', 10 + id, `coro${id}`)];
  return {
    id,
    name: `Task-${id}`,
    state: 'pending',
    loop: 1,
    coro: `coro${id}`,
    location: stack[stack.length - 1] ?? null,
    stack,
    awaiting: [],
    awaitingKind: null,
    awaitingResource: null,
    awaitingDetail: null,
    parent: null,
    created: frame('/app/main.py', 1, 'main'),
    createdAt: 1_000 + id,
    age: 0.5,
    ...fields,
  };
}

export function finishedTask(id: number, fields: Partial<FinishedTaskInfo> = {}): FinishedTaskInfo {
  return {
    ...task(id),
    state: 'done',
    stack: [],
    location: null,
    finishedAt: 5_000 + id,
    result: 'None',
    exception: null,
    cancelledBy: null,
    ...fields,
  } as FinishedTaskInfo;
}

export function loopInfo(id = 1, fields: Partial<LoopInfo> = {}): LoopInfo {
  return { id, thread: 'MainThread', threadId: 100 + id, className: '_UnixSelectorEventLoop', running: true, lagMs: 1, maxLagMs: 2, ...fields };
}

export function snapshot(seq: number, tasks: TaskInfo[], fields: Partial<SnapshotMessage> = {}): SnapshotMessage {
  return {
    type: 'snapshot',
    seq,
    time: 10_000 + seq * 500,
    full: true,
    base: null,
    loop: loopInfo(),
    currentTask: null,
    taskCount: tasks.length,
    tasks,
    removed: [],
    finished: [],
    resources: [],
    resourcesOmitted: 0,
    collectMs: 0.5,
    ...fields,
  };
}

export function finding(id: number, fields: Partial<FindingMessage> = {}): FindingMessage {
  return {
    type: 'finding',
    id,
    kind: 'blocked-loop',
    message: 'event loop blocked for 300 ms',
    location: { file: '/app/main.py', line: 7 },
    time: 20_000,
    loop: 1,
    taskId: null,
    taskName: null,
    duration: 300,
    ongoing: false,
    ...fields,
  };
}

export function hello(proof: string | null, fields: Partial<HelloMessage> = {}): HelloMessage {
  return {
    type: 'hello',
    protocol: 1,
    adapter: 'asyncio-lens',
    adapterVersion: '0.1.0',
    pid: 4242,
    python: '3.12.1',
    implementation: 'cpython',
    platform: 'linux',
    argv: ['main.py'],
    cwd: '/app',
    startedAt: 9_000,
    intervalMs: 500,
    blockThresholdMs: 100,
    proof,
    ...fields,
  };
}

const hmac = (token: string, text: string) => createHmac('sha256', token).update(text).digest('hex');

/** A socket peer that behaves like the adapter's transport (or, with options, like an impostor). */
export class FakeAdapter {
  readonly received: Record<string, unknown>[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        this.received.push(JSON.parse(line));
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  static connect(port: number): Promise<FakeAdapter> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new FakeAdapter(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * Performs the adapter's side of the handshake with `token` and sends hello. With `helloToken`, the hello proof is
   * computed with another token (an impostor that does not know the real one).
   */
  static async authenticated(port: number, token: string, options: { helloToken?: string; hello?: Partial<HelloMessage> } = {}): Promise<FakeAdapter> {
    const adapter = await FakeAdapter.connect(port);
    const nonce = randomBytes(16).toString('hex');
    adapter.send({ type: 'challenge', protocol: 1, nonce });
    const auth = await adapter.next();
    if (auth.type !== 'auth' || auth.proof !== hmac(token, `client:${nonce}`)) {
      adapter.send({ type: 'error', message: 'authentication failed' });
      adapter.socket.end();
      throw new Error('the client failed the handshake');
    }
    adapter.send(hello(hmac(options.helloToken ?? token, `adapter:${String(auth.nonce)}`), options.hello));
    return adapter;
  }

  send(message: unknown): void {
    this.sendRaw(JSON.stringify(message) + '\n');
  }

  sendRaw(text: string): void {
    this.socket.write(text);
  }

  /** The next line the client sent (waits for it). */
  async next(timeoutMs = 5_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed) throw new Error('the client closed the connection');
      if (Date.now() > deadline) throw new Error('no message from the client in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received.shift()!;
  }

  /** Resolves once the client has closed the connection. */
  async waitClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the client did not close the connection');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
