/**
 * A two-host test network: two network namespaces joined by a veth pair on 10.213.X.0/24, with a
 * multicast route, made and removed by the test that uses it (root only). Programs run inside
 * with `ip netns exec` and report JSON lines on stdout. Nothing is sent on the host's own network.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => existsSync(path));

export interface Side {
  namespace: string;
  device: string;
  address: string;
}

export interface TestNetwork {
  host: Side;
  join: Side;
  /** Starts `node --import tsx script args` inside a side's namespace. */
  spawn(side: Side, script: string, args: string[]): NamespacedProcess;
  /** Ends every process started here, then removes both namespaces (and with them the veth pair). */
  destroy(): Promise<void>;
}

/** The network, or why it cannot be made here (the caller skips with that reason). */
export async function makeNetwork(): Promise<{ network: TestNetwork; reason: null } | { network: null; reason: string }> {
  if (process.platform !== 'linux') return { network: null, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { network: null, reason: 'network namespaces need root' };
  if (IP === undefined) return { network: null, reason: 'the ip command (iproute2) is not installed' };
  await removeStale();
  const pid = process.pid;
  const subnet = `10.213.${(pid % 250) + 1}`;
  const host: Side = { namespace: `lp-${pid}-host`, device: `lph${pid}`, address: `${subnet}.1` };
  const join: Side = { namespace: `lp-${pid}-join`, device: `lpj${pid}`, address: `${subnet}.2` };
  const steps = [
    ['netns', 'add', host.namespace],
    ['netns', 'add', join.namespace],
    ['link', 'add', host.device, 'type', 'veth', 'peer', 'name', join.device],
    ['link', 'set', host.device, 'netns', host.namespace],
    ['link', 'set', join.device, 'netns', join.namespace],
    ...[host, join].flatMap((side) => [
      ['-n', side.namespace, 'addr', 'add', `${side.address}/24`, 'dev', side.device],
      ['-n', side.namespace, 'link', 'set', 'lo', 'up'],
      ['-n', side.namespace, 'link', 'set', side.device, 'up'],
      ['-n', side.namespace, 'route', 'add', '224.0.0.0/4', 'dev', side.device],
    ]),
  ];
  try {
    for (const step of steps) await ip(step);
  } catch (error) {
    await removeNamespaces([host.namespace, join.namespace], host.device);
    return { network: null, reason: `cannot make network namespaces here: ${(error as Error).message.trim()}` };
  }
  const processes: NamespacedProcess[] = [];
  return {
    reason: null,
    network: {
      host,
      join,
      spawn(side, script, args) {
        const started = new NamespacedProcess(spawn(IP, ['netns', 'exec', side.namespace, process.execPath, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
        processes.push(started);
        return started;
      },
      async destroy() {
        await Promise.all(processes.map((started) => started.stop()));
        await removeNamespaces([host.namespace, join.namespace], host.device);
      },
    },
  };
}

/** A program in a namespace; its stdout lines are JSON events (or plain text, kept as {line}). */
export class NamespacedProcess {
  readonly #child: ChildProcess;
  readonly #events: Record<string, unknown>[] = [];
  readonly #waiters = new Set<() => void>();
  #stderr = '';
  #exited: string | null = null;

  constructor(child: ChildProcess) {
    this.#child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        event = { line };
      }
      this.#events.push(event);
      this.#wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000);
    });
    child.once('exit', (code, signal) => {
      this.#exited = `exited with code ${code}, signal ${signal}`;
      this.#wake();
    });
  }

  /** The first event matching `test`; rejects with the process's stderr if it exits or time runs out first. */
  next(what: string, test: (event: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const event = this.#events.find(test);
        if (event) finish(() => resolve(event));
        else if (this.#exited !== null) finish(() => reject(new Error(`no ${what}: the process ${this.#exited}\n${this.#stderr}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms\n${this.#stderr}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      const force = setTimeout(() => this.#child.kill('SIGKILL'), 3_000);
      this.#child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      // `ip netns exec` execs node in place, so the signal reaches the program itself.
      this.#child.kill('SIGTERM');
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

async function ip(args: string[]): Promise<string> {
  const { stdout } = await run(IP!, args);
  return stdout;
}

async function removeNamespaces(namespaces: string[], rootDevice: string): Promise<void> {
  for (const namespace of namespaces) await ip(['netns', 'del', namespace]).catch(() => undefined);
  // A veth that never left the root namespace (creation failed half-way).
  await ip(['link', 'del', rootDevice]).catch(() => undefined);
}

/** Namespaces left by an earlier run that was killed before its cleanup. */
async function removeStale(): Promise<void> {
  const listed = await ip(['netns', 'list']).catch(() => '');
  for (const [, name, pid] of listed.matchAll(/^(lp-(\d+)-(?:host|join))\b/gm)) {
    if (name !== undefined && !isAlive(Number(pid))) await ip(['netns', 'del', name]).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
