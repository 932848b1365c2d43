// `asyncio-lens check`: lint files and directories with the same engine as the language server.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ConfigError, PyprojectLocator, resolveConfig, type LintSettings } from '../config';
import type { Tree } from 'web-tree-sitter';
import { analyzeSource, analyzeTree, indexAndKeepTree } from '../engine';
import { applyEdits, safeFixEdits } from '../fixes';
import { WorkspaceIndex } from '../model/workspaceIndex';
import { loadParser, ParseError } from '../parser';
import { decodePythonSource } from '../sourceText';
import { docsUrl, RULES } from '../rules/registry';
import type { Finding } from '../rules/types';
import { UsageError } from './args';

export type OutputFormat = 'text' | 'json' | 'sarif';

export interface CheckOptions {
  paths: string[];
  format: OutputFormat;
  fix: boolean;
  settings: LintSettings;
  cwd: string;
}

/** Directories never worth walking into (explicitly named files are still checked). */
const SKIPPED_DIRECTORIES = new Set([
  '.git', '.hg', '.svn', '.venv', 'venv', '.tox', '.nox', 'node_modules', '__pycache__', 'site-packages',
  '.mypy_cache', '.ruff_cache', '.pytest_cache', '__pypackages__',
]);

/**
 * Pass-1 syntax trees are kept for pass 2 while the files they came from add up to less than this many characters
 * (trees take ~30× their source in WASM memory), so a typical project is parsed once rather than twice.
 */
const KEPT_TREES_SOURCE_BUDGET = 8 * 1024 * 1024;

/** How many times `--fix` re-lints and fixes again (a fix can expose or unblock another). */
const MAX_FIX_PASSES = 5;

export interface FileResult {
  path: string;
  findings: Finding[];
  fixed: number;
}

export interface CheckOutcome {
  results: FileResult[];
  errors: string[];
}

/** Expands the given paths into Python files, honouring `.gitignore` files on the way down. */
export function collectPythonFiles(paths: string[], cwd: string, errors: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string, rules: { base: string; matcher: Ignore }[]) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      errors.push(`${relative(cwd, dir) || dir}: cannot read directory (${(e as NodeJS.ErrnoException).code ?? e})`);
      return;
    }
    const gitignore = entries.find((e) => e.isFile() && e.name === '.gitignore');
    if (gitignore) {
      try {
        rules = [...rules, { base: dir, matcher: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }];
      } catch {
        // An unreadable .gitignore ignores nothing.
      }
    }
    const ignored = (full: string, isDir: boolean) =>
      rules.some(({ base, matcher }) => {
        const rel = relative(base, full).split('\\').join('/');
        return rel !== '' && !rel.startsWith('..') && matcher.ignores(isDir ? `${rel}/` : rel);
      });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name) && !ignored(full, true)) walk(full, rules);
      } else if (entry.isFile() && /\.pyi?$/.test(entry.name) && !entry.name.endsWith('.pyi') && !ignored(full, false)) {
        files.push(full);
      }
    }
  };
  for (const given of paths) {
    const full = resolve(cwd, given);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) errors.push(`${given}: no such file or directory`);
    else if (stat.isDirectory()) walk(full, []);
    else files.push(full);
  }
  return [...new Set(files)];
}

export async function check(options: CheckOptions): Promise<CheckOutcome> {
  const errors: string[] = [];
  const files = collectPythonFiles(options.paths, options.cwd, errors);
  const parser = await loadParser();
  const index = new WorkspaceIndex();
  const locator = new PyprojectLocator();
  const sources = new Map<string, { text: string; lossy: boolean }>();
  const keptTrees = new Map<string, Tree>();
  let keptSource = 0;

  // Pass 1: index every file, so calls across files resolve in pass 2.
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      errors.push(`${relative(options.cwd, file)}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
      continue;
    }
    const decoded = decodePythonSource(bytes);
    sources.set(file, decoded);
    try {
      const tree = indexAndKeepTree(parser, decoded.text, file, index);
      if (keptSource + decoded.text.length <= KEPT_TREES_SOURCE_BUDGET) {
        keptTrees.set(file, tree);
        keptSource += decoded.text.length;
      } else tree.delete();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  }

  const results: FileResult[] = [];
  for (const [file, source] of sources) {
    const display = relative(options.cwd, file) || file;
    let config;
    try {
      config = resolveConfig(locator.settingsFor(file).settings, options.settings);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push(e.message);
      continue;
    }
    if (source.lossy) errors.push(`${display}: not valid UTF-8 (nor a declared encoding); checked with replacement characters${options.fix ? ', not fixed' : ''}`);
    let text = source.text;
    let fixed = 0;
    let findings: Finding[] = [];
    const kept = keptTrees.get(file);
    keptTrees.delete(file);
    try {
      for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
        const analysis = kept && pass === 0 ? analyzeTree(kept, text, file, index, config) : analyzeSource(parser, text, file, index, config);
        for (const failure of analysis.failures) errors.push(`${display}: internal error in ${failure.code}: ${String(failure.error)}`);
        findings = analysis.findings;
        if (!options.fix || source.lossy) break;
        const { edits, applied } = safeFixEdits(findings);
        if (edits.length === 0) break;
        text = applyEdits(text, edits);
        fixed += applied;
      }
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      errors.push(`${display}: ${e.message}`);
      continue;
    } finally {
      kept?.delete();
    }
    if (text !== source.text) {
      try {
        writeFileSync(file, text);
      } catch (e) {
        errors.push(`${display}: cannot write fixes (${(e as NodeJS.ErrnoException).code ?? e})`);
      }
    }
    results.push({ path: display, findings, fixed });
  }
  // Files skipped in pass 2 (a configuration error) still hold their trees.
  for (const tree of keptTrees.values()) tree.delete();
  return { results, errors };
}

// ---- output ------------------------------------------------------------------------------------------------

function oneBased(f: Finding) {
  return { line: f.range.start.line + 1, column: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 };
}

export function formatText(results: FileResult[]): string {
  const lines: string[] = [];
  let total = 0;
  let fixable = 0;
  let fixed = 0;
  for (const r of results) {
    fixed += r.fixed;
    for (const f of r.findings) {
      const p = oneBased(f);
      total++;
      if (f.fix?.safety === 'safe') fixable++;
      lines.push(`${r.path}:${p.line}:${p.column}: ${f.code} ${f.fix ? '[*] ' : ''}${f.message}`);
    }
  }
  if (fixed) lines.push(`Fixed ${fixed} finding${fixed === 1 ? '' : 's'}.`);
  if (total) {
    lines.push(`Found ${total} finding${total === 1 ? '' : 's'}.`);
    if (fixable) lines.push(`[*] ${fixable} fixable with \`asyncio-lens check --fix\`.`);
  } else if (!fixed) lines.push('All checks passed!');
  return lines.join('\n') + '\n';
}

export function formatJson(results: FileResult[]): string {
  const items = results.flatMap((r) =>
    r.findings.map((f) => ({
      path: r.path,
      ...oneBased(f),
      code: f.code,
      name: f.name,
      severity: f.severity,
      message: f.message,
      url: docsUrl(f.code),
      ...(f.fix && {
        fix: {
          title: f.fix.title,
          safety: f.fix.safety,
          edits: f.fix.edits.map((e) => ({
            line: e.range.start.line + 1,
            column: e.range.start.character + 1,
            endLine: e.range.end.line + 1,
            endColumn: e.range.end.character + 1,
            newText: e.newText,
          })),
        },
      }),
    })),
  );
  return JSON.stringify(items, null, 2) + '\n';
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', information: 'note', hint: 'note' } as const;

export function formatSarif(results: FileResult[]): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'asyncio-lens',
            informationUri: 'https://github.com/asyncio-lens/asyncio-lens',
            rules: RULES.map((r) => ({
              id: r.meta.code,
              name: r.meta.name,
              shortDescription: { text: r.meta.summary },
              helpUri: docsUrl(r.meta.code),
              defaultConfiguration: { level: SARIF_LEVEL[r.meta.defaultSeverity] },
            })),
          },
        },
        results: results.flatMap((r) =>
          r.findings.map((f) => {
            const p = oneBased(f);
            return {
              ruleId: f.code,
              level: SARIF_LEVEL[f.severity],
              message: { text: f.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: r.path.split('\\').join('/') },
                    region: { startLine: p.line, startColumn: p.column, endLine: p.endLine, endColumn: p.endColumn },
                  },
                },
              ],
            };
          }),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

export function assertFormat(value: string): OutputFormat {
  if (value === 'text' || value === 'json' || value === 'sarif') return value;
  throw new UsageError(`--format must be text, json or sarif (got "${value}")`);
}
