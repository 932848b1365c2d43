// The lifecycle and event-loop rules (AIO3xx/AIO4xx/AIO5xx) where the configured target version changes what is
// reported or which fix is offered; fixture folders hold one target version each, so the other side is tested here.
import * as assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureWorkspace, type FixtureWorkspace } from '../support/fixtures';
import type { Finding } from '../../server/rules/types';

describe('lifecycle rules and the target version', () => {
  let dir: string;
  let workspace: FixtureWorkspace;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asyncio-lens-lifecycle-'));
    workspace = await fixtureWorkspace(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function lint(code: string, source: string, targetVersion: string): Finding[] {
    const file = join(dir, 'example.py');
    writeFileSync(file, source);
    return workspace.lint(file, source, { targetVersion }).filter((f) => f.code === code);
  }

  it('AIO303: `except Exception` around an await swallows cancellation only when targeting 3.7', () => {
    const source = ['import asyncio', '', 'async def f():', '    try:', '        await asyncio.sleep(1)', '    except Exception:', '        pass', ''].join('\n');
    assert.deepEqual(lint('AIO303', source, '3.7').map((f) => f.range.start.line), [5]);
    assert.deepEqual(lint('AIO303', source, '3.8'), []);
  });
});
