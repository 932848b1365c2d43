"""Blocked-loop detection from a separate thread, which also paces each loop's periodic snapshots.

At each look, the watchdog posts a heartbeat callback to every observed loop (call_soon_threadsafe) unless the last
one has not run yet. When that one is late, it samples the loop thread's stack with sys._current_frames() *while it
is stuck*. It reports only when the loop stays inside the same callback (the same task step) past the threshold, so a
loop that is merely busy with many short callbacks is not "blocked".

Nothing of the adapter's stays in a loop's timer heap: with any timer scheduled, every iteration of the loop reads
the clock and checks the heap (about 2.5% of a loopback echo server's CPU time with the heartbeat as a 10 ms timer)."""

import asyncio.events
import sys
import threading
import time

from asyncio_lens.monitor import NEVER

# Each wake-up takes the GIL from a busy loop thread (about 1% of a CPU-bound program's time at one per 10 ms), so
# the watchdog looks a few times per threshold only: a block is reported at most POLL after the threshold.
MAX_POLL = 0.025
SUSPECT = 0.01  # heartbeat lateness from which the watchdog starts sampling

_HANDLE_RUN_CODE = asyncio.events.Handle._run.__code__


def callback_root(frame):
    """The frame of the callback (or task step) the loop is executing: the one Handle._run called."""
    root = None
    while frame is not None:
        parent = frame.f_back
        if parent is not None and parent.f_code is _HANDLE_RUN_CODE:
            root = frame
        frame = parent
    return root


class Watchdog:
    def __init__(self, monitor):
        self.monitor = monitor
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="asyncio-lens-watchdog", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopped.set()

    def _run(self):
        poll = min(MAX_POLL, self.monitor.block_threshold / 4.0)
        while not self.stopped.wait(poll):
            try:
                self.check()
            except Exception as error:
                from asyncio_lens.transport import warn

                warn("internal error in watchdog: %r" % (error,))

    def check(self):
        threshold = self.monitor.block_threshold
        now = time.monotonic()
        for state in list(self.monitor.loops.values()):
            if not state.running:
                continue
            state.close_run()  # bounds the error of creation times (see monitor.Run)
            if now >= state.next_snapshot:
                state.next_snapshot = NEVER  # until Monitor.tick sets the next one
                self._post(state, self.monitor.tick, state)
            if state.beat_posted == NEVER:
                state.beat_posted = now
                self._post(state, self.monitor.beat, state, now)
                continue
            if state.blocked is not None or now - state.beat_posted < SUSPECT:
                continue
            frame = sys._current_frames().get(state.thread_id)
            if frame is None:
                continue
            root = callback_root(frame)
            key = (id(root), root.f_code) if root is not None else None
            with state.lock:
                if not state.running or now - state.beat_posted < SUSPECT or state.blocked is not None:
                    continue
                if state.stall_key is None or key != state.stall_key:
                    # First sight of this callback: it started no later than the heartbeat the loop has not run, or
                    # since the previous sample if another callback was seen stuck before.
                    state.stall_since = state.beat_posted if state.stall_key is None else now
                    state.stall_key = key or ("unknown",)
                if now - state.stall_since >= threshold:
                    self.monitor.report_block(state, frame, now)
            del frame, root

    @staticmethod
    def _post(state, callback, *args):
        loop = state.ref()
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # closed meanwhile
            pass
