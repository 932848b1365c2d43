// AIO205 blocking-socket: blocking socket operations, name resolution, `select` and TLS handshakes inside
// `async def` wait on the network with the loop stopped.
import { blockingCallRule } from './blocking/rule';

export const blockingSocket = blockingCallRule(
  {
    code: 'AIO205',
    name: 'blocking-socket',
    summary: 'blocking socket, DNS, select or TLS call inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  'socket',
);
