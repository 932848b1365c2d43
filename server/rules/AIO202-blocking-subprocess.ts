// AIO202 blocking-subprocess: `subprocess` functions, `Popen.wait/communicate`, `os.system/popen/spawn*/wait*`
// inside `async def` stop the loop while the child process runs.
import type { Node } from 'web-tree-sitter';
import { asyncioReference } from '../fixes';
import { awaitedReplacementFix } from './blocking/fixes';
import type { BlockingCall } from './blocking/match';
import { blockingCallRule, threadFix } from './blocking/rule';
import type { Fix, RuleContext } from './types';

/** Keyword arguments `create_subprocess_*` accepts with the same meaning and that need no reading of pipes. */
const PASSED_THROUGH = new Set(['cwd', 'env']);

/** The `asyncio.create_subprocess_*` call that does what this one does, when its arguments allow telling. */
function asyncioProcessCall(call: Node, callee: string): { creator: string; args: string[] } | undefined {
  const list = call.childForFieldName('arguments');
  if (list?.type !== 'argument_list' || list.namedChildren.some((a) => a?.type === 'comment')) return undefined;
  const args = list.namedChildren.filter((a): a is Node => !!a);
  if (callee === 'os.system') {
    return args.length === 1 && args[0].type !== 'keyword_argument' && !args[0].type.endsWith('splat') ? { creator: 'create_subprocess_shell', args: [args[0].text] } : undefined;
  }
  let program: Node | undefined;
  let shell = false;
  const passed: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text ?? '';
      const value = arg.childForFieldName('value');
      if (name === 'args' && value) program = value;
      else if (name === 'shell' && (value?.text === 'True' || value?.text === 'False')) shell = value.text === 'True';
      else if (PASSED_THROUGH.has(name)) passed.push(arg.text);
      else return undefined;
    } else if (i === 0 && !arg.type.endsWith('splat')) program = arg;
    else return undefined;
  }
  if (!program) return undefined;
  const isSequence = program.type === 'list' || program.type === 'tuple';
  if (shell) return isSequence ? undefined : { creator: 'create_subprocess_shell', args: [program.text, ...passed] };
  // Without a shell only a literal sequence can be spread: a variable might hold a string (a program name).
  const parts = isSequence ? program.namedChildren.filter((p): p is Node => !!p && p.type !== 'comment') : [];
  return parts.length ? { creator: 'create_subprocess_exec', args: [...parts.map((p) => p.text), ...passed] } : undefined;
}

/**
 * `subprocess.call([...])` → `await (await asyncio.create_subprocess_exec(...)).wait()` (same return code), and
 * `subprocess.run(...)` / `os.system(...)` as statements (their results differ, so only where unused).
 */
function createSubprocessFix({ model }: RuleContext, call: BlockingCall): Fix | undefined {
  const node = call.site.node;
  const callee = call.callable.name;
  if (callee !== 'subprocess.call' && callee !== 'subprocess.run' && callee !== 'os.system') return undefined;
  if (callee !== 'subprocess.call' && node.parent?.type !== 'expression_statement') return undefined;
  const replacement = asyncioProcessCall(node, callee);
  if (!replacement) return undefined;
  const asyncio = asyncioReference(model);
  const newCall = `(await ${asyncio.name}.${replacement.creator}(${replacement.args.join(', ')})).wait()`;
  // Unsafe: cancelling the task now leaves the child running, where the sync call would have waited for it.
  return awaitedReplacementFix(model, node, newCall, `Use \`asyncio.${replacement.creator}()\``, 'unsafe', [asyncio.importEdit]);
}

export const blockingSubprocess = blockingCallRule(
  {
    code: 'AIO202',
    name: 'blocking-subprocess',
    summary: 'synchronous subprocess call (subprocess.*, os.system, os.spawn*, os.wait*) inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC220', 'ASYNC221', 'ASYNC222'],
  },
  'subprocess',
  (context, call) => [createSubprocessFix(context, call), threadFix(context, call)],
);
