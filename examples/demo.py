"""Asyncio Lens demo: a small crawler with a worker pool, run it under the task inspector:

    node dist/cli.js run --tree -- examples/demo.py

It shows workers fed by a bounded queue, a gather, a TaskGroup (Python 3.11+; a gather before), a long-lived ticker
task you can cancel from the view, a deliberate blocking call that stalls the event loop, and a forgotten task that is
still pending when the program ends. It finishes by itself in about 3.5 seconds.
"""

import asyncio
import sys
import time

JOBS = 24
WORKERS = 3


async def fetch(url, delay):
    await asyncio.sleep(delay)  # stands in for network I/O
    return "%s: 200" % url


async def worker(queue, results):
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(0.25)  # stands in for real work
            results.append(job * job)
        finally:
            queue.task_done()


async def producer(queue):
    for job in range(JOBS):
        await queue.put(job)  # the queue is bounded: this waits while the workers are busy


async def pipeline(queue):
    await producer(queue)
    await queue.join()


async def crawl_batch(urls):
    if sys.version_info >= (3, 11):
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fetch(url, 1.2)) for url in urls]
        return [task.result() for task in tasks]
    return await asyncio.gather(*(fetch(url, 1.2) for url in urls))


async def crawl():
    front = await asyncio.gather(fetch("/", 0.8), fetch("/about", 1.0), fetch("/blog", 0.9))
    batch = await crawl_batch(["/blog/1", "/blog/2", "/blog/3"])
    return front + batch


async def ticker():
    while True:
        await asyncio.sleep(0.25)


def write_report(results):
    time.sleep(0.3)  # deliberate: a blocking call inside a coroutine stalls the whole event loop
    return len(results)


async def summarize(results):
    return write_report(results)


async def flush_metrics():
    await asyncio.sleep(30)


async def main():
    queue = asyncio.Queue(maxsize=4)
    results = []
    tick = asyncio.create_task(ticker(), name="ticker")
    workers = [asyncio.create_task(worker(queue, results), name="worker-%d" % i) for i in range(WORKERS)]
    pages, _ = await asyncio.gather(crawl(), pipeline(queue))
    count = await summarize(results)
    asyncio.create_task(flush_metrics())  # forgotten: no reference kept, never awaited, still pending at exit
    for task in workers + [tick]:
        task.cancel()
    await asyncio.gather(*workers, tick, return_exceptions=True)
    print("crawled %d pages, processed %d jobs" % (len(pages), count))


if __name__ == "__main__":
    asyncio.run(main())
