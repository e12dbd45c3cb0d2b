/**
 * Main's side of the channel map: one handler per channel, every payload parsed with zod and
 * every sender checked to be the app's own top-level page before anything runs. The renderer is
 * untrusted: a refused call rejects with a readable reason and changes nothing.
 */
import type { z } from 'zod';
import {
  INVOKE_CHANNELS,
  SEND_CHANNELS,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
  type SendChannel,
  type SendChannels,
} from '../common/ipc.js';
import { isAppOrigin } from './permission-policy.js';
import {
  callIdSchema,
  describeIssues,
  hostingFlagSchema,
  incomingCallAlertSchema,
  messageAlertSchema,
  noPayloadSchema,
  phoneStatusSchema,
  settingsPatchSchema,
  signalUrlSchema,
} from './schemas.js';

/** The parts of Electron's WebFrameMain and IpcMain(Invoke)Event that the checks read. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}
export interface IpcEventLike {
  readonly senderFrame: FrameLike | null;
  readonly sender: unknown;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, payload: unknown) => unknown): void;
  on(channel: string, listener: (event: IpcEventLike, payload: unknown) => void): void;
  removeHandler(channel: string): void;
  removeAllListeners(channel: string): void;
}

export type InvokeHandlers = { [C in InvokeChannel]: (payload: InvokeRequest<C>) => Promise<InvokeResponse<C>> };
export type SendHandlers = { [C in SendChannel]: (payload: SendChannels[C]) => void };

const invokeSchemas: { [C in InvokeChannel]: z.ZodType } = {
  'settings:get': noPayloadSchema,
  'settings:update': settingsPatchSchema,
  'hosting:get': noPayloadSchema,
  'hosting:set': hostingFlagSchema,
  'server:trust': signalUrlSchema,
  'discovery:get': noPayloadSchema,
};
const sendSchemas: { [C in SendChannel]: z.ZodType } = {
  'status:report': phoneStatusSchema,
  'alert:incoming': incomingCallAlertSchema,
  'alert:clear': callIdSchema,
  'alert:message': messageAlertSchema,
};

export class IpcRefusal extends Error {
  override readonly name = 'IpcRefusal';
}

export interface SenderPolicy {
  appOrigins: () => readonly string[];
  /** True when the event's sender is the app's own window (its webContents). */
  isAppWindow: (sender: unknown) => boolean;
}

/** The sender must be our window's top-level frame showing our own page. */
export function isTrustedSender(event: IpcEventLike, policy: SenderPolicy): boolean {
  const frame = event.senderFrame;
  return (
    frame !== null &&
    frame.parent === null &&
    policy.isAppWindow(event.sender) &&
    isAppOrigin(frame.url, policy.appOrigins())
  );
}

function parse<T>(schema: z.ZodType, channel: string, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw new IpcRefusal(`${channel}: invalid payload: ${describeIssues(result.error)}`);
  // The schemas above are written against the channel map; this is the one place they meet.
  return result.data as T;
}

/** Registers every channel; returns a function that removes them all. */
export function registerIpc(
  ipc: IpcMainLike,
  handlers: { invoke: InvokeHandlers; send: SendHandlers },
  policy: SenderPolicy,
  warn: (message: string) => void = (message) => console.warn(message),
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipc.handle(channel, async (event, payload) => {
      if (!isTrustedSender(event, policy)) {
        warn(`ipc: refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        throw new IpcRefusal(`${channel}: refused, not the app's own window`);
      }
      return dispatchInvoke(handlers.invoke, channel, parse(invokeSchemas[channel], channel, payload));
    });
  }
  for (const channel of SEND_CHANNELS) {
    ipc.on(channel, (event, payload) => {
      if (!isTrustedSender(event, policy)) {
        warn(`ipc: refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return;
      }
      try {
        dispatchSend(handlers.send, channel, parse(sendSchemas[channel], channel, payload));
      } catch (error) {
        warn(`ipc: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipc.removeHandler(channel);
    for (const channel of SEND_CHANNELS) ipc.removeAllListeners(channel);
  };
}

function dispatchInvoke<C extends InvokeChannel>(handlers: InvokeHandlers, channel: C, payload: InvokeRequest<C>) {
  return (handlers[channel] as (payload: InvokeRequest<C>) => Promise<InvokeResponse<C>>)(payload);
}

function dispatchSend<C extends SendChannel>(handlers: SendHandlers, channel: C, payload: SendChannels[C]) {
  (handlers[channel] as (payload: SendChannels[C]) => void)(payload);
}
