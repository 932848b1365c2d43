import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  activateExtension,
  diagnosticCode,
  lensDiagnostics,
  openFixture,
  revertAndCloseAllEditors,
  screenshotWhenVisible,
  waitFor,
  waitForDiagnostics,
} from './support';

const FIXTURE = 'rule_families.py';

/** `line:CODE` for every code of every `# expect: CODE[, CODE]` comment in the text (0-based lines, as in the API). */
function expectedFindings(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, index) => {
      const codes = /# expect: ([A-Z]+\d+(?:, *[A-Z]+\d+)*)/.exec(line)?.[1].split(/, */) ?? [];
      return codes.map((code) => `${index}:${code}`);
    })
    .sort();
}

function reportedFindings(uri: vscode.Uri): string[] {
  return lensDiagnostics(uri)
    .map((d) => `${d.range.start.line}:${diagnosticCode(d)}`)
    .sort();
}

describe('diagnostics', () => {
  before(activateExtension);
  afterEach(revertAndCloseAllEditors);

  it('reports exactly the expected finding of every rule family in the fixture file', async () => {
    const editor = await openFixture(FIXTURE);
    const uri = editor.document.uri;
    const expected = expectedFindings(editor.document.getText());
    assert.ok(expected.length > 0, `${FIXTURE} has no "# expect:" comments`);
    const matches = () => JSON.stringify(reportedFindings(uri)) === JSON.stringify(expected);
    // On timeout, compare once more so the failure shows the difference rather than just "timed out".
    await waitFor('the expected diagnostics', matches).catch(() => assert.deepEqual(reportedFindings(uri), expected));
  });

  it('gives AIO200 its range, severity, message and documentation link, and shows it on hover', async () => {
    const editor = await openFixture(FIXTURE);
    const [first] = await waitForDiagnostics(editor.document.uri, 'AIO200', 'a blocking-sleep diagnostic', (d) => d.length > 0);
    assert.equal(editor.document.getText(first.range), 'time.sleep(0.1)');
    assert.equal(first.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(first.message, /blocks the event loop/);
    const code = first.code;
    assert.ok(typeof code === 'object' && code.target, 'the diagnostic code links to its documentation');
    assert.match(code.target.toString(), /docs\/rules\/AIO200\.md$/);

    // The first warning squiggle is this AIO200 (line order); the hover names the source whichever it is.
    await screenshotWhenVisible('diagnostic-hover', '.monaco-hover:has-text("asyncio-lens")', { mouseOver: '.squiggly-warning' });
  });
});
