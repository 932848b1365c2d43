// Child-process helpers shared by the integration hosts: every external command is logged, bounded by a timeout,
// and turns a non-zero exit into an error that says which command failed.
import { spawn } from 'node:child_process';

export function log(message) {
  process.stdout.write(`[integration] ${message}\n`);
}

/**
 * Runs a command to completion with inherited output.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs: number, quiet?: boolean }} options
 * @returns {Promise<string>} captured stdout when `quiet`, else ''
 */
export function run(command, args, { cwd, env, timeoutMs, quiet = false }) {
  const shown = `${command} ${args.join(' ')}`;
  if (!quiet) log(`$ ${shown}${cwd ? `   (in ${cwd})` : ''}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
      detached: true, // own process group, so a timeout can end the whole tree (npm -> node-gyp -> make)
    });
    let captured = '';
    let errors = '';
    child.stdout?.on('data', (chunk) => (captured += chunk));
    child.stderr?.on('data', (chunk) => (errors += chunk));
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`timed out after ${timeoutMs / 1000}s: ${shown}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(captured);
      else reject(new Error(`exit ${code ?? signal}: ${shown}${errors ? `\n${errors.trim()}` : ''}`));
    });
  });
}

/** Ends a child started with `detached: true` and everything in its process group (also after the child itself exited). */
export function killGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
