// AIO210 in the language server: a blocking call three helper levels deep, across two files, and the diagnostic
// following edits to the deepest helper without the coroutine's file being touched.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { FIXTURES } from '../support/fixtures';
import { LspSession } from '../support/lspClient';

const helperFindings = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'AIO210');

describe('blocking calls through helpers over LSP', function () {
  let workspace: string;
  let session: LspSession;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'lens-lsp-blocking-'));
    cpSync(join(FIXTURES, 'lsp-blocking'), workspace, { recursive: true });
    session = await LspSession.start(workspace);
  });

  after(async () => {
    await session.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('finds open() three helper levels deep in two other files, and follows edits to the deepest helper', async () => {
    const service = join(workspace, 'service.py');
    const serviceUri = await session.open(service, readFileSync(service, 'utf8'));
    const [finding] = helperFindings(await session.diagnostics(serviceUri, (ds) => helperFindings(ds).length > 0));
    assert.deepEqual(finding.range, { start: { line: 4, character: 13 }, end: { line: 4, character: 40 } });
    assert.match(finding.message, /load_config\(\) → read_text\(\) → _read\(\) → open\(\)/);

    // The deepest helper stops opening files: the coroutine's diagnostic goes away.
    const files = join(workspace, 'helpers', 'files.py');
    const filesUri = await session.open(files, readFileSync(files, 'utf8'));
    const blockingBody = { start: { line: 5, character: 0 }, end: { line: 6, character: '        return f.read()'.length } };
    await session.change(filesUri, blockingBody, '    return path');
    await session.diagnostics(serviceUri, (ds) => helperFindings(ds).length === 0);

    // A different blocking call appears there: the diagnostic is back, with the new chain.
    await session.change(filesUri, { start: { line: 5, character: 0 }, end: { line: 5, character: '    return path'.length } }, '    return input(path)');
    const [again] = helperFindings(await session.diagnostics(serviceUri, (ds) => helperFindings(ds).length > 0));
    assert.match(again.message, /load_config\(\) → read_text\(\) → _read\(\) → input\(\)/);
  });
});
