/**
 * Conference calls with real sockets: a call grows into a conference when a member INVITEs someone
 * new with { id, from }; while they ring the other members are told (NOTIFY ringing) and INVITE
 * them (early introductions, held until the invitation's 200); when they answer, every member is
 * told (NOTIFY join), so every pair has its own dialog (a link). Introductions left when the
 * invitation ends unanswered, the size limits, leaving, a member lost, forged conference INVITEs,
 * and the last two members left in an ordinary call.
 */
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../signal-server/cli-options.js';
import type { SignalServerOptions } from '../../signal-server/options.js';
import type { Frame, TestClient } from './client.js';
import { answer, invite, newCallId, offer, useServer } from './harness.js';

const voiceOffer = { ...offer, media: { audio: true, video: false } };
/** Every request in these tests takes the next cseq: they increase per sender in every dialog. */
let sequence = 10;
const nextCseq = (): number => (sequence += 1);

interface Member {
  readonly name: string;
  readonly client: TestClient;
  /** The call id of its link with each other member, by name. */
  readonly links: Map<string, string>;
}

const isConferenceNotify = (frame: Frame): boolean => frame.method === 'NOTIFY' && frame.body?.event === 'conference';

describe('conference calls', () => {
  const harness = useServer();

  let url = '';

  async function phones(names: string[], options: SignalServerOptions = {}): Promise<Member[]> {
    url = (await harness.start(options)).url;
    return more(names);
  }

  /** More phones on this test's server. */
  async function more(names: string[]): Promise<Member[]> {
    const members: Member[] = [];
    for (const name of names) members.push({ name, client: await harness.register(url, name), links: new Map() });
    return members;
  }

  /** `from` INVITEs `to` (cseq 1, `body` as the offer), answers the server's first answer to it. */
  async function inviteWith(from: Member, to: string, body: Frame): Promise<{ callId: string; first: Frame }> {
    const callId = newCallId();
    from.client.send(invite(callId, to, { body }));
    return { callId, first: await from.client.next((f) => f.callId === callId && f.status !== undefined) };
  }

  /** `callee` takes the INVITE `callId` from `caller` and answers 200; the caller ACKs. Answers the INVITE as the callee got it. */
  async function accept(caller: Member, callee: Member, callId: string): Promise<Frame> {
    const incoming = await callee.client.next((f) => f.method === 'INVITE' && f.callId === callId);
    callee.client.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await caller.client.next((f) => f.status === 200 && f.method === 'INVITE' && f.callId === callId);
    caller.client.send({ method: 'ACK', cseq: 1, callId });
    await callee.client.next((f) => f.method === 'ACK' && f.callId === callId);
    caller.links.set(callee.name, callId);
    callee.links.set(caller.name, callId);
    return incoming;
  }

  async function call(caller: Member, callee: Member, body: Frame = offer): Promise<string> {
    const { callId, first } = await inviteWith(caller, callee.name, body);
    expect(first).toMatchObject({ status: 100 });
    await accept(caller, callee, callId);
    return callId;
  }

  const nextConferenceNotify = (member: Member): Promise<Frame> => member.client.next(isConferenceNotify);

  const namesBut = (members: Member[], member: Member): string[] => members.filter((other) => other !== member).map((other) => other.name);

  /**
   * `newcomer`'s phone rings for the invitation `callId` (180); the members of conference `id` but
   * `inviter` are told, and each INVITEs it at once (an early introduction); answers those
   * introductions' call ids.
   */
  async function introduceEarly(id: string, members: Member[], inviter: Member, newcomer: Member, callId: string, body: Frame = offer): Promise<Map<Member, string>> {
    newcomer.client.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    await inviter.client.next((f) => f.status === 180 && f.callId === callId);
    const introductions = new Map<Member, string>();
    for (const member of members) {
      if (member === inviter) continue;
      expect(await member.client.next((f) => isConferenceNotify(f) && f.body.ringing !== undefined)).toEqual({
        method: 'NOTIFY',
        cseq: expect.any(Number),
        body: { event: 'conference', id, members: namesBut(members, member), ringing: newcomer.name },
      });
      const link = await inviteWith(member, newcomer.name, { ...body, conference: { id } });
      expect(link.first).toMatchObject({ status: 100 });
      introductions.set(member, link.callId);
    }
    return introductions;
  }

  /**
   * `inviter` (a member of conference `id`, or in a call `from` to start it) adds `newcomer`; the
   * other members introduce themselves while it rings; it answers its invitation, then each
   * introduction; everyone is told that it joined.
   */
  async function join(id: string, members: Member[], inviter: Member, newcomer: Member, options: { from?: string; body?: Frame } = {}): Promise<void> {
    const conference = options.from ? { id, from: options.from } : { id };
    const { callId, first } = await inviteWith(inviter, newcomer.name, { ...(options.body ?? offer), conference });
    expect(first).toMatchObject({ status: 100 });
    const introductions = await introduceEarly(id, members, inviter, newcomer, callId, options.body);
    await accept(inviter, newcomer, callId);
    for (const [member, link] of introductions) {
      const incoming = await accept(member, newcomer, link);
      expect(incoming.body.conference, 'the server marks an introduction, naming the members').toEqual({ id, members: members.map((m) => m.name), introduction: true });
    }
    const everyone = [...members, newcomer];
    for (const member of everyone) {
      expect(await member.client.next((f) => isConferenceNotify(f) && f.body.join !== undefined)).toEqual({
        method: 'NOTIFY',
        cseq: expect.any(Number),
        body: { event: 'conference', id, members: everyone.filter((other) => other !== member).map((other) => other.name), join: newcomer.name },
      });
    }
  }

  /** Ada and Bob talk; Ada adds Cy (and so on down the list): a conference of them all. */
  async function conference(names: string[], options: SignalServerOptions = {}, body: Frame = offer) {
    const all = await phones(names, options);
    const [ada, bob, ...rest] = all as [Member, Member, ...Member[]];
    const id = `conf-${newCallId()}`;
    const first = await call(ada, bob, body);
    // Bob learns that the call is now in a conference before the first newcomer answers.
    const from = { from: first, body };
    let members = [ada, bob];
    for (const [index, newcomer] of rest.entries()) {
      await join(id, members, ada, newcomer, index === 0 ? from : { body });
      if (index === 0) await bob.client.next((f) => isConferenceNotify(f) && f.callId === first);
      members = [...members, newcomer];
    }
    return { id, members: all };
  }

  /** A request in the link between `a` and `b` reaches the other end. */
  async function expectLinked(a: Member, b: Member): Promise<void> {
    const callId = a.links.get(b.name);
    expect(callId, `${a.name} has a link with ${b.name}`).toBeDefined();
    a.client.send({ method: 'INFO', cseq: nextCseq(), callId, body: { candidate: null } });
    expect(await b.client.next((f) => f.method === 'INFO' && f.callId === callId)).toMatchObject({ from: a.name, to: b.name });
  }

  async function expectMesh(members: Member[]): Promise<void> {
    for (const a of members) for (const b of members) if (a !== b) await expectLinked(a, b);
  }

  /** `member` hangs up every link it has; answers the others' BYE 200s. */
  async function leave(member: Member, others: Member[]): Promise<void> {
    for (const other of others) {
      const callId = member.links.get(other.name)!;
      const cseq = nextCseq();
      member.client.send({ method: 'BYE', cseq, callId, body: { reason: 'Hang up' } });
      await other.client.next((f) => f.method === 'BYE' && f.callId === callId);
      other.client.send({ status: 200, reason: 'OK', method: 'BYE', cseq, callId });
      await member.client.next((f) => f.status === 200 && f.method === 'BYE' && f.callId === callId);
      member.links.delete(other.name);
      other.links.delete(member.name);
    }
  }

  it('grows a call into a conference: Cy is invited with the members stamped, Bob is told; Bob, not introduced while Cy rang, links with Cy once Cy answers', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const first = await call(ada!, bob!);
    const id = 'conference-one';
    const { callId, first: trying } = await inviteWith(ada!, 'Cy', { ...offer, conference: { id, from: first, members: ['Mallory'] } });
    expect(trying).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId });
    expect(await nextConferenceNotify(bob!)).toEqual({
      method: 'NOTIFY',
      cseq: expect.any(Number),
      callId: first,
      body: { event: 'conference', id, members: ['Ada'] },
    });
    expect(bob!.client.unread(isConferenceNotify), 'nobody is told before Cy\'s phone rings').toEqual([]);
    for (let ring = 0; ring < 2; ring++) cy!.client.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    await ada!.client.next((f) => f.status === 180 && f.callId === callId);
    await ada!.client.next((f) => f.status === 180 && f.callId === callId);
    expect(await nextConferenceNotify(bob!)).toEqual({ method: 'NOTIFY', cseq: expect.any(Number), body: { event: 'conference', id, members: ['Ada'], ringing: 'Cy' } });
    expect(bob!.client.unread(isConferenceNotify), 'told once, however many times it rings').toEqual([]);
    expect(ada!.client.unread(isConferenceNotify), 'the inviter is not told of its own invitation').toEqual([]);
    const incoming = await accept(ada!, cy!, callId);
    expect(incoming, 'the members are the server\'s to say, never the caller\'s').toEqual({
      method: 'INVITE',
      cseq: 1,
      callId,
      from: 'Ada',
      to: 'Cy',
      body: { ...offer, conference: { id, members: ['Ada', 'Bob'] } },
    });
    for (const [member, others] of [[ada!, ['Bob', 'Cy']], [bob!, ['Ada', 'Cy']], [cy!, ['Ada', 'Bob']]] as const) {
      expect(await nextConferenceNotify(member)).toEqual({
        method: 'NOTIFY',
        cseq: expect.any(Number),
        body: { event: 'conference', id, members: others, join: 'Cy' },
      });
    }
    const link = await inviteWith(bob!, 'Cy', { ...offer, conference: { id } });
    expect(link.first).toMatchObject({ status: 100 });
    expect(await accept(bob!, cy!, link.callId)).toEqual({
      method: 'INVITE',
      cseq: 1,
      callId: link.callId,
      from: 'Bob',
      to: 'Cy',
      body: { ...offer, conference: { id, members: ['Ada', 'Bob'], introduction: true } },
    });
    await expectMesh([ada!, bob!, cy!]);
  });

  it('adds a fourth member through any member: everyone is told, and every pair of the four has its own link', async () => {
    const { id, members } = await conference(['Ada', 'Bob', 'Cy']);
    const [ada, bob, cy] = members as [Member, Member, Member];
    const [dee] = await more(['Dee']);
    // Cy, not the one who started it, adds Dee.
    await join(id, [ada, bob, cy], cy, dee!);
    await expectMesh([ada, bob, cy, dee!]);
    expect(dee!.links.size).toBe(3);
  });

  it('grows a conference with video to 4 and no further: the 5th gets 503 with the reason and nothing rings', async () => {
    const all = await phones(['Ada', 'Bob', 'Cy', 'Dee', 'Eve']);
    const [ada, bob, cy, dee, eve] = all as [Member, Member, Member, Member, Member];
    const id = 'video-conference';
    const first = await call(ada, bob);
    await join(id, [ada, bob], ada, cy, { from: first });
    await join(id, [ada, bob, cy], bob, dee);
    const fifth = await inviteWith(dee, 'Eve', { ...offer, conference: { id } });
    expect(fifth.first).toEqual({ status: 503, reason: 'Conference full (at most 4 people with video)', method: 'INVITE', cseq: 1, callId: fifth.callId });
    await eve.client.assertQuiet({ allowPresence: true });
    await expectMesh([ada, bob, cy, dee]);
  });

  it('holds 6 people with voice only, refuses a 7th, and counts people still ringing', async () => {
    const all = await phones(['Ada', 'Bob', 'Cy', 'Dee', 'Eve', 'Fay', 'Gus']);
    const [ada, bob, cy, dee, eve, fay, gus] = all as [Member, Member, Member, Member, Member, Member, Member];
    const id = 'voice-conference';
    const first = await call(ada, bob, voiceOffer);
    await join(id, [ada, bob], ada, cy, { from: first, body: voiceOffer });
    await join(id, [ada, bob, cy], ada, dee, { body: voiceOffer });
    await join(id, [ada, bob, cy, dee], ada, eve, { body: voiceOffer });
    // Fay rings: with her the conference holds 6, so Gus is one too many even before she answers.
    const sixth = await inviteWith(bob, 'Fay', { ...voiceOffer, conference: { id } });
    expect(sixth.first).toMatchObject({ status: 100 });
    const seventh = await inviteWith(cy, 'Gus', { ...voiceOffer, conference: { id } });
    expect(seventh.first).toEqual({ status: 503, reason: 'Conference full (at most 6 people)', method: 'INVITE', cseq: 1, callId: seventh.callId });
    await gus.client.assertQuiet({ allowPresence: true });
    await accept(bob, fay, sixth.callId);
    // A video offer makes it a video conference: over its limit of 4, nobody more comes in.
    const withVideo = await inviteWith(ada, 'Gus', { ...offer, conference: { id } });
    expect(withVideo.first).toMatchObject({ status: 503, reason: 'Conference full (at most 4 people with video)' });
  });

  it('takes the limits as options and on the command line', async () => {
    const all = await phones(['Ada', 'Bob', 'Cy'], { maxConferenceVideo: 2 });
    const [ada, bob] = all as [Member, Member];
    const first = await call(ada, bob);
    const refused = await inviteWith(ada, 'Cy', { ...offer, conference: { id: 'small-conference', from: first } });
    expect(refused.first).toMatchObject({ status: 503, reason: 'Conference full (at most 2 people with video)' });
    expect(parseCli(['--max-conference-video', '3', '--max-conference-voice', '8'])).toMatchObject({
      kind: 'serve',
      options: { maxConferenceVideo: 3, maxConferenceVoice: 8 },
    });
    const bad = parseCli(['--max-conference-video', '1']);
    expect(bad.kind === 'error' && bad.message).toBe('--max-conference-video must be a whole number from 2 to 16, not "1"');
  });

  it('a member who leaves hangs up each link: the others are told once the last is gone, and stay connected', async () => {
    const { id, members } = await conference(['Ada', 'Bob', 'Cy', 'Dee']);
    const [ada, bob, cy, dee] = members as [Member, Member, Member, Member];
    await leave(dee, [ada, bob]);
    // Dee still has a link with Cy: nobody has been told yet.
    for (const member of [ada, bob, cy]) expect(member.client.unread(isConferenceNotify)).toEqual([]);
    await leave(dee, [cy]);
    for (const member of [ada, bob, cy]) {
      expect(await nextConferenceNotify(member)).toEqual({
        method: 'NOTIFY',
        cseq: expect.any(Number),
        body: { event: 'conference', id, members: [ada, bob, cy].filter((other) => other !== member).map((other) => other.name), leave: 'Dee' },
      });
    }
    await expectMesh([ada, bob, cy]);
    await dee.client.assertQuiet({ allowPresence: true });
  });

  it('a member lost: when its grace runs out, its links end with BYE (Peer lost) and the others are told it left', async () => {
    const { id, members } = await conference(['Ada', 'Bob', 'Cy'], { graceMs: 150 });
    const [ada, bob, cy] = members as [Member, Member, Member];
    await cy.client.drop();
    for (const member of [ada, bob]) {
      expect(await member.client.next((f) => f.method === 'BYE' && f.callId === member.links.get('Cy'), 3_000)).toMatchObject({
        from: 'Cy',
        body: { reason: 'Peer lost' },
      });
      expect(await nextConferenceNotify(member)).toMatchObject({ body: { event: 'conference', id, members: [member === ada ? 'Bob' : 'Ada'], leave: 'Cy' } });
    }
    await expectLinked(ada, bob);
    await expectLinked(bob, ada);
  });

  it('the last two members left are an ordinary call: they talk on, a BYE ends it, and the conference is gone', async () => {
    const { id, members } = await conference(['Ada', 'Bob', 'Cy']);
    const [ada, bob, cy] = members as [Member, Member, Member];
    await leave(cy, [ada, bob]);
    await nextConferenceNotify(ada);
    await expectLinked(ada, bob);
    await leave(bob, [ada]);
    // With nobody left in it, the id starts nothing: a new conference needs a call to grow from.
    const again = await inviteWith(ada, 'Cy', { ...offer, conference: { id } });
    expect(again.first).toMatchObject({ status: 400, reason: 'body.conference.from: is required to start a conference' });
    expect((await call(ada, cy)).length).toBeGreaterThan(0);
  });

  it('an invitation declined leaves the call as it was, still a conference its members can add to', async () => {
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    const first = await call(ada!, bob!);
    const id = 'declined-conference';
    const declined = await inviteWith(ada!, 'Cy', { ...offer, conference: { id, from: first } });
    await cy!.client.next((f) => f.method === 'INVITE' && f.callId === declined.callId);
    cy!.client.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: declined.callId });
    expect(await ada!.client.next((f) => f.callId === declined.callId && f.status === 603)).toMatchObject({ from: 'Cy' });
    await expectLinked(ada!, bob!);
    // Bob was told of the conference: his own addition joins it.
    await bob!.client.next((f) => isConferenceNotify(f) && f.callId === first);
    await join(id, [ada!, bob!], bob!, dee!);
    await expectMesh([ada!, bob!, dee!]);
  });

  /** Each of `introductions` ends as it should when the invitation it followed ended unanswered: 487 to the member, CANCEL to `newcomer`. */
  async function expectIntroductionsEnded(introductions: Map<Member, string>, newcomer: Member): Promise<void> {
    for (const [member, link] of introductions) {
      expect(await member.client.next((f) => f.callId === link && f.status !== undefined && f.status >= 200)).toMatchObject({ status: 487, method: 'INVITE', from: newcomer.name });
      expect(await newcomer.client.next((f) => f.method === 'CANCEL' && f.callId === link)).toMatchObject({ from: member.name, cseq: 1 });
    }
  }

  /** Ada, Bob and Cy in conference; Ada invites Dee, who rings, and Bob and Cy introduce themselves. */
  async function deeRinging(options: SignalServerOptions = {}) {
    const { id, members } = await conference(['Ada', 'Bob', 'Cy'], options);
    const [ada, bob, cy] = members as [Member, Member, Member];
    const dee = (await more(['Dee']))[0]!;
    const invitation = await inviteWith(ada, 'Dee', { ...offer, conference: { id } });
    const introductions = await introduceEarly(id, [ada, bob, cy], ada, dee, invitation.callId);
    return { id, ada, bob, cy, dee, invitation, introductions };
  }

  it('the newcomer declines while the others\' introductions wait: each ends (487, CANCEL), and it can be invited again', async () => {
    const { id, ada, bob, cy, dee, invitation, introductions } = await deeRinging();
    await dee.client.next((f) => f.method === 'INVITE' && f.callId === invitation.callId);
    dee.client.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: invitation.callId });
    expect(await ada.client.next((f) => f.callId === invitation.callId && f.status === 603)).toMatchObject({ from: 'Dee' });
    await expectIntroductionsEnded(introductions, dee);
    for (const member of [ada, bob, cy]) expect(member.client.unread(isConferenceNotify), 'Dee never joined: nobody is told of it').toEqual([]);
    await expectMesh([ada, bob, cy]);
    // Nothing of the first try is left: inviting her again brings her in, linked with everyone.
    await join(id, [ada, bob, cy], ada, dee);
    await expectMesh([ada, bob, cy, dee]);
  });

  it('the inviter cancels while introductions wait: they end too', async () => {
    const { id, ada, bob, cy, dee, invitation, introductions } = await deeRinging();
    ada.client.send({ method: 'CANCEL', cseq: 1, callId: invitation.callId });
    await dee.client.next((f) => f.method === 'CANCEL' && f.callId === invitation.callId);
    dee.client.send({ status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId: invitation.callId });
    dee.client.send({ status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId: invitation.callId });
    expect(await ada.client.next((f) => f.callId === invitation.callId && f.status === 487)).toMatchObject({ from: 'Dee' });
    await expectIntroductionsEnded(introductions, dee);
    await join(id, [ada, bob, cy], bob, dee);
    await expectMesh([ada, bob, cy, dee]);
  });

  it('the newcomer\'s ringing times out: the inviter gets 408, each introduction 487, and the newcomer a CANCEL for every one', async () => {
    const { id, ada, bob, cy, dee, invitation, introductions } = await deeRinging({ ringTimeoutMs: 300 });
    expect(await ada.client.next((f) => f.callId === invitation.callId && f.status === 408)).toMatchObject({ method: 'INVITE' });
    expect(await dee.client.next((f) => f.method === 'CANCEL' && f.callId === invitation.callId)).toMatchObject({ from: 'Ada' });
    await expectIntroductionsEnded(introductions, dee);
    await expectMesh([ada, bob, cy]);
    await join(id, [ada, bob, cy], cy, dee);
  });

  it('a member leaves while the newcomer rings: its introduction is cancelled, and the newcomer joins the others', async () => {
    const { id, ada, bob, cy, dee, invitation, introductions } = await deeRinging();
    // Bob leaves: he cancels his introduction and hangs up his links.
    const bobs = introductions.get(bob)!;
    bob.client.send({ method: 'CANCEL', cseq: 1, callId: bobs });
    await dee.client.next((f) => f.method === 'CANCEL' && f.callId === bobs);
    dee.client.send({ status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId: bobs });
    dee.client.send({ status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId: bobs });
    await bob.client.next((f) => f.callId === bobs && f.method === 'CANCEL' && f.status === 200);
    expect(await bob.client.next((f) => f.callId === bobs && f.status === 487)).toMatchObject({ from: 'Dee' });
    await leave(bob, [ada, cy]);
    for (const member of [ada, cy]) expect(await nextConferenceNotify(member)).toMatchObject({ body: { leave: 'Bob' } });
    // Dee answers: she joins Ada and Cy, linked with both.
    await accept(ada, dee, invitation.callId);
    await accept(cy, dee, introductions.get(cy)!);
    for (const member of [ada, cy, dee]) {
      expect(await nextConferenceNotify(member)).toMatchObject({ body: { event: 'conference', id, members: namesBut([ada, cy, dee], member), join: 'Dee' } });
    }
    await expectMesh([ada, cy, dee]);
    await bob.client.assertQuiet({ allowPresence: true });
  });

  it('counts a conference as one call on each phone: a member can still be rung, links are not ringing calls', async () => {
    const { id, members } = await conference(['Ada', 'Bob', 'Cy'], { maxCallsPerPhone: 2 });
    const [ada] = members as [Member];
    const [eve] = await more(['Eve']);
    // Ada has two links but one conference: Eve's call rings as call waiting, and can be answered.
    const waiting = await inviteWith(eve!, 'Ada', offer);
    expect(waiting.first).toMatchObject({ status: 100 });
    await accept(eve!, ada, waiting.callId);
    // Now her phone is full (the conference and Eve's call): a further caller is busy...
    const [fay] = await more(['Fay']);
    const busy = await inviteWith(fay!, 'Ada', offer);
    expect(busy.first).toMatchObject({ status: 486 });
    // ...but she may still invite Fay into the conference: that adds no call to her phone.
    const invited = await inviteWith(ada, 'Fay', { ...offer, conference: { id } });
    expect(invited.first).toMatchObject({ status: 100 });
  });

  it('links a newcomer that is in do not disturb with a call ringing: a link rings nowhere', async () => {
    const all = await phones(['Ada', 'Bob', 'Cy', 'Eve']);
    const [ada, bob, cy, eve] = all as [Member, Member, Member, Member];
    const id = 'quiet-conference';
    const first = await call(ada, bob);
    const { callId } = await inviteWith(ada, 'Cy', { ...offer, conference: { id, from: first } });
    await accept(ada, cy, callId);
    expect((await inviteWith(eve, 'Cy', offer)).first, 'Eve rings at Cy').toMatchObject({ status: 100 });
    await cy.client.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    const link = await inviteWith(bob, 'Cy', { ...offer, conference: { id } });
    expect(link.first).toMatchObject({ status: 100 });
    await accept(bob, cy, link.callId);
    await expectMesh([ada, bob, cy]);
  });
});

describe('conference attacks', () => {
  const harness = useServer();

  async function registered(names: string[]): Promise<TestClient[]> {
    const server = await harness.start();
    const clients: TestClient[] = [];
    for (const name of names) clients.push(await harness.register(server.url, name));
    return clients;
  }

  async function answered(caller: TestClient, callee: TestClient, to: string): Promise<string> {
    const callId = newCallId();
    caller.send(invite(callId, to));
    await caller.nextResponse(100, 'INVITE');
    await callee.next((f) => f.method === 'INVITE' && f.callId === callId);
    callee.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await caller.next((f) => f.status === 200 && f.callId === callId);
    caller.send({ method: 'ACK', cseq: 1, callId });
    await callee.nextRequest('ACK');
    return callId;
  }

  const tryInvite = async (from: TestClient, to: string, conference: Frame): Promise<Frame> => {
    const callId = newCallId();
    from.send(invite(callId, to, { body: { ...offer, conference } }));
    return from.next((f) => f.callId === callId && f.status !== undefined);
  };

  it('refuses conference INVITEs that do not come from a member, or from a call that is not the sender\'s, and rings nobody', async () => {
    const [ada, bob, cy, eve] = await registered(['Ada', 'Bob', 'Cy', 'Eve']);
    const first = await answered(ada!, bob!, 'Bob');
    const id = 'guarded-conference';
    expect(await tryInvite(ada!, 'Cy', { id, from: first })).toMatchObject({ status: 100 });

    // Eve is in no conference: she may neither link with a member nor add anyone to it.
    expect(await tryInvite(eve!, 'Bob', { id })).toMatchObject({ status: 403, reason: 'You are not in that conference' });
    expect(await tryInvite(eve!, 'Cy', { id })).toMatchObject({ status: 403, reason: 'You are not in that conference' });
    // Nor start one from someone else's call.
    expect(await tryInvite(eve!, 'Bob', { id: 'eves-conference', from: first })).toMatchObject({ status: 403, reason: 'body.conference.from: not a call of yours' });
    await bob!.assertQuiet({ allowPresence: true });
  });

  it('refuses a new conference without a call to grow from, from an unanswered call, or from a call in another conference', async () => {
    const [ada, bob, cy, dee] = await registered(['Ada', 'Bob', 'Cy', 'Dee']);
    expect(await tryInvite(ada!, 'Bob', { id: 'no-call-conference' })).toMatchObject({ status: 400, reason: 'body.conference.from: is required to start a conference' });

    const ringing = newCallId();
    ada!.send(invite(ringing, 'Bob'));
    await bob!.next((f) => f.method === 'INVITE' && f.callId === ringing);
    expect(await tryInvite(ada!, 'Cy', { id: 'early-conference', from: ringing })).toMatchObject({ status: 400, reason: 'body.conference.from: the call is not answered yet' });
    bob!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: ringing, body: answer });
    await ada!.next((f) => f.status === 200 && f.callId === ringing);

    expect(await tryInvite(ada!, 'Cy', { id: 'first-conference', from: ringing })).toMatchObject({ status: 100 });
    expect(await tryInvite(bob!, 'Dee', { id: 'second-conference', from: ringing })).toMatchObject({ status: 409, reason: 'body.conference.from: the call is in another conference' });
    await dee!.assertQuiet({ allowPresence: true });
  });

  it('refuses a second link between two members, a second invitation, and a second early introduction', async () => {
    const [ada, bob, cy] = await registered(['Ada', 'Bob', 'Cy']);
    const first = await answered(ada!, bob!, 'Bob');
    const id = 'linked-conference';
    expect(await tryInvite(bob!, 'Ada', { id: 'x-conference', from: first })).toMatchObject({ status: 409, reason: 'You have a call with Ada in this conference already' });
    expect(await tryInvite(ada!, 'Cy', { id, from: first })).toMatchObject({ status: 100 });
    expect(await tryInvite(bob!, 'Ada', { id })).toMatchObject({ status: 409, reason: 'You have a call with Ada in this conference already' });
    expect(await tryInvite(ada!, 'Cy', { id })).toMatchObject({ status: 409, reason: 'Cy is being invited already' });
    // Bob's INVITE to Cy while Cy rings is his introduction; one is all he gets.
    expect(await tryInvite(bob!, 'Cy', { id })).toMatchObject({ status: 100 });
    expect(await tryInvite(bob!, 'Cy', { id })).toMatchObject({ status: 409, reason: 'You have a call with Cy in this conference already' });
  });

  it('refuses the newcomer\'s 200 to an introduction before its invitation\'s: nobody links with someone who has not joined', async () => {
    const [ada, bob, cy] = await registered(['Ada', 'Bob', 'Cy']);
    const first = await answered(ada!, bob!, 'Bob');
    const id = 'early-answer-conference';
    expect(await tryInvite(ada!, 'Cy', { id, from: first })).toMatchObject({ status: 100 });
    const link = newCallId();
    bob!.send(invite(link, 'Cy', { body: { ...offer, conference: { id } } }));
    await bob!.nextResponse(100, 'INVITE');
    await cy!.next((f) => f.method === 'INVITE' && f.callId === link);
    cy!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: link, body: answer });
    expect(await cy!.next((f) => f.status === 403 && f.callId === link)).toMatchObject({ reason: 'You have not joined that conference: answer its invitation first' });
    await bob!.assertQuiet({ allowPresence: true });
  });

  it('drops a conference from a re-INVITE: it renegotiates its own call only', async () => {
    const [ada, bob] = await registered(['Ada', 'Bob']);
    const callId = await answered(ada!, bob!, 'Bob');
    ada!.send({ method: 'INVITE', cseq: 2, callId, body: { ...offer, conference: { id: 'sneaky-conference', from: callId } } });
    expect(await bob!.next((f) => f.method === 'INVITE' && f.cseq === 2)).toEqual({ method: 'INVITE', cseq: 2, callId, from: 'Ada', to: 'Bob', body: offer });
  });
});
