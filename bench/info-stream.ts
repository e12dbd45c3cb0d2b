/**
 * Streams trickle-ICE INFO messages through established calls and times them: each candidate
 * string carries its send time on the shared clock, the receiving client takes the difference.
 * Paced (a fixed rate per socket) or windowed (as fast as a few in-flight messages allow).
 */
import { sharedNow } from './clock.js';
import type { StreamMode } from './ipc.js';
import type { Call, Client } from './sim-client.js';
import { until } from './waits.js';

const TS_MARK = ' ts ';

type Sender = Client & { call: Call };

export interface StreamFigures {
  sent: number;
  received: number;
  receivedInWindow: number;
  latencies: Float64Array;
  outOfOrder: number;
}

export class InfoStream {
  #windowStart = 0;
  #windowEnd = 0;
  #received = 0;
  #receivedInWindow = 0;
  #outOfOrder = 0;
  #latencies: number[] = [];
  #onDelivered: ((sender: Call) => void) | null = null;

  /** The fleet's sink: takes a frame that carries a send time; false for any other frame. */
  readonly take = (client: Client, text: string): boolean => {
    const mark = text.lastIndexOf(TS_MARK);
    if (mark < 0) return false;
    const at = sharedNow();
    const sentAt = Number.parseFloat(text.slice(mark + TS_MARK.length));
    const cseq = Number.parseInt(text.slice(text.indexOf('"cseq":') + 7), 10);
    const call = client.call;
    const sender = call?.peer?.call;
    if (!call || !sender) return true;
    if (cseq <= call.lastSeenCseq) this.#outOfOrder += 1;
    call.lastSeenCseq = cseq;
    sender.inflight -= 1;
    this.#received += 1;
    if (at >= this.#windowStart && at < this.#windowEnd) this.#receivedInWindow += 1;
    if (sentAt >= this.#windowStart && sentAt < this.#windowEnd) this.#latencies.push(at - sentAt);
    this.#onDelivered?.(sender);
    return true;
  };

  /** Streams from the calls that are up for warmupMs + measureMs; figures count the last measureMs. */
  async run(clients: Iterable<Client>, mode: StreamMode, warmupMs: number, measureMs: number): Promise<StreamFigures> {
    const senders = [...clients].filter((c): c is Sender => c.call !== null && c.call.up && (mode.bothDirections || c.call.role === 'caller'));
    const start = sharedNow();
    const stopAt = start + warmupMs + measureMs;
    this.#windowStart = start + warmupMs;
    this.#windowEnd = stopAt;
    this.#received = 0;
    this.#receivedInWindow = 0;
    this.#outOfOrder = 0;
    this.#latencies = [];
    let sent = 0;
    const tick = this.#pacer(mode, senders, start, stopAt, () => (sent += 1));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = sharedNow();
        if (now < stopAt) tick(now);
        else {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    this.#onDelivered = null;
    await until(() => senders.every((c) => c.call.inflight <= 0), 2_000);
    return {
      sent,
      received: this.#received,
      receivedInWindow: this.#receivedInWindow,
      latencies: Float64Array.from(this.#latencies),
      outOfOrder: this.#outOfOrder,
    };
  }

  /** The send schedule: a fixed per-socket rate (staggered), or a window of in-flight messages. */
  #pacer(mode: StreamMode, senders: Sender[], start: number, stopAt: number, counted: () => void): (now: number) => void {
    switch (mode.kind) {
      case 'paced': {
        const interval = 1000 / mode.perSocketRate;
        const offsets = senders.map((_, i) => (i / senders.length) * interval);
        const sentBefore = senders.map((c) => c.call.sent);
        return (now) => {
          senders.forEach((client, i) => {
            const due = (sentBefore[i] ?? 0) + Math.floor((now - start - (offsets[i] ?? 0)) / interval) + 1;
            while (client.call.sent < due) {
              sendInfo(client);
              counted();
            }
          });
        };
      }
      case 'window': {
        const interval = mode.perSocketCap === null ? 0 : 1000 / mode.perSocketCap;
        const bySender = new Map(senders.map((c) => [c.call, c]));
        const trySend = (call: Call, now: number): void => {
          const client = bySender.get(call);
          if (!client || now >= stopAt) return;
          while (call.inflight < mode.window && now >= call.nextSendAt) {
            sendInfo(client);
            counted();
            if (interval > 0) call.nextSendAt = Math.max(call.nextSendAt, now) + interval;
          }
        };
        this.#onDelivered = (call) => trySend(call, sharedNow());
        return (now) => {
          for (const client of senders) trySend(client.call, now);
        };
      }
      default: {
        const never: never = mode;
        throw new Error(`unknown stream mode ${JSON.stringify(never)}`);
      }
    }
  }
}

function sendInfo(client: Sender): void {
  const { call } = client;
  const now = sharedNow();
  const candidate = `candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host generation 0${TS_MARK}${now.toFixed(3)}`;
  const cseq = call.nextCseq;
  call.nextCseq += 1;
  call.sent += 1;
  call.inflight += 1;
  client.ws.send(`{"method":"INFO","cseq":${cseq},"callId":"${call.callId}","body":{"candidate":{"candidate":"${candidate}","sdpMid":"0","sdpMLineIndex":0}}}`);
}
