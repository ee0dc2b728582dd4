import { App } from 'aws-cdk-lib';
import { resolveConfig } from '../../../lib/config/loader';
import {
  approvedModelParameterName,
  endpointName,
  modelPackageGroupName,
  modelStackName,
  modelStackPath,
  personaRoleName,
} from '../../../lib/naming';
import { PlatformStack } from '../../../lib/stacks/platform-stack';
import { approveModelVersion } from '../../../tools/approve/approve';
import {
  arnOf,
  CONFIG,
  deps,
  expectNoAwsCalls,
  PARAMETER,
  rejectionOf,
  request,
  resetApproveMocks,
  STACK,
} from './support';

// The target and the model package ARN: names from lib/naming.ts, checks before any AWS call (tools/approve/plan.ts).

beforeEach(resetApproveMocks);

describe('the naming contract', () => {
  test('derives every name from project, environment and model', () => {
    expect(approvedModelParameterName('mlops', 'test', 'churn')).toBe(PARAMETER);
    expect(modelPackageGroupName('mlops', 'test', 'churn')).toBe('mlops-test-churn');
    expect(modelStackName('mlops', 'test', 'churn')).toBe(STACK);
    expect(endpointName('mlops', 'test', 'churn')).toBe('mlops-test-churn');
    expect(modelStackPath('test', 'churn')).toBe('Test/Model-churn');
    // the approver's role, which the command names when a version still needs approval
    expect(personaRoleName('mlops', 'test', 'model-approver')).toBe('mlops-test-model-approver');
  });

  test("names the model's one stack as PlatformStack names it from its construct id", () => {
    // GIVEN
    class Probe extends PlatformStack {}
    const app = new App();
    const envConfig = CONFIG.allEnvironments.find((e) => e.name === 'test');
    if (!envConfig) throw new Error('the test config has a test environment');

    // WHEN
    const model = new Probe(app, 'Model-churn', { project: 'mlops', envConfig });

    // THEN
    expect(model.stackName).toBe(modelStackName('mlops', 'test', 'churn'));
  });
});

describe('checks before any AWS call', () => {
  test.each([
    [
      'a malformed ARN',
      'mlops-test-churn/3',
      `malformed model package ARN "mlops-test-churn/3"; expected arn:<partition>:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>, such as "${arnOf({ version: 1 })}"`,
    ],
    [
      'an ARN without a version',
      arnOf().replace(/\/3$/, ''),
      `malformed model package ARN "${arnOf().replace(/\/3$/, '')}"; expected arn:<partition>:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>, such as "${arnOf({ version: 1 })}"`,
    ],
    [
      'an unknown partition',
      arnOf({ partition: 'aws-mars' }),
      expect.stringMatching(/^malformed model package ARN "arn:aws-mars:sagemaker:/),
    ],
    [
      'the ARN of the model package group',
      ['arn', 'aws', 'sagemaker', 'eu-west-1', '222222222222', 'model-package-group/mlops-test-churn'].join(':'),
      `"${['arn', 'aws', 'sagemaker', 'eu-west-1', '222222222222', 'model-package-group/mlops-test-churn'].join(':')}" is the ARN of a model package group, not of one version; expected a version ARN such as "${arnOf({ version: 1 })}"`,
    ],
    [
      'an ARN of another account',
      arnOf({ account: '111111111111' }),
      `model package ARN "${arnOf({ account: '111111111111' })}" is in account "111111111111"; expected "222222222222", the account of environment "test"`,
    ],
    [
      'an ARN of another region',
      arnOf({ region: 'us-east-1' }),
      `model package ARN "${arnOf({ region: 'us-east-1' })}" is in region "us-east-1"; expected "eu-west-1", the region of environment "test"`,
    ],
    [
      'an ARN of another partition',
      arnOf({ partition: 'aws-cn' }),
      `model package ARN "${arnOf({ partition: 'aws-cn' })}" is in partition "aws-cn"; expected "aws", the partition of region eu-west-1`,
    ],
    [
      'an ARN of another group',
      arnOf({ group: 'mlops-dev-churn' }),
      `model package ARN "${arnOf({ group: 'mlops-dev-churn' })}" is in model package group "mlops-dev-churn"; expected "mlops-test-churn", the group of model "churn" in environment "test"`,
    ],
  ])('%s is rejected with its own message', async (_case, packageArn, message) => {
    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ packageArn }), deps()));

    // THEN
    expect(error.kind).toBe('invalid-request');
    expect(error.message).toEqual(message);
    expectNoAwsCalls();
  });

  test('an ARN wrong in several ways lists every problem', async () => {
    // GIVEN
    const packageArn = arnOf({ account: '333333333333', group: 'mlops-prod-churn' });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ packageArn }), deps()));

    // THEN
    expect(error.message.split('\n')).toEqual([
      expect.stringContaining('is in account "333333333333"; expected "222222222222"'),
      expect.stringContaining('is in model package group "mlops-prod-churn"; expected "mlops-test-churn"'),
    ]);
    expectNoAwsCalls();
  });

  test('an unknown model is named, with the configured models', async () => {
    const error = await rejectionOf(approveModelVersion(request({ model: 'fraud' }), deps()));

    expect(error.kind).toBe('invalid-request');
    expect(error.message).toBe('unknown model "fraud"; configured models: churn');
    expectNoAwsCalls();
  });

  test('a config without models says so', async () => {
    // GIVEN
    const config = resolveConfig({ ...CONFIG.config, models: [] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ config }), deps()));

    // THEN
    expect(error.message).toBe('unknown model "churn": the config has no models; add it under models[]');
    expectNoAwsCalls();
  });

  test('an unknown environment is named, with the configured environments', async () => {
    const error = await rejectionOf(approveModelVersion(request({ environment: 'staging' }), deps()));

    expect(error.kind).toBe('invalid-request');
    expect(error.message).toBe('unknown environment "staging"; configured environments: dev, test, prod');
    expectNoAwsCalls();
  });
});
