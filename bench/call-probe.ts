/**
 * In-page instrumentation for `npm run bench:call`, installed with addInitScript before the phone's
 * own code. Every time is wall-clock milliseconds (performance.timeOrigin + a page-relative time),
 * so times taken in two pages of one machine can be subtracted.
 */

/** What one page has seen since it was last armed. */
export interface ProbeMarks {
  /** Button accessible label -> when its last click reached the page. */
  clicks: Record<string, number>;
  /** When a visible "Answer" button appeared (the callee rings). */
  ringingAt: number | null;
  /** presentationTime of the first frame the remote <video> presented. */
  firstFrameAt: number | null;
  /** When this page handed its first new INVITE request to the WebSocket. */
  inviteSentAt: number | null;
  /** When the first new INVITE request arrived from the WebSocket, before the phone saw it. */
  inviteReceivedAt: number | null;
  /** Conference participant name -> presentationTime of the first frame its <video> presented. */
  participantFrames: Record<string, number>;
}

export interface CallProbe {
  /**
   * Forgets earlier marks and watches for the next ringing and the first frame of the next remote
   * video shown. With `answerWith`, the page itself clicks the button of that name the moment it is
   * shown: a user who answers at once, without Playwright's round trips (0.4 to 2.8 s on a busy
   * machine) inside the figures.
   */
  arm(answerWith?: string): void;
  marks(): ProbeMarks;
}

/**
 * The probe as an init script. tsx compiles functions with esbuild's keepNames, which calls a
 * `__name` helper that exists only in Node; the page gets a do-nothing stand-in for it.
 */
export function callProbeScript(): string {
  return `{ const __name = (target) => target; (${CALL_PROBE.toString()})(); }`;
}

function CALL_PROBE(): void {
  const wall = (pageTime: number): number => performance.timeOrigin + pageTime;
  const labelOf = (button: Element): string => (button.getAttribute('aria-label') ?? button.textContent ?? '').trim();
  const fresh = (): ProbeMarks => ({ clicks: {}, ringingAt: null, firstFrameAt: null, inviteSentAt: null, inviteReceivedAt: null, participantFrames: {} });
  let marks = fresh();
  /** The button to click as soon as it is visible, once; null when not armed to answer. */
  let answerWith: string | null = null;
  /** A new INVITE request (not a response to one: those carry a status), from its JSON text. */
  const isInvite = (data: unknown): boolean => {
    if (typeof data !== 'string' || !data.includes('"INVITE"')) return false;
    const message = JSON.parse(data) as { method?: unknown; status?: unknown };
    return message.method === 'INVITE' && message.status === undefined;
  };
  const NativeSocket = window.WebSocket;
  const nativeSend = NativeSocket.prototype.send;
  NativeSocket.prototype.send = function send(this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
    if (marks.inviteSentAt === null && isInvite(data)) marks.inviteSentAt = wall(performance.now());
    nativeSend.call(this, data);
  };
  class ProbedSocket extends NativeSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Registered before the phone sets onmessage, so it runs first.
      this.addEventListener('message', (event) => {
        if (marks.inviteReceivedAt === null && isInvite(event.data)) marks.inviteReceivedAt = wall(performance.now());
      });
    }
  }
  window.WebSocket = ProbedSocket;
  let hooked = new WeakSet<HTMLVideoElement>();

  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null;
      // An input event's timeStamp is when the browser created it, before any handler ran.
      if (button) marks.clicks[labelOf(button)] = wall(event.timeStamp);
    },
    true,
  );

  const look = (): void => {
    if (answerWith !== null) {
      const answer = [...document.querySelectorAll('button')].find((button) => labelOf(button) === answerWith && button.checkVisibility());
      if (answer) {
        answerWith = null;
        answer.click();
      }
    }
    if (marks.ringingAt === null) {
      for (const button of document.querySelectorAll('button')) {
        if (labelOf(button) === 'Answer' && button.checkVisibility()) {
          marks.ringingAt = wall(performance.now());
          break;
        }
      }
    }
    const video = document.querySelector<HTMLVideoElement>('video[data-testid="remote-video"]');
    if (video && !hooked.has(video)) {
      hooked.add(video);
      const armedMarks = marks;
      video.requestVideoFrameCallback((_now, frame) => {
        armedMarks.firstFrameAt ??= wall(frame.presentationTime);
      });
    }
    // A conference participant's video, named by its list item; a new one is a new element.
    for (const tile of document.querySelectorAll<HTMLVideoElement>('li[aria-label] video[data-testid="participant-video"]')) {
      if (hooked.has(tile)) continue;
      hooked.add(tile);
      const armedMarks = marks;
      const name = tile.closest('li')?.getAttribute('aria-label') ?? '';
      tile.requestVideoFrameCallback((_now, frame) => {
        armedMarks.participantFrames[name] ??= wall(frame.presentationTime);
      });
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });

  const probe: CallProbe = {
    arm(answer) {
      marks = fresh();
      answerWith = answer ?? null;
      // A remote video already on screen shows the call before: only a new one's frames count.
      hooked = new WeakSet(document.querySelectorAll<HTMLVideoElement>('video[data-testid="remote-video"]'));
      look();
    },
    marks: () => marks,
  };
  Object.defineProperty(window, '__leanphoneCallProbe', { value: probe });
}
