// The mocha entry both integration hosts call inside VS Code's extension host (desktop: @vscode/test-electron,
// browser: code-server). It runs every *.test.js bundle next to it; rejecting makes VS Code exit with code 1.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

const TEST_TIMEOUT_MS = 60_000;
/**
 * Marks the reporter's lines. The browser host receives the extension host's console only mixed into the
 * workbench's log, and prints the lines that carry this prefix (scripts/integration/browser-host.mjs).
 */
const REPORT_PREFIX = '[asyncio-lens test] ';

export function run(): Promise<void> {
  // One preformatted string per line: the browser workbench would otherwise log the printf pieces separately.
  Mocha.reporters.Base.consoleLog = (...data: unknown[]) => console.log(REPORT_PREFIX + format(...data));
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: TEST_TIMEOUT_MS,
    forbidOnly: true, // a stray .only must not silently shrink the suite
    grep: process.env.ASYNCIO_LENS_TEST_GREP || undefined,
  });
  const testFiles = readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort();
  if (testFiles.length === 0) return Promise.reject(new Error(`no *.test.js files in ${__dirname}`));
  for (const name of testFiles) mocha.addFile(join(__dirname, name));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
