/**
 * Runs `work` once the browser has painted what is pending, so that it delays nothing the user is
 * to see (a call ringing). A hidden page paints nothing and its frames do not run: soon, then.
 */
export function afterPaint(work: () => void): void {
  if (typeof document === 'undefined' || document.visibilityState !== 'visible' || typeof requestAnimationFrame !== 'function') {
    setTimeout(work, 0);
    return;
  }
  requestAnimationFrame(() => setTimeout(work, 0));
}
