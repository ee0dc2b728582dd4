import type { PlatformConfigInput } from '../../../lib/config/schema';
import { parseMaturityArgs } from '../../../tools/maturity/cli';
import { maturityReport } from '../../../tools/maturity/plan';
import { renderMaturityReport } from '../../../tools/maturity/render';
import { churnModel, devProdConfig, threeEnvironmentConfig } from '../../support/fixtures';
import { REPO_ROOT } from '../../support/platform';

/** dev at stage 2, prod at stage 4, and a model without a card (stage 5 needs its owner). */
function devAt2ProdAt4(): PlatformConfigInput {
  const base = devProdConfig();
  const [dev, prod] = base.environments;
  return {
    ...base,
    environments: [
      { ...(dev as NonNullable<typeof dev>), maturity: 2 },
      { ...(prod as NonNullable<typeof prod>), maturity: 4 },
    ],
    models: [{ ...churnModel(), card: undefined }],
  };
}

describe('npm run maturity, offline', () => {
  test('GIVEN the sample-like config at stage 1 THEN every environment is at stage 1 and stage 2 needs only the stage', () => {
    // WHEN
    const report = maturityReport(threeEnvironmentConfig(), 'fixture', REPO_ROOT);
    // THEN
    expect(report.environments.map((e) => [e.environment, e.stage, e.next?.stage])).toEqual([
      ['dev', 1, 2],
      ['test', 1, 2],
      ['prod', 1, 2],
    ]);
    const dev = report.environments[0];
    expect(dev?.capabilities.map((c) => c.capability)).toEqual([
      'dataLake',
      'network',
      'workbench',
      'experimentTracking',
    ]);
    expect(dev?.next?.adds.map((c) => c.capability)).toEqual(['modelRegistry', 'realtimeServing', 'batchScoring']);
    expect(dev?.next?.risk).toMatch(/swamped/);
    expect(dev?.next?.changes).toEqual([
      'environments[0].maturity: 1 -> 2 (the environment has no maturity of its own, so it follows the top-level maturity; set it on the environment to raise dev alone)',
    ]);
  });

  test('GIVEN dev at 2 and prod at 4 THEN each gets its own next stage, and prod is told to give the model an owner', () => {
    // WHEN
    const report = maturityReport(devAt2ProdAt4(), 'fixture', REPO_ROOT);
    const [dev, prod] = report.environments;
    // THEN
    expect([dev?.stage, dev?.stageName, dev?.next?.stage]).toEqual([2, 'First deployment', 3]);
    expect(dev?.next?.adds.map((c) => c.capability)).toEqual(['trainingPipeline', 'containerRegistry']);
    expect(dev?.next?.changes).toEqual(['environments[0].maturity: 2 -> 3']);
    expect(dev?.next?.considerations).toEqual([
      'models[0].featureGroup: dev has no feature store below stage 4, so the pipeline of "churn" trains on the raw data there',
    ]);
    expect([prod?.stage, prod?.capabilities.length, prod?.next?.stage]).toEqual([4, 13, 5]);
    expect(prod?.next?.adds.map((c) => c.capability)).toEqual([
      'continuousDeployment',
      'driftRetraining',
      'modelPortfolio',
    ]);
    expect(prod?.next?.risk).toBe('the organisation loses its edge because every model is still managed one by one');
    expect(prod?.next?.changes).toEqual([
      'environments[1].maturity: 4 -> 5',
      expect.stringMatching(/^models\[0\]\.card\.owner: "churn" has no owner .*\(stage 5, in prod\)/),
    ]);
  });

  test('GIVEN dev at 2 and prod at 4 WHEN printed THEN the text says the stage, the capabilities, the next stage, its risk and the changes', () => {
    // WHEN
    const text = renderMaturityReport(maturityReport(devAt2ProdAt4(), 'fixture', REPO_ROOT));
    // THEN
    expect(text).toContain('dev (dev, account 555555555555, us-east-1): stage 2, First deployment\n');
    expect(text).toContain('  capabilities in place (7):\n');
    expect(text).toContain('  next: stage 3, IT does the serving\n');
    expect(text).toContain('  it answers: IT rewrites notebooks into production code by hand');
    expect(text).toContain('prod (prod, account 666666666666, us-east-1): stage 4, Continuous integration\n');
    expect(text).toContain('    - environments[1].maturity: 4 -> 5\n');
    expect(text).toContain('    - models[0].card.owner: "churn" has no owner');
  });

  test('GIVEN an environment at stage 5 THEN the report says it is the top of the ladder', () => {
    const text = renderMaturityReport(
      maturityReport({ ...threeEnvironmentConfig(), maturity: 5 }, 'fixture', REPO_ROOT),
    );
    expect(text).toContain('prod (prod, account 333333333333, eu-west-1): stage 5, Full automation and monitoring\n');
    expect(text).toContain('  next: none, this is the top of the ladder.');
  });

  test('the arguments: --deployed, --profile env=profile, and usage problems', () => {
    expect(parseMaturityArgs(['--deployed', '--profile', 'prod=prod-readonly'])).toEqual({
      config: 'config/platform.json',
      deployed: true,
      profiles: { prod: 'prod-readonly' },
    });
    expect(parseMaturityArgs(['--profile', 'prod'])).toBe('--profile: expected <environment>=<profile>, got "prod"');
    expect(parseMaturityArgs(['--stage'])).toBe('unknown argument "--stage"');
  });
});
