/**
 * fast-check arbitraries for what a hostile client sends a LeanPhone signalling server: valid
 * messages of every kind with fields mutated, text that is almost JSON, and frames the transport
 * refuses. Shared by the fuzz test (tests/server/fuzz.test.ts) and the soak bench (bench/soak.ts).
 */
import fc from 'fast-check';
import { MAX_FRAME_BYTES, METHODS } from '../../common/protocol.js';

/** What an attacker aims at: the callIds of live calls (and its own), and the honest users' names. */
export interface Targets {
  callIds: readonly string[];
  names: readonly string[];
}

export type HostileFrame = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

type Fields = Record<string, unknown>;

const OFFER = { sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' }, media: { audio: true, video: false } };
const ANSWER = { sdp: { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n' } };
const CANDIDATE = { candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.9 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } };

/**
 * A value that JSON.stringify writes as a marker, replaced afterwards by `depth` nested arrays or
 * objects: deep nesting is built as text, since building it as objects would overflow the stack here.
 */
class DeepNesting {
  constructor(
    readonly depth: number,
    readonly shape: '[' | '{',
  ) {}

  toJSON(): string {
    return `\u0000deep:${this.depth}:${this.shape}`;
  }
}

const DEEP_MARKER = /"\\u0000deep:(\d+):([[{])"/g;

function expandDeep(json: string): string {
  return json.replace(DEEP_MARKER, (_, depth: string, shape: string) => {
    const n = Number(depth);
    return shape === '[' ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });
}

/** Strings that parsers, loggers and screens get wrong. */
const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u001b[2J\u001b[H',
    '\r\nX-Injected: 1',
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '\u202egnp.exe',
    '\u200b\u200c\u200d\ufeff',
    '\ud800',
    '\udfff\ud800',
    '💩'.repeat(8),
    '../../etc/passwd',
    '%00%0d%0a',
    '${7*7}{{7*7}}',
    '__proto__',
    'constructor',
  ),
  // About 10 KB of one short unit, repeated.
  fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min: 2_000, max: 10_240 })).map(([unit, length]) =>
    unit.repeat(Math.ceil(length / unit.length)).slice(0, length),
  ),
);

/** Numbers at and past every edge a cseq or a status has; NaN and Infinity travel as null. */
const extremeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, 5e-324, Number.NaN, Number.POSITIVE_INFINITY),
  fc.integer(),
  fc.double(),
);

/**
 * Names aimed at a user: the honest names, spelt so that they normalise to them or almost do, and
 * junk. A name to register with and a name to address a message to are drawn from apart (homoglyphs
 * and random names starting with S, against fullwidth forms and random names starting with T), so
 * that no attacker can register a name another attacker then calls, today or under NFKC.
 */
function nameValue(targets: Targets, use: 'register' | 'address'): fc.Arbitrary<unknown> {
  const honest = fc.constantFrom(...targets.names);
  const shared = [
    honest.map((name) => name.toUpperCase()),
    honest.map((name) => `  ${name.toLowerCase()}\t`),
    honest.map((name) => `${name}\u200b`),
    honest.map((name) => `${name}\u0000`),
    nastyString,
    fc.constantFrom(null, 42, ['Ada'], { name: 'Ada' }, true),
  ];
  const own =
    use === 'register'
      ? [honest.map((name) => name.replace(/[AaBeOo]/g, (c) => HOMOGLYPHS[c] ?? c)), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((s) => `S${s}`)]
      : [honest.map(fullwidth), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((s) => `T${s}`)];
  return fc.oneof({ weight: 4, arbitrary: honest }, ...shared, ...own);
}

/** Cyrillic letters drawn like Latin ones. */
const HOMOGLYPHS: Readonly<Record<string, string>> = { A: '\u0410', a: '\u0430', B: '\u0412', e: '\u0435', O: '\u041e', o: '\u043e' };

/** Fullwidth forms (U+FF01 to U+FF5E), which NFKC turns back into ASCII. */
const fullwidth = (name: string): string =>
  [...name].map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0) : c)).join('');

function callIdValue(targets: Targets): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...targets.callIds) },
    fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
    fc.constantFrom(...targets.callIds).map((id) => `${id} `),
    fc.constantFrom(...targets.callIds).map((id) => id.toUpperCase()),
    nastyString,
    extremeNumber,
    fc.constantFrom(null, [], {}),
  );
}

/** Objects whose keys try to reach Object.prototype once parsed (JSON.parse makes them own keys). */
const pollution = fc
  .constantFrom(
    '{"__proto__":{"polluted":"yes","status":200,"isAdmin":true}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"__proto__":{"__proto__":{"polluted":"yes"}},"candidate":null}',
    '{"sdp":{"__proto__":{"type":"offer"},"sdp":"x"},"media":{"__proto__":{"audio":true}}}',
  )
  .map((text) => JSON.parse(text) as unknown);

function bodyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(OFFER, ANSWER, CANDIDATE, { candidate: null }, { state: 'dnd' }, { reason: 'Peer lost' }),
    fc.record({ candidate: fc.record({ candidate: nastyString, sdpMid: fc.oneof(nastyString, fc.constant(null)), sdpMLineIndex: fc.oneof(extremeNumber, fc.constant(null)) }) }),
    fc.record({ sdp: fc.record({ type: fc.constantFrom('offer', 'answer', 'pranswer', 'rollback'), sdp: nastyString }), media: fc.constant({ audio: true, video: true }) }),
    pollution,
    nastyString,
    fc.tuple(fc.integer({ min: 1, max: 30_000 }), fc.constantFrom<'[' | '{'>('[', '{')).map(
      ([depth, shape]) => new DeepNesting(shape === '{' ? Math.min(depth, 9_000) : depth, shape),
    ),
  );
}

/** Valid messages of every kind the protocol has, aimed at the targets. */
function validMessage(targets: Targets): fc.Arbitrary<Fields> {
  const callId = fc.constantFrom(...targets.callIds);
  const cseq = fc.integer({ min: 1, max: 64 });
  const to = fc.constantFrom(...targets.names);
  const request = (method: string, body?: fc.Arbitrary<unknown>): fc.Arbitrary<Fields> => {
    const head = { method: fc.constant(method), cseq, callId, to };
    return body ? fc.record({ ...head, body }) : fc.record(head);
  };
  const response = (status: number, method: string, body?: unknown): fc.Arbitrary<Fields> =>
    fc.record({ status: fc.constant(status), reason: fc.constant('OK'), method: fc.constant(method), cseq, callId, ...(body ? { body: fc.constant(body) } : {}) });
  return fc.oneof(
    request('INVITE', fc.constant(OFFER)),
    request('INFO', fc.constantFrom(CANDIDATE, { candidate: null })),
    request('BYE', fc.constant({ reason: 'Peer left' })),
    request('ACK'),
    request('CANCEL'),
    response(100, 'INVITE'),
    response(180, 'INVITE'),
    response(200, 'INVITE', ANSWER),
    response(486, 'INVITE'),
    response(200, 'BYE'),
    response(200, 'CANCEL'),
    response(401, 'REGISTER'),
    fc.record({ method: fc.constant('PUBLISH'), cseq, body: fc.record({ state: fc.constantFrom('online', 'dnd') }) }),
    fc.record({ method: fc.constant('NOTIFY'), cseq, body: fc.record({ event: fc.constant('presence'), users: fc.constant([{ name: targets.names[0], state: 'offline' }]) }) }),
    fc.record({ method: fc.constant('REGISTER'), cseq, body: fc.record({ name: nameValue(targets, 'register'), resume: fc.base64String({ maxLength: 32 }) }, { requiredKeys: ['name'] }) }),
  );
}

type Mutation = readonly [key: string, value: unknown];

function mutation(targets: Targets): fc.Arbitrary<Mutation> {
  const set = (key: string, value: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> => value.map((v) => [key, v] as const);
  return fc.oneof(
    set('callId', callIdValue(targets)),
    set('cseq', extremeNumber),
    set('method', fc.oneof(fc.constantFrom(...METHODS), fc.constantFrom('SUBSCRIBE', 'invite', 'INVITE ', '', '__proto__', 'constructor', 'toString'), nastyString, extremeNumber)),
    set('status', fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.constantFrom(100, 180, 200, 401, 481, 486, 603, 699, 700), extremeNumber)),
    set('to', nameValue(targets, 'address')),
    set('from', nameValue(targets, 'address')),
    set('body', bodyValue()),
    set('reason', nastyString),
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'), fc.oneof(pollution, fc.jsonValue({ maxDepth: 2 }))),
    fc.constantFrom('callId', 'cseq', 'method', 'body', 'status', 'reason').map((key) => [key, undefined] as const),
  );
}

/** Sets own properties, `__proto__` included, so JSON.stringify writes every key. */
function mutate(base: Fields, mutations: readonly Mutation[]): Fields {
  const fields: Fields = { ...base };
  for (const [key, value] of mutations) {
    if (value === undefined) delete fields[key];
    else Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return fields;
}

/** How mutated fields become text: as JSON, cut short, or with a key written twice. */
type Encoding =
  | { kind: 'json' }
  | { kind: 'truncated'; keep: number }
  | { kind: 'duplicateKey'; key: string; value: unknown; first: boolean };

function encode(fields: Fields, encoding: Encoding): string {
  const json = expandDeep(JSON.stringify(fields));
  switch (encoding.kind) {
    case 'json':
      return json;
    case 'truncated':
      return json.slice(0, Math.floor(json.length * encoding.keep));
    case 'duplicateKey': {
      const pair = `${JSON.stringify(encoding.key)}:${expandDeep(JSON.stringify(encoding.value) ?? 'null')}`;
      if (json === '{}') return `{${pair}}`;
      return encoding.first ? `{${pair},${json.slice(1)}` : `${json.slice(0, -1)},${pair}}`;
    }
    default: {
      const never: never = encoding;
      throw new Error(`unknown encoding ${JSON.stringify(never)}`);
    }
  }
}

function encoding(targets: Targets): fc.Arbitrary<Encoding> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ kind: 'json' } as const) },
    fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((keep) => ({ kind: 'truncated', keep }) as const),
    fc
      .tuple(fc.constantFrom('method', 'callId', 'cseq', 'status', 'to', 'body', '__proto__'), fc.oneof(callIdValue(targets), nameValue(targets, 'address'), extremeNumber, bodyValue()), fc.boolean())
      .map(([key, value, first]) => ({ kind: 'duplicateKey', key, value, first }) as const),
  );
}

/** Text that is not a message at all. */
const junkText: fc.Arbitrary<string> = fc.oneof(
  nastyString,
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('null', '[]', '{}', '{"method":', '{"method":"INFO"}}', '1e999', '"INVITE"', '{"__proto__":null}', '{"status":"200"}', '\u0000{}'),
);

/** A valid frame, mutated or not: what an attacker sends with a real client and bad intent. */
export function mutatedMessage(targets: Targets): fc.Arbitrary<string> {
  return fc
    .tuple(validMessage(targets), fc.array(mutation(targets), { maxLength: 4 }), encoding(targets))
    .map(([base, mutations, how]) => encode(mutate(base, mutations), how));
}

/** A well-formed message of any kind, aimed at the targets: most of them the server answers 481 or 486. */
export function validFrame(targets: Targets): fc.Arbitrary<HostileFrame> {
  return validMessage(targets).map((fields) => ({ kind: 'text', text: JSON.stringify(fields) }) as const);
}

/** A REGISTER as a stranger would try it: for an honest name, a look-alike, or something else. */
export function registerAttempt(targets: Targets): fc.Arbitrary<HostileFrame> {
  return fc
    .record({ cseq: fc.integer({ min: 1, max: 64 }), name: nameValue(targets, 'register'), resume: fc.base64String({ maxLength: 32 }) }, { requiredKeys: ['cseq', 'name'] })
    .map(({ cseq, ...body }) => ({ kind: 'text', text: JSON.stringify({ method: 'REGISTER', cseq, body }) }) as const);
}

/** Any frame a hostile client may send; about one in fifty makes the server close the socket. */
export function hostileFrame(targets: Targets): fc.Arbitrary<HostileFrame> {
  const text = (arbitrary: fc.Arbitrary<string>): fc.Arbitrary<HostileFrame> => arbitrary.map((t) => ({ kind: 'text', text: t }) as const);
  return fc.oneof(
    { weight: 70, arbitrary: text(mutatedMessage(targets)) },
    { weight: 20, arbitrary: text(junkText) },
    { weight: 8, arbitrary: validFrame(targets) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ kind: 'binary', bytes }) as const) },
    { weight: 1, arbitrary: text(mutatedMessage(targets).map((t) => t.padEnd(MAX_FRAME_BYTES + 1, ' '))) },
  );
}
