"""Large task sets are sent as deltas; resources name their waiters; --tree prints both trees."""

import unittest

from helpers import TempDirTestCase, line_of, of_type, run_adapter


class SnapshotTest(TempDirTestCase):
    def test_large_task_sets_are_sent_as_deltas_that_rebuild_the_full_set(self):
        result, messages, _path = self.record_run("""
            import asyncio

            async def idle(event):
                await event.wait()

            async def main():
                event = asyncio.Event()
                tasks = [asyncio.create_task(idle(event), name="idle-%d" % i) for i in range(1500)]
                await asyncio.sleep(0.4)
                extra = asyncio.create_task(idle(event), name="late")
                tasks[0].cancel()
                await asyncio.sleep(0.3)
                event.set()
                await asyncio.gather(*tasks, extra, return_exceptions=True)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        snapshots = [m for m in of_type(messages, "snapshot") if m["taskCount"] >= 1500]
        deltas = [m for m in snapshots if not m["full"]]
        self.assertTrue(snapshots[0]["full"])
        self.assertTrue(deltas, "no delta snapshots for 1,500 tasks")
        # Apply the stream like a client and compare with the adapter's own count after each message.
        live, last_seq = {}, None
        for message in snapshots:
            if message["full"]:
                live = {t["id"]: t for t in message["tasks"]}
            else:
                self.assertEqual(message["base"], last_seq)
                for task_id in message["removed"]:
                    live.pop(task_id)
                live.update((t["id"], t) for t in message["tasks"])
            last_seq = message["seq"]
            self.assertEqual(len(live), message["taskCount"])
        names = {t["name"] for t in live.values()}
        self.assertIn("late", names)
        self.assertNotIn("idle-0", names)
        self.assertLess(max(len(m["tasks"]) for m in deltas), 100, "unchanged tasks are not resent")

    def test_loops_in_two_threads_run_their_done_callbacks_side_by_side(self):
        # Done callbacks of both loops run at once: they must not share one contextvars.Context, which a thread
        # cannot enter while another has it entered ("cannot enter context"), losing the finished record.
        result, messages, _path = self.record_run("""
            import asyncio
            import sys
            import threading

            sys.setswitchinterval(1e-6)  # the threads take turns inside each other's callbacks

            async def short(i):
                total = 0
                for n in range(2000):  # long enough that the other thread's callbacks overlap
                    total += n
                return i

            async def main(prefix):
                for burst in range(10):  # many short bursts: the two loops' callbacks overlap often
                    await asyncio.gather(*(asyncio.create_task(short(i), name="%s-%d-%d" % (prefix, burst, i))
                                           for i in range(150)))
                    await asyncio.sleep(0.1)

            threads = [threading.Thread(target=asyncio.run, args=(main(prefix),)) for prefix in ("left", "right")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        # Each failed callback is one task missing from the finished history (how many tasks reach it also depends
        # on the done-callback budget and the snapshots' timing, so the error itself is what is checked).
        self.assertNotIn("cannot enter context", result.stderr)
        self.assertTrue(of_type(messages, "snapshot"))

    def test_periodic_snapshots_and_heartbeats_leave_no_timer_in_the_loop(self):
        # A timer in the loop's heap makes each loop iteration read the clock: the adapter's must not stay there.
        result, messages, _path = self.record_run("""
            import asyncio, threading

            async def main():
                loop = asyncio.get_running_loop()
                done = loop.create_future()

                def look():
                    done.set_result(len(loop._scheduled))

                threading.Timer(1.2, loop.call_soon_threadsafe, (look,)).start()
                print("timers", await done)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("timers 0", result.stdout)
        periodic = [m for m in of_type(messages, "snapshot") if m["taskCount"] == 1]
        self.assertGreaterEqual(len(periodic), 2, "snapshots every 500 ms")
        self.assertTrue(any(m["loop"]["lagMs"] > 0.0 for m in periodic), "heartbeats measured the loop's lag")

    def test_resources_name_their_waiters_and_creation_sites(self):
        result, messages, path = self.record_run("""
            import asyncio, concurrent.futures, time

            async def main():
                lock = asyncio.Lock()  # LOCK
                semaphore = asyncio.BoundedSemaphore(1)  # SEMAPHORE
                event = asyncio.Event()  # EVENT
                condition = asyncio.Condition()  # CONDITION
                pool = concurrent.futures.ThreadPoolExecutor(1)  # POOL
                await lock.acquire()
                await semaphore.acquire()

                async def use(primitive):
                    async with primitive:
                        pass

                async def wait_condition():
                    async with condition:
                        await condition.wait()

                waiting = [
                    asyncio.create_task(use(lock), name="on-lock"),
                    asyncio.create_task(use(semaphore), name="on-semaphore"),
                    asyncio.create_task(event.wait(), name="on-event"),
                    asyncio.create_task(wait_condition(), name="on-condition"),
                ]
                in_thread = asyncio.get_running_loop().run_in_executor(pool, time.sleep, 0.4)
                await asyncio.sleep(0.3)
                lock.release()
                semaphore.release()
                event.set()
                async with condition:
                    condition.notify_all()
                await asyncio.gather(in_thread, *waiting)
                pool.shutdown()

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        snapshot = next(m for m in of_type(messages, "snapshot") if sum(bool(r["waiters"]) for r in m["resources"]) >= 4)
        tasks = {t["name"]: t for t in snapshot["tasks"]}
        resources = {r["kind"]: r for r in snapshot["resources"]}
        expected = {"lock": "# LOCK", "bounded-semaphore": "# SEMAPHORE", "event": "# EVENT",
                    "condition": "# CONDITION"}
        for kind, marker in expected.items():
            with self.subTest(kind=kind):
                resource = resources[kind]
                self.assertEqual(resource["created"]["line"], line_of(path, marker))
                self.assertEqual(resource["waiters"], [tasks["on-" + kind.split("-")[-1]]["id"]])
                self.assertEqual(tasks["on-" + kind.split("-")[-1]]["awaitingResource"], resource["id"])
        self.assertTrue(resources["lock"]["locked"])
        self.assertEqual(resources["bounded-semaphore"]["value"], 0)
        self.assertFalse(resources["event"]["isSet"])
        executor = resources["executor"]
        self.assertEqual(executor["created"]["line"], line_of(path, "# POOL"))
        self.assertEqual((executor["pending"], executor["running"]), (1, 1))
        self.assertEqual(len([r for r in snapshot["resources"] if r["kind"] == "lock"]), 1,
                         "the condition's private lock is not a separate resource")

    def test_tree_prints_await_and_creation_trees_and_findings(self):
        path = self.program("""
            import asyncio

            async def child():
                await asyncio.sleep(0.4)

            async def main():
                await asyncio.gather(child(), child())

            asyncio.run(main())
        """)
        result = run_adapter(["--tree", "--tree-interval", "100", "--interval", "50", path], cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertIn("await tree (who waits for whom):", result.stderr)
        self.assertIn("Task-1 main() [pending] program.py:8 main  waits: gather of 2", result.stderr)
        self.assertRegex(result.stderr, r"child\(\) \[pending\] program\.py:5 child  waits: sleep  \u00d72")
        self.assertIn("creation tree (who created whom):", result.stderr)
        self.assertIn("created at program.py:8 main", result.stderr)
        self.assertIn("asyncio-lens: at exit", result.stderr)
        self.assertIn("exit code 0", result.stderr)


if __name__ == "__main__":
    unittest.main()
