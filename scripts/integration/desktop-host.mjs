// The desktop host: @vscode/test-electron downloads (and caches in .vscode-test/) a VS Code build from Microsoft and
// runs the mocha suite in its extension host. Used where that download works, i.e. on contributors' machines.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { log } from './process.mjs';

const UPDATE_SERVICE = 'https://update.code.visualstudio.com/api/releases/stable';
const PROBE_TIMEOUT_MS = 5_000;

export function describeDesktopHost() {
  return 'desktop (VS Code via @vscode/test-electron)';
}

/** A VS Code build that test-electron downloaded earlier; it reuses it without going online. */
export function hasCachedVSCode(repoRoot) {
  const cache = join(repoRoot, '.vscode-test');
  return existsSync(cache) && readdirSync(cache).some((name) => name.startsWith('vscode-'));
}

export async function canReachUpdateService() {
  try {
    const response = await fetch(UPDATE_SERVICE, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Electron needs a display; a headless Linux box (CI) has none unless it runs under xvfb-run. */
export function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Downloads VS Code (or finds the cached copy); throws if that is impossible here. */
export async function prepareDesktopHost(repoRoot) {
  return downloadAndUnzipVSCode({ cachePath: join(repoRoot, '.vscode-test'), version: 'stable', timeout: 60_000 });
}

/**
 * @param {{ vscodeExecutablePath: string, extensionDevelopmentPath: string, extensionTestsPath: string,
 *           workspaceFolder: string, timeoutMs: number }} options
 * @returns {Promise<number>} the suite's exit code
 */
export async function runInDesktop({ vscodeExecutablePath, extensionDevelopmentPath, extensionTestsPath, workspaceFolder, timeoutMs }) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'asyncio-lens-vscode-'));
  let timer;
  // test-electron does not hand out the VS Code process, so a hung window is reported here and left to the caller's exit.
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => {
      log(`FAILED: the suite did not finish within ${timeoutMs / 1000}s`);
      resolve(1);
    }, timeoutMs);
  });
  try {
    return await Promise.race([timedOut, runSuite()]);
  } finally {
    clearTimeout(timer);
    rmSync(userDataDir, { recursive: true, force: true });
  }

  async function runSuite() {
    try {
      return await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath,
        extensionTestsPath,
        launchArgs: [
          workspaceFolder,
          '--disable-extensions', // other installed extensions must not change what the suite sees
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
          `--user-data-dir=${userDataDir}`,
        ],
      });
    } catch (error) {
      // runTests rejects when the suite fails; the failure output is already on the console.
      log(`desktop VS Code run failed: ${error.message}`);
      return typeof error.code === 'number' && error.code !== 0 ? error.code : 1;
    }
  }
}
