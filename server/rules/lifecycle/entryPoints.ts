// Entry coroutines: the coroutine functions of this file that a program runs as its main task, through
// `asyncio.run(main())`, `asyncio.Runner().run(main())` or `loop.run_until_complete(main())`.
import type { Node } from 'web-tree-sitter';
import type { FunctionInfo, ModuleModel } from '../../model/moduleModel';
import { callArguments, callMethod, callsThatMayCall, mayCall, resolveAsyncioCall, unwrapParens } from './syntax';

/** How the entry coroutine is run; it decides what happens to tasks still pending when it returns. */
export type EntryRunner = 'asyncio.run' | 'Runner.run' | 'run_until_complete';

export interface EntryPoint {
  fn: FunctionInfo;
  runner: EntryRunner;
  /** The running call, e.g. `asyncio.run(main())`. */
  call: Node;
}

/** Which runner a call is, if any (used outside coroutines: inside one, these calls are AIO401's business). */
const RUNNER_NAMES = new Set(['run', 'run_until_complete']);

export function runnerOf(model: ModuleModel, call: Node): EntryRunner | undefined {
  if (!mayCall(model, call, RUNNER_NAMES)) return undefined;
  const name = resolveAsyncioCall(model, call);
  if (name === 'asyncio.run') return 'asyncio.run';
  if (name === 'asyncio.Runner.run') return 'Runner.run';
  // `run_until_complete` is specific to event loops; the receiver's type is often unknown (`uvloop.new_event_loop()`).
  if (callMethod(model, call) === 'run_until_complete') return 'run_until_complete';
  return undefined;
}

/** The local `async def` that `call` runs as the main coroutine, when its argument is a direct call of one. */
function entryFunction(model: ModuleModel, call: Node): FunctionInfo | undefined {
  const first = callArguments(call).positional[0];
  const arg = first ? unwrapParens(first) : undefined;
  if (arg?.type !== 'call') return undefined;
  const callee = model.resolveCall(arg);
  const fn = callee ? model.lookupFunction(callee) : undefined;
  return fn && 'node' in fn && fn.isAsync && !fn.isGenerator ? fn : undefined;
}

export function entryPoints(model: ModuleModel): EntryPoint[] {
  const found = new Map<FunctionInfo, EntryPoint>();
  for (const site of callsThatMayCall(model, RUNNER_NAMES)) {
    // Inside a coroutine a runner call is AIO401's: asked first, it spares resolving most calls.
    if (site.inLambda || model.inCoroutineBody(site.node)) continue;
    const runner = runnerOf(model, site.node);
    if (!runner) continue;
    const fn = entryFunction(model, site.node);
    if (fn && !found.has(fn)) found.set(fn, { fn, runner, call: site.node });
  }
  return [...found.values()];
}
