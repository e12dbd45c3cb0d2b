/**
 * Playwright fixtures for the browser phone: a real signalling server per test serving the real
 * build, and `openPhone(name)` giving each user its own browser context. Every context fails the
 * test on a request that leaves loopback, a CSP violation or an uncaught page error.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { startSignalServer, type RunningSignalServer, type SignalServerOptions } from '../../signal-server/server.js';
import { smallCameraScript, type CameraSize } from '../support/small-camera.js';
import { PROBE_SCRIPT } from './media.js';
import { Phone } from './phone.js';

/** The browser build under test; LEANPHONE_E2E_STATIC lets a developer point at a private build. */
export const STATIC_DIR = process.env.LEANPHONE_E2E_STATIC ?? 'dist/renderer';

/** A server that can be stopped and started again on the same port, as a restart would. */
export class TestServer {
  #running: RunningSignalServer;
  readonly #options: SignalServerOptions;

  private constructor(running: RunningSignalServer, options: SignalServerOptions) {
    this.#running = running;
    this.#options = options;
  }

  static async start(options: SignalServerOptions): Promise<TestServer> {
    const all = { port: 0, host: '127.0.0.1', staticDir: STATIC_DIR, presenceFlushMs: 10, ...options };
    return new TestServer(await startSignalServer(all), all);
  }

  get port(): number {
    return this.#running.port;
  }
  /** Where a browser opens the phone: http://127.0.0.1:PORT/ */
  get pageUrl(): string {
    return `http://127.0.0.1:${this.#running.port}/`;
  }

  async health(): Promise<{ users: number; calls: number }> {
    const response = await fetch(new URL('/healthz', this.pageUrl));
    return (await response.json()) as { users: number; calls: number };
  }

  /**
   * Closes every socket (1001), runs `whileDown` (checks made while no server listens), then
   * listens again on the same port with the same options: a new server that knows nobody.
   */
  async restart(whileDown: () => Promise<void> = async () => {}): Promise<void> {
    const port = this.#running.port;
    await this.#running.close();
    try {
      await whileDown();
    } finally {
      this.#running = await startSignalServer({ ...this.#options, port });
    }
  }

  close(): Promise<void> {
    return this.#running.close();
  }
}

export interface PhoneOptions {
  /** Default 1024x720 in the light scheme. */
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Asks the camera for this picture size and rate (default: the fake device's own). */
  camera?: CameraSize;
}

interface Fixtures {
  /** Options merged over the test defaults; set per file or describe with test.use(). */
  serverOptions: SignalServerOptions;
  server: TestServer;
  /** Opens the browser phone for one user in a fresh context (not yet connected). */
  openPhone: (name: string, options?: PhoneOptions) => Promise<Phone>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for URLs that stay on this machine (or never touch the network at all). */
export function staysLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'about:') return true;
  return LOOPBACK_HOSTS.has(parsed.hostname);
}

/** What a context saw that must fail the test. */
interface Watch {
  offLoopback: string[];
  cspViolations: string[];
  pageErrors: string[];
}

async function newWatchedContext(browser: Browser, options: PhoneOptions, watch: Watch): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1024, height: 720 },
    colorScheme: options.colorScheme ?? 'light',
    permissions: ['camera', 'microphone'],
  });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (staysLocal(url)) await route.continue();
    else {
      watch.offLoopback.push(url);
      await route.abort('blockedbyclient');
    }
  });
  await context.addInitScript(PROBE_SCRIPT);
  if (options.camera) await context.addInitScript(smallCameraScript(options.camera));
  context.on('page', (page) => watchPage(page, watch));
  return context;
}

function watchPage(page: Page, watch: Watch): void {
  page.on('websocket', (socket) => {
    if (!staysLocal(socket.url())) watch.offLoopback.push(socket.url());
  });
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy|Refused to (load|execute|apply|connect|frame)/.test(text)) {
      watch.cspViolations.push(text);
    }
  });
  page.on('pageerror', (error) => watch.pageErrors.push(`${error.name}: ${error.message}`));
}

export const test = base.extend<Fixtures>({
  serverOptions: [{}, { option: true }],

  server: async ({ serverOptions }, use) => {
    const server = await TestServer.start(serverOptions);
    await use(server);
    await server.close();
  },

  openPhone: async ({ browser, server }, use) => {
    const watch: Watch = { offLoopback: [], cspViolations: [], pageErrors: [] };
    const contexts: BrowserContext[] = [];
    await use(async (name, options = {}) => {
      const context = await newWatchedContext(browser, options, watch);
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(server.pageUrl);
      return new Phone(page, name);
    });
    await Promise.all(contexts.map((context) => context.close()));
    expect(watch.offLoopback, 'requests that left loopback').toEqual([]);
    expect(watch.cspViolations, 'CSP violations').toEqual([]);
    expect(watch.pageErrors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** Registers every phone (in order) and waits until each lists all the others. */
export async function connectAll(...phones: Phone[]): Promise<void> {
  for (const phone of phones) await phone.connect();
  for (const phone of phones) {
    for (const other of phones) if (other !== phone) await expect(phone.entry(other.name)).toBeVisible();
  }
}
