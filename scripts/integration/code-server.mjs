// Starts code-server on a free loopback port with a throwaway user-data-dir and waits until it answers.
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup, log } from './process.mjs';

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;

/**
 * User settings of the throwaway profile. Workspace trust is off because in test mode the workbench will not show
 * the trust dialog and the folder would stay in Restricted Mode; the rest keeps the UI quiet and offline.
 */
const USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
};

export function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilHealthy(origin, child, deadline) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer on ${origin} within ${READY_TIMEOUT_MS / 1000}s`);
}

/**
 * @param {{ entry: string, logFile: string, keepLogsIn: string, env?: NodeJS.ProcessEnv }} options
 *   keepLogsIn: where VS Code's own logs (extension host, output channels such as the language client's) are copied
 *   before the throwaway user-data-dir is deleted
 * @returns {Promise<{ origin: string, authority: string, stop: () => Promise<void> }>}
 */
export async function startCodeServer({ entry, logFile, keepLogsIn, env }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'asyncio-lens-code-server-'));
  mkdirSync(join(dataDir, 'User'), { recursive: true });
  writeFileSync(join(dataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));

  const port = await freeLoopbackPort();
  const authority = `127.0.0.1:${port}`;
  const origin = `http://${authority}`;
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', authority,
    '--user-data-dir', dataDir,
    '--extensions-dir', join(dataDir, 'ext'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
  ];
  mkdirSync(join(logFile, '..'), { recursive: true });
  const output = createWriteStream(logFile);
  log(`starting code-server on ${origin} (log: ${logFile})`);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: stopping it also ends its extension host and language servers
  });
  child.stdout.pipe(output);
  child.stderr.pipe(output);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    // The extension host and the language servers it started may outlive code-server's main process.
    killGroup(child, 'SIGKILL');
    output.end();
    rmSync(keepLogsIn, { recursive: true, force: true });
    if (existsSync(join(dataDir, 'logs'))) cpSync(join(dataDir, 'logs'), keepLogsIn, { recursive: true });
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitUntilHealthy(origin, child, Date.now() + READY_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}; see ${logFile}`);
  }
  return { origin, authority, stop };
}
