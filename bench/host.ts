/**
 * Child process that hosts what is measured, alone in its process so its CPU and memory are its
 * own: the real signalling server (`server`) or the bare relay (`relay`), on loopback. Run with
 * --expose-gc; answers memory, CPU and event loop delay questions from the orchestrator over IPC.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../signal-server/log.js';
import { startSignalServer, type SignalServerOptions } from '../signal-server/server.js';
import { startBareMailRelay } from './bare-mail-relay.js';
import { startBareRelay } from './bare-relay.js';
import { MemoryHostStore } from './memory-store.js';
import { GcRecord } from './gc-record.js';
import { HOST_KINDS, type HostCommand, type HostKind, type HostReply, type MemoryFigures } from './ipc.js';

interface Hosted {
  url: string;
  close(): Promise<void>;
}

/**
 * Every bench client comes from 127.0.0.1, thousands of them, so the measured server lifts its
 * per-address limits (as a server behind which a whole network shares one address would).
 */
const ONE_ADDRESS_FOR_EVERYONE: SignalServerOptions = {
  maxSocketsPerAddress: 1_000_000,
  maxUnregisteredPerAddress: 1_000_000,
  maxNamesPerAddress: 1_000_000,
  registrationsPerMinute: 1_000_000_000,
  registrationBurst: 1_000_000,
};

const reply = (message: HostReply): void => {
  process.send?.(message);
};

async function startHosted(kind: HostKind, options: SignalServerOptions): Promise<Hosted> {
  switch (kind) {
    case 'relay':
      return startBareRelay('127.0.0.1');
    case 'mail-relay':
      return startBareMailRelay('127.0.0.1');
    case 'stored-mail-relay': {
      if (!options.dataDir) throw new Error('the stored relay needs a dataDir');
      return startBareMailRelay('127.0.0.1', { dir: options.dataDir, batchMs: Number(process.env.BENCH_STORE_BATCH_MS ?? 0) });
    }
    case 'server':
      // BENCH_STORE_THREAD=1: the store on a thread of its own, as `npm run serve -- --store-thread` runs it.
      return startSignalServer({
        host: '127.0.0.1',
        port: 0,
        staticDir: null,
        logger: silentLogger,
        storeOnThread: process.env.BENCH_STORE_THREAD === '1',
        ...ONE_ADDRESS_FOR_EVERYONE,
        ...options,
      });
    case 'server-memory':
      return startHosted('server', { ...options, dataDir: null, openStore: (limits) => Promise.resolve(new MemoryHostStore({ limits })) });
    default: {
      const never: never = kind;
      throw new Error(`unknown host kind ${String(never)}`);
    }
  }
}

function measureMemory(collect: boolean): MemoryFigures {
  if (collect) {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('host must run with --expose-gc');
    gc();
    gc();
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers, maxRss: process.resourceUsage().maxRSS * 1024 };
}

/** Microseconds in one of the kernel's clock ticks (Linux), or null where that cannot be asked. */
function microsPerTick(): number | null {
  try {
    return 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return null;
  }
}

/**
 * CPU time of the event loop's own thread alone, in µs (Linux: /proc/self/task/PID/stat, whose
 * utime and stime are the 14th and 15th fields); null elsewhere. A queue forms when this nears a core.
 */
function eventLoopCpuMicros(tick: number | null): number | null {
  if (tick === null) return null;
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * tick;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const kind = HOST_KINDS.find((known) => known === process.argv[2]);
  if (kind === undefined) throw new Error(`usage: host.ts ${HOST_KINDS.join('|')} [options-json]`);
  const options = JSON.parse(process.argv[3] ?? '{}') as SignalServerOptions;
  const hosted = await startHosted(kind, options);
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const gc = new GcRecord();
  const tick = microsPerTick();
  process.on('message', (raw) => {
    const command = raw as HostCommand;
    void (async () => {
      try {
        switch (command.kind) {
          case 'memory':
            reply({ kind: 'memory', reqId: command.reqId, memory: measureMemory(command.collect) });
            return;
          case 'cpu': {
            const { user, system } = process.cpuUsage();
            reply({ kind: 'cpu', reqId: command.reqId, userMicros: user, systemMicros: system, eventLoopMicros: eventLoopCpuMicros(tick) });
            return;
          }
          case 'loop-delay': {
            const ms = (nanos: number): number => nanos / 1e6;
            reply({ kind: 'loop-delay', reqId: command.reqId, p50Ms: ms(loopDelay.percentile(50)), p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max), ...gc.take() });
            loopDelay.reset();
            return;
          }
          case 'close':
            await hosted.close();
            reply({ kind: 'closed', reqId: command.reqId });
            process.disconnect();
            setTimeout(() => process.exit(0), 200).unref();
            return;
          default: {
            const never: never = command;
            throw new Error(`unknown command ${JSON.stringify(never)}`);
          }
        }
      } catch (error) {
        reply({ kind: 'failed', reqId: command.reqId, error: String(error) });
      }
    })();
  });
  // The bench that started us is gone (it failed or was stopped): nobody will ask us to close.
  process.on('disconnect', () => process.exit());
  reply({ kind: 'ready', url: hosted.url });
}

main().catch((error: unknown) => {
  console.error('bench host failed:', error);
  process.exit(1);
});
