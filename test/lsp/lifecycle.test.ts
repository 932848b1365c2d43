// The lifecycle rules in the language server: AIO300 follows a task-starting helper in another file (and edits to
// it), and its unsafe await / wait-for-all fixes are offered as code actions but never applied by fix-all.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeAction, Diagnostic, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { applyEdits } from '../../server/fixes';
import { lspWorkspace } from '../support/lspClient';

const lines = (ds: Diagnostic[], code: string) => ds.filter((d) => d.code === code).map((d) => d.range.start.line).sort();
const editsOf = (a: CodeAction): TextEdit[] => (a.edit!.documentChanges![0] as TextDocumentEdit).edits as TextEdit[];

describe('lifecycle rules over LSP', function () {
  const ws = lspWorkspace('lsp-lifecycle');

  it('reports tasks a helper in another file starts, and follows edits to that helper', async () => {
    const main = join(ws.dir, 'main.py');
    const mainUri = await ws.session.open(main, readFileSync(main, 'utf8'));
    assert.deepEqual(lines(await ws.session.diagnostics(mainUri, (ds) => lines(ds, 'AIO300').length === 2), 'AIO300'), [6, 7]);

    // The helper stops starting tasks: only the task created in main() itself is still reported.
    const workers = join(ws.dir, 'workers.py');
    const workersUri = await ws.session.open(workers, readFileSync(workers, 'utf8'));
    await ws.session.change(workersUri, { start: { line: 11, character: 8 }, end: { line: 11, character: '        asyncio.create_task(work(i))'.length } }, 'print(i)');
    assert.deepEqual(lines(await ws.session.diagnostics(mainUri, (ds) => lines(ds, 'AIO300').length === 1), 'AIO300'), [7]);
  });

  it('offers the unsafe AIO300 fix that awaits the task, and leaves it out of fix-all', async () => {
    const source = readFileSync(join(ws.dir, 'main.py'), 'utf8').replace('    start_workers(3)\n', '');
    const uri = await ws.session.open(join(ws.dir, 'solo.py'), source);
    const diagnostics = await ws.session.diagnostics(uri, (ds) => lines(ds, 'AIO300').length === 1);
    const finding = diagnostics.find((d) => d.code === 'AIO300')!;
    const actions = ((await ws.session.codeActions(uri, finding.range, [finding])) ?? []) as CodeAction[];
    const awaitFix = actions.find((a) => a.title === 'Await the pending tasks before returning (unsafe)');
    assert.ok(awaitFix, actions.map((a) => a.title).join(' | '));
    assert.equal(awaitFix.isPreferred, false);
    assert.match(applyEdits(source, editsOf(awaitFix)), /print\("started", task\.get_name\(\)\)\n    await task\n/);
    assert.ok(actions.some((a) => a.title.startsWith('Wait for all other tasks before returning')));
    const fixAll = ((await ws.session.codeActions(uri, finding.range, diagnostics, ['source.fixAll.asyncio-lens'])) ?? []) as CodeAction[];
    for (const action of fixAll) assert.doesNotMatch(applyEdits(source, editsOf(action)), /await task/);
  });
});
