// AIO210 in the language server: a blocking call three helper levels deep, across two files, and the diagnostic
// following edits to the deepest helper without the coroutine's file being touched.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { lspWorkspace } from '../support/lspClient';

const helperFindings = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'AIO210');

describe('blocking calls through helpers over LSP', function () {
  const ws = lspWorkspace('lsp-blocking');

  it('finds open() three helper levels deep in two other files, and follows edits to the deepest helper', async () => {
    const service = join(ws.dir, 'service.py');
    const serviceUri = await ws.session.open(service, readFileSync(service, 'utf8'));
    const [finding] = helperFindings(await ws.session.diagnostics(serviceUri, (ds) => helperFindings(ds).length > 0));
    assert.deepEqual(finding.range, { start: { line: 4, character: 13 }, end: { line: 4, character: 40 } });
    assert.match(finding.message, /load_config\(\) → read_text\(\) → _read\(\) → open\(\)/);

    // The deepest helper stops opening files: the coroutine's diagnostic goes away.
    const files = join(ws.dir, 'helpers', 'files.py');
    const filesUri = await ws.session.open(files, readFileSync(files, 'utf8'));
    const blockingBody = { start: { line: 5, character: 0 }, end: { line: 6, character: '        return f.read()'.length } };
    await ws.session.change(filesUri, blockingBody, '    return path');
    await ws.session.diagnostics(serviceUri, (ds) => helperFindings(ds).length === 0);

    // A different blocking call appears there: the diagnostic is back, with the new chain.
    await ws.session.change(filesUri, { start: { line: 5, character: 0 }, end: { line: 5, character: '    return path'.length } }, '    return input(path)');
    const [again] = helperFindings(await ws.session.diagnostics(serviceUri, (ds) => helperFindings(ds).length > 0));
    assert.match(again.message, /load_config\(\) → read_text\(\) → _read\(\) → input\(\)/);
  });
});
