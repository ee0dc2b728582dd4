/**
 * The CloudFormation custom resource protocol, without the CDK Provider framework: read the request, build the
 * response, PUT it to the request's pre-signed ResponseURL. The URL grants write access to CloudFormation's
 * response object, so it is never logged and never appears in an error message.
 */

export type RequestType = 'Create' | 'Update' | 'Delete';

/** Where a response goes and whom it answers; copied from the request as CloudFormation requires. */
export interface ReplyTo {
  readonly responseUrl: string;
  readonly stackId: string;
  readonly requestId: string;
  readonly logicalResourceId: string;
  /** Present on Update and Delete: the id the resource was created or last updated with. */
  readonly physicalResourceId?: string;
}

/** A request the provider can act on. */
export interface CustomResourceRequest {
  readonly requestType: RequestType;
  readonly replyTo: ReplyTo;
  readonly resourceType: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: CustomResourceRequest }
  /** `replyTo` is undefined when the event cannot be answered at all (no response URL or ids). */
  | { readonly ok: false; readonly replyTo?: ReplyTo; readonly reason: string };

/** The JSON document CloudFormation reads from the response URL. */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

/** CloudFormation rejects a response body above 4096 bytes. */
export const MAX_RESPONSE_BYTES = 4096;
/** Long enough for every reason of the provider; the rest of the body stays well under the limit. */
export const MAX_REASON_LENGTH = 1000;
/** CloudFormation accepts physical ids of up to 1 KB. */
const MAX_PHYSICAL_ID_BYTES = 1024;

const REQUEST_TYPES: readonly string[] = ['Create', 'Update', 'Delete'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Reads a custom resource request; never throws. */
export function parseRequest(event: unknown): ParsedRequest {
  if (!isObject(event)) return { ok: false, reason: 'the event is not a JSON object' };
  const { ResponseURL, StackId, RequestId, LogicalResourceId, PhysicalResourceId } = event;
  const missing = Object.entries({ ResponseURL, StackId, RequestId, LogicalResourceId })
    .filter(([, value]) => !isText(value))
    .map(([name]) => name);
  if (missing.length > 0) {
    return { ok: false, reason: `the event is not a CloudFormation request: ${missing.join(', ')} missing` };
  }
  if (!isResponseUrl(ResponseURL as string)) {
    return { ok: false, reason: 'the ResponseURL of the event is not an https URL' };
  }
  const replyTo: ReplyTo = {
    responseUrl: ResponseURL as string,
    stackId: StackId as string,
    requestId: RequestId as string,
    logicalResourceId: LogicalResourceId as string,
    ...(isText(PhysicalResourceId) ? { physicalResourceId: PhysicalResourceId } : {}),
  };
  const { RequestType, ResourceType, ResourceProperties } = event;
  if (typeof RequestType !== 'string' || !REQUEST_TYPES.includes(RequestType)) {
    return { ok: false, replyTo, reason: `RequestType must be Create, Update or Delete, got ${describe(RequestType)}` };
  }
  if (RequestType !== 'Create' && replyTo.physicalResourceId === undefined) {
    return { ok: false, replyTo, reason: `a ${RequestType} request must carry the PhysicalResourceId` };
  }
  return {
    ok: true,
    request: {
      requestType: RequestType as RequestType,
      replyTo,
      resourceType: typeof ResourceType === 'string' ? ResourceType : '',
      properties: isObject(ResourceProperties) ? ResourceProperties : {},
    },
  };
}

/** A successful response; `Data` holds the attributes that `Fn::GetAtt` reads. */
export function success(
  replyTo: ReplyTo,
  physicalResourceId: string,
  data?: Readonly<Record<string, string>>,
): CustomResourceResponse {
  return {
    Status: 'SUCCESS',
    PhysicalResourceId: physicalResourceId,
    ...ids(replyTo),
    ...(data ? { Data: data } : {}),
  };
}

/**
 * A failed response. It keeps the physical id of an existing resource (a changed id would be read as a
 * replacement); a failed Create answers with `physicalResourceId`, or a fixed id from the logical id.
 */
export function failure(replyTo: ReplyTo, reason: string, physicalResourceId?: string): CustomResourceResponse {
  const id = replyTo.physicalResourceId ?? physicalResourceId ?? `${replyTo.logicalResourceId}-not-created`;
  return { Status: 'FAILED', Reason: shorten(reason, MAX_REASON_LENGTH), PhysicalResourceId: id, ...ids(replyTo) };
}

function ids(replyTo: ReplyTo) {
  return { StackId: replyTo.stackId, RequestId: replyTo.requestId, LogicalResourceId: replyTo.logicalResourceId };
}

/**
 * The response as CloudFormation accepts it: a success too large for the body limit, or with a physical id
 * above 1 KB, becomes a failure that says so; a failure is shortened until it fits.
 */
export function responseBody(response: CustomResourceResponse): string {
  let fitting = response;
  if (bytes(response.PhysicalResourceId) > MAX_PHYSICAL_ID_BYTES) {
    fitting = {
      ...response,
      Status: 'FAILED',
      Reason: `the physical id would be longer than CloudFormation's ${MAX_PHYSICAL_ID_BYTES} bytes`,
      PhysicalResourceId: `${response.LogicalResourceId}-not-created`.slice(0, 255),
      Data: undefined,
    };
  }
  let body = JSON.stringify(fitting);
  if (bytes(body) <= MAX_RESPONSE_BYTES) return body;
  if (fitting.Status === 'SUCCESS') {
    fitting = {
      ...fitting,
      Status: 'FAILED',
      Reason: `the attributes would make the response longer than CloudFormation's ${MAX_RESPONSE_BYTES} bytes: the baseline URIs are too long; register versions with shorter S3 output paths`,
      Data: undefined,
    };
    body = JSON.stringify(fitting);
  }
  while (bytes(body) > MAX_RESPONSE_BYTES && (fitting.Reason?.length ?? 0) > 20) {
    fitting = { ...fitting, Reason: shorten(fitting.Reason ?? '', Math.floor((fitting.Reason?.length ?? 0) / 2)) };
    body = JSON.stringify(fitting);
  }
  return body;
}

/** The HTTP client the response is sent with: the global `fetch` in Lambda, a fake in tests. */
export type Fetch = (
  url: string,
  init: { method: 'PUT'; body: string; headers: Record<string, string>; signal: AbortSignal },
) => Promise<{ readonly ok: boolean; readonly status: number }>;

export interface SendOptions {
  readonly fetch: Fetch;
  /** Attempts in all. */
  readonly maxAttempts: number;
  /** Longest one attempt may take. */
  readonly attemptTimeoutMs: number;
  /** Wait before the second attempt; it doubles per attempt. */
  readonly baseDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Called before each backoff, with a message that holds no part of the URL. */
  readonly onRetry?: (problem: string, attempt: number) => void;
}

/** 3 attempts of at most 5 s, 0.5 and 1 s apart: under 17 s in all. */
export const DEFAULT_SEND: Omit<SendOptions, 'fetch'> = {
  maxAttempts: 3,
  attemptTimeoutMs: 5_000,
  baseDelayMs: 500,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The response could not be delivered; its message never contains the URL. */
export class ResponseDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseDeliveryError';
  }
}

/**
 * PUTs the response to the pre-signed URL. The content type is empty because older pre-signed URLs sign it
 * (empty). Network errors, timeouts, 429 and 5xx are retried; another status (such as 403 for an expired URL)
 * is final.
 */
export async function sendResponse(url: string, response: CustomResourceResponse, options: SendOptions): Promise<void> {
  const body = responseBody(response);
  for (let attempt = 1; ; attempt += 1) {
    let problem: string;
    let retryable: boolean;
    try {
      const answer = await options.fetch(url, {
        method: 'PUT',
        body,
        headers: { 'content-type': '' },
        signal: AbortSignal.timeout(options.attemptTimeoutMs),
      });
      if (answer.ok) return;
      problem = `the response URL answered HTTP ${answer.status}`;
      retryable = answer.status === 429 || answer.status >= 500;
    } catch (error) {
      problem = `sending the response failed: ${redact(errorText(error), url)}`;
      retryable = true;
    }
    if (!retryable || attempt >= options.maxAttempts) {
      throw new ResponseDeliveryError(`${problem} (attempt ${attempt} of ${options.maxAttempts})`);
    }
    options.onRetry?.(problem, attempt);
    await options.sleep(options.baseDelayMs * 2 ** (attempt - 1));
  }
}

/** `text` without the URL or its query string (the signature), should an error quote them. */
export function redact(text: string, url: string): string {
  let result = text.split(url).join('<response URL>');
  const query = url.indexOf('?');
  if (query >= 0 && query < url.length - 1) result = result.split(url.slice(query + 1)).join('<signature>');
  return result;
}

/** Name and message of an error, with its cause (fetch puts the network error there). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/** CloudFormation's URLs are https; plain http is accepted on the loopback only, for local tests. */
function isResponseUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return protocol === 'https:' || (protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost'));
  } catch {
    return false;
  }
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
