// Runs the mocha integration suite (out/test/integration/index.js) inside a real VS Code.
// Host: ASYNCIO_LENS_TEST_HOST=desktop|browser forces one; otherwise desktop (@vscode/test-electron) when a display
// exists and VS Code is cached or downloadable, else browser (code-server + Debian Chromium + playwright-core).
// It never skips: if no host can run, it exits non-zero with the reason.
//   node scripts/integration.mjs            (after `npm run build`)
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeBrowserHost, runInBrowser } from './integration/browser-host.mjs';
import {
  canReachUpdateService,
  describeDesktopHost,
  hasCachedVSCode,
  hasDisplay,
  prepareDesktopHost,
  runInDesktop,
} from './integration/desktop-host.mjs';
import { log } from './integration/process.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST_VARIABLE = 'ASYNCIO_LENS_TEST_HOST';
const SUITE_TIMEOUT_MS = Number(process.env.ASYNCIO_LENS_SUITE_TIMEOUT_MS) || 6 * 60_000;

/** @returns {Promise<{ host: 'desktop' | 'browser', reason: string, vscodeExecutablePath?: string }>} */
async function chooseHost(forced) {
  if (forced === 'browser') return { host: 'browser', reason: `${HOST_VARIABLE}=browser` };
  if (forced === 'desktop') {
    try {
      return { host: 'desktop', reason: `${HOST_VARIABLE}=desktop`, vscodeExecutablePath: await prepareDesktopHost(repoRoot) };
    } catch (error) {
      throw new Error(`${HOST_VARIABLE}=desktop, but VS Code could not be downloaded or found in .vscode-test/: ${error.message}`);
    }
  }
  if (forced) throw new Error(`${HOST_VARIABLE} must be "desktop" or "browser", not "${forced}"`);

  if (!hasDisplay()) return { host: 'browser', reason: 'no display for desktop VS Code (set DISPLAY or use xvfb-run)' };
  if (!hasCachedVSCode(repoRoot) && !(await canReachUpdateService())) {
    return { host: 'browser', reason: 'VS Code is not cached and its update service is unreachable' };
  }
  try {
    return { host: 'desktop', reason: 'VS Code is cached or downloadable', vscodeExecutablePath: await prepareDesktopHost(repoRoot) };
  } catch (error) {
    return { host: 'browser', reason: `downloading VS Code failed: ${error.message}` };
  }
}

function requireBuilt(path) {
  if (!existsSync(path)) throw new Error(`${path} is missing; run \`npm run build\` first`);
  return path;
}

/**
 * Runs the integration suite once. Resolves to the exit code (0 = all tests passed); never skips.
 * @param {{ host?: string }} [options] host defaults to $ASYNCIO_LENS_TEST_HOST, else chosen automatically
 */
export async function runIntegration({ host: forced = process.env[HOST_VARIABLE] } = {}) {
  const started = Date.now();
  const extensionDevelopmentPath = repoRoot;
  requireBuilt(join(repoRoot, 'dist', 'extension.js'));
  const extensionTestsPath = requireBuilt(join(repoRoot, 'out', 'test', 'integration', 'index.js'));
  const resultsDir = join(repoRoot, 'test-results');
  mkdirSync(resultsDir, { recursive: true });

  const choice = await chooseHost(forced);
  log(`host: ${choice.host === 'desktop' ? describeDesktopHost() : describeBrowserHost()} — ${choice.reason}`);

  // The suite edits and saves files, so it works on a copy; the committed fixture stays pristine.
  const scratch = mkdtempSync(join(tmpdir(), 'asyncio-lens-it-'));
  const workspaceFolder = join(scratch, 'workspace');
  cpSync(join(repoRoot, 'test', 'fixtures', 'workspace'), workspaceFolder, { recursive: true });
  try {
    const common = { extensionDevelopmentPath, extensionTestsPath, workspaceFolder };
    const exitCode =
      choice.host === 'desktop'
        ? await runInDesktop({ ...common, vscodeExecutablePath: choice.vscodeExecutablePath, timeoutMs: SUITE_TIMEOUT_MS })
        : await runInBrowser({ ...common, repoRoot, resultsDir, timeoutMs: SUITE_TIMEOUT_MS });
    const seconds = Math.round((Date.now() - started) / 1000);
    log(`integration suite ${exitCode === 0 ? 'passed' : `FAILED (exit ${exitCode})`} on the ${choice.host} host in ${seconds}s`);
    return exitCode;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  runIntegration().then(
    (exitCode) => process.exit(exitCode),
    (error) => {
      log(`FAILED: the integration suite could not run: ${error.message ?? error}`);
      process.exit(1);
    },
  );
}
