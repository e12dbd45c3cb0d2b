/**
 * Starting and talking to the benchmark's child processes: the host (server or bare relay) and the
 * client workers. Every request has a deadline; a child that dies fails its pending requests.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignalServerOptions } from '../signal-server/options.js';
import type { HostCommand, HostKind, HostReply, HostileCommand, HostileReply, WorkerCommand, WorkerReply } from './ipc.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

type WithReqId = { reqId: number };
/** Omit that keeps a union's members apart. */
type Unsent<T> = T extends unknown ? Omit<T, 'reqId'> : never;
type Pending = { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout };

/** A forked child with request/response over IPC, keyed by reqId. */
class Channel<Command extends WithReqId, Reply extends { kind: string }> {
  readonly #child: ChildProcess;
  readonly #label: string;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #ready: Promise<Reply>;

  constructor(child: ChildProcess, label: string, startTimeoutMs: number) {
    this.#child = child;
    this.#label = label;
    this.#ready = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message as Reply);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited (${code}) before it was ready`));
      });
    });
    child.on('message', (raw) => {
      const message = raw as Reply & Partial<WithReqId> & { error?: string };
      if (message.reqId === undefined) return;
      const pending = this.#pending.get(message.reqId);
      if (!pending) return;
      this.#pending.delete(message.reqId);
      clearTimeout(pending.timer);
      if (message.kind === 'failed') pending.reject(new Error(`${label}: ${message.error ?? 'failed'}`));
      else pending.resolve(message);
    });
    child.on('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(new Error(`${label} exited (${code ?? signal})`));
      }
      this.#pending.clear();
    });
  }

  get ready(): Promise<Reply> {
    return this.#ready;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Sends a command and waits for its reply of kind `kind`, at most `timeoutMs`. */
  request<K extends Reply['kind']>(command: Unsent<Command>, kind: K, timeoutMs: number): Promise<Extract<Reply, { kind: K }>> {
    const reqId = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(reqId);
        reject(new Error(`${this.#label}: no answer to ${JSON.stringify(command).slice(0, 80)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(reqId, {
        resolve: (value) => {
          const reply = value as Reply;
          if (reply.kind === kind) resolve(reply as Extract<Reply, { kind: K }>);
          else reject(new Error(`${this.#label}: expected ${kind}, got ${reply.kind}`));
        },
        reject,
        timer,
      });
      this.#child.send({ ...command, reqId });
    });
  }

  /** Waits for the child to exit, killing it after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.#child.connected) this.#child.disconnect();
    });
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

export type Worker = Channel<WorkerCommand, WorkerReply>;
export type HostileWorker = Channel<HostileCommand, HostileReply>;
export type Host = Channel<HostCommand, HostReply> & { url: string };

/** Where BENCH_CPU_PROF writes .cpuprofile files: BENCH_PROF_DIR, else a folder in the system temp dir. */
export const profileDir = (): string => process.env.BENCH_PROF_DIR ?? join(tmpdir(), 'leanphone-bench-profiles');
const profileArgs = (): string[] => ['--cpu-prof', `--cpu-prof-dir=${profileDir()}`];

const live = new Set<{ kill(): void }>();

/** Kills every child still running (on a fatal error or the overall deadline). */
export function killAll(): void {
  for (const child of live) child.kill();
  live.clear();
}

/** Runs a benchmark's `main`; a failure, or a run past `deadlineMs`, kills every child and exits non-zero. */
export function runBench(label: string, main: () => Promise<void>, deadlineMs: number): void {
  const deadline = setTimeout(() => {
    console.error(`${label}: still running after ${deadlineMs / 1000} s; stopping`);
    killAll();
    process.exit(2);
  }, deadlineMs);
  deadline.unref();
  main().catch((error: unknown) => {
    console.error(`${label} failed:`, error);
    killAll();
    process.exit(1);
  });
}

export async function startWorkers(count: number): Promise<Worker[]> {
  const workers = Array.from({ length: count }, (_, i) => {
    const child = fork(here('./client-worker.ts'), [String(i)], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048', ...(process.env.BENCH_CPU_PROF === 'all' ? profileArgs() : [])],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new Channel<WorkerCommand, WorkerReply>(child, `worker ${i}`, 20_000);
    live.add(worker);
    return worker;
  });
  await Promise.all(workers.map((w) => w.ready));
  return workers;
}

/** The soak's hostile clients, in a process of their own (bench/hostile-worker.ts). */
export async function startHostileWorker(): Promise<HostileWorker> {
  const child = fork(here('./hostile-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const worker = new Channel<HostileCommand, HostileReply>(child, 'hostile worker', 20_000);
  live.add(worker);
  await worker.ready;
  return worker;
}

export async function stopWorkers(workers: ReadonlyArray<{ stop(graceMs: number): Promise<void>; kill(): void }>): Promise<void> {
  await Promise.all(workers.map((w) => w.stop(3_000)));
  for (const w of workers) live.delete(w);
}

/** Starts the server or the relay in its own process; BENCH_CPU_PROF=1 (or all) writes a CPU profile of it. */
export async function startHost(kind: HostKind, options: SignalServerOptions = {}): Promise<Host> {
  const profile = process.env.BENCH_CPU_PROF === '1' || process.env.BENCH_CPU_PROF === 'all' ? profileArgs() : [];
  const child = fork(here('./host.ts'), [kind, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...profile],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Generous: a host compiles the server with tsx first, slow on a machine busy with other work.
  const channel = new Channel<HostCommand, HostReply>(child, `${kind} host`, 60_000);
  live.add(channel);
  const ready = await channel.ready;
  if (ready.kind !== 'ready') throw new Error(`${kind} host: expected ready, got ${ready.kind}`);
  return Object.assign(channel, { url: ready.url });
}

export async function stopHost(host: Host): Promise<void> {
  await host.request({ kind: 'close' }, 'closed', 10_000).catch(() => undefined);
  await host.stop(3_000);
  live.delete(host);
}
