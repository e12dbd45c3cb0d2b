/**
 * Ringtone, ringback and the call-waiting beep made with WebAudio oscillators (no sound files). Each tone's on/off
 * cadence is scheduled on the audio clock for longer than the server's 60 s ring timeout, so no
 * JavaScript timer runs while it plays.
 */
import type { Tone } from '../sip/types.js';

interface Cadence {
  frequencies: number[];
  /** [on, off] seconds pairs making one cycle. */
  pattern: [number, number][];
  level: number;
}

const CADENCES: Record<Exclude<Tone, null>, Cadence> = {
  // North American ringback: 440 + 480 Hz, 2 s on, 4 s off.
  ringback: { frequencies: [440, 480], pattern: [[2, 4]], level: 0.08 },
  // A two-burst warble: 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
  ringtone: { frequencies: [660, 880], pattern: [[0.4, 0.2], [0.4, 2]], level: 0.15 },
  // Call waiting, heard over a call: two short quiet 440 Hz beeps every 10 s.
  waiting: { frequencies: [440], pattern: [[0.15, 0.1], [0.15, 9.6]], level: 0.05 },
};
const PLAY_SECONDS = 75;

export class Tones {
  #context: AudioContext | null = null;
  #playing: { tone: Tone; stop: () => void } | null = null;

  /** Call from a user gesture (Connect) so the browser lets sound play later. */
  unlock(): void {
    try {
      this.#context ??= new AudioContext();
      void this.#context.resume();
    } catch {
      this.#context = null;
    }
  }

  play(tone: Tone): void {
    if (this.#playing?.tone === tone) return;
    this.#playing?.stop();
    this.#playing = null;
    if (tone === null) return;
    const context = this.#context;
    if (!context) return;
    void context.resume();
    const cadence = CADENCES[tone];
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    const oscillators = cadence.frequencies.map((frequency) => {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      return oscillator;
    });
    const start = context.currentTime + 0.02;
    let t = start;
    while (t < start + PLAY_SECONDS) {
      for (const [on, off] of cadence.pattern) {
        gain.gain.setValueAtTime(cadence.level / cadence.frequencies.length, t);
        gain.gain.setValueAtTime(0, t + on);
        t += on + off;
      }
    }
    for (const oscillator of oscillators) {
      oscillator.start(start);
      oscillator.stop(t);
    }
    this.#playing = {
      tone,
      stop: () => {
        for (const oscillator of oscillators) {
          try {
            oscillator.stop();
          } catch {
            // already stopped
          }
          oscillator.disconnect();
        }
        gain.disconnect();
      },
    };
  }
}
