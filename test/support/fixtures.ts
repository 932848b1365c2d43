// Lints fixture files the way the CLI does (index the whole folder first), and reads their inline expectations.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { PyprojectLocator, resolveConfig, type LintSettings } from '../../server/config';
import { analyzeSource, indexSource } from '../../server/engine';
import { applyEdits, combineFixes } from '../../server/fixes';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser } from '../../server/parser';
import type { Finding, Fix } from '../../server/rules/types';

export const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures');

/** `# expect: AIO200` or `# expect: AIO200, AIO101` anywhere in a line's comment. */
const EXPECT = /expect:\s*((?:AIO\d{3}[\s,]*)+)/;

export function expectationsOf(source: string): Map<number, string[]> {
  const expected = new Map<number, string[]>();
  source.split('\n').forEach((line, i) => {
    const hash = line.indexOf('#');
    const match = hash === -1 ? null : EXPECT.exec(line.slice(hash));
    if (match) expected.set(i, match[1].split(/[\s,]+/).filter(Boolean).sort());
  });
  return expected;
}

export function pythonFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.py') && !f.endsWith('.fixed.py'))
    .sort()
    .map((f) => join(dir, f));
}

export interface FixtureWorkspace {
  parser: Parser;
  index: WorkspaceIndex;
  lint(file: string, source?: string, settings?: LintSettings): Finding[];
}

/** Indexes every `.py` below `dir` (recursively), as a workspace would be. */
export async function fixtureWorkspace(dir: string): Promise<FixtureWorkspace> {
  const parser = await loadParser();
  const index = new WorkspaceIndex();
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.py') && !e.name.endsWith('.fixed.py') ? [join(d, e.name)] : [],
    );
  for (const file of walk(dir)) indexSource(parser, readFileSync(file, 'utf8'), file, index);
  const locator = new PyprojectLocator();
  return {
    parser,
    index,
    lint(file, source = readFileSync(file, 'utf8'), settings) {
      const config = resolveConfig(locator.settingsFor(file).settings, settings);
      const { findings, failures } = analyzeSource(parser, source, file, index, config);
      if (failures.length) throw failures[0].error;
      return findings;
    },
  };
}

/** Applies the primary fix of every finding of `code`, pass after pass, as `--fix` would (but including unsafe fixes). */
export function applyRuleFixes(workspace: FixtureWorkspace, file: string, code: string): string {
  let source = readFileSync(file, 'utf8');
  for (let pass = 0; pass < 5; pass++) {
    const fixes = workspace.lint(file, source).filter((f) => f.code === code && f.fix).map((f) => f.fix as Fix);
    const { edits } = combineFixes(fixes);
    if (edits.length === 0) break;
    source = applyEdits(source, edits);
  }
  return source;
}
