// A real LSP client over IPC against the built server (dist/server.js), for protocol-level tests.
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type CodeAction,
  type Command,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol/node';
import { FIXTURES } from './fixtures';

export const SERVER = join(__dirname, '..', '..', '..', 'dist', 'server.js');

export class LspSession {
  private readonly latest = new Map<string, PublishDiagnosticsParams>();
  private readonly waiters: (() => void)[] = [];
  private readonly versions = new Map<string, number>();
  readonly logs: string[] = [];

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.latest.set(params.uri, params);
      for (const wake of this.waiters.splice(0)) wake();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => this.logs.push(p.message));
    connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    connection.onRequest('client/registerCapability', () => null);
  }

  settings: Record<string, unknown> = {};

  static async start(workspaceDir: string): Promise<LspSession> {
    const child = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const session = new LspSession(child, connection);
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(workspaceDir).href,
      workspaceFolders: [{ uri: pathToFileURL(workspaceDir).href, name: 'ws' }],
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendRequest('asyncioLens/waitForIndex');
    return session;
  }

  async open(path: string, text: string): Promise<string> {
    const uri = pathToFileURL(path).href;
    this.versions.set(uri, 1);
    this.latest.delete(uri);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
    return uri;
  }

  /** Sends one incremental change. */
  async change(uri: string, range: Range, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range, text }] });
    return version;
  }

  /** Waits until diagnostics for `uri` satisfy `accept` (polling the latest publication, with a timeout). */
  async diagnostics(uri: string, accept: (d: Diagnostic[], version?: number) => boolean = () => true, timeoutMs = 30000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.latest.get(uri);
      if (current && accept(current.diagnostics, current.version)) return current.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for diagnostics of ${uri}; last: ${JSON.stringify(current?.diagnostics.map((d) => [d.code, d.range.start.line]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<(CodeAction | Command)[] | null> {
    return this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, only } });
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } finally {
      this.connection.dispose();
      this.process.kill();
    }
  }
}

/**
 * Registers mocha hooks that copy `test/fixtures/<fixture>/` into a temporary workspace, start a server on it before
 * the suite and stop it (and remove the copy) after. Read `dir` and `session` inside tests, not at definition time.
 */
export function lspWorkspace(fixture: string): { readonly dir: string; readonly session: LspSession } {
  const state = {} as { dir: string; session: LspSession };
  before(async () => {
    state.dir = mkdtempSync(join(tmpdir(), `lens-${fixture}-`));
    cpSync(join(FIXTURES, fixture), state.dir, { recursive: true });
    state.session = await LspSession.start(state.dir);
  });
  after(async () => {
    await state.session?.stop();
    rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
