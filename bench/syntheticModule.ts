// A large, deterministic, realistic asyncio module for the editor-latency benchmark: service classes with locks,
// queues, gather, retries and a few real mistakes (a blocking sleep, a lost task), so every edit is re-linted
// into a non-empty set of findings. Also the places where the benchmark types.
import type { Position } from 'vscode-languageserver-protocol';

export interface SyntheticModule {
  text: string;
  lines: number;
  /** Where one-character edits go, a few per block: in a comment, in a number, in a name, in an open call. */
  editSites: { kind: EditKind; position: Position }[];
}

export type EditKind = 'comment' | 'number' | 'identifier' | 'syntax-error';

const HEADER = `"""Upstream services: fetch, cache and fan out requests (generated for the Asyncio Lens benchmark)."""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiohttp

log = logging.getLogger(__name__)
executor = ThreadPoolExecutor(max_workers=4)

`;

function block(i: number): string[] {
  const lines = [
    `@dataclass`,
    `class Stats${i}:`,
    `    hits: int = 0`,
    `    misses: int = 0`,
    `    latencies: list[float] = field(default_factory=list)`,
    ``,
    ``,
    `class Service${i}:`,
    `    """Talks to upstream ${i} and caches what it learns."""`,
    ``,
    `    def __init__(self, session: aiohttp.ClientSession, limit: int = ${(i % 7) + 2}) -> None:`,
    `        self.session = session`,
    `        self.lock = asyncio.Lock()`,
    `        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=limit)`,
    `        self.cache: dict[str, bytes] = {}`,
    `        self.stats = Stats${i}()`,
    ``,
    `    async def fetch(self, url: str) -> bytes:`,
    `        # step ${i}: cached responses skip the network`,
    `        if url in self.cache:`,
    `            self.stats.hits += 1`,
    `            return self.cache[url]`,
    `        started = time.monotonic()`,
    `        async with self.lock:`,
    `            async with self.session.get(url, timeout=${(i % 5) + 1}) as response:`,
    `                body = await response.read()`,
    `        self.stats.misses += 1`,
    `        self.stats.latencies.append(time.monotonic() - started)`,
    `        self.cache[url] = body`,
    `        return body`,
    ``,
    `    async def fetch_all(self, urls: list[str]) -> list[bytes]:`,
    `        results = await asyncio.gather(*(self.fetch(u) for u in urls))`,
    `        return list(results)`,
    ``,
    `    async def worker(self) -> None:`,
    `        while True:`,
    `            url = await self.queue.get()`,
    `            try:`,
    `                await self.fetch(url)`,
    `            except aiohttp.ClientError:`,
    `                log.warning("upstream ${i} failed for %s", url)`,
    `            finally:`,
    `                self.queue.task_done()`,
    ``,
    `    async def retry(self, url: str, attempts: int = 3) -> bytes | None:`,
    `        for attempt in range(attempts):`,
    `            try:`,
    `                return await asyncio.wait_for(self.fetch(url), timeout=2.5)`,
    `            except asyncio.TimeoutError:`,
    `                time.sleep(0.1 * attempt)`,
    `        return None`,
    ``,
    `    async def digest(self, url: str) -> str:`,
    `        body = await self.fetch(url)`,
    `        loop = asyncio.get_running_loop()`,
    `        return await loop.run_in_executor(executor, summarize_${i}, [body])`,
    ``,
    `    def start(self) -> None:`,
    `        asyncio.create_task(self.worker())`,
    ``,
    ``,
    `def summarize_${i}(payloads: list[bytes]) -> str:`,
    `    total = 0`,
    `    for payload in payloads:`,
    `        total += len(payload)`,
    `    return f"{total} bytes"`,
    ``,
    ``,
  ];
  if (i % 3 === 0) {
    lines.push(
      `async def main_${i}(urls: list[str]) -> None:`,
      `    async with aiohttp.ClientSession() as session:`,
      `        service = Service${i}(session)`,
      `        service.start()`,
      `        for url in urls:`,
      `            await service.queue.put(url)`,
      `        await service.queue.join()`,
      ``,
      ``,
    );
  }
  return lines;
}

/** Sites in a block, as (line in block, text on that line after which to type). */
const SITES: { kind: EditKind; line: number; after: string }[] = [
  { kind: 'comment', line: 18, after: 'cached responses' },
  { kind: 'number', line: 48, after: 'timeout=2' },
  { kind: 'identifier', line: 25, after: 'body' },
  { kind: 'syntax-error', line: 32, after: 'asyncio.gather' },
];

/** A module of about `targetLines` lines (whole blocks, never fewer). */
export function syntheticAsyncModule(targetLines: number): SyntheticModule {
  const lines = HEADER.split('\n');
  lines.pop();
  const editSites: SyntheticModule['editSites'] = [];
  for (let i = 0; lines.length < targetLines; i++) {
    const start = lines.length;
    const body = block(i);
    for (const site of SITES) {
      const column = body[site.line].indexOf(site.after);
      if (column < 0) throw new Error(`synthetic block ${i} line ${site.line} lacks "${site.after}"`);
      editSites.push({ kind: site.kind, position: { line: start + site.line, character: column + site.after.length } });
    }
    lines.push(...body);
  }
  return { text: lines.join('\n') + '\n', lines: lines.length, editSites };
}
