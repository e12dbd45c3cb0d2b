/**
 * The messages store between the page and the connection: own messages go sent -> delivered ->
 * read as the host and the peer report, theirs are acknowledged and read only while shown, and
 * the host's size limit is enforced before anything is sent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEntry, Message, ReceiptState, VoicemailTicketPurpose } from '../../common/protocol.js';
import { MessagesStore, offersVoicemail } from '../../renderer/src/stores/messages.svelte.js';
import { RECEIPT_BATCH_MS } from '../../renderer/src/stores/receipt-outbox.js';

function fakePort() {
  let cseq = 0;
  const sent: { to: string; text: string; cseq: number }[] = [];
  const receipts: { state: ReceiptState; ids: string[] }[] = [];
  const tickets: { purpose: VoicemailTicketPurpose; to: string | undefined; cseq: number }[] = [];
  const histories: { peer: string; before: string | undefined; cseq: number }[] = [];
  return {
    sent,
    receipts,
    tickets,
    histories,
    askHistory: (peer: string, before?: string) => (histories.push({ peer, before, cseq: ++cseq }), cseq),
    sendMessage: (to: string, text: string) => (sent.push({ to, text, cseq: ++cseq }), cseq),
    reportReceipt: (state: ReceiptState, ids: string[]) => void receipts.push({ state, ids }),
    askVoicemailTicket: (purpose: VoicemailTicketPurpose, to?: string) => (tickets.push({ purpose, to, cseq: ++cseq }), cseq),
  };
}

const delivered = (from: string, id: string, text: string): Message => ({ method: 'MESSAGE', cseq: 9, from, to: 'Ada', body: { id, text, sentAt: 5 } });
const receipt = (from: string, state: ReceiptState, ids: string[]): Message => ({ method: 'NOTIFY', cseq: 9, from, body: { event: 'receipt', state, ids, at: 6 } });

const entry = (id: string, from: string, to: string, text: string, sentAt: number, state: HistoryEntry['state']): HistoryEntry => ({ id, from, to, text, sentAt, state });
const page = (cseq: number, messages: HistoryEntry[], more: boolean): Message => ({ status: 200, reason: 'OK', method: 'HISTORY', cseq, body: { messages, more } });

function setUp(visible = { now: true }, maxBytes: number | undefined = 10) {
  const port = fakePort();
  const store = new MessagesStore(() => visible.now);
  store.connected(port, maxBytes);
  return { port, store, visible };
}

/** Receipts leave in batches: what the store has gathered goes out once the batch's time is up. */
const batchSent = (): void => void vi.advanceTimersByTime(RECEIPT_BATCH_MS);

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('messages store', () => {
  it('shows an own message sending, then sent with the host id, delivered and read; never backwards', () => {
    const { port, store } = setUp();
    expect(store.send('Bob', 'hi')).toBe(true);
    expect(store.lines('bob')).toMatchObject([{ kind: 'mine', text: 'hi', state: 'sending', id: null }]);
    store.receive({ status: 200, reason: 'OK', method: 'MESSAGE', cseq: port.sent[0]!.cseq, body: { id: 'msg-00001', sentAt: 7 } });
    expect(store.lines('Bob')).toMatchObject([{ state: 'sent', id: 'msg-00001', at: 7 }]);
    store.receive(receipt('Bob', 'delivered', ['msg-00001']));
    expect(store.lines('Bob')[0]).toMatchObject({ state: 'delivered' });
    store.receive(receipt('BOB', 'read', ['msg-00001']));
    store.receive(receipt('Bob', 'delivered', ['msg-00001']));
    expect(store.lines('Bob')[0]).toMatchObject({ state: 'read' });
    // Someone else's receipt for Bob's message id changes nothing.
    store.receive(receipt('Mallory', 'read', ['msg-00001']));
    expect(store.lines('Mallory')).toEqual([]);
  });

  it('after the connection dropped with a message unanswered, shows it once: sent when the host kept it, failed when it did not', () => {
    const { port, store } = setUp();
    store.send('Bob', 'kept');
    store.send('Bob', 'lost');
    // The 200s went out on the socket that dropped; the phone signs back in on a new one.
    const again = fakePort();
    store.connected(again, 10);
    const asked = again.histories.find((history) => history.peer.toLowerCase() === 'bob');
    expect(asked, 'the conversation is asked again').toBeDefined();
    expect(store.lines('Bob').map((line) => line.kind === 'mine' && line.state)).toEqual(['sending', 'sending']);
    store.receive(page(asked!.cseq, [entry('msg-00001', 'Ada', 'Bob', 'kept', 7, 'delivered')], false));
    expect(store.lines('Bob')).toMatchObject([
      { kind: 'mine', text: 'kept', id: 'msg-00001', state: 'delivered' },
      { kind: 'mine', text: 'lost', id: null, state: 'failed', error: 'Not sent: the connection dropped' },
    ]);
    expect(port.sent).toHaveLength(2);
  });

  it('takes the answer to a message the client held back until it signed in again: refused says why, and history does not undo it', () => {
    const { port, store } = setUp();
    store.send('Bob', 'held back');
    const again = fakePort();
    store.connected(again, 10);
    // The client sends what it held after registering: the answer comes on the new connection.
    store.receive({ status: 480, reason: 'Temporarily Unavailable', method: 'MESSAGE', cseq: port.sent[0]!.cseq });
    expect(store.lines('Bob')[0]).toMatchObject({ state: 'failed', error: 'Not sent: their mailbox is full' });
    const asked = again.histories.find((history) => history.peer.toLowerCase() === 'bob');
    store.receive(page(asked!.cseq, [], false));
    expect(store.lines('Bob')).toMatchObject([{ text: 'held back', state: 'failed', error: 'Not sent: their mailbox is full' }]);
  });

  it('marks a message unanswered when the connection dropped failed at once on a host that keeps no messages', () => {
    const { store } = setUp();
    store.send('Bob', 'hi');
    store.connected(fakePort(), undefined);
    expect(store.lines('Bob')[0]).toMatchObject({ state: 'failed', error: 'Not sent: the connection dropped' });
  });

  it('sends a failed message again in its place, once: back to sending, then sent', () => {
    const { port, store } = setUp();
    store.send('Bob', 'first');
    store.send('Bob', 'second');
    store.receive({ status: 480, reason: 'Temporarily Unavailable', method: 'MESSAGE', cseq: port.sent[0]!.cseq });
    const failed = store.lines('Bob')[0]!;
    expect(store.sendAgain('Bob', failed.key)).toBe(true);
    expect(store.sendAgain('Bob', failed.key), 'already on its way').toBe(false);
    expect(store.sendAgain('Bob', store.lines('Bob')[1]!.key), 'not failed').toBe(false);
    expect(port.sent.map((sent) => sent.text)).toEqual(['first', 'second', 'first']);
    expect(store.lines('Bob')).toMatchObject([{ text: 'first', state: 'sending', error: '' }, { text: 'second', state: 'sending' }]);
    store.receive({ status: 200, reason: 'OK', method: 'MESSAGE', cseq: port.sent[2]!.cseq, body: { id: 'msg-00003', sentAt: 9 } });
    expect(store.lines('Bob')[0]).toMatchObject({ text: 'first', state: 'sent', id: 'msg-00003' });
  });

  it('marks a refused message failed, with why', () => {
    const { port, store } = setUp();
    store.send('Bob', 'hi');
    store.receive({ status: 480, reason: 'Temporarily Unavailable', method: 'MESSAGE', cseq: port.sent[0]!.cseq });
    expect(store.lines('Bob')[0]).toMatchObject({ state: 'failed', error: 'Not sent: their mailbox is full' });
  });

  it('refuses text over the host limit in UTF-8 bytes, or empty, and sends nothing', () => {
    const { port, store } = setUp();
    expect(store.problem('ééééé')).toBeNull();
    expect(store.problem('éééééé')).toBe('Too long: 12 of 10 bytes');
    expect(store.send('Bob', 'éééééé')).toBe(false);
    expect(store.send('Bob', '   ')).toBe(false);
    expect(port.sent).toEqual([]);
    const none = new MessagesStore(() => true);
    none.connected(fakePort(), undefined);
    expect(none.problem('hi')).toBe('This host keeps no messages');
  });

  it('acknowledges messages in one receipt a batch, counts them unread until their conversation is open and visible, then reports them read', () => {
    const { port, store, visible } = setUp();
    store.receive(delivered('Bob', 'msg-00002', '<b>hi</b>'));
    store.receive(delivered('Bob', 'msg-00003', 'again'));
    store.receive(delivered('Bob', 'msg-00002', '<b>hi</b>'));
    vi.advanceTimersByTime(RECEIPT_BATCH_MS - 1);
    expect(port.receipts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(port.receipts).toEqual([{ state: 'delivered', ids: ['msg-00002', 'msg-00003'] }]);
    // At least once: a repeat after its batch is acknowledged again.
    store.receive(delivered('Bob', 'msg-00002', '<b>hi</b>'));
    batchSent();
    expect(port.receipts.at(-1)).toEqual({ state: 'delivered', ids: ['msg-00002'] });
    expect(store.unread('bob')).toBe(2);
    expect(store.totalUnread).toBe(2);

    visible.now = false;
    store.openConversation('Bob');
    expect(store.unread('Bob')).toBe(2);
    visible.now = true;
    store.seen();
    batchSent();
    expect(port.receipts.at(-1)).toEqual({ state: 'read', ids: ['msg-00002', 'msg-00003'] });
    expect(store.totalUnread).toBe(0);

    store.receive(delivered('Bob', 'msg-00004', 'while open'));
    batchSent();
    expect(port.receipts.slice(-2)).toEqual([
      { state: 'delivered', ids: ['msg-00004'] },
      { state: 'read', ids: ['msg-00004'] },
    ]);
    store.closeConversation();
    store.receive(delivered('Bob', 'msg-00005', 'closed'));
    expect(store.unread('Bob')).toBe(1);
  });

  it('gathers a sign-in\'s waiting messages into one receipt, sends what waited while disconnected at the next registration, and forgets it on sign-out', () => {
    const { port, store } = setUp(undefined, 100);
    const ids = Array.from({ length: 300 }, (_, index) => `msg-${String(index).padStart(5, '0')}`);
    for (const id of ids) store.receive(delivered('Bob', id, id));
    batchSent();
    expect(port.receipts).toEqual([{ state: 'delivered', ids }]);

    store.receive(delivered('Bob', 'msg-10000', 'just before the connection changed'));
    const next = fakePort();
    store.connected(next, 100);
    batchSent();
    expect(next.receipts).toEqual([{ state: 'delivered', ids: ['msg-10000'] }]);
    expect(port.receipts).toHaveLength(1);

    store.receive(delivered('Bob', 'msg-10001', 'just before signing out'));
    store.signedOut();
    const later = fakePort();
    store.connected(later, 100);
    batchSent();
    expect(later.receipts).toEqual([]);
    expect(next.receipts).toHaveLength(1);
  });

  it('tells the bridge of each new message once (a repeat is not news)', () => {
    const alerts: { from: string; text: string }[] = [];
    const store = new MessagesStore(() => false, (alert) => alerts.push(alert));
    store.connected(fakePort(), 100);
    store.receive(delivered('Bob', 'msg-00006', 'ping'));
    store.receive(delivered('Bob', 'msg-00006', 'ping'));
    expect(alerts).toEqual([{ from: 'Bob', text: 'ping' }]);
  });

  it('answers a voicemail ticket request with the host ticket, or its refusal in words', async () => {
    const { port, store } = setUp();
    const upload = store.ticket('upload', 'Bob');
    store.receive({ status: 200, reason: 'OK', method: 'VOICEMAIL', cseq: port.tickets[0]!.cseq, body: { ticket: 't-1', expiresAt: 9, maxBytes: 10, maxMs: 60_000 } });
    await expect(upload).resolves.toEqual({ ticket: 't-1', expiresAt: 9, maxBytes: 10, maxMs: 60_000 });
    const refused = store.ticket('upload', 'Bob');
    store.receive({ status: 503, reason: 'Too many', method: 'VOICEMAIL', cseq: port.tickets[1]!.cseq });
    await expect(refused).rejects.toThrow('Too many voicemails lately: try again in a minute');
  });

  it('loads a conversation from the host when it opens, once a registration, with the states it kept, and reports theirs read', () => {
    const { port, store } = setUp();
    store.receive(delivered('Bob', 'msg-00009', 'live one'));
    store.openConversation('Bob');
    store.closeConversation();
    store.openConversation('BOB');
    expect(port.histories).toEqual([{ peer: 'Bob', before: undefined, cseq: 1 }]);
    store.receive(
      page(
        1,
        [
          entry('msg-00001', 'Ada', 'Bob', 'hello', 1, 'read'),
          entry('msg-00002', 'Bob', 'Ada', 'hi Ada', 2, 'delivered'),
          entry('msg-00003', 'Ada', 'Bob', 'lunch?', 3, 'delivered'),
          entry('msg-00009', 'Bob', 'Ada', 'live one', 5, 'sent'),
        ],
        true,
      ),
    );
    expect(store.lines('Bob').map((line) => [line.kind, line.text, line.kind === 'mine' ? line.state : line.read])).toEqual([
      ['mine', 'hello', 'read'],
      ['theirs', 'hi Ada', true],
      ['mine', 'lunch?', 'delivered'],
      ['theirs', 'live one', true],
    ]);
    // Open and visible: what was unread of theirs is read now, and the host is told.
    batchSent();
    expect(port.receipts).toEqual([
      { state: 'delivered', ids: ['msg-00009'] },
      { state: 'read', ids: ['msg-00009', 'msg-00002'] },
    ]);
    expect(store.unread('Bob')).toBe(0);

    // Older pages on request, from the oldest shown; none when the host keeps no more.
    expect(store.hasEarlier('Bob')).toBe(true);
    store.loadEarlier('Bob');
    expect(port.histories.at(-1)).toMatchObject({ peer: 'Bob', before: 'msg-00001' });
    store.receive(page(port.histories.at(-1)!.cseq, [entry('msg-00000', 'Ada', 'Bob', 'first', 0, 'read')], false));
    expect(store.lines('Bob').map((line) => line.text)).toEqual(['first', 'hello', 'hi Ada', 'lunch?', 'live one']);
    expect(store.hasEarlier('Bob')).toBe(false);

    // A new registration asks again the next time it opens; an answer to nothing asked changes nothing.
    store.connected(port, 10);
    store.openConversation('Bob');
    expect(port.histories).toHaveLength(3);
    store.receive(page(99, [entry('msg-00077', 'Bob', 'Ada', 'injected', 9, 'sent')], false));
    expect(store.lines('Bob').map((line) => line.text)).not.toContain('injected');
  });
});

describe('offersVoicemail', () => {
  const rejected = (status: number) => ({ kind: 'rejected', status }) as const;

  it('offers a message after no answer, busy, do not disturb or unavailable, and offline for someone in the phone book', () => {
    for (const status of [408, 480, 486, 600]) expect(offersVoicemail(rejected(status), false), String(status)).toBe(true);
    expect(offersVoicemail(rejected(404), true), 'offline, in the phone book').toBe(true);
  });

  it('offers none after a call that was answered, declined, cancelled, or failed, nor to a name nobody has', () => {
    expect(offersVoicemail(rejected(404), false), 'a name not in the phone book').toBe(false);
    for (const status of [403, 503, 603]) expect(offersVoicemail(rejected(status), true), String(status)).toBe(false);
    for (const outcome of [{ kind: 'declined' }, { kind: 'cancelled' }, { kind: 'hangup', by: 'remote' }, { kind: 'failed', cause: 'network', detail: '' }] as const) {
      expect(offersVoicemail(outcome, true), outcome.kind).toBe(false);
    }
  });
});
