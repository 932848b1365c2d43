// AIO207 blocking-database: sync database drivers (sqlite3, psycopg2/psycopg, pymysql, MySQLdb, redis, pymongo)
// inside `async def` stop the loop for every query.
import { blockingCallRule } from './blocking/rule';

export const blockingDatabase = blockingCallRule(
  {
    code: 'AIO207',
    name: 'blocking-database',
    summary: 'synchronous database call (sqlite3, psycopg2, pymysql, MySQLdb, redis, pymongo) inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  'database',
);
