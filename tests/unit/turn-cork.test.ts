/** TurnCork: what one turn writes to a socket leaves it in one write, and the next turn's in another. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TurnCork } from '../../signal-server/turn-cork.js';

/** A stream that records each write it is asked to make, as the chunks in it. */
function recordingSocket(): { socket: Writable; writes: string[][] } {
  const writes: string[][] = [];
  const socket = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
  });
  return { socket, writes };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TurnCork', () => {
  it('sends the frames of one turn, promise reactions included, in one write', async () => {
    const { socket, writes } = recordingSocket();
    const cork = new TurnCork(socket);
    const write = (frame: string): void => {
      cork.hold();
      socket.write(frame);
    };
    write('a');
    write('b');
    await Promise.resolve().then(() => write('c'));
    await nextTurn();
    write('d');
    await nextTurn();
    expect(writes).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('sends each socket written in one turn its own one write, and holds the next turn\'s again', async () => {
    const first = recordingSocket();
    const second = recordingSocket();
    const corks = [new TurnCork(first.socket), new TurnCork(second.socket)] as const;
    const write = (which: 0 | 1, frame: string): void => {
      corks[which].hold();
      [first, second][which]?.socket.write(frame);
    };
    write(0, 'a');
    write(1, 'x');
    write(0, 'b');
    await nextTurn();
    write(1, 'y');
    write(1, 'z');
    await nextTurn();
    expect(first.writes).toEqual([['a', 'b']]);
    expect(second.writes).toEqual([['x'], ['y', 'z']]);
  });

  it('lets a socket that ends mid-turn end cleanly', async () => {
    const { socket, writes } = recordingSocket();
    const cork = new TurnCork(socket);
    cork.hold();
    socket.write('bye');
    const finished = new Promise((resolve) => socket.on('finish', resolve));
    socket.end();
    await finished;
    await nextTurn();
    expect(writes).toEqual([['bye']]);
  });
});
