/**
 * What an SDP says about the far end's media, read from its direction attributes (RFC 3264):
 * an offer without "recv" on audio puts us on hold (sendonly / inactive); "recvonly" is a
 * muted microphone or a camera turned off. Also the directions this phone offers.
 */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RemoteMedia {
  /** The far end put the call on hold. */
  holding: boolean;
  /** The far end sends audio (not muted). */
  audio: boolean;
  /** The far end sends video (camera on). */
  video: boolean;
}

export interface LocalIntent {
  hold: boolean;
  muted: boolean;
  hasMic: boolean;
  cameraOn: boolean;
}

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const sends = (d: Direction | undefined): boolean => d === 'sendrecv' || d === 'sendonly';
const receives = (d: Direction | undefined): boolean => d === 'sendrecv' || d === 'recvonly';

/** The direction of the first audio and first video m-line (a port of 0 means inactive). */
export function directions(sdp: string): { audio?: Direction; video?: Direction } {
  const found: { audio?: Direction; video?: Direction } = {};
  let session: Direction = 'sendrecv';
  let kind: 'audio' | 'video' | 'other' | null = null;
  let current: Direction | null = null;
  const close = () => {
    if ((kind === 'audio' || kind === 'video') && found[kind] === undefined) found[kind] = current ?? session;
  };
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      close();
      const [media, port] = line.slice(2).split(' ');
      kind = media === 'audio' || media === 'video' ? media : 'other';
      current = port === '0' ? 'inactive' : null;
    } else if (line.startsWith('a=')) {
      const attribute = line.slice(2) as Direction;
      if (DIRECTIONS.includes(attribute)) {
        if (kind === null) session = attribute;
        else if (current !== 'inactive' || attribute === 'inactive') current = attribute;
      }
    }
  }
  close();
  return found;
}

/** The far end's media as its offer describes it. */
export function remoteFromOffer(sdp: string): RemoteMedia {
  const d = directions(sdp);
  const holding = !receives(d.audio) && !receives(d.video);
  return { holding, audio: !holding && sends(d.audio), video: !holding && sends(d.video) };
}

/** The far end's media as its answer describes it; hold is only ever set by an offer. */
export function remoteFromAnswer(sdp: string, holding: boolean): RemoteMedia {
  const d = directions(sdp);
  return { holding, audio: !holding && sends(d.audio), video: !holding && sends(d.video) };
}

/** The directions this phone asks for. On hold nothing is received (RFC 3264 section 8.4). */
export function localDirections(intent: LocalIntent): { audio: Direction; video: Direction } {
  const sendAudio = intent.hasMic && !intent.muted;
  if (intent.hold) {
    return { audio: sendAudio ? 'sendonly' : 'inactive', video: intent.cameraOn ? 'sendonly' : 'inactive' };
  }
  return { audio: sendAudio ? 'sendrecv' : 'recvonly', video: intent.cameraOn ? 'sendrecv' : 'recvonly' };
}
