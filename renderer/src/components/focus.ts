/**
 * Where the keyboard focus goes by itself: a control that needs the user now (Answer, Hang up,
 * the search after Connect) takes it, unless the user is typing into a field that holds text.
 */

/** True while the user is typing: focus in a text field or text area that is not empty. */
export function isTyping(active: Element | null): boolean {
  if (active instanceof HTMLTextAreaElement) return active.value !== '';
  if (!(active instanceof HTMLInputElement)) return false;
  const textual = ['text', 'search', 'email', 'url', 'tel', 'password', 'number'].includes(active.type);
  return textual && active.value !== '';
}

/**
 * An attachment that focuses its element unless the user is typing; `_key` re-runs it when the
 * thing it stands for changes (another call shown in the same place).
 */
export function claimFocus(_key?: unknown) {
  return (element: HTMLElement): void => {
    if (!isTyping(document.activeElement)) element.focus();
  };
}
