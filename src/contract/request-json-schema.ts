import { GENERATION_PARAM_NAMES, GENERATION_PARAMS, MODEL_ID } from './generation-params.js';
import type { JsonSchema } from './param-spec.js';

/**
 * The JSON Schema (draft 2020-12, usable as an OpenAPI 3.1 schema) of the create body in both forms, generated
 * from {@link GENERATION_PARAMS}: `$defs.GenerationParams`, `$defs.FlatBody`, `$defs.EnvelopedBody`, and the
 * root `anyOf` both. Unknown properties are allowed because the service ignores them. `model` is not required
 * because the `X-Model` header may carry it.
 */
export function generationRequestJsonSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const name of GENERATION_PARAM_NAMES) {
    const spec = GENERATION_PARAMS[name];
    properties[name] = structuredClone(spec.schema);
    if (spec.missing !== undefined) required.push(name);
  }
  const model: JsonSchema = {
    type: 'string',
    enum: [MODEL_ID],
    description: 'Model id; may come in the X-Model header instead.',
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://inbetween.dev/schemas/generation-request.json',
    title: 'Create a generation task',
    anyOf: [{ $ref: '#/$defs/FlatBody' }, { $ref: '#/$defs/EnvelopedBody' }],
    $defs: {
      GenerationParams: { type: 'object', properties, required },
      FlatBody: {
        description: 'The parameters at the top level beside model.',
        allOf: [{ $ref: '#/$defs/GenerationParams' }],
        properties: { model },
      },
      EnvelopedBody: {
        description: 'The parameters in input[0].params.',
        type: 'object',
        properties: {
          model,
          input: {
            type: 'array',
            minItems: 1,
            maxItems: 1,
            items: {
              type: 'object',
              properties: { params: { $ref: '#/$defs/GenerationParams' } },
              required: ['params'],
            },
          },
        },
        required: ['input'],
      },
    },
  };
}
