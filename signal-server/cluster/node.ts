/**
 * One node of a cluster sharing a Redis: plugs a replica registry, a cluster router and name claims
 * into the switchboard; runs what other nodes send it (frames for its users, messages in dialogs it
 * is home to, new calls that follow a referral or join a conference it is home to); heartbeats, and purges a node whose heartbeat stopped once the grace period has
 * passed; after a Redis outage, re-asserts what it owns and reloads what the others own. A user
 * that resumes here from another node brings its name, and learns its dialogs' homes first.
 */
import { CloseCode, isResponse, type Message } from '../../common/protocol.js';
import { parseMessage } from '../../common/schema.js';
import type { DirectoryListener } from '../directory.js';
import type { Board, CallsElsewhere } from '../handlers/board.js';
import { handleRequest, relayResponse, unregister } from '../handlers/index.js';
import type { Logger } from '../log.js';
import { missingCase } from '../missing-case.js';
import { nameKeys, type NameKeys, type UserKey } from '../name-key.js';
import { FloodGuard } from '../rate-limit.js';
import { isParty, otherParty } from '../dialog.js';
import { stamped, type Connection, type LocalRouter } from '../router.js';
import type { Claim, LeaveReason, NameClaims, PresenceListener, Resumption } from '../registry.js';
import { newToken, secretHash } from '../secret.js';
import type { ClusterPlug } from '../switchboard.js';
import type { Consult, Envelope, HomedDialog, Member } from './envelope.js';
import { ClusterRouter } from './cluster-router.js';
import { RedisLink } from './redis-link.js';
import { RemoteDialogs, type RemoteDialog } from './remote-dialogs.js';
import { VouchedConsults } from './vouched-consults.js';
import { ClusterRegistry, type MemberStore } from './replica-registry.js';

/** How soon a resync that failed (Redis, or the store's own connection to it, not back yet) is tried again. */
const RESYNC_RETRY_MS = 200;
/**
 * How long the cluster remembers which node took over a call whose home died: every node purges a
 * dead node within about a heartbeat TTL of the first, so both parties' nodes ask well within it.
 */
const REHOME_CLAIM_MS = 60_000;
/** Consult calls vouched for by other nodes, kept for their referrals' INVITEs: far more than transfers under way at once. */
const MAX_VOUCHED_CONSULTS = 10_000;

export interface ClusterConfig {
  redisUrl: string;
  node: string;
  graceMs: number;
  heartbeatMs: number;
  nodeTtlMs: number;
  streamMaxLen: number;
  maxOutbox: number;
  maxRemoteDialogsPerUser: number;
  logger: Logger;
}

export class ClusterNode implements ClusterPlug {
  readonly #config: ClusterConfig;
  readonly #link: RedisLink;
  readonly #remote: RemoteDialogs;
  readonly #vouched = new VouchedConsults(MAX_VOUCHED_CONSULTS);
  /** The connections standing in, at a dialog's home, for users of other nodes. */
  readonly #proxies = new Map<UserKey, Connection>();
  /** Name keys being claimed by sockets of this node: a second claim of one waits for no Redis to refuse it. */
  readonly #claiming = new Set<string>();
  /** Other nodes whose heartbeat key is gone, since when. */
  readonly #missing = new Map<string, number>();
  /**
   * Busy marks wait for the end of the turn that set them: a new call's INVITE reaches the callee's
   * node first, not behind two marks and their fan-out.
   */
  readonly #pendingBusy = new Map<UserKey, boolean>();
  #busyTimer: NodeJS.Immediate | null = null;
  /** What this node released, or stopped marking busy, while Redis was away: redone when it is back. */
  readonly #releasedAway = new Map<UserKey, { skeleton: string; reason: LeaveReason }>();
  readonly #unbusiedAway = new Set<UserKey>();
  readonly #registry: ClusterRegistry;
  /** The other live nodes and their addresses, as of the last heartbeat. */
  #liveNodes = new Map<string, string>();
  /** Users resuming here, each awaiting the homes of its dialogs: `key\nhome` -> that home, and done. */
  readonly #awaitingHomes = new Map<string, { home: string; done: () => void }>();
  /** The switchboard's presence feed, given with registry(): the registry is made first, the router needs it. */
  #onPresence: PresenceListener = () => undefined;
  #router: ClusterRouter | null = null;
  #board: Board | null = null;
  /** Where the other nodes' directory changes go (the switchboard's directory mirror). */
  #directory: DirectoryListener | null = null;
  #address = '';
  #beatTimer: NodeJS.Timeout | null = null;
  #resyncing: Promise<void> | null = null;
  #resyncAgain = false;
  #resyncRetry: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(config: ClusterConfig, link: RedisLink) {
    this.#config = config;
    this.#link = link;
    this.#remote = new RemoteDialogs(config.maxRemoteDialogsPerUser);
    this.#registry = new ClusterRegistry(config.node, (key, name, state) => this.#onPresence(key, name, state), this.#store);
  }

  static async connect(config: ClusterConfig): Promise<ClusterNode> {
    const link = await RedisLink.connect({
      url: config.redisUrl,
      node: config.node,
      streamMaxLen: config.streamMaxLen,
      maxOutbox: config.maxOutbox,
      logger: config.logger,
    });
    return new ClusterNode(config, link);
  }

  registry(onPresence: PresenceListener): ClusterRegistry {
    this.#onPresence = onPresence;
    return this.#registry;
  }

  router(local: LocalRouter): ClusterRouter {
    this.#router = new ClusterRouter(this.#config.node, local, this.#registry, this.#link);
    return this.#router;
  }

  attach(board: Board): void {
    this.#board = board;
  }

  shareDirectory(elsewhere: DirectoryListener): DirectoryListener {
    this.#directory = elsewhere;
    return {
      seen: (key, name, lastSeen, owner) => this.#link.broadcast({ t: 'seen', key, name, lastSeen, owner }),
      forgotten: (key) => this.#link.broadcast({ t: 'forgot', key }),
    };
  }

  /** Loads who is registered, starts reading this node's stream and heartbeating; `address` is handed to phones. */
  async join(address: string): Promise<void> {
    this.#address = address;
    this.#link.listen({ envelope: (envelope) => this.#receive(envelope), reconnected: () => this.#resync() });
    await this.#beat();
    await this.#load();
    this.#beatTimer = setInterval(() => void this.#beat().catch(() => undefined), this.#config.heartbeatMs);
    this.#beatTimer.unref();
  }

  readonly claims: NameClaims = {
    claim: (name, keys) => this.#claim(name, keys),
    release: (keys) => void this.#link.release(keys.caseless, keys.skeleton, 'Peer left').catch(() => undefined),
    resume: (key, token) => this.#resume(key, token),
    otherNodes: () => [...this.#liveNodes].filter(([node, address]) => node !== this.#config.node && address !== '').map(([, address]) => address),
  };

  forwarded(sender: UserKey, message: Message): boolean {
    const callId = message.callId;
    if (callId === undefined || this.#board?.dialogs.get(callId)) return false;
    const dialog = this.#remote.get(sender, callId) ?? this.#newCallElsewhere(sender, message);
    if (!dialog) return false;
    const answers = isResponse(message) ? message.method === 'INVITE' && message.status >= 200 && message.status < 300 : message.method === 'ACK';
    if (answers) dialog.answered = true;
    if (!isResponse(message)) dialog.ownCseq = Math.max(dialog.ownCseq, message.cseq);
    const consult = this.#consultNamed(sender, message);
    this.#link.send(dialog.home, { t: 'dialog', from: sender, node: this.#config.node, message: JSON.stringify(message), ...(consult && { consult }) });
    return true;
  }

  readonly callsElsewhere: CallsElsewhere = {
    between: (callId, a, b) => this.#answeredWith(a, callId, b) || this.#answeredWith(b, callId, a),
  };

  /** `user`'s call `callId`, homed on another node, is answered and with `peer`: as this node knows its own user's calls, or as `user`'s node vouched. */
  #answeredWith(user: UserKey, callId: string, peer: UserKey): boolean {
    const dialog = this.#remote.get(user, callId);
    if (dialog?.answered && dialog.peerName !== null) return this.#registry.find(nameKeys(dialog.peerName)) === peer;
    return this.#vouched.vouched(user, callId, peer);
  }

  /** The answered call a REFER from `sender` replaces, as this node (its node) knows it: the home of the REFER's call may not. */
  #consultNamed(sender: UserKey, message: Message): Consult | undefined {
    if (isResponse(message) || message.method !== 'REFER' || message.body.replaces === undefined) return undefined;
    const callId = message.body.replaces;
    const local = this.#board?.dialogs.get(callId);
    if (local) return local.phase === 'confirmed' && isParty(local, sender) ? { callId, peer: otherParty(local, sender) } : undefined;
    const remote = this.#remote.get(sender, callId);
    const peer = remote?.answered && remote.peerName !== null ? this.#registry.find(nameKeys(remote.peerName)) : undefined;
    return peer === undefined ? undefined : { callId, peer };
  }

  /**
   * A new call that follows a referral, or joins a conference, homed on another node: it is that
   * node's to check and to be home to, so the new dialog is learnt as homed there.
   */
  #newCallElsewhere(sender: UserKey, message: Message): RemoteDialog | undefined {
    if (isResponse(message) || message.method !== 'INVITE') return undefined;
    const { referral, conference } = message.body;
    const anchor = referral ?? conference?.from;
    let home: string | undefined;
    if (anchor !== undefined) home = this.#remote.get(sender, anchor)?.home;
    else if (conference !== undefined && !this.#board?.conferences.get(conference.id)) home = this.#remote.conferenceHome(sender, conference.id);
    if (home === undefined) return undefined;
    this.#remote.learn(sender, message.callId, { home, peerName: message.to ?? null, cseq: message.cseq, conference: conference?.id ?? null });
    return this.#remote.get(sender, message.callId);
  }

  health(): { node: string; redis: 'up' | 'down' } {
    return { node: this.#config.node, redis: this.#link.up ? 'up' : 'down' };
  }

  stop(): void {
    if (this.#beatTimer) clearInterval(this.#beatTimer);
    this.#beatTimer = null;
    if (this.#busyTimer) clearImmediate(this.#busyTimer);
    this.#busyTimer = null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.stop();
    if (this.#resyncRetry) clearTimeout(this.#resyncRetry);
    this.#resyncRetry = null;
    await this.#link.close();
  }

  readonly #store: MemberStore = {
    changed: (key, member) => {
      this.#sendBusy();
      this.#link.update(key, member).catch(() => undefined);
    },
    released: (key, skeleton, reason) => {
      this.#sendBusy();
      this.#remote.forgetUser(key);
      this.#link.release(key, skeleton, reason).catch(() => this.#releasedAway.set(key, { skeleton, reason }));
    },
    busy: (key, busy) => {
      this.#pendingBusy.set(key, busy);
      this.#busyTimer ??= setImmediate(() => this.#sendBusy());
    },
    // Lost while Redis is away: the re-assertion after it writes every current token.
    renewed: (key, token) => {
      this.#sendBusy();
      this.#link.renew(key, secretHash(token)).catch(() => undefined);
    },
  };

  /** Writes the busy marks of this turn (each user's last), after the frames the turn sent and before any other write. */
  #sendBusy(): void {
    if (this.#busyTimer) clearImmediate(this.#busyTimer);
    this.#busyTimer = null;
    for (const [key, busy] of this.#pendingBusy) {
      this.#link.busy(key, busy).catch(() => {
        if (!busy) this.#unbusiedAway.add(key);
      });
    }
    this.#pendingBusy.clear();
  }

  async #claim(name: string, keys: NameKeys): Promise<Claim> {
    const held = [`c:${keys.caseless}`, `s:${keys.skeleton}`];
    if (held.some((key) => this.#claiming.has(key))) return 'taken';
    if (!this.#link.up) return 'unavailable';
    for (const key of held) this.#claiming.add(key);
    try {
      const member: Member = { name, skeleton: keys.skeleton, node: this.#config.node, published: 'online', connected: true, inCall: false };
      // The token is made once the name is this node's; its hash follows (MemberStore.renewed).
      return (await this.#link.claim(keys.caseless, member, false, '')) ? 'claimed' : 'taken';
    } catch {
      return 'unavailable';
    } finally {
      for (const key of held) this.#claiming.delete(key);
    }
  }

  /** Moves `key` here from its node (dead or alive) with its token, then asks the homes of its dialogs which they are. */
  async #resume(key: UserKey, token: string): Promise<Resumption> {
    const member = this.#registry.member(key);
    if (!member || this.#registry.isLocal(key)) return 'taken';
    if (!this.#link.up) return 'unavailable';
    const next = newToken();
    const moved: Member = { ...member, node: this.#config.node, connected: true };
    let from: string | null;
    try {
      from = await this.#link.takeOver(key, secretHash(token), secretHash(next), moved);
    } catch {
      return 'unavailable';
    }
    if (from === null) return 'taken';
    this.#registry.adopt(key, moved, next);
    // A home this node has not heard heartbeat yet (it started a moment ago) is asked too; one seen dead is not.
    const homes = this.#registry.busyOn(key).filter((node) => node !== this.#config.node && this.#liveNodes.get(node) !== '');
    await Promise.all(homes.map((home) => this.#askHome(key, home)));
    return { token: next };
  }

  /**
   * Asks `home` for `key`'s dialogs homed there; resolves when they are known here, or when a
   * heartbeat finds `home` dead. A live home answers however slow it is; the bound only covers
   * heartbeats that stop (Redis away).
   */
  #askHome(key: UserKey, home: string): Promise<void> {
    const waiting = `${key}\n${home}`;
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#config.nodeTtlMs + this.#config.graceMs);
      const awaiting = this.#awaitingHomes;
      function done(): void {
        clearTimeout(timer);
        awaiting.delete(waiting);
        resolve();
      }
      awaiting.set(waiting, { home, done });
      this.#link.send(home, { t: 'moved', key, node: this.#config.node });
    });
  }

  /** `key` resumed on `node`: tells it every dialog of `key`'s homed here. */
  #tellHomed(board: Board, key: UserKey, node: string): void {
    const dialogs: HomedDialog[] = board.dialogs.of(key).map((dialog) => {
      const peer = otherParty(dialog, key);
      return {
        callId: dialog.callId,
        peer: this.#registry.get(peer)?.name ?? '',
        peerCseq: dialog.lastCseq.get(peer) ?? 0,
        inviteCseq: dialog.inviteCseq,
        answered: dialog.phase === 'confirmed',
        conference: board.conferences.ofCall(dialog.callId)?.id ?? null,
      };
    });
    this.#link.send(node, { t: 'homed', key, node: this.#config.node, dialogs });
  }

  /** This node's user resumed on another node: its socket here is replaced, its calls stay (their homes route to it there). */
  #movedAway(key: UserKey, member: Member): void {
    const router = this.#router;
    this.#registry.movedAway(key, member);
    this.#remote.forgetUser(key);
    router?.local.close(key, CloseCode.replaced, 'Replaced');
    router?.local.drop(key);
    this.#board?.phoneBook.left(key);
    this.#board?.callGuard.forget(key);
    this.#board?.config.addressLimits.nameReleased(key);
  }

  #receive(envelope: Envelope): void {
    const board = this.#board;
    const registry = this.#registry;
    const router = this.#router;
    if (!board || !registry || !router) return;
    switch (envelope.t) {
      case 'user':
        if (registry.isLocal(envelope.key) && envelope.user.node !== this.#config.node) this.#movedAway(envelope.key, envelope.user);
        else registry.applyMember(envelope.key, envelope.user);
        return;
      case 'gone':
        if (registry.nodeOf(envelope.key) === envelope.node && !registry.isLocal(envelope.key)) this.#lost(envelope.key, envelope.reason);
        return;
      case 'busy':
        registry.applyBusy(envelope.key, envelope.node, envelope.busy);
        return;
      case 'frame':
        if (envelope.home !== undefined && envelope.callId !== undefined && router.local.has(envelope.to)) {
          const peer = envelope.from === undefined ? null : (registry.get(envelope.from)?.name ?? null);
          this.#remote.learn(envelope.to, envelope.callId, { home: envelope.home, peerName: peer, cseq: envelope.cseq, conference: envelope.conference ?? null });
        }
        router.local.send(envelope.to, envelope.frame);
        return;
      case 'close':
        router.local.close(envelope.to, envelope.code, envelope.reason);
        return;
      case 'dialog':
        this.#handleForwarded(board, envelope.from, envelope.node, envelope.message, envelope.consult);
        return;
      case 'moved':
        if (registry.nodeOf(envelope.key) === envelope.node) this.#tellHomed(board, envelope.key, envelope.node);
        return;
      case 'homed':
        if (!registry.isLocal(envelope.key)) return;
        for (const dialog of envelope.dialogs) {
          const { callId, peer, peerCseq, inviteCseq, answered, conference } = dialog;
          this.#remote.adopt({ callId, home: envelope.node, user: envelope.key, peerName: peer, peerCseq, inviteCseq, answered, conference });
        }
        this.#awaitingHomes.get(`${envelope.key}\n${envelope.node}`)?.done();
        return;
      case 'seen':
        this.#directory?.seen(envelope.key, envelope.name, envelope.lastSeen, envelope.owner);
        return;
      case 'forgot':
        this.#directory?.forgotten(envelope.key);
        return;
      default:
        missingCase(envelope);
    }
  }

  /** A message from another node's user in a dialog homed here: the same handlers as for a local one. */
  #handleForwarded(board: Board, sender: UserKey, node: string, text: string, consult: Consult | undefined): void {
    if (this.#registry.nodeOf(sender) !== node) return;
    if (consult) this.#vouched.vouch(sender, consult.callId, consult.peer);
    const parsed = parseMessage(text);
    if (!parsed.ok) return;
    const connection = this.#proxyFor(sender);
    if (isResponse(parsed.message)) relayResponse(board, connection, sender, parsed.message);
    else handleRequest(board, connection, sender, parsed.message);
  }

  #proxyFor(key: UserKey): Connection {
    let proxy = this.#proxies.get(key);
    if (proxy) return proxy;
    proxy = {
      link: {
        send: (frame) => this.#router?.sendFrame(key, String(frame)),
        close: (code, reason) => {
          const node = this.#registry.nodeOf(key);
          if (node !== undefined) this.#link.send(node, { t: 'close', to: key, code, reason });
        },
      },
      remote: `node ${this.#registry.nodeOf(key) ?? '?'}`,
      flood: new FloodGuard(this.#board!.config.floodLimits, Date.now()),
      user: key,
      claiming: false,
      registerTimer: null,
    };
    this.#proxies.set(key, proxy);
    return proxy;
  }

  /** Another node's user is gone: dialogs homed here end for the other party, and it goes offline. */
  #lost(key: UserKey, reason: LeaveReason): void {
    if (this.#board) unregister(this.#board, key, reason);
    this.#proxies.delete(key);
  }

  async #beat(): Promise<void> {
    if (!this.#link.up) return;
    const { added, nodes } = await this.#link.heartbeat(this.#address, this.#config.nodeTtlMs);
    this.#liveNodes = nodes;
    for (const { home, done } of [...this.#awaitingHomes.values()]) if (!nodes.get(home)) done();
    // Missing from the set: Redis lost its data, or another node purged this one while it was silent.
    if (added) this.#resync();
    const now = Date.now();
    const suspects = new Set([...nodes.keys(), ...(this.#registry.nodes() ?? []), ...this.#remote.homes()]);
    suspects.delete(this.#config.node);
    for (const node of suspects) {
      if (nodes.get(node)) {
        this.#missing.delete(node);
        continue;
      }
      const since = this.#missing.get(node) ?? now;
      this.#missing.set(node, since);
      if (now - since >= this.#config.graceMs) this.#purge(node);
    }
  }

  /**
   * `node` stopped heartbeating a grace period ago: its users go offline (dialogs homed here end
   * for their parties with BYE "Peer lost"). A dialog it was home to for a user here goes on when
   * both parties live on (the other resumed elsewhere): one of their nodes takes it over. Any other
   * ends for the user here.
   */
  #purge(node: string): void {
    this.#missing.delete(node);
    const registry = this.#registry;
    this.#config.logger.log('warn', 'node-lost', { node, users: registry.membersOf(node).length });
    for (const dialog of this.#remote.takeHomedOn(node)) {
      const peer = this.#survivingPeer(dialog, node);
      if (peer === undefined) this.#endLost(dialog);
      else void this.#rehome(dialog, peer);
    }
    for (const key of registry.membersOf(node)) this.#lost(key, 'Peer lost');
    registry.dropNode(node);
    this.#link.purge(node).catch(() => undefined);
  }

  /** The other party of an answered call (no conference link) homed on `dead`, when it is registered on a live node. */
  #survivingPeer(dialog: RemoteDialog, dead: string): UserKey | undefined {
    if (!dialog.answered || dialog.conference !== null || dialog.peerName === null || !this.#registry.get(dialog.user)) return undefined;
    const peer = this.#registry.find(nameKeys(dialog.peerName));
    const node = peer === undefined ? undefined : this.#registry.nodeOf(peer);
    return node === undefined || node === dead ? undefined : peer;
  }

  /** Ends a dialog whose home was lost for this node's user: BYE "Peer lost" once answered, else CANCEL. */
  #endLost(dialog: RemoteDialog): void {
    const user = this.#registry.get(dialog.user);
    if (!user) return;
    const ending = dialog.answered
      ? { method: 'BYE' as const, cseq: dialog.peerCseq + 1, callId: dialog.callId, body: { reason: 'Peer lost' } }
      : { method: 'CANCEL' as const, cseq: dialog.inviteCseq, callId: dialog.callId };
    this.#router?.local.send(dialog.user, stamped(JSON.stringify(dialog.peerName ?? ''), JSON.stringify(user.name), ending));
  }

  /**
   * The first of the two parties' nodes to ask Redis becomes the call's home: this one holds it from
   * here and tells the other party's node; otherwise this node's user sends to the node that did.
   */
  async #rehome(dialog: RemoteDialog, peer: UserKey): Promise<void> {
    let home: string;
    try {
      home = await this.#link.rehome(dialog.callId, REHOME_CLAIM_MS);
    } catch {
      this.#endLost(dialog);
      return;
    }
    const { callId, user } = dialog;
    if (home !== this.#config.node) {
      this.#remote.adopt({ ...dialog, home });
      return;
    }
    const board = this.#board;
    if (!board) return;
    if (!board.dialogs.get(callId)) board.dialogs.adopt({ callId, caller: user, callee: peer, lastCseq: new Map([[user, dialog.ownCseq], [peer, dialog.peerCseq]]) });
    const peerNode = this.#registry.nodeOf(peer);
    if (peerNode === undefined || peerNode === this.#config.node) return;
    const told: HomedDialog = { callId, peer: this.#registry.get(user)?.name ?? '', peerCseq: dialog.ownCseq, inviteCseq: dialog.inviteCseq, answered: true, conference: null };
    this.#link.send(peerNode, { t: 'homed', key: peer, node: this.#config.node, dialogs: [told] });
    this.#config.logger.log('info', 'call-rehomed', { callId });
  }

  async #load(): Promise<void> {
    const snapshot = await this.#link.snapshot();
    const registry = this.#registry;
    if (!registry) return;
    for (const [key, member] of snapshot.members) {
      if (member.node === this.#config.node) {
        // Left over from before an outage: released now unless it is still this node's.
        if (!registry.isLocal(key)) this.#link.release(key, member.skeleton, 'Peer lost').catch(() => undefined);
      } else registry.applyMember(key, member);
    }
    for (const { key, node } of snapshot.busy) registry.applyBusy(key, node, true);
    // Directory changes told while this node was not reading (before joining, or Redis away); its
    // own users are written again, for a Redis that came back without its data.
    const directory = this.#board?.records?.directory;
    if (!directory) return;
    await directory.reload();
    await Promise.all([...registry.localMembers()].map(([key]) => directory.rewrite(key)));
  }

  /** Redis is back (or lost this node's state): redo what this node owns, then reload the others'. */
  #resync(): void {
    if (this.#resyncing) {
      this.#resyncAgain = true;
      return;
    }
    this.#resyncing = this.#reassert()
      .then(() => this.#load())
      .then(() => this.#link.flush())
      .catch((error: unknown) => {
        this.#config.logger.log('warn', 'cluster-resync-failed', { message: String(error) });
        // The store has a connection of its own, which may not be back yet: try again shortly.
        if (this.#closed) return;
        this.#resyncRetry ??= setTimeout(() => {
          this.#resyncRetry = null;
          this.#resync();
        }, RESYNC_RETRY_MS);
        this.#resyncRetry.unref();
      })
      .finally(() => {
        this.#resyncing = null;
        if (this.#resyncAgain) {
          this.#resyncAgain = false;
          this.#resync();
        }
      });
  }

  async #reassert(): Promise<void> {
    const registry = this.#registry;
    if (!registry) return;
    await this.#beat();
    const writes: Promise<unknown>[] = [];
    for (const [key, member, token] of registry.localMembers()) {
      writes.push(
        this.#link.claim(key, member, true, secretHash(token)).then((claimed) => {
          if (!claimed) this.#config.logger.log('warn', 'cluster-name-conflict', { user: member.name });
        }),
      );
    }
    for (const [key, { skeleton, reason }] of this.#releasedAway) writes.push(this.#link.release(key, skeleton, reason));
    this.#releasedAway.clear();
    const busy = new Set(registry.ownBusy());
    for (const key of busy) writes.push(this.#link.busy(key, true));
    for (const key of this.#unbusiedAway) if (!busy.has(key)) writes.push(this.#link.busy(key, false));
    this.#unbusiedAway.clear();
    await Promise.all(writes);
  }
}
