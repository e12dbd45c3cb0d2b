/**
 * The window's Content-Security-Policy and the network guard behind it. CSP pins scripts,
 * styles and images to the app's own page; connections are limited by scheme (ws, wss) and to the
 * signalling servers' own http(s) origins (voicemail) in CSP, and to the exact configured server
 * (and the hosted one) by the guard, which main applies to every request.
 */
import type { HostingState, Settings } from '../common/bridge.js';
import { originOf } from './permission-policy.js';

export interface NetworkAllowance {
  /** Origins of the app's own page: app://leanphone, or the vite dev server in development. */
  appOrigins: readonly string[];
  /** ws:// and wss:// origins of the configured and the hosted signalling server. */
  connectOrigins: readonly string[];
}

export function connectOrigins(settings: Pick<Settings, 'serverUrl'>, hosting: HostingState): string[] {
  const origins = new Set<string>();
  for (const url of [settings.serverUrl, hosting.running ? hosting.url : '']) {
    if (url === '') continue;
    const origin = originOf(url);
    if (origin !== null && /^wss?:\/\//.test(origin)) origins.add(origin);
  }
  return [...origins];
}

/** ws://h:p -> http://h:p (for /healthz and the like on the same server). */
function httpTwin(origin: string): string {
  return origin.replace(/^ws/, 'http');
}

export function isRequestAllowed(url: string, allowance: NetworkAllowance): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // In-page data (images, recorded media) and the developer tools never leave the machine.
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'devtools:') return true;
  const origin = originOf(url);
  if (origin === null) return false;
  if (allowance.appOrigins.includes(origin)) return true;
  // The vite dev server's hot-reload socket lives on the dev origin.
  if (allowance.appOrigins.some((app) => app.replace(/^http/, 'ws') === origin)) return true;
  if (allowance.connectOrigins.includes(origin)) return true;
  return allowance.connectOrigins.some((allowed) => httpTwin(allowed) === origin);
}

/**
 * The CSP header for the app's page. `devOrigin` is the vite dev server, only in development;
 * `servers` are the signalling servers' ws/wss origins, whose http(s) twins the page may fetch
 * voicemail from. A page keeps the policy it loaded with: a server chosen later is named from
 * the next load, while the guard already lets it through.
 */
export function contentSecurityPolicy(devOrigin: string | null = null, servers: readonly string[] = []): string {
  const self = devOrigin === null ? "'self'" : `'self' ${devOrigin}`;
  const connect = ["'self' ws: wss:", ...servers.map(httpTwin), ...(devOrigin === null ? [] : [devOrigin])].join(' ');
  return [
    "default-src 'none'",
    `script-src ${self}`,
    // Svelte writes style attributes; no script can be injected through them.
    `style-src ${self} 'unsafe-inline'`,
    `img-src ${self} data: blob:`,
    `media-src ${self} blob: mediastream:`,
    `font-src ${self}`,
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
  ].join('; ');
}
