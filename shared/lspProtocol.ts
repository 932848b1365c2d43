// What the extension and the language server agree on, beyond LSP itself. Both sides import this module.

/** `Diagnostic.source` of every static finding. */
export const DIAGNOSTIC_SOURCE = 'asyncio-lens';

/** The code action kind of "fix all safe problems" (`editor.codeActionsOnSave: { "source.fixAll.asyncio-lens": ... }`). */
export const FIX_ALL_KIND = 'source.fixAll.asyncio-lens';

/** Client command the server's "Show documentation" code action invokes, with a `ShowRuleDocsArgs`. */
export const SHOW_RULE_DOCS_COMMAND = 'asyncioLens.showRuleDocumentation';

export interface ShowRuleDocsArgs {
  code: string;
  url: string;
}

/** Settings section read by the server (`asyncioLens.*` in VS Code). */
export const SETTINGS_SECTION = 'asyncioLens';

export type SeverityName = 'error' | 'warning' | 'information' | 'hint';

/** The `asyncioLens.*` settings the server uses. */
export interface ServerSettings {
  select?: string[];
  ignore?: string[];
  severity?: Record<string, SeverityName | 'off'>;
  targetVersion?: string;
  blockingCalls?: { name: string; replacement?: string }[];
}

/** Attached to each published diagnostic as `Diagnostic.data`. */
export interface DiagnosticData {
  name: string;
  fixable: boolean;
}

/** Server → client notification with indexing progress, for the status bar. */
export const INDEX_STATUS_NOTIFICATION = 'asyncioLens/indexStatus';

export interface IndexStatus {
  indexedFiles: number;
  totalFiles: number;
  done: boolean;
}
