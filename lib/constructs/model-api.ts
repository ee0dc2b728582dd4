import { type CfnCondition, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { applyConditionToScope } from './conditions';
import type { IModelEndpoint } from './model-endpoint';
import { PlatformRole } from './platform-role';
import { known, throwIfInvalid } from './validation';

/**
 * Request header with the caller's id of a request (at most 64 characters). Data capture records it, and
 * model-quality monitoring joins the labels that arrive later to the captured prediction by it.
 */
export const INFERENCE_ID_HEADER = 'X-Inference-Id';
/** The one stage of every model API; part of its URL, so callers depend on it. */
export const MODEL_API_STAGE = 'v1';

/** The resource path callers POST to, as SageMaker's own runtime API names it. */
export const INVOCATIONS_PATH = '/invocations';

/** Content types forwarded by default: the two that SageMaker's built-in containers accept. */
export const DEFAULT_CONTENT_TYPES: readonly string[] = ['text/csv', 'application/json'];

/** Stage throttling when none is given. */
export const DEFAULT_THROTTLE: ModelApiThrottle = { rateLimit: 50, burstLimit: 100 };

/** Steady-state and burst request limits of the stage, for every method. */
export interface ModelApiThrottle {
  /** Requests per second the stage accepts on average. */
  readonly rateLimit: number;
  /** Requests the stage accepts at once above the rate (a token bucket of this size). */
  readonly burstLimit: number;
}

export interface ModelApiProps {
  /**
   * Name of the REST API, also the `ApiName` dimension of its metrics. Make it unique per account and region
   * (include the environment), or several environments of a single account will share one set of metrics.
   */
  readonly apiName: string;
  /**
   * The SageMaker endpoint that the API invokes. Where the endpoint exists only under a condition the API does not
   * carry, import it by name with `ModelEndpoint.fromEndpointName`.
   */
  readonly endpoint: IModelEndpoint;
  /**
   * Request content types forwarded to the endpoint; any other gets `415 Unsupported Media Type` from API
   * Gateway. They must be text types: the body is forwarded through a mapping template.
   * @default ['text/csv', 'application/json']
   */
  readonly contentTypes?: string[];
  /** Key that encrypts the access log group. Its policy must let CloudWatch Logs of this account use it. */
  readonly logsKey: kms.IKey;
  /** How long access logs are kept. Must be finite. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the access log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN - access logs are the audit trail of who invoked the model
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Throttling of the stage, for every method.
   * @default - 50 requests per second, bursts of 100
   */
  readonly throttle?: ModelApiThrottle;
  /**
   * Condition that every resource of the API carries, such as "a model version is approved". Must belong to
   * the same stack. With a condition, use `url` and the `restApi` attributes only in resources that carry it.
   * @default - the resources are unconditional
   */
  readonly condition?: CfnCondition;
}

/** SageMaker's `ValidationError`, `ModelError` and friends carry `message` or `Message`; the caller gets it back. */
const CLIENT_ERROR_TEMPLATE = [
  "#set($message = $input.path('$.message'))",
  '#if("$!message" == "")#set($message = $input.path(\'$.Message\'))#end',
  '{"message": "$util.escapeJavaScript("$!message").replaceAll("\\\\\'", "\'")", "requestId": "$context.requestId"}',
].join('\n');

const THROTTLED_TEMPLATE =
  '{"message": "the model endpoint is busy or not ready; retry with backoff", "requestId": "$context.requestId"}';

/** SageMaker's internal failures say nothing a caller can act on, so the caller gets the request id only. */
const SERVER_ERROR_TEMPLATE = '{"message": "the model endpoint failed to answer", "requestId": "$context.requestId"}';

/** Forwards the raw request body: for text content types `$input.body` is the payload exactly as sent. */
const RAW_BODY_TEMPLATE = '$input.body';

/** SageMaker status codes that are the caller's fault, except 429: every 4xx but 429. */
const CLIENT_ERROR_PATTERN = '4(?!29)\\d{2}';
const THROTTLED_PATTERN = '429';
const SERVER_ERROR_PATTERN = '5\\d{2}';

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * The HTTPS front door of one real-time SageMaker endpoint: a regional REST API with one IAM-authorized
 * method, `POST /invocations`, that API Gateway forwards straight to SageMaker's `InvokeEndpoint` with its own
 * role (no Lambda in the request path). Requests without a `Content-Type` header, or with one that is not in
 * `contentTypes`, are refused before they reach the endpoint. The stage `v1` is throttled, traced with X-Ray
 * and writes a JSON access log line per request to a KMS-encrypted log group.
 *
 * Callers sign their requests with SigV4 (see ADR 0008) and need `execute-api:Invoke` on the method, given with
 * {@link grantInvoke}. API Gateway's account-wide CloudWatch role is neither created nor needed: there is no
 * execution logging, only access logging.
 */
export class ModelApi extends Construct {
  /** The REST API. Its deployment stage is `v1`. */
  readonly restApi: apigateway.RestApi;
  /** The `POST /invocations` method. */
  readonly method: apigateway.Method;
  /** The role API Gateway invokes the endpoint with; it may call `sagemaker:InvokeEndpoint` on it only. */
  readonly integrationRole: PlatformRole;
  /** The log group of the stage's access logs. */
  readonly accessLogGroup: logs.LogGroup;
  /** The SageMaker endpoint the API invokes. */
  readonly endpoint: IModelEndpoint;

  constructor(scope: Construct, id: string, props: ModelApiProps) {
    super(scope, id);
    validate(this, props);
    const contentTypes = props.contentTypes ?? [...DEFAULT_CONTENT_TYPES];
    const throttle = props.throttle ?? DEFAULT_THROTTLE;

    this.endpoint = props.endpoint;
    const { endpointName } = props.endpoint;

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.restApi = new apigateway.RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: `Invokes the SageMaker endpoint ${endpointName}`,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Execution logging would need API Gateway's account-wide CloudWatch role (AWS::ApiGateway::Account),
      // which one API must not own: access logs go straight to the log group instead.
      cloudWatchRole: false,
      deployOptions: {
        stageName: MODEL_API_STAGE,
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.OFF,
        dataTraceEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });

    this.integrationRole = new PlatformRole(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway invokes the SageMaker endpoint ${endpointName}`,
    });
    props.endpoint.grantInvoke(this.integrationRole);

    this.method = this.restApi.root
      .addResource('invocations')
      .addMethod('POST', this.sageMakerIntegration(endpointName, contentTypes), {
        authorizationType: apigateway.AuthorizationType.IAM,
        requestValidator: this.restApi.addRequestValidator('RequestValidator', {
          validateRequestBody: true,
          validateRequestParameters: true,
        }),
        requestParameters: {
          'method.request.header.Content-Type': true,
          'method.request.header.Accept': false,
          [`method.request.header.${INFERENCE_ID_HEADER}`]: false,
        },
        methodResponses: [
          { statusCode: '200', responseParameters: { 'method.response.header.Content-Type': true } },
          ...['400', '429', '502'].map((statusCode) => ({
            statusCode,
            responseParameters: { 'method.response.header.Content-Type': true },
            responseModels: { 'application/json': apigateway.Model.ERROR_MODEL },
          })),
        ],
      });
    // the method (and so the deployment) goes live only once its role may invoke the endpoint
    this.method.node.addDependency(this.integrationRole.policy);

    this.acknowledgeFindings();

    if (props.condition) {
      applyConditionToScope(this, props.condition);
      // the API's URL output refers to the conditional API, so it takes the condition too
      for (const child of this.restApi.node.children) {
        if (child instanceof CfnOutput) child.condition = props.condition;
      }
    }
  }

  /** The HTTPS URL callers POST to: `https://<api>.execute-api.<region>.<suffix>/v1/invocations`. */
  get url(): string {
    return this.restApi.urlForPath(INVOCATIONS_PATH);
  }

  /** Allows `grantee` to call `POST /invocations` (`execute-api:Invoke` on that method of stage `v1` only). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.restApi.arnForExecuteApi('POST', INVOCATIONS_PATH, MODEL_API_STAGE)],
    });
  }

  /**
   * Time between API Gateway receiving a request and returning its response, in milliseconds, for stage `v1`.
   * @default - p99 over 5 minutes; `props` override it
   */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricLatency({
      statistic: cloudwatch.Stats.p(99),
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * Number of requests answered with a 5xx error (502 when the endpoint fails), for stage `v1`.
   * @default - Sum over 5 minutes; `props` override it
   */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricServerError({
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * Number of requests answered with a 4xx error (refused signatures, bad content types, throttling, requests
   * the model rejects), for stage `v1`.
   * @default - Sum over 5 minutes; `props` override it
   */
  metricClientErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricClientError({
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  private sageMakerIntegration(endpointName: string, contentTypes: readonly string[]): apigateway.AwsIntegration {
    const errorResponse = (statusCode: string, selectionPattern: string, template: string) => ({
      statusCode,
      selectionPattern,
      responseParameters: { 'method.response.header.Content-Type': "'application/json'" },
      responseTemplates: { 'application/json': template },
    });
    return new apigateway.AwsIntegration({
      service: 'runtime.sagemaker',
      path: `endpoints/${endpointName}/invocations`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.integrationRole,
        // a content type without a template is refused with 415 instead of being forwarded untouched
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestTemplates: Object.fromEntries(contentTypes.map((type) => [type, RAW_BODY_TEMPLATE])),
        requestParameters: {
          'integration.request.header.Content-Type': 'method.request.header.Content-Type',
          'integration.request.header.Accept': 'method.request.header.Accept',
          // the id that data capture records, so labels that arrive later can be joined to the prediction
          'integration.request.header.X-Amzn-SageMaker-Inference-Id': `method.request.header.${INFERENCE_ID_HEADER}`,
        },
        integrationResponses: [
          // no template: the model's answer passes through untouched, with the content type it chose
          {
            statusCode: '200',
            responseParameters: { 'method.response.header.Content-Type': 'integration.response.header.Content-Type' },
          },
          errorResponse('400', CLIENT_ERROR_PATTERN, CLIENT_ERROR_TEMPLATE),
          errorResponse('429', THROTTLED_PATTERN, THROTTLED_TEMPLATE),
          errorResponse('502', SERVER_ERROR_PATTERN, SERVER_ERROR_TEMPLATE),
        ],
      },
    });
  }

  private acknowledgeFindings(): void {
    const stage = this.restApi.deploymentStage;
    const waf =
      "the API is IAM-authorized (SigV4) for the platform's own callers and throttled at the stage; a web ACL costs money per API and filters anonymous web traffic this API refuses anyway, so WAF is an edge decision each fork makes";
    acknowledge(stage, 'AwsSolutions-APIG3', waf);
    acknowledge(stage, 'NIST.800.53.R5-APIGWAssociatedWithWAF', waf);
    const executionLogs =
      "the JSON access log records every request with caller ARN, status, latency and integration status; execution logging needs API Gateway's account-wide CloudWatch role (AWS::ApiGateway::Account), which one model API must not own because it clashes across environments and models of one account";
    acknowledge(stage, 'AwsSolutions-APIG6', executionLogs);
    acknowledge(stage, 'NIST.800.53.R5-APIGWExecutionLoggingEnabled', executionLogs);
    acknowledge(
      stage,
      'NIST.800.53.R5-APIGWSSLEnabled',
      'a client certificate only lets HTTP backends authenticate API Gateway; the only backend is SageMaker, an AWS service integration that API Gateway calls over TLS signed with SigV4 by the integration role',
    );
    acknowledge(
      stage,
      'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
      'predictions must not be cached: each POST is a fresh inference whose answer depends on the model version, and a cache would hold inference data outside the endpoint',
    );
    acknowledge(
      this.method,
      'AwsSolutions-COG4',
      'the method uses IAM authorization (SigV4, execute-api:Invoke per caller) instead of a Cognito user pool: callers are AWS principals of the platform, not end users (see ADR 0008)',
    );
  }
}

/** One JSON line per request: who called, what happened, and how long API Gateway and SageMaker took. */
function accessLogFormat(): apigateway.AccessLogFormat {
  const field = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: field.contextRequestId(),
      requestTime: field.contextRequestTimeEpoch(),
      httpMethod: field.contextHttpMethod(),
      resourcePath: field.contextResourcePath(),
      callerAccountId: field.contextCallerAccountId(),
      userArn: field.contextIdentityUserArn(),
      sourceIp: field.contextIdentitySourceIp(),
      userAgent: field.contextIdentityUserAgent(),
      status: field.contextStatus(),
      responseLatency: field.contextResponseLatency(),
      responseLength: field.contextResponseLength(),
      // $context.integration.* is what the backend answered; $context.integrationStatus is Lambda-specific
      integrationStatus: '$context.integration.status',
      integrationLatency: '$context.integration.latency',
      integrationRequestId: '$context.integration.requestId',
      errorMessage: field.contextErrorMessage(),
      errorType: field.contextErrorResponseType(),
      xrayTraceId: field.contextXrayTraceId(),
    }),
  );
}

/** Checks the props, collecting every problem, and throws once. Values that are tokens are not checked. */
function validate(scope: Construct, props: ModelApiProps): void {
  const problems: string[] = [];
  if (known(props.apiName) && props.apiName.trim() === '') {
    problems.push(`apiName must not be empty, got '${props.apiName}'`);
  }
  const contentTypes = props.contentTypes;
  if (contentTypes !== undefined) {
    if (contentTypes.length === 0) problems.push('contentTypes must name at least one content type, got none');
    for (const type of contentTypes) {
      if (known(type) && !MEDIA_TYPE.test(type)) {
        problems.push(`contentTypes must hold lower-case media types such as 'text/csv', got '${type}'`);
      }
    }
    const duplicates = contentTypes.filter((type, i) => contentTypes.indexOf(type) !== i);
    if (duplicates.length > 0) problems.push(`contentTypes must not repeat a type, got '${duplicates[0]}' twice`);
  }
  if (known(props.logRetention) && props.logRetention === logs.RetentionDays.INFINITE) {
    problems.push('logRetention must be a finite number of days, got INFINITE');
  }
  const throttle = props.throttle;
  if (throttle) {
    if (known(throttle.rateLimit) && !(throttle.rateLimit > 0)) {
      problems.push(`throttle.rateLimit must be greater than 0, got ${throttle.rateLimit}`);
    }
    if (known(throttle.burstLimit) && !(Number.isInteger(throttle.burstLimit) && throttle.burstLimit >= 1)) {
      problems.push(`throttle.burstLimit must be a whole number of at least 1, got ${throttle.burstLimit}`);
    }
  }
  if (props.condition && Stack.of(props.condition) !== Stack.of(scope)) {
    problems.push(`condition '${props.condition.node.path}' must belong to the stack of the API`);
  }

  throwIfInvalid(scope, 'model api', problems);
}
