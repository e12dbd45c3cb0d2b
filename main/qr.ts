/**
 * The QR code the host shows so a phone or laptop joins from its browser: an SVG of the https
 * address, dark on a white square with the standard quiet zone, labelled for screen readers.
 */
import QRCode from 'qrcode';

export class QrError extends Error {
  override readonly name = 'QrError';
}

/** Longer than any LAN address; keeps the code small enough to scan from a screen. */
export const MAX_QR_URL_LENGTH = 256;

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char] ?? char);

/** An SVG document encoding `url`, which must be an https URL. Bad input throws QrError. */
export async function qrSvg(url: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QrError(`Not an address: ${JSON.stringify(url.slice(0, 80))}`);
  }
  if (parsed.protocol !== 'https:') throw new QrError(`Only an https address gets a QR code (browsers allow camera and microphone only there): ${parsed.protocol}`);
  if (url.length > MAX_QR_URL_LENGTH) throw new QrError(`Address too long for a QR code: ${url.length} characters (at most ${MAX_QR_URL_LENGTH})`);
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } });
  return svg.replace(/^<svg /, `<svg role="img" aria-label="${escapeXml(`QR code: ${url}`)}" `);
}
