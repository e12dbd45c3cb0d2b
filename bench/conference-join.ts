/**
 * The conference join of `npm run bench:call`: four phones with small cameras. Ann and Ben talk
 * with video and Ann adds Cat; then, round after round, Ann adds Dan, who answers as soon as it
 * rings, and the time from the click on "Add" to a first frame from Dan on every other page is
 * taken (and to Dan's first frame from each of them); Dan leaves and the next round begins.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { smallCameraScript } from '../tests/support/small-camera.js';
import type { CallProbe, ProbeMarks } from './call-probe.js';
import { arm, armToAnswer, button, clickedAt, entry, marksOf, openUser, since, STEP_TIMEOUT_MS, type User } from './call-pages.js';

export interface JoinTimes {
  /** Click "Add" -> the first frame from the newcomer, on the last of the other pages to show one. */
  othersSeeNewcomer: number;
  /** Click "Add" -> the newcomer's first frame from each of the others, the last of them. */
  newcomerSeesAll: number;
  /** Click "Add" -> the newcomer rings. */
  ring: number;
  /** The newcomer clicks "Answer with video" -> the others' first frame from it. */
  answerToFrames: number;
  /** The newcomer clicks "Answer with video" -> the last introduction INVITE leaves the others' pages (negative when they introduce themselves while it rings). */
  answerToIntroductions: number;
}

const SMALL_CAMERA = smallCameraScript({ width: 320, height: 240, frameRate: 15 });

export const participant = (page: Page, name: string): Locator =>
  page.getByRole('list', { name: 'Participants', exact: true }).getByRole('listitem', { name, exact: true });

/** `user` adds `person` from the Add person dialog; `person` answers with video (itself, when `armedToAnswer`). */
export async function addPerson(user: User, person: User, armedToAnswer = false): Promise<void> {
  await button(user.page, 'Add person').click();
  const dialog = user.page.getByRole('dialog', { name: 'Add person', exact: true });
  await dialog.getByRole('listitem', { name: new RegExp(`^${person.name}\\b`) }).getByRole('button', { name: 'Add', exact: true }).click();
  if (!armedToAnswer) await button(person.page, 'Answer with video').click();
}

/** Waits until `user`'s page has presented a frame from each of `names` since it was armed. */
export function framesFrom(user: User, names: string[]): Promise<unknown> {
  return user.page.waitForFunction(
    (wanted) => {
      const frames = (window as unknown as { __leanphoneCallProbe: CallProbe }).__leanphoneCallProbe.marks().participantFrames;
      return wanted.every((name) => frames[name] !== undefined);
    },
    names,
    { timeout: STEP_TIMEOUT_MS },
  );
}

/** Runs `warmup` + `rounds` joins; answers the times of the last `rounds`. */
export async function conferenceJoins(browser: Browser, url: string, rounds: number, warmup: number, log: (line: string) => void): Promise<JoinTimes[]> {
  const users = await Promise.all(['Ann', 'Ben', 'Cat', 'Dan'].map((name) => openUser(browser, url, name, [SMALL_CAMERA])));
  const [ann, ben, cat, dan] = users as [User, User, User, User];
  const hosts = [ann, ben, cat];
  const namesBut = (user: User): string[] => users.filter((other) => other !== user).map((other) => other.name);
  for (const user of users) for (const name of namesBut(user)) await entry(user.page, name).waitFor();
  await entry(ann.page, ben.name).getByRole('button', { name: 'Video call', exact: true }).click();
  await button(ben.page, 'Answer with video').click();
  await ann.page.getByRole('status').filter({ hasText: `In call with ${ben.name}` }).waitFor();
  await addPerson(ann, cat);
  for (const host of hosts) for (const name of namesBut(host).filter((name) => name !== dan.name)) await participant(host.page, name).waitFor();

  const times: JoinTimes[] = [];
  for (let round = 0; round < warmup + rounds; round++) {
    // Dan's page answers the moment it rings: Playwright's click would add its own round trips.
    await Promise.all([...hosts.map(arm), armToAnswer(dan, 'Answer with video')]);
    await addPerson(ann, dan, true);
    await Promise.all([...hosts.map((host) => framesFrom(host, [dan.name])), framesFrom(dan, namesBut(dan))]);
    const marks = await Promise.all(users.map(marksOf));
    const [annMarks, benMarks, catMarks, danMarks] = marks as [ProbeMarks, ProbeMarks, ProbeMarks, ProbeMarks];
    const clicked = clickedAt(annMarks, 'Add');
    const answered = clickedAt(danMarks, 'Answer with video');
    const seen = Math.max(...marks.slice(0, 3).map((hostMarks) => hostMarks.participantFrames[dan.name] ?? Number.NaN));
    const seesAll = Math.max(...namesBut(dan).map((name) => danMarks.participantFrames[name] ?? Number.NaN));
    const joined: JoinTimes = {
      othersSeeNewcomer: seen - clicked,
      newcomerSeesAll: seesAll - clicked,
      ring: since(danMarks.ringingAt, clicked),
      answerToFrames: seen - answered,
      // Ben and Cat send no other INVITE after the arm: their first is the introduction.
      answerToIntroductions: Math.max(since(benMarks.inviteSentAt, answered), since(catMarks.inviteSentAt, answered)),
    };
    // The newcomer leaves; the next round starts once every page shows it.
    await button(dan.page, 'Leave').click();
    await button(dan.page, 'Leave').waitFor({ state: 'hidden' });
    for (const host of hosts) await participant(host.page, dan.name).waitFor({ state: 'hidden' });
    await entry(ann.page, dan.name).and(ann.page.getByRole('listitem', { name: /online/i })).waitFor();
    if (round < warmup) continue;
    times.push(joined);
    log(`join ${round + 1 - warmup}/${rounds}: ${dan.name} on every page ${joined.othersSeeNewcomer.toFixed(0)} ms, sees all ${joined.newcomerSeesAll.toFixed(0)} ms (rang after ${joined.ring.toFixed(0)} ms, introductions ${joined.answerToIntroductions.toFixed(0)} ms after the answer)`);
  }
  await Promise.all(users.map((user) => user.page.context().close()));
  return times;
}
