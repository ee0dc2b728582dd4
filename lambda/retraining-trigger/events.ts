import type { NewObject } from './policy';

/** The fields of an EventBridge "Object Created" event of S3 that the trigger reads. */
export interface ObjectCreatedEvent {
  readonly id: string;
  readonly source: 'aws.s3';
  readonly 'detail-type': 'Object Created';
  readonly time: string;
  readonly detail: {
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size: number;
      readonly sequencer: string;
      readonly etag?: string;
    };
  };
}

/** Why an event was rejected; also the `Reason` dimension of the decision metric. */
export type RejectReason = 'malformed-event' | 'outside-prefix';

export type ParsedEvent =
  | { readonly ok: true; readonly event: ObjectCreatedEvent; readonly object: NewObject }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

/** Where the trigger expects new data. */
export interface Watched {
  readonly bucket: string;
  /** Key prefix, ending in `/`. */
  readonly prefix: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Checks that an event is an S3 "Object Created" event of a new object under the watched prefix. Anything
 * else is rejected with the reason, never thrown: a malformed event would fail the same way on every retry.
 */
export function parseEvent(input: unknown, watched: Watched): ParsedEvent {
  const malformed = (detail: string): ParsedEvent => ({ ok: false, reason: 'malformed-event', detail });
  if (!isObject(input)) return malformed('the event is not a JSON object');
  if (input.source !== 'aws.s3') return malformed(`source must be 'aws.s3', got ${describe(input.source)}`);
  if (input['detail-type'] !== 'Object Created') {
    return malformed(`detail-type must be 'Object Created', got ${describe(input['detail-type'])}`);
  }
  if (!isText(input.id)) return malformed('the event has no id');
  if (!isText(input.time) || Number.isNaN(Date.parse(input.time))) {
    return malformed(`time must be an ISO-8601 time, got ${describe(input.time)}`);
  }
  const detail = input.detail;
  if (!isObject(detail)) return malformed('the event has no detail');
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  if (!isText(bucket)) return malformed('detail.bucket.name is missing');
  if (!isObject(detail.object)) return malformed('detail.object is missing');
  const { key, size, sequencer, etag } = detail.object;
  if (!isText(key)) return malformed('detail.object.key is missing');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return malformed(`detail.object.size must be a whole number of bytes, got ${describe(size)}`);
  }
  if (!isText(sequencer)) return malformed('detail.object.sequencer is missing');
  if (etag !== undefined && typeof etag !== 'string') return malformed('detail.object.etag must be a string');

  const outside = (why: string): ParsedEvent => ({ ok: false, reason: 'outside-prefix', detail: why });
  if (bucket !== watched.bucket) return outside(`bucket '${bucket}' is not the watched bucket '${watched.bucket}'`);
  if (!key.startsWith(watched.prefix)) return outside(`key '${key}' is outside the prefix '${watched.prefix}'`);
  if (key.endsWith('/') && size === 0) return outside(`key '${key}' is a folder marker, not data`);

  const event = input as unknown as ObjectCreatedEvent;
  return {
    ok: true,
    event,
    object: { bucket, key, size, sequencer, etag, eventTime: input.time, eventId: input.id },
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
