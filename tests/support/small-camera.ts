/**
 * An init script for many phones on one machine (the conference test and benchmark): every camera
 * is asked for a small picture at a low rate, as each phone encodes and decodes n-1 videos.
 */
export interface CameraSize {
  width: number;
  height: number;
  frameRate: number;
}

/**
 * The script text for addInitScript; the page's about:blank has no mediaDevices and is left alone.
 * Under tsx, esbuild's keepNames calls a `__name` helper that only Node has: the page gets a stand-in.
 */
export function smallCameraScript(size: CameraSize): string {
  return `{ const __name = (target) => target; (${SMALL_CAMERA.toString()})(${JSON.stringify(size)}); }`;
}

function SMALL_CAMERA(size: CameraSize): void {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = function constrained(wanted?: MediaStreamConstraints) {
    if (!wanted?.video) return getUserMedia(wanted);
    const video = wanted.video === true ? {} : wanted.video;
    return getUserMedia({ ...wanted, video: { ...video, width: size.width, height: size.height, frameRate: size.frameRate } });
  };
}
