/**
 * A real `ws` client for integration tests: collects every frame in order and lets a test await
 * the next one that matches, so no test sleeps.
 */
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../../common/protocol.js';

export type Frame = Record<string, any>;

interface Waiter {
  match: (frame: Frame) => boolean;
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class TestClient {
  readonly ws: WebSocket;
  readonly received: Frame[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly closed: Promise<{ code: number; reason: string }>;
  #unread: Frame[] = [];
  #cseq = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      // The protocol sends one JSON object per text frame; a binary frame is a server bug.
      const frame = (isBinary ? { binaryFrame: true } : JSON.parse(data.toString())) as Frame;
      this.received.push(frame);
      for (const waiter of this.#waiters) {
        if (waiter.match(frame)) {
          this.#waiters.delete(waiter);
          clearTimeout(waiter.timer);
          waiter.resolve(frame);
          return;
        }
      }
      this.#unread.push(frame);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const waiter of this.#waiters) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error(`socket closed (${code}) while waiting`));
        }
        this.#waiters.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** `options` go to ws: `origin` for a browser's Origin header, `localAddress` to connect from another loopback address. */
  static async connect(url: string, protocols: string[] = [SUBPROTOCOL], options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, protocols, options);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Connects and registers; answers the 200's body. */
  static async register(url: string, name: string, extra: Frame = {}, options: WebSocket.ClientOptions = {}): Promise<TestClient & { resume: string }> {
    const client = await TestClient.connect(url, [SUBPROTOCOL], options);
    const reply = await client.request({ method: 'REGISTER', body: { name, ...extra } });
    if (reply.status !== 200) throw new Error(`REGISTER ${name}: ${reply.status} ${reply.reason}`);
    return Object.assign(client, { resume: reply.body.resume as string });
  }

  nextCseq(): number {
    this.#cseq += 1;
    return this.#cseq;
  }

  send(frame: Frame | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request (cseq filled in when missing) and awaits its final response. */
  async request(frame: Frame): Promise<Frame> {
    const request: Frame = { cseq: this.nextCseq(), ...frame };
    const reply = this.next((f) => f.status >= 200 && f.method === request.method && f.cseq === request.cseq);
    this.send(request);
    return reply;
  }

  /** The next frame (already received and unread, or still to come) that matches. */
  next(match: (frame: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    const index = this.#unread.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#unread.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`no matching frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.#unread)}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  nextRequest(method: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.method === method && f.status === undefined, timeoutMs);
  }

  /**
   * The users in the next NOTIFY that tells of someone else. A client ignores its own entry, and
   * its own registration may arrive in a NOTIFY of its own, depending on when the window closed.
   */
  async nextPresence(self: string): Promise<Frame[]> {
    for (;;) {
      const notify = await this.next((f) => f.method === 'NOTIFY' && f.status === undefined && f.body?.event === 'presence');
      const others = (notify.body.users as Frame[]).filter((user) => user.name !== self);
      if (others.length > 0) return others;
    }
  }

  nextResponse(status: number, method?: string): Promise<Frame> {
    return this.next((f) => f.status === status && (method === undefined || f.method === method));
  }

  /** Frames received and not yet taken by next(). */
  unread(filter: (frame: Frame) => boolean = () => true): Frame[] {
    return this.#unread.filter(filter);
  }

  /**
   * Proves that nothing (but presence NOTIFYs, if allowed) arrived before now: a PUBLISH round trip
   * is ordered after everything the server sent earlier.
   */
  async assertQuiet(options: { allowPresence?: boolean } = {}): Promise<void> {
    await this.request({ method: 'PUBLISH', body: { state: 'online' } });
    const stray = this.#unread.filter((f) => !(options.allowPresence && f.method === 'NOTIFY'));
    if (stray.length > 0) throw new Error(`unexpected frames: ${JSON.stringify(stray)}`);
  }

  close(code = 1000): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code);
    return this.closed;
  }

  /** Drops the TCP connection without a close frame, as a lost network does. */
  drop(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }
}
