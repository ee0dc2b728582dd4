import { ArnFormat, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ModelPackageBaselinesFunction } from '../constructs/model-package-baselines';
import { PlatformRole } from '../constructs/platform-role';
import {
  approvedModelParameterName,
  baselinesFunctionName,
  breakGlassRoleName,
  modelPackageGroupName,
  modelPublisherRoleName,
  NO_APPROVED_MODEL,
  personaRoleName,
  promotionGateRoleName,
  rolloutStateMachineName,
} from '../naming';
import { PipelineRunnerRole } from './pipeline-runner-role';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface RegistryStackProps extends PlatformStackProps {
  readonly artifactsBucket: s3.IBucket;
  readonly logsKey: kms.IKey;
  readonly alertsTopic: sns.ITopic;
  /**
   * Accounts whose data scientists publish models into this environment (the dev accounts). Their
   * DataScientist and MLEngineer persona roles may assume the publisher role. Only before stage 3: an
   * environment that trains its own models refuses publishers.
   */
  readonly publisherAccounts: readonly { readonly account: string; readonly environment: string }[];
  /**
   * Whether the environment monitors its models (stage 4): the stack then holds the function that resolves the
   * baselines of each approved version for the model stacks' monitoring.
   * @default false
   */
  readonly modelMonitoring?: boolean;
  /**
   * The delivery pipeline whose post-deploy check runs this environment's training pipelines (stage 4, the test
   * environment): the stack then holds the role the check assumes from the tooling account.
   * @default - no pipeline runner role
   */
  readonly pipelineRunner?: { readonly toolingAccount: string };
}

/** Prefix of the artifact bucket under which published model artifacts land. */
export const PUBLISHED_ARTIFACTS_PREFIX = 'published';

/**
 * Stage 2 model registry of one environment: a model package group per model, the approved-version SSM
 * parameter per model (`none` until a version is approved), notifications of every approval change, and the
 * publisher role through which a model trained in dev reaches this environment's registry. From stage 4 it also
 * holds the function that resolves approved versions' baselines, and in the test environment the role through
 * which the delivery pipeline runs the training pipelines.
 */
export class RegistryStack extends PlatformStack {
  /** The model package group of each model, by model name. */
  readonly modelPackageGroups = new Map<string, sagemaker.CfnModelPackageGroup>();
  /** The approved-version parameter of each model, by model name. */
  readonly approvedModelParameters = new Map<string, ssm.StringParameter>();
  /** Present where models arrive by publishing from dev: an environment with models that does not train (stage 2). */
  readonly publisherRole?: PlatformRole;
  /** Answers the model stacks' `Custom::ModelPackageBaselines` resources; present with `modelMonitoring`. */
  readonly baselinesFunction?: ModelPackageBaselinesFunction;
  /** The role the delivery pipeline runs the training pipelines with; present with `pipelineRunner`. */
  readonly pipelineRunner?: PipelineRunnerRole;
  /** The documented break-glass role of continuous deployment (stage 5); present with models. */
  readonly breakGlassRole?: PlatformRole;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { project, envConfig } = this;
    if (props.publisherAccounts.length > 0 && envConfig.maturity.capabilities.has('trainingPipeline')) {
      // a publisher role here would be a write path from dev into an environment that trains its own models
      throw new Error(
        `registry of environment "${envConfig.name}": publisherAccounts must be empty where the environment trains its own models (stage 3), got ${props.publisherAccounts.map((p) => p.account).join(', ')}`,
      );
    }

    const groups = new Construct(this, 'ModelPackageGroups');
    const parameters = new Construct(this, 'ApprovedModels');
    for (const model of envConfig.models) {
      const group = new sagemaker.CfnModelPackageGroup(groups, model.name, {
        modelPackageGroupName: modelPackageGroupName(project, envConfig.name, model.name),
        // create-only: a changed description would replace the group and its versions, so it never varies
        modelPackageGroupDescription: `Versions of the ${model.name} model in ${envConfig.name}`,
      });
      group.applyRemovalPolicy(this.statefulRemovalPolicy);
      if (envConfig.maturity.capabilities.has('continuousDeployment')) {
        group.modelPackageGroupPolicy = approvalGuardPolicy(this, model.name);
      }
      this.modelPackageGroups.set(model.name, group);

      // CloudFormation never reads this value back: approving writes it, and the model's stack resolves it.
      const parameter = new ssm.StringParameter(parameters, model.name, {
        parameterName: approvedModelParameterName(project, envConfig.name, model.name),
        stringValue: NO_APPROVED_MODEL,
        description: `Approved model package ARN of ${model.name} served in ${envConfig.name}, or ${NO_APPROVED_MODEL}`,
      });
      // the approved version is prod state: removing the model from the config must not forget which version serves
      parameter.applyRemovalPolicy(this.statefulRemovalPolicy);
      this.approvedModelParameters.set(model.name, parameter);
    }

    if (envConfig.models.length > 0) {
      this.notifyApprovalChanges(props);
      // without a dev environment nobody publishes by hand; training pipelines register versions from stage 3
      if (props.publisherAccounts.length > 0) this.publisherRole = this.createPublisherRole(props);
    }

    if (envConfig.models.length > 0 && envConfig.maturity.capabilities.has('continuousDeployment')) {
      this.breakGlassRole = createBreakGlassRole(this, props.logsKey);
    }

    if (props.modelMonitoring) {
      // the model stacks address it by name, so they need no reference to this stack
      this.baselinesFunction = new ModelPackageBaselinesFunction(this, 'ModelPackageBaselines', {
        functionName: baselinesFunctionName(project, envConfig.name),
        project,
        environment: envConfig.name,
        logsKey: props.logsKey,
        alarmTopic: props.alertsTopic,
        logRetention: envConfig.settings.logRetentionDays as logs.RetentionDays,
        removalPolicy: this.statefulRemovalPolicy,
      });
    }
    if (props.pipelineRunner) {
      // the delivery pipeline's TrainOnSampleData check starts and watches the training pipelines through this role
      this.pipelineRunner = new PipelineRunnerRole(this, 'PipelineRunner', {
        project,
        environment: envConfig.name,
        toolingAccount: props.pipelineRunner.toolingAccount,
      });
      this.pipelineRunner.allowRunningTrainingPipelines(project, envConfig.name);
    }
  }

  /** Every approval, rejection or new version of this environment's models reaches the alerts topic. */
  private notifyApprovalChanges(props: RegistryStackProps): void {
    const deadLetters = new DeadLetterQueue(this, 'ApprovalEventsDeadLetters', {
      encryptionKey: props.logsKey,
      alarmTopic: props.alertsTopic,
      purpose: 'model package state change notifications',
      removalPolicy: this.statefulRemovalPolicy,
    });
    const publishRole = new PlatformRole(this, 'ApprovalEventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'EventBridge publishes model package state changes to the alerts topic',
    });
    props.alertsTopic.grantPublish(publishRole);
    publishRole.justifyActions(
      ['kms:GenerateDataKey*'],
      'publishing to the KMS-encrypted alerts topic needs data keys of its one key',
    );
    new events.Rule(this, 'ModelPackageStateChange', {
      description: 'A model version of this environment was registered, approved or rejected',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        // a prefix, not a list of names: the pattern stays small however many models there are
        detail: { ModelPackageGroupName: [{ prefix: modelPackageGroupName(this.project, this.envConfig.name, '') }] },
      },
      targets: [
        new targets.SnsTopic(props.alertsTopic, {
          // a role of this account, so the topic and key policies need no open statement for EventBridge
          authorizeUsingRole: true,
          role: publishRole,
          deadLetterQueue: deadLetters.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
  }

  /**
   * The publisher path before stage 3: dev's data scientists upload artifacts into this environment's artifact
   * bucket and register a version, pending approval here. Nothing else: no approval, no deletion, no reads, no
   * overwrite. SageMaker records the role as the creator of each version it registers, so the approve command
   * never takes such a version's metrics as evidence (ADR 0021).
   */
  private createPublisherRole(props: RegistryStackProps): PlatformRole {
    // one principal per account, even when several dev environments share it (single-account mode)
    const accounts = [...new Set(props.publisherAccounts.map((p) => p.account))];
    const principals = accounts.map((account) => new iam.AccountPrincipal(account));
    const allowedRoles = props.publisherAccounts.flatMap((p) =>
      ['data-scientist', 'ml-engineer'].map((persona) =>
        this.formatArn({
          service: 'iam',
          region: '',
          account: p.account,
          resource: 'role',
          resourceName: personaRoleName(this.project, p.environment, persona),
        }),
      ),
    );
    const role = new PlatformRole(this, 'ModelPublisherRole', {
      roleName: modelPublisherRoleName(this.project, this.envConfig.name),
      description: 'Publishes model versions from dev into this registry, pending approval',
      assumedBy: new iam.CompositePrincipal(...principals).withConditions({
        ArnEquals: { 'aws:PrincipalArn': allowedRoles },
      }),
      maxSessionDuration: Duration.hours(1),
    });

    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'UploadNewArtifactsOnly',
        actions: ['s3:PutObject'],
        resources: [props.artifactsBucket.arnForObjects(`${PUBLISHED_ARTIFACTS_PREFIX}/*`)],
        // only with If-None-Match: *, which S3 refuses (412) when the key exists: nothing published is replaced
        conditions: { Null: { 's3:if-none-match': 'false' } },
      }),
      'publishers create new objects only (If-None-Match required, so an existing key is never replaced), under the published/ prefix',
    );
    // PutObject into the KMS-encrypted bucket needs a data key; nothing else of the key (no decrypt, no re-encrypt)
    props.artifactsBucket.encryptionKey?.grant(role, 'kms:GenerateDataKey');

    // Name prefixes keep the policy small for any number of models (a managed policy holds 6,144 characters).
    const groupPrefix = modelPackageGroupName(this.project, this.envConfig.name, '*');
    const groupArns = [
      this.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: groupPrefix }),
    ];
    const packageArns = [
      this.formatArn({
        service: 'sagemaker',
        resource: 'model-package',
        resourceName: `${groupPrefix}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    ];
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'RegisterVersionsPendingApproval',
        actions: ['sagemaker:CreateModelPackage'],
        resources: [...groupArns, ...packageArns],
        // a publisher can never register a version as already approved
        conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
      }),
      'groups share the project-environment prefix and versions get numbered names, so both are matched by prefix',
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({ sid: 'TagNewVersions', actions: ['sagemaker:AddTags'], resources: packageArns }),
      'registering a version with tags tags it too; versions get numbered names inside each model group',
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadTheRegistry',
        actions: [
          'sagemaker:DescribeModelPackageGroup',
          'sagemaker:DescribeModelPackage',
          'sagemaker:ListModelPackages',
        ],
        resources: [...groupArns, ...packageArns],
      }),
      'publishers check what they registered; versions get numbered names inside each model group',
    );
    return role;
  }
}

/** Sid of the group policy statement that keeps approvals to the gate and the ModelApprover (stage 5). */
export const APPROVAL_GUARD_SID = 'OnlyTheGateAndTheModelApproverChangeVersions';

/**
 * The resource policy of a model's package group from stage 5 (ADR 0023): UpdateModelPackage, which changes a
 * version's approval status, is denied to every principal but the model's champion/challenger gate role and the
 * environment's ModelApprover persona. An explicit deny in the resource policy wins over any identity policy in the
 * account, so an administrator's role or a future role with `sagemaker:*` cannot approve a version either.
 */
export function approvalGuardPolicy(stack: RegistryStack, model: string): Record<string, unknown> {
  const { project } = stack;
  const environment = stack.envConfig.name;
  const group = modelPackageGroupName(project, environment, model);
  const roleArn = (name: string) =>
    stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name });
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: APPROVAL_GUARD_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 'sagemaker:UpdateModelPackage',
        Resource: stack.formatArn({
          service: 'sagemaker',
          resource: 'model-package',
          resourceName: `${group}/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
        Condition: {
          ArnNotEquals: {
            'aws:PrincipalArn': [
              roleArn(promotionGateRoleName(project, environment, model)),
              roleArn(personaRoleName(project, environment, 'model-approver')),
            ],
          },
        },
      },
    ],
  };
}

/**
 * The break-glass role of an environment's continuous deployment (docs/runbooks/promotion-and-rollout.md): the
 * environment's ML engineers assume it, with MFA, to start a model's rollout by hand (`npm run approve`), to force
 * one past the gate's verdict, and, when the rollout itself is broken, to write the approved-version parameter. With
 * the rollout roles it is the only role of the platform that may write that parameter.
 */
function createBreakGlassRole(stack: RegistryStack, logsKey: kms.IKey): PlatformRole {
  const { project } = stack;
  const environment = stack.envConfig.name;
  const role = new PlatformRole(stack, 'BreakGlassRole', {
    roleName: breakGlassRoleName(project, environment),
    description: 'Break glass: starts or forces a model rollout, or writes the approved version by hand',
    assumedBy: new iam.AccountPrincipal(stack.account).withConditions({
      ArnEquals: {
        'aws:PrincipalArn': stack.formatArn({
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName: personaRoleName(project, environment, 'ml-engineer'),
        }),
      },
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
    }),
    maxSessionDuration: Duration.hours(1),
  });
  // one name pattern, not one ARN per model: the policy stays the same size for any number of models
  const parameters = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: approvedModelParameterName(project, environment, '*').replace(/^\//, ''),
  });
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'WriteTheApprovedVersionByHand',
      actions: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter'],
      resources: [parameters],
    }),
    'the approved-version parameters of every model of this environment share one name pattern, and hold nothing but the approved version',
  );
  const stateMachines = stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: rolloutStateMachineName(project, environment, '*'),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const executions = stack.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${rolloutStateMachineName(project, environment, '*')}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'StartAndFollowRollouts',
      actions: ['states:StartExecution', 'states:DescribeExecution', 'states:DescribeStateMachine'],
      resources: [stateMachines, executions],
    }),
    'the rollout state machines of every model of this environment share one name pattern; executions get generated names',
  );
  // a rollout's input is encrypted with the state machine's key (the logs key) when it starts
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EncryptRolloutInput',
      actions: ['kms:GenerateDataKey'],
      resources: [logsKey.keyArn],
      conditions: { StringLike: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachines } },
    }),
  );
  return role;
}
