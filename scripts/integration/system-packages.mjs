// Makes sure the Debian packages the browser host needs are present: installs missing ones with apt-get when running
// as root, otherwise stops with the exact command a person has to run.
import { existsSync, readdirSync } from 'node:fs';
import { log, run } from './process.mjs';

/** Chromium renders the workbench; ripgrep replaces the binary @vscode/ripgrep would download from GitHub. */
export const BROWSER_RUNTIME_PACKAGES = ['chromium', 'ripgrep'];
/** Headers code-server's native modules (kerberos, native-keymap, @vscode/spdlog, node-pty, ...) compile against. */
export const NATIVE_BUILD_PACKAGES = [
  'build-essential',
  'python3',
  'pkg-config',
  'libkrb5-dev',
  'libx11-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
];

const APT_TIMEOUT_MS = 15 * 60_000;

async function isInstalled(pkg) {
  try {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg], { timeoutMs: 30_000, quiet: true });
    return status.includes('install ok installed');
  } catch {
    return false;
  }
}

function aptListsPresent() {
  const lists = '/var/lib/apt/lists';
  return existsSync(lists) && readdirSync(lists).some((name) => name.endsWith('_Packages') || name.includes('_Packages.'));
}

/** @param {string[]} packages */
export async function ensureDebianPackages(packages) {
  if (!existsSync('/usr/bin/dpkg-query')) {
    throw new Error(
      `this is not a Debian-based system; install the equivalents of: ${packages.join(' ')} and retry`,
    );
  }
  const missing = [];
  for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg);
  if (missing.length === 0) return;

  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}. Run as root: apt-get update && ${command}`);
  }
  log(`installing missing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: APT_TIMEOUT_MS });
  if (!aptListsPresent()) await run('apt-get', ['update'], { env, timeoutMs: APT_TIMEOUT_MS });
  try {
    await install();
  } catch (error) {
    // Stale package lists point at versions the mirror no longer has; refresh once and retry.
    log(`apt-get install failed (${error.message.split('\n')[0]}); refreshing package lists and retrying`);
    await run('apt-get', ['update'], { env, timeoutMs: APT_TIMEOUT_MS });
    await install();
  }
}
