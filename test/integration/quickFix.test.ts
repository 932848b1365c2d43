import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  activateExtension,
  openFixture,
  readFixture,
  revertAndCloseAllEditors,
  screenshotWhenVisible,
  waitForDiagnostics,
} from './support';

const FIX_TITLE = 'Replace with `await asyncio.sleep(...)`';

describe('quick fix', () => {
  before(activateExtension);
  afterEach(revertAndCloseAllEditors);

  it('offers the AIO200 fix, disable-for-line and documentation, and the fix gives the golden text', async () => {
    const editor = await openFixture('quick_fix.py');
    const uri = editor.document.uri;
    const [diagnostic] = await waitForDiagnostics(uri, 'AIO200', 'the blocking-sleep diagnostic', (d) => d.length === 1);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Disable AIO200 for this line'), `actions offered: ${titles.join(' | ')}`);
    assert.ok(titles.includes('Show documentation for AIO200'), `actions offered: ${titles.join(' | ')}`);
    const fix = actions.find((a) => a.title === FIX_TITLE);
    assert.ok(fix?.edit, `no "${FIX_TITLE}" among: ${titles.join(' | ')}`);
    assert.equal(fix.isPreferred, true);

    editor.selection = new vscode.Selection(diagnostic.range.start, diagnostic.range.start);
    await screenshotWhenVisible('quick-fix-menu', '.action-widget:has-text("Replace with")', {
      run: () => vscode.commands.executeCommand('editor.action.quickFix'),
    });
    await vscode.commands.executeCommand('hideCodeActionWidget');

    assert.equal(await vscode.workspace.applyEdit(fix.edit), true, 'the workspace edit was applied');
    assert.equal(editor.document.getText(), readFixture('quick_fix.py.golden'));
    await waitForDiagnostics(uri, 'AIO200', 'the fixed code to be clean', (d) => d.length === 0);
  });
});
