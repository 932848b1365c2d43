// The `asyncio-lens` launch configuration type: debug a program with the Python Debugger (debugpy) while the task
// inspector watches it. The configuration is rewritten into a debugpy one that starts the module `asyncio_lens`, which
// runs the program; debugpy then resolves and launches it as usual.
import * as vscode from 'vscode';
import type { RuntimeController } from './controller';
import { debugpyConfiguration, pythonPathWith, type LensLaunchConfig } from './launch';

export const DEBUG_TYPE = 'asyncio-lens';
export const DEBUGPY_EXTENSION_ID = 'ms-python.debugpy';

const DEFAULT_DEBUG_CONFIGURATION = {
  name: 'Python: Debug with Asyncio Lens',
  type: DEBUG_TYPE,
  request: 'launch',
  program: '${file}',
  console: 'integratedTerminal',
};

export class LensDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(
    private readonly controller: RuntimeController,
    private readonly pythonDir: string,
  ) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [DEFAULT_DEBUG_CONFIGURATION];
  }

  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    // F5 without a launch.json while a Python file is open: debug that file.
    if (!config.type && !config.request && !config.name) Object.assign(config, DEFAULT_DEBUG_CONFIGURATION);
    if (!vscode.extensions.getExtension(DEBUGPY_EXTENSION_ID)) {
      const show = 'Show Python Debugger';
      // Not awaited: the launch is cancelled now, whether or not the user answers.
      void vscode.window
        .showErrorMessage('Debugging with Asyncio Lens needs the Python Debugger extension (ms-python.debugpy).', show)
        .then((choice) => choice && vscode.commands.executeCommand('workbench.extensions.search', DEBUGPY_EXTENSION_ID));
      return undefined;
    }
    const lens = config as vscode.DebugConfiguration & LensLaunchConfig;
    // Variables such as ${file} are substituted later, by debugpy's resolution: name the run after the config then.
    const label = lens.module ?? (lens.program && !lens.program.includes('${') ? lens.program.split(/[\\/]/).pop() ?? lens.program : config.name);
    const prepared = await this.controller.prepareDebugRun(label);
    if (!prepared) return undefined;
    const env = {
      ...prepared.env,
      PYTHONPATH: pythonPathWith(this.pythonDir, lens.env?.PYTHONPATH ?? process.env.PYTHONPATH),
    };
    const debugpy = debugpyConfiguration(lens, this.controller.adapterOptions(undefined), env);
    if (typeof debugpy === 'string') {
      void vscode.window.showErrorMessage(`Launch configuration "${config.name}": ${debugpy}.`);
      return undefined;
    }
    const python = vscode.workspace.getConfiguration('asyncioLens').get<string>('python', '').trim();
    if (python && !debugpy.python) debugpy.python = python;
    return { ...debugpy, asyncioLensRun: prepared.marker };
  }
}
