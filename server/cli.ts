// The `asyncio-lens` command: `check` lints with the language server's engine, `run` starts a program under the
// runtime adapter, `rules` lists the rules.
import { codeList, parseArgs, UsageError } from './cli/args';
import { assertFormat, check, formatJson, formatSarif, formatText } from './cli/check';
import { runCommand } from './cli/run';
import { ConfigError, parseVersion } from './config';
import { RULES } from './rules/registry';

const USAGE = `Usage:
  asyncio-lens check [--format text|json|sarif] [--select CODES] [--ignore CODES] [--target-version 3.X] [--fix] PATH...
  asyncio-lens run [--python PY] [--tree] [--record FILE.jsonl] [--interval MS] -- script.py [args...]
  asyncio-lens run [options] -- -m package.module [args...]
  asyncio-lens rules

Exit status (check): 0 no findings, 1 findings, 2 usage or I/O error.
Exit status (run): the program's own.`;

async function checkCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['fix'], options: ['format', 'select', 'ignore', 'target-version'] });
  const paths = [...args.positionals, ...args.rest];
  if (paths.length === 0) throw new UsageError('check needs at least one PATH');
  const targetVersion = args.options.get('target-version');
  if (targetVersion !== undefined && !parseVersion(targetVersion)) throw new UsageError('--target-version must look like 3.11');
  const format = assertFormat(args.options.get('format') ?? 'text');
  const outcome = await check({
    paths,
    format,
    fix: args.flags.has('fix'),
    cwd: process.cwd(),
    settings: { select: codeList(args.options.get('select')), ignore: codeList(args.options.get('ignore')), targetVersion },
  });
  const render = format === 'json' ? formatJson : format === 'sarif' ? formatSarif : formatText;
  process.stdout.write(render(outcome.results));
  for (const error of outcome.errors) process.stderr.write(`asyncio-lens: ${error}\n`);
  const found = outcome.results.some((r) => r.findings.length > 0);
  const unreadable = outcome.errors.some((e) => !e.includes('replacement characters'));
  return unreadable ? 2 : found ? 1 : 0;
}

function rulesCommand(): number {
  for (const r of RULES) {
    const fix = r.meta.fixable === 'never' ? '' : ' (fixable)';
    process.stdout.write(`${r.meta.code}  ${r.meta.name.padEnd(32)} ${r.meta.defaultSeverity.padEnd(11)} ${r.meta.summary}${fix}\n`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await checkCommand(rest);
      case 'run':
        return await runCommand(rest);
      case 'rules':
        return rulesCommand();
      case '--version':
        process.stdout.write(`${require('../package.json').version}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`asyncio-lens: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`asyncio-lens: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
