/**
 * What an incoming call does on the desktop: a native notification with the caller's name (with
 * Answer and Decline where the system supports actions), a request for attention that never
 * takes keyboard focus, nothing at all in do-not-disturb. A text message: a quiet notification
 * only while the window is not in front. The badge counts missed calls and unread messages.
 */
import type { IncomingCallAlert, MessageAlert, PhoneStatus } from '../common/bridge.js';

export type NotificationAction = 'answer' | 'decline';

export interface NotificationView {
  title: string;
  body: string;
  /** The system's own sound plays; LeanPhone's ringtone plays in the window as well. */
  silent: false;
  actions: NotificationAction[];
  /** critical and never for a ringing call; normal and default for a message. */
  urgency: 'critical' | 'normal';
  timeoutType: 'never' | 'default';
}

export interface AlertContext {
  platform: NodeJS.Platform;
  notificationsSupported: boolean;
  windowFocused: boolean;
  dnd: boolean;
}

export type AlertPlan =
  | { kind: 'suppress'; reason: 'dnd' }
  | { kind: 'alert'; notification: NotificationView | null; requestAttention: boolean };

/** Only macOS shows buttons on an Electron notification; elsewhere a click opens the call. */
export function supportsActions(platform: NodeJS.Platform): boolean {
  return platform === 'darwin';
}

export function planIncomingAlert(alert: IncomingCallAlert, context: AlertContext): AlertPlan {
  if (context.dnd) return { kind: 'suppress', reason: 'dnd' };
  const notification: NotificationView | null = context.notificationsSupported
    ? {
        title: alert.video ? 'Incoming video call' : 'Incoming call',
        body: `${alert.from} is calling`,
        silent: false,
        actions: supportsActions(context.platform) ? ['answer', 'decline'] : [],
        urgency: 'critical',
        timeoutType: 'never',
      }
    : null;
  // A focused window already shows the ringing call; flashing it would only add noise.
  return { kind: 'alert', notification, requestAttention: !context.windowFocused };
}

/** Characters of a message's text shown in its notification. */
export const MESSAGE_PREVIEW_CHARS = 200;

/** A message's notification, or null when the user is looking at the window, or in do-not-disturb. */
export function planMessageAlert(alert: MessageAlert, context: AlertContext): NotificationView | null {
  if (context.dnd || context.windowFocused || !context.notificationsSupported) return null;
  const chars = [...alert.text];
  const body = chars.length > MESSAGE_PREVIEW_CHARS ? `${chars.slice(0, MESSAGE_PREVIEW_CHARS - 1).join('')}…` : alert.text;
  return { title: `Message from ${alert.from}`, body, silent: false, actions: [], urgency: 'normal', timeoutType: 'default' };
}

export function badgeCount(status: PhoneStatus): number {
  return Math.max(0, Math.trunc(status.missedCalls) + Math.trunc(status.unreadMessages));
}

export function actionLabel(action: NotificationAction): string {
  switch (action) {
    case 'answer':
      return 'Answer';
    case 'decline':
      return 'Decline';
    default: {
      const never: never = action;
      throw new Error(`Unhandled action ${String(never)}`);
    }
  }
}
