import { parseEvent } from '../../../lambda/retraining-trigger/events';
import { objectCreated } from './fixtures';

const WATCHED = { bucket: 'mlops-dev-raw', prefix: 'training-data/churn/' };

describe('parseEvent', () => {
  test('GIVEN an Object Created event under the prefix THEN it is the new object', () => {
    const parsed = parseEvent(objectCreated(), WATCHED);

    expect(parsed).toEqual({
      ok: true,
      event: objectCreated(),
      object: {
        bucket: 'mlops-dev-raw',
        key: 'training-data/churn/2025/03/01/part-0001.csv',
        size: 3_400_000,
        sequencer: '0062E99A88DC407460',
        etag: 'b1946ac92492d2347c6235b4d2611184',
        eventTime: '2025-03-01T02:55:00Z',
        eventId: '17793124-05d4-b198-2fde-7ededc63b103',
      },
    });
  });

  test('GIVEN an empty object THEN it still counts: its arrival is new data', () => {
    expect(parseEvent(objectCreated({ size: 0 }), WATCHED).ok).toBe(true);
  });

  describe('GIVEN a malformed event THEN it is rejected as malformed with what is wrong', () => {
    const event = objectCreated();
    test.each([
      ['null', null, 'the event is not a JSON object'],
      ['a string', 'Object Created', 'the event is not a JSON object'],
      ['an array', [event], 'the event is not a JSON object'],
      ['an EC2 event', { ...event, source: 'aws.ec2' }, `source must be 'aws.s3', got "aws.ec2"`],
      ['a scheduled event', { ...event, 'detail-type': 'Scheduled Event' }, `got "Scheduled Event"`],
      ['an Object Deleted event', { ...event, 'detail-type': 'Object Deleted' }, `got "Object Deleted"`],
      ['an event without id', { ...event, id: '' }, 'the event has no id'],
      ['an event with a bad time', { ...event, time: 'yesterday' }, 'time must be an ISO-8601 time, got "yesterday"'],
      ['an event without detail', { ...event, detail: undefined }, 'the event has no detail'],
      ['an empty detail', { ...event, detail: {} }, 'detail.bucket.name is missing'],
      [
        'a detail without object',
        { ...event, detail: { bucket: { name: 'mlops-dev-raw' } } },
        'detail.object is missing',
      ],
      [
        'an object without key',
        { ...event, detail: { ...event.detail, object: { ...event.detail.object, key: undefined } } },
        'detail.object.key is missing',
      ],
      [
        'an object with a negative size',
        { ...event, detail: { ...event.detail, object: { ...event.detail.object, size: -1 } } },
        'detail.object.size must be a whole number of bytes, got -1',
      ],
      [
        'an object with a size as text',
        { ...event, detail: { ...event.detail, object: { ...event.detail.object, size: '12' } } },
        'detail.object.size must be a whole number of bytes, got "12"',
      ],
      [
        'an object without sequencer',
        { ...event, detail: { ...event.detail, object: { ...event.detail.object, sequencer: undefined } } },
        'detail.object.sequencer is missing',
      ],
    ])('%s', (_name, input, detail) => {
      const parsed = parseEvent(input, WATCHED);

      expect(parsed.ok).toBe(false);
      expect(parsed).toMatchObject({ reason: 'malformed-event', detail: expect.stringContaining(detail) });
    });
  });

  describe('GIVEN an object that is not new training data of the model THEN it is rejected as outside the prefix', () => {
    test.each([
      [
        'a key of another model',
        objectCreated({ key: 'training-data/fraud/part-0001.csv' }),
        "key 'training-data/fraud/part-0001.csv' is outside the prefix 'training-data/churn/'",
      ],
      [
        'a key equal to the prefix without its slash',
        objectCreated({ key: 'training-data/churn' }),
        'is outside the prefix',
      ],
      ['a folder marker', objectCreated({ key: 'training-data/churn/2025/', size: 0 }), 'is a folder marker'],
      [
        'another bucket',
        { ...objectCreated(), detail: { ...objectCreated().detail, bucket: { name: 'other' } } },
        "bucket 'other' is not the watched bucket 'mlops-dev-raw'",
      ],
    ])('%s', (_name, input, detail) => {
      expect(parseEvent(input, WATCHED)).toEqual({
        ok: false,
        reason: 'outside-prefix',
        detail: expect.stringContaining(detail),
      });
    });
  });
});
