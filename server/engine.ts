// The analysis engine shared by the language server and the CLI: source → model → findings.
import type { Parser, Tree } from 'web-tree-sitter';
import type { LintConfig } from './config';
import { rangeOf } from './fixes';
import { ModuleModel } from './model/moduleModel';
import { moduleNameForPath } from './model/moduleName';
import type { ModuleSummary } from './model/summary';
import type { WorkspaceIndex } from './model/workspaceIndex';
import { parse } from './parser';
import { RULES } from './rules/registry';
import type { Finding, Report, Rule } from './rules/types';
import { isSuppressed, suppressionOnLine } from './suppression';

export interface RuleFailure {
  code: string;
  error: unknown;
}

export interface Analysis {
  model: ModuleModel;
  findings: Finding[];
  /** Rules that threw: their findings are missing, the others stand. */
  failures: RuleFailure[];
}

/**
 * Builds the model of one file and records its summary in the index; returns whether other files may be affected.
 * `summarize` computes the summary (the server's path keeps parts of the previous one, server/incrementalLint.ts).
 */
export function buildModel(
  tree: Tree,
  source: string,
  path: string,
  index: WorkspaceIndex,
  summarize: (model: ModuleModel) => ModuleSummary = (model) => model.summary(),
  /** See ModuleModel's `lazy`. */
  lazy = false,
): { model: ModuleModel; indexChanged: boolean } {
  const identity = moduleNameForPath(path);
  const model = new ModuleModel(tree, source, identity.name, path, identity.isPackageInit, index, lazy).finish();
  const indexChanged = index.update(summarize(model));
  return { model, indexChanged };
}

export function runRules(model: ModuleModel, config: LintConfig, rules: readonly Rule[] = RULES): Omit<Analysis, 'model'> {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  for (const rule of rules) runRule(rule, model, config, findings, failures);
  return { findings: sortFindings(findings), failures };
}

/** Runs one rule (unless disabled), adding its configured, unsuppressed findings or its failure to the lists. */
export function runRule(rule: Rule, model: ModuleModel, config: LintConfig, findings: Finding[], failures: RuleFailure[]): void {
  const { code, name, aliases = [], defaultSeverity } = rule.meta;
  if (!config.isEnabled(code)) return;
  const silencedBy = [code, ...aliases];
  const severity = config.severityOf(code, defaultSeverity);
  const report = (r: Report) => {
    const range = r.range ?? (r.node ? rangeOf(r.node) : undefined);
    if (!range) return;
    if (isSuppressed(suppressionOnLine(model, range.start.line), silencedBy)) return;
    findings.push({ code, name, severity, range, message: r.message, fix: r.fix, alternativeFixes: r.alternativeFixes });
  };
  try {
    rule.check({ model, index: model.index, config, report });
  } catch (error) {
    failures.push({ code, error });
  }
}

/** Sorts in place by position, then code; the sort is stable, so one rule's findings at one spot keep their order. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
}

/** Models and lints a file that is already parsed; the caller keeps ownership of the tree. */
export function analyzeTree(tree: Tree, source: string, path: string, index: WorkspaceIndex, config: LintConfig): Omit<Analysis, 'model'> {
  const { model } = buildModel(tree, source, path, index);
  return runRules(model, config);
}

/** Parses, models and lints one file in one go (the CLI's path; the server keeps trees between edits). */
export function analyzeSource(parser: Parser, source: string, path: string, index: WorkspaceIndex, config: LintConfig): Omit<Analysis, 'model'> {
  const tree = parse(parser, source);
  try {
    return analyzeTree(tree, source, path, index, config);
  } finally {
    tree.delete();
  }
}

/** Indexes a file without linting it (the first pass over a workspace). */
export function indexSource(parser: Parser, source: string, path: string, index: WorkspaceIndex): void {
  indexAndKeepTree(parser, source, path, index).delete();
}

/** Indexes a file and hands its tree to the caller, who must delete it (a second pass can then skip parsing). */
export function indexAndKeepTree(parser: Parser, source: string, path: string, index: WorkspaceIndex): Tree {
  const tree = parse(parser, source);
  try {
    buildModel(tree, source, path, index);
  } catch (e) {
    tree.delete();
    throw e;
  }
  return tree;
}
