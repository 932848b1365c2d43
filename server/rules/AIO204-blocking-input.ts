// AIO204 blocking-input: `input()` (and `getpass`, `sys.stdin` reads) inside `async def` stops the loop until
// the user types a line.
import { blockingCallRule } from './blocking/rule';

export const blockingInput = blockingCallRule(
  {
    code: 'AIO204',
    name: 'blocking-input',
    summary: '`input()` or a blocking stdin read inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC250'],
  },
  'input',
);
