import type { StoredImage } from '../backends/backend.js';
import { inputFormatOfKey, isWatermarkKey, type BlobStorage } from '../storage/index.js';
import type { StoredTask } from '../store/index.js';

/** A task's stored keyframes (start first) and watermark image, read back from storage. */
export async function readInputs(
  storage: BlobStorage,
  task: StoredTask,
): Promise<{ images: StoredImage[]; watermark: StoredImage | null }> {
  const read = async (key: string): Promise<StoredImage> => ({
    bytes: await readAll(storage, key),
    format: inputFormatOfKey(key),
  });
  const watermarkKey = task.inputKeys.find(isWatermarkKey);
  const [images, watermark] = await Promise.all([
    Promise.all(task.inputKeys.filter((key) => !isWatermarkKey(key)).map(read)),
    watermarkKey ? read(watermarkKey) : Promise.resolve(null),
  ]);
  return { images, watermark };
}

/** What a failed task's message says after "Video generation failed: ". */
export function failureMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readAll(storage: BlobStorage, key: string): Promise<Uint8Array> {
  const { stream } = await storage.open(key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
