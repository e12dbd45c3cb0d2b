/**
 * A process of simulated LeanPhone clients, driven over IPC by the orchestrator (bench/server.ts):
 * registers them, tracks presence, sets up calls in pairs and streams trickle-ICE INFO messages,
 * against the real server or the bare relay. Every wait here is bounded by a timeout.
 */
import { sharedNow } from './clock.js';
import { InfoStream } from './info-stream.js';
import type { Counter, Pair, Target, WorkerCommand, WorkerReply } from './ipc.js';
import { Fleet, newCall, send, settleOf, whenOpen, type Client } from './sim-client.js';
import { pool, until } from './waits.js';

const OFFER_SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

const stream = new InfoStream();
const fleet = new Fleet(stream.take);

type Command<K extends WorkerCommand['kind']> = Extract<WorkerCommand, { kind: K }>;

const counter = (values: number[]): Counter => ({
  count: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  max: values.reduce((a, b) => Math.max(a, b), 0),
});

const registerRequest = (client: Client): object => ({ method: 'REGISTER', cseq: 1, body: { name: client.name } });

async function register(command: Command<'register'>): Promise<WorkerReply> {
  const deadline = Date.now() + command.timeoutMs;
  const errors = await pool(command.names, command.concurrency, async (name) => {
    const left = deadline - Date.now();
    if (left <= 0) return `${name}: not started before the deadline`;
    const client = fleet.open(command.target, name, command.tracking, command.expectedOthers, null);
    const opened = await whenOpen(client, left);
    if (opened) return opened;
    return settleOf(client, () => send(client, registerRequest(client)), Math.max(1, deadline - Date.now()));
  });
  const registered = [...fleet.clients.values()].filter((c) => c.registered);
  return {
    kind: 'registered',
    reqId: command.reqId,
    ok: registered.length,
    failed: errors.length,
    firstError: errors[0] ?? null,
    lastSettledAt: sharedNow(),
    registerBytes: counter(registered.map((c) => c.registerBytes)),
  };
}

async function awaitPresence(command: Command<'awaitPresence'>): Promise<WorkerReply> {
  const all = [...fleet.clients.values()];
  await until(() => all.every((c) => !Number.isNaN(c.completeAt)), command.timeoutMs);
  const complete = all.filter((c) => !Number.isNaN(c.completeAt));
  return {
    kind: 'presence',
    reqId: command.reqId,
    complete: complete.length,
    incomplete: all.length - complete.length,
    lastCompleteAt: complete.reduce((a, c) => Math.max(a, c.completeAt), 0),
    notifyBytes: counter(all.map((c) => c.notifyBytes)),
    notifyMessages: counter(all.map((c) => c.notifyMessages)),
  };
}

async function awaitState(command: Command<'awaitState'>): Promise<WorkerReply> {
  const watchers = [...fleet.clients.values()].filter((c) => c.name !== command.name);
  const sees = (c: Client): boolean => c.presence?.get(command.name) === command.state;
  await until(() => watchers.every(sees), command.timeoutMs);
  const seen = watchers.filter(sees);
  return {
    kind: 'stateSeen',
    reqId: command.reqId,
    seen: seen.length,
    missing: watchers.length - seen.length,
    bytes: counter(seen.map((c) => c.markBytes)),
    messages: counter(seen.map((c) => c.markMessages)),
  };
}

/**
 * Callee first (on `calleeTarget`), then caller (on `target`), each registered with the server;
 * INVITE, 100, 200, ACK. A cluster node has heard of the callee by then: its claim reached every
 * node's stream before its 200.
 */
async function setUpCall(target: Target, calleeTarget: Target, pair: Pair, deadline: number): Promise<string | null> {
  const callee = fleet.open(calleeTarget, pair.callee, 'none', 0, pair.caller);
  const caller = fleet.open(target, pair.caller, 'none', 0, pair.callee);
  callee.call = { ...newCall(pair.callId, 'callee'), peer: caller };
  caller.call = { ...newCall(pair.callId, 'caller'), peer: callee };
  const left = (): number => Math.max(1, deadline - Date.now());
  for (const client of [callee, caller]) {
    const opened = await whenOpen(client, left());
    if (opened) return opened;
    if (client.flavour === 'server') {
      const registered = await settleOf(client, () => send(client, registerRequest(client)), left());
      if (registered) return registered;
    }
  }
  const invite = {
    method: 'INVITE',
    cseq: 1,
    callId: pair.callId,
    to: pair.callee,
    body: { sdp: { type: 'offer', sdp: OFFER_SDP }, media: { audio: true, video: false } },
  };
  return settleOf(caller, () => send(caller, invite), left());
}

async function calls(command: Command<'calls'>): Promise<WorkerReply> {
  const deadline = Date.now() + command.timeoutMs;
  const errors = await pool(command.pairs, command.concurrency, (pair) => setUpCall(command.target, command.calleeTarget ?? command.target, pair, deadline));
  return { kind: 'callsUp', reqId: command.reqId, ok: command.pairs.length - errors.length, failed: errors.length, firstError: errors[0] ?? null };
}

const named = (prefix = ''): Client[] => [...fleet.clients.values()].filter((c) => c.name.startsWith(prefix));

function status(command: Command<'status'>): WorkerReply {
  const chosen = named(command.namePrefix);
  const closeCodes: Record<string, number> = {};
  for (const c of chosen) if (c.unexpectedClose !== null) closeCodes[c.unexpectedClose] = (closeCodes[c.unexpectedClose] ?? 0) + 1;
  return {
    kind: 'status',
    reqId: command.reqId,
    open: chosen.filter((c) => c.ws.readyState === c.ws.OPEN).length,
    unexpectedCloses: chosen.filter((c) => c.unexpectedClose !== null).length,
    closeCodes,
    errors: chosen.reduce((n, c) => n + c.errors, 0),
  };
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.kind) {
    case 'register':
      return register(command);
    case 'awaitPresence':
      return awaitPresence(command);
    case 'mark':
      for (const c of fleet.clients.values()) {
        c.markBytes = 0;
        c.markMessages = 0;
      }
      return { kind: 'done', reqId: command.reqId };
    case 'publish': {
      const client = fleet.clients.get(command.name);
      if (!client) throw new Error(`no client ${command.name} here`);
      send(client, { method: 'PUBLISH', cseq: client.nextCseq, body: { state: command.state } });
      client.nextCseq += 1;
      return { kind: 'done', reqId: command.reqId };
    }
    case 'awaitState':
      return awaitState(command);
    case 'calls':
      return calls(command);
    case 'stream': {
      const streaming = named(command.namePrefix);
      const figures = await stream.run(streaming, command.mode, command.warmupMs, command.measureMs);
      return { kind: 'streamed', reqId: command.reqId, ...figures };
    }
    case 'status':
      return status(command);
    case 'closeAll':
      await fleet.closeAll();
      return { kind: 'done', reqId: command.reqId };
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

process.on('message', (raw) => {
  const command = raw as WorkerCommand;
  handle(command).then(
    (answer) => process.send?.(answer),
    (error: unknown) => process.send?.({ kind: 'failed', reqId: command.reqId, error: String(error) } satisfies WorkerReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ kind: 'ready' } satisfies WorkerReply);
