/** Name of a task's stored watermark image among its inputs (the keyframes are `input-<n>`). */
export const WATERMARK_INPUT = 'watermark';

/** Whether an input key is the task's watermark image rather than a keyframe. */
export function isWatermarkKey(key: string): boolean {
  return key.split('/').at(-1)!.startsWith(`${WATERMARK_INPUT}.`);
}

/** The image format a stored input's extension names (the service names inputs after their sniffed format). */
export function inputFormatOfKey(key: string): 'png' | 'jpeg' | 'webp' {
  const extension = key.split('.').at(-1);
  if (extension === 'png' || extension === 'webp') return extension;
  return 'jpeg';
}

/**
 * Where one run of a task writes its outputs: a folder per run (`run-<claim>-<random>`), so a worker whose lease
 * was taken away can delete what it wrote without touching the video another run completed the task with.
 */
export function runOutputKeys(
  taskId: string,
  claim: number,
  nonce: string,
): { video: string; cover: string } {
  const folder = `tasks/${taskId}/run-${claim}-${nonce}`;
  return { video: `${folder}/video.mp4`, cover: `${folder}/cover.jpg` };
}
