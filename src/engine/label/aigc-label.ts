/**
 * The implicit AIGC label of GB 45438-2025 (labelling of AI-generated content): a JSON object with these field
 * names, carried in the file's metadata under the key `AIGC`, so ordinary tools (ffprobe, exiftool) read it back.
 */
export interface AigcLabel {
  Label: string;
  ContentProducer: string;
  ProduceID: string;
  ReservedCode1: string;
  ContentPropagator: string;
  PropagateID: string;
  ReservedCode2: string;
  [other: string]: unknown;
}

/** The metadata key the label is stored under. */
export const AIGC_METADATA_KEY = 'AIGC';

export interface AigcLabelOptions {
  /** The caller's `meta_data`: a JSON object as text, used as given (other keys kept); null for the default. */
  readonly metaData: string | null;
  /** Who produced the content (the service's name), for the default label. */
  readonly producer: string;
  /** What identifies this production (the task id), for the default label. */
  readonly produceId: string;
}

/**
 * The label to embed: the caller's own JSON object unchanged when given (it was validated at create time), else
 * the default one: Label "1" (AI-generated), the service as producer, the task as production id.
 */
export function aigcLabel(options: AigcLabelOptions): AigcLabel {
  if (options.metaData !== null && options.metaData.trim() !== '') {
    const parsed: unknown = JSON.parse(options.metaData);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TypeError(
        `Expected a JSON object for meta_data but received ${Array.isArray(parsed) ? 'an array' : typeof parsed}`,
      );
    }
    return parsed as AigcLabel;
  }
  return {
    Label: '1',
    ContentProducer: options.producer,
    ProduceID: options.produceId,
    ReservedCode1: '',
    ContentPropagator: '',
    PropagateID: '',
    ReservedCode2: '',
  };
}

/** Container metadata (key -> value) carrying the label, for the encoder. */
export function aigcMetadata(options: AigcLabelOptions): Record<string, string> {
  return { [AIGC_METADATA_KEY]: JSON.stringify(aigcLabel(options)) };
}
