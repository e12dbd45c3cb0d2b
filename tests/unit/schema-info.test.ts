import { describe, expect, it } from 'vitest';
import { readInfo, requestSchemas } from '../../common/schema.js';

const good = {
  method: 'INFO',
  cseq: 7,
  callId: 'call-abcdef-123',
  body: { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } },
};

/** Every way to bend one field of a good INFO, alone. */
function variants(): unknown[] {
  const values = [undefined, null, 0, -1, 1, 1.5, 255, 256, 2 ** 31 - 1, 2 ** 31, '', 'x', '0', 'x'.repeat(65), 'x'.repeat(257), 'x'.repeat(1025), [], {}, true];
  const out: unknown[] = [good, { ...good, body: { candidate: null } }, { ...good, extra: 1, from: 'Mallory', to: 'Bob' }];
  for (const value of values) {
    out.push({ ...good, cseq: value }, { ...good, callId: value }, { ...good, body: value }, { ...good, body: { candidate: value } });
    for (const key of ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']) {
      out.push({ ...good, body: { candidate: { ...good.body.candidate, [key]: value } } });
    }
  }
  out.push({ ...good, body: { candidate: { candidate: 'c' } } }, { ...good, body: { candidate: { ...good.body.candidate, extra: 1 } } });
  return out;
}

describe('the hand-read INFO', () => {
  it('accepts exactly what the INFO schema accepts, and reads it the same', () => {
    for (const record of variants()) {
      const reference = requestSchemas.INFO.safeParse(record);
      const fast = readInfo(record as Record<string, unknown>);
      expect(fast !== null, JSON.stringify(record)?.slice(0, 200)).toBe(reference.success);
      if (fast !== null && reference.success) {
        const { from: _from, ...data } = reference.data as Record<string, unknown>;
        expect(JSON.stringify(fast)).toBe(JSON.stringify({ method: 'INFO', ...data }));
      }
    }
  });
});
