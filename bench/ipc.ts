/**
 * The messages between the benchmarks' orchestrators and their child processes: the host (the
 * signalling server or the bare relay), the client workers and the soak's hostile worker. Closed
 * unions, one per direction.
 */

/** What a target speaks: the LeanPhone protocol, or the bare relay's frame forwarding. */
export type Flavour = 'server' | 'relay';

export interface Target {
  url: string;
  flavour: Flavour;
}

/** How much a client keeps of what it receives: a full presence map, or nothing but counts. */
export type Tracking = 'presence' | 'none';

export interface Pair {
  caller: string;
  callee: string;
  callId: string;
}

/** How INFO messages are sent: at a fixed rate, or as fast as a small window of in-flight messages allows. */
export type StreamMode =
  | { kind: 'paced'; perSocketRate: number; bothDirections: boolean }
  | { kind: 'window'; window: number; perSocketCap: number | null; bothDirections: boolean };

export type WorkerCommand =
  | {
      kind: 'register';
      reqId: number;
      target: Target;
      names: string[];
      tracking: Tracking;
      expectedOthers: number;
      concurrency: number;
      timeoutMs: number;
    }
  | { kind: 'awaitPresence'; reqId: number; timeoutMs: number }
  | { kind: 'mark'; reqId: number }
  | { kind: 'publish'; reqId: number; name: string; state: 'online' | 'dnd' }
  | { kind: 'awaitState'; reqId: number; name: string; state: string; timeoutMs: number }
  /** Callers on `target`; callees there too, or on `calleeTarget` (another node of a cluster). */
  | { kind: 'calls'; reqId: number; target: Target; calleeTarget?: Target; pairs: Pair[]; concurrency: number; timeoutMs: number }
  /** Streams through the calls of the clients whose names start with namePrefix. */
  | { kind: 'stream'; reqId: number; namePrefix: string; mode: StreamMode; warmupMs: number; measureMs: number }
  /** Counts over all clients, or those whose names start with namePrefix. */
  | { kind: 'status'; reqId: number; namePrefix?: string }
  | { kind: 'closeAll'; reqId: number };

export interface Counter {
  count: number;
  sum: number;
  max: number;
}

export type WorkerReply =
  | { kind: 'ready' }
  | {
      kind: 'registered';
      reqId: number;
      ok: number;
      failed: number;
      firstError: string | null;
      /** Shared-clock time at which the last of this worker's clients got its REGISTER answer. */
      lastSettledAt: number;
      registerBytes: Counter;
    }
  | {
      kind: 'presence';
      reqId: number;
      complete: number;
      incomplete: number;
      /** Shared-clock time at which the last of this worker's clients had the full presence. */
      lastCompleteAt: number;
      /** Presence bytes and messages each client received after its own REGISTER 200. */
      notifyBytes: Counter;
      notifyMessages: Counter;
    }
  | { kind: 'done'; reqId: number }
  | { kind: 'stateSeen'; reqId: number; seen: number; missing: number; bytes: Counter; messages: Counter }
  | { kind: 'callsUp'; reqId: number; ok: number; failed: number; firstError: string | null }
  | {
      kind: 'streamed';
      reqId: number;
      sent: number;
      received: number;
      receivedInWindow: number;
      /** One-way latencies (ms) of the messages received inside the measuring window. */
      latencies: Float64Array;
      outOfOrder: number;
    }
  | { kind: 'status'; reqId: number; open: number; unexpectedCloses: number; closeCodes: Record<string, number>; errors: number }
  | { kind: 'failed'; reqId: number; error: string };

export const HOST_KINDS = ['server', 'server-memory', 'relay', 'mail-relay', 'stored-mail-relay'] as const;
export type HostKind = (typeof HOST_KINDS)[number];

export type HostCommand =
  /** collect: run the garbage collector (twice) first; without it, a sample as the process stands. */
  | { kind: 'memory'; reqId: number; collect: boolean }
  | { kind: 'cpu'; reqId: number }
  /** The event loop's delay and the collector's pauses since the last ask (or the start), then counts afresh. */
  | { kind: 'loop-delay'; reqId: number }
  | { kind: 'close'; reqId: number };

/** Garbage collections of one kind (young: scavenges; full: mark-compacts), each a pause of the event loop. */
export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** The highest RSS the process has had so far. */
  maxRss: number;
}

export type HostReply =
  | { kind: 'ready'; url: string }
  | { kind: 'memory'; reqId: number; memory: MemoryFigures }
  /** eventLoopMicros: the event loop's thread alone (null where the platform cannot say). */
  | { kind: 'cpu'; reqId: number; userMicros: number; systemMicros: number; eventLoopMicros: number | null }
  | { kind: 'loop-delay'; reqId: number; p50Ms: number; p99Ms: number; maxMs: number; young: GcPauses; full: GcPauses }
  | { kind: 'closed'; reqId: number }
  | { kind: 'failed'; reqId: number; error: string };

/** What `npm run bench:soak`'s hostile worker does: paced frames from a few sockets, and churn. */
export interface LoadPlan {
  url: string;
  /** The honest users' names and their call's callId: what the attackers aim at. */
  honestNames: string[];
  honestCallId: string;
  /** Registered hostile sockets sharing the rate; each comes back with its resume token when closed. */
  sockets: number;
  /** Frames to send in all, at this rate, and stop after maxMs even if fewer went out. */
  total: number;
  perSecond: number;
  maxMs: number;
  /** Share of valid (well-formed) messages among the frames, 0 to 1. */
  validShare: number;
  /** Open-register-(publish)-close cycles per second, over this many rotating names. */
  churnPerSecond: number;
  churnNames: number;
  seed: number;
}

export interface LoadReport {
  sent: number;
  sentBytes: number;
  valid: number;
  /** Frames the server must refuse by closing: binary, or over 64 KiB. */
  closers: number;
  elapsedMs: number;
  /** Frames the hostile sockets received (answers, refusals, presence). */
  received: number;
  closeCodes: Record<string, number>;
  reconnects: number;
  churnCycles: number;
  churnFailures: number;
  firstError: string | null;
}

export type HostileCommand = { kind: 'load'; reqId: number; plan: LoadPlan };

export type HostileReply = { kind: 'ready' } | { kind: 'loaded'; reqId: number; report: LoadReport } | { kind: 'failed'; reqId: number; error: string };
