/**
 * The renderer's light check of server frames, and the reconnection backoff.
 */
import { describe, expect, it } from 'vitest';
import { BACKOFF, backoffDelay } from '../../renderer/src/net/backoff.js';
import { checkIncoming } from '../../renderer/src/net/validate.js';

const CALL = 'abcdefgh12';
const ok = (value: unknown) => checkIncoming(JSON.stringify(value));

describe('checkIncoming', () => {
  it('accepts the frames a server sends', () => {
    for (const frame of [
      { method: 'REGISTER', cseq: 1, status: 200, reason: 'OK', body: { name: 'Ada', resume: 'r', resumed: false, users: [{ name: 'Bob', state: 'busy' }], iceServers: [] } },
      { method: 'NOTIFY', cseq: 3, body: { event: 'presence', users: [{ name: 'Bob', state: 'offline' }] } },
      { method: 'REGISTER', cseq: 1, status: 200, reason: 'OK', body: { name: 'Ada', resume: 'r', resumed: true, users: [], iceServers: [], nodes: ['wss://b.example/signal'] } },
      { method: 'INVITE', cseq: 1, callId: CALL, from: 'Bob', body: { sdp: { type: 'offer', sdp: 'v=0' }, media: { audio: true, video: false } } },
      { status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'answer', sdp: 'v=0' } } },
      { method: 'INFO', cseq: 2, callId: CALL, body: { candidate: null } },
      { method: 'INFO', cseq: 2, callId: CALL, body: { candidate: { candidate: 'candidate:1', sdpMid: '0' } } },
      { method: 'BYE', cseq: 4, callId: CALL, body: { reason: 'Peer lost' } },
      { method: 'CANCEL', cseq: 1, callId: CALL },
      { status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId: CALL },
      { method: 'NOTIFY', cseq: 4, to: 'Ada', body: { event: 'conference', id: CALL, members: ['Bob', 'Cy'], join: 'Cy' } },
      { method: 'NOTIFY', cseq: 5, to: 'Ada', callId: CALL, body: { event: 'conference', id: CALL, members: ['Bob'] } },
      { method: 'NOTIFY', cseq: 6, to: 'Ada', body: { event: 'conference', id: CALL, members: [], leave: 'Bob' } },
      { method: 'INVITE', cseq: 1, callId: CALL, from: 'Bob', body: { sdp: { type: 'offer', sdp: 'v=0' }, media: { audio: true, video: true }, conference: { id: CALL, members: ['Bob', 'Cy'] } } },
      { method: 'REFER', cseq: 3, callId: CALL, from: 'Ada', body: { target: 'Cy', referredBy: 'Ada' } },
      { status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: CALL, from: 'Bob' },
      { method: 'NOTIFY', cseq: 2, callId: CALL, from: 'Bob', body: { event: 'refer', status: 180 } },
      { method: 'INVITE', cseq: 1, callId: CALL, from: 'Bob', body: { sdp: { type: 'offer', sdp: 'v=0' }, media: { audio: true, video: true }, referredBy: 'Ada', replaces: 'consult-call-1' } },
    ]) {
      expect(ok(frame), JSON.stringify(frame)).toEqual({ ok: true, message: frame });
    }
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['an array', '[]', 'not an object'],
    ['no cseq', JSON.stringify({ method: 'BYE', callId: CALL }), 'cseq must be a positive integer'],
    ['a bad callId', JSON.stringify({ method: 'BYE', cseq: 1, callId: 'x' }), 'callId is malformed'],
    ['an unknown method', JSON.stringify({ method: 'HACK', cseq: 1 }), 'unknown method'],
    ['an INVITE without media', JSON.stringify({ method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'offer', sdp: 'v' } } }), 'body.media is malformed'],
    ['an INVITE carrying an answer', JSON.stringify({ method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'answer', sdp: 'v' }, media: { audio: true, video: true } } }), 'body.sdp must be an offer'],
    ['a REGISTER 200 without users', JSON.stringify({ method: 'REGISTER', cseq: 1, status: 200, reason: 'OK', body: { name: 'A', resume: 'r', resumed: false, iceServers: [] } }), 'users must be a list'],
    ['a REGISTER 200 whose nodes are no addresses', JSON.stringify({ method: 'REGISTER', cseq: 1, status: 200, reason: 'OK', body: { name: 'A', resume: 'r', resumed: false, users: [], iceServers: [], nodes: ['http://x', 3] } }), 'nodes must be ws:// or wss:// addresses'],
    ['a REGISTER 200 without resumed', JSON.stringify({ method: 'REGISTER', cseq: 1, status: 200, reason: 'OK', body: { name: 'A', resume: 'r', users: [], iceServers: [] } }), 'REGISTER 200 body is malformed'],
    ['a NOTIFY with a bad state', JSON.stringify({ method: 'NOTIFY', cseq: 1, body: { event: 'presence', users: [{ name: 'A', state: 'away' }] } }), 'users holds a bad entry'],
    ['a 200 to INVITE with an offer', JSON.stringify({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'offer', sdp: 'v' } } }), 'body.sdp must be an answer'],
    ['a NOTIFY of an unknown event', JSON.stringify({ method: 'NOTIFY', cseq: 1, body: { event: 'weather' } }), 'NOTIFY event is unknown'],
    ['a conference NOTIFY with a bad id', JSON.stringify({ method: 'NOTIFY', cseq: 1, body: { event: 'conference', id: 'x', members: [] } }), 'conference id is malformed'],
    ['a conference NOTIFY whose members are not names', JSON.stringify({ method: 'NOTIFY', cseq: 1, body: { event: 'conference', id: CALL, members: [7] } }), 'conference members must be a list of names'],
    ['a conference NOTIFY joining no name', JSON.stringify({ method: 'NOTIFY', cseq: 1, body: { event: 'conference', id: CALL, members: [], join: 3 } }), 'conference join and leave must be names'],
    ['an INVITE whose conference has no id', JSON.stringify({ method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'offer', sdp: 'v' }, media: { audio: true, video: true }, conference: { members: [] } } }), 'conference id is malformed'],
    ['an INVITE whose conference members are not a list', JSON.stringify({ method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'offer', sdp: 'v' }, media: { audio: true, video: true }, conference: { id: CALL, members: 'Bob' } } }), 'conference members must be a list of names'],
    ['an in-dialog request without callId', JSON.stringify({ method: 'INFO', cseq: 1, body: { candidate: null } }), 'INFO needs a callId'],
    ['a REFER without a target', JSON.stringify({ method: 'REFER', cseq: 2, callId: CALL, body: { referredBy: 'Ada' } }), 'REFER needs body.target and body.referredBy'],
    ['a REFER not stamped by the server', JSON.stringify({ method: 'REFER', cseq: 2, callId: CALL, body: { target: 'Cy' } }), 'REFER needs body.target and body.referredBy'],
    ['a transfer report without callId', JSON.stringify({ method: 'NOTIFY', cseq: 2, body: { event: 'refer', status: 200 } }), 'NOTIFY needs a callId'],
    ['a transfer report with a bad status', JSON.stringify({ method: 'NOTIFY', cseq: 2, callId: CALL, body: { event: 'refer', status: 'ok' } }), 'body.status is out of range'],
    ['a receipt without ids', JSON.stringify({ method: 'NOTIFY', cseq: 2, body: { event: 'receipt', state: 'read', at: 1 } }), 'a receipt needs body.ids and body.at'],
    ['a MESSAGE without text', JSON.stringify({ method: 'MESSAGE', cseq: 2, from: 'Ada', to: 'Bob', body: { id: 'abcdefgh-1', sentAt: 1 } }), 'MESSAGE needs body.id, body.text and body.sentAt'],
    ['a HISTORY page without more', JSON.stringify({ status: 200, reason: 'OK', method: 'HISTORY', cseq: 2, body: { messages: [] } }), 'HISTORY 200 needs body.messages and body.more'],
    ['a HISTORY page with a bad state', JSON.stringify({ status: 200, reason: 'OK', method: 'HISTORY', cseq: 2, body: { more: false, messages: [{ id: 'abcdefgh-1', from: 'Ada', to: 'Bob', text: 'x', sentAt: 1, state: 'seen' }] } }), 'body.messages holds a bad entry'],
    ['a HISTORY from the server', JSON.stringify({ method: 'HISTORY', cseq: 2, callId: CALL, to: 'Ada', body: {} }), 'HISTORY is sent only by phones'],
    ['a VOICEMAIL from the server', JSON.stringify({ method: 'VOICEMAIL', cseq: 2, callId: CALL, body: { ticket: 'mailbox' } }), 'VOICEMAIL is sent only by phones'],
    ['an INVITE replacing a malformed callId', JSON.stringify({ method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'offer', sdp: 'v' }, media: { audio: true, video: true }, replaces: 'x' } }), 'body.replaces must be a callId'],
    ['an INVITE referred by a non-name', JSON.stringify({ method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: { type: 'offer', sdp: 'v' }, media: { audio: true, video: true }, referredBy: 7 } }), 'body.referredBy must be a name'],
  ])('refuses %s with a reason', (_label, text, reason) => {
    expect(checkIncoming(text)).toEqual({ ok: false, reason });
  });
});

describe('backoffDelay', () => {
  it('doubles from 500 ms with half of it random, capped at 10 s', () => {
    expect(backoffDelay(0, 0)).toBe(250);
    expect(backoffDelay(0, 1)).toBe(500);
    expect(backoffDelay(3, 0.5)).toBe(3000);
    expect(backoffDelay(10, 1)).toBe(BACKOFF.maxMs);
    expect(backoffDelay(1000, 0)).toBe(BACKOFF.maxMs / 2);
  });
});
