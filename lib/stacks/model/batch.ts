import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { ResolvedModel } from '../../config/models';
import { BatchScoring } from '../../constructs/batch-scoring';
import {
  batchRunNamePrefix,
  batchScoringStateMachineName,
  modelPackageGroupName,
  scoresDatabaseName,
  scoresTableName,
} from '../../naming';
import { servingImageRepositoryArns } from './image-repositories';
import type { ModelWorkloadProps } from './part';

export interface ModelBatchProps extends ModelWorkloadProps {
  readonly model: ResolvedModel & { readonly batch: NonNullable<ResolvedModel['batch']> };
  readonly approvedModelParameter: ssm.IStringParameter;
  readonly curatedDataBucket: s3.IBucket;
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
}

/**
 * Stage 2 batch scoring of one model: on its schedule, the approved version scores the input prefix of the
 * curated bucket into a run_date partition of a table that Athena can query. A run before any approval
 * ends without scoring, so this part of the model's stack needs no approval condition.
 */
export class ModelBatch extends Construct {
  readonly database: glue.CfnDatabase;
  readonly scoring: BatchScoring;

  constructor(scope: Construct, id: string, props: ModelBatchProps) {
    super(scope, id);
    const { project, envConfig, model } = props;

    const databaseName = scoresDatabaseName(project, envConfig.name, model.name);
    this.database = new glue.CfnDatabase(this, 'ScoresDatabase', {
      catalogId: Stack.of(this).account,
      databaseInput: { name: databaseName, description: `Batch scores of ${model.name} in ${envConfig.name}` },
    });
    this.database.applyRemovalPolicy(props.removalPolicy);

    this.scoring = new BatchScoring(this, 'Scoring', {
      modelName: model.name,
      runNamePrefix: batchRunNamePrefix(project, envConfig.name, model.name),
      stateMachineName: batchScoringStateMachineName(project, envConfig.name, model.name),
      tableName: scoresTableName(model.name),
      approvedModelParameter: props.approvedModelParameter,
      modelPackageGroupName: modelPackageGroupName(project, envConfig.name, model.name),
      schedule: model.batch.schedule,
      inputBucket: props.curatedDataBucket,
      inputPrefix: model.batch.inputPrefix,
      outputBucket: props.curatedDataBucket,
      outputPrefix: model.batch.outputPrefix,
      dataKey: props.dataKey,
      artifactsBucket: props.artifactsBucket,
      artifactsKey: props.artifactsKey,
      imageRepositoryArns: servingImageRepositoryArns(this, props),
      volumeKey: props.artifactsKey,
      logsKey: props.logsKey,
      alarmTopic: props.alertsTopic,
      vpc: props.vpc,
      subnets: props.workloadSubnets,
      securityGroups: [props.workloadSecurityGroup],
      glueDatabaseName: databaseName,
      instanceType: model.batch.instanceType,
      instanceCount: model.batch.instanceCount,
      contentType: model.contentTypes[0],
      logRetention: envConfig.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.scoring.table.addResourceDependency(this.database);
  }
}
