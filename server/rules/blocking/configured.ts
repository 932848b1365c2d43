// User-configured blocking calls (`asyncioLens.blockingCalls`, `[tool.asyncio-lens] blocking-calls`): canonical
// dotted names, where `*` stands for any run of characters and `?` for one (as in flake8-async's ASYNC200).
import type { BlockingCallSetting, LintConfig } from '../../config';

export type ConfiguredMatcher = (canonical: string) => BlockingCallSetting | undefined;

const matchers = new WeakMap<readonly BlockingCallSetting[], ConfiguredMatcher>();

function patternOf(name: string): RegExp {
  const source = name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** The configured entry a canonical name matches, first entry first (computed once per settings list). */
export function configuredMatcher(config: LintConfig): ConfiguredMatcher {
  const settings = config.blockingCalls;
  let matcher = matchers.get(settings);
  if (!matcher) {
    const exact = new Map<string, BlockingCallSetting>();
    const patterns: { pattern: RegExp; setting: BlockingCallSetting }[] = [];
    for (const setting of settings) {
      const name = setting.name.trim();
      if (!name) continue;
      if (/[*?]/.test(name)) patterns.push({ pattern: patternOf(name), setting });
      else if (!exact.has(name)) exact.set(name, setting);
    }
    matcher = (canonical) => exact.get(canonical) ?? patterns.find((p) => p.pattern.test(canonical))?.setting;
    matchers.set(settings, matcher);
  }
  return matcher;
}

/** A stable key for memoising results that depend on the configured names. */
export function configuredKey(config: LintConfig): string {
  return config.blockingCalls.map((s) => s.name).join('\n');
}
