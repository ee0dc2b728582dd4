import { App } from 'aws-cdk-lib';
import { PlatformEnvironment } from '../../lib/environment';
import { modelPublisherRoleName, pipelineRunnerRoleName } from '../../lib/naming';
import { clarifyImageUri, frameworkImageUri, modelMonitorImageUri } from '../../lib/pipeline/images';
import { RegistryStack } from '../../lib/stacks/registry-stack';
import { threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  cdkJsonContext,
  resolveFixture,
  resourcesOfType,
  SKIP_BUILTIN_VALIDATION,
  synthAtStage,
  synthPlatform,
} from '../support/platform';
import { DOCUMENTED_REMOVALS, replacementsBetween } from '../support/upgrade-safety';

// Issue 12, finding 2: at stage 4 the prod model publisher role still existed and dev's personas could assume it;
// it could overwrite what it had published and register versions with any metrics; and every SageMaker role could
// pull images from any account's ECR repositories.

const DEV_ACCOUNT = '111111111111';
const PLATFORM_ACCOUNTS = ['111111111111', '222222222222', '333333333333'];

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const statementsOf = (policy: CloudFormationResource): Statement[] =>
  (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [];
const actionsOf = (statement: Statement) => [statement.Action].flat();

/** The names of the roles of a template whose trust policy names the account, in a principal or a condition. */
function rolesTrusting(template: CloudFormationTemplate, account: string): string[] {
  return Object.entries(resourcesOfType(template, 'AWS::IAM::Role'))
    .filter(([, role]) => JSON.stringify(role.Properties?.AssumeRolePolicyDocument).includes(`:${account}:`))
    .map(([id, role]) => (typeof role.Properties?.RoleName === 'string' ? role.Properties.RoleName : id));
}

/** Every `<env>/<stack>` path of an environment. */
const stacksOf = (paths: readonly string[], environment: string) =>
  paths.filter((p) => p.startsWith(`${environment}/`));

/** The account and repository of each ECR repository ARN in a statement's resources; `*` where it has a wildcard. */
function repositoriesOf(statement: Statement): string[] {
  return [...JSON.stringify(statement.Resource).matchAll(/:ecr:[a-z0-9-]+:([0-9*]+):repository\/([^"]+)/g)].map(
    ([, account, repository]) => `${account}/${repository}`,
  );
}

/** The `<account>/<repository>` of an image URI. */
const repositoryOfImage = (uri: string) => uri.replace(/\.dkr\.ecr\.[^/]+\//, '/').replace(/[:@].*$/, '');

describe('GIVEN the reference fixture WHEN synthesized THEN dev has no write path into prod (issue 12, finding 2)', () => {
  // the delivery pipeline's runner role (docs/delivery.md) is the one documented cross-account entry into an
  // environment's templates, and it trusts the tooling account; CDK's bootstrap roles are outside the templates
  const documentedDeliveryRoles = [pipelineRunnerRoleName('mlops', 'prod')];

  test.each([3, 4, 5])(
    'GIVEN stage %i WHEN every trust policy of prod is read THEN no prod role is assumable from the dev account, but the delivery roles',
    (maturity) => {
      // WHEN
      const platform = synthAtStage(maturity);
      const trusting = stacksOf(platform.stackPaths, 'Prod').flatMap((path) =>
        rolesTrusting(platform.templateJson(path), DEV_ACCOUNT),
      );

      // THEN
      expect(trusting.filter((role) => !documentedDeliveryRoles.includes(role))).toEqual([]);
    },
  );

  test('GIVEN stage 2 WHEN every trust policy of prod is read THEN the check sees the one role dev may assume: the publisher', () => {
    // WHEN
    const platform = synthAtStage(2);
    const trusting = stacksOf(platform.stackPaths, 'Prod').flatMap((path) =>
      rolesTrusting(platform.templateJson(path), DEV_ACCOUNT),
    );

    // THEN
    expect(trusting).toEqual([modelPublisherRoleName('mlops', 'prod')]);
  });

  test.each([3, 4, 5])(
    'GIVEN stage %i THEN no environment has a model publisher role and dev personas may assume none',
    (maturity) => {
      // WHEN
      const platform = synthAtStage(maturity);
      const roleNames = platform.stackPaths.flatMap((path) =>
        Object.values(resourcesOfType(platform.templateJson(path), 'AWS::IAM::Role')).map(
          (r) => r.Properties?.RoleName,
        ),
      );

      // THEN
      expect(roleNames.filter((name) => typeof name === 'string' && name.endsWith('-model-publisher'))).toEqual([]);
      const devPolicies = Object.values(
        resourcesOfType(platform.templateJson('Dev/Workbench'), 'AWS::IAM::ManagedPolicy'),
      );
      const assumes = devPolicies.flatMap(statementsOf).filter((s) => actionsOf(s).includes('sts:AssumeRole'));
      expect(assumes.map((s) => s.Sid)).not.toContain('PublishModels');
    },
  );

  test('GIVEN prod at stage 3 while dev and test stay at stage 2 THEN only test, which does not train, takes published models', () => {
    // GIVEN
    const config = threeEnvironmentConfig();
    config.maturity = 2;
    config.environments = config.environments.map((e) => (e.name === 'prod' ? { ...e, maturity: 3 } : e));

    // WHEN
    const platform = synthPlatform({ config });

    // THEN
    expect(rolesTrusting(platform.templateJson('Prod/Registry'), DEV_ACCOUNT)).toEqual([]);
    expect(rolesTrusting(platform.templateJson('Test/Registry'), DEV_ACCOUNT)).toEqual([
      modelPublisherRoleName('mlops', 'test'),
    ]);
    const devPolicies = Object.values(
      resourcesOfType(platform.templateJson('Dev/Workbench'), 'AWS::IAM::ManagedPolicy'),
    );
    const publishTo = devPolicies
      .flatMap(statementsOf)
      .filter((s) => s.Sid === 'PublishModels')
      .map((s) => JSON.stringify(s.Resource));
    expect(publishTo.join(' ')).toContain(modelPublisherRoleName('mlops', 'test'));
    expect(publishTo.join(' ')).not.toContain(modelPublisherRoleName('mlops', 'prod'));
    expect(platform.violations).toEqual([]);
  });

  test('GIVEN an environment that trains its own models WHEN given publisher accounts anyway THEN it has no publisher role, and its registry refuses one', () => {
    // GIVEN prod at stage 3, and the dev account offered as a publisher
    const config = resolveFixture(threeEnvironmentConfig(), { maturity: 3 });
    const prod = config.environments.find((e) => e.name === 'prod');
    if (!prod) throw new Error('no prod environment in the fixture');
    const app = new App({
      ...SKIP_BUILTIN_VALIDATION,
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    });
    const dev = [{ account: DEV_ACCOUNT, environment: 'dev' }];

    // WHEN
    const stage = new PlatformEnvironment(app, 'Prod', {
      project: 'mlops',
      environment: prod,
      publisherAccounts: dev,
      publishTargets: [{ account: prod.account, environment: 'prod' }],
    });

    // THEN
    expect(stage.registry?.publisherRole).toBeUndefined();
    expect(
      () =>
        new RegistryStack(stage, 'AnotherRegistry', {
          project: 'mlops',
          envConfig: prod,
          artifactsBucket: stage.foundation.artifactsBucket,
          logsKey: stage.foundation.logsKey,
          alertsTopic: stage.foundation.alertsTopic,
          publisherAccounts: dev,
        }),
    ).toThrow(
      'registry of environment "prod": publisherAccounts must be empty where the environment trains its own models (stage 3), got 111111111111',
    );
  });
});

describe('GIVEN the reference fixture at stage 2 WHEN synthesized THEN the prod publisher can neither overwrite nor approve', () => {
  const publisherStatements = () => {
    const policies = resourcesOfType(synthAtStage(2).templateJson('Prod/Registry'), 'AWS::IAM::ManagedPolicy');
    const [policy] = Object.entries(policies)
      .filter(([id]) => id.startsWith('ModelPublisherRolePolicy'))
      .map(([, p]) => p);
    if (!policy) throw new Error('no publisher policy in Prod/Registry');
    return statementsOf(policy);
  };

  test('THEN its only S3 action is PutObject under published/, with If-None-Match required, so an existing key is never replaced', () => {
    // WHEN
    const s3 = publisherStatements().filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));

    // THEN
    expect(s3).toEqual([
      expect.objectContaining({
        Sid: 'UploadNewArtifactsOnly',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Condition: { Null: { 's3:if-none-match': 'false' } },
      }),
    ]);
    expect(JSON.stringify(s3[0]?.Resource)).toMatch(/\/published\/\*"/);
  });

  test('THEN of the artifact key it may only generate data keys, and it may delete, approve or update nothing', () => {
    // WHEN
    const actions = publisherStatements().flatMap(actionsOf);

    // THEN
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual(['kms:GenerateDataKey']);
    for (const forbidden of [/Delete/, /^sagemaker:Update/, /PutObject(Acl|Tagging|Retention|LegalHold)/, /\*$/]) {
      expect({ forbidden: String(forbidden), found: actions.filter((a) => forbidden.test(a)) }).toEqual({
        forbidden: String(forbidden),
        found: [],
      });
    }
    const register = publisherStatements().find((s) => s.Sid === 'RegisterVersionsPendingApproval');
    expect(register?.Condition).toEqual({ StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } });
  });
});

describe('GIVEN the reference fixture WHEN synthesized THEN SageMaker roles pull images only from the platform and AWS image accounts', () => {
  const region = 'eu-west-1';
  const awsImages = [
    frameworkImageUri('xgboost', '1.7-1', region),
    frameworkImageUri('sklearn', '1.2-1', region),
    modelMonitorImageUri(region),
    clarifyImageUri(region),
  ].map(repositoryOfImage);
  const awsAccounts = [...new Set(awsImages.map((r) => r.split('/')[0]))];

  /** Every repository each image-pulling policy of a stage names, by `<stack path> <policy id>`. */
  function pulls(maturity: number): Map<string, string[]> {
    const platform = synthAtStage(maturity);
    const found = new Map<string, string[]>();
    for (const path of platform.stackPaths) {
      for (const [id, policy] of Object.entries(
        resourcesOfType(platform.templateJson(path), 'AWS::IAM::ManagedPolicy'),
      )) {
        const repositories = statementsOf(policy)
          .filter((s) => actionsOf(s).includes('ecr:BatchGetImage'))
          .flatMap(repositoriesOf);
        if (repositories.length > 0) found.set(`${path} ${id.replace(/[0-9A-F]{8}$/, '')}`, repositories);
      }
    }
    return found;
  }

  test.each([2, 3, 4])(
    'GIVEN stage %i THEN no pull names a wildcard, and every account is the platform or AWS',
    (maturity) => {
      // WHEN
      const found = pulls(maturity);

      // THEN
      expect(found.size).toBeGreaterThan(0);
      for (const [policy, repositories] of found) {
        for (const repository of repositories) {
          const [account] = repository.split('/');
          expect({ policy, repository, wildcard: repository.includes('*') }).toEqual({
            policy,
            repository,
            wildcard: false,
          });
          expect({ policy, repository, known: [...PLATFORM_ACCOUNTS, ...awsAccounts].includes(account ?? '') }).toEqual(
            {
              policy,
              repository,
              known: true,
            },
          );
        }
      }
    },
  );

  test('GIVEN stage 4 THEN endpoint and batch roles pull from the container registries and the frameworks, the pipeline and Model Monitor only from their own images', () => {
    // WHEN
    const found = pulls(4);

    // THEN
    const registries = PLATFORM_ACCOUNTS.flatMap((account, i) =>
      ['training', 'inference'].map((purpose) => `${account}/mlops/${['dev', 'test', 'prod'][i]}/${purpose}`),
    );
    const frameworks = awsImages.slice(0, 2);
    expect(found.get('Prod/Model-churn ServingEndpointExecutionRolePolicy')?.sort()).toEqual(
      [...registries, ...frameworks].sort(),
    );
    expect(found.get('Prod/Model-churn BatchScoringModelRolePolicy')?.sort()).toEqual(
      [...registries, ...frameworks].sort(),
    );
    expect(found.get('Prod/Model-churn TrainingPipelineExecutionRolePolicy')?.sort()).toEqual(
      [
        frameworkImageUri('sklearn', '1.2-1', region),
        frameworkImageUri('xgboost', '1.7-1', region),
        modelMonitorImageUri(region),
      ]
        .map(repositoryOfImage)
        .sort(),
    );
    expect(found.get('Prod/Model-churn MonitoringMonitorRolePolicy')).toEqual([
      repositoryOfImage(modelMonitorImageUri(region)),
    ]);
  });

  test('GIVEN a custom image in a platform repository THEN the pipeline pulls it; GIVEN one of another account THEN synth refuses it', () => {
    // GIVEN
    const withImage = (imageUri: string) => {
      const config = threeEnvironmentConfig();
      config.maturity = 3;
      config.models = (config.models ?? []).map((m) => ({ ...m, container: { imageUri } }));
      return config;
    };
    const own = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops/dev/training:1.4.0';
    const foreign = '999999999999.dkr.ecr.eu-west-1.amazonaws.com/churn:1.4.0';

    // WHEN
    const platform = synthPlatform({ config: withImage(own), environments: 'prod' });

    // THEN
    const policies = resourcesOfType(platform.templateJson('Prod/Model-churn'), 'AWS::IAM::ManagedPolicy');
    const pipeline = Object.entries(policies).find(([id]) => id.startsWith('TrainingPipelineExecutionRolePolicy'));
    const repositories = statementsOf(pipeline?.[1] as CloudFormationResource)
      .filter((s) => actionsOf(s).includes('ecr:BatchGetImage'))
      .flatMap(repositoriesOf);
    expect(repositories).toContain('111111111111/mlops/dev/training');
    expect(() => synthPlatform({ config: withImage(foreign), environments: 'prod' })).toThrow(
      `model "churn": container.imageUri "${foreign}" is in no container registry of the platform in eu-west-1`,
    );
  });
});

describe('GIVEN the upgrade check WHEN a stage removes a resource THEN only the documented stateless ones pass', () => {
  const role = { Type: 'AWS::IAM::Role', Properties: { RoleName: 'mlops-prod-model-publisher' } };
  const policy = { Type: 'AWS::IAM::ManagedPolicy', Properties: {} };

  test('THEN the publisher role and its policy may go, and each names its ADR', () => {
    // GIVEN
    const before: CloudFormationTemplate = {
      Resources: { ModelPublisherRoleB77EA992: role, ModelPublisherRolePolicy864E9338: policy },
    };

    // WHEN
    const problems = replacementsBetween(before, { Resources: {} });

    // THEN
    expect(problems).toEqual([]);
    expect(DOCUMENTED_REMOVALS.map((r) => r.adr)).toEqual([
      'docs/adr/0021-no-model-publisher-from-stage-3.md',
      'docs/adr/0021-no-model-publisher-from-stage-3.md',
    ]);
  });

  test('THEN another role, or a stateful resource under the same id, is still a removal', () => {
    // GIVEN
    const before: CloudFormationTemplate = {
      Resources: {
        PersonasDataScientistRole0A1B2C3D: role,
        ModelPublisherRoleB77EA992: { Type: 'AWS::S3::Bucket', Properties: {} },
      },
    };

    // WHEN
    const problems = replacementsBetween(before, { Resources: {} });

    // THEN
    expect(problems).toEqual([
      'PersonasDataScientistRole0A1B2C3D (AWS::IAM::Role) is removed',
      'ModelPublisherRoleB77EA992 (AWS::S3::Bucket) is removed',
    ]);
  });

  test('GIVEN the reference fixture from stage 2 to 3 THEN the removals are exactly the publisher role and policy of each registry', () => {
    // WHEN
    const before = synthAtStage(2);
    const after = synthAtStage(3);
    const removed = before.stackPaths.flatMap((path) =>
      replacementsBetween(before.templateJson(path), after.templateJson(path), [])
        .filter((problem) => problem.endsWith(' is removed'))
        .map((problem) => `${path}: ${problem}`),
    );

    // THEN
    expect(removed).toEqual(
      ['Dev', 'Test', 'Prod'].flatMap((env) => [
        `${env}/Registry: ModelPublisherRoleB77EA992 (AWS::IAM::Role) is removed`,
        `${env}/Registry: ModelPublisherRolePolicy864E9338 (AWS::IAM::ManagedPolicy) is removed`,
      ]),
    );
  });
});
