/**
 * The garbage collector's pauses in this process, young and full: each holds every socket behind
 * it. The host reports its own over IPC; bench:messages prints its clients' beside them.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { GcPauses } from './ipc.js';

/** The collector's pauses, young and full, since the last `take`. */
export class GcRecord {
  #young: GcPauses = noPauses();
  #full: GcPauses = noPauses();

  constructor() {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#count(entry);
    }).observe({ entryTypes: ['gc'] });
  }

  take(): { young: GcPauses; full: GcPauses } {
    const taken = { young: this.#young, full: this.#full };
    this.#young = noPauses();
    this.#full = noPauses();
    return taken;
  }

  #count(entry: PerformanceEntry): void {
    // Node 20 gives a gc entry's kind as `detail`, which its types do not declare.
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    const pauses = kind === constants.NODE_PERFORMANCE_GC_MINOR ? this.#young : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? this.#full : null;
    if (pauses === null) return;
    pauses.count += 1;
    pauses.totalMs += entry.duration;
    pauses.maxMs = Math.max(pauses.maxMs, entry.duration);
  }
}

const noPauses = (): GcPauses => ({ count: 0, totalMs: 0, maxMs: 0 });
