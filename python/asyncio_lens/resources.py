"""Tracks asyncio synchronisation primitives and executors: creation site, state, and which futures wait on them
(matched back to tasks through each task's _fut_waiter)."""

import asyncio
import concurrent.futures
import itertools
import os
import sys
import weakref

from asyncio_lens.frames import first_outside_asyncio, frame_dict, frame_info

MAX_REPORTED = 500


class ResourceRecord:
    __slots__ = ("id", "kind", "ref", "site", "name", "outstanding", "__weakref__")

    def __init__(self, rid, kind, obj, site, name, on_gone):
        self.id = rid
        self.kind = kind
        self.ref = weakref.ref(obj, on_gone)
        self.site = site
        self.name = name
        self.outstanding = None  # executors: asyncio futures of work submitted through the loop


def _kind_of(obj):
    # Order matters: BoundedSemaphore is a Semaphore, and queue subclasses share Queue's fields.
    if isinstance(obj, asyncio.Queue):
        return "queue"
    if isinstance(obj, asyncio.BoundedSemaphore):
        return "bounded-semaphore"
    if isinstance(obj, asyncio.Semaphore):
        return "semaphore"
    if isinstance(obj, asyncio.Condition):
        return "condition"
    if isinstance(obj, asyncio.Lock):
        return "lock"
    if isinstance(obj, asyncio.Event):
        return "event"
    return "executor"


def _waiters(deq):
    return list(deq) if deq else []


class Resources:
    def __init__(self):
        self.records = {}  # id(obj) -> ResourceRecord
        self.ids = itertools.count(1)
        self.created_total = 0

    def _forget_ref(self, key):
        def on_gone(_ref, key=key, records=self.records):
            records.pop(key, None)

        return on_gone

    def register(self, obj, site_frame, name=None):
        kind = _kind_of(obj)
        frame = first_outside_asyncio(site_frame)
        site = frame_info(frame) if frame is not None else None
        if name is None:
            where = "%s:%d" % (os.path.basename(site[0]), site[1]) if site else "?"
            name = "%s@%s" % (type(obj).__name__, where)
        if kind == "queue":
            self.forget(obj._finished)  # the queue's private join() event is part of the queue
        record = ResourceRecord(next(self.ids), kind, obj, site, name, self._forget_ref(id(obj)))
        self.records[id(obj)] = record
        self.created_total += 1
        return record

    def forget(self, obj):
        self.records.pop(id(obj), None)

    def executor_record(self, executor, site_frame, default):
        record = self.records.get(id(executor))
        if record is None or record.ref() is not executor:
            record = self.register(executor, site_frame, "Executor@default" if default else None)
        if record.outstanding is None:
            record.outstanding = set()
        return record

    def track_work(self, executor, future, site_frame, default):
        record = self.executor_record(executor, site_frame, default)
        record.outstanding.add(future)
        future.add_done_callback(record.outstanding.discard)

    def live(self):
        """[(record, obj)] of resources still alive."""
        found = []
        for record in list(self.records.values()):
            obj = record.ref()
            if obj is not None:
                found.append((record, obj))
        return found

    @staticmethod
    def waiter_futures(record, obj):
        """{role: [futures]} currently waiting on the resource."""
        kind = record.kind
        if kind == "queue":
            return {"getters": _waiters(obj._getters), "putters": _waiters(obj._putters),
                    "joiners": _waiters(obj._finished._waiters)}
        if kind == "condition":
            return {"waiters": _waiters(obj._waiters) + _waiters(getattr(obj._lock, "_waiters", None))}
        if kind == "executor":
            return {"waiters": list(record.outstanding or ())}
        return {"waiters": _waiters(getattr(obj, "_waiters", None))}

    def index(self, live):
        """id(waiting future) -> record, to name the resource a task waits on."""
        by_future = {}
        for record, obj in live:
            try:
                for futures in self.waiter_futures(record, obj).values():
                    by_future.update(zip(map(id, futures), itertools.repeat(record)))  # C loops: 50,000 waiters
            except Exception:
                continue
        return by_future

    def describe(self, live, owner_of_future):
        """ResourceInfo dicts; `owner_of_future` maps id(future) -> task id. Resources with waiters come first."""
        infos = []
        for record, obj in live:
            try:
                infos.append(self._describe_one(record, obj, owner_of_future))
            except Exception:
                continue
        infos.sort(key=lambda info: (not info["waiters"], -info["id"]))
        omitted = max(0, len(infos) - MAX_REPORTED)
        return infos[:MAX_REPORTED], omitted

    def _describe_one(self, record, obj, owner_of_future):
        roles = self.waiter_futures(record, obj)
        owner = owner_of_future.get
        tasks = {role: [task for task in map(owner, map(id, futures)) if task is not None]
                 for role, futures in roles.items()}
        info = {
            "id": record.id,
            "kind": record.kind,
            "name": record.name,
            "created": frame_dict(record.site) if record.site else None,
        }
        kind = record.kind
        if kind == "queue":
            size, maxsize = obj.qsize(), obj.maxsize
            info.update(size=size, maxsize=maxsize, getters=tasks["getters"], putters=tasks["putters"])
            info["waiters"] = tasks["getters"] + tasks["putters"] + tasks["joiners"]
            info["state"] = "%d/%s items" % (size, maxsize if maxsize > 0 else "\u221e")
            return info
        info["waiters"] = tasks["waiters"]
        if kind in ("lock", "condition"):
            info["locked"] = bool(obj.locked())
            info["state"] = "locked" if info["locked"] else "unlocked"
        elif kind in ("semaphore", "bounded-semaphore"):
            info["value"] = int(obj._value)
            info["locked"] = bool(obj.locked())
            info["state"] = "value %d" % obj._value
        elif kind == "event":
            info["isSet"] = bool(obj.is_set())
            info["state"] = "set" if info["isSet"] else "not set"
        else:
            pending = len(record.outstanding or ())
            work_queue = getattr(obj, "_work_queue", None)
            queued = work_queue.qsize() if work_queue is not None and hasattr(work_queue, "qsize") else 0
            running = max(0, pending - queued)
            max_workers = getattr(obj, "_max_workers", None)
            info.update(pending=pending, running=running, maxWorkers=max_workers if isinstance(max_workers, int) else None)
            info["state"] = "%d running, %d queued" % (running, max(0, pending - running))
        return info


def install(resources):
    """Wraps the constructors of asyncio's primitives and of the standard executors to record creation sites."""
    getframe = sys._getframe

    def wrap_init(cls):
        original = cls.__init__

        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            # Subclass constructors (BoundedSemaphore -> Semaphore) reach here twice; the first call registers.
            if id(self) not in resources.records:
                try:
                    resources.register(self, getframe(1))
                except Exception:
                    pass

        __init__.__wrapped__ = original
        __init__.__qualname__ = original.__qualname__
        cls.__init__ = __init__

    for cls in (
        asyncio.Queue, asyncio.Lock, asyncio.Event, asyncio.Semaphore, asyncio.BoundedSemaphore,
        concurrent.futures.ThreadPoolExecutor, concurrent.futures.ProcessPoolExecutor,
    ):
        wrap_init(cls)

    condition_init = asyncio.Condition.__init__

    def condition_init_wrapper(self, lock=None, *args, **kwargs):
        condition_init(self, lock, *args, **kwargs)
        try:
            if lock is None:  # its private lock is part of the condition, not a resource of its own
                resources.forget(self._lock)
            resources.register(self, getframe(1))
        except Exception:
            pass

    condition_init_wrapper.__wrapped__ = condition_init
    asyncio.Condition.__init__ = condition_init_wrapper
