/**
 * Frames written to one socket in one turn of the event loop leave it in one write: the socket is
 * corked at the first frame and uncorked once the turn's callbacks and promise reactions have run.
 * On loopback and LANs each write costs far more than its bytes (a syscall and a TCP segment).
 */
import type { Writable } from 'node:stream';

export class TurnCork {
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
    process.nextTick(() => {
      this.#corked = false;
      this.#socket.uncork();
    });
  }
}
