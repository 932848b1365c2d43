// Helpers for the integration cases: waiting for state with a deadline (never fixed sleeps) and asking the browser
// host for a screenshot of the workbench at a moment the test chooses; opening fixture files and reading the
// extension's diagnostics.
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { AsyncioLensApi } from '../../client/extension';

const POLL_INTERVAL_MS = 100;
const DEFAULT_WAIT_MS = 30_000;

/**
 * Calls `probe` until it returns something other than undefined/false and returns that value; fails with `what`
 * (and the probe's last error, if it threw) when the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** The screenshot service of the browser host (scripts/integration/browser-host.mjs); the desktop host has none. */
function screenshotService(): string | undefined {
  return process.env.ASYNCIO_LENS_SCREENSHOT_URL;
}

const SHOW_ATTEMPT_MS = 3_000;

/**
 * Photographs the workbench as test-results/screenshots/<name>.png once `selector` is visible, after `run` (e.g. the
 * quick-fix command) and/or after the browser host moved the mouse onto `mouseOver` (e.g. a squiggle, for its
 * hover); fails if the element never shows. The workbench may close a popup right after it opened (when the editor's
 * decorations change), so both are repeated until it stays up. Under the desktop host, which cannot take
 * screenshots or move the mouse, only `run` is done, once.
 */
export async function screenshotWhenVisible(
  name: string,
  selector: string,
  how: { run?: () => Thenable<unknown>; mouseOver?: string },
): Promise<void> {
  const service = screenshotService();
  if (!service) {
    await how.run?.();
    return;
  }
  const query = new URLSearchParams({ waitFor: selector, timeoutMs: String(SHOW_ATTEMPT_MS) });
  if (how.mouseOver) query.set('mouseOver', how.mouseOver);
  await waitFor(`${selector} to show for screenshot ${name}`, async () => {
    await how.run?.();
    const response = await fetch(`${service}/screenshot/${name}?${query}`);
    if (response.status === 408) return false;
    if (!response.ok) throw new Error(`screenshot ${name} failed: HTTP ${response.status} ${await response.text()}`);
    return true;
  });
}

// ---- the extension and the fixture workspace --------------------------------------------------------------------

// What users see, spelled out rather than imported from the implementation, so that changing either is noticed.
export const EXTENSION_ID = 'asyncio-lens.asyncio-lens';
const DIAGNOSTIC_SOURCE = 'asyncio-lens';

/** Activates the extension under test (once; later calls return the same API). */
export async function activateExtension(): Promise<AsyncioLensApi> {
  const extension = vscode.extensions.getExtension<AsyncioLensApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded in this VS Code`);
  return extension.activate();
}

/** The copy of test/fixtures/workspace the host opened (the suite may edit and save its files). */
export function fixtureUri(relativePath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open; the host must open the fixture workspace');
  return vscode.Uri.joinPath(folder.uri, relativePath);
}

export async function openFixture(relativePath: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fixtureUri(relativePath)));
}

export function readFixture(relativePath: string): string {
  return readFileSync(fixtureUri(relativePath).fsPath, 'utf8');
}

/** The extension's static diagnostics on a document, optionally only those with one code. */
export function lensDiagnostics(uri: vscode.Uri, code?: string): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === DIAGNOSTIC_SOURCE && (code === undefined || diagnosticCode(d) === code));
}

export function diagnosticCode(diagnostic: vscode.Diagnostic): string | undefined {
  const { code } = diagnostic;
  return typeof code === 'object' ? String(code.value) : code === undefined ? undefined : String(code);
}

/** Waits until the document's diagnostics with `code` satisfy `accept`, and returns them. */
export function waitForDiagnostics(
  uri: vscode.Uri,
  code: string,
  what: string,
  accept: (diagnostics: vscode.Diagnostic[]) => boolean,
): Promise<vscode.Diagnostic[]> {
  return waitFor(`${what} (${code} in ${uri.path.split('/').pop()})`, () => {
    const found = lensDiagnostics(uri, code);
    return accept(found) && found;
  });
}

/** Leaves the workbench as a test found it: unsaved edits reverted (no save prompt), no editors open. */
export async function revertAndCloseAllEditors(): Promise<void> {
  for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file')) {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
