import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IgnoreMode, IgnoreStrategy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { resolveConfig } from '../../lib/config/loader';
import { frameworkImageUri } from '../../lib/pipeline/images';
import { type ModelBuildingPipelineProps, modelBuildingPipeline } from '../../lib/pipeline/model-building-pipeline';
import { MAX_CONTAINER_ARGUMENT_LENGTH, trainingRecipe } from '../../lib/pipeline/training-recipes';
import { codeAssetExcludes, ModelTraining } from '../../lib/stacks/model/training';
import { FIXTURE, MODEL_MONITOR_IMAGE, SKLEARN_IMAGE, XGBOOST_IMAGE } from '../pipeline-definition/sample-pipeline';
import { REPO_ROOT, testApp } from '../support/platform';

const CODE_URI = 's3://mlops-dev-assets/code.zip';
const SKLEARN_TRAINING_IMAGE = frameworkImageUri('sklearn', '1.2-1', 'us-east-1');

function pipelineProps(overrides: Partial<ModelBuildingPipelineProps> = {}): ModelBuildingPipelineProps {
  return {
    modelName: 'upsell',
    roleArn: FIXTURE.roleArn,
    artifactsBucketName: FIXTURE.bucketName,
    inputDataUrl: 's3://mlops-dev-raw/training-data/upsell/',
    codeUri: CODE_URI,
    codePackage: 'upsell',
    framework: 'sklearn',
    images: { processing: SKLEARN_IMAGE, training: SKLEARN_TRAINING_IMAGE, monitor: MODEL_MONITOR_IMAGE },
    security: {
      volumeKmsKeyArn: 'volume-key',
      outputKmsKeyArn: 'output-key',
      subnetIds: ['subnet-1', 'subnet-2'],
      securityGroupIds: ['sg-1'],
    },
    modelPackageGroupName: 'mlops-dev-upsell',
    gate: { metric: 'auc', threshold: 0.75 },
    instanceTypes: { processing: 'ml.m5.large', training: 'ml.m5.xlarge', inference: 'ml.m5.large' },
    spotTraining: true,
    contentType: 'text/csv',
    ...overrides,
  };
}

interface StepJson {
  readonly Name: string;
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly Arguments: any;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly [key: string]: any;
}

/** Every step, the ones inside the condition step included. */
function steps(props: ModelBuildingPipelineProps): StepJson[] {
  const rendered = JSON.parse(modelBuildingPipeline(props).render());
  const all: StepJson[] = [];
  const visit = (list: StepJson[]) => {
    for (const s of list) {
      all.push(s);
      visit([...(s.Arguments?.IfSteps ?? []), ...(s.Arguments?.ElseSteps ?? [])]);
    }
  };
  visit(rendered.Steps);
  return all;
}

function step(list: StepJson[], name: string): StepJson {
  const found = list.find((s) => s.Name === name);
  if (!found) throw new Error(`no step ${name}: ${list.map((s) => s.Name).join(', ')}`);
  return found;
}

const PREDICTOR_ENVIRONMENT = {
  SAGEMAKER_PROGRAM: 'upsell_predictor.py',
  SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
  SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
};
const MODEL_ARTIFACTS = { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' };

describe('the model-building pipeline of an sklearn model', () => {
  const sklearn = steps(pipelineProps());
  const xgboost = steps(
    pipelineProps({
      framework: 'xgboost',
      images: { processing: SKLEARN_IMAGE, training: XGBOOST_IMAGE, monitor: MODEL_MONITOR_IMAGE },
    }),
  );
  const train = step(sklearn, 'Train');

  test("GIVEN framework sklearn WHEN rendered THEN Train runs the package's train.py from the code archive in the scikit-learn image", () => {
    expect(train.Arguments.AlgorithmSpecification).toEqual({
      TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
      TrainingInputMode: 'File',
      ContainerEntrypoint: [
        'bash',
        '-c',
        'set -e; python3 -m zipfile -e /opt/ml/input/data/code/*.zip /opt/ml/code-src && exec python3 /opt/ml/code-src/upsell/train.py "$@"',
        'train.py',
      ],
      ContainerArguments: [
        ...['--train', '/opt/ml/input/data/train', '--validation', '/opt/ml/input/data/validation'],
        ...['--model-dir', '/opt/ml/model'],
      ],
    });
    expect(train.Arguments.HyperParameters).toBeUndefined();
  });

  test('THEN Train reads the train and validation splits and the code archive as channels', () => {
    const channels = train.Arguments.InputDataConfig;
    expect(channels.map((c: StepJson) => c.ChannelName)).toEqual(['train', 'validation', 'code']);
    expect(channels.slice(0, 2)).toEqual(step(xgboost, 'Train').Arguments.InputDataConfig);
    expect(channels[2]).toEqual({
      ChannelName: 'code',
      DataSource: {
        S3DataSource: { S3DataType: 'S3Prefix', S3Uri: CODE_URI, S3DataDistributionType: 'FullyReplicated' },
      },
    });
  });

  test('THEN Train keeps the VPC, KMS, isolation, spot and checkpoint rules of the xgboost training step', () => {
    const rules = (s: StepJson) => {
      const { AlgorithmSpecification, HyperParameters, InputDataConfig, ...rest } = s.Arguments;
      return rest;
    };
    expect(rules(train)).toEqual(rules(step(xgboost, 'Train')));
    expect(train.Arguments).toMatchObject({
      EnableNetworkIsolation: true,
      EnableManagedSpotTraining: true,
      VpcConfig: { Subnets: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] },
      ResourceConfig: { VolumeKmsKeyId: 'volume-key' },
      OutputDataConfig: { KmsKeyId: 'output-key' },
    });
  });

  test('THEN every element of its entrypoint and arguments is at most 256 characters', () => {
    const { ContainerEntrypoint, ContainerArguments } = train.Arguments.AlgorithmSpecification;
    for (const value of [...ContainerEntrypoint, ...ContainerArguments]) {
      expect(value.length).toBeLessThanOrEqual(MAX_CONTAINER_ARGUMENT_LENGTH);
    }
  });

  test('THEN the test set is scored by the predictor of the model artifacts, with the same batch transform as xgboost', () => {
    expect(step(sklearn, 'CreateCandidateModel').Arguments.PrimaryContainer).toEqual({
      Image: SKLEARN_TRAINING_IMAGE,
      Environment: PREDICTOR_ENVIRONMENT,
      ModelDataUrl: MODEL_ARTIFACTS,
    });
    expect(step(sklearn, 'PredictTestSet')).toEqual(step(xgboost, 'PredictTestSet'));
    expect(step(sklearn, 'PredictTestSet').Arguments.DataProcessing).toEqual({
      InputFilter: '$[1:]',
      JoinSource: 'Input',
      OutputFilter: '$[0,-1]',
    });
  });

  test('THEN the registered inference pipeline is the feature transform, then the predictor', () => {
    const containers = step(sklearn, 'RegisterModel').Arguments.InferenceSpecification.Containers;
    const xgboostContainers = step(xgboost, 'RegisterModel').Arguments.InferenceSpecification.Containers;
    expect(containers).toHaveLength(2);
    expect(containers[0]).toEqual({
      ...xgboostContainers[0],
      Environment: { SAGEMAKER_PROGRAM: 'upsell_inference.py', SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code' },
    });
    expect(containers[1]).toEqual({
      Image: SKLEARN_TRAINING_IMAGE,
      Environment: PREDICTOR_ENVIRONMENT,
      ModelDataUrl: MODEL_ARTIFACTS,
    });
  });

  test('THEN every other step is the one of an xgboost model', () => {
    const differing = ['Train', 'CreateCandidateModel', 'RegisterModel', 'CheckMetric'];
    const others = (list: StepJson[]) => list.filter((s) => !differing.includes(s.Name));
    expect(others(sklearn).map((s) => s.Name)).toEqual([
      'Preprocess',
      'RecordArtifactDigests',
      'PredictTestSet',
      'Evaluate',
      'DataQualityBaseline',
      'ModelQualityBaseline',
      'MetricBelowThreshold',
    ]);
    expect(others(sklearn)).toEqual(others(xgboost));
  });

  test('GIVEN a package name that makes the entrypoint too long WHEN built THEN it says which and how to fix it', () => {
    expect(() => modelBuildingPipeline(pipelineProps({ codePackage: 'p'.repeat(150) }))).toThrow(
      /^model "upsell": training container argument "set -e;.*" is longer than 256 characters; shorten training\.package$/,
    );
  });
});

describe('training recipes', () => {
  test('GIVEN no framework (a custom image) WHEN the recipe is chosen THEN it trains as the built-in algorithm does', () => {
    const props = { image: 'image', codePackage: 'churn', codeUri: CODE_URI };
    expect(trainingRecipe(undefined, props)).toEqual(trainingRecipe('xgboost', props));
    expect(trainingRecipe(undefined, props).modelContainer).toEqual({ Image: 'image' });
  });
});

describe('the code asset of a model', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'code-asset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const files = [
    'upsell/__init__.py',
    'upsell/train.py',
    'upsell/nested/helpers.py',
    'upsell/__pycache__/train.cpython-311.pyc',
    'upsell/nested/__pycache__/helpers.cpython-311.pyc',
    'upsell/tests/test_train.py',
    'upsell/test_local.py',
    'upsell/conftest.py',
    'upsell_inference.py',
    'upsell_predictor.py',
    'mlops_shared/__init__.py',
    'mlops_shared/ingest.py',
    'mlops_shared/__pycache__/ingest.cpython-311.pyc',
    'churn/prepare.py',
    'churn_inference.py',
    'upsell_extra.py',
    'tests/upsell/test_prepare.py',
    'pytest.ini',
    'requirements.txt',
    'README.md',
    'data/raw.csv',
  ];
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), '');
  }

  test("GIVEN a code directory with two models, tests and caches WHEN the asset's excludes apply THEN it holds exactly the package, its entry points and mlops_shared", () => {
    const strategy = IgnoreStrategy.fromCopyOptions(
      { ignoreMode: IgnoreMode.GIT, exclude: codeAssetExcludes('upsell') },
      dir,
    );
    const kept = files.filter((file) => !strategy.ignores(path.join(dir, file)));
    expect(kept).toEqual([
      'upsell/__init__.py',
      'upsell/train.py',
      'upsell/nested/helpers.py',
      'upsell_inference.py',
      'upsell_predictor.py',
      'mlops_shared/__init__.py',
      'mlops_shared/ingest.py',
    ]);
  });
});

describe('the training stack of an sklearn model', () => {
  const ENV = { account: '111111111111', region: 'eu-west-1' };

  /** A training stack of `upsell` (sklearn) over the real ml/ folder; network, keys and buckets from a shared stack. */
  function givenATrainingStack() {
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
    const bucket = (id: string, encryptionKey: kms.IKey) => new s3.Bucket(shared, id, { encryptionKey });
    const config = resolveConfig(
      {
        project: 'mlops',
        environments: [{ name: 'dev', ...ENV }],
        models: [
          {
            name: 'upsell',
            serving: 'realtime',
            container: { framework: 'sklearn', version: '1.2-1' },
            environments: { dev: { serverless: false } },
          },
        ],
      },
      { maturity: 3 },
      'test config',
      REPO_ROOT,
    );
    const envConfig = config.environments[0];
    const stack = new Stack(app, 'Model-upsell', { env: ENV });
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
      rawDataBucket: bucket('Raw', dataKey),
      curatedDataBucket: bucket('Curated', dataKey),
      artifactsBucket: bucket('Artifacts', artifactsKey),
      alertsTopic: new sns.Topic(shared, 'Alerts', { masterKey: logsKey }),
    });
    return { stack, training };
  }

  test("GIVEN container framework sklearn WHEN the stack is built THEN its pipeline trains with upsell's train.py in the scikit-learn image, the code asset as a channel", () => {
    const { stack, training } = givenATrainingStack();
    const [pipeline] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'));
    // the body is an Fn::Join of JSON text around CloudFormation tokens, which all sit inside JSON strings
    const parts: unknown[] = pipeline.Properties.PipelineDefinition.PipelineDefinitionBody['Fn::Join'][1];
    const definition = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
    const train = step(definition.Steps, 'Train');
    expect(train.Arguments.AlgorithmSpecification).toMatchObject({
      TrainingImage: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
      ContainerEntrypoint: expect.arrayContaining([expect.stringContaining('/opt/ml/code-src/upsell/train.py')]),
    });
    const code = train.Arguments.InputDataConfig.find((c: StepJson) => c.ChannelName === 'code');
    expect(code.DataSource.S3DataSource.S3Uri).toMatch(
      /^s3:\/\/cdk-[^/]+-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip$/,
    );
    expect(step(definition.Steps, 'CreateCandidateModel').Arguments.PrimaryContainer.Environment).toEqual(
      PREDICTOR_ENVIRONMENT,
    );
    expect(training.code.isZipArchive).toBe(true);
  });
});
