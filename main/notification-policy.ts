/**
 * What an incoming call does on the desktop: a native notification with the caller's name (with
 * Answer and Decline where the system supports actions), a request for attention that never
 * takes keyboard focus, nothing at all in do-not-disturb. The badge is the missed-call count.
 */
import type { IncomingCallAlert, PhoneStatus } from '../common/bridge.js';

export type NotificationAction = 'answer' | 'decline';

export interface NotificationView {
  title: string;
  body: string;
  /** The system's own sound plays; LeanPhone's ringtone plays in the window as well. */
  silent: false;
  actions: NotificationAction[];
  urgency: 'critical';
  timeoutType: 'never';
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

export function badgeCount(status: PhoneStatus): number {
  return Math.max(0, Math.trunc(status.missedCalls));
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
