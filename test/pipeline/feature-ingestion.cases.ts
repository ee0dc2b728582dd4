import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { featureGroup } from '../../lib/config/feature-groups';
import { type ResolvedEnvironment, resolveConfig } from '../../lib/config/loader';
import type { FeatureGroupConfig } from '../../lib/config/schema';
import { SecureBucket } from '../../lib/constructs/secure-bucket';
import type { IFeatureStoreQueryEngine, IPlatformFeatureGroup } from '../../lib/feature-store/types';
import {
  type ModelBuildingPipelineProps,
  modelBuildingPipeline,
  type PipelineFeatureStore,
} from '../../lib/pipeline/model-building-pipeline';
import { ModelTraining } from '../../lib/stacks/model/training';
import { NetworkStack } from '../../lib/stacks/network-stack';
import { FIXTURE, MODEL_MONITOR_IMAGE, SKLEARN_IMAGE, XGBOOST_IMAGE } from '../pipeline-definition/sample-pipeline';
import { REPO_ROOT, testApp } from '../support/platform';

/** The sample feature group: the churn customers, their label included. */
const CHURN_FEATURES = [
  ['customer_id', 'string'],
  ['event_time', 'string'],
  ['tenure_months', 'integral'],
  ['monthly_charges', 'fractional'],
  ['total_charges', 'fractional'],
  ['contract', 'string'],
  ['payment_method', 'string'],
  ['internet_service', 'string'],
  ['support_calls', 'integral'],
  ['churned', 'integral'],
] as const;

function churnGroup(overrides: Record<string, unknown> = {}): FeatureGroupConfig {
  return featureGroup.parse({
    name: 'churn-customers',
    recordIdentifier: 'customer_id',
    eventTime: 'event_time',
    features: CHURN_FEATURES.map(([name, type]) => ({ name, type })),
    ...overrides,
  });
}

const STORE: PipelineFeatureStore = {
  featureGroupName: 'mlops-dev-churn-customers',
  recordIdentifier: 'customer_id',
  eventTime: 'event_time',
  features: CHURN_FEATURES.map(([name, type]) => ({ name, type })),
  offlineStoreTable: { database: 'mlops_dev_feature_store', table: 'churn_customers' },
  workGroupName: 'mlops-dev-feature-store',
  region: 'eu-west-1',
};
const VOLUME_KEY = '1111aaaa-11aa-11aa-11aa-111111aaaaaa';
const OUTPUT_KEY = '2222bbbb-22bb-22bb-22bb-222222bbbbbb';

function pipelineProps(featureStore?: PipelineFeatureStore): ModelBuildingPipelineProps {
  return {
    modelName: 'churn',
    roleArn: FIXTURE.roleArn,
    artifactsBucketName: FIXTURE.bucketName,
    inputDataUrl: 's3://mlops-dev-raw/training-data/churn/',
    codeUri: 's3://mlops-dev-assets/code.zip',
    codePackage: 'churn',
    images: { processing: SKLEARN_IMAGE, training: XGBOOST_IMAGE, monitor: MODEL_MONITOR_IMAGE },
    security: {
      volumeKmsKeyArn: VOLUME_KEY,
      outputKmsKeyArn: OUTPUT_KEY,
      subnetIds: ['subnet-1', 'subnet-2'],
      securityGroupIds: ['sg-1'],
    },
    modelPackageGroupName: 'mlops-dev-churn',
    gate: { metric: 'auc', threshold: 0.75 },
    instanceTypes: { processing: 'ml.m5.large', training: 'ml.m5.xlarge', inference: 'ml.m5.large' },
    contentType: 'text/csv',
    featureStore,
  };
}

interface StepJson {
  readonly Name: string;
  readonly Type: string;
  readonly Arguments: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
type Json = any;

function render(featureStore?: PipelineFeatureStore): { Steps: StepJson[]; Parameters: Json[] } {
  return JSON.parse(modelBuildingPipeline(pipelineProps(featureStore)).render());
}

function step(definition: { Steps: StepJson[] }, name: string): Json {
  const found = definition.Steps.find((s) => s.Name === name);
  if (!found) throw new Error(`no step ${name}: ${definition.Steps.map((s) => s.Name).join(', ')}`);
  return found;
}

const outputOf = (stepName: string, output: string) => ({
  Get: `Steps.${stepName}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri`,
});

describe('the model-building pipeline of a model with a feature group', () => {
  const definition = render(STORE);
  const ingest = step(definition, 'IngestFeatures');
  const read = step(definition, 'ReadOfflineStore');

  test('GIVEN a feature group WHEN rendered THEN IngestFeatures and ReadOfflineStore run, in order, before Preprocess', () => {
    expect(definition.Steps.map((s) => `${s.Name}:${s.Type}`).slice(0, 4)).toEqual([
      'IngestFeatures:Processing',
      'ReadOfflineStore:Processing',
      'Preprocess:Processing',
      'Train:Training',
    ]);
  });

  test('THEN IngestFeatures writes the raw data of InputDataUrl to the group, validated against its features', () => {
    expect(ingest.Arguments.ProcessingInputs).toEqual([
      {
        InputName: 'raw',
        S3Input: {
          LocalPath: '/opt/ml/processing/input',
          S3DataType: 'S3Prefix',
          S3InputMode: 'File',
          S3Uri: { Get: 'Parameters.InputDataUrl' },
        },
      },
      expect.objectContaining({ InputName: 'code' }),
    ]);
    const app = ingest.Arguments.AppSpecification;
    expect(app.ContainerEntrypoint).toEqual([
      'bash',
      '-c',
      'set -e; python3 -m zipfile -e /opt/ml/processing/code/*.zip /opt/ml/processing/source && exec python3 /opt/ml/processing/source/mlops_shared/ingest.py "$@"',
      'ingest.py',
    ]);
    expect(app.ContainerArguments).toEqual([
      ...['--input', '/opt/ml/processing/input', '--output', '/opt/ml/processing/manifest'],
      ...['--feature-group', 'mlops-dev-churn-customers', '--region', 'eu-west-1'],
      ...['--record-identifier', 'customer_id', '--event-time-feature', 'event_time'],
      '--features',
      ...CHURN_FEATURES.map(([name, type]) => `${name}:${type}`),
    ]);
    expect(ingest.Arguments.ProcessingOutputConfig.Outputs).toEqual([
      {
        OutputName: 'manifest',
        S3Output: {
          LocalPath: '/opt/ml/processing/manifest',
          S3UploadMode: 'EndOfJob',
          S3Uri: {
            'Std:Join': {
              On: '/',
              Values: [
                `s3://${FIXTURE.bucketName}`,
                'pipelines',
                'churn',
                { Get: 'Execution.PipelineExecutionId' },
                'features',
                'manifest',
              ],
            },
          },
        },
      },
    ]);
  });

  test("THEN ReadOfflineStore reads IngestFeatures' manifest and queries the group's table in the workgroup", () => {
    expect(read.Arguments.ProcessingInputs[0]).toEqual({
      InputName: 'manifest',
      S3Input: {
        LocalPath: '/opt/ml/processing/manifest',
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3Uri: outputOf('IngestFeatures', 'manifest'),
      },
    });
    expect(read.Arguments.AppSpecification.ContainerEntrypoint[2]).toContain('/mlops_shared/offline_store.py "$@"');
    expect(read.Arguments.AppSpecification.ContainerArguments).toEqual([
      ...['--manifest', '/opt/ml/processing/manifest', '--output', '/opt/ml/processing/snapshot'],
      ...['--database', 'mlops_dev_feature_store', '--table', 'churn_customers'],
      ...['--workgroup', 'mlops-dev-feature-store', '--region', 'eu-west-1'],
    ]);
    expect(read.Arguments.ProcessingOutputConfig.Outputs.map((o: Json) => o.OutputName)).toEqual(['snapshot']);
  });

  test("THEN Preprocess prepares ReadOfflineStore's snapshot instead of the raw data", () => {
    const [raw] = step(definition, 'Preprocess').Arguments.ProcessingInputs;
    expect(raw).toMatchObject({ InputName: 'raw', S3Input: { S3Uri: outputOf('ReadOfflineStore', 'snapshot') } });
  });

  test('THEN both jobs run in the VPC with KMS-encrypted volumes and outputs, without network isolation, which every other job keeps', () => {
    for (const job of [ingest, read]) {
      expect(job.Arguments.NetworkConfig).toEqual({
        EnableInterContainerTrafficEncryption: true,
        EnableNetworkIsolation: false,
        VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] },
      });
      expect(job.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toBe(VOLUME_KEY);
      expect(job.Arguments.ProcessingOutputConfig.KmsKeyId).toBe(OUTPUT_KEY);
      expect(job.Arguments.RoleArn).toBe(FIXTURE.roleArn);
    }
    const others = definition.Steps.filter(
      (s) => s.Type === 'Processing' && !['IngestFeatures', 'ReadOfflineStore'].includes(s.Name),
    );
    expect(others.map((s) => s.Name)).toEqual(['Preprocess', 'RecordArtifactDigests', 'Evaluate']);
    for (const other of others) expect((other.Arguments as Json).NetworkConfig.EnableNetworkIsolation).toBe(true);
  });

  test('THEN every other step is the one the pipeline has without a feature group', () => {
    const without = render();
    const withGroup = definition.Steps.slice(2);
    const preprocess = JSON.parse(JSON.stringify(withGroup[0]));
    preprocess.Arguments.ProcessingInputs[0].S3Input.S3Uri = { Get: 'Parameters.InputDataUrl' };
    expect([preprocess, ...withGroup.slice(1)]).toEqual(without.Steps);
    expect(definition.Parameters).toEqual(without.Parameters);
  });
});

describe('the model-building pipeline without a feature group', () => {
  test('GIVEN no feature group WHEN rendered THEN there is no feature store step and Preprocess reads InputDataUrl', () => {
    const definition = render();
    expect(definition.Steps.map((s) => s.Name)).not.toEqual(expect.arrayContaining(['IngestFeatures']));
    expect(definition.Steps[0].Name).toBe('Preprocess');
    expect((definition.Steps[0].Arguments as Json).ProcessingInputs[0].S3Input.S3Uri).toEqual({
      Get: 'Parameters.InputDataUrl',
    });
  });
});

describe('feature store props', () => {
  test('GIVEN definitions SageMaker would refuse WHEN the pipeline is built THEN it throws once with every problem', () => {
    const store: PipelineFeatureStore = {
      ...STORE,
      recordIdentifier: 'id',
      eventTime: 'tenure_months',
      features: [...STORE.features, { name: 'is_deleted', type: 'integral' }, { name: 'churned', type: 'string' }],
    };
    expect(() => modelBuildingPipeline(pipelineProps(store))).toThrow(
      'model "churn": invalid feature store ingestion: duplicate features "churned"; ' +
        'feature "is_deleted" has a name that Feature Store reserves for the offline store; ' +
        'record identifier "id" is not one of the features (customer_id, event_time, tenure_months, monthly_charges, ' +
        'total_charges, contract, payment_method, internet_service, support_calls, churned, is_deleted, churned); ' +
        'event time "tenure_months" has type "integral", expected string or fractional',
    );
  });

  test('GIVEN more features than container arguments hold WHEN the pipeline is built THEN it says so', () => {
    const withFeatures = (count: number, featureGroupName = STORE.featureGroupName): PipelineFeatureStore => ({
      ...STORE,
      featureGroupName,
      features: [
        ...STORE.features.slice(0, 2),
        ...Array.from({ length: count - 2 }, (_, i) => ({ name: `f${i}`, type: 'fractional' as const })),
      ],
    });
    // 13 arguments besides the features: 87 features fill the 100 arguments of a processing job
    expect(() => modelBuildingPipeline(pipelineProps(withFeatures(87)))).not.toThrow();
    expect(() => modelBuildingPipeline(pipelineProps(withFeatures(88, 'x'.repeat(257))))).toThrow(
      /: 88 features need 101 container arguments, more than the 100 a processing job takes; argument "x{257}" is longer than 256 characters$/,
    );
  });
});

/** A feature group as the feature store stack will provide it; records each grant. */
class FakeFeatureGroup implements IPlatformFeatureGroup {
  readonly featureGroupName = 'mlops-dev-churn-customers';
  readonly featureGroupArn: string;
  readonly offlineStoreTable = { database: 'mlops_dev_feature_store', table: 'churn_customers' };
  readonly grants: [string, iam.IGrantable][] = [];

  constructor(
    private readonly scope: Stack,
    readonly definition: FeatureGroupConfig,
    private readonly offlineBucket: s3.IBucket,
  ) {
    this.featureGroupArn = scope.formatArn({
      service: 'sagemaker',
      resource: 'feature-group',
      resourceName: this.featureGroupName,
    });
  }

  grantWrite(grantee: iam.IGrantable): iam.Grant {
    this.grants.push(['grantWrite', grantee]);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:PutRecord'],
      resourceArns: [this.featureGroupArn],
    });
  }

  grantRead(grantee: iam.IGrantable): iam.Grant {
    this.grants.push(['grantRead', grantee]);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:GetRecord'],
      resourceArns: [this.featureGroupArn],
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['s3:GetObject'],
          resourceArns: [this.offlineBucket.arnForObjects('feature-store/churn-customers/*')],
        }),
      )
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['glue:GetTable'],
          resourceArns: [
            this.scope.formatArn({
              service: 'glue',
              resource: 'table',
              resourceName: 'mlops_dev_feature_store/churn_customers',
            }),
          ],
        }),
      );
  }
}

class FakeQueryEngine implements IFeatureStoreQueryEngine {
  readonly workGroupName = 'mlops-dev-feature-store';
  readonly grants: [string, iam.IGrantable][] = [];

  constructor(
    private readonly scope: Stack,
    private readonly resultsBucket: s3.IBucket,
  ) {}

  grantQuery(grantee: iam.IGrantable): iam.Grant {
    this.grants.push(['grantQuery', grantee]);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
      resourceArns: [
        this.scope.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName }),
      ],
    }).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject', 's3:PutObject'],
        resourceArns: [this.resultsBucket.arnForObjects('athena-results/*')],
      }),
    );
  }
}

const ENV = { account: '111111111111', region: 'eu-west-1' };

function environment(): ResolvedEnvironment {
  const config = resolveConfig(
    {
      project: 'mlops',
      environments: [{ name: 'dev', ...ENV }],
      models: [
        {
          name: 'churn',
          serving: 'realtime',
          container: { framework: 'xgboost', version: '1.7-1' },
          contentTypes: ['text/csv'],
          environments: { dev: { serverless: false } },
        },
      ],
    },
    { maturity: 3 },
    'test config',
    REPO_ROOT,
  );
  return config.environments[0];
}

/** The training part of churn's model stack, with fakes of the feature store; network, keys and buckets from a shared stack. */
function givenATrainingStack(options: { featureStore?: boolean; group?: FeatureGroupConfig } = {}) {
  const app = testApp();
  const shared = new Stack(app, 'Shared', { env: ENV });
  const vpc = new ec2.Vpc(shared, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const key = (id: string) => new kms.Key(shared, id, { enableKeyRotation: true });
  const [dataKey, artifactsKey, logsKey] = [key('DataKey'), key('ArtifactsKey'), key('LogsKey')];
  const accessLogs = new SecureBucket(shared, 'AccessLogs', {});
  const bucket = (id: string, encryptionKey: kms.IKey) =>
    new SecureBucket(shared, id, { encryptionKey, serverAccessLogsBucket: accessLogs });
  const [rawDataBucket, curatedDataBucket] = [bucket('Raw', dataKey), bucket('Curated', dataKey)];
  const artifactsBucket = bucket('Artifacts', artifactsKey);
  const envConfig = environment();
  const group = new FakeFeatureGroup(shared, options.group ?? churnGroup(), curatedDataBucket);
  const queryEngine = new FakeQueryEngine(shared, artifactsBucket);
  const stack = new Stack(app, 'Model-churn', { env: ENV });
  const training = new ModelTraining(stack, 'Training', {
    project: 'mlops',
    envConfig,
    model: envConfig.models[0],
    removalPolicy: RemovalPolicy.DESTROY,
    vpc,
    workloadSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    workloadSecurityGroup: new ec2.SecurityGroup(shared, 'Workload', { vpc, allowAllOutbound: false }),
    dataKey,
    artifactsKey,
    logsKey,
    rawDataBucket,
    curatedDataBucket,
    artifactsBucket,
    alertsTopic: new sns.Topic(shared, 'Alerts', { masterKey: logsKey, enforceSSL: true }),
    featureStore: (options.featureStore ?? true) ? { featureGroup: group, queryEngine } : undefined,
  });
  return { app, stack, training, group, queryEngine };
}

/** The statements of the pipeline's execution role. */
function roleStatements(template: Template): Json[] {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  return policies
    .filter((p: Json) => JSON.stringify(p.Properties.Roles).includes('PipelineExecutionRole'))
    .flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: Json[]) => statements.flatMap((s) => [s.Action].flat());

describe('a training stack with a feature store', () => {
  const { app, stack, training, group, queryEngine } = givenATrainingStack();
  const template = Template.fromStack(stack);

  test('THEN the pipeline ingests into the group and trains on its offline store', () => {
    const body = JSON.stringify(template.findResources('AWS::SageMaker::Pipeline'));
    for (const text of [
      'IngestFeatures',
      'ReadOfflineStore',
      'mlops-dev-churn-customers',
      'mlops_dev_feature_store',
      'churn_customers',
      'mlops-dev-feature-store',
      'customer_id:string',
    ]) {
      expect(body).toContain(text);
    }
  });

  test('THEN the execution role gets exactly the write, read and query grants, once each', () => {
    // all three go to one grantee: the execution role, through its separate feature store policy
    const grants = [...group.grants, ...queryEngine.grants];
    expect(grants.map(([method]) => method)).toEqual(['grantWrite', 'grantRead', 'grantQuery']);
    const grantees = new Set(grants.map(([, grantee]) => grantee));
    expect(grantees.size).toBe(1);
    const [grantee] = grantees;
    expect(String(grantee.grantPrincipal)).toBe(`${training.trainingPipeline.role.node.path} (FeatureStorePolicy)`);
    const featureStorePolicy = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) =>
      id.includes('FeatureStorePolicy'),
    );
    expect(featureStorePolicy).toHaveLength(1);
    const featureStoreActions = actionsOf(roleStatements(template)).filter((a) =>
      /^(sagemaker:(Put|Get)Record|glue:|athena:)/.test(a),
    );
    expect(featureStoreActions.sort()).toEqual([
      'athena:GetQueryExecution',
      'athena:StartQueryExecution',
      'glue:GetTable',
      'sagemaker:GetRecord',
      'sagemaker:PutRecord',
    ]);
  });

  test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing in the stack', () => {
    app.synth();
    const violations = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    );
    expect(violations).toEqual([]);
  });
});

describe('a training stack without a feature store', () => {
  test('THEN the role has no feature store permission and the pipeline no feature store step', () => {
    const { stack, group, queryEngine } = givenATrainingStack({ featureStore: false });
    const template = Template.fromStack(stack);
    expect([...group.grants, ...queryEngine.grants]).toEqual([]);
    expect(actionsOf(roleStatements(template)).filter((a) => /^(sagemaker:PutRecord|athena:|glue:)/.test(a))).toEqual(
      [],
    );
    expect(JSON.stringify(template.findResources('AWS::SageMaker::Pipeline'))).not.toContain('IngestFeatures');
  });

  test('GIVEN a group without an offline store THEN the stack refuses to train from it', () => {
    expect(() => givenATrainingStack({ group: churnGroup({ offlineStore: { enabled: false } }) })).toThrow(
      'model "churn" trains from feature group "churn-customers", which has no offline store',
    );
  });
});

describe('the network of the feature store', () => {
  function endpointServices(capabilities: (set: Set<string>) => void): string[] {
    const app = testApp();
    const base = environment();
    const set = new Set<string>(base.maturity.capabilities);
    capabilities(set);
    const envConfig = { ...base, maturity: { ...base.maturity, capabilities: set } } as ResolvedEnvironment;
    const foundation = new Stack(app, 'Foundation', { env: ENV });
    const network = new NetworkStack(app, 'Network', {
      project: 'mlops',
      envConfig,
      env: ENV,
      logsKey: new kms.Key(foundation, 'LogsKey', { enableKeyRotation: true }),
    });
    const endpoints = Template.fromStack(network).findResources('AWS::EC2::VPCEndpoint');
    return Object.values(endpoints).map((e: Json) => JSON.stringify(e.Properties.ServiceName));
  }

  test('GIVEN the feature store capability THEN the VPC also gets the Feature Store runtime and Athena endpoints', () => {
    const without = endpointServices((set) => set.delete('featureStore'));
    const withStore = endpointServices((set) => set.add('featureStore'));
    expect(withStore).toEqual(expect.arrayContaining(without));
    const added = withStore.filter((s) => !without.includes(s));
    expect(added).toHaveLength(2);
    expect(added.join(' ')).toContain('.sagemaker.featurestore-runtime');
    expect(added.join(' ')).toContain('.athena');
    expect(without.join(' ')).not.toMatch(/athena|featurestore/);
  });
});
