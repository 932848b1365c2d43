import * as assert from 'node:assert/strict';
import type { AsyncioLensApi } from '../../client/extension';
import { activateExtension, openFixture, revertAndCloseAllEditors, waitFor, waitForDiagnostics } from './support';

const FIXTURE = 'server_restart.py';
const ADDED_LINE = '    time.sleep(2)';

const stops: { how: string; stop(api: AsyncioLensApi): Promise<void> }[] = [
  { how: 'after the server process is killed', stop: (api) => api.killServerForTest() },
  { how: 'after a restart through the API', stop: (api) => api.restartServer() },
];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('language server restart', () => {
  afterEach(revertAndCloseAllEditors);

  for (const { how, stop } of stops) {
    it(`lints again ${how}`, async () => {
      const api = await activateExtension();
      const editor = await openFixture(FIXTURE);
      const uri = editor.document.uri;
      const [before] = await waitForDiagnostics(uri, 'AIO200', 'the first server\'s diagnostic', (d) => d.length === 1);
      const line = before.range.start.line;
      const oldPid = await api.serverProcessId();

      await stop(api);
      // A different process answers, and the old one is gone: the stop really happened.
      await waitFor('a new server process', async () => api.languageClientState() === 'running' && (await api.serverProcessId().catch(() => oldPid)) !== oldPid);
      await waitFor('the old server process to be gone', () => !isAlive(oldPid));

      // A blocking call typed after the restart must be found: the new server is really linting.
      const end = editor.document.lineAt(line).range.end;
      assert.equal(await editor.edit((edit) => edit.insert(end, `\n${ADDED_LINE}`)), true);
      const diagnostics = await waitForDiagnostics(uri, 'AIO200', 'both blocking sleeps', (d) => d.length === 2);
      assert.deepEqual(diagnostics.map((d) => d.range.start.line).sort((a, b) => a - b), [line, line + 1]);
    });
  }
});
