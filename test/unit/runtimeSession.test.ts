// The client side of the runtime connection (client/runtime/session.ts) against a fake adapter on a real socket:
// the token handshake both ways, refusal of impostors and of a second adapter, validation of every line, commands.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { AdapterMessage } from '../../shared/runtimeProtocol';
import { LineSplitter, LineTooLongError, RuntimeSession, type SessionLimits } from '../../client/runtime/session';
import { FakeAdapter, snapshot, task } from '../support/runtimeFakes';

interface Recorder {
  messages: AdapterMessage[];
  problems: string[];
  disconnects: number;
}

async function open(limits: Partial<SessionLimits> = {}): Promise<{ session: RuntimeSession; events: Recorder }> {
  const events: Recorder = { messages: [], problems: [], disconnects: 0 };
  const session = await RuntimeSession.listen(
    {
      onMessage: (m) => events.messages.push(m),
      onProblem: (p) => events.problems.push(p),
      onDisconnect: () => events.disconnects++,
    },
    limits,
  );
  return { session, events };
}

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      // Accepted by the kernel backlog? It must then be closed without a byte.
      socket.on('close', () => resolve(true));
      socket.on('data', () => resolve(false));
    });
    socket.on('error', () => resolve(true));
  });
}

describe('runtime session', () => {
  const sessions: RuntimeSession[] = [];
  const adapters: FakeAdapter[] = [];
  afterEach(() => {
    for (const s of sessions.splice(0)) s.close();
    for (const a of adapters.splice(0)) a.close();
  });
  const track = <T extends RuntimeSession | FakeAdapter>(x: T): T => {
    if (x instanceof RuntimeSession) sessions.push(x);
    else adapters.push(x as FakeAdapter);
    return x;
  };

  it('hands the adapter a loopback address and a 256-bit token through environment variables', async () => {
    const { session } = await open();
    track(session);
    const env = session.environment();
    assert.equal(env.ASYNCIO_LENS_HOST, '127.0.0.1');
    assert.equal(env.ASYNCIO_LENS_PORT, String(session.port));
    assert.match(env.ASYNCIO_LENS_TOKEN, /^[0-9a-f]{64}$/);
    const { session: other } = await open();
    track(other);
    assert.notEqual(other.token, session.token, 'every session has its own token');
  });

  it('completes the handshake with an adapter that knows the token and delivers validated messages', async () => {
    const { session, events } = await open();
    track(session);
    const adapter = track(await FakeAdapter.authenticated(session.port, session.token));
    adapter.send(snapshot(1, [task(1), task(2, { parent: 1 })]));
    await until('hello and the snapshot', () => events.messages.length === 2);
    assert.equal(events.messages[0].type, 'hello');
    const received = events.messages[1];
    assert.equal(received.type, 'snapshot');
    assert.deepEqual(received.type === 'snapshot' && received.tasks.map((t) => t.id), [1, 2]);
    assert.ok(session.connected);
    assert.deepEqual(events.problems, []);
  });

  it('refuses an impostor whose hello proof was not made with the token, and accepts the real adapter after it', async () => {
    const { session, events } = await open();
    track(session);
    const impostor = track(await FakeAdapter.authenticated(session.port, session.token, { helloToken: 'f'.repeat(64) }));
    await impostor.waitClosed();
    assert.equal(events.messages.length, 0, 'nothing from the impostor is delivered');
    assert.ok(events.problems.some((p) => p.includes('could not prove')), events.problems.join('\n'));
    assert.equal(session.connected, false);
    track(await FakeAdapter.authenticated(session.port, session.token));
    await until('the real hello', () => events.messages.length === 1);
  });

  it('reports an adapter that rejects the client proof (wrong token on its side)', async () => {
    const { session, events } = await open();
    track(session);
    await assert.rejects(FakeAdapter.authenticated(session.port, 'a'.repeat(64)), /failed the handshake/);
    await until('the problem to be reported', () => events.problems.some((p) => p.includes('authentication failed')));
    assert.equal(events.messages.length, 0);
  });

  it('stops listening once an adapter is authenticated: a second program cannot attach', async () => {
    const { session } = await open();
    track(session);
    track(await FakeAdapter.authenticated(session.port, session.token));
    await until('the session to be connected', () => session.connected);
    assert.ok(await connectRefused(session.port));
  });

  it('refuses a challenge with another protocol version', async () => {
    const { session, events } = await open();
    track(session);
    const adapter = track(await FakeAdapter.connect(session.port));
    adapter.send({ type: 'challenge', protocol: 2, nonce: 'ab'.repeat(16) });
    await adapter.waitClosed();
    assert.ok(events.problems.some((p) => p.includes('protocol 2')), events.problems.join('\n'));
    assert.equal(adapter.received.length, 0, 'no auth is sent to an adapter of another protocol');
  });

  it('drops a connection that sends something other than a challenge, or nothing, or too long a line', async () => {
    const { session, events } = await open({ handshakeTimeoutMs: 300, maxHandshakeLineBytes: 1024 });
    track(session);
    const hasty = track(await FakeAdapter.connect(session.port));
    hasty.send(snapshot(1, []));
    await hasty.waitClosed();
    const silent = track(await FakeAdapter.connect(session.port));
    await silent.waitClosed();
    const verbose = track(await FakeAdapter.connect(session.port));
    verbose.sendRaw('x'.repeat(4096));
    await verbose.waitClosed();
    assert.equal(events.messages.length, 0);
    assert.ok(events.problems.some((p) => p.includes('expected a challenge')));
    assert.ok(events.problems.some((p) => p.includes('no handshake in time')));
    assert.ok(events.problems.some((p) => p.includes('longer than 1024 bytes')));
  });

  it('skips invalid lines after the handshake and keeps delivering valid ones', async () => {
    const { session, events } = await open();
    track(session);
    const adapter = track(await FakeAdapter.authenticated(session.port, session.token));
    adapter.sendRaw('{not json\n');
    adapter.send({ ...snapshot(1, [task(1)]), tasks: [{ ...task(1), state: 'sleeping' }] });
    adapter.send({ type: 'from-the-future', x: 1 });
    // Code in a message is data: nothing may evaluate it.
    adapter.send({ ...snapshot(2, [task(2, { name: "__import__('os').system('false')" })]) });
    await until('the second snapshot', () => events.messages.length === 2);
    assert.equal(events.problems.length, 3, events.problems.join('\n'));
    assert.match(events.problems[0], /not JSON/);
    assert.match(events.problems[1], /tasks\[0\]\.state/);
    assert.match(events.problems[2], /unknown message type 'from-the-future'/);
    const last = events.messages[1];
    assert.equal(last.type === 'snapshot' && last.tasks[0].name, "__import__('os').system('false')");
  });

  it('sends commands with increasing request ids and resolves them with their replies', async () => {
    const { session } = await open();
    track(session);
    const adapter = track(await FakeAdapter.authenticated(session.port, session.token));
    await until('connected', () => session.connected);
    const cancel = session.request({ type: 'cancel-task', taskId: 7, message: 'bye' });
    const command = await adapter.next();
    assert.deepEqual(command, { type: 'cancel-task', taskId: 7, message: 'bye', requestId: 1 });
    adapter.send({ type: 'reply', requestId: 1, command: 'cancel-task', ok: true });
    assert.equal((await cancel).ok, true);

    const pause = session.request({ type: 'pause' });
    assert.equal((await adapter.next()).requestId, 2);
    adapter.send({ type: 'error', message: 'pause: not now', requestId: 2 });
    await assert.rejects(pause, /pause refused: pause: not now/);
  });

  it('rejects pending commands and reports the disconnect when the program goes away', async () => {
    const { session, events } = await open();
    track(session);
    const adapter = track(await FakeAdapter.authenticated(session.port, session.token));
    await until('connected', () => session.connected);
    const pending = session.request({ type: 'request-snapshot' });
    await adapter.next();
    adapter.close();
    await assert.rejects(pending, /disconnected before answering request-snapshot/);
    await until('the disconnect', () => events.disconnects === 1);
    assert.equal(session.connected, false);
    await assert.rejects(session.request({ type: 'pause' }), /not connected/);
  });

  it('times out a command the adapter never answers', async () => {
    const { session } = await open({ requestTimeoutMs: 100 });
    track(session);
    track(await FakeAdapter.authenticated(session.port, session.token));
    await until('connected', () => session.connected);
    await assert.rejects(session.request({ type: 'get-task-stack', taskId: 1 }), /no reply to get-task-stack/);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks, including multi-byte characters cut in half', () => {
    const splitter = new LineSplitter(100);
    const bytes = Buffer.from('{"a":"é"}\n{"b":1}\n{"c"', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
    assert.deepEqual(splitter.push(bytes.subarray(0, cut)), []);
    assert.deepEqual(splitter.push(bytes.subarray(cut)), ['{"a":"é"}', '{"b":1}']);
    assert.deepEqual(splitter.push(Buffer.from(':2}\n')), ['{"c":2}']);
  });

  it('refuses a line longer than its limit even when it arrives in small chunks', () => {
    const splitter = new LineSplitter(10);
    splitter.push(Buffer.from('123456'));
    assert.throws(() => splitter.push(Buffer.from('78901')), LineTooLongError);
  });
});
