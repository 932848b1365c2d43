"""Patches that let the monitor observe every event loop without the program's cooperation.

Methods are patched on BaseEventLoop (every stdlib loop, any thread, however it was created) rather than by setting
a task factory, so that a factory the program installs (or 3.12's eager_task_factory) keeps working unchanged and
loop.get_task_factory() still returns the program's own."""

import asyncio
import asyncio.base_events
import asyncio.runners
import sys
import time
import types
import warnings

from asyncio_lens import frames
from asyncio_lens import resources as resource_hooks
from asyncio_lens.monitor import ORIGIN_DEPTH, R_ID
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


def _caller_frame():
    """The frame that called our caller, or None (a finalizer can run with no Python frame, e.g. at exit)."""
    try:
        return sys._getframe(2)
    except ValueError:
        return None


def _current_task_function():
    """asyncio.current_task is a Python function before 3.12 (a frame per call); the dict it reads is C's."""
    current = asyncio.current_task
    tasks_by_loop = getattr(asyncio.tasks, "_current_tasks", None)
    if not isinstance(current, types.BuiltinFunctionType) and isinstance(tasks_by_loop, dict):
        return tasks_by_loop.get
    return current


def install(monitor):
    base = asyncio.base_events.BaseEventLoop
    getframe = sys._getframe
    current_task = _current_task_function()
    get_running_loop = asyncio.events.get_running_loop
    now = time.time
    internal = frames._internal_cache
    is_internal = frames.is_internal
    loop_state = monitor.loop_state
    task_id = monitor.task_id
    new_task_id = monitor.new_task_id
    start_run = monitor.start_run
    creation_stack = monitor.creation_stack
    on_done = monitor.on_task_done
    # 3.12+: a task factory (eager_task_factory) may run the new task's first step inside create_task.
    factory_may_run_tasks = sys.version_info >= (3, 12)

    original_create_task = base.create_task
    tasks_module = asyncio.tasks  # Task read at each call, as base_events does: a program may replace it
    original_module_create_task = asyncio.tasks.create_task

    last_site_code = None  # code object of the last creation site found (never asyncio's or the adapter's)

    def create_and_record(loop, coro, kwargs):
        """The hot path, once per task, called by both hooks below: the first frame outside asyncio is two
        levels up for asyncio.create_task(), at least two for loop.create_task(). (One function for both costs a
        frame; it is still cheaper than walking past a frame of ours.)"""
        nonlocal last_site_code
        parent = current_task(loop)
        call = None
        factory = loop._task_factory
        if factory is None and not kwargs:
            # BaseEventLoop.create_task's default path (the same on 3.8-3.13), inline: two Python calls fewer per
            # task (it and _check_closed), which offsets part of the hook's own cost.
            if loop._closed:
                loop._check_closed()
            task = tasks_module.Task(coro, loop=loop)
            if task._source_traceback:  # debug mode: drop this frame, as create_task drops its own
                del task._source_traceback[-1]
        elif factory_may_run_tasks and factory is not None:
            # `call`: [creator, record given to this task by tasks it created while running eagerly, or None].
            call = [parent, None]
            constructing = loop_state(loop).constructing
            constructing.append(call)
            try:
                task = original_create_task(loop, coro, **kwargs)
            finally:
                constructing.pop()
        else:
            task = original_create_task(loop, coro, **kwargs) if kwargs else original_create_task(loop, coro)
        try:
            try:
                state = loop._asyncio_lens_state  # set by Monitor.loop_state
            except AttributeError:
                state = loop_state(loop)
            try:
                frame = getframe(2)
            except ValueError:  # called from C with no Python code above
                frame = None
            code = None
            while frame is not None:  # the first frame outside asyncio and the adapter
                code = frame.f_code
                if code is last_site_code:  # tasks come in bursts from one place: no file name check
                    break
                hit = internal.get(code.co_filename)
                if hit is None:
                    hit = is_internal(code.co_filename)
                if not hit:
                    last_site_code = code
                    break
                frame = frame.f_back
            # The common case: one address appended to the open run (see monitor.Run). A run is open only while
            # this interval's done callbacks are spent and no creation stack is asked for: no other test needed.
            run = state.open_run
            if code is run[0] and parent is run[1] and frame.f_lasti == run[2] and call is None:
                run[3](id(task))
                return task
            if state.done_budget <= 0 and call is None and frame is not None and not creation_stack:
                start_run(state, parent, code, frame.f_lasti, id(task))
                return task
            # A record of its own: a done callback now (the first tasks of each interval, so that short-lived
            # ones reach the finished history), an eager task, a creation stack, or no site outside asyncio.
            if parent is None:
                parent_id = None
            elif factory_may_run_tasks and state.constructing and parent is not state.constructing[-1][0]:
                # The creator is an eager task still inside its own create_task: it has no record yet (or a
                # stale one at its address), so it gets the record its create_task call will then use.
                outer = state.constructing[-1]
                if outer[1] is None:
                    outer[1] = monitor.adopt(parent)
                parent_id = outer[1][R_ID]
            else:
                parent_id = task_id(parent)
            hooked = state.done_budget > 0
            if hooked:
                state.done_budget -= 1
                task.add_done_callback(on_done, context=state.done_context)
            lens_id = call[1][R_ID] if call is not None and call[1] is not None else new_task_id()
            if frame is None:  # only asyncio's and the adapter's frames (asyncio.run's main task)
                state.put_record(id(task), (lens_id, parent_id, None, None, now(), None, hooked))
            else:  # a flat tuple: see monitor.R_ID
                state.put_record(id(task), (lens_id, parent_id, code, frame.f_lasti, now(),
                                            tuple(frames.outer_stack(frame)) if creation_stack else None, hooked))
        except Exception as error:
            _internal_error("create_task hook", error)
        return task

    def create_task(self, coro, **kwargs):  # BaseEventLoop.create_task
        return create_and_record(self, coro, kwargs)

    def module_create_task(coro, **kwargs):  # asyncio.create_task, without a frame of asyncio's in between
        loop = get_running_loop()
        if type(loop).create_task is not create_task:  # a loop class with a create_task of its own
            return original_module_create_task(coro, **kwargs)
        return create_and_record(loop, coro, kwargs)

    original_run_forever = base.run_forever

    def run_forever(self, *args, **kwargs):
        if self.is_running() or self.is_closed():
            return original_run_forever(self, *args, **kwargs)  # raises the usual RuntimeError
        _guarded("loop start", monitor.apply_origin_tracking)  # per thread: loops in other threads get it too
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
        _guarded("never-awaited hook", monitor.never_awaited, coro, _caller_frame())
        if sys.get_coroutine_origin_tracking_depth() not in (0, ORIGIN_DEPTH):
            return original_warn_unawaited(coro)  # the program asked for origins itself (e.g. debug mode)
        # The warning the program would print without the adapter: same text (the origin tracking is ours, so it
        # is left out) and the same location (stacklevel 2 is the frame that dropped the coroutine).
        warnings.warn("coroutine '%s' was never awaited" % (coro.__qualname__,), category=RuntimeWarning,
                      stacklevel=2, source=coro)

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
    module_create_task.__wrapped__ = original_module_create_task
    module_create_task.__qualname__ = original_module_create_task.__qualname__
    module_create_task.__doc__ = original_module_create_task.__doc__
    asyncio.tasks.create_task = asyncio.create_task = module_create_task
    asyncio.runners._cancel_all_tasks = cancel_all_tasks
    warnings._warn_unawaited_coroutine = warn_unawaited_coroutine
    resource_hooks.install(monitor.resources)
    monitor.apply_origin_tracking()
