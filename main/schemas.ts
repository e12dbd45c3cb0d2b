/**
 * zod schemas for everything main receives: the settings file and every IPC payload from the
 * (untrusted) renderer. Objects are strict, so unknown keys are refused rather than stored.
 */
import { z } from 'zod';
import { CALL_ID_PATTERN, nameProblem, normalizeName } from '../common/protocol.js';
import { RINGTONES, type Settings } from '../common/bridge.js';
import { checkRingGroup } from '../common/ring-groups.js';

const noControl = /^[^\p{Cc}]*$/u;

export const serverUrlSchema = z
  .string()
  .max(2048, 'serverUrl is longer than 2048 characters')
  .refine((value) => value === '' || isSignalUrl(value), 'serverUrl must be empty or a ws:// or wss:// address');

const nameSchema = z
  .string()
  .max(256, 'name is longer than 32 characters')
  .transform(normalizeName)
  .superRefine((value, ctx) => {
    const problem = value === '' ? null : nameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const deviceId = z.string().max(512).regex(noControl, 'device id may not hold control characters').nullable();

const iceUrl = z
  .string()
  .max(512)
  .regex(/^(stun|stuns|turn|turns):[^\s]+$/, 'ICE server urls must start with stun:, stuns:, turn: or turns:');

const iceServerSchema = z
  .object({
    urls: z.union([iceUrl, z.array(iceUrl).min(1).max(8)]),
    username: z.string().max(256).exactOptional(),
    credential: z.string().max(256).exactOptional(),
  })
  .strict();

const ringGroupSchema = z
  .object({ name: z.string().max(256), members: z.array(z.string().max(256)).max(64, 'at most 64 members') })
  .strict()
  .transform((group, ctx) => {
    const checked = checkRingGroup(group.name, group.members);
    if (checked.ok) return checked.group;
    ctx.addIssue({ code: 'custom', message: checked.problem });
    return z.NEVER;
  });

export const settingsSchema = z
  .object({
    serverUrl: serverUrlSchema,
    name: nameSchema,
    passcode: z.string().max(256, 'passcode is longer than 256 characters'),
    devices: z.object({ microphone: deviceId, camera: deviceId, speaker: deviceId }).strict(),
    iceServers: z.array(iceServerSchema).max(16, 'at most 16 ICE servers'),
    relayOnly: z.boolean(),
    hosting: z
      .object({ enabled: z.boolean(), port: z.number().int().min(1).max(65_535) })
      .strict(),
    ringGroups: z.array(ringGroupSchema).max(64, 'at most 64 ring groups'),
    startAtLogin: z.boolean(),
    ringtone: z.enum(RINGTONES),
    ringtoneVolume: z.number().int().min(0).max(100),
  })
  .strict();

export const settingsPatchSchema = settingsSchema.partial().strict();

export const phoneStatusSchema = z
  .object({
    connection: z.enum(['disconnected', 'connecting', 'registered', 'reconnecting']),
    dnd: z.boolean(),
    inCall: z.boolean(),
    missedCalls: z.number().int().min(0).max(1_000_000),
    unreadMessages: z.number().int().min(0).max(1_000_000),
  })
  .strict();

export const callIdSchema = z.string().regex(CALL_ID_PATTERN, 'callId must be 8 to 64 characters of A-Z a-z 0-9 _ -');

export const incomingCallAlertSchema = z
  .object({
    callId: callIdSchema,
    from: z
      .string()
      .max(256)
      .transform(normalizeName)
      .refine((value) => nameProblem(value) === null, 'from must be a valid user name'),
    video: z.boolean(),
  })
  .strict();

export const messageAlertSchema = z
  .object({
    from: z
      .string()
      .max(256)
      .transform(normalizeName)
      .refine((value) => nameProblem(value) === null, 'from must be a valid user name'),
    // The host caps a message at --max-message-bytes (60,000 at most); only its start is shown.
    text: z.string().max(65_536),
  })
  .strict();

export const hostingFlagSchema = z.boolean();

/** A server the window is about to connect to. */
export const signalUrlSchema = z
  .string()
  .max(2048, 'the address is longer than 2048 characters')
  .refine(isSignalUrl, 'the address must be a ws:// or wss:// address');
export const noPayloadSchema = z.union([z.null(), z.undefined()]).transform(() => null);

/** True for ws:// and wss:// URLs with a host. */
export function isSignalUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** One readable line from a zod error: "field: problem; field: problem". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

// The schema's output must be exactly the bridge's Settings type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const SETTINGS_SCHEMA_MATCHES: Same<z.output<typeof settingsSchema>, Settings> = true;
