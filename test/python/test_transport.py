"""The live channel: token handshake, commands from the client, and a client that goes away."""

import os
import time
import unittest

from helpers import FakeClient, TempDirTestCase, findings, of_type, read_record, run_adapter, start_adapter

LONG_RUNNING = """
    import asyncio

    async def sleeper():
        try:
            await asyncio.sleep(30)  # SLEEP
        except asyncio.CancelledError:
            print("sleeper cancelled")
            raise

    async def main():
        task = asyncio.create_task(sleeper(), name="sleeper")
        try:
            await task
        except asyncio.CancelledError:
            pass
        print("main done")

    asyncio.run(main())
"""


class TransportTest(TempDirTestCase):
    def start(self, client, source=LONG_RUNNING, *options):
        path = self.program(source)
        self.record = os.path.join(self.dir, "record.jsonl")
        process = start_adapter(["--interval", "50", "--record", self.record] + list(options) + [path],
                                env=client.env(), cwd=self.dir)
        self.addCleanup(client.close)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        return process

    def test_handshake_commands_and_cancel(self):
        client = FakeClient()
        process = self.start(client)
        hello = client.wait_for(lambda m: m["type"] == "hello")
        self.assertEqual(client.challenge["type"], "challenge")
        self.assertTrue(client.adapter_proof_ok, "hello carries the adapter's HMAC proof")
        self.assertEqual(hello["protocol"], 1)
        self.assertEqual(client.messages[0]["type"], "hello", "nothing is sent before hello")

        snapshot = client.wait_for(lambda m: m["type"] == "snapshot" and any(
            t["name"] == "sleeper" for t in m["tasks"]))
        sleeper = next(t for t in snapshot["tasks"] if t["name"] == "sleeper")

        client.send({"type": "get-task-stack", "requestId": 1, "taskId": sleeper["id"]})
        reply = client.wait_for(lambda m: m["type"] == "reply" and m["requestId"] == 1)
        self.assertTrue(reply["ok"])
        self.assertEqual([f["function"] for f in reply["task"]["stack"]], ["sleeper", "sleep"])

        client.send({"type": "get-task-stack", "requestId": 2, "taskId": 99999})
        reply = client.wait_for(lambda m: m["type"] == "reply" and m["requestId"] == 2)
        self.assertFalse(reply["ok"])
        self.assertIn("99999", reply["error"])

        client.send({"type": "set-interval", "requestId": 3, "intervalMs": 5})
        error = client.wait_for(lambda m: m["type"] == "error" and m.get("requestId") == 3)
        self.assertIn("intervalMs", error["message"])
        client.send_raw(b"this is not json\n")
        client.wait_for(lambda m: m["type"] == "error" and "not valid JSON" in m["message"])
        client.send({"type": "eval", "requestId": 4, "code": "__import__('os').system('false')"})
        client.wait_for(lambda m: m["type"] == "error" and m.get("requestId") == 4)

        client.send({"type": "pause", "requestId": 5})
        client.wait_for(lambda m: m["type"] == "reply" and m["requestId"] == 5)
        # A collection that began before the pause may still arrive (later on a loaded machine): wait until none has
        # for 0.2 s (2 s at most, so that snapshots that never stop fail below), then none may come while paused.
        paused_count = -1
        for _ in range(10):
            if paused_count == len(of_type(client.messages, "snapshot")):
                break
            paused_count = len(of_type(client.messages, "snapshot"))
            time.sleep(0.2)
        time.sleep(0.4)
        self.assertEqual(len(of_type(client.messages, "snapshot")), paused_count)
        client.send({"type": "request-snapshot", "requestId": 6})
        client.wait_for(lambda m: m["type"] == "reply" and m["requestId"] == 6)
        client.wait_for(lambda m: m["type"] == "snapshot" and m["full"] and m["seq"] > snapshot["seq"] and len(
            of_type(client.messages, "snapshot")) > paused_count)
        client.send({"type": "resume", "requestId": 7})
        client.send({"type": "set-interval", "requestId": 8, "intervalMs": 100})
        client.wait_for(lambda m: m["type"] == "reply" and m["requestId"] == 8 and m["ok"])

        client.send({"type": "cancel-task", "requestId": 9, "taskId": sleeper["id"]})
        reply = client.wait_for(lambda m: m["type"] == "reply" and m["requestId"] == 9)
        self.assertTrue(reply["ok"], reply)
        stdout, stderr = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 0, stderr)
        self.assertEqual(stdout, "sleeper cancelled\nmain done\n")
        goodbye = client.wait_for(lambda m: m["type"] == "goodbye")
        self.assertEqual(goodbye["exitCode"], 0)
        finished = [t for m in of_type(client.messages, "snapshot") for t in m["finished"] if t["id"] == sleeper["id"]]
        self.assertEqual(finished[-1]["state"], "cancelled")
        self.assertEqual(finished[-1]["cancelledBy"], "client")

    def test_wrong_token_is_refused_and_the_program_runs_anyway(self):
        client = FakeClient(answer_token="not-the-token")
        process = self.start(client, "print('ran')\n")
        stdout, stderr = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 0)
        self.assertEqual(stdout, "ran\n")
        self.assertIn("authentication failed", stderr)
        client.closed.wait(10)
        self.assertEqual([m["type"] for m in client.messages], ["error"])
        self.assertFalse(client.hello.is_set())
        # The recording does not depend on the client.
        self.assertEqual(of_type(read_record(self.record), "goodbye")[0]["exitCode"], 0)

    def test_client_vanishing_mid_run_does_not_harm_the_program(self):
        client = FakeClient(vanish_after_hello=True)
        process = self.start(client, """
            import asyncio, time

            async def main():
                for step in range(8):
                    await asyncio.sleep(0.05)
                time.sleep(0.15)  # a finding after the client left
                print("finished", step)

            asyncio.run(main())
        """)
        stdout, stderr = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 0, stderr)
        self.assertEqual(stdout, "finished 7\n")
        messages = read_record(self.record)
        self.assertEqual(len(findings(messages, "blocked-loop")), 2)
        self.assertEqual(messages[-1]["type"], "goodbye")

    def test_no_listening_client_only_warns(self):
        client = FakeClient()
        client.close()
        result = run_adapter([self.program("print('still runs')\n")], env=client.env(), cwd=self.dir)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "still runs\n")
        self.assertIn("no live client", result.stderr)

    def test_non_loopback_host_is_refused(self):
        result = run_adapter([self.program("print('ok')\n")], cwd=self.dir, env={
            "ASYNCIO_LENS_HOST": "192.0.2.1", "ASYNCIO_LENS_PORT": "9", "ASYNCIO_LENS_TOKEN": "x" * 32})
        self.assertEqual(result.returncode, 0)
        self.assertIn("refusing non-loopback", result.stderr)


if __name__ == "__main__":
    unittest.main()
