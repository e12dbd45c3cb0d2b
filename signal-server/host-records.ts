/**
 * What the host keeps between calls, as the switchboard's handlers reach it: the store, its
 * directory mirror, the mailbox for messages and message-waiting, and voicemail tickets. Null on a
 * server started without a data folder, which keeps nothing and answers MESSAGE and VOICEMAIL 501.
 */
import { Directory } from './directory.js';
import type { Logger } from './log.js';
import { Mailbox } from './mailbox.js';
import type { Router } from './router.js';
import type { HostStore, StoreLimits } from './store/host-store.js';
import { VoicemailTickets, type TicketLimits } from './voicemail-tickets.js';

/** What startSignalServer opens before the switchboard exists. */
export interface OpenedStore {
  readonly store: HostStore;
  readonly directory: Directory;
  readonly storeLimits: StoreLimits;
  readonly ticketLimits: TicketLimits;
  /** Messages in one page of a conversation's history. */
  readonly historyPageSize: number;
}

export interface HostRecords extends OpenedStore {
  readonly mailbox: Mailbox;
  readonly tickets: VoicemailTickets;
}

export function hostRecords(opened: OpenedStore, router: Router, logger: Logger): HostRecords {
  return {
    ...opened,
    mailbox: new Mailbox(opened.store, opened.directory, router, logger, opened.storeLimits.maxMessageBytes, opened.historyPageSize),
    tickets: new VoicemailTickets(opened.ticketLimits),
  };
}
