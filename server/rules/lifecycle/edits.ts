// Statement-level edits for the lifecycle rules' fixes: inserting statements before or after a statement (on their
// own lines when the statement has its own line, joined with `;` when it shares one), fresh names, module-level
// definitions.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import { indentationOf } from '../../fixes';
import type { ModuleModel } from '../../model/moduleModel';
import { identifiersIn, occurrencesWithin, topLevelStatement } from './syntax';

function lineStartIndex(source: string, index: number): number {
  return source.lastIndexOf('\n', index - 1) + 1;
}

function lineEndIndex(source: string, index: number): number {
  const end = source.indexOf('\n', index);
  return end === -1 ? source.length : end;
}

function insertAt(model: ModuleModel, index: number, text: string): TextEdit {
  const position = model.positionAt(index);
  return { range: { start: position, end: position }, newText: text };
}

/** Only whitespace precedes `node` on its line. */
export function startsOwnLine(model: ModuleModel, node: Node): boolean {
  return /^[ \t]*$/.test(model.source.slice(lineStartIndex(model.source, node.startIndex), node.startIndex));
}

/** Only whitespace or a comment follows `node` on its last line. */
function endsOwnLine(model: ModuleModel, node: Node): boolean {
  return /^[ \t]*(#.*)?$/.test(model.source.slice(node.endIndex, lineEndIndex(model.source, node.endIndex)));
}

/**
 * Inserts simple statements before `statement`, at its indentation. When the statement shares its line with a
 * compound header (`if x: return`), they are joined with `;` instead, which is valid for simple statements only.
 */
export function insertStatementsBefore(model: ModuleModel, statement: Node, lines: string[]): TextEdit {
  if (startsOwnLine(model, statement)) {
    const indent = indentationOf(model, statement);
    return insertAt(model, statement.startIndex, lines.map((l) => `${l}\n${indent}`).join(''));
  }
  return insertAt(model, statement.startIndex, lines.map((l) => `${l}; `).join(''));
}

/** Inserts simple statements after `statement` (after any comment ending its last line), at its indentation. */
export function insertStatementsAfter(model: ModuleModel, statement: Node, lines: string[]): TextEdit {
  if (startsOwnLine(model, statement) && endsOwnLine(model, statement)) {
    const indent = indentationOf(model, statement);
    return insertAt(model, lineEndIndex(model.source, statement.endIndex), lines.map((l) => `\n${indent}${l}`).join(''));
  }
  return insertAt(model, statement.endIndex, lines.map((l) => `; ${l}`).join(''));
}

/** Deletes a whole line-based statement or decorator, including its line break. */
export function deleteLines(model: ModuleModel, node: Node): TextEdit {
  const start = lineStartIndex(model.source, node.startIndex);
  const end = Math.min(lineEndIndex(model.source, node.endIndex) + 1, model.source.length);
  return { range: { start: model.positionAt(start), end: model.positionAt(end) }, newText: '' };
}

/**
 * A name based on `base` that nothing in `within` (a function, or the module) uses and the module does not bind,
 * so introducing it can shadow nothing.
 */
export function freshName(model: ModuleModel, within: Node, base: string, taken: ReadonlySet<string> = new Set()): string {
  // Every candidate is `base` or `base_<n>`: when no identifier of `within` can be one, the scan is skipped.
  const used = mayNameIdentifier(model, within, base) ? new Set(identifiersIn(model, within).map((id) => id.text)) : new Set<string>();
  const free = (name: string) => !used.has(name) && !taken.has(name) && !model.moduleScope.bindings.has(name);
  if (free(base)) return base;
  for (let i = 2; ; i++) if (free(`${base}_${i}`)) return `${base}_${i}`;
}

const isDigit = (code: number) => code >= 48 && code <= 57;
const isAsciiNameChar = (code: number) => isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/**
 * Whether an identifier named `base` or `base_<digits>` may occur in `within`, told from its text: an occurrence of
 * `base` counts unless it is part of a longer name, which the tokenizer takes whole (letters, digits and `_` after
 * letters or `_`, as in `create_task`; or after it, other than `_<digits>` closing the name). After digits (`1if`
 * lexes as a number and a keyword) or a non-ASCII character it counts. Only for text that parsed without errors,
 * where every token is one of Python's.
 */
function mayNameIdentifier(model: ModuleModel, within: Node, base: string): boolean {
  const source = model.source;
  const found = occurrencesWithin(model, within, base);
  if (!found.length) return false;
  if (within.hasError) return true;
  return found.some((at) => {
    let run = at;
    while (run > 0 && isAsciiNameChar(source.charCodeAt(run - 1))) run--;
    if (run < at && !isDigit(source.charCodeAt(run))) return false;
    let end = at + base.length;
    if (source.charCodeAt(end) === 95 && isDigit(source.charCodeAt(end + 1))) {
      end += 2;
      while (isDigit(source.charCodeAt(end))) end++;
    }
    return !isAsciiNameChar(source.charCodeAt(end));
  });
}

/**
 * Inserts a module-level definition before the top-level statement that contains `anchor` (so it exists before that
 * code runs), two blank lines above a `def`/`class`. Callers pass the same anchor for every finding of a file so the edits
 * are identical and merge.
 */
export function moduleDefinitionBefore(model: ModuleModel, anchor: Node, definition: string): TextEdit | undefined {
  const top = topLevelStatement(model, anchor);
  if (!top) return undefined;
  const isDefinition = top.type === 'function_definition' || top.type === 'class_definition' || top.type === 'decorated_definition';
  return insertAt(model, lineStartIndex(model.source, top.startIndex), `${definition}\n${isDefinition ? '\n\n' : ''}`);
}
