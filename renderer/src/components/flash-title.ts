/**
 * The tab title flashing for a ringing call ("Ringing: Bob", then the usual title, each second),
 * so a call is seen from another tab. Whatever else sets the title meanwhile is kept and restored.
 */
export function flashTitle(text: string, everyMs = 1_000): () => void {
  let usual = document.title;
  document.title = text;
  const timer = setInterval(() => {
    if (document.title === text) {
      document.title = usual;
    } else {
      usual = document.title;
      document.title = text;
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    if (document.title === text) document.title = usual;
  };
}
