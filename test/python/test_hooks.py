"""Every way of running a loop is observed; tasks get their creator, creation site, stack and await edges."""

import sys
import unittest

from helpers import PACKAGE_DIR, TempDirTestCase, final_tasks, line_of, of_type

if PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)

from asyncio_lens import monitor as monitor_module  # noqa: E402

ENTRY_POINTS = """
    import asyncio, sys, threading

    async def child():
        await asyncio.sleep(0.15)  # CHILD-WAIT

    async def parent(label):
        task = asyncio.get_running_loop().create_task(child(), name=label + "-child")  # SPAWN
        await task

    def in_thread():
        loop = asyncio.new_event_loop()
        loop.run_until_complete(parent("thread"))
        loop.close()

    asyncio.run(parent("run"))

    loop = asyncio.new_event_loop()
    loop.run_until_complete(parent("until-complete"))
    loop.create_task(parent("forever"))
    loop.call_later(0.4, loop.stop)
    loop.run_forever()
    loop.close()

    worker = threading.Thread(target=in_thread, name="side-thread")
    worker.start()
    worker.join()

    if sys.version_info >= (3, 11):
        with asyncio.Runner() as runner:
            runner.run(parent("runner"))
    if sys.version_info >= (3, 12):
        async def eager_main():
            loop = asyncio.get_running_loop()
            loop.set_task_factory(asyncio.eager_task_factory)
            await loop.create_task(parent("eager"))  # runs eagerly: creates its child inside create_task
        asyncio.run(eager_main())
"""


def expected_entry_points():
    names = ["run", "until-complete", "forever", "thread"]
    if sys.version_info >= (3, 11):
        names.append("runner")
    if sys.version_info >= (3, 12):
        names.append("eager")
    return names


class LoopHookTest(TempDirTestCase):
    def test_every_loop_entry_point_is_observed_with_creator_and_site(self):
        result, messages, path = self.record_run(ENTRY_POINTS)
        self.assertEqual(result.returncode, 0, result.stderr)
        tasks = final_tasks(messages)
        by_name = {task["name"]: task for task in tasks.values()}
        spawn_line = line_of(path, "# SPAWN")
        for label in expected_entry_points():
            with self.subTest(entry_point=label):
                child = by_name.get(label + "-child")
                self.assertIsNotNone(child, "no task %s-child in %s" % (label, sorted(by_name)))
                self.assertEqual(child["coro"], "child")
                self.assertEqual(child["created"]["line"], spawn_line)
                self.assertEqual(child["created"]["function"], "parent")
                self.assertEqual(child["created"]["file"], path)
                creator = tasks[child["parent"]]
                self.assertEqual(creator["coro"], "parent")
        threads = {m["loop"]["thread"] for m in of_type(messages, "loop")}
        self.assertIn("side-thread", threads)
        self.assertIn("MainThread", threads)

    def test_a_program_task_factory_still_runs_and_is_still_the_loop_factory(self):
        result, messages, path = self.record_run("""
            import asyncio

            calls = []

            def factory(loop, coro, **kwargs):
                calls.append(coro.__qualname__)
                return asyncio.Task(coro, loop=loop, **kwargs)

            async def job():
                await asyncio.sleep(0.1)

            async def main():
                loop = asyncio.get_running_loop()
                loop.set_task_factory(factory)
                assert loop.get_task_factory() is factory
                await asyncio.gather(loop.create_task(job(), name="made-by-factory"))  # MADE
                print("factory calls", calls)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "factory calls ['job']\n")
        task = next(t for t in final_tasks(messages).values() if t["name"] == "made-by-factory")
        self.assertEqual(task["created"]["line"], line_of(path, "# MADE"))
        self.assertIsNotNone(task["parent"])

    def test_asyncio_create_task_records_site_creator_and_name(self):
        result, messages, path = self.record_run("""
            import asyncio

            async def child():
                await asyncio.sleep(0.2)

            def spawn_from_sync(name):
                return asyncio.create_task(child(), name=name)  # SYNC-SPAWN

            async def main():
                batch = [asyncio.create_task(child(), name="batch-%d" % i) for i in range(2)]  # COMPREHENSION
                await asyncio.gather(*batch, spawn_from_sync("from-sync"))

            class CountingLoop(asyncio.SelectorEventLoop):
                created = 0

                def create_task(self, coro, **kwargs):
                    CountingLoop.created += 1
                    return super().create_task(coro, **kwargs)  # OVERRIDE

            async def on_own_loop():
                await asyncio.create_task(child(), name="own-loop")

            asyncio.run(main())
            loop = CountingLoop()
            loop.run_until_complete(on_own_loop())
            loop.close()
            print("overridden create_task calls:", CountingLoop.created)
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "overridden create_task calls: 2\n")  # on_own_loop() and own-loop
        tasks = final_tasks(messages)
        by_name = {task["name"]: task for task in tasks.values()}
        expected = {"batch-0": "# COMPREHENSION", "batch-1": "# COMPREHENSION", "from-sync": "# SYNC-SPAWN",
                    "own-loop": "# OVERRIDE"}
        for name, marker in expected.items():
            with self.subTest(task=name):
                task = by_name[name]
                self.assertEqual(task["created"]["file"], path)
                self.assertEqual(task["created"]["line"], line_of(path, marker))
                self.assertEqual(tasks[task["parent"]]["coro"], "on_own_loop" if name == "own-loop" else "main")
        self.assertEqual(by_name["from-sync"]["created"]["function"], "spawn_from_sync")

    def test_tasks_created_in_bursts_keep_their_creator_site_and_creation_time(self):
        # Past the first tasks of an interval, a burst from one creator and line is recorded as a run (monitor.Run):
        # one address per task, ids given in bulk, and one creation time per watchdog tick.
        result, messages, path = self.record_run("""
            import asyncio, time
            from asyncio_lens import monitor

            runs = []
            make_run = monitor.Run.__init__
            def counting_run(self, *args):
                runs.append(self)
                make_run(self, *args)
            monitor.Run.__init__ = counting_run

            async def child(event):
                await event.wait()

            async def spawner(event, tasks):
                tasks += [asyncio.create_task(child(event), name="s%d" % i) for i in range(300)]  # SPAWNER-BURST
                await event.wait()

            async def main():
                event = asyncio.Event()
                tasks = [asyncio.create_task(child(event), name="m%d" % i) for i in range(300)]  # MAIN-BURST
                tasks.append(asyncio.create_task(spawner(event, tasks), name="spawner"))
                await asyncio.sleep(0)
                for i in range(100):
                    tasks.append(asyncio.create_task(child(event), name="x%d" % i))  # SITE-X
                    tasks.append(asyncio.create_task(child(event), name="y%d" % i))  # SITE-Y
                for i in range(300):
                    tasks.append(asyncio.create_task(child(event), name="t%d" % i))  # TIMED
                    if i == 259:
                        time.sleep(0.2)  # the same burst goes on after some watchdog ticks
                await asyncio.sleep(0.3)  # snapshots (every 50 ms here) see them all
                event.set()
                await asyncio.gather(*tasks)
                print(sum(len(run.addresses) for run in runs))

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertGreater(int(result.stdout), 500, "most tasks went through runs")
        tasks = final_tasks(messages)
        by_name = {task["name"]: task for task in tasks.values()}
        expected = [("m%d", 300, "# MAIN-BURST", "main"), ("s%d", 300, "# SPAWNER-BURST", "spawner"),
                    ("x%d", 100, "# SITE-X", "main"), ("y%d", 100, "# SITE-Y", "main"), ("t%d", 300, "# TIMED", "main")]
        for pattern, count, marker, creator in expected:
            with self.subTest(tasks=pattern):
                for i in range(count):
                    task = by_name[pattern % i]
                    self.assertEqual(task["created"]["line"], line_of(path, marker))
                    self.assertEqual(tasks[task["parent"]]["coro"], creator)
        self.assertEqual(len(tasks), len(by_name), "one id per task")
        # Same creator and line, 200 ms apart: a run ends at each watchdog tick (25 ms).
        self.assertGreater(by_name["t260"]["createdAt"] - by_name["t259"]["createdAt"], 150)

    def test_a_snapshot_gives_the_next_tasks_done_callbacks_even_from_the_line_of_the_open_run(self):
        # Short-lived tasks reach the finished history only through a done callback added at creation, which the
        # first tasks of each interval get. A snapshot starts an interval while a run from this line is open (opened
        # after the watchdog's tick that posted the snapshot); the tasks after it must not just join that run.
        result, messages, _path = self.record_run("""
            import asyncio, time
            from asyncio_lens import monitor

            async def short():
                return 1

            async def main():
                tasks = []

                def burst(prefix, count):
                    tasks.extend(asyncio.create_task(short(), name=prefix % i) for i in range(count))  # BURST

                burst("before%d", monitor.HOOK_DONE_LIMIT + 100)  # the interval's callbacks spent, the rest a run
                time.sleep(0.2)  # the watchdog ends the run and posts a snapshot (every 50 ms here)
                burst("reopen%d", 10)  # a new run from the same line and creator
                await asyncio.sleep(0)  # the snapshot runs: a new interval
                burst("after%d", monitor.HOOK_DONE_LIMIT + 100)  # all finish before any snapshot sees them
                await asyncio.gather(*tasks)
                await asyncio.sleep(0.2)  # snapshots send the finished history

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        finished = {t["name"] for m in of_type(messages, "snapshot") for t in m["finished"]}
        after = {name for name in finished if name.startswith("after")}
        self.assertEqual(after, {"after%d" % i for i in range(monitor_module.HOOK_DONE_LIMIT)})

    def test_the_creation_site_is_the_call_that_made_the_task_not_where_its_coroutine_was_made(self):
        # With origin tracking on, each coroutine carries cr_origin: the frame and line that called the coroutine
        # function. That is not the task's creation site when the coroutine was made elsewhere or on another line
        # of the call. Both the first tasks of the interval (records of their own) and the runs after them.
        result, messages, path = self.record_run("""
            import asyncio

            async def child(event):
                await event.wait()

            def made_elsewhere(event, count):
                return [child(event) for _ in range(count)]  # COROUTINES-MADE

            async def main():
                event = asyncio.Event()
                tasks = [asyncio.create_task(  # MULTI-LINE
                             child(event), name="multi%d" % i)
                         for i in range(300)]
                coroutines = made_elsewhere(event, 300)
                tasks += [asyncio.create_task(c, name="premade%d" % i) for i, c in enumerate(coroutines)]  # PREMADE
                gathered = asyncio.gather(  # GATHER
                    child(event), child(event))
                await asyncio.sleep(0.2)  # snapshots (every 50 ms here) see them all
                event.set()
                await asyncio.gather(gathered, *tasks)

            asyncio.run(main())
        """, "--origin-tracking")
        self.assertEqual(result.returncode, 0, result.stderr)
        tasks = final_tasks(messages)
        by_name = {task["name"]: task for task in tasks.values()}
        expected = [("multi%d", "# MULTI-LINE"), ("premade%d", "# PREMADE")]
        for pattern, marker in expected:
            with self.subTest(tasks=pattern):
                for i in range(300):
                    task = by_name[pattern % i]
                    site = task["created"]
                    self.assertEqual((site["file"], site["line"]), (path, line_of(path, marker)))
                    self.assertIn(site["function"], ("main", "<listcomp>"))  # a frame of its own before 3.12
                    self.assertEqual(tasks[task["parent"]]["coro"], "main")
        children = [t for t in tasks.values() if t["coro"] == "child" and not t["name"].startswith(("multi", "premade"))]
        self.assertEqual(len(children), 2)
        for task in children:
            self.assertEqual(task["created"], {"file": path, "line": line_of(path, "# GATHER"), "function": "main"})

    def test_tasks_are_not_kept_alive(self):
        result, _messages, _path = self.record_run("""
            import asyncio, gc, weakref

            async def short():
                return 1

            async def main():
                task = asyncio.create_task(short())
                await task
                ref = weakref.ref(task)
                del task
                await asyncio.sleep(0.2)  # a snapshot happens meanwhile
                gc.collect()
                print("alive" if ref() is not None else "collected")

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "collected\n")


AWAIT_EDGES = """
    import asyncio, sys

    async def leaf(seconds):
        await asyncio.sleep(seconds)  # LEAF

    async def consume(queue):
        return await queue.get()  # QUEUE-GET

    async def main():
        queue = asyncio.Queue()  # MAKE-QUEUE
        inner = asyncio.create_task(leaf(0.6), name="inner")
        waiter = asyncio.create_task(asyncio.wait_for(inner, 5), name="wait-for")
        shielded = asyncio.create_task(leaf(0.6), name="shielded")

        async def shielder():
            await asyncio.shield(shielded)

        guard = asyncio.create_task(shielder(), name="shield")
        gathered = [asyncio.create_task(leaf(0.6), name="g%d" % i) for i in range(2)]

        async def gatherer():
            await asyncio.gather(*gathered)

        gather_task = asyncio.create_task(gatherer(), name="gather")
        getter = asyncio.create_task(consume(queue), name="getter")
        groups = []
        if sys.version_info >= (3, 11):
            async def grouped():
                async with asyncio.TaskGroup() as group:
                    groups.extend(group.create_task(leaf(0.6), name="member%d" % i) for i in range(2))

            groups.append(asyncio.create_task(grouped(), name="group-owner"))
        await asyncio.sleep(0.3)
        queue.put_nowait(1)
        await asyncio.gather(waiter, guard, gather_task, getter, *groups)

    asyncio.run(main())
"""


class AwaitEdgeTest(TempDirTestCase):
    def snapshot_tasks(self, messages):
        """Tasks by name from the first snapshot where the getter is waiting."""
        for message in of_type(messages, "snapshot"):
            named = {t["name"]: t for t in message["tasks"]}
            if "getter" in named and named["getter"]["awaitingKind"] == "resource":
                return named
        self.fail("no snapshot with the getter waiting")

    def test_awaiting_edges_and_stacks(self):
        result, messages, path = self.record_run(AWAIT_EDGES)
        self.assertEqual(result.returncode, 0, result.stderr)
        tasks = self.snapshot_tasks(messages)
        ids = {name: task["id"] for name, task in tasks.items()}

        self.assertEqual(tasks["wait-for"]["awaiting"], [ids["inner"]])
        self.assertEqual(tasks["wait-for"]["awaitingKind"], "wait_for")
        self.assertEqual(tasks["shield"]["awaiting"], [ids["shielded"]])
        self.assertEqual(tasks["shield"]["awaitingKind"], "shield")
        self.assertEqual(sorted(tasks["gather"]["awaiting"]), sorted([ids["g0"], ids["g1"]]))
        self.assertEqual(tasks["gather"]["awaitingKind"], "gather")

        getter = tasks["getter"]
        queue_line = line_of(path, "# MAKE-QUEUE")
        self.assertTrue(getter["awaitingDetail"].startswith("queue Queue@program.py:%d" % queue_line),
                        getter["awaitingDetail"])
        queue = next(m for m in of_type(messages, "snapshot") if any(
            r["waiters"] for r in m["resources"]))["resources"]
        queue = next(r for r in queue if r["kind"] == "queue")
        self.assertEqual(queue["getters"], [ids["getter"]])
        self.assertEqual(queue["created"]["line"], queue_line)
        self.assertEqual(getter["awaitingResource"], queue["id"])

        # The stack follows cr_await into nested coroutines: consume() -> Queue.get(), leaf() -> asyncio.sleep().
        self.assertEqual([f["function"] for f in getter["stack"]][:2], ["consume", "get"])
        self.assertEqual(getter["location"]["line"], line_of(path, "# QUEUE-GET"))
        inner = tasks["inner"]
        self.assertEqual(inner["stack"][0]["function"], "leaf")
        self.assertEqual(inner["stack"][-1]["function"], "sleep")
        self.assertEqual(inner["location"]["line"], line_of(path, "# LEAF"))
        self.assertEqual(inner["awaitingKind"], "sleep")

        if sys.version_info >= (3, 11):
            self.assertEqual(tasks["group-owner"]["awaitingKind"], "taskgroup")
            self.assertEqual(sorted(tasks["group-owner"]["awaiting"]), sorted([ids["member0"], ids["member1"]]))
            self.assertEqual(tasks["member0"]["parent"], ids["group-owner"])

    def test_finished_history_has_results_and_exceptions(self):
        result, messages, _path = self.record_run("""
            import asyncio

            async def ok():
                await asyncio.sleep(0.01)
                return 42

            async def bad():
                await asyncio.sleep(0.01)
                raise KeyError("missing")  # RAISE

            async def main():
                a = asyncio.create_task(ok(), name="ok")
                b = asyncio.create_task(bad(), name="bad")
                await asyncio.wait([a, b])
                b.exception()
                await asyncio.sleep(0.2)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        finished = {t["name"]: t for m in of_type(messages, "snapshot") for t in m["finished"]}
        self.assertEqual(finished["ok"]["state"], "done")
        self.assertEqual(finished["ok"]["result"], "42")
        self.assertEqual(finished["bad"]["state"], "failed")
        self.assertEqual(finished["bad"]["exception"]["type"], "KeyError")
        self.assertEqual(finished["bad"]["exception"]["location"]["function"], "bad")


if __name__ == "__main__":
    unittest.main()
