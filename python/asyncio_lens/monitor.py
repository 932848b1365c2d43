"""Per-process observation state: loops, tasks (creator, creation site), snapshots, findings and client commands.

Threads: snapshot collection and commands that touch tasks run on the loop's own thread (call_soon); the watchdog
thread only reads a few attributes and the loop thread's stack; findings may be raised from finalizers anywhere."""

import asyncio
import bisect
import collections
import contextvars
import itertools
import os
import sys
import threading
import time
import weakref

from asyncio_lens.frames import (
    coroutine_frames,
    exception_summary,
    frame_dict,
    frame_info,
    is_library,
    line_at,
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
SLICE_SECONDS = 0.005  # collection yields to the loop after this much work
SLICE_CHECK = 64  # tasks between clock reads
# Tasks per interval given a done callback at creation (the others get one when a snapshot first sees them): more
# than the history holds would only be dropped from it (each callback costs about 5 us).
HOOK_DONE_LIMIT = HISTORY
NEVER = float("inf")  # a time that never comes: no heartbeat waiting to run, no snapshot scheduled
BACKLOG_LIMIT = 20  # snapshots are skipped while this many messages wait to be sent
MAX_DUTY = 0.05  # share of the loop thread's time that periodic snapshots may take
ORIGIN_DEPTH = 1  # the frame that called the coroutine function: the creation site; deeper costs per coroutine
NO_RUN = (object(), None, None, None)  # LoopState.open_run when no run is open: its code matches no frame's
LOOP_ATTRIBUTE = "_asyncio_lens_state"  # the loop's LoopState, on the loop object (read by hooks.create_task)

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



def _task_refs():
    """Weak references to the tasks of every loop, or None if this CPython keeps them differently.

    One C-level copy of the registry behind asyncio.all_tasks(); filtering it per loop is left to the caller, in
    slices (all_tasks() filters in one go, 20-40 ms for 50,000 tasks)."""
    registry = getattr(asyncio.tasks, "_scheduled_tasks" if sys.version_info >= (3, 12) else "_all_tasks", None)
    refs = getattr(registry, "data", None)
    if not isinstance(refs, set):
        return None
    for _ in range(1000):  # a copy races with a thread finishing tasks (as in all_tasks())
        try:
            return list(refs)
        except RuntimeError:
            continue
    return None


# Per-task record = (lens id, creator's lens id, creation site's code object and instruction offset (see
# frames.line_at), created at (time.time()), creation stack, has done callback): a flat tuple of values the garbage
# collector does not track (code objects included), so that it stops tracking the tuple at its first pass (a nested
# tuple can survive into older generations and make every collection slower). It holds no reference to the task.
#
# Most tasks are created in bursts: one creator, one line. The create_task hook appends such a task's address (an
# int) to the open Run of its loop and creates no record: a record costs a tuple, a dict insert and a clock read per
# task, which was most of the adapter's overhead on spawn-heavy programs. Before any lookup, LoopState.sync indexes
# the addresses added since the last sync in bulk (C-level: no Python step and no object per task but its id),
# giving them the next lens ids in creation order; a lookup then builds the record from the id and its run. Tasks
# that need more (a done callback at creation, an eager task, a creation stack) get a record of their own right
# away, after a sync, so that the order of creation decides which task an address belongs to now.
#
# LoopState.records maps id(task) -> lens id (indexed from a run; `chunks` finds the run) or record (created
# directly, or carried over by a snapshot). Records live in two generations (LoopState.records, where new ones go, and
# LoopState.previous_records): each snapshot starts a new generation, carries the records of the live tasks it sees
# into it, and drops the generation before, with the runs only it referred to. So pruning costs no Python-level step
# per finished task (a spawn-heavy program creates 100,000 tasks an interval).
R_ID, R_PARENT, R_CODE, R_OFFSET, R_CREATED_AT, R_CREATION_STACK, R_HOOKED = range(7)
#
# LoopState.views: id(task) -> entry (see Monitor._describe: the lens id first, then atomic values and tuples of
# them, which the garbage collector soon stops tracking) as of the last snapshot, and LoopState.waiters: id(task) ->
# weak reference to the future it awaited then, to skip re-walking tasks that have not moved: a task whose
# _fut_waiter is still the very same (pending) future has not run since; and as that future holds the task's
# wake-up callback, it is the same task, not a new one at a reused address. The weak reference is the one object
# per task that stays tracked (kept apart from the entry so that the entry does not stay tracked with it).


def _entry_record(entry):
    return entry[-1]


class Run:
    """Tasks created one after another by one creator at one line within one watchdog tick (see LoopState.runs)."""

    __slots__ = ("addresses", "parent_id", "code", "offset", "created_at")

    def __init__(self, address, parent_id, code, offset, created_at):
        self.addresses = [address]
        self.parent_id = parent_id
        self.code = code
        self.offset = offset
        self.created_at = created_at

    def record(self, lens_id):
        return (lens_id, self.parent_id, self.code, self.offset, self.created_at, None, False)


class Chunks:
    """Which run gave a lens id: the first id of each bulk of addresses indexed, ascending, and its run."""

    __slots__ = ("firsts", "runs")

    def __init__(self):
        self.firsts = []
        self.runs = []

    def add(self, first, run):
        self.firsts.append(first)
        self.runs.append(run)

    def record(self, lens_id):
        index = bisect.bisect_right(self.firsts, lens_id) - 1
        return self.runs[index].record(lens_id) if index >= 0 else None

    def extend(self, later):
        self.firsts += later.firsts
        self.runs += later.runs


def record_site(record):
    code = record[R_CODE]
    return (code.co_filename, line_at(code, record[R_OFFSET]), code.co_name) if code is not None else None


class LoopState:
    # Slots: the create_task hook reads a few of these once per task.
    __slots__ = (
        "id", "ref", "class_name", "thread_id", "thread_name", "running", "next_snapshot", "beat_posted",
        "lag", "max_lag", "records", "previous_records", "constructing", "done_budget", "views", "waiters",
        "finished", "finished_new", "last_seq", "since_full", "collect_cpu", "collecting", "collection", "origin_tracking_applied",
        "force_full", "lock", "stall_key", "stall_since", "blocked",
        "runs", "synced_runs", "synced_entries", "sync_lock", "syncing", "reserve_ids", "chunks", "previous_chunks",
        "open_run", "done_context",
    )

    def __init__(self, lens_id, loop, reserve_ids):
        self.id = lens_id
        self.ref = weakref.ref(loop)
        self.class_name = type(loop).__name__
        self.thread_id = 0
        self.thread_name = ""
        self.running = False
        # Heartbeats and periodic snapshots are posted by the watchdog thread (see watchdog.py), not loop timers.
        self.next_snapshot = NEVER  # time.monotonic() when the next periodic snapshot is due
        self.beat_posted = NEVER  # when the heartbeat the loop has not run yet was posted
        self.lag = 0.0
        self.max_lag = 0.0
        self.records = {}
        # Runs (see Run) in creation order, from the first one the previous generation refers to. The first
        # `synced_runs` runs and `synced_entries` addresses of the next are indexed in `records`. Only code run by
        # `_exclusively` reads or moves them.
        self.runs = []
        self.synced_runs = 0
        self.synced_entries = 0
        self.sync_lock = threading.RLock()
        self.syncing = False
        self.reserve_ids = reserve_ids  # Monitor.reserve_task_ids
        self.chunks = Chunks()  # for the lens ids in `records`
        self.previous_chunks = Chunks()  # for those in `previous_records`
        # The open run, (code, creator, offset, append to its addresses): the create_task hook appends to it while
        # creator, code and offset repeat. NO_RUN when there is none (the watchdog closes the run at every tick,
        # which bounds creation-time error and how long the run refers to its creator).
        self.close_run()
        self.constructing = []  # see hooks.create_task
        self.done_budget = HOOK_DONE_LIMIT
        # Our done callbacks run in an empty context of their own (no copy of the program's context per task), one
        # per loop: a thread cannot enter a Context another thread's loop has entered (the callback would fail).
        self.done_context = contextvars.Context()
        self.previous_records = {}
        self.views = {}
        self.waiters = {}
        self.finished = collections.deque(maxlen=HISTORY)
        self.finished_new = collections.deque(maxlen=HISTORY)
        self.last_seq = None
        self.since_full = 0
        self.collect_cpu = 0.0  # the loop thread's CPU seconds for the last snapshot
        self.collecting = False
        self.collection = None  # the generator of a sliced collection under way (see Monitor.start_snapshot)
        self.origin_tracking_applied = False
        self.force_full = False
        # Watchdog state, shared with the loop thread under `lock`.
        self.lock = threading.Lock()
        self.stall_key = None
        self.stall_since = 0.0
        self.blocked = None

    def close_run(self):
        """Any thread (the watchdog at each tick, the loop thread when the loop stops or an interval's done callbacks
        are reset): the next task starts a new run. A hook that already matched the open run still appends to it."""
        self.open_run = NO_RUN

    def open_run_for(self, run, parent):
        """Loop thread: tasks from `parent` at run.code/run.offset go to `run` from now on."""
        self.runs.append(run)
        self.open_run = (run.code, parent, run.offset, run.addresses.append)  # one store: the hook reads it at once

    def _exclusively(self, action):
        """Runs action() holding the index: other threads wait. Returns False without running it when this thread
        is inside already (a finalizer run by the garbage collector in the middle of it)."""
        with self.sync_lock:
            if self.syncing:
                return False
            self.syncing = True
            try:
                action()
            finally:
                self.syncing = False
        return True

    def sync(self):
        """Indexes the addresses added to runs since the last sync, in creation order. False when nested (see
        _exclusively): lookups then scan the runs."""
        return self._exclusively(self._sync_locked)

    def _sync_locked(self):
        runs = self.runs
        records = self.records
        chunks = self.chunks
        index = self.synced_runs
        done = self.synced_entries
        last = len(runs) - 1
        while index <= last:
            run = runs[index]
            addresses = run.addresses
            count = len(addresses)  # the open run keeps growing: the rest goes next time
            if done < count:
                first = self.reserve_ids(count - done)
                chunks.add(first, run)
                records.update(zip(itertools.islice(addresses, done, count), range(first, first + count - done)))
            if index == last:
                done = count
                break
            index += 1
            done = 0
        self.synced_runs = index
        self.synced_entries = done

    def record_at(self, address):
        if not self.sync():
            # Nested in a sync: the newest run holding the address (the task has no id yet), else the index.
            for run in reversed(self.runs):
                if address in run.addresses:
                    return run.record(None)
        return self.indexed_record(address)

    def indexed_record(self, address):
        """The record at `address` as indexed so far (see sync)."""
        found = self.records.get(address)
        chunks = self.chunks
        if found is None:
            found = self.previous_records.get(address)
            chunks = self.previous_chunks
        if found is None or type(found) is tuple:
            return found
        return chunks.record(found)

    def put_record(self, address, record):
        """A record created now: indexed after the runs before it, so that it is the latest at its address."""
        self.sync()
        self.records[address] = record

    def new_generation(self):
        """Loop thread, at a snapshot: records go to a fresh generation from now on. Returns the one before."""
        previous = []

        def swap():
            self._sync_locked()
            previous.append(self.records)
            self.previous_records, self.records = self.records, {}
            self.previous_chunks, self.chunks = self.chunks, Chunks()
            del self.runs[:self.synced_runs]  # indexed: found through previous_chunks (the last may be open)
            self.synced_runs = 0

        self._exclusively(swap)
        return previous[0]

    def restore_generation(self, previous):
        """After a failed collection: back to one generation, so that no live task's record is dropped."""

        def merge():
            previous.update(self.records)
            self.records = previous
            self.previous_chunks.extend(self.chunks)  # later ids
            self.chunks = self.previous_chunks

        self._exclusively(merge)

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
    lens_id, name, state, loop_id, coro, stack, awaiting, kind, resource, detail, record = entry
    site = record_site(record)
    created_at = record[R_CREATED_AT] * 1000.0
    creation_stack = record[R_CREATION_STACK]
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
        "parent": record[R_PARENT],
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


class _SliceBudget:
    """Time accounting of a collection that hands the loop back every SLICE_SECONDS: wall time per slice (what the
    loop waits), and the loop thread's CPU time overall (what it costs, whatever else the machine is doing)."""

    def __init__(self):
        self.busy = 0.0
        self.longest = 0.0
        self.cpu = 0.0
        self.started = time.perf_counter()
        self.cpu_started = time.thread_time()

    def over(self):
        return time.perf_counter() - self.started > SLICE_SECONDS

    def pause_accounting(self):
        spent = time.perf_counter() - self.started
        self.busy += spent
        self.longest = max(self.longest, spent)
        self.cpu += time.thread_time() - self.cpu_started

    def pause(self):
        """`yield from budget.pause()`: one yield to the loop, not counted as collection time."""
        self.pause_accounting()
        yield
        self.started = time.perf_counter()
        self.cpu_started = time.thread_time()


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
    def __init__(self, channel, interval=0.5, block_threshold=0.1, creation_stack=False, origin_tracking="auto"):
        """origin_tracking: "on", "off", or "auto": off (it costs on every coroutine call) until the first coroutine
        is found never awaited, so that the repeats of a bug carry their exact creation site."""
        self.channel = channel
        self.interval = interval
        self.block_threshold = block_threshold
        self.creation_stack = creation_stack
        self.origin_tracking = origin_tracking
        self.origin_tracking_started = origin_tracking == "on"
        self.paused = False
        self.on_task_done = self._task_done  # bound once: the create_task hook adds it to many tasks
        self.loops = {}  # id(loop) -> LoopState
        self.loops_by_id = {}  # lens loop id -> LoopState
        self.next_task_id = 1
        self.task_id_lock = threading.Lock()  # loops in several threads take ids
        self.loop_ids = itertools.count(1)
        self.finding_ids = itertools.count(1)
        self.snapshot_seq = itertools.count(1)
        self.findings_sent = 0
        self.cancelled_by = {}  # lens id -> 'client' | 'shutdown'
        self.resources = Resources()

    # -- loops -------------------------------------------------------------------------------------------------

    def loop_state(self, loop):
        state = getattr(loop, LOOP_ATTRIBUTE, None)
        if state is not None:
            return state
        state = self.loops.get(id(loop))
        if state is None or state.ref() is not loop:
            state = LoopState(next(self.loop_ids), loop, self.reserve_task_ids)
            self.loops[id(loop)] = state
            self.loops_by_id[state.id] = state
            try:
                setattr(loop, LOOP_ATTRIBUTE, state)  # found by the create_task hook without a lookup
            except (AttributeError, TypeError):  # a loop class without __dict__
                pass
        return state

    def apply_origin_tracking(self):
        """Per thread: origin tracking is a setting of the thread that creates the coroutines."""
        if self.origin_tracking_started and sys.get_coroutine_origin_tracking_depth() < ORIGIN_DEPTH:
            sys.set_coroutine_origin_tracking_depth(ORIGIN_DEPTH)

    def loop_started(self, loop):
        state = self.loop_state(loop)
        thread = threading.current_thread()
        state.thread_id = threading.get_ident()
        state.thread_name = thread.name
        state.running = True
        state.origin_tracking_applied = self.origin_tracking_started  # by the run_forever hook, on this thread
        state.lag = state.max_lag = 0.0
        with state.lock:
            state.beat_posted = NEVER
            state.stall_key = None
            state.blocked = None
        state.next_snapshot = time.monotonic() + self.interval
        self.channel.emit({"type": "loop", "event": "started", "time": _wall_ms(), "loop": state.info()})

    def loop_stopped(self, loop):
        state = self.loops.get(id(loop))
        if state is None or not state.running:
            return
        state.running = False
        state.close_run()
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

    def beat(self, state, posted):
        """Loop thread: the heartbeat the watchdog posted at `posted` runs; the loop's lag is how long it waited."""
        if posted != state.beat_posted:
            return  # posted before the loop stopped and was started again
        now = time.monotonic()
        lag = max(0.0, now - posted)
        state.lag = lag
        if lag > state.max_lag:
            state.max_lag = lag
        self._end_block(state, now)
        if self.origin_tracking_started and not state.origin_tracking_applied:
            state.origin_tracking_applied = True
            self.apply_origin_tracking()  # started by a never-awaited coroutine found on another thread
        with state.lock:
            state.beat_posted = NEVER
            state.stall_key = None

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

    # Tasks are recorded by hooks.create_task (the hot path, inlined there).

    def task_id(self, task):
        """Lens id of a task, registering tasks created without create_task (e.g. asyncio.Task(...)) on sight."""
        record = self.record_of(task)
        if record is None:
            record = self.adopt(task)
        return record[R_ID]

    def known_state(self, loop):
        """The loop's LoopState if it has one (any thread: it only reads)."""
        return getattr(loop, LOOP_ATTRIBUTE, None) or self.loops.get(id(loop))

    def record_of(self, task):
        state = self.known_state(task.get_loop())
        return state.record_at(id(task)) if state is not None else None

    def adopt(self, task):
        """A fresh record for a task not (yet) seen by the create_task hook: created with asyncio.Task(...), or an
        eager task creating tasks before its own create_task returned (any record at its address is stale)."""
        state = self.loop_state(task.get_loop())
        record = (self.new_task_id(), None, None, None, _time(), None, False)
        state.put_record(id(task), record)
        return record

    def reserve_task_ids(self, count):
        """The first of `count` new consecutive lens ids."""
        with self.task_id_lock:
            first = self.next_task_id
            self.next_task_id = first + count
        return first

    def new_task_id(self):
        return self.reserve_task_ids(1)

    def start_run(self, state, parent, code, offset, address):
        """create_task hook: the first of a run of tasks (see Run)."""
        parent_id = None if parent is None else self.task_id(parent)
        state.open_run_for(Run(address, parent_id, code, offset, _time()), parent)

    def _task_done(self, task):
        state = self.known_state(task.get_loop())
        record = state.record_at(id(task)) if state is not None else None
        if record is None:
            return
        seen = state.views.get(id(task))
        last = seen if seen is not None and seen[0] == record[R_ID] else None
        entry = self._finished_entry(task, record, state.id, last)
        state.finished.append(entry)
        state.finished_new.append(entry)

    def _finished_entry(self, task, record, loop_id, last):
        lens_id = record[R_ID]
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
            lens_id, task.get_name(), state, loop_id, getattr(coro, "__qualname__", type(coro).__name__),
            last[5] if last is not None else (), (), None, None, None, record,
        )
        return (entry, state, now, result, exception, self.cancelled_by.pop(lens_id, None))

    def _describe(self, task, record, state_name, loop_id, by_future, limit):
        coro = task.get_coro()
        frames, _leaf = coroutine_frames(coro, limit)
        stack = tuple([(f.f_code.co_filename, f.f_lineno, f.f_code.co_name) for f in frames])
        awaiting, kind, resource, detail = self._classify_wait(task, frames, by_future)
        return (
            record[R_ID], task.get_name(), state_name, loop_id, getattr(coro, "__qualname__", type(coro).__name__),
            stack, awaiting, kind, resource, detail, record,
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

    def tick(self, state):
        """Loop thread: a periodic snapshot is due (posted by the watchdog)."""
        loop = state.ref()
        if loop is None or not state.running:
            return
        # A loop so large that collecting it costs more than MAX_DUTY of the interval gets its snapshots spaced out.
        state.next_snapshot = time.monotonic() + max(self.interval, state.collect_cpu / MAX_DUTY)
        if self.paused:
            return
        if self.channel.backlog() > BACKLOG_LIMIT:
            state.force_full = True  # the client missed deltas' bases: resync with a full one later
            return
        self.start_snapshot(state, loop, False)

    def start_snapshot(self, state, loop, force_full):
        """Collects in slices of about SLICE_SECONDS, each in its own loop callback, so big loops never stall
        long."""
        if state.collecting:
            return
        state.collecting = True
        steps = state.collection = self._collect(state, loop, force_full)

        def step():
            if state.collection is not steps:
                return  # dropped by snapshot_now
            try:
                next(steps)
            except StopIteration:
                state.collecting = False
                state.collection = None
                return
            except Exception as error:
                state.collecting = False
                state.collection = None
                self._internal_error("snapshot", error)
                return
            # A timer, not call_soon: the loop first runs what became ready meanwhile (I/O callbacks, timers due),
            # so nothing waits for two slices in a row.
            loop.call_later(0, step)

        step()

    def snapshot_now(self, state, loop, force_full=True):
        """Synchronous collection (the loop is not running, e.g. at shutdown). A sliced collection under way is
        dropped: the loop may never run its next slice, and this one sees everything it would have."""
        if state.collecting:
            if state.collection is None:
                return  # a synchronous one under way
            dropped, state.collection = state.collection, None
            dropped.close()  # its generation of records merges back (see _collect)
        state.collecting = True
        try:
            for _ in self._collect(state, loop, force_full):
                pass
        except Exception as error:
            self._internal_error("snapshot", error)
        finally:
            state.collecting = False

    def _collect(self, state, loop, force_full):
        """Generator: yields whenever a slice of work is over (see start_snapshot)."""
        budget = _SliceBudget()
        refs = _task_refs()
        tasks = list(_all_tasks(loop)) if refs is None else refs  # refs: filtered for this loop below
        current = _current_task(loop)
        live_resources = self.resources.live()
        by_future = self.resources.index(live_resources)
        old_views = state.views
        views = {}
        waiters = {}
        changed = []
        replaced = []
        owner_of_future = {}
        previous = state.new_generation()  # the generation of the tasks created from now on
        completed = False
        try:
            yield from self._collect_tasks(state, loop, tasks, refs, current, by_future, budget,
                                           views, waiters, changed, replaced, owner_of_future)
            # The records of the live tasks seen (in their entries) join the new generation, unless a task created
            # meanwhile at the same address has one there already.
            records = state.records
            carried = views.keys() - records.keys()
            records.update(zip(carried, map(_entry_record, map(views.__getitem__, carried))))
            completed = True
        finally:
            if not completed:
                state.restore_generation(previous)
        full = (force_full or state.force_full or state.last_seq is None or len(views) <= DELTA_MIN_TASKS
                or state.since_full + 1 >= FULL_EVERY)
        if full:
            changed = list(views.values())
            removed = []
        else:
            removed = [old_views[address][0] for address in old_views.keys() - views.keys()] + replaced
        if budget.over():
            yield from budget.pause()
        resources, omitted = self.resources.describe(live_resources, owner_of_future)
        if budget.over():
            yield from budget.pause()
        state.done_budget = HOOK_DONE_LIMIT
        state.close_run()  # the next tasks get their done callbacks, even from the line of the open run
        state.views = views
        state.waiters = waiters
        finished = list(state.finished) if full else list(state.finished_new)
        state.finished_new.clear()
        seq = next(self.snapshot_seq)
        budget.pause_accounting()
        current_record = state.record_at(id(current)) if current is not None else None
        header = {
            "type": "snapshot",
            "seq": seq,
            "time": _wall_ms(),
            "full": full,
            "base": None if full else state.last_seq,
            "loop": state.info(),
            "currentTask": current_record[R_ID] if current_record is not None else None,
            "taskCount": len(views),
            "removed": removed,
            "resources": resources,
            "resourcesOmitted": omitted,
            "collectMs": round(budget.busy * 1000.0, 3),
            "collectCpuMs": round(budget.cpu * 1000.0, 3),
            "longestSliceMs": round(budget.longest * 1000.0, 3),
        }
        state.max_lag = 0.0
        state.collect_cpu = budget.cpu
        state.last_seq = seq
        state.since_full = 0 if full else state.since_full + 1
        if full:
            state.force_full = False
        self.channel.emit(SnapshotPayload(header, changed, finished))

    def _collect_tasks(self, state, loop, tasks, refs, current, by_future, budget,
                       views, waiters, changed, replaced, owner_of_future):
        """Generator (part of _collect): describes the live tasks of `loop` into the last five arguments."""
        old_views = state.views
        old_waiters = state.waiters
        # Every task in `tasks` existed before this collection's new generation began, and each is alive while
        # described: no newer record can hide at its address, so the index needs no sync here.
        indexed_record = state.indexed_record
        loop_id = state.id
        new_weakref = weakref.ref
        on_done = self.on_task_done
        done_context = state.done_context
        for start in range(0, len(tasks), SLICE_CHECK):
            if budget.over():
                yield from budget.pause()
            for task in tasks[start:start + SLICE_CHECK]:
                if refs is not None:
                    task = task()
                    if task is None or task.get_loop() is not loop or task.done():
                        continue
                address = id(task)
                seen = old_views.get(address)
                waiter = task._fut_waiter
                name = task.get_name()
                state_name = "running" if task is current else "pending"
                if waiter is not None and seen is not None and seen[1] == name and seen[2] == state_name:
                    ref = old_waiters.get(address)
                    if ref is not None and ref() is waiter:  # has not run since: same stack, same wait
                        views[address] = seen
                        waiters[address] = ref
                        waiter_address = id(waiter)
                        if waiter_address in by_future:
                            owner_of_future[waiter_address] = seen[0]
                        continue
                record = indexed_record(address)
                if record is None:
                    record = self.adopt(task)
                if (seen is None or seen[0] != record[R_ID]) and not record[R_HOOKED]:
                    task.add_done_callback(on_done, context=done_context)  # first sight
                entry = self._describe(task, record, state_name, loop_id, by_future, STACK_LIMIT)
                views[address] = entry
                if waiter is not None:
                    waiters[address] = new_weakref(waiter)
                if seen is None or entry != seen:
                    changed.append(entry)
                    if seen is not None and seen[0] != entry[0]:
                        replaced.append(seen[0])  # a new task at a finished one's address
                if waiter is not None and id(waiter) in by_future:
                    owner_of_future[id(waiter)] = entry[0]

    def describe_task_fully(self, task):
        record = self.record_of(task) or self.adopt(task)
        loop = task.get_loop()
        state = self.loop_state(loop)
        current = _current_task(loop)
        live_resources = self.resources.live()
        entry = self._describe(task, record, "running" if task is current else "pending", state.id,
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
        record = self.record_of(task) if task is not None else None
        duration = (now - state.stall_since) * 1000.0
        finding = {
            "type": "finding",
            "id": next(self.finding_ids),
            "kind": "blocked-loop",
            "message": "event loop blocked for %.0f ms so far%s" % (duration, where),
            "location": frame_dict(location) if location else None,
            "time": _wall_ms(),
            "loop": state.id,
            "taskId": record[R_ID] if record is not None else None,
            "taskName": task.get_name() if task is not None else None,
            "duration": round(duration, 1),
            "ongoing": True,
            "stack": [frame_dict(f) for f in trimmed[-STACK_LIMIT:]],
            "_where": where,
        }
        state.blocked = finding
        self._send_finding(finding)

    def never_awaited(self, coro, dropped_in):
        """`dropped_in`: the frame running when the coroutine was destroyed. Without origin tracking that is the
        best clue: for `f()` without `await` it is the very line that created it."""
        origin = getattr(coro, "cr_origin", None)
        stack, site = origin_stack(origin)
        name = getattr(coro, "__qualname__", "?")
        dropped = frame_info(dropped_in) if dropped_in is not None else None
        if site:
            location, location_kind = site, "created"
        elif dropped and not is_library(dropped[0]):
            location, location_kind = dropped, "dropped"
        else:  # dropped by asyncio (e.g. a local of a finished task): the coroutine's own definition
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
            location = (code.co_filename, code.co_firstlineno, code.co_name) if code is not None else dropped
            location_kind = "defined" if code is not None else "dropped"
        self.finding(
            "never-awaited",
            "coroutine '%s' was never awaited" % name,
            frame_dict(location) if location else None,
            coro=name,
            stack=[frame_dict(f) for f in stack],
            created=frame_dict(site) if site else None,
            locationKind=location_kind,
            dropped=frame_dict(dropped) if dropped else None,
        )
        if self.origin_tracking == "auto" and not self.origin_tracking_started:
            self.origin_tracking_started = True  # other loop threads follow at their next heartbeat
            self.apply_origin_tracking()

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
            record = self.record_of(future) if is_task else None
            site = record_site(record) if record is not None else (self._origin_site(future) if is_task else None)
            location = _program_location(error) or site
            name = future.get_name() if is_task else None
            self.finding(
                "exception-never-retrieved",
                "%s raised %s: %s and nobody retrieved it" % (
                    "task '%s'" % name if is_task else "a future", type(error).__name__, _short(error)),
                frame_dict(location) if location else None,
                loop_id=self._loop_id(loop),
                task_id=record[R_ID] if record is not None else None,
                task_name=name,
                exception=exception_summary(error),
                created=frame_dict(site) if site else None,
            )

    def _loop_id(self, loop):
        state = self.known_state(loop)
        return state.id if state is not None else None

    def _origin_site(self, task):
        _stack, site = origin_stack(getattr(task.get_coro(), "cr_origin", None))
        return site

    def _task_finding(self, kind, loop, task, template, **extra):
        record = self.record_of(task)
        site = record_site(record) if record is not None else self._origin_site(task)
        coro = task.get_coro()
        frames, _leaf = coroutine_frames(coro, STACK_LIMIT)
        stack = [frame_info(f) for f in frames]
        location = site or (stack[-1] if stack else None)
        coro_name = getattr(coro, "__qualname__", type(coro).__name__)
        text = template % (task.get_name(), coro_name)
        if site:
            text += " (created at %s:%d)" % (os.path.basename(site[0]), site[1])
        return self.finding(
            kind, text, frame_dict(location) if location else None,
            loop_id=self._loop_id(loop),
            task_id=record[R_ID] if record is not None else None,
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
            for state, _loop in self.running_loops():
                state.next_snapshot = time.monotonic() + self.interval
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
        owners = [(state, loop) for state, loop in loops
                  if any(entry[0] == target for entry in state.views.values())] or loops
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
