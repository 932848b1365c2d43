"""Shared helpers: run a program under the adapter (a subprocess, like the real CLI) and act as its client."""

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

PACKAGE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "python"))


def write_program(directory, source, name="program.py"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(source))
    return path


def line_of(path, marker):
    """1-based line number of the first line containing `marker`."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if marker in line:
                return number
    raise AssertionError("marker %r not in %s" % (marker, path))


def adapter_env(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for key in ("ASYNCIO_LENS_HOST", "ASYNCIO_LENS_PORT", "ASYNCIO_LENS_SOCKET", "ASYNCIO_LENS_TOKEN"):
        env.pop(key, None)
    env.update(extra or {})
    return env


def run_adapter(args, env=None, cwd=None, timeout=60, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "asyncio_lens", "run"] + list(args),
        env=adapter_env(env), cwd=cwd, timeout=timeout, stdin=stdin,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
    )


def run_bare(args, cwd=None, timeout=60):
    return subprocess.run(
        [sys.executable] + list(args), env=adapter_env(), cwd=cwd, timeout=timeout,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
    )


def read_record(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def of_type(messages, kind):
    return [m for m in messages if m["type"] == kind]


def findings(messages, kind):
    return [m for m in messages if m["type"] == "finding" and m["kind"] == kind]


def final_tasks(messages):
    """Every task seen in any snapshot (latest version of each), plus finished ones; applies deltas."""
    seen = {}
    for message in of_type(messages, "snapshot"):
        for task in message["tasks"] + message["finished"]:
            seen[task["id"]] = task
    return seen


class FakeClient:
    """A loopback client in the role of the VS Code extension: listens, authenticates, collects messages."""

    def __init__(self, token=None, answer_token=None, vanish_after_hello=False):
        self.token = token or secrets.token_hex(16)
        self.answer_token = answer_token or self.token
        self.vanish_after_hello = vanish_after_hello
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.server.settimeout(20)
        self.port = self.server.getsockname()[1]
        self.messages = []
        self.challenge = None
        self.adapter_proof_ok = None
        self.conn = None
        self.closed = threading.Event()
        self.hello = threading.Event()
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def env(self):
        return {"ASYNCIO_LENS_HOST": "127.0.0.1", "ASYNCIO_LENS_PORT": str(self.port), "ASYNCIO_LENS_TOKEN": self.token}

    def _serve(self):
        try:
            self.conn, _ = self.server.accept()
            self.conn.settimeout(30)
            stream = self.conn.makefile("rb")
            self.challenge = json.loads(stream.readline())
            nonce = secrets.token_hex(16)
            proof = hmac.new(self.answer_token.encode(), ("client:" + self.challenge["nonce"]).encode(),
                             hashlib.sha256).hexdigest()
            self.send({"type": "auth", "protocol": 1, "proof": proof, "nonce": nonce})
            for raw in stream:
                message = json.loads(raw)
                if message["type"] == "hello":
                    expected = hmac.new(self.token.encode(), ("adapter:" + nonce).encode(), hashlib.sha256).hexdigest()
                    self.adapter_proof_ok = message["proof"] == expected
                with self.cond:
                    self.messages.append(message)
                    self.cond.notify_all()
                if message["type"] == "hello":
                    self.hello.set()
                    if self.vanish_after_hello:
                        self.conn.close()
                        return
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()

    def send(self, message):
        self.conn.sendall((json.dumps(message) + "\n").encode())

    def send_raw(self, data):
        self.conn.sendall(data)

    def wait_for(self, predicate, timeout=20):
        """Waits until some received message satisfies `predicate`; returns it."""
        with self.cond:
            found = self.cond.wait_for(lambda: next((m for m in self.messages if predicate(m)), None), timeout)
        if not found:
            raise AssertionError("timed out waiting for a message; got types %s" % [m["type"] for m in self.messages])
        return found

    def close(self):
        self.server.close()
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass


def start_adapter(args, env=None, cwd=None):
    return subprocess.Popen(
        [sys.executable, "-m", "asyncio_lens", "run"] + list(args), env=adapter_env(env), cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
    )


class TempDirTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def program(self, source, name="program.py"):
        return write_program(self.dir, source, name)

    def record_run(self, source, *options, env=None, name="program.py"):
        """Runs `source` under the adapter with --record; returns (completed process, messages, program path)."""
        path = self.program(source, name)
        record = os.path.join(self.dir, "record.jsonl")
        result = run_adapter(["--interval", "50", "--record", record] + list(options) + [path], env=env, cwd=self.dir)
        return result, read_record(record), path
