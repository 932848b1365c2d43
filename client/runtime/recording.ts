// A `--record` JSON Lines file, replayed into a TaskModel one snapshot at a time. Each line is validated like a live
// message; lines that fail are counted and skipped, so a truncated or hand-edited file still opens.
// Free of `vscode`.
import { parseMessageLine, type AdapterMessage } from '../../shared/runtimeProtocol';
import { TaskModel } from './model';

export interface ParsedRecording {
  messages: AdapterMessage[];
  /** Index in `messages` of every snapshot: the steps one can move between. */
  steps: number[];
  /** Lines skipped because they were not valid messages, with the first problems. */
  skipped: number;
  problems: string[];
}

const PROBLEMS_KEPT = 5;

export function parseRecording(text: string): ParsedRecording {
  const messages: AdapterMessage[] = [];
  const steps: number[] = [];
  const problems: string[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const message = parseMessageLine(line);
    if (typeof message === 'string') {
      skipped++;
      if (problems.length < PROBLEMS_KEPT) problems.push(`line ${i + 1}: ${message}`);
      return;
    }
    if (message.type === 'snapshot') steps.push(messages.length);
    messages.push(message);
  });
  return { messages, steps, skipped, problems };
}

/** Replays a recording: the model holds every message up to and including the current step's snapshot. */
export class RecordingPlayer {
  private model = new TaskModel();
  /** Messages applied to `model` so far. */
  private applied = 0;
  private current = -1;

  constructor(readonly recording: ParsedRecording) {}

  get stepCount(): number {
    return this.recording.steps.length;
  }

  /** 0-based index of the current step; -1 before the first snapshot. */
  get step(): number {
    return this.current;
  }

  get state(): TaskModel {
    return this.model;
  }

  /** Moves to `step` (clamped) and returns the model, which is a new object when the move went backwards. */
  seek(step: number): TaskModel {
    const target = Math.max(-1, Math.min(step, this.stepCount - 1));
    // With no snapshot yet, show everything before the first one (hello, early findings); at the last step, the rest.
    const end = target < 0 ? (this.recording.steps[0] ?? this.recording.messages.length) : target === this.stepCount - 1 ? this.recording.messages.length : this.recording.steps[target] + 1;
    if (end < this.applied) {
      this.model = new TaskModel();
      this.applied = 0;
    }
    for (; this.applied < end; this.applied++) this.model.apply(this.recording.messages[this.applied]);
    this.current = target;
    return this.model;
  }

  /** Time of the current step's snapshot (epoch ms), or undefined before the first. */
  stepTime(): number | undefined {
    if (this.current < 0) return undefined;
    const message = this.recording.messages[this.recording.steps[this.current]];
    return message.type === 'snapshot' ? message.time : undefined;
  }
}
