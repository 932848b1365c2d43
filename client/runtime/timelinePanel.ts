// The Timeline webview: task lifetimes as bars over time, blocked-loop intervals marked; clicking a bar reveals the
// task in the tree. The page loads only the extension's own media/timeline.{js,css}, under a Content-Security-Policy
// that allows nothing else (script by nonce), and is themed with VS Code's CSS variables.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TimelineData } from './timelineData';

const TIMELINE_VIEW_TYPE = 'asyncioLens.timeline';
/** Least time between two data messages to the page. */
const POST_INTERVAL_MS = 1000;

/** Messages the page may send; anything else is ignored. */
type PageMessage = { type: 'ready' } | { type: 'reveal'; taskId: number } | { type: 'rendered'; rows: number };

function pageMessage(value: unknown): PageMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.type === 'ready') return { type: 'ready' };
  if (message.type === 'reveal' && Number.isInteger(message.taskId)) return { type: 'reveal', taskId: message.taskId as number };
  if (message.type === 'rendered' && Number.isInteger(message.rows)) return { type: 'rendered', rows: message.rows as number };
  return undefined;
}

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private lastPost = 0;
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  /** Rows the page reported drawing last (tests wait on it before taking a screenshot). */
  renderedRows = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly data: () => TimelineData | undefined,
    private readonly reveal: (taskId: number) => void,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      'Asyncio Timeline',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media] },
    );
    panel.iconPath = vscode.Uri.joinPath(media, 'asyncio.svg');
    panel.webview.html = this.html(panel.webview, media);
    panel.webview.onDidReceiveMessage((value) => {
      const message = pageMessage(value);
      if (message?.type === 'ready') {
        this.ready = true;
        this.post(true);
      } else if (message?.type === 'reveal') {
        this.reveal(message.taskId);
      } else if (message?.type === 'rendered') {
        this.renderedRows = message.rows;
      }
    });
    panel.onDidChangeViewState(() => {
      if (panel.visible) this.post(true);
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      this.renderedRows = 0;
      clearTimeout(this.timer);
      this.timer = undefined;
    });
    this.panel = panel;
  }

  /** The model changed: send the page new data, at most once per POST_INTERVAL_MS. */
  update(): void {
    this.post(false);
  }

  private post(now: boolean): void {
    const panel = this.panel;
    if (!panel || !this.ready || !panel.visible) return;
    const wait = now ? 0 : this.lastPost + POST_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.post(true);
      }, wait);
      return;
    }
    this.lastPost = Date.now();
    void panel.webview.postMessage({ type: 'data', data: this.data() ?? null });
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Asyncio Timeline</title>
</head>
<body>
<header id="summary" aria-live="polite">Waiting for data…</header>
<div id="legend">
  <span class="key pending">pending</span><span class="key running">running</span><span class="key done">done</span>
  <span class="key cancelled">cancelled</span><span class="key failed">failed</span><span class="key blocked">loop blocked</span>
</div>
<div id="viewport" tabindex="0" role="img" aria-label="Task lifetimes over time"><canvas id="chart"></canvas><div id="spacer"></div></div>
<div id="tip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
