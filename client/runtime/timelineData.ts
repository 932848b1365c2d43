// What the Timeline webview draws: one bar per task from creation to end (or to "now" while live) and the intervals
// when the loop was blocked. Plain data posted to the webview; free of `vscode`.
import type { TaskState } from '../../shared/runtimeProtocol';
import { shortLocation } from './format';
import type { TaskModel } from './model';

export interface TimelineRow {
  id: number;
  name: string;
  state: TaskState;
  coro: string;
  /** "file.py:12" where it waits (live) or last was, or null. */
  where: string | null;
  createdAt: number;
  /** null while the task is live. */
  finishedAt: number | null;
}

export interface TimelineBlock {
  start: number;
  end: number;
  where: string | null;
  label: string;
  ongoing: boolean;
}

export interface TimelineData {
  /** Epoch ms of the left and right edges. */
  start: number;
  end: number;
  rows: TimelineRow[];
  blocks: TimelineBlock[];
  /** Tasks left out beyond `maxRows` (the oldest finished ones go first). */
  omitted: number;
}

export function timelineData(model: TaskModel, maxRows = 20_000): TimelineData {
  const rows: TimelineRow[] = [];
  for (const task of model.allTasks()) {
    rows.push({
      id: task.id,
      name: task.name,
      state: task.state,
      coro: task.coro,
      where: task.location ? shortLocation(task.location) : null,
      createdAt: task.createdAt,
      finishedAt: 'finishedAt' in task ? task.finishedAt : null,
    });
  }
  rows.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  let omitted = 0;
  if (rows.length > maxRows) {
    omitted = rows.length - maxRows;
    rows.splice(0, omitted);
  }
  const blocks: TimelineBlock[] = [];
  for (const finding of model.findings.values()) {
    if (finding.kind !== 'blocked-loop' || finding.duration === undefined) continue;
    blocks.push({
      start: finding.time - finding.duration,
      end: finding.time,
      where: finding.location ? shortLocation(finding.location) : null,
      label: finding.message,
      ongoing: finding.ongoing === true,
    });
  }
  let start = model.hello?.startedAt ?? Infinity;
  let end = model.latestTime;
  for (const row of rows) {
    start = Math.min(start, row.createdAt);
    end = Math.max(end, row.finishedAt ?? row.createdAt);
  }
  for (const block of blocks) {
    start = Math.min(start, block.start);
    end = Math.max(end, block.end);
  }
  if (!Number.isFinite(start)) start = end;
  return { start, end: Math.max(end, start + 1), rows, blocks, omitted };
}
