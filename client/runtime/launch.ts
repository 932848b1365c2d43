// How a program is started under the runtime adapter: `python -m asyncio_lens run [options] script.py` (or `-m module`)
// with the extension's bundled package on PYTHONPATH, typed into an integrated terminal's shell (so the program owns
// the terminal's stdin/stdout and its output stays readable after it exits), or handed to debugpy.
// Free of `vscode`.
import * as path from 'node:path';

export type RunTarget = { kind: 'file'; file: string; args: string[] } | { kind: 'module'; module: string; args: string[] };

export interface AdapterOptions {
  intervalMs: number;
  blockThresholdMs: number;
  /** Extra options for `asyncio_lens run`, e.g. ["--creation-stack"]. */
  extraArgs: string[];
}

/** A dotted Python module name (`pkg.sub.mod`). */
export const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The arguments after `python -m asyncio_lens`. */
export function adapterRunArgs(target: RunTarget, options: AdapterOptions): string[] {
  const args = ['run', '--interval', String(options.intervalMs), '--block-threshold', String(options.blockThresholdMs), ...options.extraArgs];
  if (target.kind === 'module') args.push('-m', target.module, ...target.args);
  else args.push(target.file, ...target.args);
  return args;
}

/** `pythonDir` prepended to an existing PYTHONPATH. */
export function pythonPathWith(pythonDir: string, existing: string | undefined, delimiter = path.delimiter): string {
  return existing ? `${pythonDir}${delimiter}${existing}` : pythonDir;
}

export type ShellKind = 'posix' | 'powershell' | 'cmd';

/** Which quoting the terminal's shell understands, from its executable path. */
export function shellKind(shellPath: string | undefined, platform: NodeJS.Platform = process.platform): ShellKind {
  const name = path.basename((shellPath ?? '').replace(/\\/g, '/')).toLowerCase().replace(/\.exe$/, '');
  if (name === 'pwsh' || name === 'powershell') return 'powershell';
  if (name === 'cmd') return 'cmd';
  if (name === '') return platform === 'win32' ? 'powershell' : 'posix';
  return 'posix';
}

const PLAIN_WORD = /^[A-Za-z0-9_\/.,:=@%+-]+$/;

function quote(word: string, kind: ShellKind): string {
  switch (kind) {
    case 'powershell':
      return `'${word.replace(/'/g, "''")}'`;
    case 'cmd':
      return PLAIN_WORD.test(word) ? word : `"${word.replace(/"/g, '""')}"`;
    default:
      return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  }
}

/** One command line that runs `argv` unchanged in a shell of that kind. */
export function shellCommandLine(argv: string[], kind: ShellKind): string {
  const words = argv.map((word) => quote(word, kind));
  return kind === 'powershell' ? `& ${words.join(' ')}` : words.join(' ');
}

/** The fields of an `asyncio-lens` launch configuration (package.json `debuggers` contribution). */
export interface LensLaunchConfig {
  name: string;
  program?: string;
  module?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  python?: string;
  justMyCode?: boolean;
  console?: string;
  stopOnEntry?: boolean;
}

/** A debugpy launch configuration (the fields this extension sets). */
export interface DebugpyLaunchConfig {
  name: string;
  type: 'debugpy';
  request: 'launch';
  module: string;
  args: string[];
  console: string;
  justMyCode: boolean;
  env: Record<string, string>;
  cwd?: string;
  python?: string;
  stopOnEntry?: boolean;
}

/**
 * The debugpy launch configuration that runs the same program under the adapter: debugpy starts the module
 * `asyncio_lens`, which runs the program. Returns an error text when the configuration names no program.
 */
export function debugpyConfiguration(
  config: LensLaunchConfig,
  adapter: AdapterOptions,
  env: Record<string, string>,
): DebugpyLaunchConfig | string {
  let target: RunTarget;
  if (config.module) {
    if (!MODULE_NAME.test(config.module)) return `"module": ${JSON.stringify(config.module)} is not a Python module name`;
    target = { kind: 'module', module: config.module, args: config.args ?? [] };
  } else if (config.program) {
    target = { kind: 'file', file: config.program, args: config.args ?? [] };
  } else {
    return 'the configuration needs "program" (a script) or "module" (a module name)';
  }
  const debugpy: DebugpyLaunchConfig = {
    name: config.name,
    type: 'debugpy',
    request: 'launch',
    module: 'asyncio_lens',
    args: adapterRunArgs(target, adapter),
    console: config.console ?? 'integratedTerminal',
    justMyCode: config.justMyCode ?? true,
    env: { ...config.env, ...env },
  };
  if (config.cwd) debugpy.cwd = config.cwd;
  if (config.python) debugpy.python = config.python;
  if (config.stopOnEntry !== undefined) debugpy.stopOnEntry = config.stopOnEntry;
  return debugpy;
}
