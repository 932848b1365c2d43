// Extension entry point: the language client, commands, and the small API integration tests use.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { SHOW_RULE_DOCS_COMMAND, type ShowRuleDocsArgs } from '../shared/lspProtocol';
import { clientState, createLanguageClient, type ClientState } from './languageClient';
import { registerRuntime, type RuntimeApi } from './runtime';

/** Returned from `activate()`: what tests may observe and do, without reaching into private modules. */
export interface AsyncioLensApi {
  languageClientState(): ClientState;
  restartServer(): Promise<void>;
  /** The language server's process id (changes when the server is restarted or brought back after a crash). */
  serverProcessId(): Promise<number>;
  /** Kills the server process the way a crash would, to test that the client brings it back. */
  killServerForTest(): Promise<void>;
  /** The task inspector: its model, tree items as plain data, runtime diagnostics, timeline state. */
  runtime: RuntimeApi;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<AsyncioLensApi> {
  const output = vscode.window.createOutputChannel('Asyncio Lens');
  context.subscriptions.push(output);
  const languageClient = createLanguageClient(context, output);
  client = languageClient;

  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_RULE_DOCS_COMMAND, async (args: ShowRuleDocsArgs) => {
      const uri = vscode.Uri.parse(args.url);
      try {
        await vscode.commands.executeCommand('markdown.showPreview', uri);
      } catch {
        await vscode.commands.executeCommand('vscode.open', uri);
      }
    }),
    vscode.commands.registerCommand('asyncioLens.restartServer', () => languageClient.restart()),
  );

  // Before the language server starts, so the task inspector works even if the server cannot.
  const runtime = registerRuntime(context, output);

  await languageClient.start();
  context.subscriptions.push({ dispose: () => void languageClient.stop() });

  const serverProcessId = async () => (await languageClient.sendRequest<{ pid: number }>('asyncioLens/processId')).pid;
  return {
    languageClientState: () => clientState(languageClient),
    restartServer: () => languageClient.restart(),
    serverProcessId,
    killServerForTest: async () => {
      process.kill(await serverProcessId(), 'SIGKILL');
    },
    runtime,
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
