"""Snapshot collection rules, checked in-process on a Monitor (no launcher): deltas against reused task addresses, and
the spacing of snapshots whose collection is costly."""

import asyncio
import sys
import time
import unittest
import weakref

from helpers import PACKAGE_DIR

if PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)

from asyncio_lens import monitor as monitor_module  # noqa: E402


class Channel:
    def __init__(self):
        self.messages = []

    def emit(self, message):
        self.messages.append(message)

    def backlog(self):
        return 0


def snapshots(channel):
    return [message for message in channel.messages if isinstance(message, monitor_module.SnapshotPayload)]


class CollectionTest(unittest.TestCase):
    def setUp(self):
        self.channel = Channel()
        self.monitor = monitor_module.Monitor(self.channel, interval=0.5)
        self.loop = asyncio.new_event_loop()
        self.addCleanup(self.loop.close)
        self.state = self.monitor.loop_state(self.loop)

    def test_a_task_at_the_address_of_a_finished_one_is_a_removal_and_an_addition(self):
        async def idle(event):
            await event.wait()

        async def scenario():
            event = asyncio.Event()
            tasks = [asyncio.create_task(idle(event), name="idle-%d" % i)
                     for i in range(monitor_module.DELTA_MIN_TASKS + 10)]
            await asyncio.sleep(0)
            self.monitor.snapshot_now(self.state, self.loop, force_full=True)
            # As if the task now at this address had replaced an earlier one that finished since: the view is
            # the earlier task's, the future it awaited is gone.
            address = id(tasks[0])
            earlier = self.state.views[address]
            self.state.views[address] = (earlier[0] + 10_000_000,) + earlier[1:]
            gone = self.loop.create_future()
            self.state.waiters[address] = weakref.ref(gone)
            del gone
            self.monitor.snapshot_now(self.state, self.loop, force_full=False)
            event.set()
            await asyncio.gather(*tasks)
            return earlier

        earlier = self.loop.run_until_complete(scenario())
        delta = snapshots(self.channel)[-1]
        self.assertFalse(delta.header["full"])
        self.assertEqual(delta.header["removed"], [earlier[0] + 10_000_000])
        resent = [entry[0] for entry in delta.entries if entry[0] != delta.header["currentTask"]]  # not scenario()
        self.assertEqual(resent, [earlier[0]])
        self.assertEqual(delta.header["taskCount"], monitor_module.DELTA_MIN_TASKS + 11)  # and scenario()

    def test_the_closing_snapshot_is_not_lost_to_a_sliced_one_the_loop_never_finished(self):
        async def idle(event):
            await event.wait()

        async def scenario():
            event = asyncio.Event()
            victim = asyncio.create_task(idle(event), name="victim")
            await asyncio.sleep(0)
            self.monitor.snapshot_now(self.state, self.loop)  # the victim is seen: it gets a done callback
            crowd = [asyncio.create_task(idle(event)) for _ in range(10_000)]  # not started: each described anew
            self.monitor.start_snapshot(self.state, self.loop, True)  # its first slice runs now
            victim.cancel()
            return event, crowd

        event, crowd = self.loop.run_until_complete(scenario())
        self.loop.run_until_complete(asyncio.sleep(0))  # the victim's cancellation runs, a slice or two more
        self.assertTrue(self.state.collecting, "the sliced collection is still under way")
        self.monitor.loop_closed(self.loop)  # as when the program ends with the loop stopped mid-collection
        last = snapshots(self.channel)[-1]
        self.assertIn("victim", [finished[0][1] for finished in last.finished])
        self.assertFalse(self.state.collecting)
        event.set()
        self.loop.run_until_complete(asyncio.gather(*crowd))  # the dropped collection's next slice does nothing

    def test_records_of_finished_tasks_are_dropped_and_live_ones_keep_their_ids(self):
        async def short():
            return 1

        def spawn(coro):
            task = self.loop.create_task(coro)
            self.monitor.adopt(task)  # what the create_task hook records (not installed in this process)
            return task

        async def scenario():
            event = asyncio.Event()
            long_lived = [spawn(event.wait()) for _ in range(3)]
            await asyncio.sleep(0)
            self.monitor.snapshot_now(self.state, self.loop, force_full=True)
            ids = [self.monitor.task_id(task) for task in long_lived]
            for _ in range(2):
                await asyncio.gather(*[spawn(short()) for _ in range(500)])
                self.monitor.snapshot_now(self.state, self.loop, force_full=True)
            kept = len(self.state.records) + len(self.state.previous_records)
            still = [self.monitor.task_id(task) for task in long_lived]
            event.set()
            await asyncio.gather(*long_lived)
            return ids, still, kept

        ids, still, kept = self.loop.run_until_complete(scenario())
        self.assertEqual(still, ids)
        # The live tasks (the waiting ones and scenario()) and the generation of the last batch; not both batches.
        self.assertGreater(kept, 500)
        self.assertLess(kept, 600)

    def test_costly_collections_space_out_snapshots(self):
        self.state.running = True
        for collect_cpu, expected in ((0.001, 0.5), (0.2, 0.2 / monitor_module.MAX_DUTY)):
            with self.subTest(collect_cpu=collect_cpu):
                self.state.collect_cpu = collect_cpu
                self.monitor.tick(self.state)
                self.assertAlmostEqual(self.state.next_snapshot - time.monotonic(), expected, delta=0.1)

    def test_snapshot_reports_its_costs(self):
        async def scenario():
            await asyncio.sleep(0)
            self.monitor.snapshot_now(self.state, self.loop)

        self.loop.run_until_complete(scenario())
        header = snapshots(self.channel)[-1].header
        self.assertEqual(header["taskCount"], 1)
        self.assertGreaterEqual(header["collectMs"], header["longestSliceMs"])
        self.assertGreater(header["collectCpuMs"], 0.0)
        # The snapshot's own CPU time becomes the state that spaces the next one.
        self.assertAlmostEqual(self.state.collect_cpu * 1000.0, header["collectCpuMs"], places=2)


if __name__ == "__main__":
    unittest.main()
