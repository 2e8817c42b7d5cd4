import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import type { ErrorCode } from './error-catalogue.js';
import { parseGenerationRequest, type GenerationRequest } from './generation-request.js';

/** A 1x1 PNG as a data URI. */
const PNG_DATA_URI =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Runs `run`, expects it to throw an ApiError with exactly this code, status and param, and returns it. */
function expectApiError(run: () => unknown, code: ErrorCode, status: number, param?: string): ApiError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ApiError);
  const error = thrown as ApiError;
  expect({ code: error.code, status: error.status, param: error.param }).toEqual({ code, status, param });
  return error;
}

const MODEL = 'viduq2_pro_start_end2video';
const START = 'https://example.com/start.png';
const END = 'https://example.com/end.jpg';

function flat(params: Record<string, unknown> = {}): GenerationRequest {
  return parseGenerationRequest({ model: MODEL, images: [START], ...params });
}

function rejects(
  params: Record<string, unknown>,
  code: Parameters<typeof expectApiError>[1],
  param?: string,
) {
  const status = code === 'model_not_found' ? 404 : 400;
  return expectApiError(
    () => parseGenerationRequest({ model: MODEL, images: [START], ...params }),
    code,
    status,
    param,
  );
}

describe('parseGenerationRequest: body forms', () => {
  const params = { images: [START, END], duration: 8, resolution: '1080p', prompt: 'push in' };

  it('gives the same request for the flat body, the enveloped body and the X-Model header', () => {
    const fromFlat = parseGenerationRequest({ model: MODEL, ...params });
    const fromEnvelope = parseGenerationRequest({ model: MODEL, input: [{ params }] });
    const fromHeader = parseGenerationRequest({ ...params }, { model: MODEL });
    const fromHeaderEnvelope = parseGenerationRequest({ input: [{ params }] }, { model: MODEL });
    expect(fromEnvelope).toEqual(fromFlat);
    expect(fromHeader).toEqual(fromFlat);
    expect(fromHeaderEnvelope).toEqual(fromFlat);
    expect(fromFlat.duration).toBe(8);
  });

  it('fills every default once', () => {
    expect(flat()).toEqual({
      model: MODEL,
      images: [{ kind: 'url', url: START }],
      prompt: '',
      is_rec: false,
      duration: 5,
      seed: 0,
      resolution: '720p',
      movement_amplitude: 'auto',
      bgm: false,
      payload: '',
      off_peak: false,
      watermark: false,
      wm_position: 3,
      wm_url: null,
      meta_data: null,
      callback_url: null,
    });
  });

  it('treats null as absent and ignores unknown parameters', () => {
    expect(flat({ duration: null, prompt: null, aspect_ratio: '16:9', style: { x: 1 } })).toEqual(flat());
  });

  it('merges a top-level parameter beside input and refuses two different values', () => {
    const merged = parseGenerationRequest({
      model: MODEL,
      callback_url: 'https://hooks.example.com/x',
      input: [{ params: { images: [START], duration: 3 } }],
    });
    expect(merged.callback_url).toBe('https://hooks.example.com/x');
    expect(merged.duration).toBe(3);
    expect(
      parseGenerationRequest({
        model: MODEL,
        duration: 3,
        input: [{ params: { images: [START], duration: 3 } }],
      }).duration,
    ).toBe(3);
    expectApiError(
      () =>
        parseGenerationRequest({
          model: MODEL,
          duration: 5,
          input: [{ params: { images: [START], duration: 6 } }],
        }),
      '002014010',
      400,
      'duration',
    );
  });

  it.each([[{}], [[]], [[{}]], [[{ params: [] }]], [[{ params: {} }, { params: {} }]], ['x']])(
    'refuses input %j naming input',
    (input) => {
      expectApiError(() => parseGenerationRequest({ model: MODEL, input }), '002014010', 400, 'input');
    },
  );

  it.each([null, [], 'a string', 5, true])('refuses the body %j as invalid_json', (body) => {
    expectApiError(() => parseGenerationRequest(body), 'invalid_json', 400);
  });

  it('takes the model from the body before the header', () => {
    expect(parseGenerationRequest({ model: MODEL, images: [START] }, { model: 'other' }).model).toBe(MODEL);
    expectApiError(
      () => parseGenerationRequest({ model: 'viduq1', images: [START] }, { model: MODEL }),
      'model_not_found',
      404,
      'model',
    );
  });

  it('answers model_not_found for an unknown model and 002014010 for none', () => {
    const error = expectApiError(
      () => parseGenerationRequest({ images: [START] }, { model: 'kling' }),
      'model_not_found',
      404,
      'model',
    );
    expect(error.message).toBe(
      'Expected one of viduq2_pro_start_end2video for model but received the string "kling"',
    );
    expectApiError(() => parseGenerationRequest({ images: [START] }), '002014010', 400, 'model');
    expectApiError(
      () => parseGenerationRequest({ images: [START] }, { model: '' }),
      '002014010',
      400,
      'model',
    );
    expectApiError(() => parseGenerationRequest({ model: 7, images: [START] }), '002014010', 400, 'model');
  });

  it('serves the models it is told to', () => {
    expect(parseGenerationRequest({ model: 'other', images: [START] }, {}, { models: ['other'] }).model).toBe(
      'other',
    );
  });

  it('reports the first error in table order', () => {
    rejects({ images: [], duration: 9 }, '002014001', 'images');
    rejects({ duration: 9, resolution: '4k' }, '002014010', 'duration');
  });
});

describe('parseGenerationRequest: images', () => {
  it('accepts URLs and data URIs, normalising jpg to jpeg', () => {
    const request = flat({ images: [START, 'data:image/jpg;base64,/9j/4AAQ'] });
    expect(request.images).toEqual([
      { kind: 'url', url: START },
      { kind: 'data', mediaType: 'image/jpeg', base64: '/9j/4AAQ' },
    ]);
    expect(flat({ images: [PNG_DATA_URI] }).images[0]).toMatchObject({
      kind: 'data',
      mediaType: 'image/png',
    });
    expect(flat({ images: ['DATA:Image/WebP;BASE64,UklGRg=='] }).images[0]).toMatchObject({
      mediaType: 'image/webp',
    });
    // base64 wrapped at 76 columns, as the base64 tool writes it.
    expect(flat({ images: ['data:image/png;base64,iVBORw0K\nGgoAAAAN\n'] }).images).toHaveLength(1);
  });

  it('answers 002014001 when images are missing, null or empty', () => {
    expectApiError(() => parseGenerationRequest({ model: MODEL }), '002014001', 400, 'images');
    rejects({ images: null }, '002014001', 'images');
    const error = rejects({ images: [] }, '002014001', 'images');
    expect(error.message).toBe('Expected 1 or 2 images for images but received none');
    rejects({ images: [START, ''] }, '002014001', 'images[1]');
  });

  it('answers 002014002 for more than 2 images', () => {
    const error = rejects({ images: [START, END, START] }, '002014002', 'images');
    expect(error.message).toBe('Expected at most 2 images for images but received 3 images');
  });

  it('answers 002014006 for data URIs it cannot decode', () => {
    rejects({ images: ['data:;base64,iVBORw0K'] }, '002014006', 'images[0]');
    rejects({ images: ['data:base64,iVBORw0K'] }, '002014006', 'images[0]');
    rejects({ images: [START, 'data:image/png;base64,iVBO*w0K'] }, '002014006', 'images[1]');
    rejects({ images: ['data:image/png;base64,iVB=ORw0K'] }, '002014006', 'images[0]');
    rejects({ images: ['data:image/png;base64,iVBOR'] }, '002014006', 'images[0]');
    rejects({ images: ['data:image/png;base64,'] }, '002014006', 'images[0]');
    rejects({ images: ['data:image/png,rawbytes'] }, '002014006', 'images[0]');
    rejects({ images: ['data:image/png;base64'] }, '002014006', 'images[0]');
    const bare = rejects(
      { images: [PNG_DATA_URI.slice('data:image/png;base64,'.length)] },
      '002014006',
      'images[0]',
    );
    expect(bare.message).toContain('data:image/png;base64,');
  });

  it('answers 002014003 for a declared type other than png, jpeg, jpg, webp', () => {
    const error = rejects({ images: [START, 'data:image/gif;base64,R0lGODlh'] }, '002014003', 'images[1]');
    expect(error.message).toBe(
      'Expected a png, jpeg or webp image for images[1] but received a data URI of type image/gif',
    );
    rejects({ images: ['data:text/plain;base64,aGVsbG8='] }, '002014003', 'images[0]');
  });

  it('answers 002014010 for entries that are neither a URL nor a data URI', () => {
    rejects({ images: 'https://example.com/a.png' }, '002014010', 'images');
    rejects({ images: [42] }, '002014010', 'images[0]');
    rejects({ images: ['ftp://example.com/a.png'] }, '002014010', 'images[0]');
    rejects({ images: ['file:///etc/passwd'] }, '002014010', 'images[0]');
    rejects({ images: ['start.png'] }, '002014010', 'images[0]');
    rejects({ images: ['http://'] }, '002014010', 'images[0]');
  });
});

describe('parseGenerationRequest: parameters', () => {
  it('takes prompts up to 2000 characters (code points) and answers 002014009 beyond', () => {
    expect(flat({ prompt: 'a'.repeat(2000) }).prompt).toHaveLength(2000);
    expect(flat({ prompt: '🎬'.repeat(2000) }).prompt).toHaveLength(4000);
    const error = rejects({ prompt: 'a'.repeat(2001) }, '002014009', 'prompt');
    expect(error.message).toBe(
      'Expected at most 2000 characters for prompt but received a string of 2001 characters',
    );
    rejects({ prompt: 42 }, '002014010', 'prompt');
  });

  it('takes durations 1..8 and names duration otherwise', () => {
    expect(flat({ duration: 1 }).duration).toBe(1);
    expect(flat({ duration: 8 }).duration).toBe(8);
    expect(rejects({ duration: 9 }, '002014010', 'duration').message).toBe(
      'Expected an integer 1..8 for duration but received 9',
    );
    expect(rejects({ duration: '5' }, '002014010', 'duration').message).toBe(
      'Expected an integer 1..8 for duration but received the string "5"',
    );
    for (const duration of [0, -1, 5.5, true, [5]]) rejects({ duration }, '002014010', 'duration');
  });

  it('takes seeds 0..2^32-1', () => {
    expect(flat({ seed: 0 }).seed).toBe(0);
    expect(flat({ seed: 2 ** 32 - 1 }).seed).toBe(2 ** 32 - 1);
    for (const seed of [-1, 2 ** 32, 1.5, '7']) rejects({ seed }, '002014010', 'seed');
  });

  it('takes the listed resolutions and movement amplitudes, exactly', () => {
    expect(flat({ resolution: '540p', movement_amplitude: 'large' })).toMatchObject({
      resolution: '540p',
      movement_amplitude: 'large',
    });
    expect(rejects({ resolution: '720P' }, '002014010', 'resolution').message).toBe(
      'Expected one of 540p, 720p, 1080p for resolution but received the string "720P"',
    );
    rejects({ movement_amplitude: 'huge' }, '002014010', 'movement_amplitude');
  });

  it.each(['is_rec', 'bgm', 'off_peak', 'watermark'])('takes booleans only for %s', (name) => {
    expect(flat({ [name]: true })[name as 'bgm']).toBe(true);
    rejects({ [name]: 'true' }, '002014010', name);
    rejects({ [name]: 1 }, '002014010', name);
  });

  it('takes watermark positions 1..4', () => {
    expect(flat({ wm_position: 1 }).wm_position).toBe(1);
    expect(flat({ wm_position: 4 }).wm_position).toBe(4);
    rejects({ wm_position: 0 }, '002014010', 'wm_position');
    rejects({ wm_position: 5 }, '002014010', 'wm_position');
  });

  it.each(['wm_url', 'callback_url'])('takes http(s) URLs for %s', (name) => {
    expect(flat({ [name]: 'https://example.com/hook' })[name as 'wm_url']).toBe('https://example.com/hook');
    expect(flat({ [name]: 'HTTP://Example.com' })[name as 'wm_url']).toBe('http://example.com/');
    expect(flat({ [name]: '' })[name as 'wm_url']).toBeNull();
    rejects({ [name]: 'ftp://example.com' }, '002014010', name);
    rejects({ [name]: 'not a url' }, '002014010', name);
    rejects({ [name]: 5 }, '002014010', name);
  });

  it('takes meta_data as a string holding a JSON object', () => {
    const label = JSON.stringify({ Label: 'x', ContentProducer: 'y' });
    expect(flat({ meta_data: label }).meta_data).toBe(label);
    expect(flat({ meta_data: '  ' }).meta_data).toBeNull();
    for (const meta_data of ['[1]', 'nope', '"text"', 'null', { Label: 'x' }, 3]) {
      rejects({ meta_data }, '002014010', 'meta_data');
    }
  });

  it('takes payloads up to 1048576 characters', () => {
    expect(flat({ payload: 'p'.repeat(1_048_576) }).payload).toHaveLength(1_048_576);
    rejects({ payload: 'p'.repeat(1_048_577) }, '002014010', 'payload');
    rejects({ payload: { a: 1 } }, '002014010', 'payload');
  });
});
