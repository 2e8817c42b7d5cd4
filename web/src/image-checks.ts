/**
 * The spec's rules for keyframes, checked in the browser before anything is sent, with the codes and messages
 * the server answers for the same mistakes. Pure (no DOM), so test/web-image-checks.test.ts runs it beside the
 * server's own sniffing and aspect rules on the same inputs and keeps the two in step.
 */

/** The formats the API accepts, judged by their bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** A rule a frame breaks: the API's error code, the parameter it names and the server's message. */
export interface FrameProblem {
  readonly code: string;
  readonly param: string;
  readonly message: string;
}

/** The spec's per-image limit. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** The spec's request body limit; data URIs carry 4 bytes of text for every 3 of image. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;
/** Widest and tallest frame: 4:1 and 1:4. */
export const MAX_ASPECT_RATIO = 4;
/** How far the end frame's aspect ratio may differ from the start frame's (0.8..1.25). */
export const MAX_ASPECT_MISMATCH = 1.25;
/** Longest prompt, in characters (code points, as the server counts them). */
export const MAX_PROMPT_CHARS = 2000;

// Inclusive bounds with the server's slack, so 1:4 and 0.8 exactly pass despite floating point.
const EPSILON = 1e-9;

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

/** The format by magic numbers only; the file's name and declared type are ignored, as on the server. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return null;
}

/** Names a refused format for the message ("a gif image"); null when the bytes are no known image. */
export function nameUnsupportedFormat(bytes: Uint8Array): string | null {
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('BM'))) return 'bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'tiff';
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (brand.startsWith('avi')) return 'avif';
    if (brand.startsWith('hei') || brand.startsWith('mif') || brand.startsWith('hev')) return 'heic';
  }
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20]))
    return 'jxl';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'ico';
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return null;
}

/** "51.2 MiB (53687092 bytes)": a size the way the server's messages write it. */
export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const rounded = Number.isInteger(mib) ? String(mib) : mib.toFixed(1);
  return `${rounded} MiB (${bytes} bytes)`;
}

/**
 * What can be told from a file's size and first bytes: 002014004 over 50 MB, 002014003 for another format.
 * `head` needs only the first 256 bytes.
 */
export function checkFileBytes(size: number, head: Uint8Array, param: string): FrameProblem | null {
  if (size > MAX_IMAGE_BYTES) {
    return {
      code: '002014004',
      param,
      message: `Expected an image of at most 50 MB for ${param} but received ${describeBytes(size)}`,
    };
  }
  if (sniffImageFormat(head) === null) {
    const found = nameUnsupportedFormat(head);
    const received = found === null ? 'data that is not a recognisable image' : `a ${found} image`;
    return {
      code: '002014003',
      param,
      message: `Expected a png, jpeg or webp image for ${param} but received ${received}`,
    };
  }
  return null;
}

/** A frame's size as displayed (EXIF orientation applied, as the server applies it). */
export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

function aspect(size: FrameSize): string {
  return `${(size.width / size.height).toFixed(2)} (${size.width}x${size.height})`;
}

/**
 * The aspect rules on the frames' dimensions: each within 1:4..4:1 (002014007), and the end frame's aspect
 * within 0.8..1.25 of the start frame's (002014008, naming images[1]). Null when both pass.
 */
export function checkAspects(start: FrameSize | null, end: FrameSize | null): FrameProblem | null {
  const frames: [FrameSize | null, string][] = [
    [start, 'images[0]'],
    [end, 'images[1]'],
  ];
  for (const [size, param] of frames) {
    if (size === null) continue;
    const ratio = size.width / size.height;
    if (!(ratio >= 1 / MAX_ASPECT_RATIO - EPSILON && ratio <= MAX_ASPECT_RATIO + EPSILON)) {
      return {
        code: '002014007',
        param,
        message: `Expected an aspect ratio within 1:4..4:1 for ${param} but received ${aspect(size)}`,
      };
    }
  }
  if (start === null || end === null) return null;
  const ratio = end.width / end.height / (start.width / start.height);
  if (!(ratio >= 1 / MAX_ASPECT_MISMATCH - EPSILON && ratio <= MAX_ASPECT_MISMATCH + EPSILON)) {
    return {
      code: '002014008',
      param: 'images[1]',
      message:
        "Expected the end frame's aspect ratio within 0.8..1.25 times the start frame's for images[1] but " +
        `received ${aspect(end)} against the start frame's ${aspect(start)}`,
    };
  }
  return null;
}

/** Characters as the server counts them: code points, so an emoji is one. */
export function promptLength(prompt: string): number {
  let length = 0;
  for (const _ of prompt) length++;
  return length;
}

/** 002014009 for a prompt over 2000 characters. */
export function checkPrompt(prompt: string): FrameProblem | null {
  const length = promptLength(prompt);
  if (length <= MAX_PROMPT_CHARS) return null;
  return {
    code: '002014009',
    param: 'prompt',
    message: `Expected at most 2000 characters for prompt but received a string of ${length} characters`,
  };
}

/**
 * body_too_large when the frames, as base64 data URIs, would make the request body larger than the 20 MB the
 * server reads: two frames of 50 MB each pass the per-image rule but cannot travel from a browser together.
 */
export function checkBodySize(imageBytes: readonly number[]): FrameProblem | null {
  // base64 text plus a little for the data URI prefixes and the other fields.
  const estimate = imageBytes.reduce((sum, size) => sum + Math.ceil(size / 3) * 4 + 64, 4096);
  if (estimate <= MAX_BODY_BYTES) return null;
  return {
    code: 'body_too_large',
    param: 'images',
    message:
      `Expected a request body of at most ${MAX_BODY_BYTES} bytes but received about ${describeBytes(estimate)} ` +
      '(frames travel as base64, a third larger than the files; send smaller frames or image URLs)',
  };
}
