import type { ImageFormat } from './sniff-image-format.js';

/**
 * Why an image's data stops before its end marker, or undefined when its container is whole. This walks the
 * container structure (PNG chunks, JPEG segments, the RIFF size) without decoding a pixel, so a cut-off upload
 * is refused at create time for the cost of a scan rather than a decode. Bytes after the end marker are
 * allowed: phones append data (motion photos put a whole video after the JPEG).
 */
export function findTruncation(bytes: Uint8Array, format: ImageFormat): string | undefined {
  switch (format) {
    case 'png':
      return pngTruncation(bytes);
    case 'jpeg':
      return jpegTruncation(bytes);
    case 'webp':
      return webpTruncation(bytes);
  }
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
  );
}

function pngTruncation(bytes: Uint8Array): string | undefined {
  // Signature, then chunks of length (4), type (4), data, CRC (4), ending with IEND.
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = readUint32(bytes, offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 12 + length;
    if (end > bytes.length) return `the png data is cut short inside its ${type} chunk`;
    if (type === 'IEND') return undefined;
    offset = end;
  }
  return 'the png data is cut short before its IEND chunk';
}

// Markers that stand alone, without a length: TEM, RST0..7 (SOI and EOI are handled where they occur).
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

function jpegTruncation(bytes: Uint8Array): string | undefined {
  let offset = 2; // after SOI
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) return 'the jpeg data is corrupt: a segment does not start with a marker';
    let marker = bytes[offset + 1];
    // Any number of 0xFF fill bytes may precede a marker.
    while (marker === 0xff && offset + 2 < bytes.length) marker = bytes[++offset + 1];
    if (marker === undefined) break;
    if (marker === 0xd9) return undefined; // EOI
    if (isStandalone(marker)) {
      offset += 2;
      continue;
    }
    if (offset + 4 > bytes.length) break;
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    offset += 2 + length;
    if (marker === 0xda) {
      // Entropy-coded data follows the scan header: 0xFF is always stuffed (FF00) or a restart marker there,
      // so the first other FFxx is the next real marker. A linear scan, fine for the 50 MB limit.
      while (offset + 1 < bytes.length) {
        const next = bytes[offset + 1];
        if (bytes[offset] === 0xff && next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff)
          break;
        offset++;
      }
      if (offset + 1 >= bytes.length) break;
    }
  }
  return 'the jpeg data is cut short before its end marker';
}

function webpTruncation(bytes: Uint8Array): string | undefined {
  if (bytes.length < 12) return 'the webp data is cut short inside its header';
  // RIFF size is little-endian and counts everything after the first 8 bytes.
  const size = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
  if (8 + size > bytes.length) {
    return `the webp data is cut short: ${bytes.length} of ${8 + size} bytes`;
  }
  return undefined;
}
