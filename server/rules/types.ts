// The contract between the engine and the rules.
import type { Range, TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import type { LintConfig } from '../config';
import type { ModuleModel } from '../model/moduleModel';
import type { WorkspaceIndex } from '../model/workspaceIndex';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** Safe fixes keep the program's meaning and are applied by fix-all; unsafe ones only on request. */
export type FixSafety = 'safe' | 'unsafe';

export interface RuleMeta {
  /** Stable code, e.g. `AIO200`. */
  code: string;
  /** Stable kebab-case name, e.g. `blocking-sleep`. */
  name: string;
  /** One line: what the rule flags. */
  summary: string;
  defaultSeverity: Severity;
  /** Whether the rule offers fixes: always, for some findings, or never. */
  fixable: 'always' | 'sometimes' | 'never';
  /** Codes of other tools for the same problem; `# noqa: <alias>` silences this rule too. */
  aliases?: readonly string[];
}

export interface Fix {
  title: string;
  safety: FixSafety;
  edits: TextEdit[];
}

/** A finding before configuration: the rule decides where and what, the engine decides severity and suppression. */
export interface Report {
  /** The node to underline, or an explicit range. */
  node?: Node;
  range?: Range;
  message: string;
  fix?: Fix;
  /** Further fixes offered as alternatives (never applied by fix-all). */
  alternativeFixes?: Fix[];
}

export interface Finding {
  code: string;
  name: string;
  severity: Severity;
  range: Range;
  message: string;
  fix?: Fix;
  alternativeFixes?: Fix[];
}

export interface RuleContext {
  readonly model: ModuleModel;
  readonly index: WorkspaceIndex;
  readonly config: LintConfig;
  report(report: Report): void;
}

export interface Rule {
  readonly meta: RuleMeta;
  check(context: RuleContext): void;
}
