// Benchmark worker: lint throughput of one tool, in this process, on the corpus read into memory first.
//   node bench/results/.workers/lintThroughput.js lens|ruff <passes> <dir>...
// Prints one JSON object. Each pass is a whole run over the corpus (the first one includes JIT/WASM warm-up).
import { performance } from 'node:perf_hooks';
import { PyprojectLocator, resolveConfig } from '../server/config';
import { buildModel, indexSource, runRules } from '../server/engine';
import { WorkspaceIndex } from '../server/model/workspaceIndex';
import { loadParser, parse, ParseError } from '../server/parser';
import { RULES } from '../server/rules/registry';
import type { Rule } from '../server/rules/types';
import { loadCorpus, type Corpus } from './corpus';

interface PassResult {
  ms: number;
  /** CPU time of this process (all its threads) during the pass. */
  cpuMs: number;
  findings: number;
  /** Where the time went, for our engine. */
  phases?: Record<string, number>;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function lensPass(corpus: Corpus, ruleTimes: Map<string, number>): Promise<PassResult & { ruleFailures: number; heapAfterIndexMB: number }> {
  const parser = await loadParser();
  const index = new WorkspaceIndex();
  const locator = new PyprojectLocator();
  // Each rule timed on its own, so a rule that dominates shows up by name.
  const timedRules: Rule[] = RULES.map((rule) => ({
    meta: rule.meta,
    check(context) {
      const started = performance.now();
      try {
        rule.check(context);
      } finally {
        ruleTimes.set(rule.meta.code, (ruleTimes.get(rule.meta.code) ?? 0) + performance.now() - started);
      }
    },
  }));
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (const file of corpus.files) {
    try {
      indexSource(parser, file.text, file.path, index);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  }
  const indexed = performance.now();
  const indexCpu = process.cpuUsage(cpuStarted);
  // Measured after a collection (when --expose-gc is on) and kept out of the timing.
  global.gc?.();
  const heapAfterIndexMB = process.memoryUsage().heapUsed / 1048576;
  const lintStarted = performance.now();
  const lintCpuStarted = process.cpuUsage();
  let parseMs = 0;
  let modelMs = 0;
  let rulesMs = 0;
  let findings = 0;
  let ruleFailures = 0;
  // The lint pass of `analyzeSource`, phase by phase.
  for (const file of corpus.files) {
    const config = resolveConfig(locator.settingsFor(file.path).settings);
    const t0 = performance.now();
    let tree;
    try {
      tree = parse(parser, file.text);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      continue;
    }
    const t1 = performance.now();
    try {
      const { model } = buildModel(tree, file.text, file.path, index);
      const t2 = performance.now();
      const analysis = runRules(model, config, timedRules);
      const t3 = performance.now();
      findings += analysis.findings.length;
      ruleFailures += analysis.failures.length;
      parseMs += t1 - t0;
      modelMs += t2 - t1;
      rulesMs += t3 - t2;
    } finally {
      tree.delete();
    }
  }
  const ms = indexed - started + (performance.now() - lintStarted);
  return {
    ms,
    cpuMs: cpuMs(indexCpu) + cpuMs(process.cpuUsage(lintCpuStarted)),
    findings,
    ruleFailures,
    heapAfterIndexMB,
    phases: { indexMs: indexed - started, lintParseMs: parseMs, lintModelMs: modelMs, lintRulesMs: rulesMs },
  };
}

async function main(): Promise<void> {
  const [tool, passesArg, ...dirs] = process.argv.slice(2);
  const passes = Number(passesArg);
  if ((tool !== 'lens' && tool !== 'ruff') || !(passes >= 1) || dirs.length === 0) {
    throw new Error('usage: lintThroughput.js lens|ruff <passes> <dir>...');
  }
  const corpus = loadCorpus(dirs);
  const results: PassResult[] = [];
  const extra: Record<string, unknown> = {};
  if (tool === 'lens') {
    const ruleTimes = new Map<string, number>();
    for (let i = 0; i < passes; i++) {
      global.gc?.();
      const { ruleFailures, heapAfterIndexMB, ...pass } = await lensPass(corpus, ruleTimes);
      results.push(pass);
      extra.ruleFailures = ruleFailures;
      extra.heapAfterIndexMB = heapAfterIndexMB;
    }
    extra.rules = RULES.length;
    extra.ruleMs = Object.fromEntries([...ruleTimes].map(([code, ms]): [string, number] => [code, ms / passes]).sort((a, b) => b[1] - a[1]));
  } else {
    // Loaded at run time from node_modules: the package reads its .wasm next to itself.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ruff = require('@astral-sh/ruff-wasm-nodejs') as typeof import('@astral-sh/ruff-wasm-nodejs');
    const workspace = new ruff.Workspace({ lint: { select: ['ASYNC', 'RUF006'] } }, ruff.PositionEncoding.Utf16);
    extra.version = ruff.Workspace.version();
    for (let i = 0; i < passes; i++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      let findings = 0;
      // Syntax errors come back as diagnostics without a code; only rule findings count.
      for (const file of corpus.files) findings += (workspace.check(file.text) as { code: string | null }[]).filter((d) => d.code).length;
      results.push({ ms: performance.now() - started, cpuMs: cpuMs(process.cpuUsage(cpuStarted)), findings });
    }
  }
  process.stdout.write(JSON.stringify({ tool, files: corpus.files.length, lines: corpus.lines, bytes: corpus.bytes, passes: results, ...extra }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
