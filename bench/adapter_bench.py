"""Runtime adapter benchmark: overhead against the bare program, snapshot cost, stall-detection latency.

    python bench/adapter_bench.py [--runs N] [--snapshot-runs N] [--python PY]

Prints one JSON object on stdout (progress on stderr). Each workload measures itself inside the program (interpreter
start-up excluded): wall time, and CPU time of the whole process (all threads: the adapter's own threads count).
Runs alternate bare / adapter (default settings: 500 ms snapshots, 100 ms block threshold) so that both see the
same machine load, and each pair gives one ratio. The machines are shared: CPU time is what other processes disturb
least, so `cpuOverheadPercent` (median of the paired CPU ratios) is the figure to hold against a target; wall-time
figures (best of N, median of N) are reported beside it."""

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
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(100):
            await asyncio.gather(*[asyncio.create_task(short(i)) for i in range(1000)])
        print(time.perf_counter() - started, time.process_time() - cpu)

    asyncio.run(main())
"""

ECHO_SERVER = """
    import asyncio, time

    CLIENTS, ROUND_TRIPS, PAYLOAD = 50, 400, b"x" * 64 + b"\\n"

    # A freed 4 MiB buffer raises glibc's mmap threshold, so that every run serves recv()'s 256 KiB buffers from the
    # heap. Otherwise whether each recv() pays an mmap and a munmap depends on what the process happened to free
    # before (importing a few more modules can flip it): that alone made runs differ by 2x.
    bytearray(4 << 20)

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
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client(port) for _ in range(CLIENTS)))
        print(time.perf_counter() - started, time.process_time() - cpu)
        server.close()
        await server.wait_closed()

    asyncio.run(main())
"""

# N tasks wait on one event while a probe task measures how late the loop runs it (the loop's worst stall), and the
# loop thread's CPU time in that worst window: the part of the stall that is work on that thread (collection slices,
# a garbage collection), which, unlike wall time, other processes taking the CPU away do not inflate.
MANY_TASKS = """
    import asyncio, sys, time

    N = int(sys.argv[1])

    async def idle(event):
        await event.wait()

    async def probe(stop, worst):
        while not stop.is_set():
            before, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(0.001)
            late = time.perf_counter() - before - 0.001
            if late > worst[0]:
                worst[:] = [late, time.thread_time() - cpu]

    async def main():
        event, stop, worst = asyncio.Event(), asyncio.Event(), [0.0, 0.0]
        tasks = [asyncio.create_task(idle(event)) for _ in range(N)]
        await asyncio.sleep(0.3)  # creation done; measure from here
        worst[:] = [0.0, 0.0]
        prober = asyncio.create_task(probe(stop, worst))
        await asyncio.sleep(2.0)
        stop.set()
        await prober
        event.set()
        await asyncio.gather(*tasks)
        print(worst[0] * 1000.0, worst[1] * 1000.0)

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


def percent(ratio):
    return round((ratio - 1.0) * 100.0, 1)


def overhead(python, script, runs, directory):
    """Alternating bare and adapter runs; each pair gives a CPU ratio and a wall ratio."""
    bare, lens = [], []  # (wall s, CPU s) per run
    record = os.path.join(directory, "overhead.jsonl")
    for _ in range(runs):
        bare.append([float(x) for x in run(python, script).split()[-2:]])
        lens.append([float(x) for x in run(python, script, adapter_args=["--record", record]).split()[-2:]])
    bare_wall, bare_cpu = [b[0] for b in bare], [b[1] for b in bare]
    lens_wall, lens_cpu = [a[0] for a in lens], [a[1] for a in lens]
    cpu_ratios = [a / b for a, b in zip(lens_cpu, bare_cpu)]
    return {
        # Wall time: best of N, and median of N.
        "bareSeconds": round(min(bare_wall), 4),
        "adapterSeconds": round(min(lens_wall), 4),
        "overheadPercent": percent(min(lens_wall) / min(bare_wall)),
        "medianOverheadPercent": percent(statistics.median(lens_wall) / statistics.median(bare_wall)),
        "pairedWallOverheadPercent": percent(statistics.median(a / b for a, b in zip(lens_wall, bare_wall))),
        # CPU time of the measured process: medians, and the median of the paired ratios with their range.
        "bareCpuSeconds": round(statistics.median(bare_cpu), 4),
        "adapterCpuSeconds": round(statistics.median(lens_cpu), 4),
        "cpuOverheadPercent": percent(statistics.median(cpu_ratios)),
        "cpuOverheadRangePercent": [percent(min(cpu_ratios)), percent(max(cpu_ratios))],
        "runs": runs,
    }


def read_snapshots(record, count):
    """Snapshots of the loop with the `count` tasks, and each one's line length."""
    sizes, full, deltas = {}, [], []
    with open(record) as handle:
        for line in handle:
            message = json.loads(line)
            if message["type"] != "snapshot" or message["taskCount"] < count:
                continue
            (full if message["full"] else deltas).append(message)
            sizes[message["seq"]] = len(line.encode("utf-8"))
    return full, deltas, sizes


def snapshot_cost(python, script, count, runs, directory):
    """Medians over `runs` alternating bare / adapter runs (collection figures from each adapter run's recording)."""
    record = os.path.join(directory, "snap-%d.jsonl" % count)
    stalls, stall_cpus, bare_stalls, runs_seen = [], [], [], []
    for _ in range(runs):
        bare_stalls.append(float(run(python, script, [str(count)]).split()[0]))
        wall, cpu = [float(x) for x in run(python, script, [str(count)], adapter_args=["--record", record]).split()]
        stalls.append(wall)
        stall_cpus.append(cpu)
        runs_seen.append(read_snapshots(record, count))

    def median_of(values, digits=2):
        values = [v for v in values if v is not None]
        return round(statistics.median(values), digits) if values else None

    firsts = [full[0] for full, _deltas, _sizes in runs_seen]
    deltas = [m for _full, run_deltas, _sizes in runs_seen for m in run_deltas]
    steady_full = [m for full, _deltas, _sizes in runs_seen for m in full[1:]] or firsts
    gaps = [b["time"] - a["time"] for full, run_deltas, _sizes in runs_seen
            for a, b in zip(sorted(full + run_deltas, key=lambda m: m["seq"]),
                            sorted(full + run_deltas, key=lambda m: m["seq"])[1:])]
    return {
        "tasks": count,
        "firstFullCollectMs": median_of(m["collectMs"] for m in firsts),
        "firstFullCollectCpuMs": median_of(m.get("collectCpuMs") for m in firsts),  # .get: older adapters
        "steadyFullCollectMs": median_of(m["collectMs"] for m in steady_full),
        "deltaCollectMs": median_of(m["collectMs"] for m in deltas),
        "deltaCollectCpuMs": median_of(m.get("collectCpuMs") for m in deltas),
        # The longest slice of each run's collections: the longest the loop waited for the adapter at once.
        "longestSliceMs": median_of(max((m.get("longestSliceMs") or 0.0) for m in full + run_deltas)
                                    for full, run_deltas, _sizes in runs_seen),
        "snapshotGapMs": median_of(gaps, 1),  # periodic snapshots are spaced out when collecting costs much
        "fullMessageBytes": runs_seen[0][2][firsts[0]["seq"]],
        "deltaMessageBytes": int(median_of(sizes[m["seq"]] for _full, run_deltas, sizes in runs_seen
                                           for m in run_deltas)) if deltas else None,
        "worstLoopStallMs": median_of(stalls),
        "worstLoopStallCpuMs": median_of(stall_cpus),
        "worstLoopStallBareMs": median_of(bare_stalls),
        "runs": runs,
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
    parser.add_argument("--snapshot-runs", type=int, default=3)
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
            report["snapshots"].append(snapshot_cost(options.python, many, count, options.snapshot_runs, directory))
        log("stall detection ...")
        report["stallDetection"] = stall_detection(options.python, blocking, options.runs, directory)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
