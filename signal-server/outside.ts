/**
 * The seam for parties beyond this server (the SIP gateway): `Outside` is what the switchboard asks
 * of it, `PeerPort` what it may do on the switchboard. An outside party of a call is a peer: it has
 * a route like a user's, and speaks the protocol on it, but is in no phone book and registers nothing.
 */
import type { PresenceState } from '../common/protocol.js';
import type { UserKey } from './name-key.js';
import type { Connection, Link } from './router.js';

export interface Outside {
  /**
   * `to`, which names no user or group here, is for a party outside: answers the key of a peer
   * opened for this one call by `caller`, which the INVITE is delivered to next, or null when `to`
   * is nothing the outside can reach. A peer that gets no INVITE closes itself.
   */
  dial(to: string, caller: UserKey): UserKey | null;
  /** A user's visible state changed: `online` on registering, `offline` once gone. */
  presence(key: UserKey, name: string, state: PresenceState): void;
}

export interface PeerPort {
  /** Frames for `key` go to `link` from now on; `name` is stamped as the `from` of what it sends. */
  openPeer(key: UserKey, name: string, link: Link): Connection;
  /** One frame from a peer, handled as from any registered client. */
  receive(connection: Connection, text: string): void;
  /** The peer is gone: its dialogs end for the other parties (BYE, 480 or CANCEL, as for a lost user) and its route goes. */
  closePeer(connection: Connection, reason: 'Peer left' | 'Peer lost'): void;
}
