// `# noqa` comments: bare (silences every rule on the line) or with codes (`# noqa: AIO200, ASYNC251`).
import type { ModuleModel } from './model/moduleModel';

const NOQA = /#\s*noqa(?::\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?/i;

export type LineSuppression = 'all' | ReadonlySet<string>;

export function suppressionOnLine(model: ModuleModel, line: number): LineSuppression | undefined {
  const comment = model.commentOnLine(line);
  if (!comment) return undefined;
  const match = NOQA.exec(comment.text);
  if (!match) return undefined;
  if (!match[1]) return 'all';
  return new Set(match[1].split(/[\s,]+/).map((c) => c.toUpperCase()));
}

export function isSuppressed(suppression: LineSuppression | undefined, codes: readonly string[]): boolean {
  if (!suppression) return false;
  return suppression === 'all' || codes.some((c) => suppression.has(c));
}

/** The comment text that adds `code` to the line's noqa comment (or starts one). */
export function noqaEditText(existingComment: string | undefined, code: string): { replaceExisting: boolean; text: string } {
  const match = existingComment ? NOQA.exec(existingComment) : null;
  if (existingComment && match) {
    const codes = match[1] ? `${match[1]}, ${code}` : undefined;
    // A bare `# noqa` already silences everything; keep it as it is.
    return { replaceExisting: true, text: codes ? existingComment.replace(match[0], `# noqa: ${codes}`) : existingComment };
  }
  return { replaceExisting: false, text: `  # noqa: ${code}` };
}
