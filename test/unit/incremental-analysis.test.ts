// Differential test of the language server's per-keystroke path: a document edited in place (incremental reparse
// from the previous tree, as server/documents.ts does) must be analysed exactly like the same text parsed afresh.
// Random edit sequences over the rule fixtures and the benchmark's synthetic module: characters, lines, syntax errors.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Parser } from 'web-tree-sitter';
import { syntheticAsyncModule } from '../../bench/syntheticModule';
import { resolveConfig } from '../../server/config';
import { PythonDocument } from '../../server/documents';
import { buildModel, runRules } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';
import type { Finding } from '../../server/rules/types';
import { FIXTURES, pythonFilesIn } from '../support/fixtures';

const config = resolveConfig();

/** Seeded, so a failing sequence can be replayed. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
}

/** Text typed at a random place: characters, names, keywords and tokens that break or restore the syntax. */
const TYPED = ['x', 's', '7', '.', '(', ')', ':', ',', ' ', '\n', '    ', '#', "'", '"', 'await ', 'async ', 'def ', 'time.sleep(1)', 'asyncio.create_task(main())', '\n    pass\n', 'é'];

interface Change {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

/** One random edit of `doc`: insert, delete a few characters, delete or duplicate a line. */
function randomChange(doc: TextDocument, next: (n: number) => number): Change {
  const text = doc.getText();
  const at = next(text.length + 1);
  const start = doc.positionAt(at);
  switch (next(5)) {
    case 0:
    case 1:
      return { range: { start, end: start }, text: TYPED[next(TYPED.length)] };
    case 2:
      return { range: { start, end: doc.positionAt(at + 1 + next(5)) }, text: '' };
    case 3: {
      const line = start.line;
      return { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' };
    }
    default: {
      const line = start.line;
      const lineText = text.slice(doc.offsetAt({ line, character: 0 }), doc.offsetAt({ line: line + 1, character: 0 }));
      return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: lineText.endsWith('\n') ? lineText : `${lineText}\n` };
    }
  }
}

function analyse(tree: Parameters<typeof buildModel>[0], source: string, path: string, index: WorkspaceIndex): Finding[] {
  const { model } = buildModel(tree, source, path, index);
  const { findings, failures } = runRules(model, config);
  assert.deepEqual(failures, []);
  return findings;
}

/** Applies the changes one at a time, comparing the in-place analysis with a fresh one after each. */
function checkChanges(parser: Parser, path: string, source: string, changes: (doc: TextDocument, n: number) => Change | undefined, label: string): void {
  const doc = new PythonDocument(TextDocument.create(`file://${path}`, 'python', 1, source), path);
  // Each side has its own index, fed the same history: the file's own summary from the previous version.
  const incrementalIndex = new WorkspaceIndex();
  const freshIndex = new WorkspaceIndex();
  const freshAnalysis = () => {
    const tree = parse(parser, doc.source);
    try {
      return analyse(tree, doc.source, path, freshIndex);
    } finally {
      tree.delete();
    }
  };
  try {
    analyse(doc.currentTree(parser), doc.source, path, incrementalIndex);
    freshAnalysis();
    for (let n = 0, change = changes(doc.textDocument, n); change; change = changes(doc.textDocument, ++n)) {
      doc.applyChanges([change], doc.version + 1);
      const incremental = analyse(doc.currentTree(parser), doc.source, path, incrementalIndex);
      assert.deepEqual(incremental, freshAnalysis(), `${path}, ${label}, after edit ${n + 1} (${JSON.stringify(change)})`);
    }
  } finally {
    doc.dropTree();
  }
}

function checkRandomEdits(parser: Parser, path: string, source: string, seed: number, edits: number): void {
  const next = random(seed);
  checkChanges(parser, path, source, (doc, n) => (n < edits ? randomChange(doc, next) : undefined), `seed ${seed}`);
}

function ruleFixtures(): string[] {
  const dir = join(FIXTURES, 'rules');
  return readdirSync(dir).flatMap((code) => pythonFilesIn(join(dir, code)));
}

describe('incremental analysis (the server path) matches a fresh analysis', () => {
  let parser: Parser;
  before(async () => {
    parser = await loadParser();
  });

  it('on every rule fixture, after random edits', () => {
    const files = ruleFixtures();
    assert.ok(files.length > 50, `found only ${files.length} fixtures`);
    files.forEach((path, i) => checkRandomEdits(parser, path, readFileSync(path, 'utf8'), 1000 + i, 12));
  });

  it('on the synthetic benchmark module, after random edits', () => {
    const module = syntheticAsyncModule(800);
    for (const seed of [1, 2, 3]) checkRandomEdits(parser, '/ws/service.py', module.text, seed, 25);
  });

  it('on the synthetic benchmark module, typing and deleting at the benchmark edit sites', () => {
    const module = syntheticAsyncModule(400);
    // Edit 2k types at site k, edit 2k+1 deletes it again, as the benchmark does.
    const change = (_: TextDocument, n: number): Change | undefined => {
      const site = module.editSites[n >> 1]?.position;
      if (!site) return undefined;
      return n % 2 === 0 ? { range: { start: site, end: site }, text: '.' } : { range: { start: site, end: { line: site.line, character: site.character + 1 } }, text: '' };
    };
    checkChanges(parser, '/ws/service.py', module.text, change, 'benchmark sites');
  });
});
