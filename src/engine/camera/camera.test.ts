import { describe, expect, it } from 'vitest';
import { planCamera, type CameraPlan } from './camera-plan.js';
import { cameraTransformAt } from './camera-transform.js';
import { CAMERA_MOVES, cameraWordsIn } from './camera-words.js';

describe('cameraWordsIn', () => {
  it.each([
    ['slow push in on the face', 'push-in'],
    ['the camera zooms in', 'push-in'],
    ['Zoom out to reveal the city', 'pull-out'],
    ['pull back from the car', 'pull-out'],
    ['pan left across the valley', 'pan-left'],
    ['camera pans to the right', 'pan-right'],
    ['tilt up to the sky', 'tilt-up'],
    ['tilting down', 'tilt-down'],
    ['orbit around the statue to the left', 'orbit-left'],
    ['orbiting right', 'orbit-right'],
    ['orbit the tower', 'orbit'],
    ['static shot of a lake', 'static'],
    ['a cat sleeps on a sofa', null],
    ['pan left, then zoom in', 'pan-left'],
  ])('%s -> %s', (prompt, move) => {
    expect(cameraWordsIn(prompt)).toBe(move);
  });
});

describe('planCamera', () => {
  const base = { prompt: '', amplitude: 'auto' as const, singleImage: false, pairMotion: 0.03, choice: 0.2 };
  it('adds nothing to a pair that already moves, unless asked', () => {
    expect(planCamera(base).move).toBe('static');
    expect(planCamera({ ...base, prompt: 'pan left' }).move).toBe('pan-left');
    expect(planCamera({ ...base, amplitude: 'large' })).toMatchObject({ move: 'push-in', strength: 0.18 });
  });
  it('gives a frozen pair a gentle push in', () => {
    expect(planCamera({ ...base, pairMotion: 0.001 })).toMatchObject({ move: 'push-in', source: 'auto' });
  });
  it('scales the strength with movement_amplitude', () => {
    const s = (amplitude: 'small' | 'medium' | 'large'): number =>
      planCamera({ ...base, prompt: 'zoom in', amplitude }).strength;
    expect(s('small')).toBeLessThan(s('medium'));
    expect(s('medium')).toBeLessThan(s('large'));
  });
  it('always moves a single image, choosing the move from the seed draw', () => {
    const a = planCamera({ ...base, singleImage: true, choice: 0.1 });
    const b = planCamera({ ...base, singleImage: true, choice: 0.9 });
    expect(a.move).not.toBe('static');
    expect(a.bounded).toBe(false);
    expect(a.move).not.toBe(b.move);
  });
  it('honours "static"', () => {
    expect(planCamera({ ...base, singleImage: true, prompt: 'static camera' }).move).toBe('static');
  });
});

describe('cameraTransformAt', () => {
  const W = 160;
  const H = 90;
  const apply = (m: Float64Array, x: number, y: number): [number, number] => [
    m[0] * x + m[1] * y + m[2],
    m[3] * x + m[4] * y + m[5],
  ];
  const moves = CAMERA_MOVES.filter((m) => m !== 'static');

  it.each(moves)(
    '%s is at rest at both ends of a two-keyframe clip and never shows outside the frame',
    (move) => {
      const plan: CameraPlan = { move, strength: 0.18, bounded: true, source: 'prompt' };
      expect(cameraTransformAt(plan, 0, W, H)).toBeNull();
      expect(cameraTransformAt(plan, 1, W, H)).toBeNull();
      let moved = false;
      for (let t = 0.05; t < 1; t += 0.05) {
        const m = cameraTransformAt(plan, t, W, H);
        expect(m).not.toBeNull();
        for (const [x, y] of [
          [0, 0],
          [W - 1, 0],
          [0, H - 1],
          [W - 1, H - 1],
        ] as const) {
          const [px, py] = apply(m!, x, y);
          expect(px).toBeGreaterThanOrEqual(-1e-6);
          expect(py).toBeGreaterThanOrEqual(-1e-6);
          expect(px).toBeLessThanOrEqual(W - 1 + 1e-6);
          expect(py).toBeLessThanOrEqual(H - 1 + 1e-6);
        }
        const [px, py] = apply(m!, W - 1, H - 1);
        if (
          Math.abs(px - (W - 1)) > 1 ||
          Math.abs(py - (H - 1)) > 1 ||
          Math.abs(m![2]) > 1 ||
          Math.abs(m![5]) > 1
        )
          moved = true;
      }
      expect(moved).toBe(true);
    },
  );

  it('pans left by sliding the view window left (the scene moves right)', () => {
    const plan: CameraPlan = { move: 'pan-left', strength: 0.1, bounded: true, source: 'prompt' };
    const m = cameraTransformAt(plan, 0.6, W, H)!;
    const [px] = apply(m, (W - 1) / 2, (H - 1) / 2);
    expect(px).toBeLessThan((W - 1) / 2 - 1);
  });

  it('runs a single image from rest to full strength', () => {
    const plan: CameraPlan = { move: 'push-in', strength: 0.1, bounded: false, source: 'auto' };
    expect(cameraTransformAt(plan, 0, W, H)).toBeNull();
    const m = cameraTransformAt(plan, 1, W, H)!;
    expect(1 / m[0]).toBeCloseTo(1.1, 6);
  });
});
