import { describe, expect, it } from 'vitest';
import type { TaskObject } from '../contract/index.js';
import { FINAL_TASK_TTL_MS, PollCache, RUNNING_TASK_TTL_MS } from './poll-cache.js';

const task = (status: TaskObject['status']): TaskObject =>
  ({
    id: 'task_1',
    model: 'm',
    status,
    progress: 0,
    created_at: 1_767_225_600,
    metadata: {},
  }) as TaskObject;

describe('PollCache', () => {
  it('keeps a running task briefly and a final one longer, per key', () => {
    const cache = new PollCache();
    const body = cache.put('key_a', task('processing'), 1000);
    expect(JSON.parse(body)).toMatchObject({ status: 'processing' });
    expect(cache.get('key_a', 'task_1', 1000 + RUNNING_TASK_TTL_MS - 1)).toBe(body);
    expect(cache.get('key_b', 'task_1', 1001)).toBeUndefined();
    expect(cache.get('key_a', 'task_1', 1000 + RUNNING_TASK_TTL_MS)).toBeUndefined();
    cache.put('key_a', task('completed'), 5000);
    expect(cache.get('key_a', 'task_1', 5000 + FINAL_TASK_TTL_MS - 1)).toContain('completed');
    cache.forget('key_a', 'task_1');
    expect(cache.get('key_a', 'task_1', 5001)).toBeUndefined();
  });
});
