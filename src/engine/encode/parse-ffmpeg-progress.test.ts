import { describe, expect, it } from 'vitest';

import { LineSplitter } from './line-splitter.js';
import { parseFfmpegProgress } from './parse-ffmpeg-progress.js';

// Captured from `-loglevel error -stats` encodes of piped rawvideo: Debian's ffmpeg 5.1.9 and the
// @ffmpeg-installer static build (N-47683-g0e8eb07980, 2018). Each update ends in '\r', the last one in '\n'.
const FFMPEG_51_STDERR =
  'frame=    1 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=N/A    \r' +
  'frame=   22 fps=0.0 q=23.0 size=       0kB time=00:00:00.08 bitrate=   4.6kbits/s speed=0.131x    \r' +
  'frame=   42 fps= 32 q=23.0 size=    1024kB time=00:00:00.91 bitrate=9150.8kbits/s speed=0.704x    \r' +
  'frame=   60 fps= 30 q=23.0 size=    1792kB time=00:00:01.66 bitrate=8807.8kbits/s speed=0.846x    \r' +
  'frame=   60 fps= 30 q=-1.0 Lsize=    2801kB time=00:00:02.37 bitrate=9661.5kbits/s speed=1.17x    \n';
const FFMPEG_2018_STDERR =
  'frame=   22 fps=0.0 q=23.0 size=       0kB time=00:00:00.08 bitrate=   4.6kbits/s speed=0.13x    \r' +
  'frame=   60 fps= 30 q=-1.0 Lsize=    2801kB time=00:00:02.37 bitrate=9661.1kbits/s speed=1.18x    \n';
// One `-progress pipe:2` block from ffmpeg 5.1.9 (the 2018 build writes the same keys).
const PROGRESS_BLOCK = [
  'frame=30',
  'fps=0.00',
  'stream_0_0_q=23.0',
  'bitrate= 458.5kbits/s',
  'total_size=64478',
  'out_time_us=1125081',
  'out_time_ms=1125081',
  'out_time=00:00:01.125081',
  'dup_frames=0',
  'drop_frames=0',
  'speed= 154x',
  'progress=end',
].join('\n');

describe('parseFfmpegProgress', () => {
  it('reads ffmpeg 5.1 stats lines', () => {
    const parsed = new LineSplitter().push(FFMPEG_51_STDERR).map(parseFfmpegProgress);
    expect(parsed).toEqual([
      { frame: 1, fps: 0, outTimeSeconds: 0 },
      { frame: 22, fps: 0, outTimeSeconds: 0.08 },
      { frame: 42, fps: 32, outTimeSeconds: 0.91 },
      { frame: 60, fps: 30, outTimeSeconds: 1.66 },
      { frame: 60, fps: 30, outTimeSeconds: 2.37 },
    ]);
  });

  it('reads the 2018 static build stats lines', () => {
    const parsed = new LineSplitter().push(FFMPEG_2018_STDERR).map(parseFfmpegProgress);
    expect(parsed).toEqual([
      { frame: 22, fps: 0, outTimeSeconds: 0.08 },
      { frame: 60, fps: 30, outTimeSeconds: 2.37 },
    ]);
  });

  it('reads a -progress block, preferring out_time_us', () => {
    expect(parseFfmpegProgress(PROGRESS_BLOCK)).toEqual({ frame: 30, fps: 0, outTimeSeconds: 1.125081 });
    expect(parseFfmpegProgress('frame=30')).toEqual({ frame: 30 });
  });

  it('leaves out what ffmpeg reports as N/A or negative', () => {
    expect(parseFfmpegProgress('frame=    0 fps=N/A q=0.0 size=       0kB time=N/A bitrate=N/A')).toEqual({
      frame: 0,
    });
    expect(parseFfmpegProgress('frame=    1 fps=0.0 time=-00:00:00.04')).toEqual({
      frame: 1,
      fps: 0,
      outTimeSeconds: -0.04,
    });
  });

  it('returns null for everything else ffmpeg says', () => {
    for (const line of [
      '/nonexistent/dir/x.mp4: No such file or directory',
      '[libx264 @ 0x55d0c8a3c2c0] using cpu capabilities: MMX2 SSE2Fast SSSE3 SSE4.2 AVX FMA3 BMI2 AVX2',
      'Output file is empty, nothing was encoded',
      'frame=N/A',
      '',
    ]) {
      expect(parseFfmpegProgress(line)).toBeNull();
    }
  });
});
