// How a decorator changes what calling the decorated function gives. A decorator can turn a coroutine function into
// anything, so only the ones listed here are trusted; any other decorator (`@property`, `@pytest.fixture`,
// `@async_to_sync`, a framework's `@app.route`) makes the function's kind unknown and the AIO1xx rules stay silent
// about calls to it (precision before recall). Extend the lists here; docs/rules/AIO100.md names them.

/** Decorators that return the function itself, or a wrapper that returns what the function returns. */
export const KEEPS_KIND: readonly string[] = [
  'staticmethod',
  'classmethod',
  'abc.abstractmethod',
  'typing.override',
  'typing_extensions.override',
  'typing.final',
  'typing_extensions.final',
  'typing.no_type_check',
  'typing_extensions.deprecated',
  'warnings.deprecated',
  'functools.wraps',
  'functools.singledispatch',
  'unittest.mock.patch',
  'unittest.mock.patch.object',
  'unittest.mock.patch.dict',
  'pytest.mark.*',
];

/** Decorators whose result is an async context manager factory, not a coroutine function. */
export const MAKES_ASYNC_CONTEXT_MANAGER: readonly string[] = ['contextlib.asynccontextmanager'];

export type DecoratorEffect = 'keeps' | 'asyncContextManager' | 'makesCoroutine' | 'unknown';

function matches(decorator: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('.*') ? decorator.startsWith(p.slice(0, -1)) : decorator === p));
}

/** What a workspace function does as a decorator (see `FunctionSummary.asDecorator`), by canonical name. */
export type WorkspaceDecorators = (canonical: string) => 'identity' | 'async-wrapper' | undefined;

/**
 * The combined effect of a function's decorators (canonical names, as the model resolves them, outermost first).
 * Workspace decorators count when the model can see what they return: the function itself, or an `async def`
 * wrapper (the `functools.wraps` pattern), which makes the result a coroutine function whatever it decorates.
 */
export function decoratorEffect(decorators: readonly string[], workspace: WorkspaceDecorators): DecoratorEffect {
  let effect: DecoratorEffect = 'keeps';
  // Innermost first: each decorator wraps what the ones below it made.
  for (const d of [...decorators].reverse()) {
    if (matches(d, KEEPS_KIND)) continue;
    const own = workspace(d);
    if (own === 'identity') continue;
    if (own === 'async-wrapper') effect = 'makesCoroutine';
    else if (matches(d, MAKES_ASYNC_CONTEXT_MANAGER) && effect === 'keeps') effect = 'asyncContextManager';
    else return 'unknown';
  }
  return effect;
}
