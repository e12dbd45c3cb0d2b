/**
 * Figure 1: 2,000 clients register and each ends with the full presence; then single presence
 * changes, to show each costs a client one small NOTIFY and never the whole list.
 */
import { startHost, stopHost, type Worker } from './children.js';
import { sharedNow } from './clock.js';
import type { Flavour } from './ipc.js';
import { deal, names } from './split.js';
import { mergeCounters, type CounterSummary } from './stats.js';

export interface PresenceResult {
  flavour: Flavour;
  clients: number;
  failed: number;
  firstError: string | null;
  /** From the first connection to every client seeing every other (server) or its echo (relay). */
  elapsedMs: number;
  /** CPU time (user + system) the host process spent over elapsedMs. */
  hostCpuMs: number;
  incomplete: number;
  registerBytes: CounterSummary;
  notifyBytes: CounterSummary;
  notifyMessages: CounterSummary;
  /** Per change: bytes and messages each watching client received until it saw the change. */
  changes: Array<{ bytesPerClient: number; messagesPerClient: number; maxBytes: number; missing: number }>;
}

export async function runPresence(flavour: Flavour, workers: Worker[], count: number, concurrency = 64): Promise<PresenceResult> {
  // A listed phone book, whatever its size: this figure is the cost of listing everyone to everyone.
  const host = await startHost(flavour, flavour === 'server' ? { phoneBookLimit: count } : {});
  try {
    const all = names(`r${flavour[0]}`, count);
    const shares = deal(all, workers.length);
    const target = { url: host.url, flavour };
    const cpuBefore = await host.request({ kind: 'cpu' }, 'cpu', 5_000);
    const startedAt = sharedNow();
    const registered = await Promise.all(
      workers.map((w, i) =>
        w.request(
          { kind: 'register', target, names: shares[i] ?? [], tracking: 'presence', expectedOthers: count - 1, concurrency, timeoutMs: 30_000 },
          'registered',
          40_000,
        ),
      ),
    );
    const failed = registered.reduce((n, r) => n + r.failed, 0);
    const firstError = registered.find((r) => r.firstError)?.firstError ?? null;
    const registerBytes = mergeCounters(registered.map((r) => r.registerBytes));
    const hostCpuMs = async (): Promise<number> => {
      const after = await host.request({ kind: 'cpu' }, 'cpu', 5_000);
      return (after.userMicros + after.systemMicros - cpuBefore.userMicros - cpuBefore.systemMicros) / 1000;
    };
    if (flavour === 'relay') {
      const lastAt = Math.max(...registered.map((r) => r.lastSettledAt));
      const empty = mergeCounters([]);
      const cpu = await hostCpuMs();
      return { flavour, clients: count, failed, firstError, elapsedMs: lastAt - startedAt, hostCpuMs: cpu, incomplete: 0, registerBytes, notifyBytes: empty, notifyMessages: empty, changes: [] };
    }
    const presence = await Promise.all(workers.map((w) => w.request({ kind: 'awaitPresence', timeoutMs: 20_000 }, 'presence', 25_000)));
    const cpu = await hostCpuMs();
    const elapsedMs = Math.max(...presence.map((p) => p.lastCompleteAt)) - startedAt;
    const incomplete = presence.reduce((n, p) => n + p.incomplete, 0);
    const changes: PresenceResult['changes'] = [];
    const steps: Array<[string, 'dnd' | 'online']> = [
      [all[0] ?? '', 'dnd'],
      [all[1] ?? '', 'dnd'],
      [all[0] ?? '', 'online'],
      [all[1] ?? '', 'online'],
    ];
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [name, state] of steps) {
      await Promise.all(workers.map((w) => w.request({ kind: 'mark' }, 'done', 5_000)));
      const owner = workers[all.indexOf(name) % workers.length];
      await owner?.request({ kind: 'publish', name, state }, 'done', 5_000);
      const seen = await Promise.all(workers.map((w) => w.request({ kind: 'awaitState', name, state, timeoutMs: 5_000 }, 'stateSeen', 8_000)));
      const bytes = mergeCounters(seen.map((s) => s.bytes));
      const messages = mergeCounters(seen.map((s) => s.messages));
      changes.push({ bytesPerClient: bytes.mean, messagesPerClient: messages.mean, maxBytes: bytes.max, missing: seen.reduce((n, s) => n + s.missing, 0) });
    }
    return {
      flavour,
      clients: count,
      failed,
      firstError,
      elapsedMs,
      hostCpuMs: cpu,
      incomplete,
      registerBytes,
      notifyBytes: mergeCounters(presence.map((p) => p.notifyBytes)),
      notifyMessages: mergeCounters(presence.map((p) => p.notifyMessages)),
      changes,
    };
  } finally {
    await Promise.all(workers.map((w) => w.request({ kind: 'closeAll' }, 'done', 10_000)));
    await stopHost(host);
  }
}
