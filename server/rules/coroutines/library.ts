// What the standard library and typeshed's third-party stubs say about a callable or a class, from the tables that
// scripts/gen-typeshed-tables.mjs derives from typeshed at build time (server/generated/typeshed.json).

/**
 * What calling something gives, as flags: `c` a coroutine, `p` a plain value that can never be awaited, `m` an
 * async-only context manager (`__aenter__` without `__enter__`), `i` an async-only iterable (`__aiter__` without
 * `__iter__`). For a class, the flags describe its instances.
 */
export interface CallFlags {
  coroutine: boolean;
  plain: boolean;
  asyncContextManager: boolean;
  asyncIterable: boolean;
}

interface ClassRecord {
  /** Bases, by defining name. */
  b?: string[];
  /** Own members and their call flags (empty string: nothing known, but it hides a base's member). */
  m?: Record<string, string>;
  /** Flags of instances. */
  k?: string;
}

interface Tables {
  source: string;
  functions: Record<string, Record<string, string>>;
  classes: Record<string, ClassRecord>;
  /** Re-exported name → defining name (`asyncio.sleep` → `asyncio.tasks.sleep`). */
  aliases: Record<string, string>;
}

// A require (not an import) keeps `tsc` independent of the generated file; esbuild inlines the JSON.
const tables: Tables = require('../../generated/typeshed.json');

/**
 * Libraries that ship their own type hints are not in typeshed, so the generated tables cannot know them. These
 * entries, written from the libraries' own signatures, cover the async HTTP clients most often misused: their
 * sessions are async-only context managers, and their request methods give coroutines (aiohttp's also work as
 * async context managers).
 */
const SUPPLEMENT: Readonly<Record<string, ClassRecord>> = {
  'aiohttp.client.ClientSession': {
    k: 'pm',
    m: { request: 'cm', get: 'cm', post: 'cm', put: 'cm', patch: 'cm', delete: 'cm', head: 'cm', options: 'cm', ws_connect: 'cm', close: 'c' },
  },
  'aiohttp.client_reqrep.ClientResponse': { k: 'p', m: { read: 'c', text: 'c', json: 'c', wait_for_close: 'c', release: 'p', raise_for_status: 'p' } },
  'httpx.AsyncClient': {
    k: 'pm',
    m: { request: 'c', get: 'c', post: 'c', put: 'c', patch: 'c', delete: 'c', head: 'c', options: 'c', send: 'c', aclose: 'c', stream: 'pm' },
  },
};
const SUPPLEMENT_ALIASES: Readonly<Record<string, string>> = {
  'aiohttp.ClientSession': 'aiohttp.client.ClientSession',
  'aiohttp.ClientResponse': 'aiohttp.client_reqrep.ClientResponse',
  'httpx._client.AsyncClient': 'httpx.AsyncClient',
};
Object.assign(tables.classes, SUPPLEMENT);
Object.assign(tables.aliases, SUPPLEMENT_ALIASES);

const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;

function flagsOf(text: string): CallFlags {
  return { coroutine: text.includes('c'), plain: text.includes('p'), asyncContextManager: text.includes('m'), asyncIterable: text.includes('i') };
}

/**
 * Answers of `definitionName`, `libraryNames` and `libraryCallFlags`: the tables never change, and rules ask for the same
 * names by the thousand.
 */
const definitionNames = new Map<string, string>();
const allNames = new Map<string, readonly string[]>();
const callFlagsByName = new Map<string, Readonly<CallFlags> | undefined>();

/** The name under which typeshed defines a (possibly re-exported) name; builtins carry no module in the model. */
function definitionName(canonical: string): string {
  let known = definitionNames.get(canonical);
  if (known === undefined) definitionNames.set(canonical, (known = definitionNameUncached(canonical)));
  return known;
}

function definitionNameUncached(canonical: string): string {
  const name = canonical.includes('.') ? canonical : `builtins.${canonical}`;
  const alias = own(tables.aliases, name);
  if (alias) return alias;
  const dot = name.lastIndexOf('.');
  const ownerAlias = own(tables.aliases, name.slice(0, dot));
  return ownerAlias ? `${ownerAlias}${name.slice(dot)}` : name;
}

/** A library class by any of its names, or undefined when typeshed has nothing on it. */
export function libraryClass(canonical: string): string | undefined {
  const name = definitionName(canonical);
  return own(tables.classes, name) ? name : undefined;
}

/** The class (by defining name) that defines `member` for instances of `cls`, and the member's flags. */
export function libraryMember(cls: string, member: string): { owner: string; flags: string } | undefined {
  const seen = new Set<string>();
  const visit = (name: string): { owner: string; flags: string } | undefined => {
    if (seen.has(name)) return undefined;
    seen.add(name);
    const record = own(tables.classes, name);
    if (!record) return undefined;
    const flags = own(record.m, member);
    if (flags !== undefined) return { owner: name, flags };
    for (const base of record.b ?? []) {
      const found = visit(base);
      if (found) return found;
    }
    return undefined;
  };
  return visit(definitionName(cls));
}

/** Flags of calling a library function, method (inherited ones too) or class; undefined when nothing is known. */
export function libraryCallFlags(canonical: string): Readonly<CallFlags> | undefined {
  if (!callFlagsByName.has(canonical)) callFlagsByName.set(canonical, libraryCallFlagsUncached(canonical));
  return callFlagsByName.get(canonical);
}

function libraryCallFlagsUncached(canonical: string): CallFlags | undefined {
  const name = definitionName(canonical);
  const dot = name.lastIndexOf('.');
  const owner = name.slice(0, dot);
  const member = name.slice(dot + 1);
  const fn = own(own(tables.functions, owner), member);
  if (fn !== undefined) return flagsOf(fn);
  const cls = own(tables.classes, name);
  if (cls) return cls.k ? flagsOf(cls.k) : undefined;
  const method = own(tables.classes, owner) ? libraryMember(owner, member) : undefined;
  return method?.flags ? flagsOf(method.flags) : undefined;
}

/** Flags of instances of a library class (by any of its names). */
export function libraryInstanceFlags(classCanonical: string): CallFlags | undefined {
  const record = own(tables.classes, definitionName(classCanonical));
  return record?.k ? flagsOf(record.k) : undefined;
}

/**
 * Every name a library function or method goes by: its defining name, and for a method the same member on each
 * library ancestor (`asyncio.base_events.BaseEventLoop.create_task` is also `asyncio.events.AbstractEventLoop.create_task`).
 */
export function libraryNames(canonical: string): readonly string[] {
  let known = allNames.get(canonical);
  if (!known) allNames.set(canonical, (known = libraryNamesUncached(canonical)));
  return known;
}

function libraryNamesUncached(canonical: string): string[] {
  const name = definitionName(canonical);
  const dot = name.lastIndexOf('.');
  const owner = name.slice(0, dot);
  const member = name.slice(dot);
  const names = [name];
  const seen = new Set<string>();
  const visit = (cls: string) => {
    if (seen.has(cls)) return;
    seen.add(cls);
    if (cls !== owner) names.push(`${cls}${member}`);
    for (const base of own(tables.classes, cls)?.b ?? []) visit(base);
  };
  if (own(tables.classes, owner)) visit(owner);
  return names;
}
