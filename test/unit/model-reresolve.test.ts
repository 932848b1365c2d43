// The CLI models each file once: summarised in the first pass against a partial index, then re-resolved and linted
// in the second (`analyzeModelAgain`). That must give what a model built afresh against the full index gives.
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../server/config';
import { analyzeModelAgain, analyzeSource, indexAndKeepModel, indexSource } from '../../server/engine';
import type { ModuleSummary } from '../../server/model/summary';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser } from '../../server/parser';

const APP = [
  'import asyncio',
  'from service import Client, fetch, retry',
  '',
  'client = Client()',
  '',
  '@retry',
  'async def main():',
  '    fetch()',
  '    client.close()',
  '    await asyncio.sleep(1)',
  '',
  'class Worker(Client):',
  '    async def run(self):',
  '        self.close()',
  '',
].join('\n');

const SERVICE = [
  'def retry(fn):',
  '    return fn',
  '',
  'async def fetch():',
  '    pass',
  '',
  'class Client:',
  '    async def close(self):',
  '        pass',
  '',
].join('\n');

/** A summary as plain data (Maps as entries), without the path and line numbers that do not matter here. */
function plain(summary: ModuleSummary | undefined): string {
  return JSON.stringify(summary, (key, value) => (value instanceof Map ? [...value] : key === 'line' || key === 'column' ? undefined : value));
}

describe('model: re-resolving a model against a changed index', () => {
  it('summarises and lints as a model built afresh would', async () => {
    const parser = await loadParser();
    const config = resolveConfig();
    // A module that re-exports: names resolve to `impl.*` only once it is indexed.
    const indexService = (index: WorkspaceIndex) => {
      indexSource(parser, 'from impl import Client, fetch, retry\n', '/ws/service.py', index);
      indexSource(parser, SERVICE, '/ws/impl.py', index);
    };

    // The CLI's old way: the first pass indexes, the second builds a new model.
    const fresh = new WorkspaceIndex();
    indexSource(parser, APP, '/ws/app.py', fresh);
    indexService(fresh);
    const expected = analyzeSource(parser, APP, '/ws/app.py', fresh, config).findings;
    const expectedSummary = plain(fresh.module('app'));

    const index = new WorkspaceIndex();
    const model = indexAndKeepModel(parser, APP, '/ws/app.py', index);
    try {
      const partial = plain(index.module('app'));
      indexService(index);
      const { findings } = analyzeModelAgain(model, config);
      assert.notEqual(partial, expectedSummary, 'the first summary saw no `service` module');
      assert.equal(plain(index.module('app')), expectedSummary);
      assert.deepEqual(findings, expected);
      assert.deepEqual(
        findings.map((f) => `${f.code}:${f.range.start.line + 1}`),
        ['AIO100:8', 'AIO100:9', 'AIO100:14'],
      );
    } finally {
      model.tree.delete();
    }
  });
});
