/** Why a keyframe could not be used; each maps onto one API error code in the catalogue. */
export type InputImageErrorCode =
  'unsupported_format' | 'decode_failed' | 'aspect_ratio' | 'aspect_mismatch' | 'too_large' | 'not_found';

/** Options for {@link InputImageError}. */
export interface InputImageErrorOptions {
  code: InputImageErrorCode;
  /** The file (or upload) name the message starts with, so the user knows which of the two images is at fault. */
  fileName: string;
  /** The reason, without the file name: `unsupported image format (gif); expected png, jpeg or webp`. */
  reason: string;
  /**
   * What the API's message carries (`a gif image`, `the png data is cut short ...`); default `reason`. The API
   * phrases its messages from the catalogue, so it needs the finding without the file name or the wrapping.
   */
  detail?: string;
  cause?: unknown;
}

/**
 * A keyframe that cannot be read, decoded or fitted. The message reads `<file>: <reason>` and is safe to show to
 * the API caller; `cause` keeps the underlying library error for the logs.
 */
export class InputImageError extends Error {
  override readonly name = 'InputImageError';
  readonly code: InputImageErrorCode;
  readonly fileName: string;
  /** The finding alone, for the API's message. */
  readonly detail: string;

  constructor(options: InputImageErrorOptions) {
    super(`${options.fileName}: ${options.reason}`, { cause: options.cause });
    this.code = options.code;
    this.fileName = options.fileName;
    this.detail = options.detail ?? options.reason;
  }
}
