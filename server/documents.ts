// Open Python documents with their syntax trees, kept in step with every incremental edit.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { Parser, Tree } from 'web-tree-sitter';
import { editFor, parse } from './parser';

export class PythonDocument {
  private tree: Tree | undefined;

  constructor(
    private text: TextDocument,
    /** File system path when the document has one, else its URI. */
    readonly path: string,
  ) {}

  get uri(): string {
    return this.text.uri;
  }

  get version(): number {
    return this.text.version;
  }

  get source(): string {
    return this.text.getText();
  }

  get textDocument(): TextDocument {
    return this.text;
  }

  /** Applies LSP changes in order; ranged ones are also applied to the old tree so the next parse reuses it. */
  applyChanges(changes: TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && this.tree) {
        const startIndex = this.text.offsetAt(change.range.start);
        const oldEndIndex = this.text.offsetAt(change.range.end);
        // offsetAt clamps; positions derived from the clamped offsets keep the tree edit consistent.
        const startPosition = toPoint(this.text.positionAt(startIndex));
        const oldEndPosition = toPoint(this.text.positionAt(oldEndIndex));
        this.tree.edit(editFor(startIndex, oldEndIndex, startPosition, oldEndPosition, change.text));
      } else if (!('range' in change)) {
        this.dropTree();
      }
      this.text = TextDocument.update(this.text, [change], version);
    }
  }

  /** The current tree, reparsing incrementally from the previous one. Throws ParseError for hopeless input. */
  currentTree(parser: Parser): Tree {
    if (this.parsedVersion === this.version && this.tree) return this.tree;
    const next = parse(parser, this.source, this.tree);
    this.tree?.delete();
    this.tree = next;
    this.parsedVersion = this.version;
    return next;
  }

  private parsedVersion = -1;

  dropTree(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.parsedVersion = -1;
  }
}

function toPoint(p: { line: number; character: number }) {
  return { row: p.line, column: p.character };
}
