// The library tables generated from typeshed (scripts/gen-typeshed-tables.mjs) as the AIO1xx rules see them.
import * as assert from 'node:assert/strict';
import { libraryCallFlags, libraryInstanceFlags, libraryNames } from '../../server/rules/coroutines/library';

const kind = (name: string) => {
  const f = libraryCallFlags(name);
  return f ? (['coroutine', 'plain', 'asyncContextManager', 'asyncIterable'] as const).filter((k) => f[k]).join('+') : 'unknown';
};

describe('typeshed tables', () => {
  it('knows coroutine functions and methods under every public name, inherited ones included', () => {
    for (const name of [
      'asyncio.sleep',
      'asyncio.tasks.sleep',
      'asyncio.wait_for',
      'asyncio.open_connection',
      'asyncio.create_subprocess_exec',
      'asyncio.to_thread',
      'asyncio.Queue.get',
      'asyncio.queues.Queue.put',
      'asyncio.PriorityQueue.get',
      'asyncio.Lock.acquire',
      'asyncio.Event.wait',
      'asyncio.StreamWriter.drain',
      'asyncio.AbstractEventLoop.sock_recv',
      'asyncio.BaseEventLoop.sock_sendall',
      'asyncio.subprocess.Process.wait',
      'contextlib.AbstractAsyncContextManager.__aenter__',
    ]) {
      assert.equal(kind(name), 'coroutine', name);
    }
  });

  it('knows callables whose result can never be awaited, and leaves awaitable or untyped results unknown', () => {
    for (const name of ['time.sleep', 'print', 'len', 'asyncio.run_coroutine_threadsafe', 'asyncio.StreamWriter.write', 'requests.get', 'requests.Session.get', 'asyncio.Queue.put_nowait']) {
      assert.equal(kind(name), 'plain', name);
    }
    assert.equal(kind('os.listdir'), 'plain', 'list[str] is a plain value');
    // `-> Any` and `-> object` say nothing: the value may be awaitable.
    for (const name of ['json.loads', 'pickle.loads', 'asyncio.gather', 'asyncio.ensure_future', 'asyncio.shield', 'asyncio.create_task', 'asyncio.AbstractEventLoop.run_in_executor', 'asyncio.Queue.get_nowait', 'no.such.function']) {
      assert.equal(kind(name), 'unknown', name);
    }
  });

  it('knows async-only context managers and iterables, by class and by factory', () => {
    for (const cls of ['asyncio.Lock', 'asyncio.Semaphore', 'asyncio.Condition', 'asyncio.TaskGroup', 'contextlib.AsyncExitStack']) {
      assert.equal(libraryInstanceFlags(cls)?.asyncContextManager, true, cls);
    }
    assert.equal(libraryCallFlags('asyncio.timeout')?.asyncContextManager, true);
    assert.equal(libraryCallFlags('aiofiles.open')?.asyncContextManager, true);
    assert.equal(libraryInstanceFlags('asyncio.StreamReader')?.asyncIterable, true);
    // Supports both protocols: not async-only.
    assert.equal(libraryInstanceFlags('threading.Lock')?.asyncContextManager ?? false, false);
  });

  it('names a method by every library class that has it', () => {
    const names = libraryNames('asyncio.BaseEventLoop.create_task');
    assert.equal(names[0], 'asyncio.base_events.BaseEventLoop.create_task');
    assert.ok(names.includes('asyncio.events.AbstractEventLoop.create_task'), names.join(', '));
    assert.deepEqual(libraryNames('asyncio.create_task'), ['asyncio.tasks.create_task']);
  });
});
