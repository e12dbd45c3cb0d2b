/**
 * How this launch was asked for: hidden in the tray (start at login passes --hidden on Windows
 * and Linux; macOS reports wasOpenedAsHidden), and the test mode that exposes state to the
 * Playwright suite (LEANPHONE_TEST=1 only; it never changes behaviour).
 */

export const HIDDEN_FLAG = '--hidden';

export function startsHidden(argv: readonly string[], wasOpenedAsHidden: boolean): boolean {
  return wasOpenedAsHidden || argv.includes(HIDDEN_FLAG);
}

/**
 * LEANPHONE_MDNS=off keeps the app off multicast DNS: it neither announces a hosted server nor
 * browses for others (for networks that forbid multicast, and for tests on a shared network).
 */
export function mdnsEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.LEANPHONE_MDNS !== 'off';
}

export interface TestMode {
  /** A throwaway user data folder for the test run. */
  userDataDir: string | null;
}

export function testMode(env: NodeJS.ProcessEnv): TestMode | null {
  if (env.LEANPHONE_TEST !== '1') return null;
  const dir = env.LEANPHONE_USER_DATA;
  return { userDataDir: dir !== undefined && dir !== '' ? dir : null };
}
