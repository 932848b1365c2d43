// The one list of rules. Every rule is a file of its own; adding one means importing it here, writing
// docs/rules/<CODE>.md and fixtures under test/fixtures/rules/<CODE>/ (a meta-test checks all three).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModuleModel } from '../model/moduleModel';
import { helperCallsKey } from './blocking/callGraph';
import { nonBlockingSocketsKey } from './blocking/match';
import type { Rule } from './types';
import { unawaitedCoroutine } from './AIO100-unawaited-coroutine';
import { coroutineNeverAwaited } from './AIO101-coroutine-never-awaited';
import { coroutineInCondition } from './AIO102-coroutine-in-condition';
import { coroutineFunctionNotCalled } from './AIO103-coroutine-function-not-called';
import { awaitNonAwaitable } from './AIO104-await-non-awaitable';
import { syncUseOfAsyncProtocol } from './AIO105-sync-use-of-async-protocol';
import { blockingSleep } from './AIO200-blocking-sleep';
import { blockingHttp } from './AIO201-blocking-http';
import { blockingSubprocess } from './AIO202-blocking-subprocess';
import { blockingFileIo } from './AIO203-blocking-file-io';
import { blockingInput } from './AIO204-blocking-input';
import { blockingSocket } from './AIO205-blocking-socket';
import { blockingSyncPrimitive } from './AIO206-blocking-sync-primitive';
import { blockingDatabase } from './AIO207-blocking-database';
import { blockingCallViaHelper } from './AIO210-blocking-call-via-helper';
import { blockingConfiguredCall } from './AIO211-blocking-configured-call';
import { mainExitsEarly, mainExitsEarlyKeyPart, mainExitsEarlyKey } from './AIO300-main-exits-early';
import { danglingTask, danglingTaskKeyPart } from './AIO301-dangling-task';
import { taskExceptionLost, taskExceptionLostKeyPart } from './AIO302-task-exception-lost';
import { cancellationSwallowed } from './AIO303-cancellation-swallowed';
import { busyWait } from './AIO304-busy-wait';
import { legacyLoopApi } from './AIO400-legacy-loop-api';
import { nestedEventLoop } from './AIO401-nested-event-loop';
import { getEventLoopInCoroutine } from './AIO402-get-event-loop-in-coroutine';
import { removedApiGatesKey, removedAsyncioApi } from './AIO403-removed-asyncio-api';
import { raceAcrossAwait } from './AIO500-race-across-await';

export const RULES: readonly Rule[] = [
  // AIO1xx: coroutines that never run
  unawaitedCoroutine,
  coroutineNeverAwaited,
  coroutineInCondition,
  coroutineFunctionNotCalled,
  awaitNonAwaitable,
  syncUseOfAsyncProtocol,
  // AIO2xx: blocking calls inside coroutines
  blockingSleep,
  blockingHttp,
  blockingSubprocess,
  blockingFileIo,
  blockingInput,
  blockingSocket,
  blockingSyncPrimitive,
  blockingDatabase,
  blockingCallViaHelper,
  blockingConfiguredCall,
  // AIO3xx/AIO4xx/AIO5xx: task lifecycle and event-loop API
  mainExitsEarly,
  danglingTask,
  taskExceptionLost,
  cancellationSwallowed,
  busyWait,
  legacyLoopApi,
  nestedEventLoop,
  getEventLoopInCoroutine,
  removedAsyncioApi,
  raceAcrossAwait,
];

/**
 * How far a rule looks, for the server's statement-level re-lint (server/incrementalLint.ts). `statement`: its
 * findings and fixes in a top-level statement depend only on that statement and the module's interface (its summary
 * in the workspace index without what functions call, its module-level bindings, the configuration) and, for a rule
 * with a reuse key (below), what the key sums up of the rest of the module; so after an edit inside one def or class
 * that leaves the interface and the key alone it re-checks that statement only.
 * `statement-same-lines`: the same, but its messages cite absolute line numbers, so only while no line moved.
 * `module` (always run in full): AIO400 (fresh names checked against every identifier of the module).
 * AIO100 is statement-local although it reads whether the file has a syntax error anywhere: that only switches a
 * shortcut off, and the shortcut is exact on a statement without errors.
 */
export type RuleReach = 'statement' | 'statement-same-lines' | 'module';

const REACH = new Map<string, RuleReach>([
  ...['AIO100', 'AIO101', 'AIO102', 'AIO103', 'AIO104', 'AIO105'].map((c) => [c, 'statement'] as const),
  ...['AIO200', 'AIO201', 'AIO202', 'AIO203', 'AIO204', 'AIO205', 'AIO206', 'AIO207', 'AIO210', 'AIO211'].map((c) => [c, 'statement'] as const),
  ...['AIO300', 'AIO301', 'AIO302', 'AIO303', 'AIO304', 'AIO401', 'AIO402', 'AIO403'].map((c) => [c, 'statement'] as const),
  ['AIO500', 'statement-same-lines'],
]);

export function reachOf(rule: Rule): RuleReach {
  return REACH.get(rule.meta.code) ?? 'module';
}

/**
 * A rule's reuse key (see `REUSE_KEY`), computed from the whole model (`module`), or made of one part per top-level
 * statement, each computed on a view focused on it (`statement`): after an edit inside one statement the server
 * computes that statement's part only and carries the others over, as it carries findings. A part may read only its
 * statement and the module's interface, like a statement-local rule.
 */
export type ReuseKey =
  | { of: 'module'; key: (model: ModuleModel) => string }
  | {
      of: 'statement';
      part: (focused: ModuleModel, statement: { start: number; end: number }) => string;
      /** Makes the key of the parts (by default, they are joined). */
      combine?: (parts: readonly string[], model: ModuleModel) => string;
    };

/**
 * What a statement-local rule reads of the module outside a statement and the interface, as a string computed from
 * the whole module's model: AIO205 and AIO210 (through whether a call is AIO205's) read which sockets are set
 * non-blocking anywhere in the module; AIO210 follows calls through this module's plain functions, in their summaries
 * (a class nested in a class, whose methods it follows through the model, keeps an edit from being reused at all);
 * AIO403 runs a check only when the file mentions its word; AIO301 puts its set before the first statement with a
 * dangling task and picks names no statement spells (a key per statement); AIO300 reports only in a module that runs
 * an entry coroutine, and then reads all of it (a key per statement, which is the whole text when one does); AIO302
 * follows tasks kept under private names through the whole module, and defines its callback before the first lost task.
 */
const REUSE_KEY = new Map<string, ReuseKey>([
  ['AIO205', { of: 'module', key: nonBlockingSocketsKey }],
  ['AIO210', { of: 'module', key: (model) => `${nonBlockingSocketsKey(model)}\n\n${helperCallsKey(model)}` }],
  ['AIO403', { of: 'module', key: removedApiGatesKey }],
  ['AIO301', { of: 'statement', part: danglingTaskKeyPart }],
  ['AIO302', { of: 'statement', part: taskExceptionLostKeyPart }],
  ['AIO300', { of: 'statement', part: mainExitsEarlyKeyPart, combine: mainExitsEarlyKey }],
]);

export function reuseKeyOf(rule: Rule): ReuseKey | undefined {
  return REUSE_KEY.get(rule.meta.code);
}

const byCode = new Map(RULES.map((r) => [r.meta.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return byCode.get(code);
}

/** The docs folder shipped with the extension (next to dist/), found from wherever this code was bundled to. */
function docsRoot(): string | undefined {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = join(dir, '..')) {
    if (existsSync(join(dir, 'docs', 'rules'))) return join(dir, 'docs', 'rules');
  }
  return undefined;
}

const root = docsRoot();

/** The rule's documentation page as a file URL (works offline; VS Code opens it from the Problems panel). */
export function docsUrl(code: string): string | undefined {
  return root ? pathToFileURL(join(root, `${code}.md`)).href : undefined;
}
