import { describe, expect, it } from 'vitest';
import { GENERATION_PARAM_NAMES } from './generation-params.js';
import { generationRequestJsonSchema } from './request-json-schema.js';

interface ObjectSchema {
  properties: Record<string, { default?: unknown; description?: string }>;
  required: string[];
}

describe('generationRequestJsonSchema', () => {
  const schema = generationRequestJsonSchema();
  const defs = schema.$defs as Record<string, ObjectSchema & Record<string, unknown>>;

  it('is draft 2020-12 and offers both body forms', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.anyOf).toEqual([{ $ref: '#/$defs/FlatBody' }, { $ref: '#/$defs/EnvelopedBody' }]);
    expect(defs.EnvelopedBody.required).toEqual(['input']);
  });

  it('declares every parameter, with the validator defaults, and requires only images', () => {
    const params = defs.GenerationParams;
    expect(Object.keys(params.properties)).toEqual(GENERATION_PARAM_NAMES);
    expect(params.required).toEqual(['images']);
    expect(params.properties.duration).toMatchObject({ type: 'integer', minimum: 1, maximum: 8, default: 5 });
    expect(params.properties.resolution).toMatchObject({ enum: ['540p', '720p', '1080p'], default: '720p' });
    expect(params.properties.prompt).toMatchObject({ maxLength: 2000 });
    for (const name of GENERATION_PARAM_NAMES) expect(params.properties[name].description).toBeTruthy();
  });

  it('is plain JSON (survives a round trip) and returns a fresh copy each time', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    defs.GenerationParams.properties.duration.default = 99;
    expect(generationRequestJsonSchema()).not.toEqual(schema);
  });
});
