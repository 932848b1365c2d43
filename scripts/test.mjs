#!/usr/bin/env node
// `npm test`: every layer, in order of cost. Stops at the first failing step and says which one.
// Steps: type check, build, unit + LSP + CLI tests (mocha), Python adapter tests on every CPython present,
// integration tests in a real VS Code.
import { spawn } from 'node:child_process';

const only = process.env.ASYNCIO_LENS_TEST_STEPS?.split(',');
const steps = [
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-p', '.', '--noEmit'] },
  { name: 'build', cmd: 'node', args: ['esbuild.mjs'] },
  { name: 'mocha', cmd: 'npx', args: ['mocha', '--recursive', '--timeout', '60000', 'out/test/unit', 'out/test/lsp', 'out/test/cli'], counts: 'mocha' },
  { name: 'python', cmd: 'node', args: ['scripts/test-python.mjs'], counts: 'plain' },
  { name: 'integration', cmd: 'node', args: ['scripts/integration.mjs'], counts: 'mocha' },
].filter((s) => !only || only.includes(s.name));

function run(step) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(step.cmd, step.args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-20000);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, tail, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Test counts a step printed: mocha's "N passing / N failing", or a plain "N passed, N failed" line. */
function countsOf(kind, text) {
  const clean = text.replace(/\x1b\[[0-9;]*m/g, '');
  if (kind === 'mocha') {
    const passed = [...clean.matchAll(/(\d+) passing/g)].reduce((n, m) => n + Number(m[1]), 0);
    const failed = [...clean.matchAll(/(\d+) failing/g)].reduce((n, m) => n + Number(m[1]), 0);
    return { passed, failed };
  }
  const m = [...clean.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: 0 };
}

let passed = 0;
let failed = 0;
const timings = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${[step.cmd, ...step.args].join(' ')}`);
  const result = await run(step);
  timings.push(`${step.name} ${result.seconds.toFixed(1)}s`);
  if (step.counts) {
    const c = countsOf(step.counts, result.tail);
    passed += c.passed;
    failed += c.failed;
  }
  if (result.code !== 0) {
    console.error(`\n${step.name} failed (exit ${result.code}).`);
    console.log(`tests: ${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(1);
  }
}
console.log(`\n${timings.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
