"""Each finding kind is reported with the program's source location."""

import unittest

from helpers import TempDirTestCase, findings, line_of


class FindingTest(TempDirTestCase):
    def test_blocked_loop_names_the_blocking_line_while_stuck(self):
        result, messages, path = self.record_run("""
            import asyncio, time

            async def slow():
                time.sleep(0.3)  # BLOCK

            async def main():
                await asyncio.sleep(0.05)
                await slow()
                await asyncio.sleep(0.05)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        reports = findings(messages, "blocked-loop")
        self.assertEqual(len({r["id"] for r in reports}), 1, reports)
        ongoing, final = reports[0], reports[-1]
        self.assertTrue(ongoing["ongoing"])
        self.assertFalse(final["ongoing"])
        self.assertEqual(ongoing["id"], final["id"])
        for report in (ongoing, final):
            self.assertEqual(report["location"]["line"], line_of(path, "# BLOCK"))
            self.assertEqual(report["location"]["file"], path)
            self.assertEqual(report["stack"][-1]["function"], "slow")
        self.assertGreaterEqual(ongoing["duration"], 100)
        self.assertLess(ongoing["duration"], 300)
        self.assertGreaterEqual(final["duration"], 200)
        self.assertLess(final["duration"], 1000)
        self.assertEqual(final["taskName"], "Task-1")

    def test_busy_loop_of_short_callbacks_is_not_blocked(self):
        result, messages, _path = self.record_run("""
            import asyncio, time

            async def tiny():
                time.sleep(0.002)

            async def main():
                # ~0.3 s of short steps: the loop is busy but never stuck in one callback.
                for _ in range(15):
                    await asyncio.gather(*(tiny() for _ in range(10)))

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(findings(messages, "blocked-loop"), [])

    def test_never_awaited_coroutine_points_at_its_creation(self):
        result, messages, path = self.record_run("""
            import asyncio

            async def save():
                pass

            async def main():
                save()  # FORGOT-AWAIT
                await asyncio.sleep(0.05)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("RuntimeWarning: coroutine 'save' was never awaited", result.stderr)
        [report] = findings(messages, "never-awaited")
        self.assertEqual(report["location"]["line"], line_of(path, "# FORGOT-AWAIT"))
        self.assertEqual(report["location"]["file"], path)
        self.assertEqual(report["locationKind"], "dropped")  # the statement that created it also dropped it
        self.assertEqual(report["coro"], "save")

    FORGOTTEN_TWICE = """
        import asyncio

        async def save():  # DEFINED
            pass

        async def forget():
            coro = save()  # CREATED
            await asyncio.sleep(0)  # `coro` is dropped when the task ends, inside asyncio

        async def main():
            await asyncio.create_task(forget())
            await asyncio.create_task(forget())

        asyncio.run(main())
    """

    def never_awaited_kinds(self, *options):
        result, messages, path = self.record_run(self.FORGOTTEN_TWICE, *options)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("RuntimeWarning: coroutine 'save' was never awaited", result.stderr)
        reports = findings(messages, "never-awaited")
        self.assertEqual(len(reports), 2, reports)
        lines = {"created": line_of(path, "# CREATED"), "defined": line_of(path, "# DEFINED")}
        for report in reports:
            self.assertEqual(report["location"]["line"], lines[report["locationKind"]], report)
            self.assertEqual(report["location"]["file"], path)
        return [report["locationKind"] for report in reports], reports

    def test_origin_tracking_starts_at_the_first_never_awaited_coroutine(self):
        kinds, reports = self.never_awaited_kinds()
        # The first one was dropped inside asyncio, before origin tracking was on: it points at the coroutine's
        # definition. The repeat carries its creation site and origin stack.
        self.assertEqual(kinds, ["defined", "created"])
        self.assertIsNone(reports[0]["created"])
        self.assertEqual(reports[1]["created"]["function"], "forget")
        self.assertEqual(reports[1]["stack"][-1]["function"], "forget")

    def test_origin_tracking_from_the_start_or_never(self):
        self.assertEqual(self.never_awaited_kinds("--origin-tracking")[0], ["created", "created"])
        self.assertEqual(self.never_awaited_kinds("--no-origin-tracking")[0], ["defined", "defined"])

    def test_task_exception_never_retrieved(self):
        result, messages, path = self.record_run("""
            import asyncio, gc

            async def explode():
                raise RuntimeError("lost")  # RAISE

            async def main():
                task = asyncio.create_task(explode())  # CREATE
                await asyncio.sleep(0.05)
                del task
                gc.collect()
                await asyncio.sleep(0.05)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Task exception was never retrieved", result.stderr)
        [report] = findings(messages, "exception-never-retrieved")
        self.assertEqual(report["location"]["line"], line_of(path, "# RAISE"))
        self.assertEqual(report["exception"]["type"], "RuntimeError")
        self.assertIn("lost", report["message"])

    def test_tasks_destroyed_while_pending(self):
        # One orphan gets a record of its own at creation; past the first tasks of an interval they are recorded
        # in runs (monitor.Run): the finalizer's lookup must find each one's own id and creation site either way.
        for count in (1, 300):
            with self.subTest(orphans=count):
                result, messages, path = self.record_run("""
                    import asyncio, gc

                    async def stuck():
                        await asyncio.get_running_loop().create_future()

                    async def main():
                        for _ in range(%d):
                            asyncio.create_task(stuck())  # ORPHAN
                        await asyncio.sleep(0.05)

                    loop = asyncio.new_event_loop()
                    loop.run_until_complete(main())
                    loop.close()
                    gc.collect()
                """ % count)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn("Task was destroyed but it is pending!", result.stderr)
                reports = findings(messages, "destroyed-pending")
                self.assertEqual(len(reports), count)
                self.assertEqual({report["location"]["line"] for report in reports}, {line_of(path, "# ORPHAN")})
                self.assertEqual({report["coro"] for report in reports}, {"stuck"})
                self.assertEqual(len({report["taskId"] for report in reports if report["taskId"] is not None}), count)

    def test_tasks_pending_when_main_returns(self):
        result, messages, path = self.record_run("""
            import asyncio

            async def background():
                await asyncio.sleep(10)

            async def main():
                asyncio.create_task(background(), name="left-behind")  # LEFT
                await asyncio.sleep(0.01)

            asyncio.run(main())
        """)
        self.assertEqual(result.returncode, 0, result.stderr)
        [report] = findings(messages, "pending-at-exit")
        self.assertEqual(report["location"]["line"], line_of(path, "# LEFT"))
        self.assertEqual(report["taskName"], "left-behind")
        finished = [t for m in messages if m["type"] == "snapshot" for t in m["finished"] if t["name"] == "left-behind"]
        self.assertTrue(finished, "the cancelled task is in the finished history")
        self.assertEqual(finished[-1]["state"], "cancelled")
        self.assertEqual(finished[-1]["cancelledBy"], "shutdown")


if __name__ == "__main__":
    unittest.main()
