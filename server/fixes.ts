// Building and applying text edits for quick fixes, shared by the language server and `check --fix`.
import type { Position, Range, TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import type { ModuleModel } from './model/moduleModel';
import type { Finding, Fix } from './rules/types';
import { lineStartsOf } from './sourceText';

export function rangeOf(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

export function replaceNode(node: Node, newText: string): TextEdit {
  return { range: rangeOf(node), newText };
}

export function insertBefore(node: Node, text: string): TextEdit {
  const start = { line: node.startPosition.row, character: node.startPosition.column };
  return { range: { start, end: start }, newText: text };
}

export function insertAfter(node: Node, text: string): TextEdit {
  const end = { line: node.endPosition.row, character: node.endPosition.column };
  return { range: { start: end, end }, newText: text };
}

/**
 * The edit that makes `import <module>` available at module level, or nothing when the module (not an alias of
 * it) is already imported. Goes after the docstring, `from __future__` imports and the leading import block.
 */
export function ensureImport(model: ModuleModel, module: string): TextEdit | undefined {
  const bindings = model.moduleScope.bindings.get(module);
  if (bindings?.some((b) => b.kind === 'import' && b.target === module)) return undefined;
  let line = 0;
  for (const statement of model.root.namedChildren) {
    if (!statement) continue;
    const isDocstring = statement.type === 'expression_statement' && statement.namedChild(0)?.type === 'string' && line === 0;
    const isImport = statement.type === 'import_statement' || statement.type === 'import_from_statement' || statement.type === 'future_import_statement';
    if (statement.type === 'comment' || isDocstring || isImport) {
      if (statement.type !== 'comment') line = statement.endPosition.row + 1;
      continue;
    }
    break;
  }
  const position: Position = { line, character: 0 };
  return { range: { start: position, end: position }, newText: `import ${module}\n` };
}

/** The leading whitespace of the line `node` starts on. */
export function indentationOf(model: ModuleModel, node: Node): string {
  const lineStart = model.source.lastIndexOf('\n', node.startIndex - 1) + 1;
  return /^[ \t]*/.exec(model.source.slice(lineStart, node.startIndex))![0];
}

function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

function sameEdit(a: TextEdit, b: TextEdit): boolean {
  return comparePositions(a.range.start, b.range.start) === 0 && comparePositions(a.range.end, b.range.end) === 0 && a.newText === b.newText;
}

/**
 * Picks fixes whose edits do not overlap the edits already picked (identical edits, such as two fixes that both
 * add `import asyncio`, are merged). Returns the merged edit list, sorted.
 */
export function combineFixes(fixes: Fix[]): { edits: TextEdit[]; applied: number } {
  const picked: TextEdit[] = [];
  let applied = 0;
  for (const fix of fixes) {
    const fresh = fix.edits.filter((e) => !picked.some((p) => sameEdit(p, e)));
    // Overlapping edits, or two different edits at one position (their order would be a guess), conflict.
    const clashes = fresh.some((e) =>
      picked.some(
        (p) =>
          comparePositions(e.range.start, p.range.start) === 0 ||
          (comparePositions(e.range.start, p.range.end) < 0 && comparePositions(p.range.start, e.range.end) < 0),
      ),
    );
    if (clashes) continue;
    picked.push(...fresh);
    applied++;
  }
  return { edits: picked.sort((a, b) => comparePositions(a.range.start, b.range.start)), applied };
}

/** The safe fixes of `findings`, combined without conflicts: what fix-all applies in one pass. */
export function safeFixEdits(findings: Finding[]): { edits: TextEdit[]; applied: number } {
  return combineFixes(findings.map((f) => f.fix).filter((f): f is Fix => f?.safety === 'safe'));
}

/** Applies non-overlapping edits (positions in UTF-16 units, as LSP and tree-sitter use them). */
export function applyEdits(source: string, edits: TextEdit[]): string {
  const lineStarts = lineStartsOf(source);
  const offset = (p: Position) => Math.min((lineStarts[p.line] ?? source.length) + p.character, source.length);
  const sorted = [...edits].sort((a, b) => comparePositions(b.range.start, a.range.start));
  let text = source;
  for (const edit of sorted) text = text.slice(0, offset(edit.range.start)) + edit.newText + text.slice(offset(edit.range.end));
  return text;
}

/**
 * How this module can name `asyncio` at module level: an existing `import asyncio [as aio]` binding, or `asyncio`
 * together with the edit that imports it.
 */
export function asyncioReference(model: ModuleModel): { name: string; importEdit?: TextEdit } {
  for (const [name, bindings] of model.moduleScope.bindings) {
    if (bindings.some((b) => b.kind === 'import' && b.target === 'asyncio')) return { name };
  }
  return { name: 'asyncio', importEdit: ensureImport(model, 'asyncio') };
}
