import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, openFixture, readFixture, revertAndCloseAllEditors, waitForDiagnostics } from './support';

describe('fix all on save', () => {
  before(activateExtension);
  afterEach(revertAndCloseAllEditors);

  it('applies source.fixAll.asyncio-lens when the file is saved (editor.codeActionsOnSave)', async () => {
    const editor = await openFixture('fix_on_save.py');
    const uri = editor.document.uri;
    await waitForDiagnostics(uri, 'AIO200', 'both blocking sleeps in the coroutine', (d) => d.length === 2);

    // The Save command, as Ctrl+S: it saves even an unmodified file, and runs the save participants.
    await vscode.commands.executeCommand('workbench.action.files.save');

    assert.equal(readFixture('fix_on_save.py'), readFixture('fix_on_save.py.golden'));
    assert.equal(editor.document.isDirty, false);
    await waitForDiagnostics(uri, 'AIO200', 'the saved file to be clean', (d) => d.length === 0);
  });
});
