// Configuration: select/ignore prefixes, severities, target version, pyproject.toml, and noqa suppression.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseVersion, PyprojectLocator, readPyproject, resolveConfig } from '../../server/config';
import { analyzeSource } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser } from '../../server/parser';

describe('configuration', () => {
  it('select and ignore match codes by prefix; later layers override', () => {
    const c = resolveConfig({ select: ['AIO2'], ignore: ['AIO21'] }, { ignore: ['AIO200'] });
    assert.equal(c.isEnabled('AIO201'), true);
    assert.equal(c.isEnabled('AIO200'), false);
    assert.equal(c.isEnabled('AIO210'), false);
    assert.equal(c.isEnabled('AIO100'), false);
    assert.equal(resolveConfig({}).isEnabled('AIO100'), true);
    const s = resolveConfig({ severity: { AIO200: 'error' } }, { severity: { AIO201: 'off' } });
    assert.equal(s.severityOf('AIO200', 'warning'), 'error');
    assert.equal(s.isEnabled('AIO201'), false);
  });

  it('parses target versions in every common spelling', () => {
    assert.deepEqual(parseVersion('3.11'), [3, 11]);
    assert.deepEqual(parseVersion('py39'), [3, 9]);
    assert.deepEqual(parseVersion('>=3.10,<4'), [3, 10]);
    assert.equal(parseVersion('latest'), undefined);
    assert.deepEqual(resolveConfig().targetVersion, [3, 8]);
  });

  it('reads [tool.asyncio-lens] and requires-python from the nearest pyproject.toml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-config-'));
    try {
      writeFileSync(
        join(dir, 'pyproject.toml'),
        '[project]\nrequires-python = ">=3.10"\n[tool.asyncio-lens]\nignore = ["AIO3"]\nseverity = { AIO200 = "error" }\nblocking-calls = ["mylib.fetch_sync", { name = "mylib.Client.get", replacement = "mylib.AsyncClient.get" }]\n',
      );
      const { settings, file } = new PyprojectLocator().settingsFor(join(dir, 'deep', 'mod.py'));
      assert.equal(file, join(dir, 'pyproject.toml'));
      const config = resolveConfig(settings);
      assert.deepEqual(config.targetVersion, [3, 10]);
      assert.equal(config.isEnabled('AIO301'), false);
      assert.equal(config.severityOf('AIO200', 'warning'), 'error');
      assert.deepEqual(config.blockingCalls, [{ name: 'mylib.fetch_sync' }, { name: 'mylib.Client.get', replacement: 'mylib.AsyncClient.get' }]);
      writeFileSync(join(dir, 'pyproject.toml'), '[tool.asyncio-lens]\nseverity = { AIO200 = "loud" }\n');
      assert.throws(() => readPyproject(join(dir, 'pyproject.toml')), (e: unknown) => e instanceof ConfigError && /AIO200 = "loud"/.test(e.message));
      writeFileSync(join(dir, 'pyproject.toml'), '[tool.asyncio-lens\n');
      assert.throws(() => readPyproject(join(dir, 'pyproject.toml')), ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('noqa silences by code, by equivalent ruff code, or entirely', async () => {
    const parser = await loadParser();
    const lines = ['import time', 'async def f():', '    time.sleep(1)', '    time.sleep(1)  # noqa: AIO200', '    time.sleep(1)  # NOQA:ASYNC251', '    time.sleep(1)  # noqa', '    time.sleep(1)  # noqa: AIO100'];
    const { findings } = analyzeSource(parser, lines.join('\n'), '/ws/n.py', new WorkspaceIndex(), resolveConfig({ select: ['AIO200'] }));
    assert.deepEqual(findings.map((f) => f.range.start.line), [2, 6]);
  });
});
