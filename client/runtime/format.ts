// Text shown for tasks, frames and findings: tree descriptions, Markdown tooltips, the copied stack. Free of `vscode`.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FinishedTaskInfo, ResourceInfo, StackFrame, TaskState } from '../../shared/runtimeProtocol';
import type { AnyTask, TaskModel } from './model';

export function shortLocation(frame: { file: string; line: number }): string {
  return `${path.basename(frame.file)}:${frame.line}`;
}

/** "1.2 s", "350 ms", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

export const STATE_LABEL: Record<TaskState, string> = {
  pending: 'pending',
  running: 'running',
  done: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** How a finished task ended: "→ 42", "ValueError", "cancelled at exit". */
export function taskOutcome(task: FinishedTaskInfo, nameOf: (id: number) => string | undefined): string {
  if (task.state === 'failed') return task.exception ? task.exception.type : 'failed';
  if (task.state === 'done') return task.result === null ? 'done' : `→ ${task.result}`;
  const by = task.cancelledBy;
  if (by === 'shutdown') return 'cancelled at exit';
  if (by === 'client') return 'cancelled by you';
  return by === null ? 'cancelled' : `cancelled by ${nameOf(by) ?? `task ${by}`}`;
}

/**
 * Tree item description: the coroutine (unless the task is named after it), then where a live task waits or how a
 * finished one ended.
 */
export function taskDescription(task: AnyTask, current: boolean, nameOf: (id: number) => string | undefined): string {
  const detail = 'finishedAt' in task ? taskOutcome(task, nameOf) : task.location ? shortLocation(task.location) : '';
  const parts = [current ? '▶ current' : '', task.coro === task.name ? '' : task.coro, detail];
  return parts.filter(Boolean).join('  ');
}

/** Like a Python traceback line. */
export function frameLine(frame: StackFrame): string {
  return `  File "${frame.file}", line ${frame.line}, in ${frame.function}`;
}

/** The text "Copy Stack" puts on the clipboard: readable in an issue, clickable in most terminals. */
export function stackText(task: AnyTask): string {
  const lines = [`Task ${JSON.stringify(task.name)} (${task.state}) ${task.coro}`];
  if (task.awaitingDetail) lines.push(`awaiting ${task.awaitingDetail}`);
  if (task.stack.length > 0) {
    lines.push('Stack (most recent call last):');
    for (const frame of task.stack) lines.push(frameLine(frame));
  } else {
    lines.push('(no stack: the task has not started or has finished)');
  }
  if (task.createdStack && task.createdStack.length > 0) {
    lines.push('Created at (most recent call last):');
    for (const frame of task.createdStack) lines.push(frameLine(frame));
  } else if (task.created) {
    lines.push('Created at:', frameLine(task.created));
  }
  return lines.join('\n') + '\n';
}

/** Escapes text for Markdown (task names and exception messages come from the program). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, '\\$&');
}

function fileLink(frame: { file: string; line: number }): string {
  return `[${escapeMarkdown(shortLocation(frame))}](${pathToFileURL(frame.file).href}#L${frame.line})`;
}

/** The task's hover: state, coroutine, what it awaits, age, creator, stack and creation site. */
export function taskTooltipMarkdown(task: AnyTask, model: TaskModel): string {
  const lines = [`**${escapeMarkdown(task.name)}** — ${STATE_LABEL[task.state]}${model.isCurrent(task) ? ' (current task)' : ''}`, ''];
  lines.push(`Coroutine: \`${task.coro.replace(/`/g, "'")}\``);
  if (task.awaitingDetail) lines.push('', `Awaiting: ${escapeMarkdown(task.awaitingDetail)}`);
  lines.push('', `Age: ${formatDuration(model.ageSeconds(task) * 1000)}`);
  const creator = task.parent === null ? undefined : model.task(task.parent);
  if (creator) lines.push('', `Created by: ${escapeMarkdown(creator.name)}`);
  if (task.created) lines.push('', `Created at: ${fileLink(task.created)} in \`${task.created.function}\``);
  if ('finishedAt' in task) {
    if (task.result !== null) lines.push('', `Result: \`${task.result.replace(/`/g, "'")}\``);
    if (task.exception) lines.push('', `Exception: ${escapeMarkdown(`${task.exception.type}: ${task.exception.message}`)}`);
    if (task.cancelledBy !== null) {
      const by =
        task.cancelledBy === 'client' ? 'you (Asyncio Lens)' : task.cancelledBy === 'shutdown' ? 'asyncio.run at exit' : model.task(task.cancelledBy)?.name ?? `task ${task.cancelledBy}`;
      lines.push('', `Cancelled by: ${escapeMarkdown(by)}`);
    }
  }
  if (task.stack.length > 0) {
    lines.push('', 'Stack (most recent call last):', '', '```text');
    for (const frame of task.stack) lines.push(frameLine(frame).replace(/```/g, "'''"));
    lines.push('```');
  }
  return lines.join('\n');
}

export function resourceDescription(resource: ResourceInfo): string {
  const waiting = resource.waiters.length > 0 ? ` · ${resource.waiters.length} waiting` : '';
  return `${resource.state}${waiting}`;
}

export function resourceTooltipMarkdown(resource: ResourceInfo, model: TaskModel): string {
  const lines = [`**${escapeMarkdown(resource.name)}** (${resource.kind}) — ${escapeMarkdown(resource.state)}`];
  if (resource.created) lines.push('', `Created at: ${fileLink(resource.created)} in \`${resource.created.function}\``);
  if (resource.waiters.length > 0) {
    const names = resource.waiters.map((id) => model.task(id)?.name ?? `task ${id}`);
    lines.push('', `Waiting: ${names.map(escapeMarkdown).join(', ')}`);
  }
  return lines.join('\n');
}
