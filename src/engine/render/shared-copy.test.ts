import { describe, expect, it } from 'vitest';
import type { PairMotion } from '../synth/intermediate-fields.js';
import { sharedMotion } from './shared-copy.js';

const plane = (values: number[]) => ({ width: values.length, height: 1, data: new Float32Array(values) });

describe('sharedMotion', () => {
  it('carries every part of the motion into shared memory, so workers draw what the main thread measured', () => {
    const motion: Required<PairMotion> = {
      forward: { width: 2, height: 1, data: new Float32Array([1, 2, 3, 4]) },
      backward: { width: 2, height: 1, data: new Float32Array([-1, -2, -3, -4]) },
      forwardConfidence: plane([0.5, 1]),
      backwardConfidence: plane([1, 0]),
      globalMotion: new Float64Array([1, 0, 2, 0, 1, 0, 0, 0, 1]),
      forwardPriority: new Float32Array([3, 4]),
      backwardPriority: new Float32Array([5, 6]),
      startLuma: plane([10, 20]),
      endLuma: plane([30, 40]),
      transition: 'warp',
      regularised: 0.25,
      forwardFilled: new Uint8Array([0, 1]),
      backwardFilled: new Uint8Array([1, 0]),
      forwardHiddenFrom: new Float32Array([Infinity, 0.5]),
      backwardHiddenFrom: new Float32Array([0.25, Infinity]),
    };
    const shared = sharedMotion(motion);
    // A part missing here silently changes rendered frames against interpolateFrames: every key must survive.
    expect(Object.keys(shared).sort()).toEqual(Object.keys(motion).sort());
    for (const key of Object.keys(motion) as Array<keyof PairMotion>) {
      const value = motion[key];
      const copy = shared[key];
      if (value instanceof Float32Array || value instanceof Uint8Array) {
        expect(copy).toEqual(value);
        expect((copy as typeof value).buffer).toBeInstanceOf(SharedArrayBuffer);
      } else if (value && typeof value === 'object' && 'data' in value) {
        expect((copy as typeof value).data).toEqual(value.data);
        expect((copy as typeof value).data.buffer).toBeInstanceOf(SharedArrayBuffer);
      } else {
        expect(copy).toEqual(value);
      }
    }
  });
});
