import type { Context } from 'aws-lambda';
import { lambdaContext as contextOf } from '../../support/lambda';
import { RESPONSE_URL, STACK_ID } from '../model-package-baselines/fixtures';

// the response URL, the logger and the fake fetch are those of the other custom resource's tests
export { FakeFetch, RESPONSE_URL, RecordingLogger, SIGNATURE, STACK_ID } from '../model-package-baselines/fixtures';

const PARTITION = 'aws';
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const LOG_GROUP = '/aws/sagemaker/Endpoints/mlops-test-churn';
export const FUNCTION_NAME = 'mlops-test-sagemaker-log-groups';

/** The environment's logs key, and a key of another environment of the same account. */
export const KEY_ARN = `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/0b7a3c1e-5d2f-4e6a-9b8c-7d6e5f4a3b2c`;
export const OTHER_KEY_ARN = `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f`;

export const RESPONSE_IDS = {
  StackId: STACK_ID,
  RequestId: '0f3e1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
  LogicalResourceId: 'ServingEndpointLogs',
};

/** The properties as CloudFormation passes them: every value a string. */
export function properties(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ServiceToken: `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`,
    ServiceTimeout: '600',
    LogGroupName: LOG_GROUP,
    KmsKeyArn: KEY_ARN,
    RetentionInDays: '90',
    ...overrides,
  };
}

/** A CloudFormation custom resource request of an adopted log group. */
export function request(
  requestType: 'Create' | 'Update' | 'Delete',
  overrides: { properties?: Record<string, unknown>; physicalResourceId?: string } = {},
): Record<string, unknown> {
  return {
    RequestType: requestType,
    ServiceToken: `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`,
    ResponseURL: RESPONSE_URL,
    ...RESPONSE_IDS,
    ResourceType: 'Custom::AdoptedLogGroup',
    ResourceProperties: overrides.properties ?? properties(),
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: overrides.physicalResourceId ?? LOG_GROUP }),
    ...(requestType === 'Update' ? { OldResourceProperties: properties({ RetentionInDays: '30' }) } : {}),
  };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 120_000): Context {
  return contextOf({ functionName: FUNCTION_NAME, remainingMs });
}
