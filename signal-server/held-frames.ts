/**
 * The frames held for a user whose socket is lost, delivered when it resumes. Bounded by count and
 * by bytes: the oldest go first, so what is delivered is the newest that fit, in order.
 */
export interface HeldLimits {
  maxMessages: number;
  maxBytes: number;
}

export class HeldFrames {
  readonly #limits: HeldLimits;
  #frames: { text: string; bytes: number }[] = [];
  #bytes = 0;

  constructor(limits: HeldLimits) {
    this.#limits = limits;
  }

  get length(): number {
    return this.#frames.length;
  }

  hold(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.#frames.push({ text, bytes });
    this.#bytes += bytes;
    const { maxMessages, maxBytes } = this.#limits;
    while (this.#frames.length > 0 && (this.#frames.length > maxMessages || this.#bytes > maxBytes)) {
      this.#bytes -= this.#frames.shift()!.bytes;
    }
  }

  /** Everything held, oldest first; nothing is held afterwards. */
  take(): string[] {
    const texts = this.#frames.map((frame) => frame.text);
    this.clear();
    return texts;
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}
