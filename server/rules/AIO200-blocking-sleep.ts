// AIO200 blocking-sleep: `time.sleep()` inside `async def` stops every task on the loop.
import { asyncioReference } from '../fixes';
import { awaitedCalleeFix } from './blocking/fixes';
import { blockingCallRule } from './blocking/rule';

export const blockingSleep = blockingCallRule(
  {
    code: 'AIO200',
    name: 'blocking-sleep',
    summary: '`time.sleep()` called inside a coroutine blocks the event loop',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC251'],
  },
  'sleep',
  ({ model }, call) => {
    const asyncio = asyncioReference(model);
    return [awaitedCalleeFix(model, call.site.node, `${asyncio.name}.sleep`, 'Replace with `await asyncio.sleep(...)`', 'safe', [asyncio.importEdit])];
  },
);
