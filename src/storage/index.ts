export { BlobNotFoundError, InvalidBlobKeyError, RangeNotSatisfiableError } from './blob-errors.js';
export { isValidBlobKey, parseBlobKey } from './blob-key.js';
export type { BlobInfo, BlobStorage, ByteRange, OpenedBlob } from './blob-storage.js';
export { contentTypeForKey } from './content-type.js';
export { openLocalFolderStorage, type LocalFolderStorageOptions } from './local-folder-storage.js';
export {
  signFileUrl,
  verifyFileUrl,
  type FileUrlVerdict,
  type SignFileUrlOptions,
  type VerifyFileUrlOptions,
} from './signed-urls.js';
export { inputFormatOfKey, isWatermarkKey, runOutputKeys, WATERMARK_INPUT } from './task-keys.js';
