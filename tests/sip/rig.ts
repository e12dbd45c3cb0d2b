/**
 * The SIP test rig: starts Kamailio (registrar and proxy, SIP over WebSocket), rtpengine and
 * baresip softphones from the templates beside this file, each on free loopback ports in a
 * temporary folder, waits until each answers (never a sleep), and stops them. A missing package
 * fails loudly: .ci/run installs kamailio, kamailio-websocket-modules, rtpengine-daemon, baresip-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = new URL('.', import.meta.url).pathname;
const READY_TIMEOUT_MS = 10_000;
export const TEST_DOMAIN = 'leanphone.test';

/** A started program: its output so far, and a stop that waits for it to exit. */
class Program {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #watchers = new Set<() => void>();
  #output = '';

  constructor(name: string, command: string, args: string[]) {
    this.#child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const read = (chunk: Buffer): void => {
      this.#output += chunk.toString();
      for (const watcher of this.#watchers) watcher();
    };
    this.#child.stdout?.on('data', read);
    this.#child.stderr?.on('data', read);
    this.#exited = new Promise((resolve, reject) => {
      this.#child.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'ENOENT' ? `${name}: ${command} is not installed (apt-get install it; .ci/run does)` : `${name}: ${error.message}`)),
      );
      this.#child.once('exit', () => resolve());
    });
  }

  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves when `ready` does; rejects if the program exits or fails to start first. */
  async until<T>(what: string, ready: Promise<T>): Promise<T> {
    const died = this.#exited.then(() => {
      throw new Error(`${what}: the program exited first:\n${this.#output.slice(-3000)}`);
    });
    return Promise.race([ready, died]);
  }

  /** Resolves with the first match of `pattern` in the output after `from` (a length of output seen before). */
  logged(what: string, pattern: RegExp, from = 0, timeoutMs = READY_TIMEOUT_MS): Promise<RegExpMatchArray> {
    return this.until(
      what,
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = this.#output.slice(from).match(pattern);
          if (!match) return;
          this.#watchers.delete(check);
          clearTimeout(timer);
          resolve(match);
        };
        const timer = setTimeout(() => {
          this.#watchers.delete(check);
          reject(new Error(`${what}: ${pattern} not logged within ${timeoutMs} ms:\n${this.#output.slice(-3000)}`));
        }, timeoutMs);
        this.#watchers.add(check);
        check();
      }),
    );
  }

  /** SIGTERM, then SIGKILL if it is still there after 3 s (baresip waits for answers to its goodbyes). */
  async stop(): Promise<void> {
    if (!this.running) return this.#exited.catch(() => undefined);
    this.#child.kill('SIGTERM');
    const kill = setTimeout(() => this.#child.kill('SIGKILL'), 3_000);
    await this.#exited.catch(() => undefined);
    clearTimeout(kill);
  }
}

/** A port free on loopback now (TCP or UDP), for a program to bind. */
export async function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  }
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves once a TCP connection to `port` succeeds, trying again on each refusal. */
async function tcpOpen(port: number, deadline = Date.now() + READY_TIMEOUT_MS): Promise<void> {
  for (;;) {
    const error = await new Promise<Error | null>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(null);
      });
      socket.once('error', resolve);
    });
    if (error === null) return;
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} did not open: ${error.message}`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // polling a port that is not open yet
  }
}

function fill(template: string, values: Record<string, string | number>): string {
  return readFileSync(join(HERE, template), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${template}: no value for {{${key}}}`);
    return String(value);
  });
}

/** Debian keeps Kamailio's modules under the architecture's library folder; undefined without the WebSocket one. */
function findKamailioModules(): string | undefined {
  return readdirSync('/usr/lib').map((entry) => join('/usr/lib', entry, 'kamailio/modules')).find((path) => existsSync(join(path, 'websocket.so')));
}

function kamailioModules(): string {
  const dir = findKamailioModules();
  if (dir === undefined) throw new Error('kamailio: websocket.so not found (apt-get install kamailio kamailio-websocket-modules; .ci/run does)');
  return dir;
}

/** The Debian packages this rig needs that are not installed here: empty when it can run. */
export function missingPackages(): string[] {
  const onPath = (program: string): boolean => (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, program)));
  const needs: [string, boolean][] = [
    ['kamailio', onPath('kamailio')],
    ['kamailio-websocket-modules', findKamailioModules() !== undefined],
    ['rtpengine-daemon', onPath('rtpengine')],
    ['baresip-core', onPath('baresip')],
  ];
  return needs.filter(([, present]) => !present).map(([name]) => name);
}

export interface KamailioOptions {
  /** SIP users and their passwords for digest auth. */
  users: Record<string, string>;
  /** Media through this rtpengine (WebRTC on the WebSocket side, plain RTP on the UDP side). */
  rtpengine?: Rtpengine;
}

export class Kamailio {
  readonly domain = TEST_DOMAIN;
  #program: Program;
  private constructor(
    program: Program,
    readonly dir: string,
    readonly sipPort: number,
    readonly wsPort: number,
    readonly args: string[],
  ) {
    this.#program = program;
  }

  get program(): Program {
    return this.#program;
  }

  /** The gateway's --sip-proxy. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  /** Where a UDP phone sends everything. */
  get outbound(): string {
    return `sip:127.0.0.1:${this.sipPort};transport=udp`;
  }

  static async start(options: KamailioOptions): Promise<Kamailio> {
    const dir = mkdtempSync(join(tmpdir(), 'leanphone-kamailio-'));
    const sipPort = await freePort('udp');
    const wsPort = await freePort('tcp');
    const users = Object.entries(options.users)
      .map(([user, password]) => `\t$sht(users=>${user}) = "${password}";`)
      .join('\n');
    const config = fill('kamailio.cfg', { MODULES: kamailioModules(), DEBUG: 2, SIP_PORT: sipPort, WS_PORT: wsPort, USERS: users, RTPENGINE_PORT: options.rtpengine?.ngPort ?? 0 });
    const file = join(dir, 'kamailio.cfg');
    writeFileSync(file, config);
    const defines = options.rtpengine ? ['-A', 'WITH_RTPENGINE'] : [];
    const args = ['-DD', '-E', '-m', '32', '-M', '4', '-Y', dir, '-f', file, ...defines];
    const program = new Program('kamailio', 'kamailio', args);
    const kamailio = new Kamailio(program, dir, sipPort, wsPort, args);
    await program.until('kamailio', tcpOpen(wsPort));
    return kamailio;
  }

  /** Stops Kamailio (every registration goes with it) and starts it again on the same ports. */
  async restart(): Promise<void> {
    await this.#program.stop();
    this.#program = new Program('kamailio', 'kamailio', this.args);
    await this.#program.until('kamailio', tcpOpen(this.wsPort));
  }

  async stop(): Promise<void> {
    await this.#program.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** rtpengine in userspace (no kernel table), controlled over the NG protocol on loopback. */
export class Rtpengine {
  private constructor(
    readonly program: Program,
    readonly ngPort: number,
  ) {}

  static async start(): Promise<Rtpengine> {
    const ngPort = await freePort('udp');
    const cliPort = await freePort('tcp');
    const portMin = 30_000 + Math.floor(Math.random() * 20_000);
    const program = new Program('rtpengine', 'rtpengine', [
      '--config-file=none', '--foreground', '--log-stderr', `--listen-cli=127.0.0.1:${cliPort}`, '--table=-1', '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ngPort}`,
      `--port-min=${portMin}`, `--port-max=${portMin + 199}`, '--no-fallback', '--log-level=5',
    ]);
    const rtpengine = new Rtpengine(program, ngPort);
    await program.until('rtpengine', pingNg(ngPort));
    return rtpengine;
  }

  stop(): Promise<void> {
    return this.program.stop();
  }
}

/** Sends the NG `ping` (bencoded, behind a cookie) until rtpengine answers `pong`. */
async function pingNg(port: number, deadline = Date.now() + READY_TIMEOUT_MS): Promise<void> {
  const socket = createSocket('udp4');
  try {
    const pong = new Promise<void>((resolve) => socket.on('message', (data) => data.toString().includes('pong') && resolve()));
    for (;;) {
      socket.send('cookie1 d7:command4:pinge', port, '127.0.0.1');
      const answered = await Promise.race([pong.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100))]);
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`rtpengine did not answer ping on ${port}`);
    }
  } finally {
    socket.close();
  }
}

export interface BaresipOptions {
  user: string;
  password: string;
  kamailio: Kamailio;
  /** `auto` answers every call; `manual` lets it ring. */
  answermode: 'auto' | 'manual';
  /** Calls it takes at once; the next gets 486 Busy Here. Default 4. */
  maxCalls?: number;
  /** The display name its calls carry in From; none by default. */
  display?: string;
}

/** One event or response from baresip's ctrl_tcp. */
export type BaresipMessage = Record<string, any>;

/** A baresip softphone registered at Kamailio, driven over ctrl_tcp (netstrings of JSON). */
export class Baresip {
  readonly #socket: Socket;
  readonly #messages: BaresipMessage[] = [];
  readonly #waiters = new Set<{ match: (message: BaresipMessage) => boolean; resolve: (message: BaresipMessage) => void }>();
  #buffer = '';
  #token = 0;

  private constructor(
    readonly program: Program,
    readonly dir: string,
    readonly user: string,
    readonly domain: string,
    socket: Socket,
  ) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#read(chunk.toString('utf8')));
  }

  get aor(): string {
    return `sip:${this.user}@${this.domain}`;
  }

  /**
   * Starts baresip on ports free a moment ago. baresip binds SIP on UDP and TCP and TLS on the
   * next port too, so another suite can take one of them between our look and its bind; then it
   * exits with "Address already in use" and we start it again on new ports.
   */
  static async start(options: BaresipOptions): Promise<Baresip> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await Baresip.#startOnce(options);
      } catch (error) {
        if (attempt === 3 || !String(error).includes('Address already in use')) throw error;
      }
    }
  }

  static async #startOnce(options: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'leanphone-baresip-'));
    const sipPort = await freePort('udp');
    const ctrlPort = await freePort('tcp');
    const { kamailio } = options;
    writeFileSync(join(dir, 'config'), fill('baresip.conf', { SIP_PORT: sipPort, CTRL_PORT: ctrlPort, SND_PATH: dir, MAX_CALLS: options.maxCalls ?? 4 }));
    const named = options.display === undefined ? '' : `"${options.display}" `;
    const account = `${named}<sip:${options.user}@${kamailio.domain};transport=udp>;auth_pass=${options.password};outbound="${kamailio.outbound}";regint=600;answermode=${options.answermode};mediaenc=;medianat=`;
    writeFileSync(join(dir, 'accounts'), `${account}\n`);
    writeFileSync(join(dir, 'contacts'), '');
    const program = new Program('baresip', 'baresip', ['-f', dir, '-v']);
    await program.until('baresip', tcpOpen(ctrlPort)).catch(async (error: unknown) => {
      await program.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    const socket = createConnection({ host: '127.0.0.1', port: ctrlPort });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Baresip(program, dir, options.user, kamailio.domain, socket);
  }

  /** Resolves with the status of baresip's first answer to its REGISTER (200 once registered). */
  async registration(): Promise<number> {
    const [, status] = await this.program.logged(`baresip ${this.user} registration`, new RegExp(`(?:\\{0/UDP/v4\\}|reg: sip:${this.user}@\\S+:) (\\d{3}) `));
    return Number(status);
  }

  /** Runs a menu command (`dial`, `hangup`, `accept`, ...); answers its response. */
  async command(command: string, params = ''): Promise<BaresipMessage> {
    this.#token += 1;
    const token = String(this.#token);
    const json = JSON.stringify({ command, params, token });
    const reply = this.next((message) => message.response === true && message.token === token);
    this.#socket.write(`${Buffer.byteLength(json)}:${json},`);
    return reply;
  }

  /** The next event or response that matches, already received or still to come. */
  next(match: (message: BaresipMessage) => boolean, timeoutMs = 10_000): Promise<BaresipMessage> {
    const index = this.#messages.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#messages.splice(index, 1)[0]!);
    return this.program.until(
      'baresip',
      new Promise((resolve, reject) => {
        const waiter = { match, resolve: (message: BaresipMessage) => (clearTimeout(timer), resolve(message)) };
        const timer = setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`baresip: no matching message within ${timeoutMs} ms; had ${JSON.stringify(this.#messages)}\n${this.program.output.slice(-2000)}`));
        }, timeoutMs);
        this.#waiters.add(waiter);
      }),
    );
  }

  /** The next event of `type` (REGISTER_OK, CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, ...). */
  event(type: string, timeoutMs?: number): Promise<BaresipMessage> {
    return this.next((message) => message.event === true && message.type === type, timeoutMs);
  }

  async stop(): Promise<void> {
    this.#socket.destroy();
    await this.program.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #read(text: string): void {
    this.#buffer += text;
    for (;;) {
      const colon = this.#buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.#buffer.slice(0, colon));
      if (this.#buffer.length < colon + 1 + length + 1) return;
      const json = this.#buffer.slice(colon + 1, colon + 1 + length);
      this.#buffer = this.#buffer.slice(colon + 1 + length + 1);
      this.#deliver(JSON.parse(json) as BaresipMessage);
    }
  }

  #deliver(message: BaresipMessage): void {
    for (const waiter of this.#waiters) {
      if (waiter.match(message)) {
        this.#waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    this.#messages.push(message);
  }
}
