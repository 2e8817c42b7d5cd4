import { describe, expect, it } from 'vitest';

import { BoundedLog } from './bounded-log.js';
import { LineSplitter } from './line-splitter.js';

describe('LineSplitter', () => {
  it('splits on \\n, \\r\\n and a lone \\r, holding an unfinished line', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('frame=  1 fps=0\rframe=  2')).toEqual(['frame=  1 fps=0']);
    expect(splitter.push(' fps=1\rwarning: x\r')).toEqual(['frame=  2 fps=1', 'warning: x']);
    // The '\n' of a CRLF split across chunks does not make an empty line.
    expect(splitter.push('\nerror: y\n')).toEqual(['error: y']);
    expect(splitter.push('tail without end')).toEqual([]);
    expect(splitter.flush()).toEqual(['tail without end']);
    expect(splitter.flush()).toEqual([]);
  });

  it('gives the same lines whatever the chunking', () => {
    const text = 'a\r\nbb\rccc\n\nd\re';
    const whole = new LineSplitter();
    const expected = [...whole.push(text), ...whole.flush()];
    for (let size = 1; size <= text.length; size++) {
      const splitter = new LineSplitter();
      const lines: string[] = [];
      for (let i = 0; i < text.length; i += size) lines.push(...splitter.push(text.slice(i, i + size)));
      lines.push(...splitter.flush());
      expect(lines, `chunks of ${size}`).toEqual(expected);
    }
    expect(expected).toEqual(['a', 'bb', 'ccc', 'd', 'e']);
  });
});

describe('BoundedLog', () => {
  it('keeps everything under the limit', () => {
    const log = new BoundedLog(100);
    log.append('one\n');
    log.append('two\n');
    expect(log.toString()).toBe('one\ntwo\n');
  });

  it('keeps the last `limit` characters and marks the cut', () => {
    const log = new BoundedLog(10);
    for (let i = 0; i < 100; i++) log.append(`line ${i}\n`);
    expect(log.toString()).toBe('[...]\n8\nline 99\n');
  });
});
