// Differential test of the language server's per-keystroke path: a document edited in place (incremental reparse
// from the previous tree, as server/documents.ts does) and linted incrementally from the previous lint (statement
// reuse, server/incrementalLint.ts) must be analysed exactly like the same text parsed and linted afresh.
// Random edit sequences over the rule fixtures and the benchmark's synthetic module: characters, lines, syntax errors,
// and edits aimed at the reuse path: inside one def, across defs, module-level statements, new and removed defs,
// renames.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Parser } from 'web-tree-sitter';
import { syntheticAsyncModule } from '../../bench/syntheticModule';
import { resolveConfig } from '../../server/config';
import { PythonDocument } from '../../server/documents';
import { buildModel, runRules } from '../../server/engine';
import { buildModelIncrementally, lintIncrementally, type LintState } from '../../server/incrementalLint';
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

/** Lines where a top-level def or class (or its first decorator) starts, with the line where the next statement starts. */
function topLevelDefinitions(lines: string[]): { start: number; end: number }[] {
  const startsStatement = (line: string) => /^[^\s#)\]}]/.test(line);
  const definitions: { start: number; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^(async def |def |class |@)/.test(lines[i]) || (i > 0 && lines[i - 1].startsWith('@'))) continue;
    let end = i + 1;
    while (end < lines.length && (!startsStatement(lines[end]) || lines[end - 1].startsWith('@'))) end++;
    definitions.push({ start: i, end });
  }
  return definitions;
}

const ADDED_DEFINITION = 'async def added():\n    time.sleep(1)\n    asyncio.create_task(added())\n\n\n';

/** An edit aimed at the statement-reuse path: mostly inside one def or class, sometimes changing what it exports. */
function aimedChange(doc: TextDocument, next: (n: number) => number): Change {
  const text = doc.getText();
  const lines = text.split('\n');
  const definitions = topLevelDefinitions(lines);
  if (!definitions.length) return randomChange(doc, next);
  const { start, end } = definitions[next(definitions.length)];
  const at = (line: number, character: number) => ({ line, character });
  const insert = (line: number, character: number, inserted: string): Change => ({ range: { start: at(line, character), end: at(line, character) }, text: inserted });
  const bodyLine = start + 1 + next(Math.max(1, end - start - 1));
  const bodyText = lines[bodyLine] ?? '';
  switch (next(12)) {
    case 0:
    case 1:
    case 2:
      // Typing inside the definition.
      return insert(bodyLine, next(bodyText.length + 1), TYPED[next(TYPED.length)]);
    case 3:
    case 4: {
      // Deleting a few characters on one line of it.
      const from = next(bodyText.length + 1);
      return { range: { start: at(bodyLine, from), end: at(bodyLine, Math.min(bodyText.length, from + 1 + next(3))) }, text: '' };
    }
    case 5: {
      // Renaming it (or, on a decorator line, changing the decorator).
      const name = /^(?:async def |def |class |@)(\w*)/.exec(lines[start]);
      return insert(start, (name?.index ?? 0) + (name?.[0].length ?? 0), 'x');
    }
    case 6:
      return insert(start, 0, ADDED_DEFINITION);
    case 7:
      return { range: { start: at(start, 0), end: at(end, 0) }, text: '' };
    case 8: {
      // A module-level statement: the line just before the definition, or a new import.
      return next(2) ? insert(Math.max(0, start - 1), 0, next(2) ? 'x' : 'import time as clock\n') : insert(start, 0, 'log = None\n');
    }
    case 9:
      return insert(bodyLine, bodyText.length, next(2) ? '  # noqa' : '  # noqa: AIO200');
    case 10: {
      // Binding a module-level name from inside the definition.
      const indent = /^\s*/.exec(bodyText)?.[0] || '    ';
      return insert(bodyLine, 0, `${indent}global log\n${indent}log = time.sleep(1)\n`);
    }
    default:
      // Making it a coroutine function, or a plain one again.
      return lines[start].startsWith('async ') ? { range: { start: at(start, 0), end: at(start, 6) }, text: '' } : insert(start, 0, 'async ');
  }
}

function analyse(tree: Parameters<typeof buildModel>[0], source: string, path: string, index: WorkspaceIndex): Finding[] {
  const { model } = buildModel(tree, source, path, index);
  const { findings, failures } = runRules(model, config);
  assert.deepEqual(failures, []);
  return findings;
}

interface Reuse {
  /** Lints that reused the previous one. */
  reused: number;
  /** Function and class summaries kept from the previous lint, over all edits. */
  summariesKept: number;
}

/** Applies the changes one at a time, comparing the in-place analysis (and summary) with a fresh one after each. */
function checkChanges(parser: Parser, path: string, source: string, changes: (doc: TextDocument, n: number) => Change | undefined, label: string): Reuse {
  const doc = new PythonDocument(TextDocument.create(`file://${path}`, 'python', 1, source), path);
  // Each side has its own index, fed the same history: the file's own summary from the previous version.
  const incrementalIndex = new WorkspaceIndex();
  const freshIndex = new WorkspaceIndex();
  let state: LintState | undefined;
  let reused = 0;
  let summariesKept = 0;
  const incrementalAnalysis = () => {
    const { model, keptSummaries } = buildModelIncrementally(doc.currentTree(parser), doc.source, path, incrementalIndex, state);
    const lint = lintIncrementally(model, config, state);
    assert.deepEqual(lint.failures, []);
    state = lint.state;
    if (lint.reused) reused++;
    summariesKept += keptSummaries;
    return lint.findings;
  };
  const freshAnalysis = () => {
    const tree = parse(parser, doc.source);
    try {
      return analyse(tree, doc.source, path, freshIndex);
    } finally {
      tree.delete();
    }
  };
  try {
    // The module's summary (partly kept from the previous one on the incremental side) must be the same too.
    const sameSummary = (where: string) => assert.deepEqual(incrementalIndex.moduleForPath(path), freshIndex.moduleForPath(path), `${path}, ${label}, summary ${where}`);
    assert.deepEqual(incrementalAnalysis(), freshAnalysis(), `${path}, ${label}, before any edit`);
    sameSummary('before any edit');
    for (let n = 0, change = changes(doc.textDocument, n); change; change = changes(doc.textDocument, ++n)) {
      doc.applyChanges([change], doc.version + 1);
      const incremental = incrementalAnalysis();
      const where = `after edit ${n + 1} (${JSON.stringify(change)})`;
      assert.deepEqual(incremental, freshAnalysis(), `${path}, ${label}, ${where}`);
      sameSummary(where);
    }
  } finally {
    doc.dropTree();
  }
  return { reused, summariesKept };
}

function checkRandomEdits(parser: Parser, path: string, source: string, seed: number, edits: number): Reuse {
  const next = random(seed);
  return checkChanges(parser, path, source, (doc, n) => (n < edits ? randomChange(doc, next) : undefined), `seed ${seed}`);
}

function freshFindings(parser: Parser, source: string): Finding[] {
  const tree = parse(parser, source);
  try {
    return analyse(tree, source, '/ws/reach.py', new WorkspaceIndex());
  } finally {
    tree.delete();
  }
}

/** How many module-level names a fresh summary of `source` gives a function or a class. */
function moduleLevelDefinitions(parser: Parser, source: string): number {
  const index = new WorkspaceIndex();
  const tree = parse(parser, source);
  try {
    buildModel(tree, source, '/ws/count.py', index);
  } finally {
    tree.delete();
  }
  return [...(index.moduleForPath('/ws/count.py')?.symbols.values() ?? [])].filter((s) => s.kind === 'function' || s.kind === 'class').length;
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

  it('on the synthetic benchmark module, after edits aimed at statement reuse (which most of them take)', () => {
    const module = syntheticAsyncModule(600);
    let reused = 0;
    let summariesKept = 0;
    let edits = 0;
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      const next = random(seed);
      const result = checkChanges(parser, '/ws/service.py', module.text, (doc, n) => (n < 40 ? aimedChange(doc, next) : undefined), `aimed, seed ${seed}`);
      reused += result.reused;
      summariesKept += result.summariesKept;
      edits += 41;
    }
    assert.ok(reused > edits / 3, `only ${reused} of ${edits} lints reused the previous one`);
    assert.ok(summariesKept > reused, `only ${summariesKept} summaries kept over ${reused} reused lints`);
  });

  it('on every rule fixture, after edits aimed at statement reuse', () => {
    let reused = 0;
    ruleFixtures().forEach((path, i) => {
      const next = random(5000 + i);
      reused += checkChanges(parser, path, readFileSync(path, 'utf8'), (doc, n) => (n < 15 ? aimedChange(doc, next) : undefined), `aimed, seed ${5000 + i}`).reused;
    });
    assert.ok(reused > 100, `only ${reused} lints reused the previous one`);
  });

  it('reuses the previous lint when typing at the benchmark edit sites, and lints in full after a module-level edit', () => {
    const module = syntheticAsyncModule(100);
    const withinDefinitions = module.editSites.filter((site) => site.kind !== 'comment').slice(0, 20);
    const { reused, summariesKept } = checkChanges(parser, '/ws/service.py', module.text, (_, n) => {
      const site = withinDefinitions[n]?.position;
      return site && { range: { start: site, end: site }, text: 'x' };
    }, 'sites inside definitions');
    // The first lint has nothing to reuse; each edit after it reuses the one before. From the second edit on (the
    // first summary was resolved without its own module in the index) each keeps the summaries of every module-level
    // function and class but those of the edited statement.
    assert.equal(reused, withinDefinitions.length);
    const definitions = moduleLevelDefinitions(parser, module.text);
    assert.ok(definitions > 5, `only ${definitions} module-level functions and classes`);
    assert.ok(summariesKept >= (withinDefinitions.length - 1) * (definitions - 1), `${summariesKept} summaries kept over ${reused} edits of ${definitions} definitions`);
    const importEdited = checkChanges(parser, '/ws/service.py', module.text, (_, n) => (n === 0 ? { range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: 'import sys\n' } : undefined), 'module-level import');
    assert.deepEqual(importEdited, { reused: 0, summariesKept: 0 });
  });

  // Each case: a module and one edit inside a def whose effect reaches another statement's findings or fixes, the
  // dependences that make a rule module-wide or refuse reuse. Run in both orders (the edit, then its undoing).
  const REACHING_EDITS: { name: string; source: string; edit: { line: number; from: string; to: string } }[] = [
    {
      name: 'a helper stops blocking (AIO210 follows calls into other defs)',
      source: 'import time\n\n\ndef helper():\n    time.sleep(1)\n\n\nasync def main():\n    helper()\n',
      edit: { line: 4, from: 'time.sleep(1)', to: 'print(1)' },
    },
    {
      name: "a def starts using the module's loop variable (AIO400's fix checks every identifier)",
      source:
        'import asyncio\n\n\nasync def main():\n    pass\n\n\ndef other():\n    print(1)\n\n\nloop = asyncio.get_event_loop()\ntry:\n    loop.run_until_complete(main())\nfinally:\n    loop.close()\n',
      edit: { line: 8, from: 'print(1)', to: 'print(loop)' },
    },
    {
      name: "an attribute's class changes in __init__ (other defs resolve calls through it)",
      source:
        'import time\n\n\nclass Fast:\n    def close(self):\n        pass\n\n\nclass Slow:\n    def close(self):\n        time.sleep(1)\n\n\nclass Holder:\n    def __init__(self):\n        self.conn = Fast()\n\n\nasync def main():\n    Holder().conn.close()\n',
      edit: { line: 15, from: 'Fast()', to: 'Slow()' },
    },
    {
      name: "a def's return annotation changes class (other defs resolve calls through it)",
      source:
        'import time\n\n\nclass Fast:\n    def close(self):\n        pass\n\n\nclass Slow:\n    def close(self):\n        time.sleep(1)\n\n\ndef make() -> Fast:\n    return Fast()\n\n\nasync def main():\n    make().close()\n',
      edit: { line: 13, from: '-> Fast', to: '-> Slow' },
    },
    {
      name: 'a socket is set non-blocking in another def (AIO205 reads those calls anywhere in the module)',
      source: 'import socket\n\n\nclass C:\n    def __init__(self):\n        self.sock = socket.socket()\n\n    async def read(self):\n        self.sock.recv(10)\n\n\nasync def setup(self):\n    x = 1\n',
      edit: { line: 12, from: 'x = 1', to: 'self.sock.setblocking(False)' },
    },
    {
      name: 'a def starts a blocking call on a socket another def set non-blocking (the edited def alone is re-checked)',
      source:
        'import socket\nimport time\n\n\nclass A:\n    def __init__(self):\n        self.sock = socket.socket()\n        self.sock.setblocking(False)\n\n\nclass B:\n    def __init__(self):\n        self.sock = socket.socket()\n\n    async def read(self):\n        x = 1\n',
      edit: { line: 15, from: 'x = 1', to: 'self.sock.recv(time.sleep(1))' },
    },
    {
      name: "a comment mentions `yield from` (AIO403 checks generators only in a file that does)",
      source: 'import asyncio\n\n\ndef gen():\n    yield  from asyncio.sleep(1)\n\n\ndef other():\n    x = 1\n',
      edit: { line: 8, from: 'x = 1', to: 'x = 1  # yield from' },
    },
    {
      name: "a def's task becomes dangling before the first one (AIO301 defines its set before the first)",
      source: 'import asyncio\n\n\nasync def early():\n    keep = asyncio.create_task(work())\n    await keep\n\n\nasync def late():\n    asyncio.create_task(work())\n',
      edit: { line: 4, from: 'keep = asyncio.create_task(work())', to: 'asyncio.create_task(work())' },
    },
    {
      name: "a def starts spelling the name of AIO301's set (its fix picks a name no one uses)",
      source: 'import asyncio\n\n\nasync def spawn():\n    asyncio.create_task(work())\n\n\ndef other():\n    x = 1\n',
      edit: { line: 8, from: 'x = 1', to: '_background_tasks = 1' },
    },
    {
      name: 'a def starts running the entry coroutine (AIO300 reports only in entry coroutines)',
      source: 'import asyncio\n\n\nasync def main():\n    asyncio.create_task(work())\n\n\ndef cli():\n    print(main)\n',
      edit: { line: 8, from: 'print(main)', to: 'asyncio.run(main())' },
    },
    {
      name: 'a helper of the entry coroutine stops starting tasks (AIO300 follows helpers into other defs)',
      source: 'import asyncio\n\n\ndef spawn():\n    asyncio.create_task(work())\n\n\nasync def main():\n    spawn()\n\n\nasyncio.run(main())\n',
      edit: { line: 4, from: 'asyncio.create_task(work())', to: 'print(work)' },
    },
    {
      name: 'another def starts retrieving a task kept in a private attribute (AIO302 follows it through the module)',
      source: 'import asyncio\n\n\nclass Holder:\n    def start(self):\n        self._task = asyncio.create_task(work())\n\n\ndef check(holder):\n    print(holder._task.done())\n',
      edit: { line: 9, from: 'holder._task.done()', to: 'holder._task.result()' },
    },
    {
      name: "a def's task is lost before the first one (AIO302 defines its callback before the first)",
      source: 'import asyncio\n\n\nasync def early():\n    t = asyncio.create_task(work())\n    await t\n\n\nclass Late:\n    def start(self):\n        self._t = asyncio.create_task(work())\n',
      edit: { line: 5, from: 'await t', to: 'print(t)' },
    },
    {
      name: 'a nested class gets an async method',
      source: 'class Outer:\n    class Inner:\n        def run(self):\n            pass\n\n\nasync def main():\n    if Outer.Inner().run():\n        pass\n',
      edit: { line: 2, from: 'def run', to: 'async def run' },
    },
  ];
  for (const { name, source, edit } of REACHING_EDITS) {
    it(`after an edit reaching other statements: ${name}`, () => {
      const lines = source.split('\n');
      const edited = lines.map((l, i) => (i === edit.line ? l.replace(edit.from, edit.to) : l)).join('\n');
      assert.notDeepEqual(freshFindings(parser, edited), freshFindings(parser, source), 'the edit changes what is reported');
      for (const [before, after] of [[source, edited], [edited, source]]) {
        const line = before.split('\n')[edit.line];
        const change: Change = { range: { start: { line: edit.line, character: 0 }, end: { line: edit.line, character: line.length } }, text: after.split('\n')[edit.line] };
        checkChanges(parser, '/ws/reach.py', before, (_, n) => (n === 0 ? change : undefined), name);
      }
    });
  }
});
