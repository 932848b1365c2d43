// AIO103 coroutine-function-not-called: `asyncio.run(main)` — the coroutine function itself handed to an API that
// needs a coroutine (or an awaitable), which fails at run time.
import type { Node } from 'web-tree-sitter';
import { insertAfter } from '../fixes';
import type { ModuleModel } from '../model/moduleModel';
import { calleeFlags, type Callee } from './coroutines/callables';
import { libraryNames } from './coroutines/library';
import type { FixSafety, Rule } from './types';

type ConsumedArguments = 'first' | 'all' | 'firstCollection';

/**
 * asyncio APIs that take coroutines (by defining name in typeshed), and which of their arguments are coroutines. A Map,
 * not an object: looking an arbitrary name up as an object key interns the string first, which costs more than the
 * lookup, and every call's callee names are looked up.
 */
const COROUTINE_CONSUMERS: ReadonlyMap<string, ConsumedArguments> = new Map(Object.entries({
  'asyncio.runners.run': 'first',
  'asyncio.runners.Runner.run': 'first',
  'asyncio.tasks.create_task': 'first',
  'asyncio.tasks.ensure_future': 'first',
  'asyncio.tasks.gather': 'all',
  'asyncio.tasks.wait_for': 'first',
  'asyncio.tasks.shield': 'first',
  'asyncio.tasks.run_coroutine_threadsafe': 'first',
  'asyncio.tasks.wait': 'firstCollection',
  'asyncio.tasks.as_completed': 'firstCollection',
  'asyncio.events.AbstractEventLoop.run_until_complete': 'first',
  'asyncio.events.AbstractEventLoop.create_task': 'first',
  'asyncio.taskgroups.TaskGroup.create_task': 'first',
} as const));

/** The consumer API a canonical name is, by its typeshed name (memoized: most calls are not one). */
const consumerApis = new Map<string, { api: string; consumes: ConsumedArguments } | undefined>();

function consumerApi(canonical: string): { api: string; consumes: ConsumedArguments } | undefined {
  if (!consumerApis.has(canonical)) {
    const api = libraryNames(canonical).find((n) => COROUTINE_CONSUMERS.has(n));
    consumerApis.set(canonical, api ? { api, consumes: COROUTINE_CONSUMERS.get(api)! } : undefined);
  }
  return consumerApis.get(canonical);
}

function positionalArguments(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return [];
  return args.namedChildren.filter((a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat' && a.type !== 'comment');
}

/** The arguments of `call` that the consumed-coroutine API expects to be coroutines, with the API's name. */
function coroutineArguments(model: ModuleModel, call: Node): { api: string; args: Node[] } | undefined {
  const canonical = model.resolveCall(call);
  if (!canonical) return undefined;
  const consumer = consumerApi(canonical);
  if (!consumer) return undefined;
  const { api } = consumer;
  const positional = positionalArguments(call);
  switch (consumer.consumes) {
    case 'first':
      return { api, args: positional.slice(0, 1) };
    case 'all':
      return { api, args: positional };
    case 'firstCollection': {
      const first = positional[0];
      const isCollection = first && ['list', 'tuple', 'set'].includes(first.type);
      return { api, args: isCollection ? first.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') : [] };
    }
  }
}

/** Adding `()` is safe when the function visibly needs no arguments (beyond `self`/`cls` of a bound method). */
function callSafety(model: ModuleModel, callee: Callee): FixSafety {
  const fn = callee.fn;
  if (!fn || 'kind' in fn) return 'unsafe';
  const bound = !!fn.cls && !fn.decorators.includes('staticmethod');
  const params = bound ? fn.params.slice(1) : fn.params;
  const optional = (p: { node: Node }) => ['default_parameter', 'typed_default_parameter', 'list_splat_pattern', 'dictionary_splat_pattern'].includes(p.node.type);
  return params.every(optional) ? 'safe' : 'unsafe';
}

export const coroutineFunctionNotCalled: Rule = {
  meta: {
    code: 'AIO103',
    name: 'coroutine-function-not-called',
    summary: 'A coroutine function is passed where a coroutine is expected (`asyncio.run(main)`)',
    defaultSeverity: 'error',
    fixable: 'always',
  },
  check({ model, report }) {
    for (const site of model.calls) {
      const consumed = coroutineArguments(model, site.node);
      if (!consumed) continue;
      for (const arg of consumed.args) {
        if (arg.type !== 'identifier' && arg.type !== 'attribute') continue;
        const canonical = model.resolve(arg);
        const callee = canonical ? calleeFlags(model, canonical) : undefined;
        if (!callee?.flags.coroutine) continue;
        const api = site.node.childForFieldName('function')?.text ?? consumed.api;
        report({
          node: arg,
          message: `\`${api}()\` needs a coroutine, but \`${arg.text}\` is the coroutine function itself; call it: \`${arg.text}()\`.`,
          fix: { title: `Call it: \`${arg.text}()\``, safety: callSafety(model, callee), edits: [insertAfter(arg, '()')] },
        });
      }
    }
  },
};
