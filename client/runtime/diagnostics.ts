// Runtime findings in the Problems panel, in their own collection with source "asyncio-lens (runtime)". A finding on
// a line the static linter already flags says "confirmed at runtime". Findings of a file disappear once that file is
// edited or changes on disk (their line numbers no longer hold), and all of them when a new run starts.
import { promises as fs, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { FindingMessage } from '../../shared/runtimeProtocol';
import { findingDiagnosticMessage, findingEntries, type FindingEntry, type FindingSeverity } from './findings';

const RUNTIME_DIAGNOSTIC_SOURCE = 'asyncio-lens (runtime)';
/** Source of the language server's diagnostics (server/server.ts). */
const STATIC_DIAGNOSTIC_SOURCE = 'asyncio-lens';

const SEVERITY: Record<FindingSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

function codeText(code: vscode.Diagnostic['code']): string | undefined {
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

export class RuntimeDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('asyncio-lens-runtime');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private entries: FindingEntry[] = [];
  /** Files edited or rewritten since the current run started: their findings stay hidden for this run. */
  private readonly changedFiles = new Set<string>();
  private runStartedAt = Date.now();

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.py', true, false, true);
    this.disposables.push(
      watcher,
      watcher.onDidChange((uri) => void this.fileChangedOnDisk(uri)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && event.document.uri.scheme === 'file') this.fileChanged(event.document.uri.fsPath);
      }),
      // Static diagnostics often arrive after the finding: reword "confirmed at runtime" when they do.
      vscode.languages.onDidChangeDiagnostics((event) => {
        const files = new Set(this.entries.map((e) => e.file));
        if (event.uris.some((uri) => uri.scheme === 'file' && files.has(uri.fsPath))) this.render();
      }),
    );
  }

  /** A new run starts: forget everything. */
  reset(): void {
    this.entries = [];
    this.changedFiles.clear();
    this.runStartedAt = Date.now();
    this.collection.clear();
  }

  /** Shows the findings known so far (live: all of the run; recording: those up to the current step). */
  show(findings: Iterable<FindingMessage>, cwd: string | undefined): void {
    this.entries = findingEntries(findings, cwd).filter((entry) => !this.changedFiles.has(entry.file));
    this.render();
  }

  /** The runtime diagnostics of one file (for tests and the API). */
  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  private fileChanged(file: string): void {
    this.changedFiles.add(file);
    if (this.entries.some((e) => e.file === file)) {
      this.entries = this.entries.filter((e) => e.file !== file);
      this.collection.delete(vscode.Uri.file(file));
    }
  }

  private async fileChangedOnDisk(uri: vscode.Uri): Promise<void> {
    // The watcher reports late; a save made before the run started must not hide that run's findings.
    const stat = await fs.stat(uri.fsPath).catch(() => undefined);
    if (stat && stat.mtimeMs > this.runStartedAt) this.fileChanged(uri.fsPath);
  }

  private render(): void {
    const byFile = new Map<string, FindingEntry[]>();
    for (const entry of this.entries) {
      const list = byFile.get(entry.file);
      if (list) list.push(entry);
      else byFile.set(entry.file, [entry]);
    }
    const stale = new Set<string>();
    this.collection.forEach((uri) => {
      if (!byFile.has(uri.fsPath)) stale.add(uri.fsPath);
    });
    for (const file of stale) this.collection.delete(vscode.Uri.file(file));
    for (const [file, entries] of byFile) {
      const uri = vscode.Uri.file(file);
      const lines = lineTexts(uri);
      const staticDiagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === STATIC_DIAGNOSTIC_SOURCE);
      const diagnostics = entries.map((entry) => {
        const codes = staticDiagnostics
          .filter((d) => d.range.start.line <= entry.line && entry.line <= d.range.end.line)
          .map((d) => codeText(d.code))
          .filter((c): c is string => c !== undefined);
        const text = lines?.[entry.line] ?? '';
        const indent = text.length - text.trimStart().length;
        const range = new vscode.Range(entry.line, indent, entry.line, Math.max(indent, text.trimEnd().length));
        const diagnostic = new vscode.Diagnostic(range, findingDiagnosticMessage(entry, codes), SEVERITY[entry.severity]);
        diagnostic.source = RUNTIME_DIAGNOSTIC_SOURCE;
        diagnostic.code = entry.kind;
        diagnostic.relatedInformation = entry.related.map(
          (frame) =>
            new vscode.DiagnosticRelatedInformation(
              new vscode.Location(vscode.Uri.file(frame.file), new vscode.Position(Math.max(0, frame.line - 1), 0)),
              `${frame.function}`,
            ),
        );
        return diagnostic;
      });
      // Setting equal diagnostics again would fire onDidChangeDiagnostics, which calls render(): skip when unchanged.
      if (!sameDiagnostics(this.collection.get(uri) ?? [], diagnostics)) this.collection.set(uri, diagnostics);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The file's lines, from the open editor if any, else from disk; undefined if unreadable. */
function lineTexts(uri: vscode.Uri): string[] | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText().split(/\r?\n/);
  try {
    return readFileSync(uri.fsPath, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
}

function sameDiagnostics(a: readonly vscode.Diagnostic[], b: readonly vscode.Diagnostic[]): boolean {
  return (
    a.length === b.length &&
    a.every((d, i) => d.message === b[i].message && d.range.isEqual(b[i].range) && d.severity === b[i].severity && d.relatedInformation?.length === b[i].relatedInformation?.length)
  );
}
