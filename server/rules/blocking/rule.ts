// What the direct blocking-call rules (AIO200–AIO207) share: each reports the catalog's callables of its category
// found in coroutine bodies, with one message shape and, unless it says otherwise, the run-in-a-thread fix.
import type { Node } from 'web-tree-sitter';
import type { Fix, Rule, RuleContext, RuleMeta } from '../types';
import { CATEGORY_TEXT, type BlockingCategory } from './catalog';
import { offloadFix, passFunctionFix } from './fixes';
import { blockingCalls, offloaderArgument, type BlockingCall } from './match';

/** How a call is named in a message: as written (`s.get()`), or by its canonical name when that text is unwieldy. */
export function calleeDisplay(call: Node, canonical: string): string {
  const text = call.childForFieldName('function')?.text.replace(/\s+/g, ' ') ?? canonical;
  return `${text.length <= 40 ? text : canonical}()`;
}

export function blockingMessage(call: BlockingCall, handedToThread: boolean): string {
  const { does, instead } = CATEGORY_TEXT[call.callable.category];
  const what = `\`${calleeDisplay(call.site.node, call.callable.name)}\` ${does} inside \`async def ${call.coroutine.name}\``;
  return handedToThread
    ? `${what}: it runs on the loop and only its result goes to the thread. Pass the function and its arguments instead.`
    : `${what}; every other task stops until it returns. ${instead}`;
}

/** The run-in-a-worker-thread fix, where the catalog allows one. */
export function threadFix({ model, config }: RuleContext, call: BlockingCall): Fix | undefined {
  const { offload, offloadSafe } = call.callable;
  if (offload === 'none') return undefined;
  return offloadFix(model, config, call.site.node, { safety: offloadSafe ? 'safe' : 'unsafe', iterate: offload === 'iterate' });
}

/** The fixes of one finding, preferred first. */
export type FixesFor = (context: RuleContext, call: BlockingCall) => (Fix | undefined)[];

export function blockingCallRule(meta: RuleMeta, category: BlockingCategory, fixesFor: FixesFor = (context, call) => [threadFix(context, call)]): Rule {
  return {
    meta,
    check(context) {
      for (const call of blockingCalls(context.model)) {
        if (call.callable.category !== category) continue;
        const argument = offloaderArgument(context.model, call.site.node);
        const handedTo = argument?.inFunctionSlot ? argument : undefined;
        const fixes = handedTo ? [passFunctionFix(call.site.node, handedTo.forwards)] : fixesFor(context, call);
        const [fix, ...alternatives] = fixes.filter((f): f is Fix => !!f);
        context.report({ node: call.site.node, message: blockingMessage(call, !!handedTo), fix, alternativeFixes: alternatives.length ? alternatives : undefined });
      }
    },
  };
}
