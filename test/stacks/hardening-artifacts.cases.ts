import { modelPublisherRoleName, trainingPipelineRoleName } from '../../lib/naming';
import { ARTIFACT_DIGEST_KEYS } from '../../lib/pipeline/model-building-pipeline';
import { threeEnvironmentConfig } from '../support/fixtures';
import { type CloudFormationTemplate, resourcesOfType, synthAtStage } from '../support/platform';

// Issue 12, finding 1 (an approved model can change after approval) and finding 6 (Studio in prod is too broad).

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];
const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource ?? []].flat().map((r) => JSON.stringify(r));
const allows = (statement: Statement, action: string) =>
  statement.Effect === 'Allow' &&
  actionsOf(statement).some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));

/** The statements of the customer-managed policies of a template whose logical ids start with `prefix`. */
function policyStatements(template: CloudFormationTemplate, prefix: string): Statement[] {
  return Object.entries(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? []);
}

/** The artifact bucket's policy of an environment. */
function artifactBucketPolicy(template: CloudFormationTemplate): Statement[] {
  const [policy] = Object.entries(resourcesOfType(template, 'AWS::S3::BucketPolicy'))
    .filter(([id]) => id.startsWith('ArtifactsBucketPolicy'))
    .map(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement);
  return policy ?? [];
}

/** IAM's `ArnLike` on a literal ARN: `*` matches any run of characters, `?` one. */
const arnLike = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(arn);

describe('GIVEN the reference fixture WHEN synthesized THEN registered model artifacts are write-once (finding 1)', () => {
  // the fixture's prod account, in the partition of its region
  const roleArn = (name: string) => ['arn', 'aws', 'iam', '', '333333333333', `role/${name}`].join(':');

  test.each([1, 4])(
    'THEN at stage %i the artifact bucket denies writes and deletes under pipelines/ and published/ to all but their writer',
    (stage) => {
      // WHEN
      const statements = artifactBucketPolicy(synthAtStage(stage).templateJson('Prod/Foundation'));
      const guard = (prefix: string) =>
        statements.find(
          (s) => s.Effect === 'Deny' && resourcesOf(s).some((r) => r.includes(`/${prefix}/*`)),
        ) as Statement;

      // THEN
      for (const [prefix, writer] of [
        ['pipelines', trainingPipelineRoleName('mlops', 'prod', '*')],
        ['published', modelPublisherRoleName('mlops', 'prod')],
      ] as const) {
        expect(guard(prefix)).toEqual(
          expect.objectContaining({
            Principal: { AWS: '*' },
            Action: expect.arrayContaining(WRITE_ACTIONS),
            Condition: { ArnNotLike: { 'aws:PrincipalArn': roleArn(writer) } },
          }),
        );
      }
    },
  );

  test('THEN only the training pipeline roles of the environment are exempt from the guard on pipelines/', () => {
    // GIVEN every named role of prod at stage 4
    const platform = synthAtStage(4);
    const named = platform.stackPaths
      .filter((p) => p.startsWith('Prod/'))
      .flatMap((p) => Object.values(resourcesOfType(platform.templateJson(p), 'AWS::IAM::Role')))
      .map((role) => role.Properties?.RoleName)
      .filter((name): name is string => typeof name === 'string');
    const guard = artifactBucketPolicy(platform.templateJson('Prod/Foundation')).find(
      (s) => s.Sid === 'OnlyTrainingPipelinesWritePipelineArtifacts',
    ) as Statement;
    const exempt = String(guard.Condition?.ArnNotLike?.['aws:PrincipalArn']);

    // WHEN
    const writers = named.filter((name) => arnLike(exempt, roleArn(name)));

    // THEN
    expect(writers.sort()).toEqual(['mlops-prod-churn-training']);
    expect(arnLike(exempt, roleArn('mlops-dev-churn-training'))).toBe(false);
    expect(arnLike(exempt, roleArn('mlops-prod-studio-execution'))).toBe(false);
  });

  test("THEN each model's pipeline role writes only its own model's folder of pipelines/", () => {
    const statements = policyStatements(synthAtStage(4).templateJson('Prod/Model-churn'), 'TrainingPipelineExecution');
    const artifacts = statements
      .filter((s) => allows(s, 's3:PutObject'))
      .flatMap(resourcesOf)
      .filter((r) => r.includes('ArtifactsBucket') && r.includes('"/'));
    // besides the Athena results of its feature store queries
    expect(artifacts.filter((r) => !r.endsWith('"/athena-results/*"]]}'))).toEqual([
      expect.stringMatching(/"\/pipelines\/churn\/\*"\]\]\}$/),
    ]);
  });

  test.each(['Dev', 'Prod'])(
    'THEN %s: Studio writes the artifact bucket only under its studio/ scratch prefix (and MLflow under mlflow/)',
    (environment) => {
      // WHEN
      const statements = policyStatements(
        synthAtStage(4).templateJson(`${environment}/Workbench`),
        'StudioExecutionRole',
      );
      const written = statements
        .filter((s) => WRITE_ACTIONS.some((action) => allows(s, action)))
        .flatMap(resourcesOf)
        .filter((r) => r.includes('ArtifactsBucket'));

      // THEN objects under two prefixes (besides the bucket itself, to list it), never every object
      const objectPatterns = written.filter((r) => r.includes('"/')).map((r) => /"(\/[^"]*)"\]\]\}$/.exec(r)?.[1]);
      expect(new Set(objectPatterns)).toEqual(new Set(['/studio/*', '/mlflow/*']));
    },
  );

  test('THEN at stage 3 each registered version records the SHA-256 of the model and inference-code tarballs', () => {
    // WHEN
    const steps = pipelineSteps(synthAtStage(3).templateJson('Prod/Model-churn'));
    const register = steps.find((s) => s.Type === 'RegisterModel');
    const digests = steps.find((s) => s.Name === 'RecordArtifactDigests');

    // THEN
    const fromDigests = (path: string) => ({
      'Std:JsonGet': { PropertyFile: { Get: 'Steps.RecordArtifactDigests.PropertyFiles.ArtifactDigests' }, Path: path },
    });
    expect(register?.Arguments.CustomerMetadataProperties).toEqual({
      [ARTIFACT_DIGEST_KEYS.modelData]: fromDigests('model_data.sha256'),
      [ARTIFACT_DIGEST_KEYS.inferenceCode]: fromDigests('inference_code.sha256'),
    });
    const served = register?.Arguments.InferenceSpecification.Containers.map((c: { ModelDataUrl: unknown }) =>
      JSON.stringify(c.ModelDataUrl),
    );
    const hashed = digests?.Arguments.ProcessingInputs.map((i: { S3Input: { S3Uri: unknown } }) =>
      JSON.stringify(i.S3Input.S3Uri),
    );
    expect([...hashed].sort()).toEqual([...served].sort());
  });
});

describe('GIVEN the reference fixture at stage 4 WHEN synthesized THEN Studio and the personas in prod are narrow (finding 6)', () => {
  const workbench = (environment = 'Prod') => synthAtStage(4).templateJson(`${environment}/Workbench`);
  const studio = (environment = 'Prod') => policyStatements(workbench(environment), 'StudioExecutionRole');
  const persona = (id: string) => policyStatements(workbench(), `Personas${id}Policy`);
  const curatedWrites = (statements: Statement[]) =>
    statements
      .filter((s) => WRITE_ACTIONS.some((action) => allows(s, action)))
      .flatMap(resourcesOf)
      .filter((r) => r.includes('CuratedDataBucket'));

  test('THEN Studio reads curated data in prod without writing it (dev keeps writing)', () => {
    expect(curatedWrites(studio('Prod'))).toEqual([]);
    expect(curatedWrites(studio('Dev'))).not.toEqual([]);
    for (const id of ['DataScientist', 'MlEngineer', 'ModelApprover']) expect(curatedWrites(persona(id))).toEqual([]);
  });

  test('THEN only the ML engineer may read captured inference data in prod', () => {
    const deniesCapture = (statements: Statement[]) =>
      statements.some(
        (s) =>
          s.Effect === 'Deny' &&
          actionsOf(s).includes('s3:GetObject*') &&
          resourcesOf(s).some((r) => r.includes('RawDataBucket') && r.includes('/data-capture/*')),
      );
    const readsRaw = (statements: Statement[]) =>
      statements.some((s) => allows(s, 's3:GetObject') && resourcesOf(s).some((r) => r.includes('RawDataBucket')));

    expect(deniesCapture(studio())).toBe(true);
    expect(deniesCapture(persona('DataScientist'))).toBe(true);
    expect(readsRaw(persona('MlEngineer')) && !deniesCapture(persona('MlEngineer'))).toBe(true);
    expect(readsRaw(persona('ModelApprover'))).toBe(false);
    expect(deniesCapture(studio('Dev'))).toBe(false);
  });

  test("THEN each persona presigns only its own people's profiles in prod, each person their own", () => {
    // GIVEN the prod users of the fixture, by persona
    const users = threeEnvironmentConfig().users ?? [];
    for (const [id, name] of [
      ['DataScientist', 'data-scientist'],
      ['MlEngineer', 'ml-engineer'],
      ['ModelApprover', 'model-approver'],
    ] as const) {
      // WHEN
      const presigning = persona(id).filter((s) => allows(s, 'sagemaker:CreatePresignedDomainUrl'));

      // THEN one statement: the profile named like the session's source identity, if that is one of the persona's
      expect(presigning).toEqual([
        expect.objectContaining({
          Condition: {
            StringEquals: {
              'aws:SourceIdentity': users.filter((u) => u.persona === name).map((u) => u.name),
            },
          },
        }),
      ]);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable
      const ownProfile = '/${aws:SourceIdentity}"';
      expect(resourcesOf(presigning[0] as Statement)).toEqual([expect.stringContaining(ownProfile)]);
    }
    // and the people set their source identity when they assume the persona role
    const trust = Object.entries(resourcesOfType(workbench(), 'AWS::IAM::Role'))
      .filter(([roleId]) => roleId.startsWith('Personas'))
      .map(([, role]) => JSON.stringify(role.Properties?.AssumeRolePolicyDocument));
    expect(trust).toHaveLength(3);
    for (const document of trust) expect(document).toContain('sts:SetSourceIdentity');
  });

  test('THEN Studio stops only the jobs started in its own domain in prod', () => {
    const stopping = studio().filter((s) =>
      ['sagemaker:StopTrainingJob', 'sagemaker:StopProcessingJob'].some((a) => allows(s, a)),
    );
    expect(stopping).toEqual([
      expect.objectContaining({
        Condition: { StringEquals: { 'aws:ResourceTag/sagemaker:domain-arn': expect.anything() } },
      }),
    ]);
    expect(JSON.stringify(stopping[0]?.Condition)).toContain(':domain/');
  });
});

interface PipelineStep {
  readonly Name: string;
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly Arguments: any;
}

/** Every step of the one training pipeline of a template, those inside the condition step included. */
function pipelineSteps(template: CloudFormationTemplate): PipelineStep[] {
  const [pipeline] = Object.values(resourcesOfType(template, 'AWS::SageMaker::Pipeline'));
  const definition = pipeline?.Properties?.PipelineDefinition as { PipelineDefinitionBody: unknown } | undefined;
  const body = definition?.PipelineDefinitionBody as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(body['Fn::Join'][0]);
  const all: PipelineStep[] = [];
  const visit = (list: PipelineStep[]) => {
    for (const step of list) {
      all.push(step);
      visit([...(step.Arguments?.IfSteps ?? []), ...(step.Arguments?.ElseSteps ?? [])]);
    }
  };
  visit(JSON.parse(text).Steps);
  return all;
}
