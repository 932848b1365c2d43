// One run's connection to the runtime adapter (docs/runtime-protocol.md): a listener on 127.0.0.1, a random token the
// adapter receives through environment variables, the HMAC handshake both ways, then validated JSON Lines in and
// commands out. Only the first adapter that proves it knows the token is accepted; everything it sends is parsed with
// JSON.parse and checked by validateMessage, never evaluated.
// Free of `vscode` on purpose: unit tests drive it with a fake adapter over a real socket.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as net from 'node:net';
import {
  RUNTIME_ENV,
  RUNTIME_PROTOCOL_VERSION,
  authProofInput,
  encodeClientMessage,
  parseMessageLine,
  type AdapterMessage,
  type ClientCommand,
  type ReplyMessage,
} from '../../shared/runtimeProtocol';

export const LOOPBACK_HOST = '127.0.0.1';

export interface SessionLimits {
  /** How long a connection may take to complete the handshake. */
  handshakeTimeoutMs: number;
  /** Longest line accepted before the handshake completes (the protocol's limit for small messages). */
  maxHandshakeLineBytes: number;
  /** Longest line accepted afterwards: a full snapshot of 10,000 tasks with deep stacks runs to tens of MB. */
  maxLineBytes: number;
  /** Connections allowed to be in the middle of a handshake at once (anything local can connect to the port). */
  maxPendingHandshakes: number;
  /** How long a command waits for its reply. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  handshakeTimeoutMs: 5_000,
  maxHandshakeLineBytes: 64 * 1024,
  maxLineBytes: 256 * 1024 * 1024,
  maxPendingHandshakes: 4,
  requestTimeoutMs: 10_000,
};

export interface SessionEvents {
  /** Every validated adapter message after the handshake, `hello` first. */
  onMessage(message: AdapterMessage): void;
  /** Something went wrong but the session goes on (a line that failed validation, a refused connection). */
  onProblem(text: string): void;
  /** The authenticated adapter's connection closed. */
  onDisconnect(): void;
}

/** A command without its requestId: the session numbers requests itself. */
export type CommandRequest = ClientCommand extends infer C ? (C extends unknown ? Omit<C, 'requestId'> : never) : never;

export class LineTooLongError extends Error {}

/** Splits a byte stream into UTF-8 lines, refusing any line longer than `maxBytes`. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(public maxBytes: number) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline >= 0; newline = chunk.indexOf(10, start)) {
      this.take(chunk.subarray(start, newline));
      lines.push(Buffer.concat(this.parts, this.size).toString('utf8'));
      this.parts = [];
      this.size = 0;
      start = newline + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
    return lines;
  }

  private take(piece: Buffer): void {
    if (this.size + piece.length > this.maxBytes) throw new LineTooLongError(`line longer than ${this.maxBytes} bytes`);
    this.parts.push(piece);
    this.size += piece.length;
  }
}

function hmacHex(token: string, role: 'client' | 'adapter', nonce: string): string {
  return createHmac('sha256', token).update(authProofInput(role, nonce)).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

interface PendingRequest {
  command: string;
  resolve(reply: ReplyMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type HandshakeState = { step: 'challenge' } | { step: 'hello'; clientNonce: string } | { step: 'done' };

export class RuntimeSession {
  private adapter: net.Socket | undefined;
  private readonly handshaking = new Set<net.Socket>();
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 1;
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly token: string,
    private readonly events: SessionEvents,
    private readonly limits: SessionLimits,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (error) => events.onProblem(`listener error: ${error.message}`));
  }

  /** Opens the listener on a free loopback port; the adapter is then started with `environment()`. */
  static listen(events: SessionEvents, limits: Partial<SessionLimits> = {}): Promise<RuntimeSession> {
    const token = randomBytes(32).toString('hex');
    const server = net.createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: LOOPBACK_HOST, port: 0, exclusive: true }, () => {
        server.off('error', reject);
        const { port } = server.address() as net.AddressInfo;
        resolve(new RuntimeSession(server, port, token, events, { ...DEFAULT_LIMITS, ...limits }));
      });
    });
  }

  /** The variables that tell the adapter where to connect and which token to prove. */
  environment(): Record<string, string> {
    return {
      [RUNTIME_ENV.host]: LOOPBACK_HOST,
      [RUNTIME_ENV.port]: String(this.port),
      [RUNTIME_ENV.token]: this.token,
    };
  }

  get connected(): boolean {
    return this.adapter !== undefined;
  }

  /** Sends a command and resolves with its reply; rejects on an `error` answer, a timeout or a lost connection. */
  request(command: CommandRequest): Promise<ReplyMessage> {
    const socket = this.adapter;
    if (!socket) return Promise.reject(new Error('the program is not connected'));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`no reply to ${command.type} within ${this.limits.requestTimeoutMs / 1000} s`));
      }, this.limits.requestTimeoutMs);
      this.pending.set(requestId, { command: command.type, resolve, reject, timer });
      socket.write(encodeClientMessage({ ...command, requestId } as ClientCommand));
    });
  }

  /** Stops listening and drops the adapter's connection (the program keeps running without a client). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
    this.adapter?.destroy();
  }

  private accept(socket: net.Socket): void {
    if (this.closed || this.adapter || this.handshaking.size >= this.limits.maxPendingHandshakes) {
      socket.destroy();
      return;
    }
    this.handshaking.add(socket);
    const splitter = new LineSplitter(this.limits.maxHandshakeLineBytes);
    let state: HandshakeState = { step: 'challenge' };
    const refuse = (why: string) => {
      this.events.onProblem(`refused a connection to the task inspector: ${why}`);
      this.handshaking.delete(socket);
      socket.destroy();
    };
    const timer = setTimeout(() => refuse('no handshake in time'), this.limits.handshakeTimeoutMs);
    socket.on('error', () => {}); // 'close' follows and does the cleanup
    socket.on('close', () => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
      if (socket === this.adapter) this.lost();
    });
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (error) {
        if (state.step !== 'done') refuse((error as Error).message);
        else this.dropAdapter((error as Error).message);
        return;
      }
      for (const line of lines) {
        if (socket.destroyed) return;
        if (state.step === 'done') {
          this.receive(line);
          continue;
        }
        const message = parseMessageLine(line);
        if (typeof message === 'string') return refuse(`invalid handshake message (${message})`);
        if (state.step === 'challenge') {
          if (message.type !== 'challenge') return refuse(`expected a challenge, got ${message.type}`);
          if (message.protocol !== RUNTIME_PROTOCOL_VERSION) {
            return refuse(`the adapter speaks protocol ${message.protocol}; this extension speaks ${RUNTIME_PROTOCOL_VERSION}`);
          }
          const clientNonce = randomBytes(16).toString('hex');
          const proof = hmacHex(this.token, 'client', message.nonce);
          socket.write(encodeClientMessage({ type: 'auth', protocol: RUNTIME_PROTOCOL_VERSION, proof, nonce: clientNonce }));
          state = { step: 'hello', clientNonce };
          continue;
        }
        if (message.type === 'error') return refuse(`the adapter says: ${message.message}`);
        if (message.type !== 'hello') return refuse(`expected hello, got ${message.type}`);
        if (message.proof === null || !sameHex(message.proof, hmacHex(this.token, 'adapter', state.clientNonce))) {
          return refuse('the adapter could not prove it knows the token');
        }
        if (this.adapter || this.closed) return refuse('another adapter is already connected');
        clearTimeout(timer);
        this.handshaking.delete(socket);
        this.adapter = socket;
        // Only one program per session: stop listening and drop anything else still knocking.
        this.server.close();
        for (const other of this.handshaking) other.destroy();
        this.handshaking.clear();
        splitter.maxBytes = this.limits.maxLineBytes;
        state = { step: 'done' };
        this.events.onMessage(message);
      }
    });
  }

  private receive(line: string): void {
    if (line.trim() === '') return;
    const message = parseMessageLine(line);
    if (typeof message === 'string') {
      this.events.onProblem(`skipped an adapter message: ${message}`);
      return;
    }
    if (message.type === 'reply') {
      const waiting = this.pending.get(message.requestId);
      if (waiting) {
        this.pending.delete(message.requestId);
        clearTimeout(waiting.timer);
        waiting.resolve(message);
      }
    } else if (message.type === 'error' && typeof message.requestId === 'number') {
      const waiting = this.pending.get(message.requestId);
      if (waiting) {
        this.pending.delete(message.requestId);
        clearTimeout(waiting.timer);
        waiting.reject(new Error(`${waiting.command} refused: ${message.message}`));
      }
    }
    this.events.onMessage(message);
  }

  private dropAdapter(why: string): void {
    this.events.onProblem(`dropped the program's connection: ${why}`);
    this.adapter?.destroy();
  }

  private lost(): void {
    this.adapter = undefined;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`the program disconnected before answering ${waiting.command}`));
      this.pending.delete(id);
    }
    this.events.onDisconnect();
  }
}
