// Benchmark worker: the real language server over LSP (dist/server.js, forked like an editor would).
//   node --expose-gc bench/results/.workers/editorLatency.js <workspace dir> <lines>:<edits>...
// 1. Starts the server on the workspace and times the initial index; asks for its heap afterwards (the server
//    inherits --expose-gc, so the figure is taken after a full collection).
// 2. For each synthetic module size: opens it, then types one character at a time (typing one, deleting it
//    again) and times each didChange until the publishDiagnostics of that very version arrives; also the
//    server's CPU time per edit, which the load of a shared machine does not inflate.
// Prints one JSON object.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Range } from 'vscode-languageserver-protocol';
import { LspSession } from '../test/support/lspClient';
import { syntheticAsyncModule, type EditKind } from './syntheticModule';

/** Edits typed first and not counted: the server's JIT warms up on them. */
const WARM_UP_EDITS = 10;

const TYPED: Record<EditKind, string> = { comment: 'x', number: '7', identifier: 's', 'syntax-error': '.' };

interface ResourceUsage {
  cpuMs: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  modules: number;
  collected: boolean;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function resourceUsage(session: LspSession, collect: boolean): Promise<ResourceUsage> {
  return session.connection.sendRequest('asyncioLens/resourceUsage', { collect });
}

async function measureFile(session: LspSession, dir: string, lines: number, edits: number) {
  const module = syntheticAsyncModule(lines);
  const path = join(dir, `service_${lines}.py`);
  writeFileSync(path, module.text);
  const openedAt = performance.now();
  const uri = await session.open(path, module.text);
  const initial = await session.diagnostics(uri, (_, version) => version === 1, 60000);
  const openMs = performance.now() - openedAt;
  const samples: number[] = [];
  const perKind: Record<string, number[]> = {};
  let cpuBefore = 0;
  for (let n = 0; n < WARM_UP_EDITS + edits; n++) {
    if (n === WARM_UP_EDITS) cpuBefore = (await resourceUsage(session, false)).cpuMs;
    // Pairs: type a character at a site, then delete it, so the file stays the same size throughout.
    const site = module.editSites[Math.floor(n / 2) % module.editSites.length];
    const typed = TYPED[site.kind];
    const at = site.position;
    const range: Range = n % 2 === 0 ? { start: at, end: at } : { start: at, end: { line: at.line, character: at.character + typed.length } };
    const started = performance.now();
    const version = await session.change(uri, range, n % 2 === 0 ? typed : '');
    await session.diagnostics(uri, (_, v) => v === version);
    const elapsed = performance.now() - started;
    if (n >= WARM_UP_EDITS) {
      samples.push(elapsed);
      (perKind[site.kind] ??= []).push(elapsed);
    }
  }
  const serverCpuPerEditMs = ((await resourceUsage(session, false)).cpuMs - cpuBefore) / edits;
  const sorted = [...samples].sort((a, b) => a - b);
  const kinds = Object.fromEntries(Object.entries(perKind).map(([k, v]) => [k, percentile(v.sort((a, b) => a - b), 50)]));
  return {
    lines: module.lines,
    findings: initial.length,
    openMs,
    edits: samples.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1],
    serverCpuPerEditMs,
    p50ByKind: kinds,
  };
}

async function main(): Promise<void> {
  const [workspace, ...specs] = process.argv.slice(2);
  const sizes = specs.map((s) => s.split(':').map(Number));
  if (!workspace || sizes.length === 0 || sizes.some(([lines, edits]) => !(lines > 0) || !(edits > 0))) {
    throw new Error('usage: editorLatency.js <workspace dir> <lines>:<edits>...');
  }
  const started = performance.now();
  const session = await LspSession.start(workspace);
  const indexMs = performance.now() - started;
  const dir = mkdtempSync(join(tmpdir(), 'lens-bench-'));
  try {
    const memory = await resourceUsage(session, true);
    const files = [];
    for (const [lines, edits] of sizes) files.push(await measureFile(session, dir, lines, edits));
    process.stdout.write(JSON.stringify({ indexMs, memory, files, serverErrors: session.logs.filter((l) => /failed|uncaught|unhandled/.test(l)) }) + '\n');
  } finally {
    await session.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
