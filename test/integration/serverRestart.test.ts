import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AsyncioLensApi } from '../../client/extension';
import { activateExtension, lensDiagnostics, openFixture, revertAndCloseAllEditors, waitFor, waitForDiagnostics } from './support';

const FIXTURE = 'server_restart.py';
const ADDED_LINE = '    time.sleep(2)';

/** Records, from now on, the diagnostics events of one document that nothing in the test edits. */
function watchDiagnostics(uri: vscode.Uri): { events: number; cleared: boolean; dispose(): void } {
  const watch = { events: 0, cleared: false, dispose: () => subscription.dispose() };
  const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
    if (!event.uris.some((u) => u.toString() === uri.toString())) return;
    watch.events++;
    if (lensDiagnostics(uri).length === 0) watch.cleared = true;
  });
  return watch;
}

interface Stop {
  how: string;
  stop(api: AsyncioLensApi): Promise<void>;
  /** What shows that the old server really went away (so the test cannot pass with a stop that did nothing). */
  evidence: string;
  gone(watch: ReturnType<typeof watchDiagnostics>): boolean;
}

const stops: Stop[] = [
  {
    how: 'after the server process is killed',
    stop: (api) => api.killServerForTest(),
    // The client keeps a crashed server's diagnostics; the new server publishes the unchanged file again when the
    // client reopens it, which a living server would have no reason to do.
    evidence: 'a new server to republish the unchanged file',
    gone: (watch) => watch.events > 0,
  },
  {
    how: 'after a restart through the API',
    stop: (api) => api.restartServer(),
    // Stopping the client disposes its diagnostics.
    evidence: 'the stopped server\'s diagnostics to be cleared',
    gone: (watch) => watch.cleared,
  },
];

describe('language server restart', () => {
  afterEach(revertAndCloseAllEditors);

  for (const { how, stop, evidence, gone } of stops) {
    it(`lints again ${how}`, async () => {
      const api = await activateExtension();
      const editor = await openFixture(FIXTURE);
      const uri = editor.document.uri;
      const [before] = await waitForDiagnostics(uri, 'AIO200', 'the first server\'s diagnostic', (d) => d.length === 1);
      const line = before.range.start.line;

      const watch = watchDiagnostics(uri);
      try {
        await stop(api);
        await waitFor(evidence, () => gone(watch));
      } finally {
        watch.dispose();
      }
      await waitFor('the language client to run again', () => api.languageClientState() === 'running');

      // A blocking call typed after the restart must be found: the new server is really linting.
      const end = editor.document.lineAt(line).range.end;
      assert.equal(await editor.edit((edit) => edit.insert(end, `\n${ADDED_LINE}`)), true);
      const diagnostics = await waitForDiagnostics(uri, 'AIO200', 'both blocking sleeps', (d) => d.length === 2);
      assert.deepEqual(diagnostics.map((d) => d.range.start.line).sort((a, b) => a - b), [line, line + 1]);
    });
  }
});
