/**
 * Figures 3 and 4: memory of idle registered connections, measured inside each host process
 * after forced garbage collection, so the figure is the server's (or the bare relay's, or one
 * cluster node's) alone.
 */
import type { SignalServerOptions } from '../signal-server/options.js';
import { startHost, stopHost, type Host, type Worker } from './children.js';
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
    return await holdIdle(flavour, [host], workers, count, holdMs).then((held) => held[0]!);
  } finally {
    await stopHost(host);
  }
}

/**
 * Registers `count` idle clients over `hosts` (worker i on host i mod hosts.length), holds them
 * `holdMs`, and answers each host's figures; its clients are the ones registered on it.
 */
export async function holdIdle(flavour: Flavour, hosts: Host[], workers: Worker[], count: number, holdMs: number): Promise<MemoryResult[]> {
  const memory = (collect: boolean) => Promise.all(hosts.map(async (host) => (await host.request({ kind: 'memory', collect }, 'memory', 20_000)).memory));
  try {
    const before = await memory(true);
    const shares = deal(names(`m${flavour[0]}${count}`, count), workers.length);
    const targetOf = (i: number) => ({ url: hosts[i % hosts.length]!.url, flavour });
    const startedAt = sharedNow();
    const registered = await Promise.all(
      workers.map((w, i) =>
        w.request({ kind: 'register', target: targetOf(i), names: shares[i] ?? [], tracking: 'none', expectedOthers: 0, concurrency: 64, timeoutMs: 90_000 }, 'registered', 100_000),
      ),
    );
    const registerMs = Math.max(...registered.map((r) => r.lastSettledAt)) - startedAt;
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const after = await memory(true);
    const status = await Promise.all(workers.map((w) => w.request({ kind: 'status' }, 'status', 5_000)));
    const js = (m: MemoryFigures): number => m.heapUsed + m.external;
    return hosts.map((_, h) => {
      const mine = <T>(all: T[]): T[] => all.filter((_, i) => i % hosts.length === h);
      const clients = mine(shares).reduce((n, share) => n + share.length, 0);
      const own = mine(registered);
      const ownStatus = mine(status);
      const b = before[h]!;
      const a = after[h]!;
      return {
        flavour,
        clients,
        registered: own.reduce((n, r) => n + r.ok, 0),
        failed: own.reduce((n, r) => n + r.failed, 0),
        firstError: own.find((r) => r.firstError)?.firstError ?? null,
        registerMs,
        open: ownStatus.reduce((n, s) => n + s.open, 0),
        unexpectedCloses: ownStatus.reduce((n, s) => n + s.unexpectedCloses, 0),
        errors: ownStatus.reduce((n, s) => n + s.errors, 0),
        before: b,
        after: a,
        rssPerClient: (a.rss - b.rss) / clients,
        jsPerClient: (js(a) - js(b)) / clients,
      };
    });
  } finally {
    await Promise.all(workers.map((w) => w.request({ kind: 'closeAll' }, 'done', 15_000)));
  }
}
