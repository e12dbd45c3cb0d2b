/**
 * The LeanPhone wire protocol (PROTOCOL.md), version 1: message types and the limits both ends
 * agree on. Shared by the signalling server and the renderer; no Node or DOM imports here.
 */
import { mixesScripts } from './scripts.js';

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'leanphone.1';
export const SIGNAL_PATH = '/signal';
export const MAX_FRAME_BYTES = 64 * 1024;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  replaced: 4001,
} as const;

export const METHODS = ['REGISTER', 'PUBLISH', 'NOTIFY', 'INVITE', 'ACK', 'CANCEL', 'BYE', 'INFO', 'REFER', 'MESSAGE', 'VOICEMAIL', 'HISTORY', 'SEARCH'] as const;
export type Method = (typeof METHODS)[number];

export type PresenceState = 'online' | 'busy' | 'dnd' | 'offline';
export type PublishedState = 'online' | 'dnd';
/** `inCall`: the phone is in a call its server does not know of (the server restarted): shown busy. */
export interface PublishBody {
  state: PublishedState;
  inCall?: boolean;
}
export interface UserPresence {
  name: string;
  state: PresenceState;
  /**
   * On `offline` entries from a host that keeps a directory: when the user was last online (ms since
   * the epoch, host clock). Such a user stays in the phone book; an `offline` entry without it is removed.
   */
  lastSeen?: number;
}

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}
export interface MediaKinds {
  audio: boolean;
  video: boolean;
}
export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface RegisterBody {
  name: string;
  passcode?: string;
  resume?: string;
  /**
   * The phone's long-lived secret for this name on this host. A host that keeps a directory keeps
   * its hash with the name, and from then on refuses the name to anyone without it.
   */
  ownerKey?: string;
}
export interface RegisteredBody {
  name: string;
  /** The token for the next resume; each resume answers a new one and the old one stops working. */
  resume: string;
  /** True when this REGISTER took back a registration the server still held (calls included). */
  resumed: boolean;
  users: UserPresence[];
  iceServers: IceServer[];
  /** The host's ring groups (empty when it has none; absent from servers older than ring groups). */
  groups?: RingGroupEntry[];
  /** In a cluster, the other live nodes' addresses (ws:// or wss://), to fail over to. */
  nodes?: string[];
  /** The longest text message the host keeps, in UTF-8 bytes; absent from a host that keeps none. */
  maxMessageBytes?: number;
  /** Present when the phone book is too big to list: `users` is empty, and the phone SEARCHes. */
  phoneBook?: SearchedPhoneBook;
}
/** A phone book past the host's limit: searched (SEARCH), not listed. `size`: how many people it holds. */
export interface SearchedPhoneBook {
  searched: true;
  size: number;
}
/** A ring group in the phone book: its members' presence is theirs as users (offline when not listed). */
export interface RingGroupEntry {
  name: string;
  members: string[];
}
export interface InviteBody {
  sdp: SessionDescription;
  media: MediaKinds;
  conference?: InviteConference;
  /** Transfer: the call (its callId) whose REFER this INVITE follows; sent by the transferee. */
  referral?: string;
  /** Transfer: who referred the caller here; stamped by the server, never taken from a client. */
  referredBy?: string;
  /** Attended transfer: the callee's call with `referredBy` that this call replaces; stamped by the server. */
  replaces?: string;
}
/**
 * The conference a new INVITE belongs to (PROTOCOL.md, Conference). A member sends `id`, and
 * `from`: the call the conference grows from, read only while `id` is new. The server relays
 * `id` and `members`: everyone in the conference but the callee, as it names them.
 */
export interface InviteConference {
  id: string;
  from?: string;
  members?: string[];
  /** Stamped by the server on an INVITE between two people of the conference: a link, which rings nowhere. */
  introduction?: true;
}
/** The most people a conference holds, this phone included: with video, and voice only. */
export const CONFERENCE_LIMITS = { video: 4, voice: 6 } as const;
export interface AnswerBody {
  sdp: SessionDescription;
}
export interface InfoBody {
  candidate: IceCandidate | null;
}
export interface PresenceBody {
  event: 'presence';
  users: UserPresence[];
  /** Sent once, with no users, when the phone book outgrew the limit: search from now on. */
  phoneBook?: SearchedPhoneBook;
}
/**
 * SEARCH: up to the host's cap of people whose name has a word starting with `query` (any case),
 * with their presence. They become the phone's watch list, replacing the last one: their presence
 * changes reach it as NOTIFY presence. An empty query watches no one.
 */
export interface SearchBody {
  query: string;
}
/** The 200 to SEARCH: `more` when others match too (a longer query narrows). */
export interface SearchResultBody {
  users: UserPresence[];
  more: boolean;
}
/** A SEARCH query's longest, in characters: a name's (normalised, as names are). */
export const MAX_QUERY_LENGTH = 32;
/** The server tells a callee in dnd or with a full phone of a call it refused for it (the phone keeps a record). */
export interface RefusedBody {
  event: 'refused';
  caller: string;
  why: 'busy' | 'dnd';
  video: boolean;
}
/**
 * The server tells a member who is in its conference now: everyone but the member, and who joined,
 * left, or rings to join (the member introduces itself to them then).
 */
export interface ConferenceBody {
  event: 'conference';
  id: string;
  members: string[];
  join?: string;
  leave?: string;
  ringing?: string;
}
export interface ByeBody {
  reason: string;
}
/** Only on a CANCEL the server sends a ring group's member when another member answered. */
export interface CancelBody {
  reason: typeof ANSWERED_ELSEWHERE;
}
export const ANSWERED_ELSEWHERE = 'Answered elsewhere';
/** REFER: call `target` (in place of the call `replaces`); `referredBy` is stamped by the server. */
export interface ReferBody {
  target: string;
  replaces?: string;
  referredBy?: string;
}
/** The transferee's report on the call a REFER asked for: that call's latest status. */
export interface ReferNotifyBody {
  event: 'refer';
  status: number;
}

/** MESSAGE from a phone: text for `to`, kept by the host until delivered. */
export interface MessageBody {
  text: string;
}
/** MESSAGE from the server: one kept message, `from` and `to` stamped. */
export interface DeliveredMessageBody {
  id: string;
  text: string;
  sentAt: number;
}
/** The 200 to a phone's MESSAGE: the host has it on disk. */
export interface MessageSentBody {
  id: string;
  sentAt: number;
}
export type ReceiptState = 'delivered' | 'read';
/**
 * A receipt. From a recipient's phone: these messages reached it, or were shown. From the server to
 * the sender (`from` the recipient, with `at`): these of your messages changed state.
 */
export interface ReceiptBody {
  event: 'receipt';
  state: ReceiptState;
  ids: string[];
  at?: number;
}
export interface UnreadEntry {
  name: string;
  count: number;
}
export interface VoicemailEntry {
  id: string;
  from: string;
  durationMs: number;
  createdAt: number;
  heard: boolean;
}
/** Message waiting (after RFC 3842): what the host keeps for this user, on registration and on each new voicemail. */
export interface MessageSummaryBody {
  event: 'message-summary';
  unread: UnreadEntry[];
  voicemails: VoicemailEntry[];
}
/** VOICEMAIL: ask for a short-lived ticket, to upload a recording for `to`, or to play and delete one's own. */
export type VoicemailTicketPurpose = 'upload' | 'mailbox';
export interface VoicemailRequestBody {
  ticket: VoicemailTicketPurpose;
}
export interface VoicemailTicketBody {
  ticket: string;
  expiresAt: number;
  /** On upload tickets: the recording's caps. */
  maxBytes?: number;
  maxMs?: number;
}
/** HISTORY: a page of a conversation with `to`, the latest first asked; `before` (an id from an earlier page) pages back. */
export interface HistoryRequestBody {
  before?: string;
  /** At most this many; the host may give fewer (its page size, and one frame's room). */
  limit?: number;
}
/** One kept message as its sender or recipient sees it, `from` and `to` stamped, with its state now. */
export interface HistoryEntry {
  id: string;
  from: string;
  to: string;
  text: string;
  sentAt: number;
  state: 'sent' | ReceiptState;
}
/** The 200 to HISTORY: oldest first; `more` when older messages are kept. */
export interface HistoryBody {
  messages: HistoryEntry[];
  more: boolean;
}
/** The most a HISTORY may ask for (the host's page size caps it further). */
export const MAX_HISTORY_LIMIT = 200;
export const MAX_RECEIPT_IDS = 200;
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** A REGISTER's ownerKey: a phone makes 32 random bytes in base64url (43 characters). */
export const OWNER_KEY_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;
/** HTTP on the signalling origin: POST a recording, GET or DELETE `/voicemail/ID`. */
export const VOICEMAIL_PATH = '/voicemail';

interface RequestBase<M extends Method, B> {
  method: M;
  cseq: number;
  callId?: string;
  to?: string;
  from?: string;
  body?: B;
}

/** Requests as they travel; the body type follows the method. */
export type Request =
  | (RequestBase<'REGISTER', RegisterBody> & { body: RegisterBody })
  | (RequestBase<'PUBLISH', PublishBody> & { body: PublishBody })
  | (RequestBase<'NOTIFY', PresenceBody> & { body: PresenceBody })
  | (RequestBase<'NOTIFY', ConferenceBody> & { body: ConferenceBody })
  | (RequestBase<'NOTIFY', RefusedBody> & { body: RefusedBody })
  | (RequestBase<'NOTIFY', ReferNotifyBody> & { callId: string; body: ReferNotifyBody })
  | (RequestBase<'INVITE', InviteBody> & { callId: string; body: InviteBody; group?: string })
  | (RequestBase<'ACK', never> & { callId: string })
  | (RequestBase<'CANCEL', CancelBody> & { callId: string })
  | (RequestBase<'BYE', ByeBody> & { callId: string })
  | (RequestBase<'INFO', InfoBody> & { callId: string; body: InfoBody })
  | (RequestBase<'REFER', ReferBody> & { callId: string; body: ReferBody })
  | (RequestBase<'NOTIFY', ReceiptBody> & { body: ReceiptBody })
  | (RequestBase<'NOTIFY', MessageSummaryBody> & { body: MessageSummaryBody })
  | (RequestBase<'MESSAGE', MessageBody> & { to: string; body: MessageBody })
  | (RequestBase<'MESSAGE', DeliveredMessageBody> & { from: string; to: string; body: DeliveredMessageBody })
  | (RequestBase<'VOICEMAIL', VoicemailRequestBody> & { body: VoicemailRequestBody })
  | (RequestBase<'HISTORY', HistoryRequestBody> & { to: string; body: HistoryRequestBody })
  | (RequestBase<'SEARCH', SearchBody> & { body: SearchBody });

export interface Response {
  status: number;
  reason: string;
  method: Method | string;
  cseq: number;
  callId?: string;
  from?: string;
  to?: string;
  /** On the 200 to an INVITE to a ring group: the group, answered by `from`. Stamped by the server. */
  group?: string;
  body?: RegisteredBody | AnswerBody | MessageSentBody | VoicemailTicketBody | HistoryBody | SearchResultBody | Record<string, never>;
}

export type Message = Request | Response;

export const isResponse = (message: Message): message is Response => 'status' in message;

/** Reason phrases (RFC 3261 section 21) for the codes this protocol uses. */
export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  603: 'Decline',
};

const NAME_PATTERN = /^[\p{L}\p{M}\p{N} ._'-]+$/u;
/** Default-ignorable code points render as nothing: zero-width spaces, variation selectors, the
 *  combining grapheme joiner, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), soft hyphens. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/** The canonical form of a display name: NFKC (so full-width and other compatibility forms become
 *  the plain letters they show as), trimmed, runs of spaces collapsed to one. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFKC').trim().replace(/ {2,}/g, ' ');
}

/** Why a (normalised) name is not acceptable, or null when it is. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'name is empty';
  if ([...name].length > 32) return 'name is longer than 32 characters';
  if (INVISIBLE.test(name)) return 'name may not hold invisible characters';
  if (!NAME_PATTERN.test(name)) {
    return "name may hold only letters, digits, spaces and . _ - '";
  }
  if (name.split(' ').some(mixesScripts)) return 'name mixes scripts in one word, such as Latin and Cyrillic';
  return null;
}

/** Case-insensitive key, enough for the phone book (the server's names are already unique). The
 *  server keys users more strictly, by look-alike skeleton: signal-server/name-key.ts. */
export const nameKey = (name: string): string => name.toLocaleLowerCase('und');

export const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * A callee beyond this server, for its SIP gateway (PROTOCOL.md, SIP gateway): a SIP address
 * (`sip:1001@pbx.example`) or an extension's digits (`1001`, `*97`, `+4930123`). Digits alone are
 * also a valid name: a user registered under it is rung first.
 */
export const DIAL_TARGET_PATTERN = /^(?:sips?:[^\s"<>\\]{3,128}|\+?[0-9*#]{1,32})$/;
