import { threeEnvironmentConfig } from '../support/fixtures';
import { type CloudFormationTemplate, resourcesOfType, synthAtStage } from '../support/platform';

// Issue 12, finding 7 (service trusts without aws:SourceAccount/aws:SourceArn) and finding 8 (prod deleted its
// dead-letter queues, its MLflow tracking server and its approved-version parameters with the stack).

interface TrustStatement {
  readonly Principal?: { readonly Service?: string | string[] };
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const REGION = 'eu-west-1';
const PARTITION = 'aws';
const accountOf = (environment: (typeof ENVIRONMENTS)[number]) =>
  threeEnvironmentConfig().environments[ENVIRONMENTS.indexOf(environment)]?.account;

/** Every service trust of the environment's stacks: `stack:logicalId`, the service and the statement's conditions. */
function serviceTrusts(environment: string) {
  const platform = synthAtStage(4);
  return platform.stackPaths
    .filter((path) => path.startsWith(`${environment}/`))
    .flatMap((path) =>
      Object.entries(resourcesOfType(platform.templateJson(path), 'AWS::IAM::Role')).flatMap(([logicalId, role]) =>
        (
          (role.Properties?.AssumeRolePolicyDocument as { Statement: TrustStatement[] } | undefined)?.Statement ?? []
        ).flatMap((statement) =>
          [statement.Principal?.Service ?? []].flat().map((service) => ({
            role: `${path}:${logicalId}`,
            service,
            condition: statement.Condition ?? {},
          })),
        ),
      ),
    );
}

/** The value of `key` under the first of the operators that holds it. */
function conditionValue(condition: Record<string, Record<string, unknown>>, operators: string[], key: string) {
  for (const operator of operators) {
    if (condition[operator]?.[key] !== undefined) return { operator, value: condition[operator]?.[key] };
  }
  return undefined;
}

const resolveAccount = (value: unknown, account: string | undefined) =>
  JSON.stringify(value) === JSON.stringify({ Ref: 'AWS::AccountId' }) ? account : value;

describe.each(ENVIRONMENTS)('GIVEN the reference fixture at stage 4 WHEN %s is synthesized', (environment) => {
  const account = accountOf(environment);

  test('THEN every role a service assumes admits that service only on behalf of its own account', () => {
    // WHEN
    const trusts = serviceTrusts(environment);

    // THEN sagemaker, lambda and apigateway (finding 7) and the services that already had it keep it
    const services = new Set(trusts.map((t) => t.service));
    for (const service of ['sagemaker.amazonaws.com', 'lambda.amazonaws.com', 'apigateway.amazonaws.com']) {
      expect(services).toContain(service);
    }
    for (const { role, service, condition } of trusts) {
      const found = conditionValue(condition, ['StringEquals', 'StringEqualsIfExists'], 'aws:SourceAccount');
      expect({ role, service, account: resolveAccount(found?.value, account) }).toEqual({ role, service, account });
    }
  });

  test("THEN SageMaker's jobs, endpoints, pipelines and Studio roles require their account and region as the source", () => {
    // WHEN
    const sageMaker = serviceTrusts(environment).filter((t) => t.service === 'sagemaker.amazonaws.com');
    // MLflow and Feature Store are not in SageMaker's confused-deputy guide: the keys bind when sent
    const optional = sageMaker.filter((t) => /MlflowRole|OfflineStoreRole/.test(t.role));

    // THEN
    expect(sageMaker.length - optional.length).toBeGreaterThanOrEqual(5);
    for (const { role, condition } of sageMaker) {
      const strict = !optional.some((o) => o.role === role);
      expect({ role, condition }).toEqual({
        role,
        condition: {
          [strict ? 'StringEquals' : 'StringEqualsIfExists']: { 'aws:SourceAccount': account },
          [strict ? 'ArnLike' : 'ArnLikeIfExists']: {
            'aws:SourceArn': `arn:${PARTITION}:sagemaker:${REGION}:${account}:*`,
          },
        },
      });
    }
  });

  test("THEN Lambda's execution roles bind the account and the functions of its region whenever Lambda sends them", () => {
    // WHEN
    const lambdaTrusts = serviceTrusts(environment).filter((t) => t.service === 'lambda.amazonaws.com');

    // THEN the CDK's own default-security-group function included (ADR 0026)
    expect(lambdaTrusts.some((t) => t.role.includes('CustomVpcRestrictDefaultSG'))).toBe(true);
    for (const { role, condition } of lambdaTrusts) {
      expect({ role, condition }).toEqual({
        role,
        condition: {
          StringEqualsIfExists: { 'aws:SourceAccount': account },
          ArnLikeIfExists: { 'aws:SourceArn': `arn:${PARTITION}:lambda:${REGION}:${account}:function:*` },
        },
      });
    }
  });
});

describe('GIVEN the reference fixture at stage 4 WHEN synthesized THEN prod keeps the state it holds', () => {
  const kept = (template: CloudFormationTemplate, type: string, logicalIdPrefix: string) =>
    Object.entries(resourcesOfType(template, type))
      .filter(([logicalId]) => logicalId.startsWith(logicalIdPrefix))
      .map(([logicalId, r]) => ({
        logicalId,
        DeletionPolicy: r.DeletionPolicy,
        UpdateReplacePolicy: r.UpdateReplacePolicy,
      }));
  const retained = (logicalId: string) => ({ logicalId, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  const cases = [
    ['Registry', 'AWS::SQS::Queue', 'ApprovalEventsDeadLetters'],
    ['Model-churn', 'AWS::SQS::Queue', 'TrainingPipelineFailureEventsDeadLetters'],
    ['Model-churn', 'AWS::SQS::Queue', 'MonitoringMonitorFailedJobEventsDeadLetters'],
    ['Workbench', 'AWS::SageMaker::MlflowTrackingServer', 'MlflowTrackingServer'],
    ['Registry', 'AWS::SSM::Parameter', 'ApprovedModels'],
  ] as const;

  test.each(cases)('THEN Prod/%s retains its %s %s', (stack, type, prefix) => {
    // WHEN
    const found = kept(synthAtStage(4).templateJson(`Prod/${stack}`), type, prefix);

    // THEN
    expect(found.length).toBeGreaterThanOrEqual(1);
    for (const { logicalId } of found) expect(found).toContainEqual(retained(logicalId));
  });

  test('THEN dev, whose removal policy is destroy, still deletes them', () => {
    const found = kept(synthAtStage(4).templateJson('Dev/Registry'), 'AWS::SQS::Queue', 'ApprovalEventsDeadLetters');
    expect(found.map((f) => f.DeletionPolicy)).toEqual(['Delete']);
  });
});
