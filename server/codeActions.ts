// Code actions for asyncio-lens diagnostics, in the manner of vscode-eslint: the fix, "disable for this line",
// "show documentation", and a source action that applies every safe fix.
import { CodeAction, CodeActionKind, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { FIX_ALL_KIND, SHOW_RULE_DOCS_COMMAND, type ShowRuleDocsArgs } from '../shared/lspProtocol';
import { safeFixEdits } from './fixes';
import type { ModuleModel } from './model/moduleModel';
import { docsUrl } from './rules/registry';
import type { Finding, Fix } from './rules/types';
import { noqaEditText } from './suppression';

export interface DocumentState {
  uri: string;
  version: number;
  model: ModuleModel;
  findings: Finding[];
}

function workspaceEdit(state: DocumentState, edits: TextEdit[]): WorkspaceEdit {
  return { documentChanges: [{ textDocument: { uri: state.uri, version: state.version }, edits }] };
}

function sameRange(f: Finding, d: Diagnostic): boolean {
  const a = f.range;
  const b = d.range;
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function fixAction(state: DocumentState, fix: Fix, diagnostic: Diagnostic, preferred: boolean): CodeAction {
  const action = CodeAction.create(fix.title + (fix.safety === 'unsafe' ? ' (unsafe)' : ''), workspaceEdit(state, fix.edits), CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.isPreferred = preferred && fix.safety === 'safe';
  return action;
}

function disableForLineAction(state: DocumentState, finding: Finding, diagnostic: Diagnostic): CodeAction {
  // A finding spanning lines is suppressed on its first line, where the engine looks for the comment.
  const line = finding.range.start.line;
  const comment = state.model.commentOnLine(line);
  const { replaceExisting, text } = noqaEditText(comment?.text, finding.code);
  const lineText = state.model.source.split('\n', line + 1)[line] ?? '';
  const lineEnd = { line, character: lineText.replace(/\r$/, '').length };
  const edit: TextEdit =
    replaceExisting && comment
      ? { range: { start: { line, character: comment.startPosition.column }, end: { line, character: comment.endPosition.column } }, newText: text }
      : { range: { start: lineEnd, end: lineEnd }, newText: text };
  const action = CodeAction.create(`Disable ${finding.code} for this line`, workspaceEdit(state, [edit]), CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  return action;
}

function showDocsAction(code: string): CodeAction | undefined {
  const url = docsUrl(code);
  if (!url) return undefined;
  const args: ShowRuleDocsArgs = { code, url };
  return CodeAction.create(`Show documentation for ${code}`, { title: `Show documentation for ${code}`, command: SHOW_RULE_DOCS_COMMAND, arguments: [args] }, CodeActionKind.QuickFix);
}

export function fixAllAction(state: DocumentState): CodeAction | undefined {
  const { edits } = safeFixEdits(state.findings);
  if (edits.length === 0) return undefined;
  return CodeAction.create('Fix all safe asyncio-lens problems', workspaceEdit(state, edits), FIX_ALL_KIND);
}

export function codeActionsFor(state: DocumentState, diagnostics: Diagnostic[], only: string[] | undefined): CodeAction[] {
  const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const actions: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) {
    const docsShown = new Set<string>();
    for (const diagnostic of diagnostics) {
      const finding = state.findings.find((f) => f.code === diagnostic.code && sameRange(f, diagnostic));
      if (!finding) continue;
      if (finding.fix) actions.push(fixAction(state, finding.fix, diagnostic, true));
      for (const alternative of finding.alternativeFixes ?? []) actions.push(fixAction(state, alternative, diagnostic, false));
      actions.push(disableForLineAction(state, finding, diagnostic));
      if (!docsShown.has(finding.code)) {
        docsShown.add(finding.code);
        const docs = showDocsAction(finding.code);
        if (docs) actions.push(docs);
      }
    }
  }
  if (only && wants(FIX_ALL_KIND) && only.some((o) => FIX_ALL_KIND.startsWith(o) && o.startsWith(CodeActionKind.Source))) {
    const all = fixAllAction(state);
    if (all) actions.push(all);
  }
  return actions;
}
