/**
 * Frames written to one socket in one turn of the event loop leave it in one write: the socket is
 * corked at the first frame and uncorked once the turn's callbacks and promise reactions have run.
 * On loopback and LANs each write costs far more than its bytes (a syscall and a TCP segment).
 */
import type { Writable } from 'node:stream';

export class TurnCork {
  /** The sockets corked this turn, uncorked together by one tick. */
  static readonly #held: TurnCork[] = [];
  readonly #socket: Writable;
  #corked = false;

  constructor(socket: Writable) {
    this.#socket = socket;
  }

  /** Holds the socket's writes until the end of this turn. */
  hold(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    // A tick queued from a promise reaction runs once every reaction has: the whole turn's frames go together.
    if (TurnCork.#held.push(this) === 1) process.nextTick(TurnCork.#releaseAll);
  }

  static #releaseAll(this: void): void {
    const held = TurnCork.#held;
    // By index: a socket corked while another is uncorked joins this round.
    for (let index = 0; index < held.length; index += 1) {
      const cork = held[index] as TurnCork;
      cork.#corked = false;
      cork.#socket.uncork();
    }
    held.length = 0;
  }
}
