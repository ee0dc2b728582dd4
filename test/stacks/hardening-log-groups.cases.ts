import { RESOURCE_TYPE } from '../../lambda/adopted-log-group/log-group';
import { highestImplementedStage } from '../../lib/maturity';
import { endpointLogGroupName, ownsAccountLogGroups, SAGEMAKER_ACCOUNT_LOG_GROUPS } from '../../lib/naming';
import { singleAccountConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  modelPart,
  resourcesOfType,
  synthAtStage,
} from '../support/platform';

// Issue 12, finding 5: the log groups SageMaker creates at run time had no KMS key and no retention.

const ACCOUNT_LOG_GROUPS = Object.values(SAGEMAKER_ACCOUNT_LOG_GROUPS);
const PARTITION = 'aws';
/** Each environment kind's default retention (lib/config/defaults.ts). */
const RETENTION = { Dev: 30, Test: 90, Prod: 365 } as const;

const declaredGroups = (template: CloudFormationTemplate) =>
  Object.entries(resourcesOfType(template, RESOURCE_TYPE)).map(([logicalId, resource]) => ({ logicalId, resource }));

const nameOf = (resource: CloudFormationResource) => resource.Properties?.LogGroupName;

/** The logical id of the Foundation stack's logs key. */
function logsKeyId(foundation: CloudFormationTemplate): string {
  const [id] = Object.entries(resourcesOfType(foundation, 'AWS::KMS::Key')).find(([logicalId]) =>
    logicalId.startsWith('LogsKey'),
  ) ?? [''];
  return id;
}

describe.each([1, 3])('GIVEN the reference fixture at stage %i WHEN synthesized', (maturity) => {
  test.each(['Dev', 'Test', 'Prod'] as const)(
    "THEN %s's Foundation declares SageMaker's job and Studio log groups with its logs key and retention",
    (environment) => {
      // WHEN
      const foundation = synthAtStage(maturity).templateJson(`${environment}/Foundation`);

      // THEN each environment is alone in its account, so each declares the account's groups
      const groups = declaredGroups(foundation);
      expect(groups.map(({ resource }) => nameOf(resource)).sort()).toEqual([...ACCOUNT_LOG_GROUPS].sort());
      expect(ACCOUNT_LOG_GROUPS).toContain('/aws/sagemaker/studio');
      const [functionId] = Object.keys(resourcesOfType(foundation, 'AWS::Lambda::Function'));
      for (const { resource } of groups) {
        expect(resource.Properties).toEqual(
          expect.objectContaining({
            KmsKeyArn: { 'Fn::GetAtt': [logsKeyId(foundation), 'Arn'] },
            RetentionInDays: RETENTION[environment],
            // answered by the environment's own function, which is deployed first
            ServiceToken: expect.stringMatching(
              new RegExp(`:function:mlops-${environment.toLowerCase()}-sagemaker-log-groups$`),
            ),
          }),
        );
        expect(resource.Condition).toBeUndefined();
        expect(resource.DependsOn).toEqual(expect.arrayContaining([functionId]));
      }
    },
  );

  test('THEN the logs key lets CloudWatch Logs use it for every log group of its account and region only', () => {
    // WHEN
    const foundation = synthAtStage(maturity).templateJson('Prod/Foundation');
    const policy = foundation.Resources[logsKeyId(foundation)].Properties?.KeyPolicy as
      | { Statement: Array<Record<string, unknown>> }
      | undefined;
    const statements = policy?.Statement ?? [];

    // THEN
    const logs = statements.find((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs).toEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']),
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${PARTITION}:logs:eu-west-1:333333333333:log-group:*` },
        },
      }),
    );
  });
});

test('GIVEN the reference fixture at stage 2 WHEN synthesized THEN the endpoint log group is declared with the logs key and retention before the endpoint', () => {
  for (const environment of ['Dev', 'Prod'] as const) {
    // WHEN
    const model = synthAtStage(2).templateJson(`${environment}/Model-churn`);
    const serving = modelPart(model, 'Serving');

    // THEN
    const groups = declaredGroups(serving);
    expect(groups).toHaveLength(1);
    const [{ logicalId, resource }] = groups;
    expect(resource).toEqual(
      expect.objectContaining({
        Condition: 'VersionApproved',
        Properties: expect.objectContaining({
          LogGroupName: `/aws/sagemaker/Endpoints/mlops-${environment.toLowerCase()}-churn`,
          RetentionInDays: RETENTION[environment],
        }),
      }),
    );
    // the key is the environment's logs key, read from the Foundation stack
    expect(resource.Properties?.KmsKeyArn).toEqual({
      'Fn::GetStackOutput': expect.objectContaining({
        OutputName: expect.stringMatching(/LogsKey.*Arn/),
        StackName: `mlops-${environment.toLowerCase()}-foundation`,
      }),
    });
    const [endpoint] = Object.values(resourcesOfType(serving, 'AWS::SageMaker::Endpoint'));
    expect(endpoint.DependsOn).toEqual(expect.arrayContaining([logicalId]));
  }
});

test('GIVEN every environment in one account WHEN synthesized THEN only the first environment declares the account-wide log groups, once each', () => {
  // WHEN
  const platform = synthAtStage(highestImplementedStage(), singleAccountConfig);

  // THEN
  const declared = platform.stackPaths.flatMap((stackPath) =>
    declaredGroups(platform.templateJson(stackPath)).map(({ resource }) => ({ stackPath, name: nameOf(resource) })),
  );
  for (const name of ACCOUNT_LOG_GROUPS) {
    expect(declared.filter((d) => d.name === name)).toEqual([{ stackPath: 'Dev/Foundation', name }]);
  }
  // each environment still declares its own endpoints' groups
  const endpoints = declared.filter((d) => String(d.name).startsWith('/aws/sagemaker/Endpoints/'));
  expect(new Set(endpoints.map((d) => d.name)).size).toBe(endpoints.length);
  expect(endpoints.map((d) => d.stackPath).sort()).toEqual(['Dev/Model-churn', 'Prod/Model-churn', 'Test/Model-churn']);
});

describe('the owner of the account-wide log groups (lib/naming.ts)', () => {
  const environments = [
    { environment: 'dev', account: '111111111111', region: 'eu-west-1' },
    { environment: 'test', account: '111111111111', region: 'eu-west-1' },
    { environment: 'dr', account: '111111111111', region: 'eu-central-1' },
    { environment: 'prod', account: '333333333333', region: 'eu-west-1' },
  ];

  test('GIVEN environments sharing accounts and regions WHEN asked THEN only the first of each account and region owns them', () => {
    expect(
      environments.filter((e) => ownsAccountLogGroups(environments, e.environment)).map((e) => e.environment),
    ).toEqual(['dev', 'dr', 'prod']);
    expect(ownsAccountLogGroups(environments, 'unknown')).toBe(false);
  });

  test('GIVEN a model WHEN its endpoint log group is named THEN it is the one SageMaker writes to', () => {
    expect(endpointLogGroupName('mlops', 'prod', 'churn')).toBe('/aws/sagemaker/Endpoints/mlops-prod-churn');
  });
});
