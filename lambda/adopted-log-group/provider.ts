import {
  AssociateKmsKeyCommand,
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
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
import { type RetryOptions, withRetries } from './clients';
import {
  type DesiredLogGroup,
  findLogGroup,
  isAlreadyExists,
  isNotFound,
  LOG_GROUP_NAME_PROPERTY,
  parseProperties,
  quote,
  releasesKey,
} from './log-group';

/** The structured log lines the provider writes; Powertools Logger in Lambda. */
export interface ProviderLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
  addContext?(context: Context): void;
}

export interface ProviderDependencies {
  readonly logs: CloudWatchLogsClient;
  readonly logger: ProviderLogger;
  /** Retries of each CloudWatch Logs call. */
  readonly retry: RetryOptions;
  /** How the response is sent. */
  readonly send: SendOptions;
  /** Time kept back from what is left of the invocation to send the response, even when CloudWatch Logs is slow. */
  readonly responseReserveMs: number;
}

/** Covers the response's 3 attempts of 5 s and their backoff. */
export const RESPONSE_RESERVE_MS = 20_000;

/** A CloudWatch Logs call failed after its retries; the message names the step and the group. */
class StepError extends Error {
  constructor(
    step: string,
    logGroupName: string,
    readonly sdkError: unknown,
  ) {
    super(`could not ${step} log group ${logGroupName}: ${errorText(sdkError)}`);
    this.name = 'StepError';
  }
}

/** The work took so long that only the time to respond is left. */
class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/**
 * Builds the handler of the `Custom::AdoptedLogGroup` resources. Create and Update create the group if it is
 * missing and adopt it if it exists, then associate the key and put the retention, all idempotent; the group's name
 * is the physical id, so a new name is a replacement. Delete leaves the group and its events, and takes the key off
 * only while it is still this resource's key. Every request with a response URL is answered, FAILED on any problem.
 */
export function createHandler(deps: ProviderDependencies): (event: unknown, context: Context) => Promise<void> {
  const { logger, logs } = deps;

  /** One CloudWatch Logs call, retried; `step` says what it does to the group, for the reason of a failure. */
  async function call<T>(
    api: string,
    step: string,
    desired: DesiredLogGroup,
    send: () => Promise<T>,
    signal: AbortSignal,
  ) {
    try {
      return await withRetries(
        send,
        {
          ...deps.retry,
          onRetry: (error, attempt, delayMs) =>
            logger.warn(`retrying ${api}`, { attempt, delayMs, errorName: (error as Error).name }),
        },
        signal,
      );
    } catch (error) {
      throw new StepError(step, desired.logGroupName, error);
    }
  }

  async function declare(desired: DesiredLogGroup, signal: AbortSignal): Promise<void> {
    const { logGroupName, kmsKeyArn, retentionInDays } = desired;
    const options = { abortSignal: signal };
    let created = true;
    try {
      // a new group is encrypted from its first event
      await call(
        'CreateLogGroup',
        'create',
        desired,
        () => logs.send(new CreateLogGroupCommand({ logGroupName, kmsKeyId: kmsKeyArn }), options),
        signal,
      );
    } catch (error) {
      if (!(error instanceof StepError) || !isAlreadyExists(error.sdkError)) throw error;
      created = false;
    }
    if (!created) {
      logger.info('adopting the existing log group', { logGroupName });
      await call(
        'AssociateKmsKey',
        'associate the key with',
        desired,
        () => logs.send(new AssociateKmsKeyCommand({ logGroupName, kmsKeyId: kmsKeyArn }), options),
        signal,
      );
    }
    await call(
      'PutRetentionPolicy',
      'put the retention on',
      desired,
      () => logs.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays }), options),
      signal,
    );
  }

  async function release(desired: DesiredLogGroup, signal: AbortSignal): Promise<void> {
    const { logGroupName } = desired;
    const options = { abortSignal: signal };
    const listed = await call(
      'DescribeLogGroups',
      'describe',
      desired,
      () => logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }), options),
      signal,
    );
    const current = findLogGroup(listed.logGroups, logGroupName);
    if (!releasesKey(current, desired)) {
      logger.info('leaving the log group as it is', { logGroupName, found: current !== undefined });
      return;
    }
    try {
      await call(
        'DisassociateKmsKey',
        'disassociate the key from',
        desired,
        () => logs.send(new DisassociateKmsKeyCommand({ logGroupName }), options),
        signal,
      );
    } catch (error) {
      if (!(error instanceof StepError) || !isNotFound(error.sdkError)) throw error;
    }
  }

  async function respondTo(request: CustomResourceRequest, signal: AbortSignal): Promise<CustomResourceResponse> {
    const { replyTo } = request;
    const parsed = parseProperties(request.properties);
    if (request.requestType === 'Delete') {
      const physicalId = replyTo.physicalResourceId ?? replyTo.logicalResourceId;
      // a Create that failed before naming the group, or with bad properties, made nothing to undo
      if (!parsed.ok || physicalId !== parsed.value.logGroupName) return success(replyTo, physicalId);
      await release(parsed.value, signal);
      return success(replyTo, physicalId);
    }
    if (!parsed.ok) return failure(replyTo, parsed.reason);
    await declare(parsed.value, signal);
    return success(replyTo, parsed.value.logGroupName);
  }

  /** The response of the request, or FAILED once only `responseReserveMs` of the invocation is left. */
  async function respondInTime(request: CustomResourceRequest, context: Context): Promise<CustomResourceResponse> {
    const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - deps.responseReserveMs);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new DeadlineError(`no answer from CloudWatch Logs within ${(budgetMs / 1000).toFixed(1)} s`));
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
    const parsed = parseRequest(event);
    const replyTo: ReplyTo | undefined = parsed.ok ? parsed.request.replyTo : parsed.replyTo;
    if (!replyTo) {
      // nobody to answer; another attempt would read the same event
      logger.error('the event cannot be answered', { reason: parsed.ok ? '' : parsed.reason });
      return;
    }
    let response: CustomResourceResponse;
    if (!parsed.ok) {
      response = failure(replyTo, parsed.reason);
    } else {
      logger.info('custom resource request', describeRequest(parsed.request));
      try {
        response = await respondInTime(parsed.request, context);
      } catch (error) {
        const reason =
          error instanceof StepError || error instanceof DeadlineError
            ? error.message
            : `unexpected error: ${errorText(error)}`;
        logger.error('the request failed', { error: reason });
        // the group's name, so that a rollback's Delete releases what a half-done Create did
        const name = parsed.request.properties[LOG_GROUP_NAME_PROPERTY];
        response = failure(replyTo, reason, typeof name === 'string' ? name : undefined);
      }
    }
    logger.info('custom resource response', {
      status: response.Status,
      physicalResourceId: response.PhysicalResourceId,
      ...(response.Reason ? { reason: response.Reason } : {}),
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

/** What a request is about, for the log: every field but the response URL. */
function describeRequest(request: CustomResourceRequest): Record<string, unknown> {
  return {
    requestType: request.requestType,
    resourceType: request.resourceType,
    stackId: request.replyTo.stackId,
    requestId: request.replyTo.requestId,
    logicalResourceId: request.replyTo.logicalResourceId,
    physicalResourceId: request.replyTo.physicalResourceId,
    logGroupName: quote(request.properties[LOG_GROUP_NAME_PROPERTY]),
  };
}
