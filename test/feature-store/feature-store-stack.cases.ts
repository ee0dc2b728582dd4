import { App, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { enforceCompliance } from '../../lib/compliance/nag-packs';
import { failedValidations } from '../../lib/compliance/report';
import { resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { PlatformFeatureGroup } from '../../lib/constructs/feature-group';
import { PlatformRole } from '../../lib/constructs/platform-role';
import { FeatureStoreStack } from '../../lib/stacks/feature-store-stack';
import { FoundationStack } from '../../lib/stacks/foundation-stack';
import { applyPlatformTags } from '../../lib/tagging';
import { threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  cdkJsonContext,
  resourcesOfType,
  testApp,
} from '../support/platform';

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;

/**
 * The reference fixture (with churn-customers) plus an online-only InMemory group with a TTL and tags, and an extra
 * cost tag that must stay off feature groups.
 */
function testConfig(): PlatformConfigInput {
  const input = threeEnvironmentConfig();
  return {
    ...input,
    tags: { 'cost-center': 'ml-42' },
    featureGroups: [
      ...(input.featureGroups ?? []),
      {
        name: 'churn-sessions',
        recordIdentifier: 'session_id',
        eventTime: 'event_time',
        features: [
          { name: 'session_id', type: 'integral' },
          { name: 'event_time', type: 'fractional' },
          { name: 'clicks', type: 'integral' },
        ],
        onlineStore: { enabled: true, storageType: 'InMemory', ttl: { value: 7, unit: 'Days' } },
        offlineStore: { enabled: false },
        tags: { team: 'retention' },
      },
    ],
  };
}

interface Synthesized {
  readonly stacks: ReadonlyMap<string, FeatureStoreStack>;
  readonly templates: ReadonlyMap<string, CloudFormationTemplate>;
  /** Template of the Dev stack whose roles read, write and query the store. */
  readonly consumers: CloudFormationTemplate;
  readonly violations: readonly string[];
}

/**
 * Every environment as the platform builds it, with the compliance packs and CloudFormation's template
 * validation on (the full cdk.json context), plus a Dev stack whose roles read, write and query the store.
 */
function synthesize(): Synthesized {
  const config = resolveConfig(testConfig());
  const app = new App({ context: { ...cdkJsonContext(), '@aws-cdk/core:failSynthOnValidationErrors': false } });
  const stacks = new Map<string, FeatureStoreStack>();
  let consumer: Stack | undefined;
  for (const environment of config.environments) {
    const stage = new Stage(app, environment.stageId, {
      env: { account: environment.account, region: environment.region },
    });
    const base = { project: config.project, envConfig: environment };
    const foundation = new FoundationStack(stage, 'Foundation', base);
    const store = new FeatureStoreStack(stage, 'FeatureStore', {
      ...base,
      curatedDataBucket: foundation.curatedDataBucket,
      artifactsBucket: foundation.artifactsBucket,
      dataKey: foundation.dataKey,
      artifactsKey: foundation.artifactsKey,
    });
    stacks.set(environment.stageId, store);
    if (environment.kind === 'dev') consumer = consumerStack(stage, store);
    applyPlatformTags(stage, { project: config.project, environment: environment.name, extraTags: config.tags });
  }
  enforceCompliance(app);
  const assembly = app.synth();
  const templates = new Map<string, CloudFormationTemplate>();
  for (const [stageId, stack] of stacks) {
    templates.set(
      stageId,
      assembly.getNestedAssembly(`assembly-${stageId}`).getStackArtifact(stack.artifactId).template,
    );
  }
  const consumers = assembly.getNestedAssembly('assembly-Dev').getStackArtifact((consumer as Stack).artifactId)
    .template as CloudFormationTemplate;
  return { stacks, templates, consumers, violations: failedValidations(assembly.directory) };
}

/** A stack like the training pipeline's: one role reads and queries, one writes. */
function consumerStack(stage: Stage, store: FeatureStoreStack): Stack {
  const stack = new Stack(stage, 'Consumer');
  const group = store.groups.get('churn-customers') as PlatformFeatureGroup;
  const reader = new PlatformRole(stack, 'Reader', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: 'Reads training data from the feature store',
  });
  reader.justifyGrant(group.grantRead(reader), 'reads the Parquet and Iceberg files under one offline store prefix');
  reader.justifyGrant(store.queryEngine.grantQuery(reader), 'Athena writes query results with generated names');
  const writer = new PlatformRole(stack, 'Writer', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: 'Ingests records into the feature store',
  });
  group.grantWrite(writer);
  return stack;
}

let cached: Synthesized | undefined;
const synthesized = (): Synthesized => {
  cached ??= synthesize();
  return cached;
};
const templateOf = (env: (typeof ENVIRONMENTS)[number]) => synthesized().templates.get(env) as CloudFormationTemplate;

function featureGroup(env: (typeof ENVIRONMENTS)[number], name: string): CloudFormationResource {
  const found = Object.values(resourcesOfType(templateOf(env), 'AWS::SageMaker::FeatureGroup')).find(
    (r) => r.Properties?.FeatureGroupName === name,
  );
  if (!found) throw new Error(`no feature group ${name} in ${env}`);
  return found;
}

/** A value the stack reads from the foundation stack, e.g. the data key's ARN. */
const fromFoundation = (outputPrefix: string) => ({
  'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(`^PublishOutput${outputPrefix}`) }),
});
const DATA_KEY_ARN = fromFoundation('FnGetAttDataKey\\w*Arn');

/** The same reference as a policy document holds it, for plain `expect` comparisons. */
const inFoundation = (environment: string, output: RegExp) => ({
  'Fn::GetStackOutput': {
    StackName: `mlops-${environment}-foundation`,
    Region: 'eu-west-1',
    OutputName: expect.stringMatching(output),
  },
});
const DATA_KEY = /^PublishOutputFnGetAttDataKey\w*Arn/;
const CURATED_BUCKET = /^PublishOutputFnGetAttCuratedDataBucket\w*Arn/;

/** The partition of eu-west-1, the region of every account in the test config. */
const PARTITION = 'aws';
const arn = (service: string, account: string, resource: string) =>
  `arn:${PARTITION}:${service}:eu-west-1:${account}:${resource}`;

function statementsOf(template: CloudFormationTemplate, logicalIdPrefix: string): unknown[] {
  const policy = Object.entries(resourcesOfType(template, 'AWS::IAM::ManagedPolicy')).find(([id]) =>
    id.startsWith(logicalIdPrefix),
  );
  if (!policy) throw new Error(`no managed policy ${logicalIdPrefix}`);
  const document = policy[1].Properties?.PolicyDocument as { Statement: unknown[] } | undefined;
  return document?.Statement ?? [];
}

/** Every key of an object, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => (key.startsWith('Fn::') ? [] : [key, ...keysOf(child)]));
}

describe('GIVEN every environment with the feature store, compliance packs and template validation on', () => {
  test('THEN there is no unacknowledged cdk-nag finding and no template validation error', () => {
    expect(synthesized().violations).toEqual([]);
  });

  test('THEN each group is named <project>-<env>-<group> and keyed by its name, with logical ids from the name', () => {
    expect([...(synthesized().stacks.get('Prod')?.groups.keys() ?? [])]).toEqual(['churn-customers', 'churn-sessions']);
    const ids = Object.keys(resourcesOfType(templateOf('Prod'), 'AWS::SageMaker::FeatureGroup'));
    expect(ids).toEqual([
      expect.stringMatching(/^churncustomers[0-9A-F]{8}$/),
      expect.stringMatching(/^churnsessions/),
    ]);
    expect(featureGroup('Prod', 'mlops-prod-churn-customers').Properties).toMatchObject({
      RecordIdentifierFeatureName: 'customer_id',
      EventTimeFeatureName: 'event_time',
    });
  });

  test('THEN both stores are encrypted with the data key', () => {
    Template.fromJSON(templateOf('Test')).hasResourceProperties('AWS::SageMaker::FeatureGroup', {
      FeatureGroupName: 'mlops-test-churn-customers',
      OnlineStoreConfig: {
        EnableOnlineStore: true,
        StorageType: 'Standard',
        SecurityConfig: { KmsKeyId: DATA_KEY_ARN },
      },
      OfflineStoreConfig: Match.objectLike({ S3StorageConfig: Match.objectLike({ KmsKeyId: DATA_KEY_ARN }) }),
    });
  });

  test('THEN the store configs, which aws-cdk-lib passes through untyped, use PascalCase keys only', () => {
    for (const env of ENVIRONMENTS) {
      for (const group of Object.values(resourcesOfType(templateOf(env), 'AWS::SageMaker::FeatureGroup'))) {
        const keys = keysOf([group.Properties?.OnlineStoreConfig, group.Properties?.OfflineStoreConfig]);
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((key) => !/^[A-Z][A-Za-z0-9]*$/.test(key))).toEqual([]);
      }
    }
  });

  test("THEN the offline store is an Iceberg table of known name over the group's prefix of the curated bucket", () => {
    expect(featureGroup('Dev', 'mlops-dev-churn-customers').Properties?.OfflineStoreConfig).toEqual({
      S3StorageConfig: {
        S3Uri: {
          'Fn::Join': [
            '',
            ['s3://', inFoundation('dev', /^PublishOutputRefCuratedDataBucket/), '/feature-store/churn-customers/'],
          ],
        },
        KmsKeyId: inFoundation('dev', DATA_KEY),
      },
      TableFormat: 'Iceberg',
      DisableGlueTableCreation: false,
      DataCatalogConfig: {
        Catalog: 'AwsDataCatalog',
        Database: 'mlops_dev_feature_store',
        TableName: 'churn_customers',
      },
    });
    const group = synthesized().stacks.get('Dev')?.groups.get('churn-customers');
    expect(group?.offlineStoreTable).toEqual({ database: 'mlops_dev_feature_store', table: 'churn_customers' });
    Template.fromJSON(templateOf('Dev')).hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: Match.objectLike({ Name: 'mlops_dev_feature_store' }),
    });
  });

  test('THEN an online-only InMemory group has its tier, TTL and key, and no offline store or role', () => {
    const sessions = featureGroup('Prod', 'mlops-prod-churn-sessions').Properties;
    expect(sessions?.OnlineStoreConfig).toEqual({
      EnableOnlineStore: true,
      StorageType: 'InMemory',
      SecurityConfig: { KmsKeyId: inFoundation('prod', DATA_KEY) },
      TtlDuration: { Unit: 'Days', Value: 7 },
    });
    expect(sessions?.OfflineStoreConfig).toBeUndefined();
    expect(sessions?.RoleArn).toBeUndefined();
    const roles = Object.keys(resourcesOfType(templateOf('Prod'), 'AWS::IAM::Role'));
    expect(roles).toEqual([expect.stringMatching(/^churncustomersOfflineStoreRole/)]);
  });

  test('THEN a group carries its own tags and the platform tags, but not the extra tags from config', () => {
    const tags = featureGroup('Prod', 'mlops-prod-churn-sessions').Properties?.Tags as Array<{ Key: string }>;
    expect(tags.map((t) => t.Key).sort()).toEqual(['environment', 'project', 'team']);
  });

  test.each([
    ['Dev', 'Delete'],
    ['Test', 'Retain'],
    ['Prod', 'Retain'],
  ] as const)('THEN in %s the feature groups and the Glue database have DeletionPolicy %s', (env, policy) => {
    const template = templateOf(env);
    const stateful = [
      ...Object.values(resourcesOfType(template, 'AWS::SageMaker::FeatureGroup')),
      ...Object.values(resourcesOfType(template, 'AWS::Glue::Database')),
    ];
    expect(stateful).toHaveLength(3);
    for (const resource of stateful)
      expect(resource).toMatchObject({ DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });

  test('THEN the offline store role may write only its prefix, use only the data key and update only its table', () => {
    expect(statementsOf(templateOf('Prod'), 'churncustomersOfflineStoreRolePolicy')).toEqual([
      { Effect: 'Allow', Action: 's3:GetBucketAcl', Resource: inFoundation('prod', CURATED_BUCKET) },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:PutObjectAcl'],
        Resource: { 'Fn::Join': ['', [inFoundation('prod', CURATED_BUCKET), '/feature-store/churn-customers/*']] },
      },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: inFoundation('prod', DATA_KEY) },
      {
        Effect: 'Allow',
        Action: ['glue:GetTable', 'glue:UpdateTable'],
        Resource: [
          arn('glue', '333333333333', 'catalog'),
          arn('glue', '333333333333', 'database/mlops_prod_feature_store'),
          arn('glue', '333333333333', 'table/mlops_prod_feature_store/churn_customers'),
        ],
      },
    ]);
    Template.fromJSON(templateOf('Prod')).hasResource('AWS::SageMaker::FeatureGroup', {
      Properties: Match.objectLike({
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^churncustomersOfflineStoreRole'), 'Arn'] },
      }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^churncustomersOfflineStoreRolePolicy')]),
    });
  });

  test('THEN the Athena workgroup enforces KMS-encrypted results, the pinned engine and a bytes-scanned cutoff', () => {
    Template.fromJSON(templateOf('Dev')).hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'mlops-dev-feature-store',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        RequesterPaysEnabled: false,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', fromFoundation('RefArtifactsBucket'), '/athena-results/']] },
          ExpectedBucketOwner: '111111111111',
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: fromFoundation('FnGetAttArtifactsKey\\w*Arn'),
          },
        },
      },
    });
    expect(synthesized().stacks.get('Dev')?.queryEngine.workGroupName).toBe('mlops-dev-feature-store');
    // outside dev, deleting the workgroup fails rather than delete saved queries
    Template.fromJSON(templateOf('Prod')).hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'mlops-prod-feature-store',
      RecursiveDeleteOption: false,
    });
  });
});

describe('GIVEN a reader and a writer of churn-customers in another stack', () => {
  const reader = () => statementsOf(synthesized().consumers, 'ReaderPolicy');
  const writer = () => statementsOf(synthesized().consumers, 'WriterPolicy');
  const groupArn = arn('sagemaker', '111111111111', 'feature-group/mlops-dev-churn-customers');

  test('THEN the writer may put, delete and describe records of that one group, with the data key', () => {
    expect(writer()).toEqual([
      {
        Effect: 'Allow',
        Action: ['sagemaker:DeleteRecord', 'sagemaker:DescribeFeatureGroup', 'sagemaker:PutRecord'],
        Resource: groupArn,
      },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: inFoundation('dev', DATA_KEY),
      },
    ]);
  });

  test('THEN the reader may read that group online and offline: its prefix, its table, the data key, nothing more', () => {
    const statements = reader();
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['sagemaker:BatchGetRecord', 'sagemaker:DescribeFeatureGroup', 'sagemaker:GetRecord'],
          Resource: groupArn,
        },
        expect.objectContaining({ Action: 'kms:Decrypt' }),
        expect.objectContaining({
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': 'feature-store/churn-customers/*' } },
        }),
        {
          Effect: 'Allow',
          Action: ['glue:GetDatabase', 'glue:GetPartitions', 'glue:GetTable'],
          Resource: [
            arn('glue', '111111111111', 'catalog'),
            arn('glue', '111111111111', 'database/mlops_dev_feature_store'),
            arn('glue', '111111111111', 'table/mlops_dev_feature_store/churn_customers'),
          ],
        },
      ]),
    );
    // no writes to the store or the catalog (only query results), and no wildcard action
    const actions = statements.flatMap((s) => [(s as { Action: string | string[] }).Action].flat());
    expect(actions.filter((a) => a.includes('*') || /^(sagemaker|glue):(Put|Delete|Update|Create)/.test(a))).toEqual(
      [],
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [inFoundation('dev', CURATED_BUCKET), '/feature-store/churn-customers/*']] },
    });
  });

  test('THEN the query grant covers the workgroup and the results prefix only', () => {
    expect(reader()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: expect.arrayContaining(['athena:StartQueryExecution', 'athena:GetQueryResults']),
          Resource: arn('athena', '111111111111', 'workgroup/mlops-dev-feature-store'),
        }),
        expect.objectContaining({
          Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [expect.anything(), '/athena-results/*']] },
        }),
      ]),
    );
  });
});

describe('template validation of the full cdk.json context', () => {
  test('GIVEN a store config with camelCase keys THEN synth reports it, so the PascalCase test above has teeth', () => {
    // GIVEN
    const app = new App({ context: { ...cdkJsonContext(), '@aws-cdk/core:failSynthOnValidationErrors': false } });
    const stack = new Stack(app, 'Camel', { env: { account: '111111111111', region: 'eu-west-1' } });
    new sagemaker.CfnFeatureGroup(stack, 'Group', {
      featureGroupName: 'camel',
      recordIdentifierFeatureName: 'id',
      eventTimeFeatureName: 'time',
      featureDefinitions: [
        { featureName: 'id', featureType: 'String' },
        { featureName: 'time', featureType: 'String' },
      ],
      onlineStoreConfig: { enableOnlineStore: true },
    });

    // WHEN
    const violations = failedValidations(app.synth().directory);

    // THEN
    expect(violations).toContain('F3002 at Camel/Group');
  });
});

describe('PlatformFeatureGroup props', () => {
  test('GIVEN a bad name, prefix and table THEN every problem is listed at once', () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    const definition = resolveConfig(threeEnvironmentConfig()).config.featureGroups[0];
    expect(
      () =>
        new PlatformFeatureGroup(stack, 'Group', {
          definition: definition as NonNullable<typeof definition>,
          featureGroupName: `a-${'b'.repeat(63)}`,
          encryptionKey: new kms.Key(stack, 'Key'),
          offlineStoreBucket: new s3.Bucket(stack, 'Bucket'),
          offlineStorePrefix: '/features',
          databaseName: 'Feature-Store',
        }),
    ).toThrow(
      [
        "invalid feature group 'S/Group':",
        "- featureGroupName must be at most 64 characters, got 'a-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' (65)",
        "- offlineStorePrefix must be a folder without a leading '/' and ending in '/', got '/features'",
        "- databaseName must be lowercase letters, digits and underscores, got 'Feature-Store'",
      ].join('\n'),
    );
  });
});
