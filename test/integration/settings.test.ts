import * as vscode from 'vscode';
import { activateExtension, openFixture, revertAndCloseAllEditors, waitForDiagnostics } from './support';

function ignoreSetting(codes: string[]): Thenable<void> {
  return vscode.workspace.getConfiguration('asyncioLens').update('ignore', codes, vscode.ConfigurationTarget.Workspace);
}

describe('settings', () => {
  before(activateExtension);
  afterEach(revertAndCloseAllEditors);
  after(() => ignoreSetting([]));

  it('asyncioLens.ignore clears a rule\'s diagnostics without a reload, and un-ignoring brings them back', async () => {
    const editor = await openFixture('ignore_setting.py');
    const uri = editor.document.uri;
    await waitForDiagnostics(uri, 'AIO200', 'the blocking-sleep diagnostic', (d) => d.length === 1);

    await ignoreSetting(['AIO200']);
    await waitForDiagnostics(uri, 'AIO200', 'the ignored rule to disappear', (d) => d.length === 0);

    await ignoreSetting([]);
    await waitForDiagnostics(uri, 'AIO200', 'the rule to come back', (d) => d.length === 1);
  });
});
