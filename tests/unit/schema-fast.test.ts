import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, MAX_RECEIPT_IDS, type Method } from '../../common/protocol.js';
import { readByHand, requestSchemas } from '../../common/schema.js';

const values = [undefined, null, 0, -1, 1, 1.5, 255, 256, 2 ** 31 - 1, 2 ** 31, '', 'x', '0', 'x'.repeat(65), 'x'.repeat(257), 'x'.repeat(1025), [], {}, true];

const info = {
  method: 'INFO',
  cseq: 7,
  callId: 'call-abcdef-123',
  body: { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } },
};

const message = { method: 'MESSAGE', cseq: 9, to: 'Bob', body: { text: 'see you at the stand-up' } };

const receipt = { method: 'NOTIFY', cseq: 11, body: { event: 'receipt', state: 'delivered', ids: ['m-0000001', 'm-0000002'] } };

/** Every way to bend one field of a good INFO, alone. */
function infoVariants(): unknown[] {
  const out: unknown[] = [info, { ...info, body: { candidate: null } }, { ...info, extra: 1, from: 'Mallory', to: 'Bob' }];
  for (const value of values) {
    out.push({ ...info, cseq: value }, { ...info, callId: value }, { ...info, body: value }, { ...info, body: { candidate: value } });
    for (const key of ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']) {
      out.push({ ...info, body: { candidate: { ...info.body.candidate, [key]: value } } });
    }
  }
  out.push({ ...info, body: { candidate: { candidate: 'c' } } }, { ...info, body: { candidate: { ...info.body.candidate, extra: 1 } } });
  return out;
}

/** The same for MESSAGE, with the names and texts a hostile sender would try. */
function messageVariants(): unknown[] {
  const names = ['  Bob  ', 'bob', 'Ｂｏｂ', '<b>Bob</b>', 'Bob\u0000', 'Bob\u200b', 'Bоb', 'B'.repeat(32), 'B'.repeat(33), 'x'.repeat(10_000), 'Ada  Lovelace', `Ada${' '.repeat(100)}Lovelace`];
  const texts = ['a', 'line\nbreak\ttab', 'bell\u0007', 'nul\u0000', '<script>alert(1)</script>', '\u202ereversed', 'x'.repeat(MAX_FRAME_BYTES), 'x'.repeat(MAX_FRAME_BYTES + 1), '😀'];
  const out: unknown[] = [message, { ...message, from: 'Mallory', extra: 1, body: { text: 'hi', id: 'forged' } }];
  for (const value of [...values, ...names]) out.push({ ...message, cseq: value }, { ...message, to: value }, { ...message, body: value });
  for (const value of [...values, ...texts]) out.push({ ...message, body: { text: value } });
  return out;
}

/** The same for a receipt NOTIFY, and the other NOTIFY events, which the schema alone reads. */
function receiptVariants(): unknown[] {
  const ids = [[], ['short'], ['m-0000001', 7], ['m-0000001', 'bad id!'], Array(MAX_RECEIPT_IDS).fill('m-0000001'), Array(MAX_RECEIPT_IDS + 1).fill('m-0000001')];
  const out: unknown[] = [
    receipt,
    { ...receipt, from: 'Mallory', to: 'Bob', extra: 1, body: { ...receipt.body, extra: 1 } },
    { ...receipt, callId: 'call-abcdef-123' },
    { ...receipt, body: { ...receipt.body, state: 'read' } },
    { ...receipt, body: { event: 'refer', status: 200 }, callId: 'call-abcdef-123' },
    { ...receipt, body: { event: 'presence', users: [] } },
  ];
  for (const value of [...values, 'delivered', 'read', 'receipt', ...ids]) {
    out.push({ ...receipt, cseq: value }, { ...receipt, callId: value }, { ...receipt, body: value });
    for (const key of ['event', 'state', 'ids']) out.push({ ...receipt, body: { ...receipt.body, [key]: value } });
  }
  return out;
}

/** A NOTIFY of another event than `receipt`: the schema alone reads those. */
const otherNotify = (record: unknown): boolean => {
  const body = (record as { method?: string; body?: unknown }).body;
  return (record as { method?: string }).method === 'NOTIFY' && (typeof body !== 'object' || body === null || (body as { event?: unknown }).event !== 'receipt');
};

describe('the requests read by hand', () => {
  it.each([
    ['INFO', infoVariants()],
    ['MESSAGE', messageVariants()],
    ['NOTIFY', receiptVariants()],
  ] as [Method, unknown[]][])('%s: accepted exactly when its schema accepts it, and read the same, again too', (method, records) => {
    // Twice: a name once accepted is remembered, and must read the same from memory.
    for (const record of [...records, ...records]) {
      const reference = requestSchemas[method].safeParse(record);
      const fast = readByHand(method, record as Record<string, unknown>);
      const label = JSON.stringify(record)?.slice(0, 200);
      expect(fast !== null, label).toBe(reference.success && !otherNotify(record));
      if (fast === null || !reference.success) continue;
      const { from: _from, ...data } = reference.data as Record<string, unknown>;
      expect(JSON.stringify(fast), label).toBe(JSON.stringify({ method, ...data }));
    }
  });
});
