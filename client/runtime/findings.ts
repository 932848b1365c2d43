// Runtime findings (blocked loop, never-awaited coroutine, ...) as Problems entries: one per source line and kind,
// repeated findings counted, and worded "confirmed at runtime" when a static asyncio-lens rule flags the same line.
// Free of `vscode`: RuntimeDiagnostics turns these entries into vscode.Diagnostic objects.
import * as path from 'node:path';
import type { FindingKind, FindingMessage, StackFrame } from '../../shared/runtimeProtocol';
import { formatDuration } from './format';

export type FindingSeverity = 'error' | 'warning' | 'information';

export const FINDING_SEVERITY: Record<FindingKind, FindingSeverity> = {
  'blocked-loop': 'warning',
  'never-awaited': 'warning',
  'exception-never-retrieved': 'error',
  'destroyed-pending': 'warning',
  'pending-at-exit': 'information',
};

export interface FindingEntry {
  kind: FindingKind;
  /** Absolute path of the source file. */
  file: string;
  /** 0-based line. */
  line: number;
  severity: FindingSeverity;
  /** The runtime fact, e.g. "loop blocked 1.2 s here". */
  summary: string;
  /** Frames worth showing as related locations (the sampled or origin stack, innermost first). */
  related: StackFrame[];
  /** Findings folded into this entry. */
  count: number;
}

const MAX_RELATED = 8;

/** Resolves a location's file against the program's working directory; pseudo files such as `<string>` give undefined. */
export function findingFile(file: string, cwd: string | undefined): string | undefined {
  if (!file || file.startsWith('<')) return undefined;
  if (path.isAbsolute(file)) return path.normalize(file);
  return cwd ? path.resolve(cwd, file) : undefined;
}

/** Folds findings into one entry per (file, line, kind), in order of first appearance. */
export function findingEntries(findings: Iterable<FindingMessage>, cwd: string | undefined): FindingEntry[] {
  const groups = new Map<string, { file: string; line: number; items: FindingMessage[] }>();
  for (const finding of findings) {
    if (!finding.location) continue;
    const file = findingFile(finding.location.file, cwd);
    if (!file) continue;
    const line = Math.max(0, finding.location.line - 1);
    const key = `${file}\n${line}\n${finding.kind}`;
    const group = groups.get(key);
    if (group) group.items.push(finding);
    else groups.set(key, { file, line, items: [finding] });
  }
  return [...groups.values()].map(({ file, line, items }) => {
    const first = items[0];
    return {
      kind: first.kind,
      file,
      line,
      severity: FINDING_SEVERITY[first.kind],
      summary: summarize(items),
      related: [...(first.stack ?? [])].reverse().slice(0, MAX_RELATED),
      count: items.length,
    };
  });
}

function summarize(items: FindingMessage[]): string {
  const first = items[0];
  if (first.kind === 'blocked-loop') {
    const longest = Math.max(...items.map((f) => f.duration ?? 0));
    const ongoing = items.some((f) => f.ongoing);
    const task = first.taskName ? `, in task '${first.taskName}'` : '';
    if (items.length > 1) return `loop blocked ${items.length} times here, longest ${formatDuration(longest)}${task}`;
    return ongoing ? `loop blocked here, ${formatDuration(longest)} so far${task}` : `loop blocked ${formatDuration(longest)} here${task}`;
  }
  return items.length > 1 ? `${first.message} (${items.length} times)` : first.message;
}

/**
 * The Problems text. `staticCodes`: codes of static asyncio-lens diagnostics on the same line; when there are some,
 * the runtime finding confirms them ("confirmed at runtime: loop blocked 1.2 s here (AIO200)").
 */
export function findingDiagnosticMessage(entry: FindingEntry, staticCodes: readonly string[]): string {
  if (staticCodes.length > 0) return `confirmed at runtime: ${entry.summary} (${[...new Set(staticCodes)].join(', ')})`;
  const text = entry.summary.charAt(0).toUpperCase() + entry.summary.slice(1);
  return `${text} (seen at runtime)`;
}
