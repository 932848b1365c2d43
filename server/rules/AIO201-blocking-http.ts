// AIO201 blocking-http: a synchronous HTTP request (requests, httpx's sync API, urllib, urllib3, http.client)
// inside `async def` freezes every task until the response arrives.
import { blockingCallRule } from './blocking/rule';

export const blockingHttp = blockingCallRule(
  {
    code: 'AIO201',
    name: 'blocking-http',
    summary: 'synchronous HTTP request (requests, httpx.Client, urllib, urllib3, http.client) inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC210', 'ASYNC211', 'ASYNC212'],
  },
  'http',
);
