import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { resolveDrift } from '../../config/drift';
import type { ResolvedModel } from '../../config/models';
import { PlatformRole } from '../../constructs/platform-role';
import {
  grantImagePull,
  grantSageMakerJobKey,
  grantSageMakerLogsAndMetrics,
  grantSageMakerVpcAccess,
} from '../../constructs/sagemaker-grants';
import {
  approvedModelParameterName,
  modelPackageGroupName,
  pipelineArtifactsPrefix,
  promotionGateRoleName,
} from '../../naming';
import { frameworkImageUri, SKLEARN_IMAGE_TAG } from '../../pipeline/images';
import type { PipelineCapturedWindow, PipelinePromotion } from '../../pipeline/model-building-pipeline';
import { PLATFORM_EVENT_SOURCE } from '../../vocabulary';
import { platformDriftWatches } from './drift';
import { trainingImageRepositoryArns } from './image-repositories';
import type { ModelWorkloadProps } from './part';
import { DATA_CAPTURE_PREFIX } from './serving';
import type { ModelTraining } from './training';

/** Prefix of the champion's temporary model and batch transform job that the gate runs. */
export function championJobNamePrefix(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-champion`;
}

/** The raw data bucket's prefixes the gate reads for the captured window: the endpoint's capture and the labels. */
export interface CapturedTrafficPrefixes {
  readonly capture: string;
  readonly groundTruth: string;
  /** Below `capture`: where the gate writes each run's joined rows, which keep the captured data's readers. */
  readonly windows: string;
}

/** The folder below a model's capture prefix that holds the gate's joined rows (no endpoint has this name). */
export const PROMOTION_WINDOWS_FOLDER = 'promotion-windows';

/**
 * Whether the gate also scores the captured traffic of a model (issue 13, ADR 0023): where it has ground truth, that
 * is where stage 4 monitoring watches a real-time instance endpoint that captures its requests. Undefined otherwise.
 */
export function capturedTrafficOf(
  model: ResolvedModel,
  servedInRealTime: boolean,
  monitored: boolean,
): CapturedTrafficPrefixes | undefined {
  if (!monitored || !servedInRealTime || !platformDriftWatches(model)) return undefined;
  const capture = `${DATA_CAPTURE_PREFIX}/${model.name}/`;
  return {
    capture,
    groundTruth: model.monitoring.groundTruthPrefix,
    windows: `${capture}${PROMOTION_WINDOWS_FOLDER}/`,
  };
}

/** Where the gate reads the captured window and how long it is: the drift job's window, the monitor's label delay. */
function pipelineCapturedWindow(
  model: ResolvedModel,
  rawDataBucket: s3.IBucket,
  prefixes: CapturedTrafficPrefixes,
  dataKey: kms.IKey,
): PipelineCapturedWindow {
  return {
    captureUri: `s3://${rawDataBucket.bucketName}/${prefixes.capture}`,
    groundTruthUri: `s3://${rawDataBucket.bucketName}/${prefixes.groundTruth}`,
    windowHours: resolveDrift(model).job.windowHours,
    groundTruthDelayHours: model.monitoring.groundTruthDelayHours,
    inputUri: `s3://${rawDataBucket.bucketName}/${prefixes.windows.replace(/\/$/, '')}`,
    inputKmsKeyArn: dataKey.keyArn,
  };
}

/**
 * What the training pipeline's `ChampionChallenger` step needs of the gate (ADR 0023), known before the gate's role
 * exists: the role is addressed by its fixed name. With `captured`, the gate also reads the model's latest labelled
 * window of captured traffic in the raw data bucket.
 */
export function pipelinePromotion(
  scope: Construct,
  props: ModelWorkloadProps,
  captured?: { readonly rawDataBucket: s3.IBucket; readonly prefixes: CapturedTrafficPrefixes },
): PipelinePromotion {
  const { project, envConfig, model } = props;
  const { shadow: _shadow, manualApproval, ...policy } = model.promotion;
  return {
    roleArn: Stack.of(scope).formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: promotionGateRoleName(project, envConfig.name, model.name),
    }),
    project,
    environment: envConfig.name,
    championParameterName: approvedModelParameterName(project, envConfig.name, model.name),
    jobNamePrefix: championJobNamePrefix(project, envConfig.name, model.name),
    ...policy,
    manualApproval,
    ...(captured
      ? { capturedWindow: pipelineCapturedWindow(model, captured.rawDataBucket, captured.prefixes, props.dataKey) }
      : {}),
  };
}

export interface ModelPromotionProps extends ModelWorkloadProps {
  /** The model's training part, whose pipeline runs the gate step. */
  readonly training: ModelTraining;
  readonly artifactsBucket: s3.IBucket;
  /**
   * The model's captured traffic and labels, where it has ground truth: the gate reads exactly these prefixes of
   * the raw data bucket, and decrypts them with the data key.
   * @default - the gate reads the test split only
   */
  readonly capturedTraffic?: { readonly rawDataBucket: s3.IBucket; readonly prefixes: CapturedTrafficPrefixes };
}

/**
 * Stage 5: the champion/challenger gate of one model (ADR 0023). The training pipeline's `ChampionChallenger` step
 * runs with this part's role, which may change the approval status of the model's versions (the registry's group
 * policy lets nobody else but the ModelApprover), read the champion from the approved-version parameter, score it
 * with a temporary model and batch transform, and publish the `Promotion Verdict` event.
 */
export class ModelPromotion extends Construct {
  readonly gateRole: PlatformRole;

  constructor(scope: Construct, id: string, props: ModelPromotionProps) {
    super(scope, id);
    const { project, envConfig, model } = props;
    const stack = Stack.of(this);
    const pipelineRole = props.training.trainingPipeline.role;

    this.gateRole = new PlatformRole(this, 'GateRole', {
      roleName: promotionGateRoleName(project, envConfig.name, model.name),
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Judges each new version of ${model.name} in ${envConfig.name} against the served one`,
    });
    const role = this.gateRole;
    const group = modelPackageGroupName(project, envConfig.name, model.name);
    const packages = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${group}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'JudgeVersionsOfThisModel',
        actions: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
        resources: [packages],
      }),
      "versions get numbered names inside the model's one group; the gate writes its verdict on each",
    );
    const prefix = championJobNamePrefix(project, envConfig.name, model.name);
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ScoreTheChampion',
        actions: [
          'sagemaker:CreateModel',
          'sagemaker:DeleteModel',
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
        ],
        resources: [
          stack.formatArn({ service: 'sagemaker', resource: 'model', resourceName: `${prefix}-*` }),
          stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: `${prefix}-*` }),
        ],
      }),
      "the champion's temporary model and transform job are named per run under one fixed prefix",
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassThePipelineRoleToTheChampionModel',
        actions: ['iam:PassRole'],
        resources: [pipelineRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheChampion',
        actions: ['ssm:GetParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: approvedModelParameterName(project, envConfig.name, model.name).replace(/^\//, ''),
          }),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishTheVerdict',
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
        conditions: { StringEquals: { 'events:source': PLATFORM_EVENT_SOURCE } },
      }),
    );
    // the test split, both models' predictions and the code, all under the model's pipeline prefix or the asset
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadThisModelsPipelineOutputs',
        actions: ['s3:GetObject'],
        resources: [props.artifactsBucket.arnForObjects(`${pipelineArtifactsPrefix(model.name)}*`)],
      }),
      "each pipeline run writes under its execution id below the model's prefix",
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ListThisModelsPipelineOutputs',
        actions: ['s3:ListBucket'],
        resources: [props.artifactsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${pipelineArtifactsPrefix(model.name)}*`] } },
      }),
      "listing is limited to the model's pipeline prefix",
    );
    if (props.capturedTraffic) this.grantCapturedTraffic(props, props.capturedTraffic);
    props.training.code.bucket.grantRead(role, props.training.code.s3ObjectKey);
    role.justifyActions(
      ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
      'reads of the one code asset object, as the asset grant spells them',
    );
    grantSageMakerJobKey(role, props.artifactsKey);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'the job volume and its outputs use the artifacts key; nothing else',
    );
    grantSageMakerLogsAndMetrics(role, '/aws/sagemaker/ProcessingJobs', '/aws/sagemaker/ProcessingJobs');
    grantSageMakerVpcAccess(role, props.vpc);
    // the gate job runs in the processing image of the pipeline, and pulls nothing else
    const processingImage = frameworkImageUri('sklearn', SKLEARN_IMAGE_TAG, stack.region);
    grantImagePull(role, trainingImageRepositoryArns(this, props, { model: model.name, runs: [processingImage] }));

    // the pipeline starts the gate's job with the gate's role
    role.grantPassRole(pipelineRole);
    // the step names the role by its fixed name: it exists before the pipeline
    props.training.trainingPipeline.pipeline.node.addDependency(role);
  }

  /**
   * The captured window (issue 13): read the endpoint's capture and the labels, exactly those two prefixes of the
   * raw data bucket, decrypt them with the data key, and write the window's joined rows for the two batch transforms
   * below the capture prefix (the artifacts bucket's `pipelines/` is write-once for all but the pipeline roles, and
   * joined captured rows belong with the captured data, whose readers are restricted in prod). The pipeline role,
   * which runs the transforms, already reads the raw data bucket with the data key.
   */
  private grantCapturedTraffic(
    props: ModelPromotionProps,
    captured: NonNullable<ModelPromotionProps['capturedTraffic']>,
  ): void {
    const role = this.gateRole;
    const { capture, groundTruth } = captured.prefixes;
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadTheCapturedTrafficAndItsLabels',
        actions: ['s3:GetObject'],
        resources: [
          captured.rawDataBucket.arnForObjects(`${capture}*`),
          captured.rawDataBucket.arnForObjects(`${groundTruth}*`),
        ],
      }),
      "data capture and ground truth land in hourly folders below the model's two prefixes",
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ListTheCapturedTrafficAndItsLabels',
        actions: ['s3:ListBucket'],
        resources: [captured.rawDataBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${capture}*`, `${groundTruth}*`] } },
      }),
      "listing is limited to the model's capture and ground-truth prefixes",
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'WriteTheCapturedWindowBesideTheCapture',
        actions: ['s3:PutObject'],
        resources: [captured.rawDataBucket.arnForObjects(`${captured.prefixes.windows}*`)],
      }),
      "each pipeline run writes its window's joined rows in a folder named by its execution id",
    );
    // the capture and the labels are encrypted with the data key; the joined rows are written with it too
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseTheDataKeyForTheCapturedWindow',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.dataKey.keyArn],
      }),
    );
  }
}
