// Configuration shared by the editor and the CLI: `[tool.asyncio-lens]` in pyproject.toml, overridden by
// VS Code settings (`asyncioLens.*`) or CLI flags where those are given.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { ServerSettings } from '../shared/lspProtocol';
import type { Severity } from './rules/types';

export type SeveritySetting = Severity | 'off';

/** A user-configured blocking call: canonical dotted name (`mylib.fetch_sync`) and what to use instead. */
export type BlockingCallSetting = NonNullable<ServerSettings['blockingCalls']>[number];

/** What a user can set, in pyproject.toml or in the editor. Every field is optional: unset means "inherit". */
export type LintSettings = ServerSettings;

export interface LintConfig {
  isEnabled(code: string): boolean;
  /** The configured severity, or the rule's default. */
  severityOf(code: string, defaultSeverity: Severity): Severity;
  /** Python version the code must run on, e.g. [3, 11]. */
  targetVersion: readonly [number, number];
  blockingCalls: readonly BlockingCallSetting[];
}

export const DEFAULT_TARGET_VERSION: readonly [number, number] = [3, 8];

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);

/** Combines settings, later ones overriding earlier ones key by key. */
export function resolveConfig(...layers: (LintSettings | undefined)[]): LintConfig {
  const merged: LintSettings = {};
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.select?.length) merged.select = layer.select;
    if (layer.ignore?.length) merged.ignore = [...(merged.ignore ?? []), ...layer.ignore];
    if (layer.severity) merged.severity = { ...merged.severity, ...layer.severity };
    if (layer.targetVersion) merged.targetVersion = layer.targetVersion;
    if (layer.blockingCalls?.length) merged.blockingCalls = [...(merged.blockingCalls ?? []), ...layer.blockingCalls];
  }
  const select = (merged.select ?? ['ALL']).map((s) => s.toUpperCase());
  const ignore = (merged.ignore ?? []).map((s) => s.toUpperCase());
  const severity = merged.severity ?? {};
  const matches = (code: string, patterns: string[]) => patterns.some((p) => p === 'ALL' || code.startsWith(p));
  return {
    isEnabled: (code) => matches(code, select) && !matches(code, ignore) && severity[code] !== 'off',
    severityOf: (code, fallback) => {
      const s = severity[code];
      return s && s !== 'off' ? s : fallback;
    },
    targetVersion: parseVersion(merged.targetVersion) ?? DEFAULT_TARGET_VERSION,
    blockingCalls: merged.blockingCalls ?? [],
  };
}

/** `3.11`, `py311`, `>=3.9`, `>=3.9,<4`: the lowest version named. */
export function parseVersion(text: string | undefined): [number, number] | undefined {
  if (!text) return undefined;
  const py = /^py3(\d{1,2})$/i.exec(text.trim());
  if (py) return [3, Number(py[1])];
  const dotted = /(\d+)\.(\d+)/.exec(text);
  return dotted ? [Number(dotted[1]), Number(dotted[2])] : undefined;
}

export class ConfigError extends Error {}

export interface PyprojectConfig {
  file: string;
  settings: LintSettings;
}

/** Reads `[tool.asyncio-lens]` (and `project.requires-python` as the default target version) from one file. */
export function readPyproject(file: string): LintSettings {
  let data: Record<string, unknown>;
  try {
    data = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const tool = (data.tool as Record<string, unknown> | undefined)?.['asyncio-lens'] as Record<string, unknown> | undefined;
  const project = data.project as Record<string, unknown> | undefined;
  const settings: LintSettings = {};
  if (typeof project?.['requires-python'] === 'string') settings.targetVersion = project['requires-python'];
  if (!tool) return settings;
  const strings = (key: string): string[] | undefined => {
    const value = tool[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new ConfigError(`${file}: [tool.asyncio-lens] ${key} must be a list of strings`);
    }
    return value;
  };
  settings.select = strings('select');
  settings.ignore = strings('ignore');
  if (tool.severity !== undefined) settings.severity = validateSeverity(tool.severity, `${file}: [tool.asyncio-lens] severity`);
  const target = tool['target-version'];
  if (target !== undefined) {
    if (typeof target !== 'string' || !parseVersion(target)) throw new ConfigError(`${file}: [tool.asyncio-lens] target-version must look like "3.11" or "py311"`);
    settings.targetVersion = target;
  }
  if (tool['blocking-calls'] !== undefined) settings.blockingCalls = validateBlockingCalls(tool['blocking-calls'], `${file}: [tool.asyncio-lens] blocking-calls`);
  return settings;
}

export function validateSeverity(value: unknown, where: string): Record<string, SeveritySetting> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where} must be a table of CODE = "error" | "warning" | "information" | "hint" | "off"`);
  const out: Record<string, SeveritySetting> = {};
  for (const [code, s] of Object.entries(value)) {
    if (typeof s !== 'string' || !SEVERITIES.has(s)) throw new ConfigError(`${where}: ${code} = ${JSON.stringify(s)} is not one of error, warning, information, hint, off`);
    out[code.toUpperCase()] = s as SeveritySetting;
  }
  return out;
}

/** Accepts `"pkg.fn"`, `{ name = "pkg.fn", replacement = "..." }`, or a table `name → replacement`. */
export function validateBlockingCalls(value: unknown, where: string): BlockingCallSetting[] {
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (typeof item === 'string') return { name: item };
      if (item && typeof item === 'object' && typeof (item as BlockingCallSetting).name === 'string') {
        const r = (item as BlockingCallSetting).replacement;
        return { name: (item as BlockingCallSetting).name, replacement: typeof r === 'string' ? r : undefined };
      }
      throw new ConfigError(`${where}: each entry must be a dotted name or { name, replacement }`);
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).map(([name, replacement]) => ({ name, replacement: typeof replacement === 'string' && replacement ? replacement : undefined }));
  }
  throw new ConfigError(`${where} must be a list of dotted names`);
}

/** Finds the nearest pyproject.toml at or above `dir`, caching by directory and modification time. */
export class PyprojectLocator {
  private readonly nearest = new Map<string, string | null>();
  private readonly parsed = new Map<string, { mtimeMs: number; settings: LintSettings }>();

  settingsFor(filePath: string): { file?: string; settings: LintSettings } {
    const file = this.find(dirname(filePath));
    if (!file) return { settings: {} };
    const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const cached = this.parsed.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return { file, settings: cached.settings };
    const settings = readPyproject(file);
    this.parsed.set(file, { mtimeMs, settings });
    return { file, settings };
  }

  /** Call when a pyproject.toml appears or disappears. */
  forgetLocations(): void {
    this.nearest.clear();
  }

  private find(dir: string): string | undefined {
    const cached = this.nearest.get(dir);
    if (cached !== undefined) return cached ?? undefined;
    const candidate = join(dir, 'pyproject.toml');
    let found: string | undefined;
    if (existsSync(candidate)) found = candidate;
    else {
      const up = dirname(dir);
      found = up === dir ? undefined : this.find(up);
    }
    this.nearest.set(dir, found ?? null);
    return found;
  }
}
