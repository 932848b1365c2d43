// The built language server, driven over IPC by a real LSP client.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeAction, Diagnostic, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { applyEdits } from '../../server/fixes';
import { lspWorkspace } from '../support/lspClient';

/** The text edits of an action's (single-document) workspace edit. */
const editsOf = (a: CodeAction): TextEdit[] => (a.edit!.documentChanges![0] as TextDocumentEdit).edits as TextEdit[];

const codesAt = (ds: Diagnostic[]) => ds.map((d) => `${d.code}@${d.range.start.line}`).sort();

describe('language server over LSP', function () {
  const ws = lspWorkspace('lsp');

  it('publishes AIO200 with code, docs link and source on open', async () => {
    const text = 'import time\n\n\nasync def main():\n    time.sleep(1)\n';
    const uri = await ws.session.open(join(ws.dir, 'open.py'), text);
    const [d] = await ws.session.diagnostics(uri, (ds) => ds.length > 0);
    assert.equal(d.code, 'AIO200');
    assert.equal(d.source, 'asyncio-lens');
    assert.deepEqual(d.range, { start: { line: 4, character: 4 }, end: { line: 4, character: 17 } });
    assert.match(d.codeDescription?.href ?? '', /^file:.*docs\/rules\/AIO200\.md$/);
  });

  it('updates diagnostics after incremental edits', async () => {
    const uri = await ws.session.open(join(ws.dir, 'edit.py'), 'import time\n\n\ndef main():\n    time.sleep(1)\n');
    await ws.session.diagnostics(uri, (ds) => ds.length === 0);
    // `def` → `async def`: the call is now in a coroutine.
    const v2 = await ws.session.change(uri, { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, 'async ');
    assert.deepEqual(codesAt(await ws.session.diagnostics(uri, (ds, v) => v === v2)), ['AIO200@4']);
    // A second blocking call typed on a new line, one character at a time.
    let version = v2;
    const typed = '\n    time.sleep(2)';
    for (let i = 0; i < typed.length; i++) {
      version = await ws.session.change(uri, positionAfter(typed.slice(0, i)), typed[i]);
    }
    assert.deepEqual(codesAt(await ws.session.diagnostics(uri, (ds, v) => v === version)), ['AIO200@4', 'AIO200@5']);
    // Deleting the `async ` again clears them.
    const v3 = await ws.session.change(uri, { start: { line: 3, character: 0 }, end: { line: 3, character: 6 } }, '');
    assert.deepEqual(await ws.session.diagnostics(uri, (ds, v) => v === v3), []);

    function positionAfter(prefix: string) {
      const lines = prefix.split('\n');
      const line = 4 + lines.length - 1;
      const character = lines.length === 1 ? 17 + prefix.length : lines[lines.length - 1].length;
      return { start: { line, character }, end: { line, character } };
    }
  });

  it('re-lints an edit inside one def by reusing the other defs\' findings, moved to their new lines, exactly as a fresh open', async () => {
    const text = 'import asyncio\nimport time\n\n\nasync def first():\n    time.sleep(1)\n\n\nasync def second():\n    time.sleep(2)\n    asyncio.create_task(first())\n';
    const uri = await ws.session.open(join(ws.dir, 'reuse_edited.py'), text);
    assert.deepEqual(codesAt(await ws.session.diagnostics(uri, (ds) => ds.length > 0)), ['AIO200@5', 'AIO200@9', 'AIO301@10']);
    // Two lines typed into `first`: the findings of `second` move down by two (codesAt sorts as text).
    let version = await ws.session.change(uri, { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, '    await asyncio.sleep(0)\n');
    version = await ws.session.change(uri, { start: { line: 6, character: 17 }, end: { line: 6, character: 17 } }, '\n    time.sleep(3)');
    const edited = await ws.session.diagnostics(uri, (ds, v) => v === version);
    assert.deepEqual(codesAt(edited), ['AIO200@11', 'AIO200@6', 'AIO200@7', 'AIO301@12']);
    const finalText = 'import asyncio\nimport time\n\n\nasync def first():\n    await asyncio.sleep(0)\n    time.sleep(1)\n    time.sleep(3)\n\n\nasync def second():\n    time.sleep(2)\n    asyncio.create_task(first())\n';
    const fresh = await ws.session.open(join(ws.dir, 'reuse_fresh.py'), finalText);
    assert.deepEqual(edited, await ws.session.diagnostics(fresh, (ds) => ds.length > 0));
  });

  it('returns the quick fix, disable-for-line and docs actions, and fix-all', async () => {
    const path = join(ws.dir, 'fix.py');
    const text = readFileSync(path, 'utf8');
    const uri = await ws.session.open(path, text);
    const diagnostics = await ws.session.diagnostics(uri, (ds) => ds.length === 2);
    const actions = (await ws.session.codeActions(uri, diagnostics[0].range, [diagnostics[0]])) as CodeAction[];
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Replace with `await asyncio.sleep(...)`', 'Disable AIO200 for this line', 'Show documentation for AIO200'],
    );
    assert.equal(actions[0].isPreferred, true);
    const edits = editsOf(actions[0]);
    assert.equal(applyEdits(text, edits), text.replace('    time.sleep(1)', '    await asyncio.sleep(1)').replace('import time\n', 'import time\nimport asyncio\n'));
    const noqa = editsOf(actions[1]);
    assert.match(applyEdits(text, noqa), /time\.sleep\(1\) {2}# noqa: AIO200\n/);
    assert.equal(actions[2].command?.command, 'asyncioLens.showRuleDocumentation');

    const [fixAll] = (await ws.session.codeActions(uri, diagnostics[0].range, [], ['source.fixAll.asyncio-lens'])) as CodeAction[];
    const allEdits = editsOf(fixAll);
    assert.equal(applyEdits(text, allEdits), readFileSync(join(ws.dir, 'fix.expected.txt'), 'utf8'));
  });

  it('resolves a call into another workspace file (relative import) and re-lints dependants when it changes', async () => {
    // app/main.py calls app/util.py's `pause`, which is a re-export of `time.sleep`.
    const main = join(ws.dir, 'app', 'main.py');
    const uri = await ws.session.open(main, readFileSync(main, 'utf8'));
    assert.deepEqual(codesAt(await ws.session.diagnostics(uri, (ds) => ds.length > 0)), ['AIO200@4']);
    const util = join(ws.dir, 'app', 'util.py');
    const utilUri = await ws.session.open(util, readFileSync(util, 'utf8'));
    // Rebind `pause` in util.py to asyncio's sleep: main.py's AIO200 must go away without touching main.py, and the
    // now unawaited coroutine `pause(1)` is reported instead (AIO100).
    await ws.session.change(utilUri, { start: { line: 0, character: 0 }, end: { line: 0, character: 31 } }, 'from asyncio import sleep as pause');
    await ws.session.diagnostics(uri, (ds) => codesAt(ds).join() === 'AIO100@4');
  });

  it('survives garbage without crashing', async () => {
    const bytes = Array.from({ length: 20000 }, (_, i) => String.fromCharCode((i * 7919) % 0xd7ff)).join('');
    const uri = await ws.session.open(join(ws.dir, 'garbage.py'), bytes);
    await ws.session.diagnostics(uri);
    const ok = await ws.session.open(join(ws.dir, 'after.py'), 'import time\nasync def f():\n    time.sleep(1)\n');
    assert.equal((await ws.session.diagnostics(ok, (ds) => ds.length > 0)).length, 1);
  });
});
