import type { DescribeModelPackageCommandOutput } from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import type { ProviderLogger } from '../../../lambda/model-package-baselines/provider';
import type { Fetch } from '../../../lambda/shared/custom-resource-response';
import { lambdaContext as contextOf } from '../../support/lambda';

/** The partition of the sample ARNs. */
export const PARTITION = 'aws';
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const GROUP = 'mlops-test-churn';

/** ARN of version `version` of the churn group in test. */
export function packageArn(version = 3, group = GROUP): string {
  return `arn:${PARTITION}:sagemaker:${REGION}:${ACCOUNT}:model-package/${group}/${version}`;
}

export const STACK_ID = `arn:${PARTITION}:cloudformation:${REGION}:${ACCOUNT}:stack/mlops-test-monitoring-churn/5b5e9f60-0b9f-11ef-9a2c-0a1b2c3d4e5f`;

/** The secret part of the pre-signed URL: it must never reach a log or a reason. */
export const SIGNATURE = 'c2VjcmV0LXNpZ25hdHVyZS1vZi10aGUtcmVzcG9uc2UtdXJs';
export const RESPONSE_URL = `https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/${encodeURIComponent(STACK_ID)}%7CBaselines%7Cb1c2?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250301T030000Z&X-Amz-Expires=7199&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIGNATURE}`;

const BASELINES = 's3://mlops-test-artifacts/pipelines/churn/exec-7f3a';

/** DescribeModelPackage of an approved version with every drift baseline. */
export function completePackage(
  overrides: Partial<DescribeModelPackageCommandOutput> = {},
): DescribeModelPackageCommandOutput {
  const source = (path: string) => ({ ContentType: 'application/json', S3Uri: `${BASELINES}/${path}` });
  return {
    $metadata: {},
    ModelPackageName: GROUP,
    ModelPackageGroupName: GROUP,
    ModelPackageVersion: 3,
    ModelPackageArn: packageArn(3),
    ModelPackageStatus: 'Completed',
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    ModelApprovalStatus: 'Approved',
    CreationTime: new Date('2025-03-01T02:00:00Z'),
    DriftCheckBaselines: {
      ModelDataQuality: {
        Statistics: source('data-quality/statistics.json'),
        Constraints: source('data-quality/constraints.json'),
      },
      ModelQuality: {
        Statistics: source('model-quality/statistics.json'),
        Constraints: source('model-quality/constraints.json'),
      },
      Bias: {
        ConfigFile: source('bias/analysis_config.json'),
        PreTrainingConstraints: source('bias/pre_training_constraints.json'),
        PostTrainingConstraints: source('bias/post_training_constraints.json'),
      },
      Explainability: {
        ConfigFile: source('explainability/analysis_config.json'),
        Constraints: source('explainability/constraints.json'),
      },
    },
    ...overrides,
  };
}

/** What the platform's training pipeline registers: data-quality and model-quality baselines only. */
export function pipelinePackage(
  overrides: Partial<DescribeModelPackageCommandOutput> = {},
): DescribeModelPackageCommandOutput {
  const complete = completePackage();
  return {
    ...complete,
    DriftCheckBaselines: {
      ModelDataQuality: complete.DriftCheckBaselines?.ModelDataQuality,
      ModelQuality: complete.DriftCheckBaselines?.ModelQuality,
    },
    ...overrides,
  };
}

/** The attributes of {@link completePackage}. */
export const COMPLETE_ATTRIBUTES = {
  ModelPackageGroupName: GROUP,
  ModelPackageVersion: '3',
  DataQualityStatisticsUri: `${BASELINES}/data-quality/statistics.json`,
  DataQualityConstraintsUri: `${BASELINES}/data-quality/constraints.json`,
  ModelQualityStatisticsUri: `${BASELINES}/model-quality/statistics.json`,
  ModelQualityConstraintsUri: `${BASELINES}/model-quality/constraints.json`,
  BiasConfigUri: `${BASELINES}/bias/analysis_config.json`,
  BiasPostTrainingConstraintsUri: `${BASELINES}/bias/post_training_constraints.json`,
  ExplainabilityConfigUri: `${BASELINES}/explainability/analysis_config.json`,
  ExplainabilityConstraintsUri: `${BASELINES}/explainability/constraints.json`,
};

/** A CloudFormation custom resource request of the baselines resource. */
export function request(
  requestType: 'Create' | 'Update' | 'Delete',
  overrides: { arn?: unknown; oldArn?: string; physicalResourceId?: string; requiredBaselines?: unknown } = {},
): Record<string, unknown> {
  const arn = 'arn' in overrides ? overrides.arn : packageArn(3);
  return {
    RequestType: requestType,
    ServiceToken: `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:mlops-test-model-package-baselines`,
    ResponseURL: RESPONSE_URL,
    StackId: STACK_ID,
    RequestId: '0f3e1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
    LogicalResourceId: 'Baselines',
    ResourceType: 'Custom::ModelPackageBaselines',
    ResourceProperties: {
      ServiceToken: `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:mlops-test-model-package-baselines`,
      ServiceTimeout: '600',
      ...(arn === undefined ? {} : { ModelPackageArn: arn }),
      ...(overrides.requiredBaselines === undefined ? {} : { RequiredBaselines: overrides.requiredBaselines }),
    },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: overrides.physicalResourceId ?? packageArn(2) }),
    ...(requestType === 'Update'
      ? { OldResourceProperties: { ModelPackageArn: overrides.oldArn ?? packageArn(2) } }
      : {}),
  };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 60_000): Context {
  return contextOf({
    functionName: 'mlops-test-model-package-baselines',
    functionArn: `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:mlops-test-model-package-baselines`,
    remainingMs,
  });
}

/** The log lines of the provider, in order. */
export class RecordingLogger implements ProviderLogger {
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string; attributes: Record<string, unknown> }[] = [];
  info(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'info', message, attributes: Object.assign({}, ...attributes) });
  }
  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'warn', message, attributes: Object.assign({}, ...attributes) });
  }
  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'error', message, attributes: Object.assign({}, ...attributes) });
  }
  /** Everything logged, as one text. */
  text(): string {
    return JSON.stringify(this.lines);
  }
}

/** A `fetch` that records each PUT and answers with the given statuses in turn (or throws the given errors). */
export class FakeFetch {
  readonly calls: { url: string; method: string; headers: Record<string, string>; body: unknown }[] = [];
  private readonly answers: (number | Error)[];

  constructor(...answers: (number | Error)[]) {
    this.answers = answers.length > 0 ? answers : [200];
  }

  readonly fetch: Fetch = async (url, init) => {
    this.calls.push({ url, method: init.method, headers: init.headers, body: JSON.parse(init.body) });
    const answer = this.answers.length > 1 ? this.answers.shift() : this.answers[0];
    if (answer instanceof Error) throw answer;
    const status = answer ?? 200;
    return { ok: status >= 200 && status < 300, status };
  };

  /** The one response body sent. */
  body(): Record<string, unknown> {
    expect(this.calls).toHaveLength(1);
    return this.calls[0].body as Record<string, unknown>;
  }
}
