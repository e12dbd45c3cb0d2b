/**
 * The phone as a whole: the connect form's values, the signalling connection and its refusals,
 * the live phone book (listed whole, or searched when the host's is too big), do-not-disturb, and
 * the wiring between the connection, the call, the history, the devices and the bridge. Components
 * read its state and call its methods.
 */
import type { DiscoveredServer, HostingState, LeanPhoneBridge, PhoneStatus, Ringtone } from '../../../common/bridge.js';
import { nameKey, nameProblem, normalizeName, type IceServer, type Message, type RefusedBody, type RegisteredBody, type Response, type RingGroupEntry, type SearchedPhoneBook, type SearchResultBody } from '../../../common/protocol.js';
import type { RingGroupDefinition } from '../../../common/ring-groups.js';
import { askNotificationPermission } from '../bridge/web-bridge.js';
import { ownerKeyFor } from '../lib/owner-keys.js';
import { PeopleMemory } from '../lib/people-memory.js';
import { SignInMemory } from '../lib/sign-in-memory.js';
import { PhoneBook, type Entry } from '../lib/phonebook.js';
import { ringGroupEntries, type GroupEntry } from '../lib/ring-groups.js';
import { SignalClient, signalUrl, type ConnectionState, type Refusal } from '../net/signal-client.js';
import { Tones } from '../rtc/tones.js';
import { CallStore, newCallId, NOT_CONNECTED } from './call.svelte.js';
import { DeviceStore } from './devices.svelte.js';
import { HistoryStore } from './history.svelte.js';
import { MessagesStore, offersVoicemail } from './messages.svelte.js';

/** The address of the server that served this page, when it is a web page. */
export function defaultServer(location: { protocol: string; host: string }): string {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return '';
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

export class PhoneStore {
  readonly bridge: LeanPhoneBridge;
  readonly tones = new Tones();
  readonly history: HistoryStore;
  readonly devices: DeviceStore;
  readonly call: CallStore;
  readonly messages: MessagesStore;

  server = $state('');
  name = $state('');
  passcode = $state('');
  connection = $state<ConnectionState>('disconnected');
  /** Why connecting failed, for role="alert". */
  error = $state('');
  /** Registered at least once since Connect: the main screen stays up while reconnecting. */
  signedIn = $state(false);
  me = $state('');
  dnd = $state(false);
  users = $state.raw<Entry[]>([]);
  /** The host's phone book is too big to list: it is searched by name, and `users` are the people found. Null while listed. */
  searched = $state.raw<SearchedPhoneBook | null>(null);
  /** The last search found more people than it shows. */
  searchMore = $state(false);
  /** The server's ring groups, with their members' presence. */
  groups = $state.raw<GroupEntry[]>([]);
  /** The desktop app's embedded server; null in a browser. */
  hosting = $state.raw<HostingState | null>(null);
  /** The ring groups the desktop app's embedded server offers (settings). */
  hostedRingGroups = $state.raw<RingGroupDefinition[]>([]);
  /** LeanPhone hosts found on the LAN (desktop only: a page cannot browse mDNS). */
  servers = $state.raw<DiscoveredServer[]>([]);

  readonly #storage: Storage;
  /** The browser phone's memory of who is signed in (null in the desktop app, which signs in by itself). */
  readonly #signIns: SignInMemory | null;
  #client: SignalClient | null = null;
  /** This phone told a server that knew none of its calls (it restarted) that it is in one. */
  #claimsCall = false;
  #book: PhoneBook | null = null;
  #people: PeopleMemory | null = null;
  #ringGroups: RingGroupEntry[] = [];
  /** The last search asked for, normalised; asked again after a new registration. */
  #query = '';
  /** The cseq of the last SEARCH sent: only its answer is shown. */
  #searchCseq = 0;
  /** The user's own STUN/TURN servers from settings, added to the server's. */
  ownIceServers = $state.raw<IceServer[]>([]);
  /** Media only through TURN relays (settings). */
  relayOnly = $state(false);
  /** The ringtone and its volume, 0 to 100 (settings). */
  ringtone = $state<Ringtone>('classic');
  ringtoneVolume = $state(80);
  #serverIceServers: IceServer[] = [];

  constructor(bridge: LeanPhoneBridge, storage: Storage, tabStorage: Storage | null = null) {
    this.bridge = bridge;
    this.#storage = storage;
    this.#signIns = bridge.kind === 'browser' && tabStorage ? new SignInMemory(tabStorage, storage) : null;
    this.history = new HistoryStore(storage);
    this.devices = new DeviceStore(bridge);
    this.messages = new MessagesStore(
      () => typeof document === 'undefined' || document.visibilityState === 'visible',
      (alert) => bridge.alertMessage(alert),
    );
    this.call = new CallStore({
      send: (message) => this.#client?.send(message),
      connected: () => this.connection === 'registered',
      idle: () => this.#callsOver(),
      alerts: bridge,
      history: this.history,
      devices: this.devices,
      tones: this.tones,
      network: () => ({ iceServers: [...this.#serverIceServers, ...this.ownIceServers], relayOnly: this.relayOnly }),
      offline: (peer) => this.users.some((person) => nameKey(person.name) === nameKey(peer) && person.state === 'offline'),
      ended: (peer, outgoing, outcome) => {
        if (outgoing && offersVoicemail(outcome, this.users.some((person) => person.name === peer))) this.messages.offerVoicemail(peer);
      },
    });
  }

  async init(location: { protocol: string; host: string }): Promise<void> {
    const settings = await this.bridge.getSettings();
    // A page may only reach the server that served it (its Content-Security-Policy says so).
    this.server = this.bridge.kind === 'browser' ? defaultServer(location) : settings.serverUrl || defaultServer(location);
    this.name = settings.name;
    this.passcode = settings.passcode;
    this.ownIceServers = settings.iceServers;
    this.relayOnly = settings.relayOnly;
    this.hostedRingGroups = settings.ringGroups;
    this.#ringtoneSaved(settings.ringtone, settings.ringtoneVolume);
    void this.devices.load().catch(() => undefined);
    this.bridge.onAlertAction(({ callId, action }) => {
      const state = this.call.calls.find((call) => call.callId === callId)?.state;
      if (state?.phase !== 'ringing') return;
      if (action === 'answer') this.call.answer(callId, state.media.video);
      else if (action === 'decline') this.call.decline(callId);
    });
    this.bridge.onDndChange((dnd) => this.setDnd(dnd));
    const again = this.#signIns?.autoSignIn();
    if (again) {
      // A reload or a reopened tab: the browser phone signs back in by itself.
      this.name = again.name;
      this.passcode = again.passcode;
      void this.#connect(again.resume);
    }
    if (this.bridge.kind === 'desktop') {
      this.bridge.onDiscoveredServers((servers) => (this.servers = servers));
      this.servers = await this.bridge.getDiscoveredServers();
      this.bridge.onHostingChange((state) => this.#hostingChanged(state));
      this.#hostingChanged(await this.bridge.getHosting());
      // The desktop app may start hidden at login: it must still ring, so it connects by itself.
      if (!this.#client && this.name && this.server) this.connect();
    }
  }

  async setHosting(enabled: boolean): Promise<void> {
    this.#hostingChanged(await this.bridge.setHosting(enabled));
  }

  /** Saves the hosted server's ring groups; a running server restarts with them. */
  async setHostedRingGroups(groups: RingGroupDefinition[]): Promise<void> {
    this.hostedRingGroups = (await this.bridge.updateSettings({ ringGroups: groups })).ringGroups;
  }

  /** When this machine starts hosting, its own phone joins that server unless already signed in. */
  #hostingChanged(state: HostingState): void {
    const started = state.running && !this.hosting?.running;
    this.hosting = state;
    if (started && state.running && !this.signedIn && nameProblem(normalizeName(this.name)) === null) {
      this.server = state.url;
      this.connect();
    }
  }

  /** The status line: the call's, else why calls cannot be placed, else that it is connecting. */
  get statusText(): string {
    const call = this.call.statusText;
    if (call) return call;
    if (this.signedIn && this.connection !== 'registered') return NOT_CONNECTED;
    return this.connection === 'connecting' ? 'Connecting…' : '';
  }

  get status(): PhoneStatus {
    return {
      connection: this.connection,
      dnd: this.dnd,
      inCall: this.call.calls.length > 0,
      missedCalls: this.history.missed,
      unreadMessages: this.messages.totalUnread,
    };
  }

  connect(): void {
    void this.#connect();
  }

  /** Connects to a host found on the LAN. */
  join(server: DiscoveredServer): void {
    this.server = server.url;
    this.connect();
  }

  async #connect(resume?: string): Promise<void> {
    const name = normalizeName(this.name);
    const problem = nameProblem(name);
    if (problem) {
      this.error = problem.charAt(0).toUpperCase() + problem.slice(1);
      return;
    }
    this.error = '';
    this.tones.unlock();
    if (this.bridge.kind === 'browser') askNotificationPermission();
    this.#client?.stop();
    this.#client = null;
    const url = signalUrl(this.server);
    if (url !== null && this.bridge.kind === 'desktop') {
      // The desktop side lets the window reach only the saved server, and checks its certificate pin.
      try {
        await this.bridge.updateSettings({ serverUrl: url });
        const trust = await this.bridge.trustServer(url);
        if (!trust.ok) {
          this.error = trust.warning;
          return;
        }
      } catch (error) {
        this.error = error instanceof Error ? error.message : String(error);
        return;
      }
    }
    const client = new SignalClient({
      server: this.server,
      name,
      passcode: this.passcode,
      ownerKey: ownerKeyFor(this.#storage, this.server, name),
      ...(resume === undefined ? {} : { resume }),
      log: (level, text) => (level === 'warn' ? console.warn(`LeanPhone: ${text}`) : console.info(`LeanPhone: ${text}`)),
      onState: (state) => this.#stateChanged(state),
      onRegistered: (body) => this.#registered(body),
      onRefused: (refusal) => this.#refused(refusal),
      onMessage: (message) => this.#message(message),
    });
    this.#client = client;
    client.start();
  }

  /** Sign out: as leaving, and the phone no longer signs in by itself. */
  disconnect(): void {
    this.#signIns?.signedOut();
    this.leave();
  }

  /** The page goes away (or signs out): hangs up, closes the connection (the server marks this phone offline). */
  leave(): void {
    this.call.shutdown();
    this.#client?.stop();
    this.#client = null;
    this.signedIn = false;
    this.messages.signedOut();
    this.#showBook(null);
    this.searched = null;
    this.history.open(null);
  }

  /** Finds people in a searched phone book by the start of a word of their name; they are listed and kept current. */
  search(query: string): void {
    this.#query = normalizeName(query);
    if (this.searched === null || !this.#client) return;
    if (this.#query !== '' && nameProblem(this.#query) !== null) {
      // No name could start so: the host would refuse it as bad input.
      this.#searchCseq = 0;
      this.#showFound({ users: [], more: false });
      return;
    }
    this.#searchCseq = this.#client.search(this.#query);
  }

  async setOwnIceServers(servers: IceServer[]): Promise<void> {
    const saved = await this.bridge.updateSettings({ iceServers: servers });
    this.ownIceServers = saved.iceServers;
  }

  async setRelayOnly(relayOnly: boolean): Promise<void> {
    this.relayOnly = (await this.bridge.updateSettings({ relayOnly })).relayOnly;
  }

  async setRingtone(ringtone: Ringtone, volume: number): Promise<void> {
    const saved = await this.bridge.updateSettings({ ringtone, ringtoneVolume: volume });
    this.#ringtoneSaved(saved.ringtone, saved.ringtoneVolume);
  }

  #ringtoneSaved(ringtone: Ringtone, volume: number): void {
    this.ringtone = ringtone;
    this.ringtoneVolume = volume;
    this.tones.configure(ringtone, volume);
  }

  setDnd(dnd: boolean): void {
    if (this.dnd === dnd) return;
    this.dnd = dnd;
    this.#publish();
  }

  #publish(): void {
    this.#client?.publish(this.dnd ? 'dnd' : 'online', this.#claimsCall);
  }

  /** The calls a restarted server never knew are over: it may show this phone free again. */
  #callsOver(): void {
    if (!this.#claimsCall) return;
    this.#claimsCall = false;
    this.#publish();
  }

  #stateChanged(state: ConnectionState): void {
    const was = this.connection;
    this.connection = state;
    if (state === 'reconnecting' && was === 'registered') this.call.connectionChanged(false);
  }

  #registered(body: RegisteredBody): void {
    this.error = '';
    if (!this.signedIn || body.name !== this.me) this.history.open(body.name);
    this.me = body.name;
    this.signedIn = true;
    this.#serverIceServers = body.iceServers;
    this.#ringGroups = body.groups ?? [];
    this.#people = new PeopleMemory(this.#storage, body.name);
    this.searched = body.phoneBook ?? null;
    // A searched book shows whom a search found, not the people this phone remembers.
    const book = new PhoneBook(body.name, this.searched ? undefined : this.#people.load());
    book.reset(body.users);
    this.#showBook(book);
    if (this.searched) this.search(this.#query);
    this.#signIns?.signedIn({ name: body.name, passcode: this.passcode, resume: body.resume });
    // A server that did not know us (restarted) forgot our do-not-disturb, and knows none of our calls.
    this.#claimsCall = !body.resumed && this.call.calls.length > 0;
    if (!body.resumed && (this.dnd || this.#claimsCall)) this.#publish();
    this.call.connectionChanged(true, body.resumed);
    if (this.#client) this.messages.connected(this.#client, body.maxMessageBytes);
    void this.bridge.updateSettings({ serverUrl: this.server.trim(), name: body.name, passcode: this.passcode }).catch(() => undefined);
  }

  #refused(refusal: Refusal): void {
    this.error = refusal.text;
    this.signedIn = false;
    this.messages.signedOut();
    this.#showBook(null);
    this.searched = null;
    this.call.shutdown();
    this.history.open(null);
  }

  /** The people in the phone book who can be called now (in a call's Add person). */
  get reachable(): Entry[] {
    return this.users.filter((user) => user.state !== 'offline');
  }

  /** Pins `name` on top of the phone book, or takes it back; kept for this user. */
  toggleFavourite(name: string): void {
    const book = this.#book;
    const entry = book?.get(name);
    if (!book || !entry) return;
    book.setFavourite(name, !entry.favourite);
    this.#showBook(book);
  }

  /** The phone book (null: none, signed out) and the ring groups with its presence; remembered for this user. */
  #showBook(book: PhoneBook | null): void {
    this.#book = book;
    this.users = book?.list() ?? [];
    this.groups = book ? ringGroupEntries(this.#ringGroups, book, this.me) : [];
    if (book && this.searched === null) this.#people?.save({ known: book.known, favourites: book.favourites });
  }

  /** A search's answer: the people found, in place of the last ones. */
  #showFound(found: SearchResultBody): void {
    const book = new PhoneBook(this.me);
    book.apply(found.users);
    this.searchMore = found.more;
    this.#showBook(book);
  }

  #searchAnswered(response: Response): void {
    // A refused search (too many, too fast) leaves the last people found shown and watched.
    if (response.cseq !== this.#searchCseq || this.searched === null || response.status !== 200) return;
    // checkIncoming holds a SEARCH 200 to its shape.
    this.#showFound(response.body as SearchResultBody);
  }

  /** The host's phone book grew past its limit: from now on it is searched. */
  #outgrown(phoneBook: SearchedPhoneBook): void {
    this.searched = phoneBook;
    this.#showFound({ users: [], more: false });
    this.search(this.#query);
  }

  /** The server refused a call for this phone (busy, do not disturb): it is kept as a missed call. */
  #missedWhileRefused({ caller, why, video }: RefusedBody): void {
    const outcome = why === 'dnd' ? 'missedDnd' : 'missedBusy';
    this.history.add({ id: newCallId(), peer: caller, direction: 'incoming', outcome, endedBy: null, video, at: Date.now(), seconds: 0 });
  }

  #message(message: Message): void {
    if ('status' in message) {
      if (message.method === 'PUBLISH' || message.method === 'REGISTER') return;
      if (message.method === 'SEARCH') {
        this.#searchAnswered(message);
        return;
      }
    } else if (message.method === 'NOTIFY' && message.body.event === 'presence') {
      const book = this.#book;
      if (message.body.phoneBook) this.#outgrown(message.body.phoneBook);
      else if (book) {
        // A searched book keeps whom the search found; the parties to a call are heard of too.
        book.apply(this.searched ? message.body.users.filter((user) => book.get(user.name) !== undefined) : message.body.users);
        this.#showBook(book);
      }
      return;
    } else if (message.method === 'NOTIFY' && message.body.event === 'refused') {
      // Only the server tells this; a NOTIFY relayed from a peer carries `from`.
      if (message.from === undefined) this.#missedWhileRefused(message.body);
      return;
    }
    if (this.messages.receive(message)) return;
    this.call.receive(message);
  }
}
