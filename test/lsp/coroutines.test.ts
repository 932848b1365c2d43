// AIO1xx across files in the language server: editing a helper in one file updates the findings of its callers.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { lspWorkspace } from '../support/lspClient';

const codesAt = (ds: Diagnostic[]) => ds.map((d) => `${d.code}@${d.range.start.line}`).sort();

describe('coroutine rules over LSP', function () {
  const ws = lspWorkspace('lsp-coroutines');

  it('re-lints a caller when a helper in another file becomes (and stops being) async def', async () => {
    const mainPath = join(ws.dir, 'app', 'main.py');
    const main = await ws.session.open(mainPath, readFileSync(mainPath, 'utf8'));
    // `await client.close()` on a plain method that returns None: AIO104 from the start.
    assert.deepEqual(codesAt(await ws.session.diagnostics(main, (ds) => ds.length > 0)), ['AIO104@5']);

    const helpersPath = join(ws.dir, 'app', 'helpers.py');
    const helpers = await ws.session.open(helpersPath, readFileSync(helpersPath, 'utf8'));
    const atLine = (line: number) => ({ start: { line, character: 4 }, end: { line, character: 4 } });
    // `def helper` → `async def helper`: main.py's unawaited `helper("x")` is now AIO100, without touching main.py.
    await ws.session.change(helpers, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, 'async ');
    assert.deepEqual(codesAt(await ws.session.diagnostics(main, (ds) => ds.some((d) => d.code === 'AIO100'))), ['AIO100@4', 'AIO104@5']);
    // `def close` → `async def close`: the `await` in main.py becomes right, AIO104 goes away.
    await ws.session.change(helpers, atLine(5), 'async ');
    assert.deepEqual(codesAt(await ws.session.diagnostics(main, (ds) => !ds.some((d) => d.code === 'AIO104'))), ['AIO100@4']);
    // And back: removing `async ` from helper clears AIO100.
    await ws.session.change(helpers, { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } }, '');
    assert.deepEqual(await ws.session.diagnostics(main, (ds) => ds.length === 0), []);
  });

  it('offers `await` as the preferred quick fix for AIO100', async () => {
    const path = join(ws.dir, 'quickfix.py');
    const text = 'import asyncio\n\n\nasync def main():\n    asyncio.sleep(1)\n';
    const uri = await ws.session.open(path, text);
    const [d] = await ws.session.diagnostics(uri, (ds) => ds.length > 0);
    assert.equal(d.code, 'AIO100');
    const actions = (await ws.session.codeActions(uri, d.range, [d])) ?? [];
    const fix = actions.find((a) => a.title === 'Add `await`');
    assert.ok(fix && 'isPreferred' in fix && fix.isPreferred, `no preferred "Add \`await\`" action in ${JSON.stringify(actions.map((a) => a.title))}`);
  });
});
