import { DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { approveModelVersion } from '../../../tools/approve/approve';
import { resolveTarget } from '../../../tools/approve/plan';
import { publishedFromDev, roleNameOf } from '../../../tools/approve/provenance';
import { CONFIG, deps, givenDeployed, lines, request, resetApproveMocks, sagemakerMock, VERSION_3 } from './support';

// Issue 12, finding 2: a version that dev's model publisher role registered (stage 2) carries whatever metrics the
// publisher chose. SageMaker records who registered each version; the command says when it was the publisher, so
// nobody reads those metrics as evidence (tools/approve/provenance.ts, ADR 0021).

beforeEach(resetApproveMocks);

/** An identity ARN, built from parts (the lint forbids a literal partition in an ARN). */
const identity = (service: 'sts' | 'iam', account: string, resource: string) =>
  ['arn', 'aws', service, '', account, resource].join(':');
const PUBLISHER_SESSION = identity('sts', '222222222222', 'assumed-role/mlops-test-model-publisher/alice');
const PIPELINE_SESSION = identity('sts', '222222222222', 'assumed-role/mlops-test-churn-training/SageMaker');

/** The version exists, Approved, registered by `registeredBy`, with metrics of its own. */
function givenRegisteredBy(registeredBy: string) {
  givenDeployed();
  sagemakerMock.on(DescribeModelPackageCommand, { ModelPackageName: VERSION_3 }).resolves({
    ModelPackageGroupName: 'mlops-test-churn',
    ModelPackageVersion: 3,
    ModelApprovalStatus: 'Approved',
    CreatedBy: { IamIdentity: { Arn: registeredBy } },
    ModelMetrics: {
      ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://anywhere/auc.json' } },
    },
  });
}

describe('GIVEN an Approved version', () => {
  test('WHEN the model publisher role registered it THEN the approval says its metrics are not evidence', async () => {
    // GIVEN
    givenRegisteredBy(PUBLISHER_SESSION);

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.publishedBy).toBe(PUBLISHER_SESSION);
    expect(lines).toEqual(
      expect.arrayContaining([
        `this version was published from dev through ${PUBLISHER_SESSION}: its model metrics and baselines are what the publisher`,
        '  registered, not measured in test; do not take them as evidence of its quality (ADR 0021)',
      ]),
    );
  });

  test('WHEN the environment training pipeline registered it THEN nothing is flagged', async () => {
    // GIVEN
    givenRegisteredBy(PIPELINE_SESSION);

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.publishedBy).toBeUndefined();
    expect(lines.join('\n')).not.toContain('published from dev');
  });
});

describe('GIVEN the identity SageMaker recorded', () => {
  const target = resolveTarget(CONFIG, 'churn', 'test');

  test.each([
    [PUBLISHER_SESSION, true],
    [identity('iam', '222222222222', 'role/mlops-test-model-publisher'), true],
    // the publisher of another environment, or a role of the same name in another account, is not this one
    [identity('sts', '222222222222', 'assumed-role/mlops-prod-model-publisher/alice'), false],
    [identity('sts', '111111111111', 'assumed-role/mlops-test-model-publisher/alice'), false],
    [PIPELINE_SESSION, false],
    [identity('iam', '222222222222', 'user/alice'), false],
  ])('WHEN it is %s THEN published from dev is %s', (registeredBy, published) => {
    expect(publishedFromDev(registeredBy, target)).toBe(published);
  });

  test('WHEN the role sits on a path THEN its name is the last segment', () => {
    expect(roleNameOf(identity('iam', '222222222222', 'role/platform/mlops-test-model-publisher'))).toBe(
      'mlops-test-model-publisher',
    );
    expect(roleNameOf(identity('iam', '222222222222', 'user/alice'))).toBeUndefined();
  });
});
