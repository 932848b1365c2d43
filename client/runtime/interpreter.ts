// Which Python runs the program: the `asyncioLens.python` setting when set, else the Python extension's active
// interpreter for that file (when ms-python is installed), else python3 (python on Windows).
import { PVSC_EXTENSION_ID, PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

export interface Interpreter {
  command: string;
  source: 'setting' | 'python-extension' | 'default';
}

export async function resolveInterpreter(resource: vscode.Uri | undefined, log: (line: string) => void): Promise<Interpreter> {
  const configured = vscode.workspace.getConfiguration('asyncioLens', resource).get<string>('python', '').trim();
  if (configured) return { command: configured, source: 'setting' };
  if (vscode.extensions.getExtension(PVSC_EXTENSION_ID)) {
    try {
      const python = await PythonExtension.api();
      const active = python.environments.getActiveEnvironmentPath(resource);
      const resolved = await python.environments.resolveEnvironment(active);
      const executable = resolved?.executable.uri?.fsPath;
      if (executable) return { command: executable, source: 'python-extension' };
      log(`The Python extension has no interpreter for ${resource?.fsPath ?? 'this workspace'}; using the default.`);
    } catch (error) {
      log(`Could not ask the Python extension for its interpreter: ${(error as Error).message}`);
    }
  }
  return { command: process.platform === 'win32' ? 'python' : 'python3', source: 'default' };
}
