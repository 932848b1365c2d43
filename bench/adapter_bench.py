"""Runtime adapter benchmark: overhead against the bare program, snapshot cost, stall-detection latency.

    python bench/adapter_bench.py [--runs N] [--python PY]

Prints one JSON object on stdout (progress on stderr). Each workload times itself inside the program (interpreter
start-up excluded) and is run alternately bare and under the adapter (default settings: 500 ms snapshots, 100 ms block
threshold, origin tracking on); the best of N runs of each is compared, as the machines are shared and noisy."""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PACKAGE_DIR = os.path.join(ROOT, "python")

SHORT_TASKS = """
    import asyncio, time

    async def short(i):
        return i

    async def main():
        started = time.perf_counter()
        for _ in range(100):
            await asyncio.gather(*[asyncio.create_task(short(i)) for i in range(1000)])
        print(time.perf_counter() - started)

    asyncio.run(main())
"""

ECHO_SERVER = """
    import asyncio, time

    CLIENTS, ROUND_TRIPS, PAYLOAD = 50, 400, b"x" * 64 + b"\\n"

    async def handle(reader, writer):
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            await writer.drain()
        writer.close()

    async def client(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(ROUND_TRIPS):
            writer.write(PAYLOAD)
            await writer.drain()
            await reader.readline()
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        started = time.perf_counter()
        await asyncio.gather(*(client(port) for _ in range(CLIENTS)))
        print(time.perf_counter() - started)
        server.close()
        await server.wait_closed()

    asyncio.run(main())
"""

# N tasks wait on one event while a probe task measures how late the loop runs it (the loop's worst stall).
MANY_TASKS = """
    import asyncio, sys, time

    N = int(sys.argv[1])

    async def idle(event):
        await event.wait()

    async def probe(stop, worst):
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst[0] = max(worst[0], time.perf_counter() - before - 0.001)

    async def main():
        event, stop, worst = asyncio.Event(), asyncio.Event(), [0.0]
        tasks = [asyncio.create_task(idle(event)) for _ in range(N)]
        await asyncio.sleep(0.3)  # creation done; measure from here
        worst[0] = 0.0
        prober = asyncio.create_task(probe(stop, worst))
        await asyncio.sleep(2.0)
        stop.set()
        await prober
        event.set()
        await asyncio.gather(*tasks)
        print(worst[0] * 1000.0)

    asyncio.run(main())
"""

BLOCKING = """
    import asyncio, time

    async def main():
        await asyncio.sleep(0.2)
        print(time.time() * 1000.0, flush=True)
        time.sleep(0.3)
        await asyncio.sleep(0.1)

    asyncio.run(main())
"""


def log(text):
    sys.stderr.write("adapter-bench: %s\n" % text)
    sys.stderr.flush()


def write(directory, name, source):
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        handle.write(textwrap.dedent(source))
    return path


def run(python, script, args=(), adapter_args=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_DIR
    for key in ("ASYNCIO_LENS_HOST", "ASYNCIO_LENS_PORT", "ASYNCIO_LENS_SOCKET", "ASYNCIO_LENS_TOKEN"):
        env.pop(key, None)
    command = [python]
    if adapter_args is not None:
        command += ["-m", "asyncio_lens", "run"] + list(adapter_args)
    command += [script] + list(args)
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if result.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(command), result.stderr[-2000:]))
    return result.stdout


def overhead(python, script, runs, directory):
    bare, lens = [], []
    record = os.path.join(directory, "overhead.jsonl")
    for _ in range(runs):
        bare.append(float(run(python, script).split()[-1]))
        lens.append(float(run(python, script, adapter_args=["--record", record]).split()[-1]))
    best_bare, best_lens = min(bare), min(lens)
    return {
        "bareSeconds": round(best_bare, 4),
        "adapterSeconds": round(best_lens, 4),
        "overheadPercent": round((best_lens / best_bare - 1.0) * 100.0, 1),
        "medianOverheadPercent": round((statistics.median(lens) / statistics.median(bare) - 1.0) * 100.0, 1),
        "runs": runs,
    }


def snapshot_cost(python, script, count, directory):
    record = os.path.join(directory, "snap-%d.jsonl" % count)
    worst_bare = float(run(python, script, [str(count)]).split()[-1])
    worst = float(run(python, script, [str(count)], adapter_args=["--record", record, "--interval", "500"]).split()[-1])
    sizes, full, deltas = {}, [], []
    with open(record) as handle:
        for line in handle:
            message = json.loads(line)
            if message["type"] != "snapshot" or message["taskCount"] < count:
                continue
            (full if message["full"] else deltas).append(message)
            sizes[message["seq"]] = len(line.encode("utf-8"))
    first = full[0]
    steady_full = full[1:] or full
    return {
        "tasks": count,
        "firstFullCollectMs": first["collectMs"],
        "steadyFullCollectMs": round(statistics.median(m["collectMs"] for m in steady_full), 2),
        "deltaCollectMs": round(statistics.median(m["collectMs"] for m in deltas), 2) if deltas else None,
        "fullMessageBytes": sizes[first["seq"]],
        "deltaMessageBytes": int(statistics.median(sizes[m["seq"]] for m in deltas)) if deltas else None,
        "worstLoopStallMs": round(worst, 2),
        "worstLoopStallBareMs": round(worst_bare, 2),
    }


def stall_detection(python, script, runs, directory, threshold_ms=100):
    latencies, durations = [], []
    record = os.path.join(directory, "stall.jsonl")
    for _ in range(runs):
        started = float(run(python, script, adapter_args=["--record", record]).split()[0])
        with open(record) as handle:
            blocked = [json.loads(line) for line in handle if '"blocked-loop"' in line]
        first = blocked[0]
        latencies.append(first["time"] - (started + threshold_ms))
        durations.append(blocked[-1]["duration"])
    return {
        "sleepMs": 300,
        "thresholdMs": threshold_ms,
        "reportedAfterThresholdMs": {"median": round(statistics.median(latencies), 1), "max": round(max(latencies), 1)},
        "reportedDurationMs": {"median": round(statistics.median(durations), 1)},
        "runs": runs,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--counts", default="1000,10000,50000")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        short = write(directory, "short_tasks.py", SHORT_TASKS)
        echo = write(directory, "echo_server.py", ECHO_SERVER)
        many = write(directory, "many_tasks.py", MANY_TASKS)
        blocking = write(directory, "blocking.py", BLOCKING)
        version = run(options.python, write(directory, "v.py", "import platform; print(platform.python_version())"))
        report = {"python": version.strip(), "machine": platform.machine(), "cpus": os.cpu_count()}
        log("100,000 short tasks ...")
        report["shortTasks"] = overhead(options.python, short, options.runs, directory)
        log("loopback echo server ...")
        report["echoServer"] = overhead(options.python, echo, options.runs, directory)
        report["snapshots"] = []
        for count in [int(c) for c in options.counts.split(",")]:
            log("snapshot of %d tasks ..." % count)
            report["snapshots"].append(snapshot_cost(options.python, many, count, directory))
        log("stall detection ...")
        report["stallDetection"] = stall_detection(options.python, blocking, options.runs, directory)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
