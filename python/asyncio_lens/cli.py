"""Command line: `python -m asyncio_lens run [options] script.py [args]` or `... run [options] -m module [args]`.

The program runs in this process exactly as `python script.py` would run it: same sys.argv, __main__, sys.path[0],
stdio, traceback and exit status. The adapter only writes to stderr for --tree and for its own problems."""

import os
import platform
import runpy
import signal
import sys
import time
import traceback

from asyncio_lens import PROTOCOL_VERSION, __version__
from asyncio_lens.frames import is_internal

USAGE = """usage: python -m asyncio_lens run [options] script.py [args...]
       python -m asyncio_lens run [options] -m module [args...]

options:
  --interval MS          snapshot interval (default 500)
  --block-threshold MS   report the loop as blocked after MS (default 100)
  --record FILE          write every message to FILE (JSON Lines)
  --tree                 print the task tree to stderr every --tree-interval ms and at exit
  --tree-interval MS     (default 2000)
  --creation-stack       record each task's full creation stack
  --origin-tracking      track where every coroutine is created from the start (costs on every coroutine call;
                         by default it starts at the first coroutine found never awaited)
  --no-origin-tracking   never enable coroutine origin tracking
Connects to a client given by ASYNCIO_LENS_HOST/PORT (or SOCKET) and ASYNCIO_LENS_TOKEN when set
(see docs/runtime-protocol.md).
"""


class UsageError(Exception):
    pass


def _milliseconds(name, text, low, high):
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise UsageError("%s expects a whole number of milliseconds, got %r" % (name, text)) from None
    if not low <= value <= high:
        raise UsageError("%s must be between %d and %d" % (name, low, high))
    return value


def parse_args(argv):
    options = {
        "interval": 500, "block_threshold": 100, "record": None, "tree": False, "tree_interval": 2000,
        "creation_stack": False, "origin_tracking": "auto", "module": None, "script": None, "args": [],
    }
    if not argv or argv[0] != "run":
        raise UsageError("expected the 'run' command")
    rest = list(argv[1:])
    valued = {"--interval": (50, 60000), "--block-threshold": (10, 600000), "--tree-interval": (100, 3600000)}
    while rest:
        arg = rest.pop(0)
        if arg in ("-h", "--help"):
            raise UsageError("")
        if arg == "--":
            if not rest:
                raise UsageError("missing script after --")
            arg = rest.pop(0)
            if arg == "-m":
                if not rest:
                    raise UsageError("-m needs a module name")
                options["module"] = rest.pop(0)
            else:
                options["script"] = arg
            break
        if arg in valued:
            if not rest:
                raise UsageError("%s needs a value" % arg)
            key = arg[2:].replace("-", "_")
            options[key] = _milliseconds(arg, rest.pop(0), *valued[arg])
        elif arg == "--record":
            if not rest:
                raise UsageError("--record needs a file name")
            options["record"] = rest.pop(0)
        elif arg == "--tree":
            options["tree"] = True
        elif arg == "--creation-stack":
            options["creation_stack"] = True
        elif arg == "--origin-tracking":
            options["origin_tracking"] = "on"
        elif arg == "--no-origin-tracking":
            options["origin_tracking"] = "off"
        elif arg == "-m":
            if not rest:
                raise UsageError("-m needs a module name")
            options["module"] = rest.pop(0)
            break
        elif arg.startswith("-"):
            raise UsageError("unknown option %s" % arg)
        else:
            options["script"] = arg
            break
    if options["module"] is None and options["script"] is None:
        raise UsageError("missing the script (or -m module) to run")
    options["args"] = rest
    return options


def _exit_status(code):
    """What the interpreter exits with for SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1


def _program_traceback(tb):
    """Drops the launcher's and runpy's frames so the traceback starts in the program, as with `python script.py`."""
    while tb is not None and (is_internal(tb.tb_frame.f_code.co_filename)):
        tb = tb.tb_next
    return tb


def _run_program(options):
    if options["module"] is not None:
        sys.argv = [options["module"]] + options["args"]  # run_module replaces argv[0] with the module's path
        runpy.run_module(options["module"], run_name="__main__", alter_sys=True)
    else:
        path = os.path.abspath(options["script"])
        sys.argv = [options["script"]] + options["args"]
        sys.path[0] = os.path.dirname(path)
        runpy.run_path(path, run_name="__main__")


def main(argv=None):
    from asyncio_lens import hooks, transport
    from asyncio_lens.monitor import Monitor
    from asyncio_lens.tree import TreePrinter
    from asyncio_lens.watchdog import Watchdog

    try:
        options = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as error:
        if str(error):
            sys.stderr.write("asyncio-lens: %s\n" % error)
        sys.stderr.write(USAGE)
        sys.exit(2 if str(error) else 0)
    if options["script"] is not None and not os.path.exists(options["script"]):
        sys.stderr.write("%s: can't open file %r: [Errno 2] No such file or directory\n" % (
            sys.executable, os.path.abspath(options["script"])))
        sys.exit(2)

    try:
        settings = transport.take_client_settings(os.environ)
    except ValueError as error:
        transport.warn("%s; running without a live client" % error)
        settings = None
    tree = TreePrinter(options["tree_interval"] / 1000.0) if options["tree"] else None
    try:
        channel = transport.Channel(options["record"], tree)
    except OSError as error:
        sys.stderr.write("asyncio-lens: cannot open the recording file: %s\n" % error)
        sys.exit(2)
    monitor = Monitor(channel, options["interval"] / 1000.0, options["block_threshold"] / 1000.0,
                      options["creation_stack"], options["origin_tracking"])
    hooks.install(monitor)

    client_proof = None
    reader = None
    if settings is not None:
        address, family, token = settings
        try:
            sock, reader, client_nonce = transport.connect_and_authenticate(address, family, token)
            channel.attach(sock)
            client_proof = transport.proof(token, "adapter", client_nonce)
        except (OSError, transport.HandshakeError) as error:
            transport.warn("no live client (%s); the program runs anyway" % (error,))

    program_argv = [options["module"] or options["script"]] + options["args"]
    channel.send_now({
        "type": "hello", "protocol": PROTOCOL_VERSION, "adapter": "asyncio-lens", "adapterVersion": __version__,
        "pid": os.getpid(), "python": platform.python_version(),
        "implementation": sys.implementation.name, "platform": sys.platform, "argv": program_argv,
        "cwd": os.getcwd(), "startedAt": time.time() * 1000.0, "intervalMs": options["interval"],
        "blockThresholdMs": options["block_threshold"], "proof": client_proof,
    })
    channel.start()
    if reader is not None and channel.connected:
        transport.start_reader(reader, channel, monitor.handle_command)
    watchdog = Watchdog(monitor)
    watchdog.start()

    def finish(exit_code, reason, error=None):
        from asyncio_lens.frames import exception_summary

        watchdog.stop()
        channel.emit({
            "type": "goodbye", "time": time.time() * 1000.0, "exitCode": exit_code, "reason": reason,
            "exception": exception_summary(error) if error is not None else None,
            "findings": monitor.findings_sent,
        })
        channel.close()

    try:
        _run_program(options)
    except SystemExit as exit_request:
        finish(_exit_status(exit_request.code), "exit")
        raise
    except KeyboardInterrupt as interrupt:
        interrupt.__traceback__ = _program_traceback(interrupt.__traceback__)
        traceback.print_exception(type(interrupt), interrupt, interrupt.__traceback__)
        finish(130, "interrupt", interrupt)
        if hasattr(signal, "SIGINT") and hasattr(os, "kill"):
            # Exit "killed by SIGINT", as the interpreter does for an unhandled KeyboardInterrupt.
            sys.stdout.flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        sys.exit(130)
    except BaseException as error:  # noqa: B902 - the program's uncaught exception, reported like the interpreter
        # The default hook prints the exception's own __traceback__, so the launcher's frames are cut there.
        error.__traceback__ = _program_traceback(error.__traceback__)
        sys.excepthook(type(error), error, error.__traceback__)
        finish(1, "exception", error)
        sys.exit(1)
    finish(0, "exit")
    sys.exit(0)
