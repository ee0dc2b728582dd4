import {
  type BaselineAttributes,
  baselinesOf,
  type ModelPackageArn,
  parseModelPackageArn,
  parseRequiredBaselines,
} from '../../../lambda/model-package-baselines/baselines';
import { ACCOUNT, COMPLETE_ATTRIBUTES, completePackage, GROUP, packageArn, pipelinePackage, REGION } from './fixtures';

function parsed(arn = packageArn(3)): ModelPackageArn {
  const result = parseModelPackageArn(arn);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('parseModelPackageArn', () => {
  test('GIVEN a version ARN THEN it is split into partition, region, account, group and version', () => {
    expect(parseModelPackageArn(packageArn(12))).toEqual({
      ok: true,
      value: { arn: packageArn(12), partition: 'aws', region: REGION, account: ACCOUNT, groupName: GROUP, version: 12 },
    });
  });

  test('GIVEN an ARN of another partition THEN it is accepted', () => {
    const arn = ['arn', 'aws-cn', 'sagemaker', 'cn-north-1', ACCOUNT, `model-package/${GROUP}/1`].join(':');
    expect(parseModelPackageArn(arn)).toMatchObject({ ok: true, value: { partition: 'aws-cn', region: 'cn-north-1' } });
  });

  test.each([
    [
      'none',
      /'none': no version is approved yet; create this resource only under the stack's VersionApproved condition/,
    ],
    [
      packageArn(1).replace('model-package/', 'model-package-group/').replace(/\/1$/, ''),
      /is the ARN of a model package group, not of one version/,
    ],
    [packageArn(1).replace(/\/1$/, ''), /is not a model package version ARN; expected arn:<partition>:sagemaker:/],
    [packageArn(0), /is not a model package version ARN/],
    ['mlops-test-churn/3', /is not a model package version ARN/],
    ['', /must be a model package version ARN .*, got ""/],
    [42, /must be a model package version ARN .*, got 42/],
    [undefined, /got nothing/],
  ])('GIVEN %p THEN it is refused with the reason', (value, reason) => {
    const result = parseModelPackageArn(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});

describe('baselinesOf', () => {
  test('GIVEN an approved version with every drift baseline THEN every attribute holds its S3 URI', () => {
    expect(baselinesOf(parsed(), completePackage())).toEqual({ ok: true, value: COMPLETE_ATTRIBUTES });
  });

  test('GIVEN a version from the training pipeline (data and model quality only) THEN bias and explainability are empty strings', () => {
    const result = baselinesOf(parsed(), pipelinePackage());

    expect(result).toEqual({
      ok: true,
      value: {
        ...COMPLETE_ATTRIBUTES,
        BiasConfigUri: '',
        BiasPostTrainingConstraintsUri: '',
        ExplainabilityConfigUri: '',
        ExplainabilityConstraintsUri: '',
      } satisfies BaselineAttributes,
    });
  });

  test('GIVEN a response without group or version THEN they come from the ARN', () => {
    const result = baselinesOf(
      parsed(packageArn(7)),
      completePackage({ ModelPackageGroupName: undefined, ModelPackageVersion: undefined }),
    );
    expect(result).toMatchObject({ ok: true, value: { ModelPackageGroupName: GROUP, ModelPackageVersion: '7' } });
  });

  test.each([['PendingManualApproval'], ['Rejected']] as const)(
    'GIVEN a version that is %s THEN it is refused, naming the package and the fix',
    (status) => {
      const result = baselinesOf(parsed(), completePackage({ ModelApprovalStatus: status }));

      expect(result).toEqual({
        ok: false,
        reason: `model package ${packageArn(3)} is ${status}, not Approved: only an Approved version may be served or monitored; approve it in the registry, or serve an Approved version, and deploy again`,
      });
    },
  );

  test('GIVEN a version without an approval status THEN it is refused', () => {
    const result = baselinesOf(parsed(), completePackage({ ModelApprovalStatus: undefined }));
    expect(result.ok ? '' : result.reason).toContain('is without an approval status, not Approved');
  });

  test('GIVEN an approved version without drift baselines THEN every missing one is named, with the fix', () => {
    const result = baselinesOf(parsed(), completePackage({ DriftCheckBaselines: undefined }));

    expect(result).toEqual({
      ok: false,
      reason: [
        `model package ${packageArn(3)} cannot be monitored: `,
        'DriftCheckBaselines.ModelDataQuality.Statistics is missing; ',
        'DriftCheckBaselines.ModelDataQuality.Constraints is missing; ',
        'DriftCheckBaselines.ModelQuality.Statistics is missing; ',
        'DriftCheckBaselines.ModelQuality.Constraints is missing. ',
        "The platform needs its drift baselines: register versions through the platform's training pipeline of the model, whose quality-check steps record the drift baselines, approve such a version and deploy again",
      ].join(''),
    });
  });

  test('GIVEN a version with data-quality baselines but no model-quality constraints THEN only that one is named', () => {
    const complete = completePackage();
    const result = baselinesOf(
      parsed(),
      completePackage({
        DriftCheckBaselines: {
          ...complete.DriftCheckBaselines,
          ModelQuality: { Statistics: complete.DriftCheckBaselines?.ModelQuality?.Statistics },
        },
      }),
    );

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(
      /cannot be monitored: DriftCheckBaselines\.ModelQuality\.Constraints is missing\. The platform needs/,
    );
  });

  test('GIVEN a baseline that is not an S3 URI THEN it is refused, quoting it', () => {
    const complete = completePackage();
    const result = baselinesOf(
      parsed(),
      completePackage({
        DriftCheckBaselines: {
          ...complete.DriftCheckBaselines,
          Bias: { ConfigFile: { S3Uri: 'https://example.com/analysis_config.json' } },
        },
      }),
    );

    expect(result.ok ? '' : result.reason).toContain(
      'DriftCheckBaselines.Bias.ConfigFile is not an S3 URI: "https://example.com/analysis_config.json"',
    );
  });
});

describe('required optional baselines', () => {
  test('GIVEN bias monitoring is configured and the version has no bias baselines THEN both missing files are named', () => {
    // WHEN
    const result = baselinesOf(parsed(), pipelinePackage(), ['Bias']);

    // THEN
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toContain('DriftCheckBaselines.Bias.ConfigFile is missing');
    expect(reason).toContain('DriftCheckBaselines.Bias.PostTrainingConstraints is missing');
    expect(reason).not.toContain('Explainability');
    expect(reason).toContain('ClarifyCheck');
  });

  test('GIVEN both are required and present THEN every attribute is returned', () => {
    expect(baselinesOf(parsed(), completePackage(), ['Bias', 'Explainability'])).toEqual({
      ok: true,
      value: COMPLETE_ATTRIBUTES,
    });
  });

  test.each([
    [undefined, []],
    ['', []],
    ['Bias', ['Bias']],
    [
      ['Bias', 'Explainability'],
      ['Bias', 'Explainability'],
    ],
  ])('GIVEN the property %j THEN it requires %j', (value, expected) => {
    expect(parseRequiredBaselines(value)).toEqual({ ok: true, value: expected });
  });

  test('GIVEN an unknown baseline name THEN the request is refused, naming it', () => {
    const result = parseRequiredBaselines(['Bias', 'Fairness']);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('"Fairness"') });
  });
});
