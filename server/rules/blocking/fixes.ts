// Quick fixes for blocking calls: run the call in a worker thread (`asyncio.to_thread`, or the default executor
// before Python 3.9), or replace it with an awaited call. Every fix awaits what it creates, keeps the arguments in
// their order and adds the imports it needs.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import type { LintConfig } from '../../config';
import { asyncioReference, ensureImport, insertAfter, insertBefore, replaceNode } from '../../fixes';
import type { ModuleModel } from '../../model/moduleModel';
import type { Fix, FixSafety } from '../types';
import type { ForwardedArguments } from './match';

/** `asyncio.to_thread` is new in Python 3.9. */
export function hasToThread(config: LintConfig): boolean {
  const [major, minor] = config.targetVersion;
  return major > 3 || (major === 3 && minor >= 9);
}

/** How this module names `module` at module level, with the import to add when it has no binding for it. */
export function moduleReference(model: ModuleModel, module: string): { name: string; importEdit?: TextEdit } {
  if (module === 'asyncio') return asyncioReference(model);
  for (const [name, bindings] of model.moduleScope.bindings) {
    if (bindings.some((b) => b.kind === 'import' && b.target === module)) return { name };
  }
  return { name: module, importEdit: ensureImport(model, module) };
}

/** Import edits at one position become one edit: two inserts at one point would leave their order to chance. */
function mergeImports(edits: (TextEdit | undefined)[]): TextEdit[] {
  const merged: TextEdit[] = [];
  for (const edit of edits) {
    if (!edit) continue;
    const same = merged.find((m) => m.range.start.line === edit.range.start.line && m.range.start.character === edit.range.start.character);
    if (same) same.newText += edit.newText;
    else merged.push({ ...edit });
  }
  return merged;
}

/**
 * Whether an `await` may be put in front of the call where it stands: not inside a generator expression in the
 * coroutine (that would turn it into an async generator) and not in code that failed to parse.
 */
function canAwaitAt(model: ModuleModel, call: Node): boolean {
  if (call.hasError) return false;
  const coroutine = model.inCoroutineBody(call);
  if (!coroutine) return false;
  const at = call.startIndex;
  return !model.nodesOfType('generator_expression').some((g) => g.startIndex > coroutine.node.startIndex && g.startIndex < at && at < g.endIndex);
}

/** Text to put around an awaited expression replacing `call`: `await ` unless already awaited, parentheses where needed. */
function awaitWrapping(call: Node): { before: string; after: string } {
  const parent = call.parent;
  if (parent?.type === 'await') return { before: '', after: '' };
  // `x.attr`, `x[i]` and `x()` bind tighter than `await`: `(await f()).json()`.
  const primary =
    (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === call.id) ||
    (parent?.type === 'subscript' && parent.childForFieldName('value')?.id === call.id) ||
    (parent?.type === 'call' && parent.childForFieldName('function')?.id === call.id);
  return primary ? { before: '(await ', after: ')' } : { before: 'await ', after: '' };
}

export interface OffloadOptions {
  safety: FixSafety;
  /** The call returns a lazy iterator: the thread consumes it (`to_thread(list, os.walk(p))`). */
  iterate?: boolean;
}

/**
 * `f(a, b, key=v)` → `await asyncio.to_thread(f, a, b, key=v)`; before 3.9,
 * `await asyncio.get_running_loop().run_in_executor(None, functools.partial(f, a, b, key=v))` (unsafe: the
 * executor does not carry context variables over). Undefined where no correct edit exists.
 */
export function offloadFix(model: ModuleModel, config: LintConfig, call: Node, options: OffloadOptions): Fix | undefined {
  const callee = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!callee || !args || !canAwaitAt(model, call)) return undefined;
  const wrap = awaitWrapping(call);
  // A lazy iterator consumed into a list keeps working only where it is merely iterated: not in
  // `with os.scandir(p) as it:`, not as the object of `.sort()` or `[0]`.
  if (options.iterate && (wrap.after || call.parent?.type === 'with_item' || call.parent?.parent?.type === 'with_item')) return undefined;
  const asyncio = moduleReference(model, 'asyncio');
  const toThread = hasToThread(config);
  const runner = toThread ? `${asyncio.name}.to_thread(` : `${asyncio.name}.get_running_loop().run_in_executor(None, `;
  const edits: TextEdit[] = [];
  let functools: { name: string; importEdit?: TextEdit } | undefined;
  if (options.iterate) {
    edits.push(insertBefore(call, `${wrap.before}${runner}list, `), insertAfter(call, `)${wrap.after}`));
  } else {
    const hasArguments = args.type === 'generator_expression' || args.namedChildren.some((a) => a && a.type !== 'comment');
    const keywords = args.namedChildren.some((a) => a?.type === 'keyword_argument' || a?.type === 'dictionary_splat');
    let head = runner;
    let tail = '';
    if (!toThread && keywords) {
      functools = moduleReference(model, 'functools');
      head += `${functools.name}.partial(`;
      tail += ')';
    }
    edits.push(insertBefore(call, `${wrap.before}${head}`));
    if (args.type === 'generator_expression') {
      // `f(x for x in xs)` → `to_thread(f, (x for x in xs))`: the generator keeps its own parentheses.
      edits.push(insertBefore(args, ', '));
      tail += ')';
    } else {
      const open = args.child(0);
      if (open?.type !== '(') return undefined;
      // `f(` → `f, ` (or `f,` before a line break or space already there).
      const spaced = /\s/.test(model.source.charAt(open.endIndex));
      edits.push(replaceNode(open, hasArguments ? (spaced ? ',' : ', ') : ''));
    }
    if (tail || wrap.after) edits.push(insertAfter(call, tail + wrap.after));
  }
  edits.push(...mergeImports([asyncio.importEdit, functools?.importEdit]));
  return toThread
    ? { title: 'Run in a worker thread: `await asyncio.to_thread(...)`', safety: options.safety, edits }
    : { title: 'Run in the default executor: `await loop.run_in_executor(None, ...)`', safety: 'unsafe', edits };
}

/**
 * Replaces the whole call with `newCall` (an awaitable expression), awaited: `time.sleep(1)` → `await asyncio.sleep(1)`.
 * `importModules` are imported when the module lacks them.
 */
export function awaitedReplacementFix(model: ModuleModel, call: Node, newCall: string, title: string, safety: FixSafety, importEdits: (TextEdit | undefined)[] = []): Fix | undefined {
  if (!canAwaitAt(model, call)) return undefined;
  const wrap = awaitWrapping(call);
  return { title, safety, edits: [replaceNode(call, `${wrap.before}${newCall}${wrap.after}`), ...mergeImports(importEdits)] };
}

/** Replaces only the callee, keeping the arguments as written, and awaits the call: `nap(1)` → `await asyncio.sleep(1)`. */
export function awaitedCalleeFix(model: ModuleModel, call: Node, newCallee: string, title: string, safety: FixSafety, importEdits: (TextEdit | undefined)[] = []): Fix | undefined {
  const callee = call.childForFieldName('function');
  if (!callee || !canAwaitAt(model, call)) return undefined;
  const wrap = awaitWrapping(call);
  // The callee starts where the call does: one edit puts `await` and the new callee there.
  const edits = [replaceNode(callee, `${wrap.before}${newCallee}`)];
  if (wrap.after) edits.push(insertAfter(call, wrap.after));
  return { title, safety, edits: [...edits, ...mergeImports(importEdits)] };
}


/**
 * `to_thread(f(a, b))` → `to_thread(f, a, b)`: the thread runs `f` instead of the loop. Unsafe: the original
 * handed `f`'s result to the thread, which only worked if that result was itself callable.
 */
export function passFunctionFix(call: Node, forwards: ForwardedArguments): Fix | undefined {
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list' || call.hasError || forwards === 'none') return undefined;
  const given = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
  if (forwards === 'positional' && given.some((a) => a.type === 'keyword_argument' || a.type === 'dictionary_splat')) return undefined;
  const open = args.child(0);
  const close = args.child(args.childCount - 1);
  if (open?.type !== '(' || close?.type !== ')') return undefined;
  return { title: 'Pass the function to the thread instead of calling it on the loop', safety: 'unsafe', edits: [replaceNode(open, given.length ? ', ' : ''), replaceNode(close, '')] };
}
