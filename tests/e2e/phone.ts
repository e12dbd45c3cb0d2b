/**
 * One user's browser phone, driven only through the UI contract of issue 3: accessible roles and
 * names, the "Phone book" list, the status and alert regions, and the two video test ids.
 */
import { expect, type Locator, type Page } from '@playwright/test';

/** Escapes regex syntax, and writes quotes as \x27/\x22 (Playwright's chained selectors choke on them). */
const escapeRegExp = (text: string): string =>
  text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll("'", '\\x27').replaceAll('"', '\\x22');

/** An accessible name that starts with `name` as a whole word ("Ada, online" but not "Adam, online"). */
export const startsWithName = (name: string): RegExp => new RegExp(`^${escapeRegExp(name)}(?![\\p{L}\\p{N}_\\x27.-])`, 'u');

export class Phone {
  readonly page: Page;
  readonly name: string;

  constructor(page: Page, name: string) {
    this.page = page;
    this.name = name;
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }
  get nameBox(): Locator {
    return this.page.getByRole('textbox', { name: 'Name', exact: true });
  }
  get serverBox(): Locator {
    return this.page.getByRole('textbox', { name: 'Server', exact: true });
  }
  get passcodeBox(): Locator {
    // Not exact: the label reads "Passcode (optional)".
    return this.page.getByRole('textbox', { name: 'Passcode' });
  }
  get phoneBook(): Locator {
    return this.page.getByRole('list', { name: 'Phone book', exact: true });
  }
  get search(): Locator {
    return this.page.getByRole('searchbox', { name: 'Search', exact: true });
  }
  /** The do-not-disturb toggle button (aria-pressed). */
  get doNotDisturb(): Locator {
    return this.button('Do not disturb');
  }
  /** The header: your name and your own state ("Online", "In a call", "Do not disturb", "Reconnecting…"). */
  get header(): Locator {
    return this.page.getByRole('banner');
  }
  /** The call state and end messages ("Calling Ada…", "In call with Ada", "Ada declined the call"). */
  get status(): Locator {
    return this.page.getByRole('status');
  }
  /** Connection errors ("That name is taken", "Wrong passcode", ...). */
  get alert(): Locator {
    return this.page.getByRole('alert');
  }
  /** The conversation with `peer`: a dialog named after them. */
  conversation(peer: string): Locator {
    return this.page.getByRole('dialog', { name: peer, exact: true });
  }

  /** Opens the conversation with `peer` from the phone book. */
  async openConversation(peer: string): Promise<Locator> {
    await this.entry(peer).getByRole('button', { name: 'Message', exact: true }).click();
    return this.conversation(peer);
  }

  /** The offer to leave `peer` a voicemail, after a call they did not answer. */
  voicemailOffer(peer: string): Locator {
    return this.page.getByRole('region', { name: `Voicemail for ${peer}` });
  }
  /** Recent calls, opened or not. */
  get recentCalls(): Locator {
    return this.page.locator('details', { has: this.page.getByRole('heading', { name: 'Recent calls' }) });
  }

  /** Stops the recording under way in the offer to `peer` and sends it. */
  async sendVoicemail(peer: string): Promise<void> {
    const offer = this.voicemailOffer(peer);
    await offer.getByRole('button', { name: 'Stop and send', exact: true }).click();
    await expect(offer).toContainText(`Message left for ${peer}.`);
  }

  /** Sees one new voicemail said on closed Recent calls, opens them, and finds it listed from `from`. */
  async expectNewVoicemailFrom(from: string): Promise<void> {
    await expect(this.recentCalls).toContainText('1 new voicemail');
    await this.page.getByRole('heading', { name: 'Recent calls' }).click();
    await expect(this.recentCalls.getByRole('listitem', { name: `Voicemail from ${from}, new`, exact: true })).toBeVisible();
  }

  get remoteVideo(): Locator {
    return this.page.getByTestId('remote-video');
  }
  get localVideo(): Locator {
    return this.page.getByTestId('local-video');
  }

  /** The phone book entry of another user. */
  entry(name: string): Locator {
    return this.phoneBook.getByRole('listitem', { name: startsWithName(name) });
  }

  /** Turns do-not-disturb on or off and waits until the toggle shows it. */
  async setDoNotDisturb(on: boolean): Promise<void> {
    if ((await this.doNotDisturb.getAttribute('aria-pressed')) !== String(on)) await this.doNotDisturb.click();
    await expect(this.doNotDisturb).toHaveAttribute('aria-pressed', String(on));
  }

  /** Fills the form and clicks Connect, without waiting for the outcome. */
  async submitConnect(options: { name?: string; passcode?: string } = {}): Promise<void> {
    await this.nameBox.fill(options.name ?? this.name);
    if (options.passcode !== undefined) await this.passcodeBox.fill(options.passcode);
    await this.button('Connect').click();
  }

  /** Connects under this phone's name and waits for the phone book (empty while alone). */
  async connect(options: { name?: string; passcode?: string } = {}): Promise<void> {
    await this.submitConnect(options);
    await this.expectSignedIn();
  }

  /** Signed in, by itself (after a reload) or not: the phone book is up and the connect form gone. */
  async expectSignedIn(): Promise<void> {
    await expect(this.phoneBook).toBeAttached();
    await expect(this.nameBox).toBeHidden();
  }

  /** Clicks "Call" or "Video call" in the callee's phone book entry. */
  async call(callee: Phone, kind: 'voice' | 'video' = 'voice'): Promise<void> {
    await this.entry(callee.name)
      .getByRole('button', { name: kind === 'video' ? 'Video call' : 'Call', exact: true })
      .click();
  }

  async expectRinging(): Promise<void> {
    await expect(this.button('Answer')).toBeVisible();
    await expect(this.button('Decline')).toBeVisible();
  }

  async expectInCallWith(peer: Phone): Promise<void> {
    await expect(this.status).toContainText(`In call with ${peer.name}`);
    await expect(this.button('Hang up')).toBeVisible();
  }

  /** The call is over: the end message shows and no call control is left. */
  async expectCallEnded(message: string | RegExp): Promise<void> {
    await expect(this.status).toContainText(message);
    await expect(this.button('Hang up')).toBeHidden();
    await expect(this.button('Cancel')).toBeHidden();
    await expect(this.button('Answer')).toBeHidden();
  }
}

/** Places a call from `caller` to `callee`, answers it and waits until both are in the call. */
export async function establishCall(caller: Phone, callee: Phone, kind: 'voice' | 'video' = 'video'): Promise<void> {
  await caller.call(callee, kind);
  await callee.expectRinging();
  await callee.button(kind === 'video' ? 'Answer with video' : 'Answer').click();
  await caller.expectInCallWith(callee);
  await callee.expectInCallWith(caller);
}
