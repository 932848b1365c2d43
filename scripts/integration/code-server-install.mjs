// Installs code-server 4.99.4 (VS Code 1.99.3, the last line that runs on Node 20) from the npm registry into the
// git-ignored .vscode-test/ folder, without the parts of its postinstall that need the internet or root's
// --unsafe-perm; see docs in /work/shared/notes/vscode-offline.md. The result is cached: a completed install leaves a
// stamp file, and the next call returns at once.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages, BROWSER_RUNTIME_PACKAGES, NATIVE_BUILD_PACKAGES } from './system-packages.mjs';
import { log, run } from './process.mjs';

export const CODE_SERVER_VERSION = '4.99.4';
const NPM_TIMEOUT_MS = 15 * 60_000;
/** Native modules of the VS Code server that --ignore-scripts left unbuilt. */
const VSCODE_NATIVE_MODULES = ['kerberos', '@parcel/watcher', '@vscode/deviceid', '@vscode/spdlog', 'native-watchdog', 'node-pty'];
const RIPGREP = '/usr/bin/rg';

/** What a cached install must match to be reused: native modules are built for one Node ABI. */
function stampFor() {
  return JSON.stringify({ codeServer: CODE_SERVER_VERSION, nodeModules: process.versions.modules, arch: process.arch });
}

export function codeServerPaths(repoRoot) {
  const installDir = join(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
  const packageDir = join(installDir, 'node_modules', 'code-server');
  return {
    installDir,
    packageDir,
    vscodeDir: join(packageDir, 'lib', 'vscode'),
    entry: join(packageDir, 'out', 'node', 'entry.js'),
    stamp: join(installDir, '.installed'),
  };
}

function replaceWithSymlink(target, linkPath) {
  rmSync(linkPath, { recursive: true, force: true });
  symlinkSync(target, linkPath);
}

/**
 * Returns the path of code-server's entry.js, installing code-server first if no complete cached install exists.
 * @param {string} repoRoot
 */
export async function ensureCodeServer(repoRoot) {
  const paths = codeServerPaths(repoRoot);
  await ensureDebianPackages(BROWSER_RUNTIME_PACKAGES);
  if (existsSync(paths.stamp) && readFileSync(paths.stamp, 'utf8') === stampFor() && existsSync(paths.entry)) {
    log(`using cached code-server ${CODE_SERVER_VERSION} in ${paths.installDir}`);
    return paths.entry;
  }

  const started = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${paths.installDir} (takes a few minutes, once)`);
  await ensureDebianPackages(NATIVE_BUILD_PACKAGES);
  // A half-finished earlier attempt is not trusted: start from an empty folder.
  rmSync(paths.installDir, { recursive: true, force: true });
  mkdirSync(paths.installDir, { recursive: true });
  // Its own package.json keeps npm from treating the project's package.json as the place to install into.
  writeFileSync(join(paths.installDir, 'package.json'), '{ "private": true }\n');

  const npm = (args, cwd) => run('npm', args, { cwd, env: npmEnv(), timeoutMs: NPM_TIMEOUT_MS });

  // 1. The package itself, without its postinstall (it wants --unsafe-perm and the internet).
  await npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], paths.installDir);
  // 2. VS Code's server dependencies, then build only the native modules it needs.
  await npm(['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], paths.vscodeDir);
  await npm(['rebuild', ...VSCODE_NATIVE_MODULES], paths.vscodeDir);
  // 3. Debian's ripgrep where @vscode/ripgrep's postinstall would have put the one from GitHub.
  const ripgrepBin = join(paths.vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(ripgrepBin, { recursive: true });
  copyFileSync(RIPGREP, join(ripgrepBin, 'rg'));
  chmodSync(join(ripgrepBin, 'rg'), 0o755);
  // 4. The rest of code-server's postinstall.sh.
  replaceWithSymlink('node_modules', join(paths.vscodeDir, 'node_modules.asar'));
  replaceWithSymlink('code-linux.sh', join(paths.vscodeDir, 'bin', 'remote-cli', 'code-server'));
  replaceWithSymlink('browser-linux.sh', join(paths.vscodeDir, 'bin', 'helpers', 'browser.sh'));
  await npm(['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], join(paths.vscodeDir, 'extensions'));
  // 5. code-server's own native module (password hashing; loaded at start-up even with --auth none).
  await npm(['rebuild', 'argon2'], paths.installDir);

  writeFileSync(paths.stamp, stampFor());
  log(`code-server ${CODE_SERVER_VERSION} installed in ${Math.round((Date.now() - started) / 1000)}s`);
  return paths.entry;
}

function npmEnv() {
  // npm_config_yes: node-pty's build runs `npx node-gyp`, which would otherwise stop at a prompt (or refuse).
  return { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' };
}
