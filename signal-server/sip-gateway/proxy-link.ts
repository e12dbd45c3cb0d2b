/**
 * The gateway's one WebSocket (RFC 7118, subprotocol `sip`) to the SIP proxy: sip.js's transport,
 * kept open. When it drops the gateway hears `down`, and it tries again after a wait that doubles
 * from `reconnectMs` up to `maxReconnectMs`; `up` each time it opens.
 */
import WebSocket from 'ws';
import type { Transport } from 'sip.js/lib/core/index.js';

export interface ProxyLinkConfig {
  url: string;
  reconnectMs: number;
  maxReconnectMs: number;
}

export interface ProxyLinkEvents {
  up(): void;
  down(why: string): void;
  message(text: string): void;
}

export class ProxyLink implements Transport {
  readonly protocol = 'WS';
  readonly #config: ProxyLinkConfig;
  readonly #events: ProxyLinkEvents;
  #ws: WebSocket | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #waitMs: number;
  #stopped = false;

  constructor(config: ProxyLinkConfig, events: ProxyLinkEvents) {
    this.#config = config;
    this.#events = events;
    this.#waitMs = config.reconnectMs;
  }

  get isUp(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.#open();
  }

  send(message: string): Promise<void> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('SIP proxy not connected'));
    return new Promise((resolve, reject) => ws.send(message, (error) => (error ? reject(error) : resolve())));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#ws?.terminate();
    this.#ws = null;
  }

  #open(): void {
    const ws = new WebSocket(this.#config.url, 'sip', { perMessageDeflate: false, maxPayload: 64 * 1024 });
    this.#ws = ws;
    ws.on('open', () => {
      this.#waitMs = this.#config.reconnectMs;
      this.#events.up();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#events.message(data.toString());
    });
    ws.on('error', () => undefined); // the close that follows says it
    ws.on('close', (code) => {
      if (this.#ws !== ws || this.#stopped) return;
      this.#ws = null;
      this.#events.down(`closed ${code}`);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.#open();
      }, this.#waitMs);
      this.#waitMs = Math.min(this.#waitMs * 2, this.#config.maxReconnectMs);
    });
  }
}
