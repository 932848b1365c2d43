// Python version checks against `config.targetVersion`, so fixes never use what the target cannot run.
import type { LintConfig } from '../../config';

export type PythonVersion = readonly [number, number];

export function targetAtLeast(config: LintConfig, version: PythonVersion): boolean {
  const [major, minor] = config.targetVersion;
  return major > version[0] || (major === version[0] && minor >= version[1]);
}

export function versionText(version: PythonVersion): string {
  return `${version[0]}.${version[1]}`;
}

/** `asyncio.run`, `asyncio.all_tasks`, `asyncio.current_task`, `asyncio.create_task`, `asyncio.get_running_loop`. */
export const PY37: PythonVersion = [3, 7];
/** `asyncio.TaskGroup`, `asyncio.timeout`, `asyncio.Runner`. */
export const PY311: PythonVersion = [3, 11];
