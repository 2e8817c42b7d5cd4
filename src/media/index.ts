export { blockedAddressKind, parseAllowList, type AllowList } from './address-policy.js';
export {
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_REDIRECTS,
  fetchImageBytes,
  type FetchOptions,
} from './fetch-image.js';
export { inspectImage, intakeImages, type IntakeImage, type IntakeOptions } from './image-intake.js';
