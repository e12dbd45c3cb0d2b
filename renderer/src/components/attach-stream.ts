/**
 * A Svelte attachment that shows a MediaStream in a media element and, where the browser can,
 * routes its sound to the chosen speaker (setSinkId).
 */
type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

export function attachStream(stream: MediaStream | null, speaker: string | null) {
  return (element: HTMLMediaElement): void => {
    if (element.srcObject !== stream) element.srcObject = stream;
    const sink = element as SinkElement;
    if (sink.setSinkId) void sink.setSinkId(speaker ?? '').catch(() => undefined);
  };
}
