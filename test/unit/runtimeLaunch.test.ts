// Starting programs under the adapter (client/runtime/launch.ts): the command line, its quoting for the terminal's
// shell (checked by a real POSIX shell), PYTHONPATH, and the debugpy configuration built from an asyncio-lens one.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  adapterRunArgs,
  debugpyConfiguration,
  pythonPathWith,
  shellCommandLine,
  shellKind,
  type AdapterOptions,
} from '../../client/runtime/launch';

const ADAPTER: AdapterOptions = { intervalMs: 250, blockThresholdMs: 80, extraArgs: ['--creation-stack'] };

describe('runtime launch', () => {
  it('runs a script or a module through `asyncio_lens run` with the configured options', () => {
    assert.deepEqual(adapterRunArgs({ kind: 'file', file: '/w/app.py', args: ['-v'] }, ADAPTER), [
      'run', '--interval', '250', '--block-threshold', '80', '--creation-stack', '/w/app.py', '-v',
    ]);
    assert.deepEqual(adapterRunArgs({ kind: 'module', module: 'pkg.main', args: [] }, ADAPTER).slice(-2), ['-m', 'pkg.main']);
  });

  it('puts the bundled package first on PYTHONPATH, keeping what was there', () => {
    assert.equal(pythonPathWith('/ext/python', undefined, ':'), '/ext/python');
    assert.equal(pythonPathWith('/ext/python', '/mine', ':'), '/ext/python:/mine');
    assert.equal(pythonPathWith('C:\\ext\\python', 'D:\\lib', ';'), 'C:\\ext\\python;D:\\lib');
  });

  it('knows the quoting of the usual shells', () => {
    assert.equal(shellKind('/bin/bash'), 'posix');
    assert.equal(shellKind('/usr/bin/fish'), 'posix');
    assert.equal(shellKind('C:\\Program Files\\PowerShell\\7\\pwsh.exe'), 'powershell');
    assert.equal(shellKind('C:\\Windows\\System32\\cmd.exe'), 'cmd');
    assert.equal(shellKind(undefined, 'win32'), 'powershell');
    assert.equal(shellKind('', 'linux'), 'posix');
  });

  it('quotes every word so a POSIX shell passes it through unchanged', () => {
    const argv = ['printf', '%s\\n', "it's", 'two words', '$HOME', '`id`', 'a"b', 'semi;colon', '*.py', ''];
    const output = execFileSync('/bin/sh', ['-c', shellCommandLine(argv, 'posix')], { encoding: 'utf8' });
    assert.deepEqual(output.split('\n').slice(0, -1), argv.slice(2));
  });

  it('uses the call operator and doubled single quotes for PowerShell', () => {
    assert.equal(shellCommandLine(['C:\\Python 3\\python.exe', "it's"], 'powershell'), "& 'C:\\Python 3\\python.exe' 'it''s'");
    assert.equal(shellCommandLine(['python', 'a b', 'plain'], 'cmd'), 'python "a b" plain');
  });

  it('turns an asyncio-lens launch configuration into a debugpy one that runs the adapter', () => {
    const env = { ASYNCIO_LENS_TOKEN: 't', PYTHONPATH: '/ext/python' };
    const config = debugpyConfiguration({ name: 'Debug', program: '${file}', args: ['x'], env: { USER_VAR: '1' }, cwd: '/w' }, ADAPTER, env);
    assert.deepEqual(config, {
      name: 'Debug',
      type: 'debugpy',
      request: 'launch',
      module: 'asyncio_lens',
      args: ['run', '--interval', '250', '--block-threshold', '80', '--creation-stack', '${file}', 'x'],
      console: 'integratedTerminal',
      justMyCode: true,
      env: { USER_VAR: '1', ASYNCIO_LENS_TOKEN: 't', PYTHONPATH: '/ext/python' },
      cwd: '/w',
    });
    const module = debugpyConfiguration({ name: 'M', module: 'pkg.app' }, ADAPTER, env);
    assert.deepEqual(typeof module === 'object' && module.args.slice(-2), ['-m', 'pkg.app']);
  });

  it('refuses a debug configuration without a program or with a bad module name', () => {
    assert.match(debugpyConfiguration({ name: 'x' }, ADAPTER, {}) as string, /needs "program"/);
    assert.match(debugpyConfiguration({ name: 'x', module: 'os; rm' }, ADAPTER, {}) as string, /not a Python module name/);
  });
});
