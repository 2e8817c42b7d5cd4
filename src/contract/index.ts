export {
  ApiError,
  apiError,
  errorResponseBody,
  toApiError,
  type ApiErrorOptions,
  type ErrorBody,
  type ErrorResponseBody,
} from './api-error.js';
export { describeValue } from './describe-value.js';
export {
  ERROR_CATALOGUE,
  ERROR_CODES,
  errorCatalogueMarkdown,
  isErrorCode,
  type ErrorCatalogueEntry,
  type ErrorCode,
  type ErrorValues,
  type TemplatePlaceholders,
  type ViduReason,
} from './error-catalogue.js';
export {
  GENERATION_PARAM_NAMES,
  GENERATION_PARAMS,
  MAX_SEED,
  MODEL_ID,
  MOVEMENT_AMPLITUDES,
  parseGenerationParams,
  RESOLUTIONS,
  type GenerationParams,
  type MovementAmplitude,
  type Resolution,
} from './generation-params.js';
export {
  parseGenerationRequest,
  type GenerationRequest,
  type GenerationRequestHeaders,
  type ParseGenerationRequestOptions,
} from './generation-request.js';
export { parseHttpUrl, parseImageSource, type ImageMediaType, type ImageSource } from './image-source.js';
export { type JsonSchema, type ParamSpec } from './param-spec.js';
export {
  DEFAULT_PRICE_TABLE,
  formatUsd,
  quote,
  usdToMicros,
  type Micros,
  type PriceTable,
  type Quote,
} from './pricing.js';
export { parsePriceTable, prechargeQuote, pricedParametersHash, type PrechargeQuote } from './price-table.js';
export { generationRequestJsonSchema } from './request-json-schema.js';
export { canTransition, isTaskStatus, isTerminal, TASK_STATUSES, type TaskStatus } from './task-status.js';
export {
  taskMetadataFromRequest,
  toTaskObject,
  unixSeconds,
  type TaskContent,
  type TaskMetadata,
  type TaskObject,
  type TaskRecord,
  type TaskVideo,
} from './task.js';
export {
  statusesOfViduState,
  VIDU_MODELS,
  VIDU_STATES,
  viduCredits,
  viduErrCode,
  viduErrorOf,
  viduState,
  type ViduErrorBody,
  type ViduState,
} from './vidu.js';
