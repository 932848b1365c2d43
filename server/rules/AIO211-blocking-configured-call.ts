// AIO211 blocking-configured-call: calls the project declares blocking (`blocking-calls` setting) inside
// `async def`, with the configured replacement as the fix.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import type { BlockingCallSetting } from '../config';
import { replaceNode } from '../fixes';
import type { ModuleModel } from '../model/moduleModel';
import type { BlockingCategory } from './blocking/catalog';
import { blockingCalls, coroutineCalls, type CoroutineCall } from './blocking/match';
import { configuredMatcher } from './blocking/configured';
import { awaitedCalleeFix, moduleReference, offloadFix } from './blocking/fixes';
import { calleeDisplay } from './blocking/rule';
import type { Fix, Rule, RuleContext } from './types';

const BUILT_IN_RULE: Readonly<Record<BlockingCategory, string>> = {
  sleep: 'AIO200',
  http: 'AIO201',
  subprocess: 'AIO202',
  'file-io': 'AIO203',
  input: 'AIO204',
  socket: 'AIO205',
  'sync-primitive': 'AIO206',
  database: 'AIO207',
};

const DOTTED = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

const parentOf = (dotted: string) => dotted.slice(0, dotted.lastIndexOf('.'));
const lastOf = (dotted: string) => dotted.slice(dotted.lastIndexOf('.') + 1);

/**
 * `mylib.fetch_sync(x)` → `await mylib.fetch(x)` when the replacement lives beside the configured name: same module
 * or class, so only the last name changes (`client.get_sync()` → `await client.get()`); a name imported from that
 * module is spelled through the module. Awaited unless the replacement is a known plain function.
 */
function replacementFix(model: ModuleModel, call: Node, canonical: string, replacement: string): Fix | undefined {
  if (!DOTTED.test(replacement) || parentOf(replacement) !== parentOf(canonical)) return undefined;
  const callee = call.childForFieldName('function');
  if (!callee) return undefined;
  let newCallee: string;
  let importEdit: TextEdit | undefined;
  if (callee.type === 'attribute') {
    const object = callee.childForFieldName('object');
    if (!object) return undefined;
    newCallee = `${object.text}.${lastOf(replacement)}`;
  } else {
    // `from mylib import fetch_sync`: the replacement is reached through its module.
    const binding = callee.type === 'identifier' ? model.lookup(callee.text, callee) : undefined;
    if (binding?.kind !== 'import' || parentOf(binding.target) !== parentOf(replacement)) return undefined;
    const module = moduleReference(model, parentOf(replacement));
    newCallee = `${module.name}.${lastOf(replacement)}`;
    importEdit = module.importEdit;
  }
  // Unsafe: a different function, which the settings only promise to be the replacement.
  const known = model.lookupFunction(replacement);
  if (known && !known.isAsync) {
    return { title: `Replace with \`${replacement}(...)\``, safety: 'unsafe', edits: [replaceNode(callee, newCallee), ...(importEdit ? [importEdit] : [])] };
  }
  return awaitedCalleeFix(model, call, newCallee, `Replace with \`await ${replacement}(...)\``, 'unsafe', [importEdit]);
}

function message(call: CoroutineCall, canonical: string, setting: BlockingCallSetting): string {
  const instead = setting.replacement ? `Use \`${setting.replacement}\` instead.` : 'Run it with `await asyncio.to_thread(...)` or use an async alternative.';
  return `\`${calleeDisplay(call.site.node, canonical)}\` is configured as blocking and is called inside \`async def ${call.coroutine.name}\`; every other task stops until it returns. ${instead}`;
}

export const blockingConfiguredCall: Rule = {
  meta: {
    code: 'AIO211',
    name: 'blocking-configured-call',
    summary: 'a call configured as blocking (`blocking-calls`) inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC200'],
  },
  check(context: RuleContext) {
    const { model, config } = context;
    if (config.blockingCalls.length === 0) return;
    const match = configuredMatcher(config);
    // Calls an enabled built-in rule reports keep that rule's diagnostic.
    const builtIn = new Set(blockingCalls(model).filter((c) => config.isEnabled(BUILT_IN_RULE[c.callable.category])).map((c) => c.site.node.id));
    for (const call of coroutineCalls(model)) {
      // Awaited: the project's own async function of the same name, or an async wrapper around it.
      if (call.site.awaited || builtIn.has(call.site.node.id)) continue;
      const canonical = model.resolveCall(call.site.node);
      const setting = canonical ? match(canonical) : undefined;
      if (!canonical || !setting) continue;
      const fixes = [
        setting.replacement ? replacementFix(model, call.site.node, canonical, setting.replacement) : undefined,
        offloadFix(model, config, call.site.node, { safety: 'unsafe' }),
      ].filter((f): f is Fix => !!f);
      context.report({ node: call.site.node, message: message(call, canonical, setting), fix: fixes[0], alternativeFixes: fixes.length > 1 ? fixes.slice(1) : undefined });
    }
  },
};
