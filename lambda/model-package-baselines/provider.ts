import {
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import {
  type CustomResourceRequest,
  type CustomResourceResponse,
  errorText,
  failure,
  parseRequest,
  type ReplyTo,
  type SendOptions,
  sendResponse,
  success,
} from '../shared/custom-resource-response';
import {
  baselinesOf,
  MODEL_PACKAGE_ARN_PROPERTY,
  parseModelPackageArn,
  parseRequiredBaselines,
  quote,
  REQUIRED_BASELINES_PROPERTY,
} from './baselines';
import { type RetryOptions, withRetries } from './clients';

/** The structured log lines the provider writes; Powertools Logger in Lambda. */
export interface ProviderLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
  addContext?(context: Context): void;
}

export interface ProviderDependencies {
  readonly sageMaker: SageMakerClient;
  readonly logger: ProviderLogger;
  /** Retries of DescribeModelPackage. */
  readonly retry: RetryOptions;
  /** How the response is sent. */
  readonly send: SendOptions;
  /**
   * Time kept back from what is left of the invocation to send the response: the work is cut off when only this
   * much is left, so a slow SageMaker still gets a FAILED response instead of a stack waiting for its timeout.
   */
  readonly responseReserveMs: number;
}

/** Covers {@link DEFAULT_SEND}: 3 attempts of 5 s and their backoff. */
export const RESPONSE_RESERVE_MS = 20_000;

/**
 * Builds the handler of the custom resource. Create and Update describe the model package named by
 * `ModelPackageArn` and answer with its drift baselines, with the ARN as physical id (so a new approval is a
 * replacement and the old resource's Delete costs nothing). Delete answers SUCCESS without any AWS call. Every
 * request that carries a response URL is answered, FAILED on any problem; only a response that cannot be
 * delivered makes the invocation fail, so Lambda tries again.
 */
export function createHandler(deps: ProviderDependencies): (event: unknown, context: Context) => Promise<void> {
  const { logger } = deps;

  async function respondTo(request: CustomResourceRequest, signal: AbortSignal): Promise<CustomResourceResponse> {
    const { replyTo } = request;
    if (request.requestType === 'Delete') {
      // nothing was created: the resource only reads the registry
      return success(replyTo, replyTo.physicalResourceId ?? replyTo.logicalResourceId);
    }
    const parsed = parseModelPackageArn(request.properties[MODEL_PACKAGE_ARN_PROPERTY]);
    if (!parsed.ok) return failure(replyTo, parsed.reason);
    const required = parseRequiredBaselines(request.properties[REQUIRED_BASELINES_PROPERTY]);
    if (!required.ok) return failure(replyTo, required.reason);
    const arn = parsed.value.arn;
    let described: DescribeModelPackageCommandOutput;
    try {
      described = await withRetries(
        () => deps.sageMaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }), { abortSignal: signal }),
        {
          ...deps.retry,
          onRetry: (error, attempt, delayMs) =>
            logger.warn('retrying DescribeModelPackage', { attempt, delayMs, errorName: (error as Error).name }),
        },
        signal,
      );
    } catch (error) {
      logger.warn('DescribeModelPackage failed', { modelPackageArn: arn, errorName: (error as Error).name });
      return failure(replyTo, `could not describe model package ${arn}: ${errorText(error)}`, arn);
    }
    const baselines = baselinesOf(parsed.value, described, required.value);
    if (!baselines.ok) return failure(replyTo, baselines.reason, arn);
    return success(replyTo, arn, { ...baselines.value });
  }

  /** The response of the request, or FAILED once only `responseReserveMs` of the invocation is left. */
  async function respondInTime(request: CustomResourceRequest, context: Context): Promise<CustomResourceResponse> {
    const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - deps.responseReserveMs);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new DeadlineError(`no answer from SageMaker within ${(budgetMs / 1000).toFixed(1)} s`));
      }, budgetMs);
    });
    try {
      return await Promise.race([respondTo(request, controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return async function handler(event: unknown, context: Context): Promise<void> {
    logger.addContext?.(context);
    let replyTo: ReplyTo | undefined;
    let response: CustomResourceResponse;
    try {
      const parsed = parseRequest(event);
      replyTo = parsed.ok ? parsed.request.replyTo : parsed.replyTo;
      if (!replyTo) {
        // nobody to answer; another attempt would read the same event
        logger.error('the event cannot be answered', { reason: parsed.ok ? '' : parsed.reason });
        return;
      }
      if (parsed.ok) {
        logger.info('custom resource request', describeRequest(parsed.request));
        response = await respondInTime(parsed.request, context);
      } else {
        response = failure(replyTo, parsed.reason);
      }
    } catch (error) {
      if (!replyTo) {
        logger.error('the event cannot be answered', { error: errorText(error) });
        return;
      }
      const reason = error instanceof DeadlineError ? error.message : `unexpected error: ${errorText(error)}`;
      logger.error('the request failed', { error: errorText(error) });
      response = failure(replyTo, reason);
    }
    logger.info('custom resource response', {
      status: response.Status,
      physicalResourceId: response.PhysicalResourceId,
      ...(response.Reason ? { reason: response.Reason } : {}),
      ...(response.Data ? { data: response.Data } : {}),
    });
    try {
      await sendResponse(replyTo.responseUrl, response, {
        ...deps.send,
        onRetry: (problem, attempt) => logger.warn('retrying the response to CloudFormation', { problem, attempt }),
      });
    } catch (error) {
      // the message holds no part of the URL; failing the invocation lets Lambda send the response again
      logger.error('the response did not reach CloudFormation', { error: errorText(error) });
      throw error;
    }
  };
}

/** The work took so long that only the time to respond is left. */
class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/** What a request is about, for the log: every field but the response URL. */
function describeRequest(request: CustomResourceRequest): Record<string, unknown> {
  return {
    requestType: request.requestType,
    resourceType: request.resourceType,
    stackId: request.replyTo.stackId,
    requestId: request.replyTo.requestId,
    logicalResourceId: request.replyTo.logicalResourceId,
    physicalResourceId: request.replyTo.physicalResourceId,
    modelPackageArn: quote(request.properties[MODEL_PACKAGE_ARN_PROPERTY]),
  };
}
