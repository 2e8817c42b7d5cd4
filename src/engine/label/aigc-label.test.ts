import { describe, expect, it } from 'vitest';
import { aigcLabel, aigcMetadata } from './aigc-label.js';

describe('aigcLabel', () => {
  it('uses the caller meta_data as given, other keys kept', () => {
    const metaData = JSON.stringify({
      Label: '1',
      ContentProducer: 'acme',
      ProduceID: 'p1',
      Extra: { a: 1 },
    });
    expect(aigcLabel({ metaData, producer: 'inbetween', produceId: 'task_1' })).toEqual(JSON.parse(metaData));
    expect(aigcMetadata({ metaData, producer: 'inbetween', produceId: 'task_1' })).toEqual({
      AIGC: metaData,
    });
  });

  it('writes a default label when meta_data is empty', () => {
    for (const metaData of [null, '', '  ']) {
      expect(aigcLabel({ metaData, producer: 'inbetween', produceId: 'task_9' })).toMatchObject({
        Label: '1',
        ContentProducer: 'inbetween',
        ProduceID: 'task_9',
        ReservedCode1: '',
      });
    }
  });

  it('refuses JSON that is not an object', () => {
    expect(() => aigcLabel({ metaData: '[1]', producer: 'p', produceId: 'i' })).toThrow(
      /JSON object for meta_data/,
    );
    expect(() => aigcLabel({ metaData: '{bad', producer: 'p', produceId: 'i' })).toThrow();
  });
});
