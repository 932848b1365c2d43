// The library factories added to knownTypes for the blocking-call rules: the model types their results.
import * as assert from 'node:assert/strict';
import { buildModel } from '../../server/engine';
import type { ModuleModel } from '../../server/model/moduleModel';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';

async function modelOf(source: string): Promise<ModuleModel> {
  const parser = await loadParser();
  return buildModel(parse(parser, source), source, '/ws/mod.py', new WorkspaceIndex()).model;
}

/** The canonical callee of every call whose text starts with `prefix`. */
function callees(model: ModuleModel, prefix: string): (string | undefined)[] {
  return model.calls.filter((c) => c.node.text.startsWith(prefix)).map((c) => model.resolveCall(c.node));
}

describe('model: library factory return types', () => {
  it('types sockets, selectors and TLS objects made by lower-case factories', async () => {
    const m = await modelOf(
      ['import socket, select, ssl', 's = socket.socket()', 's.recv(1)', 'p = select.poll()', 'p.poll()', 'ctx = ssl.create_default_context()', 'ctx.wrap_socket(s).do_handshake()'].join('\n'),
    );
    assert.deepEqual(callees(m, 's.recv'), ['socket.socket.recv']);
    assert.deepEqual(callees(m, 'p.poll'), ['select.poll.poll']);
    assert.deepEqual(callees(m, 'ctx.wrap_socket(s).do_handshake'), ['ssl.SSLSocket.do_handshake']);
  });

  it('follows pathlib methods that return paths', async () => {
    const m = await modelOf(['from pathlib import Path', 'Path.home().joinpath("x").read_text()', 'Path("a").resolve().exists()'].join('\n'));
    assert.deepEqual(callees(m, 'Path.home().joinpath("x").read_text'), ['pathlib.Path.read_text']);
    assert.deepEqual(callees(m, 'Path("a").resolve().exists'), ['pathlib.Path.exists']);
  });

  it('types concurrent futures from run_coroutine_threadsafe and database connections and cursors', async () => {
    const m = await modelOf(
      [
        'import asyncio, psycopg, MySQLdb, redis',
        'asyncio.run_coroutine_threadsafe(c, loop).result()',
        'psycopg.connect(dsn).cursor().fetchall()',
        'MySQLdb.connect().cursor().execute(q)',
        'redis.Redis().pipeline().execute()',
      ].join('\n'),
    );
    assert.deepEqual(callees(m, 'asyncio.run_coroutine_threadsafe(c, loop).result'), ['concurrent.futures.Future.result']);
    assert.deepEqual(callees(m, 'psycopg.connect(dsn).cursor().fetchall'), ['psycopg.Cursor.fetchall']);
    assert.deepEqual(callees(m, 'MySQLdb.connect().cursor().execute'), ['MySQLdb.cursors.Cursor.execute']);
    assert.deepEqual(callees(m, 'redis.Redis().pipeline().execute'), ['redis.client.Pipeline.execute']);
  });
});
