/**
 * A light check of every frame the server sends before anything else sees it: the shapes this
 * phone relies on, nothing more (the server has already validated what peers sent). Kept free
 * of zod to keep the renderer bundle small. Never throws.
 */
import { CALL_ID_PATTERN, MESSAGE_ID_PATTERN, METHODS, type Message, type Method } from '../../../common/protocol.js';
import { missingCase } from '../lib/missing-case.js';

export type Checked = { ok: true; message: Message } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isCallId = (v: unknown): v is string => isStr(v) && CALL_ID_PATTERN.test(v);
const isStatus = (v: unknown): v is number => isInt(v) && v >= 100 && v <= 699;
const PRESENCE = ['online', 'busy', 'dnd', 'offline'];

function sdpProblem(v: unknown, type: 'offer' | 'answer'): string | null {
  if (!isObj(v) || v.type !== type || !isStr(v.sdp)) return `body.sdp must be an ${type}`;
  return null;
}

function usersProblem(v: unknown): string | null {
  if (!Array.isArray(v)) return 'users must be a list';
  for (const u of v) {
    if (!isObj(u) || !isStr(u.name) || !PRESENCE.includes(u.state as string)) return 'users holds a bad entry';
  }
  return null;
}

const isNames = (v: unknown): boolean => Array.isArray(v) && v.length <= 64 && v.every(isStr);

/** A conference as an INVITE or a NOTIFY names it: its id and who is in it. */
function conferenceProblem(v: Obj): string | null {
  if (!isStr(v.id) || !CALL_ID_PATTERN.test(v.id)) return 'conference id is malformed';
  if (v.members !== undefined && !isNames(v.members)) return 'conference members must be a list of names';
  return null;
}

function notifyProblem(body: unknown): string | null {
  if (!isObj(body)) return 'NOTIFY needs a body';
  switch (body.event) {
    case 'presence':
      return usersProblem(body.users) ?? phoneBookProblem(body.phoneBook);
    case 'refer':
      return isStatus(body.status) ? null : 'body.status is out of range';
    case 'refused':
      if (!isStr(body.caller) || (body.why !== 'busy' && body.why !== 'dnd') || typeof body.video !== 'boolean') return 'refused needs caller, why and video';
      return null;
    case 'receipt':
      return receiptProblem(body);
    case 'message-summary':
      return summaryProblem(body);
    case 'conference':
      if (!Array.isArray(body.members)) return 'conference members must be a list of names';
      if ((body.join !== undefined && !isStr(body.join)) || (body.leave !== undefined && !isStr(body.leave))) return 'conference join and leave must be names';
      return conferenceProblem(body);
    default:
      return 'NOTIFY event is unknown';
  }
}

/** Said when the host's phone book is searched, not listed: absent while it is listed. */
function phoneBookProblem(v: unknown): string | null {
  if (v === undefined) return null;
  if (!isObj(v) || v.searched !== true || !isInt(v.size) || v.size < 0) return 'phoneBook must say searched and its size';
  return null;
}

/** A cluster node's REGISTER 200 lists the other nodes to fail over to; absent on one server. */
function nodesProblem(v: unknown): string | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((url) => isStr(url) && /^wss?:\/\//.test(url))) return 'nodes must be ws:// or wss:// addresses';
  return null;
}

/** The ring groups of a REGISTER 200: absent from older servers. */
function groupsProblem(v: unknown): string | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) return 'groups must be a list';
  for (const g of v) {
    if (!isObj(g) || !isStr(g.name) || !Array.isArray(g.members) || !g.members.every(isStr)) return 'groups holds a bad entry';
  }
  return null;
}

const isMessageId = (v: unknown): v is string => isStr(v) && MESSAGE_ID_PATTERN.test(v);

function receiptProblem(body: Obj): string | null {
  if (body.state !== 'delivered' && body.state !== 'read') return 'body.state must be delivered or read';
  if (!Array.isArray(body.ids) || !body.ids.every(isMessageId) || !isInt(body.at)) return 'a receipt needs body.ids and body.at';
  return null;
}

function summaryProblem(body: Obj): string | null {
  if (!Array.isArray(body.unread) || !body.unread.every((u) => isObj(u) && isStr(u.name) && isInt(u.count))) return 'body.unread is malformed';
  const voicemailOk = (v: unknown): boolean =>
    isObj(v) && isStr(v.id) && isStr(v.from) && isInt(v.durationMs) && isInt(v.createdAt) && typeof v.heard === 'boolean';
  if (!Array.isArray(body.voicemails) || !body.voicemails.every(voicemailOk)) return 'body.voicemails is malformed';
  return null;
}

function historyProblem(body: unknown): string | null {
  if (!isObj(body) || !Array.isArray(body.messages) || typeof body.more !== 'boolean') return 'HISTORY 200 needs body.messages and body.more';
  const entryOk = (e: unknown): boolean =>
    isObj(e) && isMessageId(e.id) && isStr(e.from) && isStr(e.to) && isStr(e.text) && isInt(e.sentAt) && (e.state === 'sent' || e.state === 'delivered' || e.state === 'read');
  return body.messages.every(entryOk) ? null : 'body.messages holds a bad entry';
}

function bodyProblem(method: Method, body: unknown): string | null {
  switch (method) {
    case 'INVITE': {
      if (!isObj(body)) return 'INVITE needs a body';
      const media = body.media;
      if (!isObj(media) || typeof media.audio !== 'boolean' || typeof media.video !== 'boolean') return 'body.media is malformed';
      if (body.conference !== undefined && !isObj(body.conference)) return 'conference id is malformed';
      if (body.referredBy !== undefined && !isStr(body.referredBy)) return 'body.referredBy must be a name';
      if (body.replaces !== undefined && !isCallId(body.replaces)) return 'body.replaces must be a callId';
      return sdpProblem(body.sdp, 'offer') ?? (isObj(body.conference) ? conferenceProblem(body.conference) : null);
    }
    case 'REFER':
      if (!isObj(body) || !isStr(body.target) || !isStr(body.referredBy)) return 'REFER needs body.target and body.referredBy';
      return null;
    case 'INFO': {
      if (!isObj(body) || !('candidate' in body)) return 'INFO needs body.candidate';
      const c = body.candidate;
      if (c !== null && (!isObj(c) || !isStr(c.candidate))) return 'body.candidate is malformed';
      return null;
    }
    case 'NOTIFY':
      return notifyProblem(body);
    case 'MESSAGE':
      if (!isObj(body) || !isMessageId(body.id) || !isStr(body.text) || !isInt(body.sentAt)) return 'MESSAGE needs body.id, body.text and body.sentAt';
      return null;
    case 'VOICEMAIL':
      return 'VOICEMAIL is sent only by phones';
    case 'HISTORY':
      return 'HISTORY is sent only by phones';
    case 'SEARCH':
      return 'SEARCH is sent only by phones';
    case 'BYE':
      if (body !== undefined && (!isObj(body) || (body.reason !== undefined && !isStr(body.reason)))) return 'BYE body is malformed';
      return null;
    case 'CANCEL':
      if (body !== undefined && (!isObj(body) || !isStr(body.reason))) return 'CANCEL body is malformed';
      return null;
    case 'REGISTER':
    case 'PUBLISH':
    case 'ACK':
      return null;
    default:
      return missingCase(method);
  }
}

/** Checks one text frame from the server. */
export function checkIncoming(text: string): Checked {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObj(raw)) return { ok: false, reason: 'not an object' };
  if (!isInt(raw.cseq) || raw.cseq < 1) return { ok: false, reason: 'cseq must be a positive integer' };
  if (raw.callId !== undefined && !isCallId(raw.callId)) {
    return { ok: false, reason: 'callId is malformed' };
  }
  if (raw.from !== undefined && !isStr(raw.from)) return { ok: false, reason: 'from must be a string' };
  if (raw.group !== undefined && !isStr(raw.group)) return { ok: false, reason: 'group must be a string' };

  if ('status' in raw) {
    if (!isStatus(raw.status)) return { ok: false, reason: 'status is out of range' };
    if (!isStr(raw.reason) || !isStr(raw.method)) return { ok: false, reason: 'a response needs reason and method' };
    if (raw.body !== undefined && !isObj(raw.body)) return { ok: false, reason: 'body must be an object' };
    if (raw.method === 'REGISTER' && raw.status === 200) {
      const b = raw.body;
      if (!isObj(b) || !isStr(b.name) || !isStr(b.resume) || typeof b.resumed !== 'boolean' || !Array.isArray(b.iceServers)) {
        return { ok: false, reason: 'REGISTER 200 body is malformed' };
      }
      if (b.maxMessageBytes !== undefined && !(isInt(b.maxMessageBytes) && b.maxMessageBytes > 0)) return { ok: false, reason: 'maxMessageBytes must be a whole number above 0' };
      const problem = usersProblem(b.users) ?? groupsProblem(b.groups) ?? nodesProblem(b.nodes) ?? phoneBookProblem(b.phoneBook);
      if (problem) return { ok: false, reason: problem };
    }
    if (raw.method === 'SEARCH' && raw.status === 200) {
      const b = raw.body;
      const problem = isObj(b) && typeof b.more === 'boolean' ? usersProblem(b.users) : 'SEARCH 200 needs body.users and body.more';
      if (problem) return { ok: false, reason: problem };
    }
    if (raw.method === 'HISTORY' && raw.status === 200) {
      const problem = historyProblem(raw.body);
      if (problem) return { ok: false, reason: problem };
    }
    if (raw.method === 'INVITE' && raw.status === 200 && raw.body !== undefined) {
      const problem = sdpProblem((raw.body as Obj).sdp, 'answer');
      if (problem) return { ok: false, reason: problem };
    }
    return { ok: true, message: raw as unknown as Message };
  }

  if (!isStr(raw.method) || !(METHODS as readonly string[]).includes(raw.method)) return { ok: false, reason: 'unknown method' };
  const method = raw.method as Method;
  // Only a transfer report belongs to a call: presence, conference, receipts, summaries and MESSAGE belong to none.
  const callless = method === 'MESSAGE' || (method === 'NOTIFY' && isObj(raw.body) && raw.body.event !== 'refer');
  if (method !== 'REGISTER' && method !== 'PUBLISH' && !callless && !isStr(raw.callId)) {
    return { ok: false, reason: `${method} needs a callId` };
  }
  const problem = bodyProblem(method, raw.body);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, message: raw as unknown as Message };
}
