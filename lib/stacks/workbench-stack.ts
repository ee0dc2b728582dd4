import { ArnFormat, Aws, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { PersonaRoles } from '../constructs/persona-roles';
import { PlatformRole } from '../constructs/platform-role';
import { grantSageMakerLogsAndMetrics, grantSageMakerVpcAccess } from '../constructs/sagemaker-grants';
import {
  mlflowRoleName,
  mlflowTrackingServerName,
  modelPublisherRoleName,
  personaRoleName,
  STUDIO_SCRATCH_PREFIX,
  studioDomainName,
  studioExecutionRoleName,
} from '../naming';
import { PERSONAS, type Persona } from '../vocabulary';
import { DATA_CAPTURE_PREFIX } from './model/serving';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Where MLflow keeps experiment artifacts in the artifact bucket; MLflow clients upload there themselves. */
const MLFLOW_ARTIFACTS_PREFIX = 'mlflow/';

export interface WorkbenchStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  readonly workloadSubnets: ec2.SubnetSelection;
  readonly workloadSecurityGroup: ec2.ISecurityGroup;
  readonly dataKey: kms.IKey;
  readonly artifactsKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly rawDataBucket: s3.IBucket;
  readonly curatedDataBucket: s3.IBucket;
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  /**
   * Deploy the managed MLflow tracking server.
   * @default true
   */
  readonly experimentTracking?: boolean;
  /**
   * Environments whose model publisher role the data scientists and ML engineers of this (dev) environment
   * may assume, to publish a model there.
   * @default - none
   */
  readonly publishTargets?: readonly { readonly account: string; readonly environment: string }[];
}

/**
 * Stage 1 workbench: a VpcOnly SageMaker Studio domain with IAM auth and KMS, its least-privilege execution
 * role, the persona roles, one user profile per configured user, and managed MLflow for experiment tracking.
 */
export class WorkbenchStack extends PlatformStack {
  readonly domain: sagemaker.CfnDomain;
  /** Execution role of Studio apps and of the jobs data scientists start from them. */
  readonly executionRole: PlatformRole;
  readonly personas: PersonaRoles;
  readonly trackingServer?: sagemaker.CfnMlflowTrackingServer;
  /**
   * Prod holds live data and the models that serve it: there Studio reads curated data without writing it, only the
   * ML engineer reads captured inference data, each person opens only their own profile, and Studio stops only the
   * jobs of its domain (ADR 0020).
   */
  private readonly restricted: boolean;

  constructor(scope: Construct, id: string, props: WorkbenchStackProps) {
    super(scope, id, props);
    const { project, envConfig } = this;
    const settings = envConfig.settings;
    this.restricted = envConfig.kind === 'prod';

    this.executionRole = new PlatformRole(this, 'StudioExecutionRole', {
      roleName: studioExecutionRoleName(project, envConfig.name),
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Studio apps and the experiment jobs started from them',
    });
    const subnetIds = props.vpc.selectSubnets(props.workloadSubnets).subnetIds;

    this.domain = new sagemaker.CfnDomain(this, 'Domain', {
      domainName: studioDomainName(project, envConfig.name),
      authMode: 'IAM',
      appNetworkAccessType: 'VpcOnly',
      kmsKeyId: props.artifactsKey.keyArn,
      vpcId: props.vpc.vpcId,
      subnetIds,
      defaultUserSettings: {
        executionRole: this.executionRole.roleArn,
        securityGroups: [props.workloadSecurityGroup.securityGroupId],
        studioWebPortal: 'ENABLED',
        defaultLandingUri: 'studio::',
        jupyterLabAppSettings: { appLifecycleManagement: idleShutdown(settings.studioIdleTimeoutMinutes) },
        codeEditorAppSettings: { appLifecycleManagement: idleShutdown(settings.studioIdleTimeoutMinutes) },
      },
      defaultSpaceSettings: {
        executionRole: this.executionRole.roleArn,
        securityGroups: [props.workloadSecurityGroup.securityGroupId],
      },
    });
    // The domain holds every user's EFS home directory: keep it outside dev.
    this.domain.applyRemovalPolicy(this.statefulRemovalPolicy);

    this.grantExecutionRole(props);

    this.personas = new PersonaRoles(this, 'Personas', {
      // other accounts' registries trust these roles by name
      roleNames: {
        'data-scientist': personaRoleName(project, envConfig.name, 'data-scientist'),
        'ml-engineer': personaRoleName(project, envConfig.name, 'ml-engineer'),
        'model-approver': personaRoleName(project, envConfig.name, 'model-approver'),
      },
      trustedPrincipal: new iam.AccountRootPrincipal(),
      executionRoles: [this.executionRole],
    });
    this.personas.grantStudioAccess(this.domain.attrDomainId, {
      ownProfiles: this.restricted ? profilesByPersona(envConfig.users) : undefined,
    });
    const publisherRoles = (props.publishTargets ?? []).map((target) =>
      this.formatArn({
        service: 'iam',
        region: '',
        account: target.account,
        resource: 'role',
        resourceName: modelPublisherRoleName(project, target.environment),
      }),
    );
    if (publisherRoles.length > 0) {
      for (const role of [this.personas.dataScientist, this.personas.mlEngineer]) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ sid: 'PublishModels', actions: ['sts:AssumeRole'], resources: publisherRoles }),
        );
      }
    }
    for (const [persona, role] of this.personas.all) {
      if (persona === 'model-approver') continue;
      role.justifyGrant(
        props.rawDataBucket.grantRead(role),
        "read-only, and the raw bucket holds only this environment's data, which these people work on; captured inference data is denied to all but the ML engineer",
      );
      role.justifyGrant(
        props.curatedDataBucket.grantRead(role),
        "read-only, and the curated bucket holds only this environment's prepared data, which these people work on",
      );
      role.justifyGrant(
        props.artifactsBucket.grantRead(role),
        'read-only: registered artifacts are write-once (ADR 0020), so reading them cannot change what an approved version serves',
      );
      if (persona !== 'ml-engineer') this.denyCapturedData(role, props.rawDataBucket);
    }

    // One profile per user, keyed by the user's name: renaming a user replaces the profile (and its home).
    const profiles = new Construct(this, 'UserProfiles');
    for (const user of this.envConfig.users) {
      const profile = new sagemaker.CfnUserProfile(profiles, user.name, {
        domainId: this.domain.attrDomainId,
        userProfileName: user.name,
        userSettings: {
          executionRole: this.executionRole.roleArn,
          securityGroups: [props.workloadSecurityGroup.securityGroupId],
        },
      });
      profile.applyRemovalPolicy(this.statefulRemovalPolicy);
    }

    if (props.experimentTracking ?? true) {
      this.trackingServer = this.createTrackingServer(props);
    }
  }

  private grantExecutionRole(props: WorkbenchStackProps): void {
    const role = this.executionRole;
    const domainId = this.domain.attrDomainId;
    // the bucket grants fill a policy of their own: with the SageMaker statements, one policy passed IAM's 6,144 characters
    const data = role.withPolicy('DataPolicy', 'Studio reads and writes the data and artifacts of this environment');
    role.justifyGrant(
      props.rawDataBucket.grantRead(data),
      "read-only, and the raw bucket holds only this environment's data, which Studio's users work on; its captured inference data is denied separately",
    );
    this.denyCapturedData(role, props.rawDataBucket);
    if (this.restricted) {
      role.justifyGrant(
        props.curatedDataBucket.grantRead(data),
        "read-only: in prod Studio can neither change the offline store that training reads nor the batch inputs and scores (finding 6), and the bucket holds only this environment's data",
      );
    } else {
      role.justifyGrant(
        props.curatedDataBucket.grantReadWrite(data),
        "outside prod preparing curated datasets is Studio's job; the bucket holds only this environment's data, and serving models read none of it",
      );
    }
    role.justifyGrant(
      props.artifactsBucket.grantRead(data),
      'read-only: registered artifacts are write-once (ADR 0020), so reading them cannot change what an approved version serves',
    );
    // Registered artifacts are write-once (ADR 0020): Studio writes only its scratch prefix, and MLflow's.
    role.justifyGrant(
      props.artifactsBucket.grantReadWrite(data, `${STUDIO_SCRATCH_PREFIX}*`),
      'Studio and its experiment jobs write under the studio/ scratch prefix, with names their users choose',
    );
    if (props.experimentTracking ?? true) {
      role.justifyGrant(
        props.artifactsBucket.grantReadWrite(data, `${MLFLOW_ARTIFACTS_PREFIX}*`),
        'MLflow clients upload the artifacts of each run under the mlflow/ prefix, named per run',
      );
    }
    const arn = (resource: string, resourceName: string) =>
      this.formatArn({ service: 'sagemaker', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ManageOwnStudioAppsAndSpaces',
        actions: [
          'sagemaker:CreateApp',
          'sagemaker:DeleteApp',
          'sagemaker:DescribeApp',
          'sagemaker:CreateSpace',
          'sagemaker:UpdateSpace',
          'sagemaker:DeleteSpace',
          'sagemaker:DescribeSpace',
          'sagemaker:DescribeUserProfile',
          'sagemaker:AddTags',
        ],
        resources: [arn('app', `${domainId}/*`), arn('space', `${domainId}/*`), arn('user-profile', `${domainId}/*`)],
      }),
      'Studio creates apps and spaces with generated names inside this one domain',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeOwnDomain',
        actions: ['sagemaker:DescribeDomain'],
        resources: [this.formatArn({ service: 'sagemaker', resource: 'domain', resourceName: domainId })],
      }),
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ListStudioResources',
        actions: [
          'sagemaker:ListApps',
          'sagemaker:ListSpaces',
          'sagemaker:ListUserProfiles',
          'sagemaker:ListTrainingJobs',
          'sagemaker:ListProcessingJobs',
          'sagemaker:ListMlflowTrackingServers',
        ],
        resources: ['*'],
      }),
      'SageMaker List actions do not support resource-level permissions',
    );
    // Experiment jobs may run only inside the platform VPC with a KMS-encrypted volume.
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'RunExperimentJobsInTheVpcWithKms',
        actions: ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob'],
        resources: [arn('training-job', '*'), arn('processing-job', '*')],
        conditions: { Null: { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VolumeKmsKey': 'false' } },
      }),
      'experiment jobs get generated names; the condition forces VPC subnets and a KMS volume key on each',
    );
    const jobs = [arn('training-job', '*'), arn('processing-job', '*')];
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'FollowExperimentJobs',
        actions: this.restricted
          ? ['sagemaker:DescribeTrainingJob', 'sagemaker:DescribeProcessingJob']
          : [
              'sagemaker:DescribeTrainingJob',
              'sagemaker:StopTrainingJob',
              'sagemaker:DescribeProcessingJob',
              'sagemaker:StopProcessingJob',
            ],
        resources: jobs,
      }),
      'experiment jobs get generated names, so they can only be matched by prefix',
    );
    if (this.restricted) {
      // SageMaker tags the jobs started from the domain's Studio apps with its ARN; pipeline jobs carry none
      role.addWildcardStatement(
        new iam.PolicyStatement({
          sid: 'StopOnlyThisDomainsJobs',
          actions: ['sagemaker:StopTrainingJob', 'sagemaker:StopProcessingJob'],
          resources: jobs,
          conditions: {
            StringEquals: {
              'aws:ResourceTag/sagemaker:domain-arn': this.formatArn({
                service: 'sagemaker',
                resource: 'domain',
                resourceName: domainId,
              }),
            },
          },
        }),
        'experiment jobs get generated names; the domain tag SageMaker sets limits stopping to jobs started in Studio',
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassItselfToExperimentJobs',
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheModelApproverApproves',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:UpdateModelPackage'],
        resources: ['*'],
      }),
    );
    grantSageMakerLogsAndMetrics(role, '/aws/sagemaker/*', '/aws/sagemaker/*');
    grantSageMakerVpcAccess(role, props.vpc);
    props.artifactsKey.grant(role, 'kms:CreateGrant', 'kms:DescribeKey');
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'the bucket grants need every data-key and re-encrypt variant of the two bucket keys, and nothing else',
    );
  }

  /**
   * In prod, captured requests and responses are live customer data: only the ML engineer, who investigates
   * endpoint behaviour, reads them. An explicit deny, so a broader read grant cannot bring them back.
   */
  private denyCapturedData(role: PlatformRole, rawDataBucket: s3.IBucket): void {
    if (!this.restricted) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NoCapturedInferenceData',
        effect: iam.Effect.DENY,
        actions: ['s3:GetObject*'],
        resources: [rawDataBucket.arnForObjects(`${DATA_CAPTURE_PREFIX}/*`)],
      }),
    );
  }

  private createTrackingServer(props: WorkbenchStackProps): sagemaker.CfnMlflowTrackingServer {
    const settings = this.envConfig.settings;
    const trackingServerName = mlflowTrackingServerName(this.project, this.envConfig.name);
    const mlflowRole = new PlatformRole(this, 'MlflowRole', {
      roleName: mlflowRoleName(this.project, this.envConfig.name),
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      // SageMaker's confused-deputy guide does not cover MLflow tracking servers: bind the keys when they are sent
      sourceBinding: 'ifPresent',
      description: 'Managed MLflow writes experiment artifacts to the artifact bucket',
    });
    mlflowRole.justifyGrant(
      props.artifactsBucket.grantReadWrite(mlflowRole, 'mlflow/*'),
      'MLflow names artifact objects per run under the mlflow/ prefix of the artifact bucket',
    );
    mlflowRole.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'the artifact bucket grant needs every data-key and re-encrypt variant of the artifact key only',
    );
    const server = new sagemaker.CfnMlflowTrackingServer(this, 'MlflowTrackingServer', {
      trackingServerName,
      artifactStoreUri: props.artifactsBucket.s3UrlForObject('mlflow'),
      roleArn: mlflowRole.roleArn,
      trackingServerSize: settings.mlflowServerSize,
      automaticModelRegistration: false,
      weeklyMaintenanceWindowStart: 'Sun:03:00',
    });
    server.node.addDependency(mlflowRole.policy);
    // the tracking server holds the experiments' metadata (runs, parameters, metrics): prod keeps it
    server.applyRemovalPolicy(this.statefulRemovalPolicy);

    const trackingServerArn = this.formatArn({
      service: 'sagemaker',
      resource: 'mlflow-tracking-server',
      resourceName: trackingServerName,
    });
    const users = [this.executionRole, this.personas.dataScientist, this.personas.mlEngineer];
    for (const role of users) {
      role.addWildcardStatement(
        new iam.PolicyStatement({
          sid: 'TrackExperimentsInMlflow',
          actions: [
            'sagemaker-mlflow:AccessUI',
            'sagemaker-mlflow:Create*',
            'sagemaker-mlflow:Get*',
            'sagemaker-mlflow:Search*',
            'sagemaker-mlflow:Log*',
            'sagemaker-mlflow:Update*',
            'sagemaker-mlflow:Set*',
            'sagemaker-mlflow:List*',
            'sagemaker-mlflow:DeleteTag',
          ],
          resources: [trackingServerArn],
        }),
        "the prefixes only add, read and annotate runs and experiments (the one delete is of a tag) of this environment's own tracking server, whose metadata nothing that serves a model reads",
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'OpenAndStartMlflow',
          actions: [
            'sagemaker:CreatePresignedMlflowTrackingServerUrl',
            'sagemaker:DescribeMlflowTrackingServer',
            'sagemaker:StartMlflowTrackingServer',
          ],
          resources: [trackingServerArn],
        }),
      );
    }

    if (settings.mlflowStopSchedule !== 'none') {
      // MLflow bills per hour while it runs; outside prod it stops every evening and users start it on demand.
      const deadLetters = new DeadLetterQueue(this, 'MlflowStopDeadLetters', {
        encryptionKey: props.logsKey,
        alarmTopic: props.alertsTopic,
        purpose: 'the MLflow stop schedule',
      });
      const schedulerRole = new PlatformRole(this, 'MlflowStopRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
        description: 'EventBridge Scheduler stops the MLflow tracking server',
      });
      // Scheduler sends failed deliveries with the schedule's role, which must also use the queue's key.
      deadLetters.queue.grantSendMessages(schedulerRole);
      schedulerRole.justifyActions(
        ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        'sending to the KMS-encrypted dead-letter queue needs data keys of that one queue key',
      );
      new scheduler.Schedule(this, 'MlflowStopSchedule', {
        description: 'Stops the MLflow tracking server so it does not bill overnight',
        // the schedule's target input is encrypted with the logs key (finding 8); Scheduler decrypts it with the role
        key: props.logsKey,
        schedule: scheduler.ScheduleExpression.expression(settings.mlflowStopSchedule),
        target: new schedulerTargets.Universal({
          service: 'sagemaker',
          action: 'stopMlflowTrackingServer',
          input: scheduler.ScheduleTargetInput.fromObject({ TrackingServerName: server.trackingServerName }),
          role: schedulerRole,
          deadLetterQueue: deadLetters.queue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
          policyStatements: [
            new iam.PolicyStatement({
              actions: ['sagemaker:StopMlflowTrackingServer'],
              resources: [trackingServerArn],
            }),
          ],
        }),
      });
    }
    return server;
  }
}

/** The Studio user profiles of each persona's people. */
function profilesByPersona(users: readonly { readonly name: string; readonly persona: Persona }[]) {
  return Object.fromEntries(
    PERSONAS.map((persona) => [persona, users.filter((u) => u.persona === persona).map((u) => u.name)]),
  ) as Record<Persona, string[]>;
}

function idleShutdown(minutes: number): sagemaker.CfnDomain.AppLifecycleManagementProperty {
  return {
    idleSettings: {
      lifecycleManagement: 'ENABLED',
      idleTimeoutInMinutes: minutes,
      minIdleTimeoutInMinutes: 60,
      maxIdleTimeoutInMinutes: Math.max(minutes, 240),
    },
  };
}
