// Starts the Asyncio Lens language server (dist/server.js) over IPC and keeps it running.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { INDEX_STATUS_NOTIFICATION, SETTINGS_SECTION, type IndexStatus, type ServerSettings } from '../shared/lspProtocol';

export type ClientState = 'starting' | 'running' | 'stopped';

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    synchronize: {
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/*.py'), vscode.workspace.createFileSystemWatcher('**/pyproject.toml')],
    },
    initializationOptions: { settings: vscode.workspace.getConfiguration().get<ServerSettings>(SETTINGS_SECTION) },
    outputChannel: output,
    traceOutputChannel: output,
  };
  const client = new LanguageClient('asyncioLens', 'Asyncio Lens', serverOptions, clientOptions);
  client.onNotification(INDEX_STATUS_NOTIFICATION, (status: IndexStatus) => {
    if (status.done) output.appendLine(`Indexed ${status.totalFiles} Python files.`);
  });
  return client;
}

export function clientState(client: LanguageClient): ClientState {
  switch (client.state) {
    case State.Running:
      return 'running';
    case State.Starting:
      return 'starting';
    default:
      return 'stopped';
  }
}
