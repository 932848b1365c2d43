// Finding blocking calls in coroutine bodies: which calls run on the loop (in the coroutine's own body, not under
// `if TYPE_CHECKING:`), and which of them the catalog names, by canonical function or by the class of the object.
import type { Node } from 'web-tree-sitter';
import { KNOWN_RETURN_TYPES } from '../../model/knownTypes';
import type { CallSite, FunctionInfo, ModuleModel } from '../../model/moduleModel';
import { isAsyncStatement, occurrencesWithin } from '../lifecycle/syntax';
import { argumentsOf, isFalsyLiteral } from './arguments';
import {
  BLOCKING_WITH_CLASSES,
  blockingFunction,
  blockingMethod,
  canonicalClass,
  MONGO_CLIENT,
  MONGO_COLLECTION,
  MONGO_DATABASE,
  PATH_CLASSES,
  type BlockingCallable,
} from './catalog';

/** A call that runs inside a coroutine's body, on the event loop. */
export interface CoroutineCall {
  site: CallSite;
  coroutine: FunctionInfo;
}

export interface BlockingCall extends CoroutineCall {
  callable: BlockingCallable;
}

/** `with lock:` or `with ThreadPoolExecutor() as pool:` in a coroutine body. */
export interface BlockingWith {
  /** The context expression. */
  node: Node;
  coroutine: FunctionInfo;
  cls: string;
  waitsFor: 'acquire' | 'shutdown';
}

const TYPE_CHECKING_NAMES = new Set(['TYPE_CHECKING', 'typing.TYPE_CHECKING', 'typing_extensions.TYPE_CHECKING']);

interface Analysis {
  coroutineCalls: CoroutineCall[];
  blockingCalls?: BlockingCall[];
  blockingWiths?: BlockingWith[];
}

const analyses = new WeakMap<ModuleModel, Analysis>();

function analysisOf(model: ModuleModel): Analysis {
  let analysis = analyses.get(model);
  if (!analysis) analyses.set(model, (analysis = { coroutineCalls: findCoroutineCalls(model) }));
  return analysis;
}

/** Bodies of `if TYPE_CHECKING:`: code that never runs. */
function typeCheckingRanges(model: ModuleModel): [number, number][] {
  const ranges: [number, number][] = [];
  for (const statement of model.nodesOfType('if_statement')) {
    const condition = statement.childForFieldName('condition');
    if (!condition || (condition.type !== 'identifier' && condition.type !== 'attribute')) continue;
    if (!TYPE_CHECKING_NAMES.has(condition.text) && !TYPE_CHECKING_NAMES.has(model.resolve(condition) ?? '')) continue;
    const body = statement.childForFieldName('consequence');
    if (body) ranges.push([body.startIndex, body.endIndex]);
  }
  return ranges;
}

const inRanges = (ranges: [number, number][], node: Node) => ranges.some(([from, to]) => from <= node.startIndex && node.startIndex < to);

/**
 * Calls in coroutine bodies. What `asyncio.to_thread(f, x)` or `loop.run_in_executor(None, f, x)` runs in a thread
 * is no call here (`f` is passed), and lambdas and nested defs handed to them are not the coroutine's body; a call
 * written in their arguments (`to_thread(open(p).read)`) runs on the loop and is kept.
 */
function findCoroutineCalls(model: ModuleModel): CoroutineCall[] {
  const candidates = model.calls.filter((site) => site.fn?.isAsync && !site.inLambda);
  if (candidates.length === 0) return [];
  const excluded = typeCheckingRanges(model);
  const bodyStarts = new Map<FunctionInfo, number>();
  const found: CoroutineCall[] = [];
  for (const site of candidates) {
    if (inRanges(excluded, site.node)) continue;
    const coroutine = model.inCoroutineBody(site.node);
    if (!coroutine) continue;
    // Default values and annotations run when the `def` runs, not in the coroutine.
    let bodyStart = bodyStarts.get(coroutine);
    if (bodyStart === undefined) bodyStarts.set(coroutine, (bodyStart = coroutine.node.childForFieldName('body')?.startIndex ?? Infinity));
    if (site.node.startIndex >= bodyStart) found.push({ site, coroutine });
  }
  return found;
}

/** How an offloader passes on the arguments after the function: all (`asyncio.to_thread`), positional only, or none. */
export type ForwardedArguments = 'all' | 'positional' | 'none';

const FORWARDING: Readonly<Record<string, ForwardedArguments>> = {
  'asyncio.to_thread': 'all',
  'asyncio.threads.to_thread': 'all',
  'anyio.to_thread.run_sync': 'positional',
  'trio.to_thread.run_sync': 'positional',
  'asgiref.sync.sync_to_async': 'none',
};

/** `call` is an argument of `to_thread(...)` / `run_in_executor(...)`: in the function's slot, or after it. */
export interface OffloaderArgument {
  forwards: ForwardedArguments;
  /** `to_thread(f(x))`: `f` runs on the loop and only its result reaches the thread. */
  inFunctionSlot: boolean;
}

export function offloaderArgument(model: ModuleModel, call: Node): OffloaderArgument | undefined {
  const list = call.parent;
  const offloader = list?.type === 'argument_list' ? list.parent : null;
  if (!list || offloader?.type !== 'call') return undefined;
  const callee = offloader.childForFieldName('function');
  if (!callee) return undefined;
  const isExecutor = callee.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'run_in_executor';
  const forwards = isExecutor ? 'positional' : FORWARDING[model.resolve(callee) ?? ''];
  if (!forwards) return undefined;
  const positional = list.namedChildren.filter((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment');
  const slot = positional.findIndex((a) => a?.id === call.id);
  if (slot === -1 || slot < (isExecutor ? 1 : 0)) return undefined;
  return { forwards, inFunctionSlot: slot === (isExecutor ? 1 : 0) };
}

/** Every call that runs on the loop inside a coroutine body (computed once per model). */
export function coroutineCalls(model: ModuleModel): readonly CoroutineCall[] {
  return analysisOf(model).coroutineCalls;
}

/** The blocking calls of coroutine bodies, every category (computed once per model, shared by the AIO2xx rules). */
export function blockingCalls(model: ModuleModel): readonly BlockingCall[] {
  const analysis = analysisOf(model);
  if (!analysis.blockingCalls) {
    analysis.blockingCalls = [];
    for (const call of analysis.coroutineCalls) {
      const callable = blockingCallable(model, call);
      if (callable) analysis.blockingCalls.push({ ...call, callable });
    }
  }
  return analysis.blockingCalls;
}

/**
 * Whether `blockingCalls(model)` lists `call`, found for this call alone: AIO210 asks it of the few calls that reach
 * a helper chain, and on the server it runs on the whole module while the AIO20x rules ran on one statement.
 */
export function isBlockingCall(model: ModuleModel, call: CoroutineCall): boolean {
  return blockingCallable(model, call) !== undefined;
}

function blockingCallable(model: ModuleModel, call: CoroutineCall): BlockingCallable | undefined {
  const callable = matchBlockingCall(model, call.site.node, call.site.awaited);
  // `to_thread(list, os.walk(p))`: making the iterator costs nothing, the thread consumes it.
  const consumedInThread = callable?.offload === 'iterate' && offloaderArgument(model, call.site.node)?.inFunctionSlot === false;
  return consumedInThread ? undefined : callable;
}

/**
 * The blocking callable a call invokes, unless its arguments make it return at once. An awaited method call is not
 * matched: awaiting it says the object is not the sync class the model inferred.
 */
export function matchBlockingCall(model: ModuleModel, call: Node, awaited = false): BlockingCallable | undefined {
  const callee = call.childForFieldName('function');
  const callable = callee ? calleeCallable(model, call, callee, awaited) : undefined;
  return callable?.returnsAtOnce?.(argumentsOf(call)) ? undefined : callable;
}

function calleeCallable(model: ModuleModel, call: Node, callee: Node, awaited: boolean): BlockingCallable | undefined {
  if (callee.type === 'attribute') {
    const object = callee.childForFieldName('object');
    const cls = object ? classOf(model, object) : undefined;
    if (object && cls) {
      // A method of an object of known class: the class alone decides.
      const method = callee.childForFieldName('attribute')?.text;
      if (awaited || !method) return undefined;
      const callable = blockingMethod(cls, method, model.index);
      if (callable && isSocketMethod(callable) && nonBlockingSockets(model).has(socketKey(object, model.enclosingFunction(call)))) return undefined;
      return callable;
    }
  }
  const canonical = model.resolveCall(call);
  const callable = canonical ? blockingFunction(canonical) : undefined;
  // A bare builtin name may come from a `from lib import *` of a library the index cannot see.
  if (callable && !callable.name.includes('.') && model.starImports.some((m) => !model.index.module(m))) return undefined;
  return callable;
}

const isSocketMethod = (callable: BlockingCallable) => /^(socket\.socket|ssl\.SSLSocket)\./.test(callable.name);

const NON_BLOCKING_SETTERS = ['setblocking', 'settimeout'];

const nonBlockingByRoot = new WeakMap<Node, Set<string>>();

/**
 * Sockets set non-blocking (`sock.setblocking(False)`, `sock.settimeout(0)`): a local name within its function,
 * an attribute (`self.sock`) anywhere in the module. Keys as made by `socketKey`. Always the whole module's, found
 * from where the method names occur in its text: a focused view (see `ModuleModel.focusedOn`) lists only its own
 * calls, and shares its module's root.
 */
function nonBlockingSockets(model: ModuleModel): ReadonlySet<string> {
  let found = nonBlockingByRoot.get(model.root);
  if (found) return found;
  found = new Set();
  for (const method of NON_BLOCKING_SETTERS) {
    for (const at of occurrencesWithin(model, model.root, method)) {
      const call = methodCallNamedAt(model, at, method);
      const object = call?.childForFieldName('function')?.childForFieldName('object');
      const [first] = call ? argumentsOf(call).positional : [];
      if (call && object && isFalsyLiteral(first)) found.add(socketKey(object, model.callerFunction(call)));
    }
  }
  nonBlockingByRoot.set(model.root, found);
  return found;
}

/** The sockets of `nonBlockingSockets` as one string: what AIO205 and AIO210 read of the module beyond a statement. */
export function nonBlockingSocketsKey(model: ModuleModel): string {
  return [...nonBlockingSockets(model)].sort().join('\n');
}

/** The call `obj.<method>(...)` whose method name is the identifier at offset `at`, if that is what is there. */
function methodCallNamedAt(model: ModuleModel, at: number, method: string): Node | undefined {
  const name = model.root.descendantForIndex(at, at + method.length);
  if (name?.type !== 'identifier' || name.startIndex !== at || name.endIndex !== at + method.length) return undefined;
  const attribute = model.parentOf(name);
  if (attribute?.type !== 'attribute' || attribute.childForFieldName('attribute')?.id !== name.id) return undefined;
  const call = model.parentOf(attribute);
  return call?.type === 'call' && call.childForFieldName('function')?.id === attribute.id ? call : undefined;
}

function socketKey(object: Node, fn: FunctionInfo | undefined): string {
  return object.type === 'identifier' ? `${fn?.canonical ?? ''}:${object.text}` : object.text;
}

/** Attributes of library objects whose type the model does not track: `path.parent`, `client.db`, `db.users`. */
function attributeClass(ownerClass: string, attribute: string): string | undefined {
  if (PATH_CLASSES.includes(ownerClass)) return attribute === 'parent' ? 'pathlib.Path' : undefined;
  if (ownerClass === MONGO_CLIENT) return MONGO_DATABASE;
  if (ownerClass === MONGO_DATABASE) return MONGO_COLLECTION;
  return undefined;
}

/**
 * The class of an expression's value: the model's `typeOf`, plus what library types need beyond it — `base / "x"` on
 * a path, method results of objects only this function typed, pymongo's attribute chains.
 */
export function classOf(model: ModuleModel, expr: Node, depth = 0): string | undefined {
  const modelled = model.typeOf(expr);
  if (modelled) return canonicalClass(modelled);
  if (depth > 16) return undefined;
  switch (expr.type) {
    case 'parenthesized_expression': {
      const inner = expr.namedChild(0);
      return inner ? classOf(model, inner, depth + 1) : undefined;
    }
    case 'binary_operator': {
      const left = expr.childForFieldName('left');
      const operator = expr.childForFieldName('operator')?.text;
      const leftClass = operator === '/' && left ? classOf(model, left, depth + 1) : undefined;
      return leftClass && PATH_CLASSES.includes(leftClass) ? 'pathlib.Path' : undefined;
    }
    case 'attribute': {
      const object = expr.childForFieldName('object');
      const attribute = expr.childForFieldName('attribute')?.text;
      const owner = object ? classOf(model, object, depth + 1) : undefined;
      return owner && attribute ? attributeClass(owner, attribute) : undefined;
    }
    case 'subscript': {
      const value = expr.childForFieldName('value');
      const owner = value ? classOf(model, value, depth + 1) : undefined;
      return owner === MONGO_CLIENT || owner === MONGO_DATABASE ? attributeClass(owner, '[]') : undefined;
    }
    case 'call': {
      const callee = expr.childForFieldName('function');
      if (callee?.type !== 'attribute') return undefined;
      const object = callee.childForFieldName('object');
      const method = callee.childForFieldName('attribute')?.text;
      const owner = object ? classOf(model, object, depth + 1) : undefined;
      const returned = owner && method ? KNOWN_RETURN_TYPES[`${owner}.${method}`] : undefined;
      return returned ? canonicalClass(returned) : undefined;
    }
    default:
      return undefined;
  }
}

/** `with lock:` / `with pool:` statements in coroutine bodies that block on entry or exit. */
export function blockingWiths(model: ModuleModel): readonly BlockingWith[] {
  const analysis = analysisOf(model);
  if (analysis.blockingWiths) return analysis.blockingWiths;
  const found: BlockingWith[] = [];
  for (const statement of model.nodesOfType('with_statement')) {
    if (isAsyncStatement(model, statement)) continue;
    const coroutine = model.inCoroutineBody(statement);
    if (!coroutine) continue;
    const clause = statement.namedChildren.find((c) => c?.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      let value = item?.childForFieldName('value') ?? null;
      if (value?.type === 'as_pattern') value = value.namedChild(0);
      const cls = value ? classOf(model, value) : undefined;
      const waitsFor = cls ? BLOCKING_WITH_CLASSES.get(cls) : undefined;
      if (value && cls && waitsFor) found.push({ node: value, coroutine, cls, waitsFor });
    }
  }
  const excluded = found.length ? typeCheckingRanges(model) : [];
  return (analysis.blockingWiths = found.filter((w) => !inRanges(excluded, w.node)));
}
