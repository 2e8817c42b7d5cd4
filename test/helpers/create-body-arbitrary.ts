import fc from 'fast-check';
import { VIDU_MODELS } from '../../src/contract/vidu.js';

/** Image values the fuzz draws from, besides random ones: good, broken and refused, none reaching past 127.0.0.1. */
export interface FuzzImages {
  /** Whole small images as data URIs. */
  good: string[];
  /** http URLs on the local test server (allow-listed): a good image, a 404, a non-image. */
  localUrls: string[];
}

const MODEL = 'viduq2_pro_start_end2video';

/** Text that is odd on purpose: astral planes, combining marks, RTL, zero-width, NUL, lone surrogates. */
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff',
    '\u202e\u0041',
    'e\u0301\u0301\u0301',
    '\u200b',
    '\ufeff',
    '😀'.repeat(40),
  ),
);

/** A value nested `depth` deep, in arrays or objects. */
const nested = fc.integer({ min: 1, max: 3000 }).chain((depth) =>
  fc.constantFrom('array', 'object').map((kind) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
    return value;
  }),
);

/** Values of the wrong type for anything: numbers at the edges, strings, nulls, arrays, objects, nesting. */
const wrong = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53, 2 ** 32, 0.5, '', '0', 'NaN', '1e999'),
  fc.double(),
  fc.integer(),
  oddText,
  fc.jsonValue({ maxDepth: 3 }),
  nested,
);

/** A string of `length` characters, for limits in the thousands and the megabyte. */
const long = (lengths: number[]) => fc.constantFrom(...lengths).map((length) => 'x'.repeat(length));

function imageValue(images: FuzzImages) {
  const base64 = fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes).toString('base64'));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...images.good) },
    { weight: 2, arbitrary: fc.constantFrom(...images.localUrls) },
    // Broken data URIs: no base64 marker, no type, another type, bad base64, random bytes, cut-off good ones.
    base64.map((data) => `data:image/png;base64,${data}`),
    base64.map((data) => `data:image/jpeg;base64,${data}!!==`),
    fc.constantFrom(
      'data:image/png;base64,',
      'data:image/png,abc',
      'data:;base64,iVBORw0KGgo=',
      'data:image/gif;base64,R0lGODlhAQABAAAAACw=',
      'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
      'data:text/html;base64,PGI+PC9iPg==',
      'data:image/png;base64,%%%%',
    ),
    fc
      .constantFrom(...images.good)
      .chain((uri) => fc.integer({ min: 23, max: uri.length - 1 }).map((cut) => uri.slice(0, cut))),
    // Refused before any connection: IP literals in blocked ranges, other schemes, junk.
    fc.constantFrom(
      'http://10.0.0.1/a.png',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/a.png',
      'http://[::ffff:0:7f00:1]/a.png',
      'http://0x7f.1/a.png',
      'ftp://127.0.0.1/a.png',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://',
      'https://[::1',
    ),
    wrong,
  );
}

/** URLs for callback_url and wm_url: none is resolved by DNS or reached beyond 127.0.0.1. */
function urlValue(images: FuzzImages) {
  return fc.oneof(
    fc.constantFrom(...images.localUrls),
    fc.constantFrom('http://10.0.0.1/hook', 'http://[fe80::1]/hook', 'ftp://127.0.0.1/', 'not a url', ''),
    wrong,
  );
}

/** Each parameter: often valid, often at or just past a bound, sometimes of a wrong type. */
function params(images: FuzzImages) {
  const atBounds = (valid: fc.Arbitrary<unknown>, edges: unknown[]) =>
    fc.oneof({ weight: 3, arbitrary: valid }, fc.constantFrom(...edges), wrong);
  return fc.record(
    {
      images: fc.oneof(
        { weight: 6, arbitrary: fc.array(imageValue(images), { minLength: 0, maxLength: 3 }) },
        wrong,
      ),
      prompt: atBounds(oddText, ['', 'push in', 'x'.repeat(2000), 'x'.repeat(2001), '😀'.repeat(1001)]),
      is_rec: atBounds(fc.boolean(), ['true', 1, 0]),
      duration: atBounds(fc.integer({ min: 1, max: 8 }), [0, 1, 8, 9, -1, 1.5, '5', 2 ** 31]),
      seed: atBounds(fc.integer({ min: 0, max: 2 ** 32 - 1 }), [0, -1, 2 ** 32 - 1, 2 ** 32, 1.1, '7']),
      resolution: atBounds(fc.constantFrom('540p', '720p', '1080p'), ['360p', '4k', '720P', ' 720p']),
      movement_amplitude: atBounds(fc.constantFrom('auto', 'small', 'medium', 'large'), ['huge', 'AUTO']),
      bgm: atBounds(fc.boolean(), ['false', null]),
      payload: atBounds(oddText, [long([1_048_576, 1_048_577])]),
      off_peak: atBounds(fc.boolean(), ['yes']),
      watermark: atBounds(fc.boolean(), [1]),
      wm_position: atBounds(fc.integer({ min: 1, max: 4 }), [0, 5, -1, 2.5, '3']),
      wm_url: urlValue(images),
      meta_data: atBounds(fc.constantFrom('{}', '{"Label":"1"}'), [
        '[]',
        '{',
        'null',
        '"x"',
        '{"a":' + '['.repeat(500),
      ]),
      callback_url: urlValue(images),
      moderation: wrong,
      metadata: wrong,
    },
    { requiredKeys: [] },
  );
}

/** Parameters that are all valid (and sometimes absent), so accepted creates are part of the mix. */
function validParams(images: FuzzImages) {
  return fc.record(
    {
      images: fc.array(fc.constantFrom(...images.good, images.localUrls[0]), { minLength: 1, maxLength: 2 }),
      prompt: fc.oneof(oddText, fc.constant('x'.repeat(2000))),
      duration: fc.integer({ min: 1, max: 8 }),
      seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      resolution: fc.constantFrom('540p', '720p', '1080p'),
      movement_amplitude: fc.constantFrom('auto', 'small', 'medium', 'large'),
      bgm: fc.boolean(),
      off_peak: fc.boolean(),
      wm_position: fc.integer({ min: 1, max: 4 }),
      payload: oddText,
    },
    { requiredKeys: ['images'] },
  );
}

/** Valid parameters with exactly one of them replaced by a fuzzed value: each bound is reached on its own. */
function oneBroken(images: FuzzImages) {
  return fc.tuple(validParams(images), params(images)).chain(([valid, fuzzed]) => {
    const keys = Object.keys(fuzzed) as Array<keyof typeof fuzzed>;
    if (keys.length === 0) return fc.constant<Record<string, unknown>>(valid);
    return fc.constantFrom(...keys).map((name) => ({ ...valid, [name]: fuzzed[name] }));
  });
}

/** A create body as the fuzz sends it: JSON text, or raw junk that is not JSON at all. */
export interface FuzzBody {
  /** The request body text. */
  text: string;
  /** The content type sent with it. */
  contentType: string;
}

/**
 * Create bodies for the fuzz: flat and enveloped forms with every parameter valid, at a bound, past it or of a
 * wrong type; bodies that are any JSON value at all; and bodies that are not JSON.
 */
export function createBodyArbitrary(images: FuzzImages): fc.Arbitrary<FuzzBody> {
  const model = fc.oneof(
    { weight: 5, arbitrary: fc.constant(MODEL) },
    // Vidu's model names, so a body sent to Vidu's dialect is often Vidu-shaped (and one sent to ours is not).
    { weight: 4, arbitrary: fc.constantFrom(...Object.keys(VIDU_MODELS)) },
    fc.constantFrom('sora', '', MODEL.toUpperCase(), 'VIDUQ2-PRO', 'viduq3'),
    wrong,
  );
  const anyParams = fc.oneof(
    { weight: 2, arbitrary: validParams(images) },
    { weight: 4, arbitrary: oneBroken(images) },
    { weight: 3, arbitrary: params(images) },
  );
  const flat = fc.tuple(model, anyParams).map(([m, p]) => ({ model: m, ...p }));
  const enveloped = fc
    .tuple(model, anyParams, fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, fc.constantFrom(0, 2)))
    .map(([m, p, count]) => ({ model: m, input: Array.from({ length: count }, () => ({ params: p })) }));
  const json = (value: fc.Arbitrary<unknown>) =>
    value.map((body) => ({ text: JSON.stringify(body) ?? 'null', contentType: 'application/json' }));
  return fc.oneof(
    { weight: 6, arbitrary: json(flat) },
    { weight: 3, arbitrary: json(enveloped) },
    { weight: 1, arbitrary: json(fc.jsonValue({ maxDepth: 4 })) },
    { weight: 1, arbitrary: json(nested) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        oddText.map((text) => ({ text, contentType: 'application/json' })),
        fc.constantFrom('{"model":', '{"a":1}}', '\u0000', '['.repeat(100_000)).map((text) => ({
          text,
          contentType: 'application/json',
        })),
        oddText.map((text) => ({ text, contentType: 'text/plain' })),
        fc.constant({ text: '{"__proto__":{"x":1},"model":"m"}', contentType: 'application/json' }),
        fc.constant({ text: '{"constructor":{"prototype":{"x":1}}}', contentType: 'application/json' }),
      ),
    },
  );
}
