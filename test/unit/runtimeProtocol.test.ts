// validateMessage on a real recording: what is valid passes untouched, and a damaged message is refused with the
// exact path of the damage.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessageLine, validateMessage, type SnapshotMessage } from '../../shared/runtimeProtocol';

const ROOT = join(__dirname, '..', '..', '..');

describe('runtime protocol validation', function () {
  this.timeout(60000);
  let snapshot: SnapshotMessage;

  before(() => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-proto-'));
    try {
      const program = join(dir, 'p.py');
      writeFileSync(program, 'import asyncio\nasync def leaf():\n    await asyncio.sleep(0.3)\nasync def main():\n    await asyncio.gather(leaf(), leaf())\nasyncio.run(main())\n');
      const record = join(dir, 'r.jsonl');
      const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'run', '--record', record, '--interval', '100', '--', program], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = readFileSync(record, 'utf8').split('\n').filter(Boolean);
      const snapshots = lines.map(parseMessageLine).filter((m): m is SnapshotMessage => typeof m !== 'string' && m.type === 'snapshot' && m.tasks.length >= 3);
      assert.ok(snapshots.length > 0, 'a snapshot with the three tasks');
      snapshot = snapshots[0];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a real snapshot as it is', () => {
    const copy = structuredClone(snapshot);
    assert.equal(validateMessage(copy), copy);
  });

  it('names the exact place of a damaged field', () => {
    const damaged = structuredClone(snapshot) as unknown as { tasks: { stack: { line: unknown }[] }[] };
    damaged.tasks[1].stack[0].line = 'seven';
    assert.equal(validateMessage(damaged), 'snapshot.tasks[1].stack[0].line: expected integer, got string');
    const noType = validateMessage({ tasks: [] });
    assert.equal(noType, 'message.type: expected string');
    assert.equal(validateMessage({ type: 'exec', code: 'print(1)' }), "unknown message type 'exec'");
    assert.match(String(parseMessageLine('{not json')), /./);
  });
});
