/**
 * Which web permissions the window gets: camera and microphone ('media', checked per media type)
 * and notifications, only for the app's own top-level page. Everything else, and every other
 * origin or frame, is denied. Plain functions; the adapter wires them to Electron's handlers.
 */

export interface PermissionRequest {
  permission: string;
  /** Origin or URL of the frame asking. */
  requestingUrl: string;
  /** Whether the request comes from the top-level frame. */
  isMainFrame: boolean;
  /** For 'media': the kinds asked for ('audio', 'video'); may be empty when unknown. */
  mediaTypes?: readonly string[];
}

const ALLOWED_MEDIA_TYPES = new Set(['audio', 'video']);

export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    // app://leanphone is a standard scheme here, so its origin is "app://leanphone".
    return parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  } catch {
    return null;
  }
}

export function isAppOrigin(url: string, appOrigins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== null && appOrigins.includes(origin);
}

/** The answer to setPermissionRequestHandler. */
export function decidePermission(request: PermissionRequest, appOrigins: readonly string[]): boolean {
  if (!request.isMainFrame || !isAppOrigin(request.requestingUrl, appOrigins)) return false;
  switch (request.permission) {
    case 'media':
      return (request.mediaTypes ?? []).every((type) => ALLOWED_MEDIA_TYPES.has(type));
    case 'notifications':
      return true;
    default:
      return false;
  }
}

/** The answer to setPermissionCheckHandler (synchronous checks such as Permissions API queries). */
export interface PermissionCheck {
  permission: string;
  requestingOrigin: string;
  isMainFrame: boolean;
  mediaType?: string | undefined;
}

export function decidePermissionCheck(check: PermissionCheck, appOrigins: readonly string[]): boolean {
  if (!check.isMainFrame || !isAppOrigin(check.requestingOrigin, appOrigins)) return false;
  switch (check.permission) {
    case 'media':
      return check.mediaType === undefined || check.mediaType === 'unknown' || ALLOWED_MEDIA_TYPES.has(check.mediaType);
    case 'notifications':
      return true;
    default:
      return false;
  }
}
