import type {
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
  TransformInstanceType,
} from '@aws-sdk/client-sagemaker';
import { IgnoreMode, Stack } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  DEFAULT_PIPELINE_FAILURES,
  type TrainingFeatureStore,
  TrainingPipeline,
} from '../../constructs/training-pipeline';
import {
  modelPackageGroupName,
  pipelineArtifactsPrefix,
  pipelineFailureAlarmName,
  trainingPipelineName,
  trainingPipelineRoleName,
} from '../../naming';
import { frameworkImageUri, modelMonitorImageUri, SKLEARN_IMAGE_TAG } from '../../pipeline/images';
import {
  modelBuildingPipeline,
  type PipelineFeatureStore,
  type PipelinePromotion,
  SHARED_PACKAGE,
} from '../../pipeline/model-building-pipeline';
import type { ModelCardFacts } from '../../pipeline/model-card';
import { trainingImageRepositoryArns } from './image-repositories';
import type { ModelWorkloadProps } from './part';

export interface ModelTrainingProps extends ModelWorkloadProps {
  readonly rawDataBucket: s3.IBucket;
  readonly curatedDataBucket: s3.IBucket;
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  /**
   * The model's feature group (`models[].featureGroup`) and the workgroup that queries its offline store: the
   * pipeline writes the raw data to the group and trains on its point-in-time snapshot (stage 4).
   * @default - the pipeline trains on the raw data directly
   */
  readonly featureStore?: TrainingFeatureStore;
  /**
   * Alarm on failed runs (stage 4 monitoring), named for dashboards and runbooks.
   * @default - failures are notified, without an alarm
   */
  readonly failureAlarm?: boolean;
  /**
   * The champion/challenger gate step after registration (stage 5, lib/stacks/model/promotion.ts).
   * @default - no gate
   */
  readonly promotion?: PipelinePromotion;
}

/**
 * What the code asset of a model leaves out of its code directory (git ignore syntax, relative to it): everything
 * but the model's package, its serving entry points (`<package>_inference.py`, and `<package>_predictor.py` of an
 * sklearn model) and the shared package; never caches, compiled files or tests, even inside those.
 */
export function codeAssetExcludes(codePackage: string): string[] {
  return [
    '/*',
    `!/${codePackage}/`,
    `!/${codePackage}_inference.py`,
    `!/${codePackage}_predictor.py`,
    `!/${SHARED_PACKAGE}/`,
    '__pycache__/',
    '*.pyc',
    'tests/',
    'test_*.py',
    '*_test.py',
    'conftest.py',
  ];
}

/** Prefix of the raw data bucket that a model's pipeline trains on by default. */
export const TRAINING_DATA_PREFIX = 'training-data';

/**
 * Stage 3: the packaged model-building pipeline of one model in one environment. Each environment trains its
 * own model on its own data from the same code (the code is promoted, not the model). Part of the model's stack.
 */
export class ModelTraining extends Construct {
  readonly code: s3assets.Asset;
  readonly trainingPipeline: TrainingPipeline;

  constructor(scope: Construct, id: string, props: ModelTrainingProps) {
    super(scope, id);
    const { project, envConfig, model } = props;
    const training = model.training;

    // the model's code folder, zipped; the processing (and sklearn training) jobs unpack it
    this.code = new s3assets.Asset(this, 'Code', {
      path: training.codeDirectory,
      ignoreMode: IgnoreMode.GIT,
      exclude: codeAssetExcludes(training.package),
    });

    const region = Stack.of(this).region;
    const images = {
      processing: frameworkImageUri('sklearn', SKLEARN_IMAGE_TAG, region),
      training:
        'imageUri' in model.container
          ? model.container.imageUri
          : frameworkImageUri(model.container.framework, model.container.version, region),
      monitor: modelMonitorImageUri(region),
    };
    const groupName = modelPackageGroupName(project, envConfig.name, model.name);
    const subnetIds = props.vpc.selectSubnets(props.workloadSubnets).subnetIds;
    const servingInstanceType = model.serving.kind === 'instances' ? model.serving.instanceType : 'ml.m5.large';
    const featureStore = props.featureStore && pipelineFeatureStore(model.name, props.featureStore, region);

    this.trainingPipeline = new TrainingPipeline(this, 'Pipeline', {
      pipelineName: trainingPipelineName(project, envConfig.name, model.name),
      // named: the artifact bucket's policy exempts the training pipeline roles by name from write-once (ADR 0020)
      roleName: trainingPipelineRoleName(project, envConfig.name, model.name),
      description: `Builds, evaluates and registers ${model.name} in ${envConfig.name}`,
      vpc: props.vpc,
      inputBuckets: [props.rawDataBucket, props.curatedDataBucket],
      artifactsBucket: props.artifactsBucket,
      artifactsPrefix: pipelineArtifactsPrefix(model.name),
      codeBuckets: [this.code.bucket],
      imageRepositoryArns: trainingImageRepositoryArns(this, props, {
        model: model.name,
        runs: [images.processing, images.training, images.monitor],
        custom: 'imageUri' in model.container ? model.container.imageUri : undefined,
      }),
      jobKeys: [props.dataKey, props.artifactsKey],
      modelPackageGroupName: groupName,
      alarmTopic: props.alertsTopic,
      deadLetterKey: props.logsKey,
      deadLetterRemovalPolicy: props.removalPolicy,
      featureStore: props.featureStore,
      failureAlarm: props.failureAlarm
        ? {
            alarmName: pipelineFailureAlarmName(project, envConfig.name, model.name),
            threshold: model.alarms.pipelineFailures ?? DEFAULT_PIPELINE_FAILURES,
          }
        : undefined,
      definition: (role) =>
        modelBuildingPipeline({
          modelName: model.name,
          roleArn: role.roleArn,
          artifactsBucketName: props.artifactsBucket.bucketName,
          inputDataUrl: props.rawDataBucket.s3UrlForObject(`${TRAINING_DATA_PREFIX}/${model.name}/`),
          codeUri: this.code.s3ObjectUrl,
          codePackage: training.package,
          framework: 'imageUri' in model.container ? undefined : model.container.framework,
          images,
          security: {
            volumeKmsKeyArn: props.artifactsKey.keyArn,
            outputKmsKeyArn: props.artifactsKey.keyArn,
            subnetIds,
            securityGroupIds: [props.workloadSecurityGroup.securityGroupId],
          },
          modelPackageGroupName: groupName,
          gate: { metric: training.metric, threshold: training.threshold },
          instanceTypes: {
            processing: training.processingInstanceType as ProcessingInstanceType,
            training: training.instanceType as TrainingInstanceType,
            inference: servingInstanceType as TransformInstanceType & ProductionVariantInstanceType,
          },
          // spot saves most of the training bill, but a reclaimed instance must never delay a prod release
          spotTraining: envConfig.kind !== 'prod',
          contentType: model.contentTypes[0] ?? 'text/csv',
          featureStore,
          card: registeredCardFacts(props),
          promotion: props.promotion,
        }),
    });
  }
}

/**
 * The config's part of each registered version's model card, from the stage with the model portfolio (stage 5,
 * where the config must name an owner); none below it.
 */
function registeredCardFacts({ envConfig, model }: ModelTrainingProps): ModelCardFacts | undefined {
  const owner = model.card?.owner;
  if (!envConfig.maturity.capabilities.has('modelPortfolio') || !owner || !model.card) return undefined;
  const { intendedUse, limitations, riskRating } = model.card;
  return { owner, riskRating, description: model.description, intendedUse, limitations };
}

/** What the pipeline needs to know of a feature group and its query engine. */
function pipelineFeatureStore(modelName: string, store: TrainingFeatureStore, region: string): PipelineFeatureStore {
  const { definition } = store.featureGroup;
  if (!definition.offlineStore.enabled) {
    throw new Error(
      `model "${modelName}" trains from feature group "${definition.name}", which has no offline store: enable featureGroups[].offlineStore or remove models[].featureGroup`,
    );
  }
  return {
    featureGroupName: store.featureGroup.featureGroupName,
    recordIdentifier: definition.recordIdentifier,
    eventTime: definition.eventTime,
    features: definition.features,
    offlineStoreTable: store.featureGroup.offlineStoreTable,
    workGroupName: store.queryEngine.workGroupName,
    region,
  };
}
