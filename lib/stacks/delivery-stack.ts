import { Duration, Stack, type StackProps, Stage, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  CodeBuildStep,
  CodePipeline,
  CodePipelineSource,
  ManualApprovalStep,
  ShellStep,
  StageDeployment,
  type Step,
} from 'aws-cdk-lib/pipelines';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { Construct, IConstruct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { ConfigError, type ResolvedEnvironment } from '../config/loader';
import type { NotificationsConfig } from '../config/notifications';
import { PlatformRole, wildcardFindings } from '../constructs/platform-role';
import { AccessLogsBucket, SecureBucket } from '../constructs/secure-bucket';
import { throwIfInvalid } from '../constructs/validation';
import type { PlatformEnvironment } from '../environment';
import {
  DELIVERY_HANDOFF_KEY,
  deliveryArtifactsKeyAlias,
  deliveryHandoffBucketName,
  deliveryStackName,
  pipelineRunnerRoleName,
  sampleTrainingRoleName,
} from '../naming';
import { CODEPIPELINE_QUOTAS } from '../service-quotas';
import { applyPlatformTags } from '../tagging';
import type { TriggerReason } from '../vocabulary';
import { HandoffStep } from './delivery-handoff';
import { DeliveryNotifications } from './delivery-notifications';
import {
  type DeliveryPlan,
  deliveryPlanProblems,
  type EnvironmentToDeliver,
  type FixedPipelinePart,
  fixedPipelinePart,
  type PipelineQuotas,
  planDelivery,
} from './delivery-plan';

/** Python tools the synth step installs: cfn-lint for the templates, numpy, scipy and pytest for `ml/`. */
export const SYNTH_PYTHON_PACKAGES = 'cfn-lint==1.51.0 numpy==2.4.6 scipy==1.17.1 pytest==9.0.3';

/** What the synth step runs: the same gates as `.ci/run`, then the cloud assembly the pipeline deploys. */
export const SYNTH_COMMANDS: readonly string[] = [
  'npm ci',
  'npm run typecheck',
  'npm run lint',
  'npm test',
  `pip install ${SYNTH_PYTHON_PACKAGES}`,
  'python3 -m pytest ml -q',
  'npx cdk synth',
  // cfn-lint expands the quoted glob itself, so every template of every nested assembly is checked
  "cfn-lint -c I -i I1022 W3005 -- 'cdk.out/**/*.template.json'",
];

/**
 * What the synth step of a later pipeline runs: the revision already passed every gate of the first pipeline, so it
 * only builds the cloud assembly again, which is deterministic for one revision and one lock file.
 */
export const HANDOFF_SYNTH_COMMANDS: readonly string[] = ['npm ci', 'npx cdk synth'];

/**
 * Value of the training pipelines' `TriggerReason` parameter for executions started by the delivery pipeline: a
 * `manual` run in the words of the retraining contract (lib/vocabulary.ts TRIGGER_REASONS: the value starts with one
 * of them), which the retraining budget does not count.
 */
export const DELIVERY_TRIGGER_REASON: `${TriggerReason}-${string}` = 'manual-delivery-test';

/** Where the pipeline's source lives: a CodeConnections (CodeStar Connections) connection to GitHub, GitLab or Bitbucket. */
export interface DeliveryConnection {
  /** ARN of a connection in the tooling account whose status is `AVAILABLE`. */
  readonly connectionArn: string;
  /** The repository as `owner/name`. */
  readonly repository: string;
  /** The branch whose pushes start the pipeline. */
  readonly branch: string;
}

/** The post-deploy check of one environment: run its training pipelines on the sample data and wait for them. */
export interface SampleTrainingCheck {
  /** Name of the environment (kind `test` in practice) whose training pipelines run after it is deployed. */
  readonly environment: string;
  /** Names of the SageMaker pipelines to start, one per model (`trainingPipelineName(...)`). */
  readonly pipelineNames: readonly string[];
  /**
   * How long the check waits for all executions before it stops them and fails.
   * @default Duration.hours(2)
   */
  readonly timeout?: Duration;
  /**
   * Seconds between two status polls of an execution.
   * @default 60
   */
  readonly pollSeconds?: number;
}

/**
 * The Stage of one environment, with the id (`environment.stageId`) and props `buildPlatform` (lib/app.ts) gives it.
 * It is called with the delivery stack's enclosing Stage (normally the App) as scope, so a factory may return the
 * Stage `buildPlatform` already added there: then `cdk deploy 'Dev/*'` and the pipeline deploy the same object.
 */
export type PlatformEnvironmentFactory = (scope: Construct, environment: ResolvedEnvironment) => PlatformEnvironment;

export interface DeliveryStackProps extends Omit<StackProps, 'env' | 'stackName' | 'crossRegionReferences'> {
  /** Project name, the prefix of stack and role names. */
  readonly project: string;
  /** Account and region of the pipeline (config `tooling`). It may be an environment's account. */
  readonly tooling: { readonly account: string; readonly region: string };
  /** The environments the pipeline deploys, in config order; they are promoted by kind: dev, then test, then prod. */
  readonly environments: readonly ResolvedEnvironment[];
  /** The source repository and branch. */
  readonly connection: DeliveryConnection;
  /**
   * Returns one environment's Stage; called with this stack's enclosing Stage (normally the App) as scope, so that
   * construct paths, and everything derived from them, are those of `cdk deploy 'Dev/*'`.
   */
  readonly environmentStage: PlatformEnvironmentFactory;
  /**
   * Train every model on the sample data after the given environment is deployed, and fail the promotion if a
   * training pipeline fails.
   * @default - no post-deploy check
   */
  readonly sampleTraining?: SampleTrainingCheck;
  /**
   * The pipeline's name, which is also its stack's name (`deliveryPipelineName`).
   * @default deliveryStackName(project)
   */
  readonly pipelineName?: string;
  /**
   * What starts a run. `push`: every push to the branch, and the synth step runs every check of the repository.
   * `handoff`: the previous pipeline, by putting the revision it has deployed into this pipeline's artifact bucket
   * (named after the pipeline); the synth step then only builds the cloud assembly of that revision again.
   * @default 'push'
   */
  readonly trigger?: DeliveryTrigger;
  /**
   * The pipeline that deploys the next environment kinds: once every environment of this one is deployed, it
   * receives the revision (one S3 deploy action), which starts it.
   * @default - this pipeline promotes to no other
   */
  readonly next?: NextPipeline;
  /**
   * CodePipeline's structural quotas the pipeline must stay within; synth refuses a layout past them.
   * @default CODEPIPELINE_QUOTAS
   */
  readonly quotas?: PipelineQuotas;
  /**
   * Extra cost-allocation tags of the pipeline's own resources (never of the environments it deploys).
   * @default - only `project` and `environment: tooling`
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Who hears of failed runs (critical) and pending approvals (warning) of the pipeline (config `tooling.notifications`).
   * @default - nobody: no notification rule (synth warns)
   */
  readonly notifications?: NotificationsConfig;
}

/** What starts a delivery pipeline: a push to the branch, or the previous pipeline handing a revision over. */
export type DeliveryTrigger = 'push' | 'handoff';

/** The delivery pipeline a pipeline hands its revision over to, in the same tooling account and region. */
export interface NextPipeline {
  /** Its name (`deliveryPipelineName`): its artifact bucket and artifact key alias are named after it. */
  readonly pipelineName: string;
}

/**
 * Stage 4: the self-mutating CDK pipeline in the tooling account. On every push to the branch it runs the full
 * check (type check, lint, tests, pytest, synth, cfn-lint), updates itself, publishes assets, and deploys the
 * very same `PlatformEnvironment` stages that `cdk deploy 'Dev/*'` deploys - same stack names, same logical ids -
 * promoting dev, then test (where every model trains on the sample data), then prod behind a manual approval.
 */
export class DeliveryStack extends Stack {
  readonly pipeline: CodePipeline;
  /** Encrypts the pipeline's artifacts; rotated yearly. Environment accounts get decrypt through grants. */
  readonly artifactsKey: kms.Key;
  readonly artifactsBucket: SecureBucket;
  readonly accessLogsBucket: SecureBucket;
  /** The stages the pipeline deploys, by environment name. */
  readonly environmentStages: ReadonlyMap<string, PlatformEnvironment>;
  /** How the environments are laid out over the pipeline's deploy stages. */
  readonly plan: DeliveryPlan;
  /** The post-deploy training check, when configured. */
  readonly sampleTrainingStep?: CodeBuildStep;
  /** Role of the post-deploy check's CodeBuild project: it may only assume the environment's runner role. */
  readonly sampleTrainingRole?: PlatformRole;
  /** Where the previous pipeline hands the revision over, when this pipeline is started by one. */
  readonly handoffBucket?: SecureBucket;
  /** Role of the action that hands the revision over to the next pipeline, when there is one. */
  readonly handoffRole?: PlatformRole;
  /** The next pipeline's hand-off bucket, found by name, when there is a next pipeline. */
  readonly nextHandoffBucket?: s3.IBucket;
  /** The name of the pipeline and of its stack. */
  readonly pipelineName: string;
  private readonly project: string;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    validateProps(scope, id, props);
    const {
      project,
      tooling,
      connection,
      environments,
      environmentStage,
      sampleTraining,
      pipelineName = deliveryStackName(project),
      trigger = 'push',
      next,
      quotas = CODEPIPELINE_QUOTAS,
      tags,
      notifications,
      description,
      terminationProtection,
      ...stackProps
    } = props;
    super(scope, id, {
      ...stackProps,
      stackName: pipelineName,
      env: { account: tooling.account, region: tooling.region },
      description:
        description ??
        `${project} tooling: self-mutating delivery pipeline of the platform (stage 4), deploys ${environments.map((e) => e.name).join(', ')}`,
      terminationProtection: terminationProtection ?? true,
    });
    this.project = project;
    this.pipelineName = pipelineName;

    this.artifactsKey = new kms.Key(this, 'ArtifactsKey', {
      alias: deliveryArtifactsKeyAlias(pipelineName),
      description: `Artifacts of the ${pipelineName} pipeline`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
    });
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { expirationDays: 365 });
    this.artifactsBucket = new SecureBucket(this, 'ArtifactsBucket', {
      encryptionKey: this.artifactsKey,
      serverAccessLogsBucket: this.accessLogsBucket,
      // artifacts of old executions are never read again; 30 days leaves room to investigate a failed run
      noncurrentVersionExpirationDays: 30,
    });
    if (trigger === 'handoff') {
      // the previous pipeline finds it by name and may write only here; each object it writes starts this pipeline
      this.handoffBucket = new SecureBucket(this, 'HandoffBucket', {
        bucketName: deliveryHandoffBucketName(pipelineName, tooling.account, tooling.region),
        encryptionKey: this.artifactsKey,
        serverAccessLogsBucket: this.accessLogsBucket,
        eventBridgeEnabled: true,
        noncurrentVersionExpirationDays: 30,
      });
    }

    const source =
      trigger === 'push'
        ? CodePipelineSource.connection(connection.repository, connection.branch, {
            connectionArn: connection.connectionArn,
            triggerOnPush: true,
          })
        : CodePipelineSource.s3(this.handoffBucket as SecureBucket, DELIVERY_HANDOFF_KEY, {
            actionName: 'Handoff',
            trigger: cpactions.S3Trigger.NONE,
          });

    const buildImage = codebuild.LinuxBuildImage.STANDARD_7_0;
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName,
      selfMutation: true,
      crossAccountKeys: true,
      enableKeyRotation: true,
      dockerEnabledForSynth: false,
      dockerEnabledForSelfMutation: false,
      artifactBucket: this.artifactsBucket,
      // one publishing project per asset type instead of one per asset: fewer projects however many models
      publishAssetsInParallel: false,
      codeBuildDefaults: {
        buildEnvironment: {
          buildImage,
          computeType: codebuild.ComputeType.SMALL,
          privileged: false,
        },
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          phases: { install: { 'runtime-versions': { nodejs: '20', python: '3.12' } } },
        }),
      },
      synthCodeBuildDefaults: {
        // the tests synthesize every environment at every stage: give them the memory and cores
        buildEnvironment: { computeType: codebuild.ComputeType.MEDIUM },
      },
      synth: new ShellStep('Synth', {
        input: source,
        commands: [...(trigger === 'push' ? SYNTH_COMMANDS : HANDOFF_SYNTH_COMMANDS)],
        primaryOutputDirectory: 'cdk.out',
      }),
    });

    // every environment's Stage, its stacks in dependency order as CDK Pipelines deploys them, and its extra steps
    const scopeOfStages = Stage.of(this) ?? this.node.root;
    const targets = new Map<string, DeliveryTarget>();
    for (const environment of environments) {
      const stage = environmentStage(scopeOfStages, environment);
      const pre: Step[] = [];
      if (environment.settings.requireApproval) {
        pre.push(
          new ManualApprovalStep(`PromoteTo${environment.stageId}`, {
            comment: `Promote ${project} to ${environment.name} (${environment.account}/${environment.region}): review the change sets of the stages before it, then approve.`,
          }),
        );
      }
      const post: Step[] = [];
      if (sampleTraining?.environment === environment.name) {
        this.sampleTrainingRole = this.sampleTrainingRunner(environment);
        this.sampleTrainingStep = this.sampleTrainingCheck(environment, sampleTraining, this.sampleTrainingRole);
        post.push(this.sampleTrainingStep);
      }
      targets.set(environment.name, { environment, stage, pre, post });
    }
    this.environmentStages = new Map([...targets].map(([name, target]) => [name, target.stage]));

    const toPlan = environments.map((e) =>
      environmentToDeliver(e, (targets.get(e.name) as DeliveryTarget).stage, sampleTraining),
    );
    this.plan = planDelivery(toPlan, { maxActionsPerStage: quotas.actionsPerStage, finalActions: next ? 1 : 0 });
    const fixed = fixedPipelinePart(toPlan);
    const problems = deliveryPlanProblems(this.plan, fixed, { quotas });
    if (problems.length > 0) throw new ConfigError('delivery pipeline', problems);

    // one wave per planned pipeline stage; each environment's part of it is a StageDeployment of the same Stage
    // object (so the same stacks, templates and logical ids) that keeps only the stacks planned there
    for (const planned of this.plan.stages) {
      const wave = this.pipeline.addWave(planned.name);
      for (const part of planned.deployments) {
        const target = targets.get(part.environment) as DeliveryTarget;
        const deployment = StageDeployment.fromStage(target.stage, {
          // a wave of one deployment becomes a pipeline stage named after the deployment
          stageName: planned.deployments.length === 1 ? planned.name : target.stage.stageName,
          pre: part.first ? target.pre : [],
          post: part.last ? target.post : [],
        });
        keepOnly(deployment, part.stacks);
        wave.stages.push(deployment);
      }
      if (next && planned.finalActions > 0) {
        this.handoffRole = this.handoffRunner(next);
        this.nextHandoffBucket = s3.Bucket.fromBucketName(
          this,
          'NextHandoffBucket',
          deliveryHandoffBucketName(next.pipelineName, tooling.account, tooling.region),
        );
        wave.addPost(new HandoffStep('HandOff', { source, bucket: this.nextHandoffBucket, role: this.handoffRole }));
      }
    }

    // the pipeline's roles, projects and policies exist only once it is built; acknowledge findings on them after
    this.pipeline.buildPipeline();
    this.checkLayout(fixed);
    if (notifications) {
      new DeliveryNotifications(this, 'Notifications', {
        pipeline: this.pipeline.pipeline,
        pipelineName,
        notifications,
      });
    }
    if (this.handoffBucket) {
      // the previous pipeline's hand-off starts this one; a restart after self-mutation reads the same revision
      const rule = new events.Rule(this, 'StartOnHandoff', {
        description: `Starts ${pipelineName} when the previous delivery pipeline hands a revision over`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [this.handoffBucket.bucketName] }, object: { key: [DELIVERY_HANDOFF_KEY] } },
        },
        targets: [new eventTargets.CodePipeline(this.pipeline.pipeline)],
      });
      acknowledge(
        rule,
        'Serverless-EventBusDLQ',
        'the event only starts the pipeline, whose source is the hand-off object itself: EventBridge retries a failed start for 24 hours, and a lost event loses no revision, because the next hand-off or a manual Release change starts from the latest object',
      );
    }
    this.useConnectionOfItsServicePrefix(connection.connectionArn);
    this.acknowledgeGeneratedPolicies();
    this.acknowledgeReplicationBuckets();
    applyPlatformTags(this, { project, environment: 'tooling', extraTags: tags });
  }

  /**
   * The pipeline CDK Pipelines built must be the one planned: CDK Pipelines splits a wave of more than 50 actions
   * into stages of its own (`Dev.1`, `Dev.2`) that the quota check above did not count.
   */
  private checkLayout(fixed: FixedPipelinePart): void {
    const built = this.pipeline.pipeline.stages;
    const expected = ['Source', 'Build', 'UpdatePipeline', ...(fixed.stages > 3 ? ['Assets'] : [])].concat(
      this.plan.stages.map((s) => s.name),
    );
    const names = built.map((s) => s.stageName);
    const actions = built.reduce((sum, s) => sum + s.actions.length, 0);
    if (names.join() !== expected.join() || actions !== fixed.actions + this.plan.actions) {
      throw new Error(
        `delivery pipeline: CDK Pipelines built the stages ${names.join(', ')} with ${actions} actions, where the plan has ${expected.join(', ')} with ${fixed.actions + this.plan.actions}; update planDelivery to the CDK Pipelines in use`,
      );
    }
  }

  /**
   * The role of the action that hands the revision over: it reads this pipeline's artifacts and writes the next
   * pipeline's hand-off bucket, encrypting with that pipeline's artifact key, which it can name only by its alias.
   */
  private handoffRunner(next: NextPipeline): PlatformRole {
    const role = new PlatformRole(this, 'HandoffRole', {
      // as for the roles CodePipeline creates for its other actions: the pipeline's role assumes it
      assumedBy: new iam.AccountPrincipal(this.account),
      description: `Hands the revisions ${this.pipelineName} has deployed over to ${next.pipelineName}`,
    });
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'EncryptHandoffWithTheKeyOfTheNextPipeline',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': deliveryArtifactsKeyAlias(next.pipelineName) },
          StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` },
        },
      }),
      `the key of ${next.pipelineName} lives in its own stack, which this one must not reference (each pipeline updates only its own stack); the statement matches that one key by its alias, and only for S3 requests`,
    );
    return role;
  }

  /**
   * The role of the post-deploy check's CodeBuild project in the tooling account. Its fixed name is what the
   * runner role in the environment account trusts; it may assume that one role and nothing else.
   */
  private sampleTrainingRunner(environment: ResolvedEnvironment): PlatformRole {
    const role = new PlatformRole(this, 'SampleTrainingRole', {
      roleName: sampleTrainingRoleName(this.project),
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: `Runs the training pipelines of ${this.project} ${environment.name} after each delivery`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumePipelineRunner',
        actions: ['sts:AssumeRole'],
        resources: [this.runnerRoleArn(environment)],
      }),
    );
    return role;
  }

  private runnerRoleArn(environment: ResolvedEnvironment): string {
    return this.formatArn({
      service: 'iam',
      region: '',
      account: environment.account,
      resource: 'role',
      resourceName: pipelineRunnerRoleName(this.project, environment.name),
    });
  }

  /** The post-deploy check: through the runner role, start each training pipeline and wait for the outcome. */
  private sampleTrainingCheck(
    environment: ResolvedEnvironment,
    check: SampleTrainingCheck,
    role: iam.IRole,
  ): CodeBuildStep {
    const timeout = check.timeout ?? Duration.hours(2);
    return new CodeBuildStep('TrainOnSampleData', {
      role,
      // the project outlives the check's own deadline, so the check can stop what it started and report
      timeout: timeout.plus(Duration.minutes(15)),
      env: {
        RUNNER_ROLE_ARN: this.runnerRoleArn(environment),
        TARGET_REGION: environment.region,
        TRAINING_PIPELINES: check.pipelineNames.join(' '),
        TRIGGER_REASON: DELIVERY_TRIGGER_REASON,
        TIMEOUT_SECONDS: String(timeout.toSeconds()),
        POLL_SECONDS: String(check.pollSeconds ?? 60),
      },
      commands: [sampleTrainingScript()],
    });
  }

  /**
   * CDK Pipelines grants `codestar-connections:UseConnection`, but IAM matches an action to a resource only within
   * one service prefix, and connections created since July 2024 have `codeconnections` ARNs: grant the action of
   * the connection's own prefix instead.
   */
  private useConnectionOfItsServicePrefix(connectionArn: string): void {
    if (Token.isUnresolved(connectionArn) || connectionArn.split(':')[2] !== 'codeconnections') return;
    for (const policy of this.pipeline.pipeline.node.findAll()) {
      if (!(policy instanceof iam.CfnPolicy)) continue;
      const document = this.resolve(policy.policyDocument) as { Statement?: StatementJson[] } | undefined;
      (document?.Statement ?? []).forEach((statement, index) => {
        if ([statement.Action ?? []].flat().includes('codestar-connections:UseConnection')) {
          policy.addPropertyOverride(`PolicyDocument.Statement.${index}.Action`, 'codeconnections:UseConnection');
        }
      });
    }
  }

  /**
   * CDK Pipelines creates its roles, policies and CodeBuild projects itself. Each wildcard below is one that its
   * generated policies always have, recognized by the whole statement (actions, resources, conditions), and is
   * acknowledged on the one policy it is in, with the reason a reviewer needs. A wildcard of any other shape stays
   * a violation, so a CDK upgrade that widens a generated policy fails the synth until someone reads it.
   * Policy documents are final only once the app is prepared, so this runs in the validation phase.
   */
  private acknowledgeGeneratedPolicies(): void {
    this.node.addValidation({
      validate: () => {
        const scopes = [this.pipeline, this.sampleTrainingRole, this.handoffRole].filter(
          (scope): scope is NonNullable<typeof scope> => scope !== undefined,
        );
        for (const construct of scopes.flatMap((s) => s.node.findAll())) {
          if (construct instanceof iam.CfnPolicy) {
            this.acknowledgeWildcards(construct, construct.policyDocument);
            acknowledge(
              construct,
              'NIST.800.53.R5-IAMNoInlinePolicy',
              'CDK Pipelines attaches the permissions of the roles it generates as inline default policies; each belongs to one generated role and is rewritten by every self-mutation',
            );
          }
          if (construct instanceof iam.CfnManagedPolicy) this.acknowledgeWildcards(construct, construct.policyDocument);
        }
        return [];
      },
    });
  }

  private acknowledgeWildcards(policy: IConstruct, document: unknown): void {
    const statements = (
      (this.resolve(document) as { Statement?: StatementJson[] } | undefined)?.Statement ?? []
    ).filter((s) => s.Effect === 'Allow');
    const replicas = Object.values(this.pipeline.pipeline.crossRegionSupport).filter(
      (support) => support.replicationBucket !== this.artifactsBucket,
    );
    const context: WildcardContext = {
      account: this.account,
      region: this.region,
      buckets: [
        this.artifactsBucket,
        ...replicas.map((r) => r.replicationBucket),
        ...(this.handoffBucket ? [this.handoffBucket] : []),
      ].map((bucket) => flattenCfnReference(this.resolve(bucket.bucketArn))),
      key: flattenCfnReference(this.resolve(this.artifactsKey.keyArn)),
      crossRegion: replicas.length > 0,
      handoffBucket: this.nextHandoffBucket && flattenCfnReference(this.resolve(this.nextHandoffBucket.bucketArn)),
    };
    const reasons = new Map<string, string[]>();
    const unexplained = new Set<string>();
    for (const statement of statements) {
      const known = GENERATED_WILDCARDS.find((w) => w.matches(flatten(statement), context));
      for (const finding of wildcardFindings([statement])) {
        if (!known) {
          unexplained.add(finding);
          continue;
        }
        const list = reasons.get(finding) ?? [];
        if (!list.includes(known.reason)) list.push(known.reason);
        reasons.set(finding, list);
      }
    }
    for (const [finding, list] of reasons) {
      // a finding that an unknown statement shares is left for a human to judge
      if (!unexplained.has(finding)) acknowledge(policy, `AwsSolutions-IAM5[${finding}]`, list.join('; '));
    }
  }

  /**
   * An environment in another region than the pipeline makes CodePipeline create a support stack there
   * (`<project>-delivery-support-<region>`) with a bucket for the artifacts the deploy actions of that region read.
   */
  private acknowledgeReplicationBuckets(): void {
    for (const [region, support] of Object.entries(this.pipeline.pipeline.crossRegionSupport)) {
      const bucket = support.replicationBucket;
      if (bucket === this.artifactsBucket) continue;
      const copies = `CDK Pipelines' replication bucket in ${region} holds only transient copies of the pipeline artifacts for the deploy actions there (KMS with a rotating key, TLS only, public access blocked)`;
      acknowledge(
        bucket,
        'AwsSolutions-S1',
        `${copies}; reads and writes are in the pipeline's CloudTrail, and the originals sit in the access-logged artifact bucket`,
      );
      acknowledge(
        bucket,
        'NIST.800.53.R5-S3BucketLoggingEnabled',
        `${copies}; reads and writes are in the pipeline's CloudTrail, and the originals sit in the access-logged artifact bucket`,
      );
      acknowledge(
        bucket,
        'NIST.800.53.R5-S3BucketVersioningEnabled',
        `${copies}; every execution writes new objects and the versioned originals sit in the artifact bucket`,
      );
      acknowledge(
        bucket,
        'NIST.800.53.R5-S3BucketReplicationEnabled',
        `${copies}; the bucket is itself the cross-region copy of the artifact bucket`,
      );
    }
  }
}

interface StatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

interface FlatStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

interface WildcardContext {
  readonly account: string;
  readonly region: string;
  /** ARNs of the artifact bucket and its cross-region replicas as cdk-nag spells them (`<ArtifactsBucket....Arn>`). */
  readonly buckets: readonly string[];
  /** ARN of the artifact key as cdk-nag spells it. */
  readonly key: string;
  /** Whether some environment is in another region than the pipeline. */
  readonly crossRegion: boolean;
  /** ARN of the next pipeline's hand-off bucket as cdk-nag spells it, when there is a next pipeline. */
  readonly handoffBucket?: string;
}

interface GeneratedWildcard {
  readonly matches: (statement: FlatStatement, context: WildcardContext) => boolean;
  readonly reason: string;
}

function flatten(statement: StatementJson): FlatStatement {
  return {
    actions: [statement.Action ?? []].flat(),
    resources: [statement.Resource ?? []].flat().map((r) => flattenCfnReference(r)),
    condition: statement.Condition ?? {},
  };
}

const only = (values: readonly string[], allowed: (value: string) => boolean) =>
  values.length > 0 && values.every(allowed);
const oneOf =
  (...allowed: string[]) =>
  (value: string) =>
    allowed.includes(value);
const LOG_ACTIONS = oneOf('logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents');
const REPORT_ACTIONS = oneOf(
  'codebuild:BatchPutCodeCoverages',
  'codebuild:BatchPutTestCases',
  'codebuild:CreateReport',
  'codebuild:CreateReportGroup',
  'codebuild:UpdateReport',
);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The wildcard statements CDK Pipelines generates, each with why it is acceptable. */
const GENERATED_WILDCARDS: readonly GeneratedWildcard[] = [
  {
    matches: (s, c) =>
      only(s.actions, (a) => /^s3:(Abort\*|DeleteObject\*|GetBucket\*|GetObject\*|List\*|PutObject\w*)$/.test(a)) &&
      only(
        s.resources,
        oneOf(...c.buckets.flatMap((bucket) => [bucket, `${bucket}/*`, `${bucket}/${DELIVERY_HANDOFF_KEY}`])),
      ),
    reason:
      'CDK Pipelines grants its actions read or read-write on the pipeline artifact bucket (or its source action read on the hand-off bucket) with the action groups of the S3 grants; object keys are generated per execution, and each bucket holds nothing but this pipeline’s artifacts or the revisions handed over to it',
  },
  {
    matches: (s, c) =>
      c.handoffBucket !== undefined &&
      only(s.actions, (a) => /^s3:(Abort\*|DeleteObject\*|PutObject\w*)$/.test(a)) &&
      only(s.resources, oneOf(c.handoffBucket, `${c.handoffBucket}/*`)),
    reason:
      'the S3 deploy action that hands the revision over writes the next pipeline’s hand-off bucket with the write action groups of a bucket grant; that bucket holds nothing but the revisions handed over, and the next pipeline reads one fixed key',
  },
  {
    matches: (s, c) =>
      only(
        s.actions,
        oneOf('kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'),
      ) && only(s.resources, oneOf(c.key)),
    reason:
      'the grant on the encrypted artifact bucket brings the GenerateDataKey*/ReEncrypt* action groups of its key; the statement is scoped to the artifact key alone',
  },
  {
    matches: (s, c) =>
      c.crossRegion &&
      only(
        s.actions,
        oneOf('kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'),
      ) &&
      only(s.resources, oneOf(c.key, '*')),
    reason:
      'the replication buckets in other regions are encrypted with keys that CDK Pipelines creates in their support stacks and references by alias, so the grant cannot name them; it is limited to the encryption actions the artifact store needs',
  },
  {
    matches: (s, c) =>
      only(s.actions, LOG_ACTIONS) &&
      only(s.resources, (r) =>
        new RegExp(
          `^arn:[\\w-]+:logs:${escapeRegExp(c.region)}:${c.account}:log-group:/aws/codebuild/<\\w+>(:\\*)?$`,
        ).test(r),
      ),
    reason:
      'CodeBuild names a log stream per build; the :* suffix covers only the streams of this one project’s own log group',
  },
  {
    matches: (s, c) =>
      only(s.actions, REPORT_ACTIONS) &&
      only(s.resources, (r) =>
        new RegExp(`^arn:[\\w-]+:codebuild:${escapeRegExp(c.region)}:${c.account}:report-group/<\\w+>-\\*$`).test(r),
      ),
    reason: 'CodeBuild names test report groups after the project; the -* suffix covers only this one project’s groups',
  },
  {
    matches: (s, c) =>
      (only(s.actions, LOG_ACTIONS) || only(s.actions, REPORT_ACTIONS)) &&
      only(s.resources, (r) =>
        new RegExp(
          `^arn:[\\w-]+:(logs:${escapeRegExp(c.region)}:${c.account}:log-group:/aws/codebuild/\\*|codebuild:${escapeRegExp(c.region)}:${c.account}:report-group/\\*)$`,
        ).test(r),
      ),
    reason:
      'one asset-publishing role serves every asset project CDK Pipelines generates, whose names exist only once the pipeline is built; it writes build logs and reports of this account and region only',
  },
  {
    matches: (s, c) =>
      only(s.actions, oneOf('sts:AssumeRole')) &&
      only(s.resources, oneOf(`arn:*:iam::${c.account}:role/*`)) &&
      s.condition['ForAnyValue:StringEquals']?.['iam:ResourceTag/aws-cdk:bootstrap-role'] !== undefined,
    reason:
      'self-mutation runs cdk deploy, which assumes the CDK bootstrap roles of the tooling account; they are selected by their aws-cdk:bootstrap-role tag because their names depend on the bootstrap qualifier',
  },
  {
    matches: (s) =>
      only(s.actions, oneOf('cloudformation:DescribeStacks', 's3:ListBucket')) && only(s.resources, oneOf('*')),
    reason:
      'cdk deploy in the self-mutation step reads stack status and finds the bootstrap bucket before it assumes the deploy role; both actions are read-only and their targets are known only at run time',
  },
  {
    matches: (s) =>
      only(s.actions, oneOf('codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild')) &&
      only(s.resources, oneOf('*')),
    reason:
      'CDK Pipelines also uses the asset role as the action role of the asset actions, which start and watch builds of the generated asset projects; each build still runs with its own project role, and the tooling account hosts only the pipeline',
  },
];

/**
 * The script of the post-deploy check (POSIX sh). It assumes the runner role through a CLI profile (re-assumed
 * as needed, so a run longer than the session still works), starts every pipeline in `TRAINING_PIPELINES` with
 * `TriggerReason=TRIGGER_REASON`, polls each until Succeeded (exit 0) or Failed/Stopped (exit 1), and stops
 * whatever still runs after `TIMEOUT_SECONDS` (exit 1).
 */
export function sampleTrainingScript(): string {
  const failedSteps = 'PipelineExecutionSteps[?StepStatus==`Failed`].[StepName,FailureReason]';
  return [
    'set -eu',
    'aws configure set profile.runner.role_arn "$RUNNER_ROLE_ARN"',
    'aws configure set profile.runner.credential_source EcsContainer',
    'aws configure set profile.runner.region "$TARGET_REGION"',
    'export AWS_PROFILE=runner',
    'deadline=$(( $(date +%s) + TIMEOUT_SECONDS ))',
    'executions=""',
    'for name in $TRAINING_PIPELINES; do',
    '  arn=$(aws sagemaker start-pipeline-execution --pipeline-name "$name" \\',
    '    --pipeline-parameters Name=TriggerReason,Value="$TRIGGER_REASON" \\',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell default (`${VAR:-0}`), not a JavaScript placeholder
    '    --pipeline-execution-display-name "delivery-${CODEBUILD_BUILD_NUMBER:-0}" \\',
    '    --query PipelineExecutionArn --output text)',
    '  echo "started $name: $arn"',
    '  executions="$executions $arn"',
    'done',
    'failed=0',
    'for arn in $executions; do',
    '  while true; do',
    '    status=$(aws sagemaker describe-pipeline-execution --pipeline-execution-arn "$arn" \\',
    '      --query PipelineExecutionStatus --output text)',
    '    case "$status" in',
    '      Succeeded) echo "$arn: Succeeded"; break ;;',
    '      Failed|Stopped)',
    '        echo "$arn: $status"',
    `        aws sagemaker list-pipeline-execution-steps --pipeline-execution-arn "$arn" --query '${failedSteps}' --output text || true`,
    '        failed=1; break ;;',
    '    esac',
    '    if [ "$(date +%s)" -ge "$deadline" ]; then',
    '      echo "$arn: still $status after $TIMEOUT_SECONDS seconds; stopping it"',
    '      aws sagemaker stop-pipeline-execution --pipeline-execution-arn "$arn" >/dev/null || true',
    '      failed=1; break',
    '    fi',
    '    sleep "$POLL_SECONDS"',
    '  done',
    'done',
    'exit "$failed"',
  ].join('\n');
}

/** One environment the pipeline deploys, with its Stage and its extra steps. */
interface DeliveryTarget {
  readonly environment: ResolvedEnvironment;
  readonly stage: PlatformEnvironment;
  readonly pre: Step[];
  readonly post: Step[];
}

/**
 * One environment as the delivery planner sees it, read from its Stage's own assembly: its stacks with their
 * dependencies and models (models in config order, each stack after its dependencies as CDK Pipelines lists them),
 * its approval, the post-deploy check when it is the sample-training environment, and its asset types.
 */
export function environmentToDeliver(
  environment: ResolvedEnvironment,
  stage: PlatformEnvironment,
  sampleTraining?: Pick<SampleTrainingCheck, 'environment'>,
): EnvironmentToDeliver {
  const deployment = StageDeployment.fromStage(stage);
  const modelOf = new Map<string, string>();
  for (const [model, stack] of stage.models) modelOf.set(stack.stackName, model);
  const models = environment.models.map((m) => m.name);
  const modelIndex = (model?: string) => (model === undefined ? -1 : models.indexOf(model));
  return {
    name: environment.name,
    kind: environment.kind,
    stacks: deployment.stacks
      .map((stack) => ({
        name: stack.stackName,
        dependencies: stack.stackDependencies.map((d) => d.stackName),
        model: modelOf.get(stack.stackName),
      }))
      .sort((a, b) => modelIndex(a.model) - modelIndex(b.model)),
    preActions: environment.settings.requireApproval ? 1 : 0,
    postActions: sampleTraining?.environment === environment.name ? 1 : 0,
    assetTypes: [
      ...new Set(deployment.stacks.flatMap((stack) => stack.assets.map((asset) => String(asset.assetType)))),
    ],
  };
}

/**
 * Keeps only the named stacks in a deployment. A kept stack's dependencies on stacks planned in earlier pipeline
 * stages are dropped: those are deployed before this stage starts (CDK Pipelines orders only stacks of one deployment).
 */
function keepOnly(deployment: StageDeployment, stackNames: readonly string[]): void {
  const keep = new Set(stackNames);
  const kept = deployment.stacks.filter((s) => keep.has(s.stackName));
  if (kept.length !== keep.size) {
    throw new Error(
      `delivery plan: ${deployment.stageName} has no stack ${stackNames.find((n) => !kept.some((s) => s.stackName === n))}`,
    );
  }
  deployment.stacks.splice(0, deployment.stacks.length, ...kept);
  for (const stack of kept) {
    const within = stack.stackDependencies.filter((d) => keep.has(d.stackName));
    stack.stackDependencies.splice(0, stack.stackDependencies.length, ...within);
  }
}

/** Every problem of the props at once, each naming the bad value. */
function validateProps(scope: Construct, id: string, props: DeliveryStackProps): void {
  const problems: string[] = [];
  const { connection } = props;
  if (!Token.isUnresolved(connection.repository) && !/^[\w.-]+\/[\w.-]+$/.test(connection.repository)) {
    problems.push(`connection.repository: expected "owner/name", got ${JSON.stringify(connection.repository)}`);
  }
  if (
    !Token.isUnresolved(connection.connectionArn) &&
    !/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/.test(
      connection.connectionArn,
    )
  ) {
    problems.push(
      `connection.connectionArn: expected the ARN of a CodeConnections connection, got ${JSON.stringify(connection.connectionArn)}`,
    );
  }
  if (!Token.isUnresolved(connection.branch) && connection.branch.trim() === '') {
    problems.push(`connection.branch: expected a branch name, got ${JSON.stringify(connection.branch)}`);
  }
  if (props.environments.length === 0) problems.push('environments: expected at least one environment to deploy');
  const check = props.sampleTraining;
  if (check) {
    if (!props.environments.some((e) => e.name === check.environment)) {
      problems.push(
        `sampleTraining.environment: "${check.environment}" is not deployed by the pipeline; expected one of ${props.environments.map((e) => e.name).join(', ')}`,
      );
    }
    if (check.pipelineNames.length === 0) problems.push('sampleTraining.pipelineNames: expected at least one pipeline');
    if (check.pollSeconds !== undefined && !(Number.isInteger(check.pollSeconds) && check.pollSeconds >= 1)) {
      problems.push(`sampleTraining.pollSeconds: expected a whole number of seconds from 1, got ${check.pollSeconds}`);
    }
    const seconds = check.timeout?.toSeconds() ?? 0;
    if (seconds > Duration.hours(7).plus(Duration.minutes(45)).toSeconds()) {
      problems.push(
        `sampleTraining.timeout: CodeBuild runs at most 8 hours, expected at most 465 minutes, got ${seconds / 60}`,
      );
    }
  }
  throwIfInvalid([scope, id], 'delivery stack', problems);
}
