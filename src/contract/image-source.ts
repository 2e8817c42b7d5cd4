import { apiError } from './api-error.js';
import { describeValue } from './describe-value.js';

/** The declared types the API accepts; `image/jpg` is taken as `image/jpeg`. */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp';

/**
 * One entry of `images`, parsed but not fetched or decoded: the media layer downloads URLs and judges the bytes
 * of both kinds by their magic numbers (the declared type only lets obvious mistakes be refused early).
 */
export type ImageSource =
  | { kind: 'url'; url: string }
  | { kind: 'data'; mediaType: ImageMediaType; /** the base64 text after the comma */ base64: string };

const MEDIA_TYPES: Readonly<Record<string, ImageMediaType>> = {
  'image/png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'image/webp': 'image/webp',
};

const URL_EXPECTED = 'an http(s) URL or a data:image/<png|jpeg|webp>;base64,... URI';
// Standard and URL-safe alphabets, and the line breaks `base64` wraps its output with: Node decodes all of them.
const BASE64_TEXT = /^[A-Za-z0-9+/_\s-]*={0,2}\s*$/;
const NOT_BASE64 = /[^A-Za-z0-9+/_=\s-]/;
// A bare base64 image (a common mistake) is long and has no separators; anything shorter is just a bad value.
const BARE_BASE64 = /^[A-Za-z0-9+/\s]{64,}={0,2}\s*$/;

/**
 * Parses one `images` entry: an http(s) URL or a `data:image/<type>;base64,<data>` URI. Errors name `param`
 * (`images[0]`): 002014006 for a data URI without content type, not base64 or with invalid base64 (and for bare
 * base64 without the `data:` prefix), 002014003 for a declared type other than png, jpeg, jpg, webp, and
 * 002014010 for anything that is neither a URL nor a data URI.
 */
export function parseImageSource(value: string, param: string): ImageSource {
  if (/^data:/i.test(value)) return parseDataUri(value, param);
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    const url = parseHttpUrl(value);
    if (url === undefined) {
      throw apiError('002014010', {
        param,
        values: { expected: URL_EXPECTED, received: describeValue(value) },
      });
    }
    return { kind: 'url', url };
  }
  if (BARE_BASE64.test(value)) {
    throw apiError('002014006', {
      param,
      values: { reason: 'base64 data needs its content type: send data:image/png;base64,<data>' },
    });
  }
  throw apiError('002014010', { param, values: { expected: URL_EXPECTED, received: describeValue(value) } });
}

/** The URL in its normalised form if it is an absolute http or https URL with a host, else undefined. */
export function parseHttpUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  return url.href;
}

function parseDataUri(value: string, param: string): ImageSource {
  const comma = value.indexOf(',');
  const decodeError = (reason: string) => apiError('002014006', { param, values: { reason } });
  if (comma < 0) throw decodeError('the data URI has no comma before its data');
  const parts = value.slice('data:'.length, comma).split(';');
  // `data:base64,...` (the type forgotten) has the encoding where the type belongs: no content type either.
  const declared = parts[0].includes('/') ? parts[0].trim().toLowerCase() : '';
  const attributes = parts.slice(1);
  if (declared === '') {
    throw decodeError('the data URI has no content type; send data:image/png;base64,<data>');
  }
  const mediaType = MEDIA_TYPES[declared];
  if (mediaType === undefined) {
    throw apiError('002014003', { param, values: { received: `a data URI of type ${declared}` } });
  }
  if (!attributes.some((attribute) => attribute.trim().toLowerCase() === 'base64')) {
    throw decodeError('the data URI is not base64-encoded; send data:image/png;base64,<data>');
  }
  const base64 = value.slice(comma + 1);
  const problem = base64Problem(base64);
  if (problem !== undefined) throw decodeError(problem);
  return { kind: 'data', mediaType, base64 };
}

// Why the text is not base64, or undefined when it is; a linear scan, as data URIs run to 20 MB.
function base64Problem(text: string): string | undefined {
  const bad = NOT_BASE64.exec(text);
  if (bad !== null) {
    return `invalid base64: ${JSON.stringify(bad[0])} at character ${bad.index + 1} of the data`;
  }
  if (!BASE64_TEXT.test(text)) return 'invalid base64: "=" padding before the end of the data';
  const length = /\s/.test(text) ? text.replace(/\s+/g, '').length : text.length;
  const unpadded = length - (text.trimEnd().match(/=*$/)?.[0].length ?? 0);
  if (unpadded === 0) return 'the data URI holds no data';
  // A single character left over can never encode a byte: the data was cut short.
  if (unpadded % 4 === 1) return 'invalid base64: the data is cut short';
  return undefined;
}
