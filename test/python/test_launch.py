"""The program under the adapter behaves like `python script.py`: argv, __main__, stdio, exit status, tracebacks."""

import os
import sys
import unittest

from helpers import TempDirTestCase, of_type, read_record, run_adapter, run_bare

PROGRAM_ECHO = """
    import sys
    line = sys.stdin.readline()
    print("argv", sys.argv[1:], "main", __name__, "path0", sys.path[0] == __import__("os").path.dirname(__file__))
    print("stdin", line.strip())
    sys.stderr.write("to stderr\\n")
"""


class LaunchTest(TempDirTestCase):
    def test_stdio_argv_and_main_are_those_of_a_bare_run(self):
        path = self.program(PROGRAM_ECHO)
        with open(os.path.join(self.dir, "in.txt"), "w") as handle:
            handle.write("hello from stdin\n")
        with open(os.path.join(self.dir, "in.txt")) as stdin:
            lens = run_adapter([path, "one", "--two"], cwd=self.dir, stdin=stdin)
        with open(os.path.join(self.dir, "in.txt")) as stdin:
            import subprocess

            bare = subprocess.run([sys.executable, path, "one", "--two"], stdin=stdin, cwd=self.dir,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(lens.returncode, 0, lens.stderr)
        self.assertEqual(lens.stdout, bare.stdout)
        self.assertIn("argv ['one', '--two'] main __main__ path0 True", lens.stdout)
        self.assertEqual(lens.stderr, bare.stderr)

    def test_sys_exit_code_is_preserved(self):
        path = self.program("import sys\nsys.exit(3)\n")
        record = os.path.join(self.dir, "r.jsonl")
        result = run_adapter(["--record", record, path], cwd=self.dir)
        self.assertEqual(result.returncode, 3)
        goodbye = of_type(read_record(record), "goodbye")
        self.assertEqual([g["exitCode"] for g in goodbye], [3])
        self.assertEqual(goodbye[0]["reason"], "exit")

    def test_sys_exit_with_a_message_prints_it_and_exits_1(self):
        path = self.program("import sys\nsys.exit('fatal: no config')\n")
        result = run_adapter([path], cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, "fatal: no config\n")

    def test_uncaught_exception_prints_the_same_traceback_and_exits_1(self):
        path = self.program("""
            import asyncio

            async def main():
                raise ValueError("boom")

            asyncio.run(main())
        """)
        record = os.path.join(self.dir, "r.jsonl")
        lens = run_adapter(["--record", record, path], cwd=self.dir)
        bare = run_bare([path], cwd=self.dir)
        self.assertEqual(lens.returncode, 1)
        self.assertEqual(lens.stderr, bare.stderr)
        self.assertIn("ValueError: boom", lens.stderr)
        self.assertNotIn("asyncio_lens", lens.stderr)
        goodbye = of_type(read_record(record), "goodbye")[0]
        self.assertEqual((goodbye["exitCode"], goodbye["reason"]), (1, "exception"))
        self.assertEqual(goodbye["exception"]["type"], "ValueError")

    def test_module_mode_runs_a_package_module_as_main(self):
        package = os.path.join(self.dir, "pkg")
        os.mkdir(package)
        open(os.path.join(package, "__init__.py"), "w").close()
        with open(os.path.join(package, "tool.py"), "w") as handle:
            handle.write("import sys\nprint(__name__, sys.argv[1:], sys.argv[0].endswith('tool.py'))\n")
        result = run_adapter(["-m", "pkg.tool", "x", "-y"], cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "__main__ ['x', '-y'] True\n")

    def test_missing_script_and_bad_options_are_clear_errors(self):
        missing = run_adapter([os.path.join(self.dir, "nope.py")], cwd=self.dir)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("can't open file", missing.stderr)
        bad = run_adapter(["--interval", "fast", "x.py"], cwd=self.dir)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--interval expects a whole number", bad.stderr)
        unknown = run_adapter(["--frobnicate", "x.py"], cwd=self.dir)
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("unknown option --frobnicate", unknown.stderr)

    def test_record_is_json_lines_with_hello_first_and_goodbye_last(self):
        path = self.program("""
            import asyncio

            async def main():
                await asyncio.sleep(0.2)

            asyncio.run(main())
        """)
        record = os.path.join(self.dir, "r.jsonl")
        result = run_adapter(["--interval", "50", "--record", record, path], cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        messages = read_record(record)
        self.assertEqual(messages[0]["type"], "hello")
        self.assertEqual(messages[0]["protocol"], 1)
        self.assertIsNone(messages[0]["proof"])
        self.assertEqual(messages[-1]["type"], "goodbye")
        self.assertTrue(all("type" in m for m in messages))
        self.assertGreaterEqual(len(of_type(messages, "snapshot")), 2)


if __name__ == "__main__":
    unittest.main()
