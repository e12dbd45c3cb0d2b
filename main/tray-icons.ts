/**
 * The tray icon for each state, drawn in code: a coloured dot (green registered, amber
 * reconnecting, grey offline, purple dnd, blue in a call, red missed calls, teal hosting with a
 * ring). 32x32 PNG meant for a scale factor of 2, so 16 points on every platform.
 */
import { circle, encodePng, paint, ring, type Rgba } from './png.js';
import type { TrayIconName } from './tray-model.js';

export const TRAY_ICON_PIXELS = 32;

const COLOURS: Record<TrayIconName, Rgba> = {
  registered: [46, 160, 67, 255],
  reconnecting: [219, 150, 20, 255],
  offline: [130, 130, 130, 255],
  dnd: [130, 80, 223, 255],
  'in-call': [31, 111, 235, 255],
  missed: [207, 34, 46, 255],
  hosting: [20, 150, 150, 255],
};

export function trayIconPng(name: TrayIconName): Buffer {
  const size = TRAY_ICON_PIXELS;
  const centre = size / 2;
  const colour = COLOURS[name];
  const layers =
    name === 'hosting'
      ? ([
          [ring(centre, centre, 12, 4), colour],
          [circle(centre, centre, 6), colour],
        ] as const)
      : ([[circle(centre, centre, 11), colour]] as const);
  return encodePng(size, size, paint(size, layers));
}
