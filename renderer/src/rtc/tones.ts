/**
 * Ringtone, ringback and the call-waiting beep made with WebAudio oscillators (no sound files). Each tone's on/off
 * cadence is scheduled on the audio clock for longer than the server's 60 s ring timeout, so no
 * JavaScript timer runs while it plays. The ringtone is the user's choice, at the user's volume.
 */
import type { Ringtone } from '../../../common/bridge.js';
import type { Tone } from '../sip/types.js';

interface Cadence {
  frequencies: number[];
  /** [on, off] seconds pairs making one cycle. */
  pattern: [number, number][];
  level: number;
}

const CADENCES: Record<Exclude<Tone, null | 'ringtone'>, Cadence> = {
  // North American ringback: 440 + 480 Hz, 2 s on, 4 s off.
  ringback: { frequencies: [440, 480], pattern: [[2, 4]], level: 0.08 },
  // Call waiting, heard over a call: two short quiet 440 Hz beeps every 10 s.
  waiting: { frequencies: [440], pattern: [[0.15, 0.1], [0.15, 9.6]], level: 0.05 },
};

/** The ringtones to choose from, at full volume. */
const RINGTONE_CADENCES: Record<Ringtone, Cadence> = {
  // A two-burst warble: 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
  classic: { frequencies: [660, 880], pattern: [[0.4, 0.2], [0.4, 2]], level: 0.15 },
  // A soft high chime, three short notes then a rest.
  chime: { frequencies: [1046], pattern: [[0.15, 0.1], [0.15, 0.1], [0.3, 2]], level: 0.14 },
  // A low steady pulse: 1 s on, 1.5 s off.
  pulse: { frequencies: [440, 554], pattern: [[1, 1.5]], level: 0.12 },
};
const PLAY_SECONDS = 75;
const PREVIEW_SECONDS = 5;

export class Tones {
  #context: AudioContext | null = null;
  #playing: { tone: Tone; stop: () => void } | null = null;
  #ringtone: Ringtone = 'classic';
  /** 0 to 1. */
  #volume = 0.8;

  /** The ringtone and its volume (0 to 100) for the next ring. */
  configure(ringtone: Ringtone, volume: number): void {
    this.#ringtone = ringtone;
    this.#volume = Math.min(100, Math.max(0, volume)) / 100;
  }

  /** Plays the chosen ringtone for a few seconds, from a user gesture; `onEnd` when it stops by itself. Returns stop. */
  preview(onEnd: () => void): () => void {
    this.unlock();
    const context = this.#context;
    if (!context) {
      onEnd();
      return () => undefined;
    }
    return schedule(context, this.#ringtoneCadence(), PREVIEW_SECONDS, onEnd);
  }

  #ringtoneCadence(): Cadence {
    const cadence = RINGTONE_CADENCES[this.#ringtone];
    return { ...cadence, level: cadence.level * this.#volume };
  }

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
    const cadence = tone === 'ringtone' ? this.#ringtoneCadence() : CADENCES[tone];
    this.#playing = { tone, stop: schedule(context, cadence, PLAY_SECONDS, () => undefined) };
  }
}

/** Schedules whole cycles of `cadence` for at least `seconds` on the audio clock; returns stop. */
function schedule(context: AudioContext, cadence: Cadence, seconds: number, onEnd: () => void): () => void {
  void context.resume();
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
  while (t < start + seconds) {
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
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const oscillator of oscillators) {
      try {
        oscillator.stop();
      } catch {
        // already stopped
      }
      oscillator.disconnect();
    }
    gain.disconnect();
  };
  oscillators[0]!.onended = () => {
    if (stopped) return;
    stop();
    onEnd();
  };
  return stop;
}
