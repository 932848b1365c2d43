// The Asyncio Lens language server: lints open Python documents on every change, with a workspace index so
// calls across files resolve. It never throws out of a handler and never blocks for a whole workspace at once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createConnection,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeParams,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Parser } from 'web-tree-sitter';
import {
  DIAGNOSTIC_SOURCE,
  FIX_ALL_KIND,
  INDEX_STATUS_NOTIFICATION,
  SETTINGS_SECTION,
  type DiagnosticData,
  type IndexStatus,
  type ServerSettings,
} from '../shared/lspProtocol';
import { collectPythonFiles } from './cli/check';
import { codeActionsFor, type DocumentState } from './codeActions';
import { ConfigError, PyprojectLocator, resolveConfig, type LintConfig } from './config';
import { PythonDocument } from './documents';
import { indexSource } from './engine';
import { buildModelIncrementally, lintIncrementally, type LintState } from './incrementalLint';
import { forgetPackageLayout } from './model/moduleName';
import { WorkspaceIndex } from './model/workspaceIndex';
import { loadParser, ParseError } from './parser';
import { docsUrl } from './rules/registry';
import type { Finding, Severity } from './rules/types';
import { decodePythonSource } from './sourceText';

const connection = createConnection(ProposedFeatures.all);
const documents = new Map<string, PythonDocument>();
/** Each open document's last analysis, with what its lint leaves for the next one (undefined if a rule failed). */
const states = new Map<string, DocumentState & { lint?: LintState }>();
const index = new WorkspaceIndex();
const pyproject = new PyprojectLocator();
let settings: ServerSettings = {};
let canPullConfiguration = false;
let workspaceRoots: string[] = [];
const parserReady: Promise<Parser> = loadParser();

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Files indexed per turn of the event loop while the workspace is scanned, so edits are served in between. */
const INDEX_BATCH = 20;
/** Delay before re-linting other open files after an edit changed what this file exports. */
const DEPENDANT_RELINT_DELAY_MS = 150;

function pathOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

function guard<A extends unknown[], R>(name: string, handler: (...args: A) => R, fallback: R): (...args: A) => R {
  return (...args: A) => {
    try {
      return handler(...args);
    } catch (e) {
      connection.console.error(`${name} failed: ${(e as Error).stack ?? e}`);
      return fallback;
    }
  };
}

// ---- linting -----------------------------------------------------------------------------------------------

const scheduled = new Map<string, NodeJS.Immediate>();

/** Lints on the next turn of the event loop, so a burst of changes already queued is analysed once, at its end. */
function scheduleLint(uri: string): void {
  if (scheduled.has(uri)) return;
  scheduled.set(
    uri,
    setImmediate(() => {
      scheduled.delete(uri);
      void lint(uri);
    }),
  );
}

/** Analyses a document now and records its state; throws ParseError/ConfigError for input it cannot analyse. */
function analyzeNow(parser: Parser, doc: PythonDocument): DocumentState {
  const tree = doc.currentTree(parser);
  const previous = states.get(doc.uri)?.lint;
  const { model, indexChanged } = buildModelIncrementally(tree, doc.source, doc.path, index, previous);
  const config = configFor(doc.path);
  const { findings, failures, state: lint } = lintIncrementally(model, config, previous);
  for (const failure of failures) connection.console.error(`${failure.code} failed on ${doc.uri}: ${(failure.error as Error).stack ?? failure.error}`);
  const state = { uri: doc.uri, version: doc.version, model, findings, lint };
  states.set(doc.uri, state);
  if (indexChanged) scheduleDependants(doc.uri);
  return state;
}

const configs = new Map<string, LintConfig>();

/** The configuration for a file, the same object while its settings stay the same (a reused lint requires that). */
function configFor(path: string): LintConfig {
  const layers = [pyproject.settingsFor(path).settings, settings] as const;
  const key = JSON.stringify(layers);
  let config = configs.get(key);
  if (!config) {
    // Settings change rarely; forgetting all now and then keeps the map small.
    if (configs.size >= 32) configs.clear();
    configs.set(key, (config = resolveConfig(...layers)));
  }
  return config;
}

async function lint(uri: string): Promise<void> {
  const parser = await parserReady;
  const doc = documents.get(uri);
  if (!doc) return;
  const version = doc.version;
  let diagnostics: Diagnostic[] = [];
  try {
    diagnostics = analyzeNow(parser, doc).findings.map(toDiagnostic);
  } catch (e) {
    states.delete(uri);
    if (e instanceof ParseError || e instanceof ConfigError) {
      diagnostics = [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, source: DIAGNOSTIC_SOURCE, message: `Asyncio Lens skipped this file: ${e.message}` }];
    } else {
      connection.console.error(`lint failed on ${uri}: ${(e as Error).stack ?? e}`);
    }
  }
  // A newer edit has arrived meanwhile: its own lint will publish.
  if (documents.get(uri)?.version !== version) return;
  void connection.sendDiagnostics({ uri, version, diagnostics });
}

function toDiagnostic(f: Finding): Diagnostic {
  const href = docsUrl(f.code);
  const data: DiagnosticData = { name: f.name, fixable: !!f.fix };
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    ...(href && { codeDescription: { href } }),
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
    data,
  };
}

let dependantsTimer: NodeJS.Timeout | undefined;
const changedSince = new Set<string>();

function scheduleDependants(changedUri: string): void {
  changedSince.add(changedUri);
  if (dependantsTimer) return;
  dependantsTimer = setTimeout(() => {
    dependantsTimer = undefined;
    const changed = new Set(changedSince);
    changedSince.clear();
    // With one changed file its own findings are current; with several, each may have seen another's old summary.
    for (const uri of documents.keys()) if (changed.size > 1 || !changed.has(uri)) scheduleLint(uri);
  }, DEPENDANT_RELINT_DELAY_MS);
}

function relintAll(): void {
  for (const uri of documents.keys()) scheduleLint(uri);
}

// ---- workspace index ---------------------------------------------------------------------------------------

let indexing: Promise<void> | undefined;

function reindexFromDisk(path: string, parser: Parser): boolean {
  try {
    indexSource(parser, decodePythonSource(readFileSync(path)).text, path, index);
    return true;
  } catch (e) {
    if (e instanceof ParseError || (e as NodeJS.ErrnoException).code) return false;
    throw e;
  }
}

async function indexWorkspace(): Promise<void> {
  const parser = await parserReady;
  const errors: string[] = [];
  const files = collectPythonFiles(workspaceRoots, '/', errors);
  for (const error of errors) connection.console.warn(error);
  const openPaths = new Set([...documents.values()].map((d) => d.path));
  for (let i = 0; i < files.length; i += INDEX_BATCH) {
    for (const file of files.slice(i, i + INDEX_BATCH)) if (!openPaths.has(file)) reindexFromDisk(file, parser);
    const status: IndexStatus = { indexedFiles: Math.min(i + INDEX_BATCH, files.length), totalFiles: files.length, done: false };
    void connection.sendNotification(INDEX_STATUS_NOTIFICATION, status);
    await new Promise((resolve) => setImmediate(resolve));
  }
  void connection.sendNotification(INDEX_STATUS_NOTIFICATION, { indexedFiles: files.length, totalFiles: files.length, done: true } satisfies IndexStatus);
  connection.console.info(`indexed ${files.length} Python files`);
  relintAll();
}

// ---- configuration -----------------------------------------------------------------------------------------

async function refreshSettings(pushed?: unknown): Promise<void> {
  if (canPullConfiguration) {
    settings = ((await connection.workspace.getConfiguration(SETTINGS_SECTION)) as ServerSettings | null) ?? {};
  } else if (pushed && typeof pushed === 'object') {
    settings = ((pushed as Record<string, unknown>)[SETTINGS_SECTION] as ServerSettings | undefined) ?? {};
  }
}

// ---- LSP wiring --------------------------------------------------------------------------------------------

connection.onInitialize((params: InitializeParams) => {
  canPullConfiguration = !!params.capabilities.workspace?.configuration;
  workspaceRoots = (params.workspaceFolders ?? []).map((f) => pathOf(f.uri)).filter((p) => p.startsWith('/') || /^[A-Za-z]:/.test(p));
  if (workspaceRoots.length === 0 && params.rootUri) workspaceRoots = [pathOf(params.rootUri)];
  const initial = params.initializationOptions as { settings?: ServerSettings } | undefined;
  if (initial?.settings) settings = initial.settings;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeActionProvider: { codeActionKinds: ['quickfix', FIX_ALL_KIND] },
      workspace: { workspaceFolders: { supported: true } },
    },
    serverInfo: { name: 'asyncio-lens', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  // Set at once, so a waitForIndex that arrives while settings are still being read waits for the index too.
  indexing = (async () => {
    if (canPullConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      await refreshSettings().catch((e) => connection.console.error(`reading settings failed: ${e}`));
    }
    await indexWorkspace().catch((e) => connection.console.error(`indexing failed: ${(e as Error).stack ?? e}`));
  })();
});

connection.onDidOpenTextDocument(
  guard('didOpen', ({ textDocument }) => {
    const doc = new PythonDocument(TextDocument.create(textDocument.uri, textDocument.languageId, textDocument.version, textDocument.text), pathOf(textDocument.uri));
    documents.set(textDocument.uri, doc);
    scheduleLint(textDocument.uri);
  }, undefined),
);

connection.onDidChangeTextDocument(
  guard('didChange', ({ textDocument, contentChanges }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return;
    doc.applyChanges(contentChanges, textDocument.version);
    scheduleLint(textDocument.uri);
  }, undefined),
);

connection.onDidCloseTextDocument(
  guard('didClose', ({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    documents.delete(textDocument.uri);
    states.delete(textDocument.uri);
    doc?.dropTree();
    void connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
    // The index goes back to what is on disk.
    if (doc?.path.startsWith('/')) void parserReady.then((parser) => reindexFromDisk(doc.path, parser) && scheduleDependants(textDocument.uri));
  }, undefined),
);

connection.onDidChangeConfiguration(async ({ settings: pushed }) => {
  await refreshSettings(pushed).catch((e) => connection.console.error(`reading settings failed: ${e}`));
  relintAll();
});

connection.onDidChangeWatchedFiles(
  guard('didChangeWatchedFiles', async ({ changes }) => {
    const parser = await parserReady;
    let affectsOthers = false;
    for (const change of changes) {
      const path = pathOf(change.uri);
      if (path.endsWith('pyproject.toml')) {
        pyproject.forgetLocations();
        affectsOthers = true;
      } else if (path.endsWith('__init__.py')) {
        forgetPackageLayout();
      }
      if (!path.endsWith('.py') || documents.has(change.uri)) continue;
      if (change.type === FileChangeType.Deleted) affectsOthers = index.removePath(path) || affectsOthers;
      else affectsOthers = reindexFromDisk(path, parser) || affectsOthers;
    }
    if (affectsOthers) relintAll();
  }, Promise.resolve()),
);

connection.onCodeAction(async ({ textDocument, context }) => {
  try {
    const parser = await parserReady;
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    let state = states.get(textDocument.uri);
    // Fix-all on save can arrive before the lint of the last keystroke ran.
    if (!state || state.version !== doc.version) state = analyzeNow(parser, doc);
    return codeActionsFor(state, context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE), context.only);
  } catch (e) {
    if (!(e instanceof ParseError || e instanceof ConfigError)) connection.console.error(`codeAction failed: ${(e as Error).stack ?? e}`);
    return [];
  }
});

/** Test hook: lets LSP tests wait for the initial workspace index deterministically. */
connection.onRequest('asyncioLens/waitForIndex', async () => {
  await indexing;
  return { modules: index.size };
});

/** Test hook: the server's process id, so a test can kill it the way a crash would. */
connection.onRequest('asyncioLens/processId', () => ({ pid: process.pid }));

/** Benchmark hook: the server's CPU time so far and its memory (after a full collection, if asked and run with --expose-gc). */
connection.onRequest('asyncioLens/resourceUsage', (params: { collect?: boolean } | undefined) => {
  const { user, system } = process.cpuUsage();
  const collected = !!params?.collect && global.gc !== undefined;
  if (collected) global.gc!();
  const { heapUsed, heapTotal, external, arrayBuffers, rss } = process.memoryUsage();
  return { cpuMs: (user + system) / 1000, heapUsed, heapTotal, external, arrayBuffers, rss, modules: index.size, collected };
});

process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`));

connection.listen();
