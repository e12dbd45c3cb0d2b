/**
 * The server answers thousands of requests a second. Built as `{ ...echo(request), status, reason }`,
 * each answer got a hidden class of its own from Node 20's V8, made in the old generation: at 5,000
 * messages a second that filled it by 7 MB a second and cost a full collection every 3 s. The
 * answers are built so that answers of one shape share one class.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Request } from '../../common/protocol.js';
import { answer } from '../../signal-server/handlers/replies.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set: V8's own test of whether two objects share a hidden class.
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const message = (cseq: number, text: string): Request => ({ method: 'MESSAGE', cseq, to: 'Bob', body: { text } });

/** The last two of many objects made by `make`: V8's caches settle only after the first calls. */
function lastTwo(make: (index: number) => object): [object, object] {
  let previous = make(0);
  let last = make(1);
  for (let index = 2; index < 1_000; index += 1) [previous, last] = [last, make(index)];
  return [previous, last];
}

describe('answers to requests', () => {
  it('share one hidden class for each shape, whatever their values', () => {
    const sent = (cseq: number): object => answer(message(cseq, `hello ${cseq}`), 200, 'OK', { id: `id-${cseq}`, sentAt: cseq });
    expect(sameHiddenClass(...lastTwo(sent))).toBe(true);
    expect(sameHiddenClass(...lastTwo((cseq) => answer(message(cseq, 'a'), cseq % 2 ? 404 : 480, 'Not here')))).toBe(true);
    const info = (cseq: number): Request => ({ method: 'INFO', cseq, callId: `call-${cseq}-abcdef`, body: { candidate: null } });
    expect(sameHiddenClass(...lastTwo((cseq) => answer(info(cseq), 481, 'Call Does Not Exist')))).toBe(true);
    expect(sameHiddenClass(...lastTwo((cseq) => answer(info(cseq), 200, 'OK', {})))).toBe(true);
  });

  it('echo the method, cseq and callId, and carry a body only when given one', () => {
    expect(answer(message(7, 'hi'), 200, 'OK', { id: 'x', sentAt: 1 })).toStrictEqual({ method: 'MESSAGE', cseq: 7, status: 200, reason: 'OK', body: { id: 'x', sentAt: 1 } });
    expect(answer({ method: 'BYE', cseq: 8, callId: 'call-8-abcdef' }, 481, 'Call Does Not Exist')).toStrictEqual({
      method: 'BYE',
      cseq: 8,
      callId: 'call-8-abcdef',
      status: 481,
      reason: 'Call Does Not Exist',
    });
  });
});
