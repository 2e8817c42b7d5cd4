import { describe, expect, it } from 'vitest';
import { parseGenerationRequest } from './generation-request.js';
import { taskMetadataFromRequest, toTaskObject, type TaskRecord } from './task.js';
import { canTransition, isTaskStatus, isTerminal, TASK_STATUSES, type TaskStatus } from './task-status.js';

const request = parseGenerationRequest({
  model: 'viduq2_pro_start_end2video',
  images: ['https://example.com/a.png'],
  prompt: 'push in',
  meta_data: '{"Label":"x"}',
});

function record(status: TaskStatus, extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: 'task_1',
    model: 'viduq2_pro_start_end2video',
    status,
    progress: 0.4,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    startedAt: new Date('2026-01-01T00:00:01Z'),
    completedAt: new Date('2026-01-01T00:00:09Z'),
    error: { code: '002014012', message: 'Video generation failed: ffmpeg exited with code 1' },
    videos: [{ url: 'https://files/x.mp4', duration: 5, coverUrl: 'https://files/x.jpg' }],
    usage: { cost: '0.3250', discount: 1 },
    metadata: { ...taskMetadataFromRequest(request, 42), width: 1280, height: 720, fps: 24, frames: 120 },
    ...extra,
  };
}

describe('toTaskObject', () => {
  it('shows output, usage and completed_at only when completed', () => {
    expect(toTaskObject(record('completed'))).toEqual({
      id: 'task_1',
      model: 'viduq2_pro_start_end2video',
      status: 'completed',
      progress: 1,
      // Integer Unix seconds: the gateway's typed clients decode them as int64.
      created_at: 1_767_225_600,
      started_at: 1_767_225_601,
      completed_at: 1_767_225_609,
      output: [
        {
          content: [
            { type: 'video', url: 'https://files/x.mp4', duration: '5', cover_url: 'https://files/x.jpg' },
          ],
        },
      ],
      usage: { cost: '0.3250', discount: 1 },
      metadata: {
        seed: 42,
        prompt: 'push in',
        is_rec: false,
        resolution: '720p',
        width: 1280,
        height: 720,
        fps: 24,
        frames: 120,
        duration: 5,
        movement_amplitude: 'auto',
        bgm: false,
        watermark: false,
        wm_position: 3,
        off_peak: false,
        payload: '',
        meta_data: '{"Label":"x"}',
      },
    });
  });

  it('leaves out what a pending or processing task does not have yet', () => {
    const pending = toTaskObject(record('pending'));
    expect(Object.keys(pending)).toEqual(['id', 'model', 'status', 'progress', 'created_at', 'metadata']);
    const processing = toTaskObject(record('processing'));
    expect(Object.keys(processing)).toEqual([
      'id',
      'model',
      'status',
      'progress',
      'created_at',
      'started_at',
      'metadata',
    ]);
    expect(processing.progress).toBe(0.4);
  });

  it('shows the error only when failed or cancelled', () => {
    const failed = toTaskObject(record('failed'));
    expect(failed.error).toEqual({
      code: '002014012',
      message: 'Video generation failed: ffmpeg exited with code 1',
      error_message: 'Video generation failed: ffmpeg exited with code 1',
    });
    expect(failed).not.toHaveProperty('output');
    expect(failed).not.toHaveProperty('usage');
    expect(toTaskObject(record('failed', { error: null })).error?.code).toBe('002014012');
    expect(toTaskObject(record('cancelled', { error: null }))).not.toHaveProperty('error');
    expect(
      toTaskObject(record('cancelled', { error: { code: 'cancelled', message: 'Cancelled' } })).error,
    ).toEqual({
      code: 'cancelled',
      message: 'Cancelled',
      error_message: 'Cancelled',
    });
  });

  it('leaves out empty metadata and clamps progress', () => {
    const object = toTaskObject(
      record('processing', {
        progress: 7,
        metadata: {
          ...taskMetadataFromRequest(request, 1),
          width: undefined,
          recommended_prompt: null as never,
        },
      }),
    );
    expect(object.progress).toBe(1);
    expect(object.metadata).not.toHaveProperty('width');
    expect(object.metadata).not.toHaveProperty('recommended_prompt');
    expect(object.metadata).not.toHaveProperty('wm_url');
  });
});

describe('task status', () => {
  it('allows the lifecycle transitions and nothing out of a final state', () => {
    const allowed = TASK_STATUSES.flatMap((from) =>
      TASK_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'pending->processing',
        'pending->failed',
        'pending->cancelled',
        'processing->completed',
        'processing->failed',
        'processing->cancelled',
        'processing->pending',
      ].sort(),
    );
    expect(TASK_STATUSES.filter(isTerminal)).toEqual(['completed', 'failed', 'cancelled']);
    expect(isTaskStatus('processing')).toBe(true);
    expect(isTaskStatus('running')).toBe(false);
  });
});
