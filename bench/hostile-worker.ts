/**
 * The hostile clients of `npm run bench:soak`, in their own process: registered sockets sending a
 * paced mix of valid and hostile frames (tests/support/hostile-frames.ts), each coming back with its
 * resume token when the server closes it, beside open-register-close churn. Bounded in count and time.
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { MAX_FRAME_BYTES, SUBPROTOCOL } from '../common/protocol.js';
import { hostileFrame, validFrame, type HostileFrame } from '../tests/support/hostile-frames.js';
import type { HostileCommand, HostileReply, LoadPlan, LoadReport } from './ipc.js';

/** Distinct frames generated; the load cycles through them. */
const POOL_SIZE = 5_000;
/** How far the pacer may catch up in one tick when the process fell behind. */
const MAX_CATCH_UP = 50;
const CHURN_HOLD_MS = 1_000;
const STEP_TIMEOUT_MS = 5_000;

interface PooledFrame {
  frame: HostileFrame;
  valid: boolean;
  /** The server closes the socket for it: a binary frame, or one over 64 KiB. */
  closer: boolean;
}

const churnName = (index: number, plan: LoadPlan): string => `soak-churn-${String(index % plan.churnNames).padStart(2, '0')}`;

/** The frames in a fixed shuffled order: validShare of them valid, the rest hostile. */
function framePool(plan: LoadPlan): PooledFrame[] {
  const names = [...plan.honestNames, ...Array.from({ length: plan.churnNames }, (_, i) => churnName(i, plan))];
  const targets = { callIds: [plan.honestCallId, 'soak-hostile-call-1', 'soak-hostile-call-2'], names };
  const validCount = Math.round(POOL_SIZE * plan.validShare);
  const pooled = (valid: boolean) => (frame: HostileFrame): PooledFrame => ({
    frame,
    valid,
    closer: frame.kind === 'binary' || Buffer.byteLength(frame.text) > MAX_FRAME_BYTES,
  });
  const frames = [
    ...fc.sample(validFrame(targets), { numRuns: validCount, seed: plan.seed }).map(pooled(true)),
    ...fc.sample(hostileFrame(targets), { numRuns: POOL_SIZE - validCount, seed: plan.seed + 1 }).map(pooled(false)),
  ];
  const [shuffled] = fc.sample(fc.shuffledSubarray(frames, { minLength: frames.length }), { numRuns: 1, seed: plan.seed + 2 });
  return shuffled ?? frames;
}

function emptyReport(): LoadReport {
  return { sent: 0, sentBytes: 0, valid: 0, closers: 0, elapsedMs: 0, received: 0, closeCodes: {}, reconnects: 0, churnCycles: 0, churnFailures: 0, firstError: null };
}

/** One registered attacker: sends only once registered; reconnects (with its resume token) when closed. */
class Attacker {
  #ws: WebSocket | null = null;
  #registered = false;
  #resume: string | null = null;
  #stopping = false;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly report: LoadReport,
  ) {}

  get ready(): boolean {
    return this.#registered && this.#ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    const ws = new WebSocket(this.url, SUBPROTOCOL);
    this.#ws = ws;
    this.#registered = false;
    ws.on('open', () => ws.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name: this.name, ...(this.#resume ? { resume: this.#resume } : {}) } })));
    ws.on('message', (data) => {
      this.report.received += 1;
      if (this.#registered) return;
      const answer = JSON.parse(data.toString()) as { status?: number; reason?: string; body?: { resume?: string } };
      if (answer.status === 200 && answer.body?.resume) {
        this.#registered = true;
        this.#resume = answer.body.resume;
      } else {
        this.report.firstError ??= `${this.name} REGISTER: ${answer.status} ${answer.reason}`;
        ws.close(1000);
      }
    });
    ws.on('error', (error) => {
      this.report.firstError ??= `${this.name}: ${error.message}`;
    });
    ws.on('close', (code) => {
      if (this.#stopping) return;
      this.report.closeCodes[code] = (this.report.closeCodes[code] ?? 0) + 1;
      this.report.reconnects += 1;
      setTimeout(() => this.connect(), 20);
    });
  }

  send(frame: HostileFrame): void {
    this.#ws?.send(frame.kind === 'binary' ? frame.bytes : frame.text);
  }

  /** Closes with 1000, so the server unregisters the name at once. */
  stop(): Promise<void> {
    this.#stopping = true;
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return closed(ws);
  }
}

/** Closes cleanly, or drops the socket if the close does not finish in time. */
function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), STEP_TIMEOUT_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000);
  });
}

/**
 * One open-register-(publish dnd)-close cycle under a rotating name; anyone may INVITE it meanwhile.
 * `open` holds the cycle's socket until it closes; the load takes it out to close it at the end.
 */
function churnCycle(plan: LoadPlan, index: number, report: LoadReport, open: Set<WebSocket>): void {
  const ws = new WebSocket(plan.url, SUBPROTOCOL);
  open.add(ws);
  let ok = false;
  let failed = false;
  const fail = (why: string): void => {
    // A socket no longer in `open` is being closed because the load is over: that is no failure.
    if (failed || !open.has(ws)) return;
    failed = true;
    report.churnFailures += 1;
    report.firstError ??= `churn ${churnName(index, plan)}: ${why}`;
    ws.terminate();
  };
  const timer = setTimeout(() => fail('no REGISTER answer in time'), STEP_TIMEOUT_MS);
  ws.on('open', () => ws.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name: churnName(index, plan) } })));
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { method?: string; status?: number; reason?: string; from?: string };
    // Only the server's own answer counts: an attacker in a dialog with this client may relay it a forged one.
    if (message.method !== 'REGISTER' || message.status === undefined || message.from !== undefined) return;
    clearTimeout(timer);
    if (message.status !== 200) return fail(`REGISTER ${message.status} ${message.reason}`);
    ok = true;
    if (index % 2 === 1) ws.send(JSON.stringify({ method: 'PUBLISH', cseq: 2, body: { state: 'dnd' } }));
    setTimeout(() => ws.close(1000), CHURN_HOLD_MS);
  });
  ws.on('error', (error) => fail(error.message));
  ws.on('close', () => {
    clearTimeout(timer);
    const ownClose = open.delete(ws);
    if (ok && ownClose) report.churnCycles += 1;
  });
}

async function load(plan: LoadPlan): Promise<LoadReport> {
  const report = emptyReport();
  const pool = framePool(plan);
  const attackers = Array.from({ length: plan.sockets }, (_, i) => new Attacker(`soak-attacker-${i}`, plan.url, report));
  for (const attacker of attackers) attacker.connect();
  const churning = new Set<WebSocket>();
  let churnIndex = 0;
  const churn = setInterval(() => churnCycle(plan, churnIndex++, report, churning), 1000 / plan.churnPerSecond);

  const started = performance.now();
  let turn = 0;
  const nextReady = (): Attacker | null => {
    for (let tries = 0; tries < attackers.length; tries += 1) {
      const attacker = attackers[turn++ % attackers.length];
      if (attacker?.ready) return attacker;
    }
    return null;
  };
  await new Promise<void>((resolve) => {
    const pacer = setInterval(() => {
      const elapsed = performance.now() - started;
      if (report.sent >= plan.total || elapsed >= plan.maxMs) {
        clearInterval(pacer);
        resolve();
        return;
      }
      const due = Math.min(MAX_CATCH_UP, Math.min(plan.total, Math.floor((elapsed * plan.perSecond) / 1000)) - report.sent);
      for (let i = 0; i < due; i += 1) {
        const attacker = nextReady();
        if (!attacker) break;
        const pooled = pool[report.sent % pool.length] as PooledFrame;
        attacker.send(pooled.frame);
        report.sent += 1;
        report.sentBytes += pooled.frame.kind === 'binary' ? pooled.frame.bytes.length : Buffer.byteLength(pooled.frame.text);
        if (pooled.valid) report.valid += 1;
        if (pooled.closer) report.closers += 1;
      }
    }, 5);
  });
  report.elapsedMs = performance.now() - started;
  clearInterval(churn);
  const leaving = [...churning];
  churning.clear();
  await Promise.all([...attackers.map((a) => a.stop()), ...leaving.map(closed)]);
  return report;
}

process.on('message', (raw) => {
  const command = raw as HostileCommand;
  load(command.plan).then(
    (report) => process.send?.({ kind: 'loaded', reqId: command.reqId, report } satisfies HostileReply),
    (error: unknown) => process.send?.({ kind: 'failed', reqId: command.reqId, error: String(error) } satisfies HostileReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ kind: 'ready' } satisfies HostileReply);
