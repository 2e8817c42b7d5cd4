import type { StoredTask } from '../../store/index.js';
import { dataUri } from './provider-http.js';
import type { UpstreamSubmission } from './upstream-provider.js';

/**
 * The seed's options as both providers take them (Vidu's body and the gateway's params share the names): the
 * stored image bytes as data URIs, never the client's URLs; the seed actually used; the watermark image only as
 * the client's URL, since neither API takes its bytes; and inbetween's own tag as `payload`, because the client's
 * payload and callback stay with inbetween's task.
 */
export function seedParams(task: StoredTask, submission: UpstreamSubmission): Record<string, unknown> {
  const { request } = task;
  return {
    images: submission.images.map(dataUri),
    prompt: request.prompt,
    is_rec: request.is_rec,
    duration: request.duration,
    seed: task.seed,
    resolution: request.resolution,
    movement_amplitude: request.movement_amplitude,
    bgm: request.bgm,
    off_peak: request.off_peak,
    watermark: request.watermark,
    wm_position: request.wm_position,
    ...(request.wm_url !== null ? { wm_url: request.wm_url } : {}),
    ...(request.meta_data !== null ? { meta_data: request.meta_data } : {}),
    payload: submission.tag,
  };
}
