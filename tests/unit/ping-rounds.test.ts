import { describe, expect, it } from 'vitest';
import { PingRounds } from '../../signal-server/ping-rounds.js';

describe('PingRounds', () => {
  it('pings every member once per interval, a few at a time', () => {
    const rounds = new PingRounds<number>(15);
    for (let socket = 0; socket < 10_000; socket += 1) rounds.add(socket);
    const taken = Array.from({ length: 15 }, () => rounds.take());
    expect(taken.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 10_000 }, (_, socket) => socket));
    expect(Math.max(...taken.map((round) => round.length))).toBe(Math.ceil(10_000 / 15));
    expect(rounds.take()).toEqual(taken[0]);
  });

  it('forgets a closed socket, and a new one fills the emptiest round', () => {
    const rounds = new PingRounds<string>(3);
    for (const socket of ['a', 'b', 'c', 'd', 'e', 'f']) rounds.add(socket);
    rounds.delete('b');
    rounds.delete('e');
    rounds.add('g');
    const taken = [rounds.take(), rounds.take(), rounds.take()];
    expect(taken.flat().sort()).toEqual(['a', 'c', 'd', 'f', 'g']);
    expect(taken.map((round) => round.length).sort()).toEqual([1, 2, 2]);
  });

  it('refuses a round count that is not a whole number above 0', () => {
    expect(() => new PingRounds(0)).toThrow(RangeError);
  });
});
