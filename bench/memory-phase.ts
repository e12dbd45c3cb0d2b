/**
 * Figures 3 and 4: memory of idle registered connections, measured inside the host process
 * after forced garbage collection, so the figure is the server's (or the bare relay's) alone.
 */
import type { SignalServerOptions } from '../signal-server/options.js';
import { startHost, stopHost, type Worker } from './children.js';
import { sharedNow } from './clock.js';
import type { Flavour, MemoryFigures } from './ipc.js';
import { deal, names } from './split.js';

export interface MemoryResult {
  flavour: Flavour;
  clients: number;
  registered: number;
  failed: number;
  firstError: string | null;
  registerMs: number;
  /** Still open after the idle hold, and closes nobody asked for. */
  open: number;
  unexpectedCloses: number;
  errors: number;
  before: MemoryFigures;
  after: MemoryFigures;
  /** (after - before) / clients, in bytes: RSS, and heap + external (what JS holds). */
  rssPerClient: number;
  jsPerClient: number;
}

export async function runMemory(flavour: Flavour, workers: Worker[], count: number, holdMs: number, options: SignalServerOptions = {}): Promise<MemoryResult> {
  const host = await startHost(flavour, options);
  try {
    const before = (await host.request({ kind: 'memory', collect: true }, 'memory', 10_000)).memory;
    const shares = deal(names(`m${flavour[0]}${count}`, count), workers.length);
    const target = { url: host.url, flavour };
    const startedAt = sharedNow();
    const registered = await Promise.all(
      workers.map((w, i) =>
        w.request({ kind: 'register', target, names: shares[i] ?? [], tracking: 'none', expectedOthers: 0, concurrency: 64, timeoutMs: 90_000 }, 'registered', 100_000),
      ),
    );
    const registerMs = Math.max(...registered.map((r) => r.lastSettledAt)) - startedAt;
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const after = (await host.request({ kind: 'memory', collect: true }, 'memory', 20_000)).memory;
    const status = await Promise.all(workers.map((w) => w.request({ kind: 'status' }, 'status', 5_000)));
    const js = (m: MemoryFigures): number => m.heapUsed + m.external;
    return {
      flavour,
      clients: count,
      registered: registered.reduce((n, r) => n + r.ok, 0),
      failed: registered.reduce((n, r) => n + r.failed, 0),
      firstError: registered.find((r) => r.firstError)?.firstError ?? null,
      registerMs,
      open: status.reduce((n, s) => n + s.open, 0),
      unexpectedCloses: status.reduce((n, s) => n + s.unexpectedCloses, 0),
      errors: status.reduce((n, s) => n + s.errors, 0),
      before,
      after,
      rssPerClient: (after.rss - before.rss) / count,
      jsPerClient: (js(after) - js(before)) / count,
    };
  } finally {
    await Promise.all(workers.map((w) => w.request({ kind: 'closeAll' }, 'done', 15_000)));
    await stopHost(host);
  }
}
