/**
 * One schema per message type, and the single parser that applies them. Everything that crosses
 * the wire is parsed here first; what comes out is typed, normalised and stripped of unknown
 * fields, so nothing unvalidated is ever relayed.
 */
import { z } from 'zod';
import {
  CALL_ID_PATTERN,
  DIAL_TARGET_PATTERN,
  MAX_FRAME_BYTES,
  MAX_HISTORY_LIMIT,
  MAX_QUERY_LENGTH,
  MAX_RECEIPT_IDS,
  MESSAGE_ID_PATTERN,
  METHODS,
  nameProblem,
  normalizeName,
  OWNER_KEY_PATTERN,
  type IceCandidate,
  type Message,
  type Method,
  type Request,
  type Response,
} from './protocol.js';

const cseq = z.number().int().positive().max(2 ** 31 - 1);
const callId = z.string().regex(CALL_ID_PATTERN, 'callId must be 8 to 64 characters of A-Z a-z 0-9 _ -');
/** A name, normalised; with `dialTarget`, a SIP address or digits (an INVITE's callee) pass as written. */
const nameLike = (dialTarget: boolean) =>
  z
    .string()
    .max(256, 'name is longer than 32 characters')
    .transform((value) => (dialTarget && DIAL_TARGET_PATTERN.test(value) ? value : normalizeName(value)))
    .superRefine((value, ctx) => {
      const problem = dialTarget && DIAL_TARGET_PATTERN.test(value) ? null : nameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
const name = nameLike(false);
/** A SEARCH query: empty (watch no one), or what could begin a name, normalised as names are. */
const query = z
  .string()
  .max(4 * MAX_QUERY_LENGTH, `query is longer than ${MAX_QUERY_LENGTH} characters`)
  .transform(normalizeName)
  .superRefine((value, ctx) => {
    const problem = value === '' ? null : nameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.replace(/^name/, 'query') });
  });
const sdp = (type: 'offer' | 'answer') =>
  z.object({ type: z.literal(type), sdp: z.string().min(1).max(60_000) });
const shortText = z.string().max(128).regex(/^[^\p{Cc}]*$/u, 'text may not hold control characters');

const candidate = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

/** A message's text: any Unicode but control characters other than tab and newline (it is shown as text, never as markup). */
const MESSAGE_TEXT_PATTERN = /^(?:[^\p{Cc}]|[\t\n])*$/u;
const messageText = z
  .string()
  .min(1, 'text is empty')
  .max(MAX_FRAME_BYTES)
  .regex(MESSAGE_TEXT_PATTERN, 'text may not hold control characters but tab and newline');
const messageId = z.string().regex(MESSAGE_ID_PATTERN, 'id must be 8 to 64 characters of A-Z a-z 0-9 _ -');

const common = { cseq, from: z.unknown().optional() };
const inDialog = { ...common, callId };

export const requestSchemas = {
  REGISTER: z.object({
    ...common,
    body: z.object({
      name,
      passcode: z.string().max(256).optional(),
      resume: z.string().max(128).optional(),
      ownerKey: z.string().regex(OWNER_KEY_PATTERN, 'ownerKey must be 32 to 128 characters of A-Z a-z 0-9 _ -').optional(),
    }),
  }),
  PUBLISH: z.object({ ...common, body: z.object({ state: z.enum(['online', 'dnd']), inCall: z.boolean().optional() }) }),
  NOTIFY: z
    .object({
      ...common,
      callId: callId.optional(),
      body: z.discriminatedUnion('event', [
        z.object({
          event: z.literal('presence'),
          users: z.array(z.object({ name: z.string(), state: z.enum(['online', 'busy', 'dnd', 'offline']) })),
        }),
        z.object({ event: z.literal('refer'), status: z.number().int().min(100).max(699) }),
        z.object({ event: z.literal('receipt'), state: z.enum(['delivered', 'read']), ids: z.array(messageId).min(1).max(MAX_RECEIPT_IDS) }),
      ]),
    })
    .refine((notify) => notify.body.event !== 'refer' || notify.callId !== undefined, { path: ['callId'], message: 'is required' }),
  INVITE: z.object({
    ...inDialog,
    to: nameLike(true).optional(),
    body: z.object({
      sdp: sdp('offer'),
      media: z.object({ audio: z.boolean(), video: z.boolean() }),
      // Only the id and the call it grows from: `members` is the server's to say.
      conference: z.object({ id: callId, from: callId.optional() }).optional(),
      referral: callId.optional(),
    }),
  }),
  ACK: z.object(inDialog),
  // A CANCEL's body ("Answered elsewhere", ring groups) and an INVITE's `group` are the server's
  // to send: from a client they are dropped like any unknown field.
  CANCEL: z.object(inDialog),
  BYE: z.object({ ...inDialog, body: z.object({ reason: shortText }).optional() }),
  INFO: z.object({ ...inDialog, body: z.object({ candidate: candidate.nullable() }) }),
  REFER: z.object({ ...inDialog, body: z.object({ target: name, replaces: callId.optional() }) }),
  MESSAGE: z.object({ ...common, to: name, body: z.object({ text: messageText }) }),
  VOICEMAIL: z
    .object({ ...common, to: name.optional(), body: z.object({ ticket: z.enum(['upload', 'mailbox']) }) })
    .refine((request) => (request.body.ticket === 'upload') === (request.to !== undefined), {
      path: ['to'],
      message: 'is required for an upload ticket, and only for one',
    }),
  HISTORY: z.object({
    ...common,
    to: name,
    body: z.object({ before: messageId.optional(), limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).optional() }),
  }),
  SEARCH: z.object({ ...common, body: z.object({ query }) }),
} satisfies Record<Method, z.ZodType>;

const responseSchema = z.object({
  status: z.number().int().min(100).max(699),
  reason: shortText,
  method: z.enum(METHODS),
  cseq,
  callId,
  from: z.unknown().optional(),
  body: z.object({ sdp: sdp('answer') }).optional(),
});

export type ParseResult =
  | { ok: true; message: Message }
  | { ok: false; status: 400 | 501; reason: string; method?: string; cseq?: number };

/**
 * What a refusal of `record` echoes of it. Made only for a refusal: built from spreads of objects of
 * varying shapes, each echo got a hidden class of its own from Node 20's V8, in the old generation.
 */
function echoed(record: Record<string, unknown>): { method?: string; cseq?: number } {
  return {
    ...(typeof record.method === 'string' && record.method.length <= 32 ? { method: record.method } : {}),
    ...(isCseq(record.cseq) ? { cseq: record.cseq } : {}),
  };
}

/** Parses one text frame. Never throws. */
export function parseMessage(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, reason: 'Message is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, status: 400, reason: 'Message is not a JSON object' };
  }
  const record = raw as Record<string, unknown>;

  if ('status' in record) {
    const parsed = responseSchema.safeParse(record);
    if (!parsed.success) return { ok: false, status: 400, reason: describe(parsed.error), ...echoed(record) };
    const { from: _ignored, ...response } = parsed.data;
    return { ok: true, message: dropUndefined(response) as Response };
  }

  if (typeof record.method !== 'string') {
    return { ok: false, status: 400, reason: 'method must be a string', ...echoed(record) };
  }
  if (!isMethod(record.method)) {
    const echo = echoed(record);
    return { ok: false, status: 501, reason: `Method ${echo.method ?? ''} is not implemented`.trim(), ...echo };
  }
  const fast = readByHand(record.method, record);
  if (fast !== null) return { ok: true, message: fast };
  const parsed = requestSchemas[record.method].safeParse(record);
  if (!parsed.success) return { ok: false, status: 400, reason: describe(parsed.error), ...echoed(record) };
  const { from: _ignored, ...request } = parsed.data as Record<string, unknown>;
  return { ok: true, message: dropUndefined({ method: record.method, ...request }) as Request };
}

/**
 * The busiest requests are read by hand first, without the schema's overhead: INFO (the trickled
 * ICE candidates, most in-dialog traffic), MESSAGE and the receipts each message brings back. Each
 * reader accepts exactly what its schema accepts, and reads it the same (tests/unit/schema-fast.test.ts
 * holds them together); on anything else it answers null and the schema gives the reason.
 */
export function readByHand(method: Method, record: Record<string, unknown>): Request | null {
  switch (method) {
    case 'INFO':
      return readInfo(record);
    case 'MESSAGE':
      return readMessage(record);
    case 'NOTIFY':
      return readReceipt(record);
    default:
      return null;
  }
}

function readInfo(record: Record<string, unknown>): Request | null {
  const { cseq: sequence, callId: id, body } = record;
  if (!isCseq(sequence) || typeof id !== 'string' || !CALL_ID_PATTERN.test(id) || !isRecord(body)) return null;
  const candidate = body.candidate;
  if (candidate === null) return { method: 'INFO', cseq: sequence, callId: id, body: { candidate: null } };
  if (!isRecord(candidate) || typeof candidate.candidate !== 'string' || candidate.candidate.length > 1024) return null;
  const { sdpMid, sdpMLineIndex, usernameFragment } = candidate;
  if (!isOptionalText(sdpMid, 64) || !isOptionalText(usernameFragment, 256)) return null;
  if (sdpMLineIndex !== undefined && sdpMLineIndex !== null && !(Number.isInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0 && (sdpMLineIndex as number) <= 255)) {
    return null;
  }
  const read: Record<string, unknown> = { candidate: candidate.candidate };
  if (sdpMid !== undefined) read.sdpMid = sdpMid;
  if (sdpMLineIndex !== undefined) read.sdpMLineIndex = sdpMLineIndex;
  if (usernameFragment !== undefined) read.usernameFragment = usernameFragment;
  return { method: 'INFO', cseq: sequence, callId: id, body: { candidate: read as unknown as IceCandidate } };
}

function readMessage(record: Record<string, unknown>): Request | null {
  const { cseq: sequence, to, body } = record;
  if (!isCseq(sequence) || typeof to !== 'string' || to.length > 256 || !isRecord(body)) return null;
  const text = body.text;
  if (typeof text !== 'string' || text.length < 1 || text.length > MAX_FRAME_BYTES || !MESSAGE_TEXT_PATTERN.test(text)) return null;
  const normalized = acceptedName(to);
  if (normalized === null) return null;
  return { method: 'MESSAGE', cseq: sequence, to: normalized, body: { text } };
}

/**
 * Names as written, normalised, that were found acceptable: a host reads the same few in the `to`
 * of every MESSAGE, and checking one (its scripts word by word) cost more than the rest of the
 * frame's reading. Emptied when full; a spelling longer than any name could be (padded with
 * spaces, say) is checked each time, so the memory stays small.
 */
const accepted = new Map<string, string>();
const MAX_ACCEPTED = 10_000;
const MAX_ACCEPTED_LENGTH = 64;

/** `raw` normalised, when that is an acceptable name; else null. */
function acceptedName(raw: string): string | null {
  const known = accepted.get(raw);
  if (known !== undefined) return known;
  const normalized = normalizeName(raw);
  if (nameProblem(normalized) !== null) return null;
  if (raw.length > MAX_ACCEPTED_LENGTH) return normalized;
  if (accepted.size >= MAX_ACCEPTED) accepted.clear();
  accepted.set(raw, normalized);
  return normalized;
}

/** A NOTIFY of event `receipt` only; the others are rare and left to the schema. */
function readReceipt(record: Record<string, unknown>): Request | null {
  const { cseq: sequence, callId: id, body } = record;
  if (!isCseq(sequence) || !isRecord(body) || body.event !== 'receipt') return null;
  if (id !== undefined && (typeof id !== 'string' || !CALL_ID_PATTERN.test(id))) return null;
  const { state, ids } = body;
  if (state !== 'delivered' && state !== 'read') return null;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_RECEIPT_IDS) return null;
  if (!ids.every((each) => typeof each === 'string' && MESSAGE_ID_PATTERN.test(each))) return null;
  const receipt = { event: 'receipt', state, ids: [...ids] as string[] } as const;
  return id === undefined ? { method: 'NOTIFY', cseq: sequence, body: receipt } : { method: 'NOTIFY', cseq: sequence, callId: id, body: receipt };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCseq = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 2 ** 31 - 1;
const isOptionalText = (value: unknown, max: number): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.length <= max);

const isMethod = (value: string): value is Method => (METHODS as readonly string[]).includes(value);

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Malformed message';
  const path = issue.path.join('.');
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return path ? `${path}: ${message}` : message;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
