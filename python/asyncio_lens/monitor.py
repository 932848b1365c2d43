"""Per-process observation state: loops, tasks (creator, creation site), snapshots, findings and client commands.

Threads: snapshot collection and commands that touch tasks run on the loop's own thread (call_soon); the watchdog
thread only reads a few attributes and the loop thread's stack; findings may be raised from finalizers anywhere."""

import asyncio
import collections
import itertools
import os
import sys
import threading
import time
import weakref

from asyncio_lens.frames import (
    _internal_cache,
    coroutine_frames,
    exception_summary,
    frame_dict,
    frame_info,
    is_internal,
    is_library,
    origin_stack,
    outer_stack,
    safe_repr,
    traceback_location,
)
from asyncio_lens.resources import Resources

STACK_LIMIT = 64
HISTORY = 200
DELTA_MIN_TASKS = 1000
FULL_EVERY = 10
SLICE_SECONDS = 0.008  # collection yields to the loop after this much work
SLICE_CHECK = 64  # tasks between clock reads
HOOK_DONE_LIMIT = 500  # above this many creations per interval, short-lived tasks skip the done callback
HEARTBEAT = 0.01
BACKLOG_LIMIT = 20  # snapshots are skipped while this many messages wait to be sent

_all_tasks = asyncio.all_tasks
_current_task = asyncio.current_task
_time = time.time


def _wall_ms():
    return _time() * 1000.0

_Task = asyncio.Task
_SLEEP_CODE = asyncio.tasks.sleep.__code__
_WAIT_CODE = asyncio.tasks._wait.__code__
_WAIT_FOR_CODE = asyncio.tasks.wait_for.__code__
_TASKGROUP_EXIT_CODE = None
if sys.version_info >= (3, 11):
    _TASKGROUP_EXIT_CODE = asyncio.taskgroups.TaskGroup.__aexit__.__code__


# Per-task record in Monitor.tasks, keyed by id(task): a plain tuple (cheapest to build, and untracked by the garbage
# collector) of (lens id, creator's lens id, creation site, created at (ms), creation stack, has done callback,
# loop's lens id). It holds no reference to the task: the entry is overwritten when a new task reuses the address
# and pruned once the task has left all_tasks().


class TaskView:
    """What the last snapshot said about a live task, to skip re-walking tasks that have not moved."""

    __slots__ = ("waiter_ref", "name", "entry")

    def __init__(self):
        self.waiter_ref = None
        self.name = None
        self.entry = None


class LoopState:
    def __init__(self, lens_id, loop):
        self.id = lens_id
        self.ref = weakref.ref(loop)
        self.class_name = type(loop).__name__
        self.thread_id = 0
        self.thread_name = ""
        self.running = False
        self.heartbeat_handle = None
        self.snapshot_handle = None
        self.next_beat = 0.0
        self.lag = 0.0
        self.max_lag = 0.0
        self.new_addresses = []
        self.prune_next = ()
        self.live_addresses = set()
        self.views = {}
        self.finished = collections.deque(maxlen=HISTORY)
        self.finished_new = collections.deque(maxlen=HISTORY)
        self.last_seq = None
        self.since_full = 0
        self.created_since_snapshot = 0
        self.collecting = False
        self.force_full = False
        # Watchdog state, shared with the loop thread under `lock`.
        self.lock = threading.Lock()
        self.stall_key = None
        self.stall_since = 0.0
        self.blocked = None

    def info(self):
        return {
            "id": self.id,
            "thread": self.thread_name,
            "threadId": self.thread_id,
            "className": self.class_name,
            "running": self.running,
            "lagMs": round(self.lag * 1000.0, 3),
            "maxLagMs": round(self.max_lag * 1000.0, 3),
        }


def _program_frame(stack):
    """Innermost frame in the program's own code (where it waits from the program's point of view), else the
    innermost frame."""
    for info in reversed(stack):
        if not is_library(info[0]):
            return frame_dict(info)
    return frame_dict(stack[-1]) if stack else None


def _task_dict(entry, now_ms):
    (lens_id, name, state, loop_id, coro, stack, awaiting, kind, resource, detail, parent, site, created_at,
     creation_stack) = entry
    info = {
        "id": lens_id,
        "name": name,
        "state": state,
        "loop": loop_id,
        "coro": coro,
        "location": _program_frame(stack),
        "stack": [frame_dict(f) for f in stack],
        "awaiting": list(awaiting),
        "awaitingKind": kind,
        "awaitingResource": resource,
        "awaitingDetail": detail,
        "parent": parent,
        "created": frame_dict(site) if site else None,
        "createdAt": created_at,
        "age": round(max(0.0, now_ms - created_at) / 1000.0, 3),
    }
    if creation_stack is not None:
        info["createdStack"] = [frame_dict(f) for f in creation_stack]
    return info


def _finished_dict(finished):
    entry, state, finished_at, result, exception, cancelled_by = finished
    info = _task_dict(entry, finished_at)
    info.update(state=state, finishedAt=finished_at, result=result, exception=exception, cancelledBy=cancelled_by)
    return info


class SnapshotPayload:
    """Raw snapshot data from the loop thread; turned into dicts on the sender thread."""

    __slots__ = ("header", "entries", "finished")

    def __init__(self, header, entries, finished):
        self.header = header
        self.entries = entries
        self.finished = finished

    def materialize(self):
        message = dict(self.header)
        now = message["time"]
        message["tasks"] = [_task_dict(entry, now) for entry in self.entries]
        message["finished"] = [_finished_dict(item) for item in self.finished]
        return message

    def encode(self, encode_items):
        """The JSON line, built chunk by chunk: the task dicts of one chunk die young instead of piling up in the
        garbage collector's older generations (a full collection over 50,000 snapshots dicts stalls every thread)."""
        now = self.header["time"]
        return encode_items(self.header, (
            ("tasks", self.entries, lambda entry: _task_dict(entry, now)),
            ("finished", self.finished, _finished_dict),
        ))


class Monitor:
    def __init__(self, channel, interval=0.5, block_threshold=0.1, creation_stack=False):
        self.channel = channel
        self.interval = interval
        self.block_threshold = block_threshold
        self.creation_stack = creation_stack
        self.paused = False
        self.tasks = {}  # id(task) -> TaskRecord
        self.loops = {}  # id(loop) -> LoopState
        self.loops_by_id = {}  # lens loop id -> LoopState
        self.task_ids = itertools.count(1)
        self.loop_ids = itertools.count(1)
        self.finding_ids = itertools.count(1)
        self.snapshot_seq = itertools.count(1)
        self.findings_sent = 0
        self.cancelled_by = {}  # lens id -> 'client' | 'shutdown'
        self.resources = Resources()

    # -- loops -------------------------------------------------------------------------------------------------

    def loop_state(self, loop):
        state = self.loops.get(id(loop))
        if state is None or state.ref() is not loop:
            state = LoopState(next(self.loop_ids), loop)
            self.loops[id(loop)] = state
            self.loops_by_id[state.id] = state
        return state

    def loop_started(self, loop):
        state = self.loop_state(loop)
        thread = threading.current_thread()
        state.thread_id = threading.get_ident()
        state.thread_name = thread.name
        state.running = True
        state.lag = state.max_lag = 0.0
        with state.lock:
            state.next_beat = time.monotonic() + HEARTBEAT
            state.stall_key = None
            state.blocked = None
        state.heartbeat_handle = loop.call_later(HEARTBEAT, self._beat, state)
        state.snapshot_handle = loop.call_later(self.interval, self._tick, state)
        self.channel.emit({"type": "loop", "event": "started", "time": _wall_ms(), "loop": state.info()})

    def loop_stopped(self, loop):
        state = self.loops.get(id(loop))
        if state is None or not state.running:
            return
        state.running = False
        for handle in (state.heartbeat_handle, state.snapshot_handle):
            if handle is not None:
                handle.cancel()
        state.heartbeat_handle = state.snapshot_handle = None
        self._end_block(state, time.monotonic())
        self.channel.emit({"type": "loop", "event": "stopped", "time": _wall_ms(), "loop": state.info()})

    def loop_closed(self, loop):
        state = self.loops.get(id(loop))
        if state is not None and state.ref() is loop and state.finished_new:
            self.snapshot_now(state, loop)  # the final states of tasks that finished since the last snapshot
        state = self.loops.pop(id(loop), None)
        if state is not None:
            self.loops_by_id.pop(state.id, None)
            self.channel.emit({"type": "loop", "event": "closed", "time": _wall_ms(), "loop": state.info()})

    def running_loops(self):
        found = []
        for state in list(self.loops.values()):
            loop = state.ref()
            if loop is not None and state.running:
                found.append((state, loop))
        return found

    def _beat(self, state):
        now = time.monotonic()
        lag = max(0.0, now - state.next_beat)
        state.lag = lag
        if lag > state.max_lag:
            state.max_lag = lag
        self._end_block(state, now)
        loop = state.ref()
        if loop is not None and state.running:
            with state.lock:
                state.next_beat = now + HEARTBEAT
                state.stall_key = None
            state.heartbeat_handle = loop.call_later(HEARTBEAT, self._beat, state)

    def _end_block(self, state, now):
        with state.lock:
            finding, state.blocked = state.blocked, None
            state.stall_key = None
        if finding is not None:
            duration = max(finding["duration"], (now - state.stall_since) * 1000.0)
            final = dict(finding, ongoing=False, duration=round(duration, 1), time=_wall_ms())
            final["message"] = "event loop blocked for %.0f ms%s" % (duration, finding["_where"])
            self._send_finding(final)

    # -- tasks -------------------------------------------------------------------------------------------------

    def task_created(self, loop, task, parent, frame, parent_record=None, provisional=None):
        """Called by the create_task hook right after the task exists (an eager task may already be done).
        `parent_record`: the creator is an eager task still inside its own create_task; `provisional`: the record
        this task already received while it ran eagerly."""
        state = self.loops.get(id(loop))
        if state is None or state.ref() is not loop:
            state = self.loop_state(loop)
        # Hot path (once per task): the walk of first_outside_asyncio, inlined.
        internal = _internal_cache
        site = None
        while frame is not None:
            code = frame.f_code
            hit = internal.get(code.co_filename)
            if hit is None:
                hit = is_internal(code.co_filename)
            if not hit:
                site = (code.co_filename, frame.f_lineno, code.co_name)
                break
            frame = frame.f_back
        stack = outer_stack(frame) if self.creation_stack and frame is not None else None
        parent_id = None
        if parent_record is not None:
            parent_id = parent_record[0]
        elif parent is not None:
            known = self.tasks.get(id(parent))
            parent_id = known[0] if known is not None else self.task_id(parent)
        hooked = state.created_since_snapshot < HOOK_DONE_LIMIT
        state.created_since_snapshot += 1
        address = id(task)
        lens_id = provisional[0] if provisional is not None else next(self.task_ids)
        self.tasks[address] = (lens_id, parent_id, site, _time() * 1000.0, stack, hooked, state.id)
        state.new_addresses.append(address)
        if hooked:
            task.add_done_callback(self._task_done)

    def task_id(self, task):
        """Lens id of a task, registering tasks created without create_task (e.g. asyncio.Task(...)) on sight."""
        record = self.tasks.get(id(task))
        if record is None:
            record = self.adopt(task)
        return record[0]

    def adopt(self, task):
        """A fresh record for a task not (yet) seen by the create_task hook: created with asyncio.Task(...), or an
        eager task creating tasks before its own create_task returned (any record at its address is stale)."""
        try:
            state = self.loop_state(task.get_loop())
        except Exception:
            state = None
        record = (next(self.task_ids), None, None, _wall_ms(), None, False, state.id if state else 0)
        self.tasks[id(task)] = record
        if state is not None:
            state.new_addresses.append(id(task))
        return record

    def _task_done(self, task):
        record = self.tasks.get(id(task))
        if record is None:
            return
        state = self.loops_by_id.get(record[6])
        if state is None:
            return
        lens_id = record[0]
        view = state.views.get(lens_id)
        last = view.entry if view is not None and view.entry is not None else None
        entry = self._finished_entry(task, record, last)
        state.finished.append(entry)
        state.finished_new.append(entry)

    def _finished_entry(self, task, record, last):
        lens_id = record[0]
        now = _wall_ms()
        result = exception = None
        if task.cancelled():
            state = "cancelled"
        else:
            error = task._exception  # reading it does not mark it retrieved, unlike task.exception()
            if error is not None:
                state, exception = "failed", exception_summary(error)
            else:
                state, result = "done", safe_repr(task._result)
        coro = task.get_coro()
        entry = (
            lens_id, task.get_name(), state, record[6], getattr(coro, "__qualname__", type(coro).__name__),
            last[5] if last is not None else [], (), None, None, None, record[1], record[2], record[3], record[4],
        )
        return (entry, state, now, result, exception, self.cancelled_by.pop(lens_id, None))

    def _describe(self, task, record, state_name, loop_id, by_future, limit):
        coro = task.get_coro()
        frames, _leaf = coroutine_frames(coro, limit)
        stack = [(f.f_code.co_filename, f.f_lineno, f.f_code.co_name) for f in frames]
        awaiting, kind, resource, detail = self._classify_wait(task, frames, by_future)
        return (
            record[0], task.get_name(), state_name, loop_id, getattr(coro, "__qualname__", type(coro).__name__),
            stack, awaiting, kind, resource, detail, record[1], record[2], record[3], record[4],
        )

    def _ids_of(self, futures):
        return tuple(self.task_id(f) for f in futures if isinstance(f, _Task))

    def _classify_wait(self, task, frames, by_future):
        waiter = task._fut_waiter
        if waiter is None:
            return (), None, None, None
        if isinstance(waiter, _Task):
            kind = "task"
            for frame in frames:
                if frame.f_code is _WAIT_FOR_CODE:
                    kind = "wait_for"
            return (self.task_id(waiter),), kind, None, "task %s" % waiter.get_name()
        children = getattr(waiter, "_children", None)
        if children is not None:
            return self._ids_of(children), "gather", None, "gather of %d" % len(children)
        resource = by_future.get(id(waiter))
        if resource is not None:
            kind = "executor" if resource.kind == "executor" else "resource"
            return (), kind, resource.id, "%s %s" % (resource.kind, resource.name)
        for frame in reversed(frames):
            code = frame.f_code
            if code is _TASKGROUP_EXIT_CODE:
                group = frame.f_locals.get("self")
                members = getattr(group, "_tasks", ())
                return self._ids_of(list(members)), "taskgroup", None, "TaskGroup of %d" % len(members)
            if code is _WAIT_FOR_CODE:
                inner = frame.f_locals.get("fut")
                return self._ids_of([inner]), "wait_for", None, "wait_for"
            if code is _WAIT_CODE:
                pending = frame.f_locals.get("fs") or ()
                return self._ids_of(list(pending)), "wait", None, "wait for %d" % len(pending)
            if code is _SLEEP_CODE:
                return (), "sleep", None, "sleep"
        for callback in getattr(waiter, "_callbacks", None) or ():
            function = callback[0] if isinstance(callback, tuple) else callback
            if getattr(function, "__name__", "") == "_outer_done_callback" and function.__closure__:
                inner = [cell.cell_contents for cell in function.__closure__
                         if isinstance(getattr(cell, "cell_contents", None), _Task)]
                return self._ids_of(inner), "shield", None, "shield"
        return (), "future", None, "future"

    # -- snapshots ---------------------------------------------------------------------------------------------

    def _tick(self, state):
        loop = state.ref()
        if loop is None or not state.running:
            return
        state.snapshot_handle = loop.call_later(self.interval, self._tick, state)
        if self.paused:
            return
        if self.channel.backlog() > BACKLOG_LIMIT:
            state.force_full = True  # the client missed deltas' bases: resync with a full one later
            return
        self.start_snapshot(state, loop, False)

    def reschedule(self, state):
        loop = state.ref()
        if loop is None or not state.running:
            return
        if state.snapshot_handle is not None:
            state.snapshot_handle.cancel()
        state.snapshot_handle = loop.call_later(self.interval, self._tick, state)

    def start_snapshot(self, state, loop, force_full):
        """Collects in slices of about SLICE_SECONDS, each in its own loop callback, so big loops never stall
        long."""
        if state.collecting:
            return
        state.collecting = True
        steps = self._collect(state, loop, force_full)

        def step():
            try:
                next(steps)
            except StopIteration:
                state.collecting = False
                return
            except Exception as error:
                state.collecting = False
                self._internal_error("snapshot", error)
                return
            loop.call_soon(step)

        step()

    def snapshot_now(self, state, loop, force_full=True):
        """Synchronous collection (the loop is not running, e.g. at shutdown)."""
        if state.collecting:
            return
        state.collecting = True
        try:
            for _ in self._collect(state, loop, force_full):
                pass
        except Exception as error:
            self._internal_error("snapshot", error)
        finally:
            state.collecting = False

    def _collect(self, state, loop, force_full):
        started = time.perf_counter()
        busy = 0.0
        tasks = list(_all_tasks(loop))
        current = _current_task(loop)
        live_resources = self.resources.live()
        by_future = self.resources.index(live_resources)
        full = (force_full or state.force_full or state.last_seq is None or len(tasks) <= DELTA_MIN_TASKS
                or state.since_full + 1 >= FULL_EVERY)
        old_views = state.views
        views = {}
        changed = []
        owner_of_future = {}
        live_addresses = set()
        records = self.tasks
        loop_id = state.id
        slice_end = started + SLICE_SECONDS
        for index, task in enumerate(tasks):
            if not index % SLICE_CHECK and time.perf_counter() > slice_end:
                busy += time.perf_counter() - started
                yield
                started = time.perf_counter()
                slice_end = started + SLICE_SECONDS
            address = id(task)
            live_addresses.add(address)
            record = records.get(address)
            if record is None:
                record = self.adopt(task)
            lens_id = record[0]
            view = old_views.get(lens_id)
            if view is None:
                view = TaskView()
                if not record[5]:
                    task.add_done_callback(self._task_done)
            views[lens_id] = view
            waiter = task._fut_waiter
            if waiter is not None:
                owner_of_future[id(waiter)] = lens_id
            name = task.get_name()
            state_name = "running" if task is current else "pending"
            if (waiter is not None and view.waiter_ref is not None and view.waiter_ref() is waiter
                    and view.name == name and view.entry[2] == state_name):
                if full:
                    changed.append(view.entry)
                continue
            entry = self._describe(task, record, state_name, loop_id, by_future, STACK_LIMIT)
            view.waiter_ref = weakref.ref(waiter) if waiter is not None else None
            view.name = name
            if full or entry != view.entry:
                changed.append(entry)
            view.entry = entry
        removed = [lens_id for lens_id in old_views if lens_id not in views] if not full else []
        resources, omitted = self.resources.describe(live_resources, owner_of_future)
        # Registry entries of tasks gone since the previous snapshot (one snapshot of grace lets pending
        # done callbacks still find them).
        for address in state.prune_next:
            if address not in live_addresses:
                records.pop(address, None)
        state.prune_next = [a for a in state.new_addresses if a not in live_addresses] + [
            a for a in state.live_addresses if a not in live_addresses]
        state.live_addresses = live_addresses
        state.new_addresses = []
        state.created_since_snapshot = 0
        state.views = views
        finished = list(state.finished) if full else list(state.finished_new)
        state.finished_new.clear()
        seq = next(self.snapshot_seq)
        busy += time.perf_counter() - started
        header = {
            "type": "snapshot",
            "seq": seq,
            "time": _wall_ms(),
            "full": full,
            "base": None if full else state.last_seq,
            "loop": state.info(),
            "currentTask": records[id(current)][0] if current is not None and id(current) in records else None,
            "taskCount": len(views),
            "removed": removed,
            "resources": resources,
            "resourcesOmitted": omitted,
            "collectMs": round(busy * 1000.0, 3),
        }
        state.max_lag = 0.0
        state.last_seq = seq
        state.since_full = 0 if full else state.since_full + 1
        if full:
            state.force_full = False
        self.channel.emit(SnapshotPayload(header, changed, finished))

    def describe_task_fully(self, task):
        record = self.tasks.get(id(task)) or self.adopt(task)
        loop = task.get_loop()
        current = _current_task(loop)
        live_resources = self.resources.live()
        entry = self._describe(task, record, "running" if task is current else "pending", record[6],
                               self.resources.index(live_resources), 10_000)
        return _task_dict(entry, _wall_ms())

    # -- findings ----------------------------------------------------------------------------------------------

    def _send_finding(self, finding):
        message = {key: value for key, value in finding.items() if not key.startswith("_")}
        self.findings_sent += 1
        self.channel.emit(message)

    def finding(self, kind, message, location, loop_id=None, task_id=None, task_name=None, **extra):
        finding = {
            "type": "finding",
            "id": next(self.finding_ids),
            "kind": kind,
            "message": message,
            "location": location,
            "time": _wall_ms(),
            "loop": loop_id,
            "taskId": task_id,
            "taskName": task_name,
        }
        finding.update(extra)
        self._send_finding(finding)
        return finding

    def report_block(self, state, frame, now):
        """Watchdog thread: the loop has been stuck in one callback past the threshold; `frame` is its stack now."""
        stack = outer_stack(frame, 200)
        trimmed = [f for f in stack if not _is_machinery(f[0])] or stack
        location = None
        for info in reversed(trimmed):
            if not is_library(info[0]):
                location = info
                break
        location = location or (trimmed[-1] if trimmed else None)
        where = " in %s (%s:%d)" % (location[2], os.path.basename(location[0]), location[1]) if location else ""
        loop = state.ref()
        task = _current_task(loop) if loop is not None else None
        record = self.tasks.get(id(task)) if task is not None else None
        duration = (now - state.stall_since) * 1000.0
        finding = {
            "type": "finding",
            "id": next(self.finding_ids),
            "kind": "blocked-loop",
            "message": "event loop blocked for %.0f ms so far%s" % (duration, where),
            "location": frame_dict(location) if location else None,
            "time": _wall_ms(),
            "loop": state.id,
            "taskId": record[0] if record is not None else None,
            "taskName": task.get_name() if task is not None else None,
            "duration": round(duration, 1),
            "ongoing": True,
            "stack": [frame_dict(f) for f in trimmed[-STACK_LIMIT:]],
            "_where": where,
        }
        state.blocked = finding
        self._send_finding(finding)

    def never_awaited(self, coro):
        origin = getattr(coro, "cr_origin", None)
        stack, site = origin_stack(origin)
        name = getattr(coro, "__qualname__", "?")
        self.finding(
            "never-awaited",
            "coroutine '%s' was never awaited" % name,
            frame_dict(site) if site else None,
            coro=name,
            stack=[frame_dict(f) for f in stack],
            created=frame_dict(site) if site else None,
        )

    def exception_context(self, loop, context):
        message = context.get("message") or ""
        if message.startswith("Task was destroyed but it is pending"):
            task = context.get("task")
            if isinstance(task, _Task):
                self._task_finding("destroyed-pending", loop, task, "task '%s' (%s) was destroyed while pending")
        elif "exception was never retrieved" in message:
            future = context.get("future")
            error = context.get("exception")
            is_task = isinstance(future, _Task)
            record = self.tasks.get(id(future)) if is_task else None
            site = record[2] if record is not None else (self._origin_site(future) if is_task else None)
            location = _program_location(error) or site
            name = future.get_name() if is_task else None
            self.finding(
                "exception-never-retrieved",
                "%s raised %s: %s and nobody retrieved it" % (
                    "task '%s'" % name if is_task else "a future", type(error).__name__, _short(error)),
                frame_dict(location) if location else None,
                loop_id=self.loops[id(loop)].id if id(loop) in self.loops else None,
                task_id=record[0] if record is not None else None,
                task_name=name,
                exception=exception_summary(error),
                created=frame_dict(site) if site else None,
            )

    def _origin_site(self, task):
        _stack, site = origin_stack(getattr(task.get_coro(), "cr_origin", None))
        return site

    def _task_finding(self, kind, loop, task, template, **extra):
        record = self.tasks.get(id(task))
        site = record[2] if record is not None else self._origin_site(task)
        coro = task.get_coro()
        frames, _leaf = coroutine_frames(coro, STACK_LIMIT)
        stack = [frame_info(f) for f in frames]
        location = site or (stack[-1] if stack else None)
        coro_name = getattr(coro, "__qualname__", type(coro).__name__)
        state = self.loops.get(id(loop))
        text = template % (task.get_name(), coro_name)
        if site:
            text += " (created at %s:%d)" % (os.path.basename(site[0]), site[1])
        return self.finding(
            kind, text, frame_dict(location) if location else None,
            loop_id=state.id if state is not None else None,
            task_id=record[0] if record is not None else None,
            task_name=task.get_name(),
            created=frame_dict(site) if site else None,
            coro=coro_name,
            stack=[frame_dict(f) for f in stack],
            **extra
        )

    def cancelling_leftovers(self, loop):
        """asyncio.run / Runner.close is about to cancel what the main coroutine left pending."""
        pending = [task for task in _all_tasks(loop) if not task.done()]
        if not pending:
            return
        state = self.loop_state(loop)
        self.snapshot_now(state, loop)
        for task in pending:
            self._task_finding("pending-at-exit", loop, task,
                               "task '%s' (%s) was still pending when the main coroutine finished; asyncio cancelled it")
            self.cancelled_by[self.task_id(task)] = "shutdown"

    def _internal_error(self, what, error):
        from asyncio_lens.transport import warn

        warn("internal error in %s: %r" % (what, error))

    # -- client commands (called on the reader thread) ---------------------------------------------------------

    def _reply(self, command, ok, error=None, **extra):
        message = {"type": "reply", "requestId": command["requestId"], "command": command["type"], "ok": ok}
        if error is not None:
            message["error"] = error
        message.update(extra)
        self.channel.emit(message)

    def handle_command(self, command):
        kind = command["type"]
        if kind == "pause":
            self.paused = True
            self._reply(command, True)
        elif kind == "resume":
            self.paused = False
            self._reply(command, True)
        elif kind == "set-interval":
            self.interval = command["intervalMs"] / 1000.0
            for state, loop in self.running_loops():
                loop.call_soon_threadsafe(self.reschedule, state)
            self._reply(command, True)
        elif kind == "request-snapshot":
            self._reply(command, True)
            for state, loop in self.running_loops():
                loop.call_soon_threadsafe(self.start_snapshot, state, loop, True)
        else:
            self._on_task_loop(command)

    def _on_task_loop(self, command):
        """cancel-task / get-task-stack run on the loop thread that owns the task."""
        target = command["taskId"]
        loops = self.running_loops()
        owners = [(state, loop) for state, loop in loops if target in state.views] or loops
        if not owners:
            self._reply(command, False, "no event loop is running")
            return
        if len(owners) > 1:
            self._reply(command, False, "no live task with id %d" % target)
            return
        state, loop = owners[0]
        loop.call_soon_threadsafe(self._act_on_task, command, loop)

    def _act_on_task(self, command, loop):
        target = command["taskId"]
        task = None
        for candidate in _all_tasks(loop):
            if self.task_id(candidate) == target:
                task = candidate
                break
        if task is None:
            self._reply(command, False, "no live task with id %d" % target)
            return
        if command["type"] == "get-task-stack":
            self._reply(command, True, task=self.describe_task_fully(task))
            return
        message = command.get("message")
        self.cancelled_by[target] = "client"
        cancelled = task.cancel(message) if message is not None and sys.version_info >= (3, 9) else task.cancel()
        if cancelled:
            self._reply(command, True)
        else:
            self.cancelled_by.pop(target, None)
            self._reply(command, False, "task %d could not be cancelled" % target)


_MACHINERY_SUFFIXES = (os.sep + "threading.py",)


def _is_machinery(filename):
    """Frames below the program's code on the loop thread's stack: the adapter's launcher, runpy, threading."""
    from asyncio_lens.frames import is_internal

    return is_internal(filename) or filename.endswith(_MACHINERY_SUFFIXES)


def _program_location(error):
    """Innermost traceback frame in the program's own code, else the innermost one."""
    tb = getattr(error, "__traceback__", None)
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if not is_library(code.co_filename):
            found = (code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
    return found or traceback_location(error)


def _short(error, limit=200):
    try:
        text = str(error)
    except Exception:
        text = "<unprintable>"
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
