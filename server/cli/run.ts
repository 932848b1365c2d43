// `asyncio-lens run [--python PY] [options] -- script.py [args]` (or `-m module [args]`): runs a Python program
// under the runtime adapter (python/asyncio_lens), with the terminal's stdio, and returns the program's exit code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const RUN_USAGE = `usage: asyncio-lens run [--python PY] [options] -- script.py [args...]
       asyncio-lens run [--python PY] [options] -- -m module [args...]

options:
  --python PY            Python interpreter (default: python3 on PATH)
  --tree                 print the task tree to stderr while running and at exit
  --tree-interval MS     how often to print it (default 2000)
  --record FILE          write every adapter message to FILE (JSON Lines)
  --interval MS          snapshot interval (default 500)
  --block-threshold MS   report the event loop as blocked after MS (default 100)
  --creation-stack       record each task's full creation stack
  --origin-tracking      track where every coroutine is created from the start (by default tracking starts
                         at the first never-awaited coroutine; this costs on every coroutine call)
  --no-origin-tracking   never track where coroutines are created
`;

export interface RunOptions {
  python: string;
  /** Options passed through to `python -m asyncio_lens run`. */
  adapterArgs: string[];
  /** `script.py args...` or `-m module args...`. */
  program: string[];
}

const VALUED: Record<string, [number, number]> = {
  '--interval': [50, 60000],
  '--block-threshold': [10, 600000],
  '--tree-interval': [100, 3600000],
};

/** Parses the arguments after `run`; returns the options, 'help', or an error message. */
export function parseRunArgs(args: string[]): RunOptions | 'help' | string {
  const options: RunOptions = { python: process.platform === 'win32' ? 'python' : 'python3', adapterArgs: [], program: [] };
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--') {
      options.program = args.slice(i + 1);
      break;
    }
    if (arg === '-m') {
      options.program = args.slice(i);
      break;
    }
    if (arg === '--python' || arg === '--record' || arg in VALUED) {
      const value = args[i + 1];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === '--python') {
        options.python = value;
      } else if (arg === '--record') {
        options.adapterArgs.push(arg, path.resolve(value));
      } else {
        const [low, high] = VALUED[arg];
        if (!/^\d+$/.test(value) || Number(value) < low || Number(value) > high) {
          return `${arg} expects a whole number of milliseconds from ${low} to ${high}, got '${value}'`;
        }
        options.adapterArgs.push(arg, value);
      }
      i += 2;
      continue;
    }
    if (arg === '--tree' || arg === '--creation-stack' || arg === '--origin-tracking' || arg === '--no-origin-tracking') {
      options.adapterArgs.push(arg);
      i += 1;
      continue;
    }
    if (arg.startsWith('-')) return `unknown option ${arg}`;
    options.program = args.slice(i);
    break;
  }
  if (options.program.length === 0) return 'missing the script to run (asyncio-lens run [options] -- script.py)';
  if (options.program[0] === '-m' && options.program.length < 2) return '-m needs a module name';
  return options;
}

/** Directory holding the bundled `asyncio_lens` package: dist/cli.js -> ../python. */
export function adapterPackageDir(): string {
  return path.join(__dirname, '..', 'python');
}

export async function runCommand(args: string[]): Promise<number> {
  const parsed = parseRunArgs(args);
  if (parsed === 'help') {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`asyncio-lens run: ${parsed}\n${RUN_USAGE}`);
    return 2;
  }
  const packageDir = adapterPackageDir();
  if (!existsSync(path.join(packageDir, 'asyncio_lens', '__main__.py'))) {
    process.stderr.write(`asyncio-lens run: the runtime adapter is missing (expected ${packageDir}/asyncio_lens)\n`);
    return 2;
  }
  const env = { ...process.env };
  env.PYTHONPATH = env.PYTHONPATH ? `${packageDir}${path.delimiter}${env.PYTHONPATH}` : packageDir;
  const argv = ['-m', 'asyncio_lens', 'run', ...parsed.adapterArgs, ...parsed.program];

  return new Promise<number>((resolve) => {
    const child = spawn(parsed.python, argv, { stdio: 'inherit', env });
    // Ctrl-C reaches the whole foreground process group: the program handles it; we wait for its exit status.
    const ignoreInterrupt = (): void => {};
    const forward = (signal: NodeJS.Signals) => (): void => {
      child.kill(signal);
    };
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', ignoreInterrupt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    const cleanup = (): void => {
      process.off('SIGINT', ignoreInterrupt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      const hint = error.code === 'ENOENT' ? ` (not found; install Python 3.8+ or pass --python PATH)` : '';
      process.stderr.write(`asyncio-lens run: cannot start ${parsed.python}: ${error.message}${hint}\n`);
      resolve(2);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
    });
  });
}
