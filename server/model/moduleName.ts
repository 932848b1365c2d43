// Python module names from file paths, the way the interpreter finds them: a directory is a package while it
// holds an `__init__.py`, and the module name starts at the first directory above the topmost such package.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface ModuleIdentity {
  name: string;
  isPackageInit: boolean;
}

export function moduleNameForPath(path: string, isPackageDir: (dir: string) => boolean = hasInitFile): ModuleIdentity {
  const file = basename(path).replace(/\.pyi?$/, '');
  const isPackageInit = file === '__init__';
  const parts = isPackageInit ? [] : [file];
  let dir = dirname(path);
  while (isPackageDir(dir)) {
    parts.unshift(basename(dir));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { name: parts.join('.') || file, isPackageInit };
}

const initCache = new Map<string, boolean>();

/** Cached per process: package layout rarely changes while a server or a CLI run lives. */
export function hasInitFile(dir: string): boolean {
  let known = initCache.get(dir);
  if (known === undefined) {
    known = existsSync(join(dir, '__init__.py')) || existsSync(join(dir, '__init__.pyi'));
    initCache.set(dir, known);
  }
  return known;
}

export function forgetPackageLayout(): void {
  initCache.clear();
}
