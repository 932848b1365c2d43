// The benchmark corpus: Python files that are not ours and exist on every machine (the installed CPython's
// standard library), plus any directories given on the command line; read once, so every tool gets the same text.
import { readFileSync } from 'node:fs';
import { collectPythonFiles } from '../server/cli/check';
import { decodePythonSource } from '../server/sourceText';

export interface CorpusFile {
  path: string;
  text: string;
}

export interface Corpus {
  dirs: string[];
  files: CorpusFile[];
  lines: number;
  bytes: number;
}

export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return text.endsWith('\n') ? lines - 1 : lines;
}

/** Collects the Python files the CLI would check in `dirs` (same walk, same skipped directories), decoded. */
export function loadCorpus(dirs: string[]): Corpus {
  const errors: string[] = [];
  const paths = collectPythonFiles(dirs, '/', errors);
  if (errors.length) throw new Error(`cannot read the corpus: ${errors.join('; ')}`);
  const files: CorpusFile[] = [];
  let lines = 0;
  let bytes = 0;
  for (const path of paths) {
    const raw = readFileSync(path);
    const { text } = decodePythonSource(raw);
    files.push({ path, text });
    lines += countLines(text);
    bytes += raw.length;
  }
  return { dirs, files, lines, bytes };
}
