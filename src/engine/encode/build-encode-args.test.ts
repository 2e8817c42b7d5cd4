import { describe, expect, it } from 'vitest';

import { buildEncodeArgs, rawFrameBytes, resolveEncodeArgs } from './build-encode-args.js';

function valueAfter(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

describe('buildEncodeArgs', () => {
  it('reads raw rgb24 from stdin and writes H.264 MP4 with BT.709 conversion and tags', () => {
    const args = buildEncodeArgs({ width: 1280, height: 720, output: '/out/video.mp4' });
    expect(args.slice(args.indexOf('-f'), args.indexOf('-i') + 2)).toEqual([
      ...[
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-video_size',
        '1280x720',
        '-framerate',
        '24',
        '-i',
        'pipe:0',
      ],
    ]);
    expect(valueAfter(args, '-vf')).toBe('scale=out_color_matrix=bt709:out_range=tv,format=yuv420p');
    expect(valueAfter(args, '-c:v')).toBe('libx264');
    expect(valueAfter(args, '-preset')).toBe('veryfast');
    expect(valueAfter(args, '-crf')).toBe('18');
    expect(valueAfter(args, '-color_primaries')).toBe('bt709');
    expect(valueAfter(args, '-color_trc')).toBe('bt709');
    expect(valueAfter(args, '-colorspace')).toBe('bt709');
    expect(valueAfter(args, '-color_range')).toBe('tv');
    expect(valueAfter(args, '-movflags')).toBe('+faststart');
    expect(args).toContain('-stats');
    expect(args).not.toContain('-threads');
    expect(args).not.toContain('-metadata');
    expect(args).not.toContain('-map');
    expect(args).not.toContain('-c:a');
    expect(args).not.toContain('-shortest');
    // The output comes last, after an explicit container so any file name works.
    expect(args.slice(-3)).toEqual(['-f', 'mp4', '/out/video.mp4']);
  });

  it('passes fps, preset, crf, threads and metadata through', () => {
    const args = buildEncodeArgs({
      width: 64,
      height: 48,
      output: 'x.part',
      fps: 30,
      preset: 'medium',
      crf: 23,
      threads: 2,
      metadata: { comment: 'made by inbetween', title: 'a = b' },
    });
    expect(valueAfter(args, '-framerate')).toBe('30');
    expect(valueAfter(args, '-preset')).toBe('medium');
    expect(valueAfter(args, '-crf')).toBe('23');
    expect(valueAfter(args, '-threads')).toBe('2');
    const metadata = args.flatMap((arg, i) => (args[i - 1] === '-metadata' ? [arg] : []));
    expect(metadata).toEqual(['comment=made by inbetween', 'title=a = b']);
    // Only standard keys: the ordinary iTunes-style tags are enough.
    expect(valueAfter(args, '-movflags')).toBe('+faststart');
  });

  it('turns on use_metadata_tags for custom keys, which MP4 would drop otherwise', () => {
    const args = buildEncodeArgs({
      width: 64,
      height: 48,
      output: 'x.mp4',
      metadata: { AIGC: '{"Label":"1"}' },
    });
    expect(valueAfter(args, '-metadata')).toBe('AIGC={"Label":"1"}');
    expect(valueAfter(args, '-movflags')).toBe('+faststart+use_metadata_tags');
  });

  it('rejects bad options the sharp way', () => {
    const base = { width: 64, height: 48, output: 'x.mp4' };
    expect(() => buildEncodeArgs({ ...base, width: 63 })).toThrow(
      'Expected an even integer >= 2 for width but received 63',
    );
    expect(() => buildEncodeArgs({ ...base, height: 0 })).toThrow('for height but received 0');
    expect(() => buildEncodeArgs({ ...base, fps: 0 })).toThrow(
      'Expected a positive number for fps but received 0',
    );
    expect(() => buildEncodeArgs({ ...base, crf: 52 })).toThrow(
      'Expected a number 0..51 for crf but received 52',
    );
    expect(() => buildEncodeArgs({ ...base, threads: 1.5 })).toThrow('for threads but received 1.5');
    expect(() => buildEncodeArgs({ ...base, preset: 'turbo' as 'fast' })).toThrow(
      'for preset but received turbo',
    );
    expect(() => buildEncodeArgs({ ...base, output: '' })).toThrow('Expected a file path for output');
    expect(() => buildEncodeArgs({ ...base, metadata: { 'a=b': 'c' } })).toThrow("metadata key without '='");
  });

  it('resolves every default in one place', () => {
    expect(resolveEncodeArgs({ width: 2, height: 2, output: 'o' })).toEqual({
      width: 2,
      height: 2,
      output: 'o',
      fps: 24,
      preset: 'veryfast',
      crf: 18,
      threads: null,
      pixelFormat: 'rgb24',
      metadata: {},
      audio: null,
    });
  });

  it('passes yuv420p frames through without a colour conversion', () => {
    const args = buildEncodeArgs({ width: 4, height: 2, output: 'o.mp4', pixelFormat: 'yuv420p' });
    expect(args.join(' ')).toContain('-f rawvideo -pix_fmt yuv420p -video_size 4x2');
    expect(args).not.toContain('-vf');
    expect(args.join(' ')).toContain('-colorspace bt709');
    expect(rawFrameBytes(4, 2, 'yuv420p')).toBe(12);
    expect(rawFrameBytes(4, 2, 'rgb24')).toBe(24);
    expect(() =>
      buildEncodeArgs({ width: 4, height: 2, output: 'o', pixelFormat: 'nv12' as 'rgb24' }),
    ).toThrow(/Expected rgb24 or yuv420p for pixelFormat but received nv12/);
  });

  it('adds a WAV as a second input, mapped and encoded to AAC 48 kHz stereo, cut to the video', () => {
    const args = buildEncodeArgs({
      width: 64,
      height: 48,
      output: 'o.mp4',
      audio: { path: '/tmp/-music.wav' },
    });
    const joined = args.join(' ');
    expect(joined).toContain('-i pipe:0 -f wav -i file:/tmp/-music.wav -map 0:v:0 -map 1:a:0');
    expect(valueAfter(args, '-c:a')).toBe('aac');
    expect(valueAfter(args, '-b:a')).toBe('160k');
    expect(valueAfter(args, '-ar')).toBe('48000');
    expect(valueAfter(args, '-ac')).toBe('2');
    expect(args).toContain('-shortest');
    expect(Number(valueAfter(args, '-max_muxing_queue_size'))).toBeGreaterThanOrEqual(1024);
    // Output options all come before the output file.
    expect(args.indexOf('-shortest')).toBeLessThan(args.indexOf('o.mp4'));
    expect(args.slice(-3)).toEqual(['-f', 'mp4', 'o.mp4']);
    expect(() => buildEncodeArgs({ width: 64, height: 48, output: 'o', audio: { path: '' } })).toThrow(
      'Expected a file path for audio.path but received ',
    );
  });
});
