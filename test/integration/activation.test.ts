import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AsyncioLensApi } from '../../client/extension';
import { EXTENSION_ID, waitFor } from './support';

describe('activation', () => {
  it('activates by itself in a Python workspace and starts the language client', async () => {
    const extension = vscode.extensions.getExtension<AsyncioLensApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    // Nothing here calls activate(): the manifest's activation events must do it for the fixture workspace.
    await waitFor('the extension to activate', () => extension.isActive);
    const api = extension.exports;
    await waitFor('the language client to run', () => api.languageClientState() === 'running');
  });
});
