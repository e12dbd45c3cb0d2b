/**
 * This node's connection to the cluster's Redis: the scripts that change shared state, the node's
 * heartbeat, and its stream, read in order from the last id seen. Frames for other nodes wait in a
 * bounded outbox while Redis is away and go, in order, when it is back.
 */
import { createClient } from 'redis';
import type { Logger } from '../log.js';
import type { UserKey } from '../name-key.js';
import type { LeaveReason } from '../registry.js';
import { readEnvelope, type Envelope, type Member } from './envelope.js';
import { BROADCAST, BUSY, CLAIM, HEARTBEAT, PURGE, REHOME, RELEASE, RENEW, SNAPSHOT, TAKE_OVER, UPDATE } from './scripts.js';

export interface LinkConfig {
  url: string;
  node: string;
  /** Approximate cap of each node's stream (XADD MAXLEN ~). */
  streamMaxLen: number;
  /** Frames kept for other nodes while Redis is away; past it the oldest go. */
  maxOutbox: number;
  logger: Logger;
}

export interface LinkEvents {
  envelope(envelope: Envelope): void;
  /** Redis answered again after being away: shared state may have been lost or missed. */
  reconnected(): void;
}

export interface Snapshot {
  members: Map<UserKey, Member>;
  /** Each key with the nodes that have it in a dialog. */
  busy: { key: UserKey; node: string }[];
}

type Client = ReturnType<typeof createClient>;

/** How long one stream read blocks: short enough that closing never waits long. */
const READ_BLOCK_MS = 1000;

export class RedisLink {
  readonly #config: LinkConfig;
  readonly #commands: Client;
  readonly #reader: Client;
  readonly #stream: string;
  #events: LinkEvents | null = null;
  #outbox: { node: string; text: string }[] = [];
  #lastId = '0-0';
  #up = false;
  #closed = false;

  private constructor(config: LinkConfig) {
    this.#config = config;
    const options = {
      url: config.url,
      // Fail at once while Redis is away: the node decides what waits (the outbox) and what is redone.
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) },
    };
    this.#commands = createClient(options);
    this.#reader = createClient(options);
    this.#stream = `lp:stream:${config.node}`;
    for (const client of [this.#commands, this.#reader]) {
      client.on('error', (error: Error) => config.logger.log('debug', 'redis-error', { message: error.message }));
    }
    this.#commands.on('end', () => this.#down());
    this.#commands.on('reconnecting', () => this.#down());
    this.#commands.on('ready', () => {
      if (this.#up || this.#closed) return;
      this.#up = true;
      config.logger.log('info', 'redis-up', { node: config.node });
      this.#events?.reconnected();
    });
  }

  /** Connects; refuses to start when Redis does not answer. A node id in use by a live node is refused too. */
  static async connect(config: LinkConfig): Promise<RedisLink> {
    const link = new RedisLink(config);
    await Promise.all([link.#commands.connect(), link.#reader.connect()]);
    const alive = await link.#commands.sendCommand(['EXISTS', `lp:node:${config.node}`]);
    if (Number(alive) === 1) {
      await link.close();
      throw new Error(`node id "${config.node}" is in use by a live node`);
    }
    // A node that restarts under the same id does not read what was sent to the one before.
    await link.#commands.sendCommand(['DEL', link.#stream]);
    link.#up = true;
    return link;
  }

  get up(): boolean {
    return this.#up;
  }

  /** Starts reading this node's stream; each envelope, in order, goes to `events`. */
  listen(events: LinkEvents): void {
    this.#events = events;
    void this.#read();
  }

  /** `tokenHash`: the SHA-256 of the user's current resume token (secretHash). */
  claim(key: UserKey, member: Member, lenient: boolean, tokenHash: string): Promise<boolean> {
    return this.#eval(CLAIM, [key, member.skeleton, JSON.stringify(member), lenient ? '1' : '0', tokenHash]).then((claimed) => claimed === 1);
  }

  /** Moves `key` to this node when `tokenHash` is its current token's; answers the node it was on, or null. */
  async takeOver(key: UserKey, tokenHash: string, nextHash: string, member: Member): Promise<string | null> {
    const from = await this.#eval(TAKE_OVER, [key, tokenHash, nextHash, JSON.stringify(member)]);
    return typeof from === 'string' ? from : null;
  }

  renew(key: UserKey, tokenHash: string): Promise<unknown> {
    return this.#eval(RENEW, [key, tokenHash]);
  }

  update(key: UserKey, member: Member): Promise<unknown> {
    return this.#eval(UPDATE, [key, JSON.stringify(member)]);
  }

  release(key: UserKey, skeleton: string, reason: LeaveReason): Promise<unknown> {
    return this.#eval(RELEASE, [key, skeleton, reason]);
  }

  busy(key: UserKey, busy: boolean): Promise<unknown> {
    return this.#eval(BUSY, [key, String(busy)]);
  }

  /** Asks to become the new home of call `callId`, whose home died; answers the node that is. */
  async rehome(callId: string, ttlMs: number): Promise<string> {
    return String(await this.#eval(REHOME, [callId, String(ttlMs)]));
  }

  purge(node: string): Promise<unknown> {
    return this.#eval(PURGE, [node]);
  }

  /** Refreshes this node's key; answers whether it had to be added back, and each node's address ('' when gone). */
  async heartbeat(address: string, ttlMs: number): Promise<{ added: boolean; nodes: Map<string, string> }> {
    const reply = (await this.#eval(HEARTBEAT, [address, String(ttlMs)])) as unknown[];
    const nodes = new Map<string, string>();
    for (let i = 1; i + 1 < reply.length; i += 2) nodes.set(String(reply[i]), String(reply[i + 1]));
    return { added: Number(reply[0]) === 1, nodes };
  }

  async snapshot(): Promise<Snapshot> {
    const [users, marks] = (await this.#commands.sendCommand(['EVAL', SNAPSHOT, '0'])) as [string[], string[]];
    const members = new Map<UserKey, Member>();
    for (let i = 0; i + 1 < users.length; i += 2) {
      const envelope = readEnvelope(`{"t":"user","key":${JSON.stringify(users[i])},"user":${users[i + 1]}}`);
      if (envelope?.t === 'user') members.set(envelope.key, envelope.user);
    }
    const busy: Snapshot['busy'] = [];
    for (let i = 0; i < marks.length; i += 2) {
      const [key, node] = marks[i]!.split('\n');
      if (key !== undefined && node !== undefined) busy.push({ key, node });
    }
    return { members, busy };
  }

  /** Adds `envelope` to every other node's stream; lost while Redis is away (a resync reloads what it said). */
  broadcast(envelope: Envelope): void {
    this.#eval(BROADCAST, [JSON.stringify(envelope)]).catch((error: unknown) => this.#config.logger.log('warn', 'cluster-broadcast-failed', { t: envelope.t, message: String(error) }));
  }

  /** From outside the cluster (the CLI): adds `envelope` to every node's stream, and disconnects. */
  static async broadcastOnce(url: string, envelope: Envelope, streamMaxLen: number): Promise<void> {
    const client = createClient({ url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.sendCommand(['EVAL', BROADCAST, '0', '', String(streamMaxLen), JSON.stringify(envelope)]);
    } finally {
      await client.close();
    }
  }

  /** Adds `envelope` to `node`'s stream; while Redis is away it waits in the outbox. */
  send(node: string, envelope: Envelope): void {
    const text = JSON.stringify(envelope);
    if (!this.#up || this.#outbox.length > 0) {
      this.#hold(node, text);
      return;
    }
    this.#xadd(node, text).catch(() => this.#hold(node, text));
  }

  /** Sends what waited in the outbox, oldest first. */
  flush(): void {
    const waiting = this.#outbox;
    this.#outbox = [];
    for (const { node, text } of waiting) this.#xadd(node, text).catch(() => this.#hold(node, text));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#up = false;
    await Promise.allSettled([this.#commands.destroy(), this.#reader.destroy()]);
  }

  #xadd(node: string, text: string): Promise<unknown> {
    return this.#commands.sendCommand(['XADD', `lp:stream:${node}`, 'MAXLEN', '~', String(this.#config.streamMaxLen), '*', 'e', text]);
  }

  #hold(node: string, text: string): void {
    this.#outbox.push({ node, text });
    if (this.#outbox.length > this.#config.maxOutbox) this.#outbox.shift();
  }

  #eval(script: string, args: string[]): Promise<unknown> {
    if (!this.#up) return Promise.reject(new Error('Redis is away'));
    return this.#commands.sendCommand(['EVAL', script, '0', this.#config.node, String(this.#config.streamMaxLen), ...args]);
  }

  #down(): void {
    if (!this.#up) return;
    this.#up = false;
    if (!this.#closed) this.#config.logger.log('warn', 'redis-down', { node: this.#config.node });
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      let reply: unknown;
      try {
        reply = await this.#reader.sendCommand(['XREAD', 'COUNT', '1000', 'BLOCK', String(READ_BLOCK_MS), 'STREAMS', this.#stream, this.#lastId]);
      } catch {
        if (this.#closed) return;
        await this.#readerBack();
        continue;
      }
      const streams = reply as [string, [string, string[]][]][] | null;
      for (const [id, fields] of streams?.[0]?.[1] ?? []) {
        this.#lastId = id;
        const envelope = fields[0] === 'e' && fields[1] !== undefined ? readEnvelope(fields[1]) : null;
        if (envelope) this.#events?.envelope(envelope);
        else this.#config.logger.log('warn', 'cluster-unreadable', { id });
      }
    }
  }

  /** Resolves when the reader is connected again (or at once when it already is, after a short pause). */
  #readerBack(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#reader.isReady) this.#reader.once('ready', () => resolve());
      else setTimeout(resolve, 100).unref();
    });
  }
}
