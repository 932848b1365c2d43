"""Patches that let the monitor observe every event loop without the program's cooperation.

Methods are patched on BaseEventLoop (every stdlib loop, any thread, however it was created) rather than by setting
a task factory, so that a factory the program installs (or 3.12's eager_task_factory) keeps working unchanged and
loop.get_task_factory() still returns the program's own."""

import asyncio
import asyncio.base_events
import asyncio.runners
import sys
import threading
import warnings

from asyncio_lens import resources as resource_hooks
from asyncio_lens.transport import warn


_reported = set()


def _internal_error(what, error):
    """One warning per kind of failure: a broken hook on a hot path must not flood the program's stderr."""
    key = (what, type(error))
    if key not in _reported:
        _reported.add(key)
        warn("internal error in %s: %r" % (what, error))


def _guarded(what, action, *args):
    try:
        action(*args)
    except Exception as error:  # the adapter must never break the program
        _internal_error(what, error)


def install(monitor, origin_depth):
    base = asyncio.base_events.BaseEventLoop
    getframe = sys._getframe
    current_task = asyncio.current_task

    def enable_origin_tracking():
        if origin_depth and sys.get_coroutine_origin_tracking_depth() < origin_depth:
            sys.set_coroutine_origin_tracking_depth(origin_depth)

    original_create_task = base.create_task
    in_progress = threading.local()

    def create_task(self, coro, *args, **kwargs):
        parent = current_task(self)
        task = original_create_task(self, coro, *args, **kwargs)
        try:
            monitor.task_created(self, task, parent, getframe(1))
        except Exception as error:
            _internal_error("create_task hook", error)
        return task

    def create_task_eager_aware(self, coro, *args, **kwargs):
        # An eager task (3.12+) runs inside create_task, before we know it; the tasks it creates then see it as
        # their creator. `calls` holds, per create_task call in progress on this thread, [its creator, the record
        # given to the task under construction if a nested call needed it].
        parent = current_task(self)
        calls = in_progress.__dict__.setdefault("calls", [])
        parent_record = None
        if calls and parent is not None and parent is not calls[-1][0]:
            outer = calls[-1]
            if outer[1] is None:
                outer[1] = monitor.adopt(parent)
            parent_record = outer[1]
        call = [parent, None]
        calls.append(call)
        try:
            task = original_create_task(self, coro, *args, **kwargs)
        finally:
            calls.pop()
        try:
            monitor.task_created(self, task, parent, getframe(1), parent_record, call[1])
        except Exception as error:
            _internal_error("create_task hook", error)
        return task

    original_run_forever = base.run_forever

    def run_forever(self, *args, **kwargs):
        if self.is_running() or self.is_closed():
            return original_run_forever(self, *args, **kwargs)  # raises the usual RuntimeError
        _guarded("loop start", enable_origin_tracking)  # per thread: loops in other threads get it too
        _guarded("loop start", monitor.loop_started, self)
        try:
            return original_run_forever(self, *args, **kwargs)
        finally:
            _guarded("loop stop", monitor.loop_stopped, self)

    original_close = base.close

    def close(self, *args, **kwargs):
        result = original_close(self, *args, **kwargs)
        _guarded("loop close", monitor.loop_closed, self)
        return result

    original_call_exception_handler = base.call_exception_handler

    def call_exception_handler(self, context):
        # Chained in front of whatever handler the program set; the program's handling is unchanged.
        _guarded("exception handler hook", monitor.exception_context, self, context)
        return original_call_exception_handler(self, context)

    original_run_in_executor = base.run_in_executor

    def run_in_executor(self, executor, func, *args):
        future = original_run_in_executor(self, executor, func, *args)
        try:
            used = executor if executor is not None else getattr(self, "_default_executor", None)
            if used is not None:
                monitor.resources.track_work(used, future, getframe(1), executor is None)
        except Exception as error:
            _internal_error("run_in_executor hook", error)
        return future

    original_cancel_all = asyncio.runners._cancel_all_tasks

    def cancel_all_tasks(loop):
        _guarded("shutdown hook", monitor.cancelling_leftovers, loop)
        return original_cancel_all(loop)

    original_warn_unawaited = warnings._warn_unawaited_coroutine

    def warn_unawaited_coroutine(coro):
        _guarded("never-awaited hook", monitor.never_awaited, coro)
        if sys.get_coroutine_origin_tracking_depth() not in (0, origin_depth):
            return original_warn_unawaited(coro)  # the program asked for origins itself (e.g. debug mode)
        # The warning the program would print without the adapter: same text (the origin tracking is ours, so it
        # is left out) and the same location (stacklevel 2 is the frame that dropped the coroutine).
        warnings.warn("coroutine '%s' was never awaited" % (coro.__qualname__,), category=RuntimeWarning,
                      stacklevel=2, source=coro)

    if sys.version_info >= (3, 12):  # eager tasks exist
        create_task = create_task_eager_aware
    for name, function, original in (
        ("create_task", create_task, original_create_task),
        ("run_forever", run_forever, original_run_forever),
        ("close", close, original_close),
        ("call_exception_handler", call_exception_handler, original_call_exception_handler),
        ("run_in_executor", run_in_executor, original_run_in_executor),
    ):
        function.__wrapped__ = original
        function.__qualname__ = original.__qualname__
        function.__doc__ = original.__doc__
        setattr(base, name, function)
    asyncio.runners._cancel_all_tasks = cancel_all_tasks
    warnings._warn_unawaited_coroutine = warn_unawaited_coroutine
    resource_hooks.install(monitor.resources)
    enable_origin_tracking()
