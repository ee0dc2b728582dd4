import { resolveConfig } from '../lib/config/loader';
import { synthSummary } from '../lib/synth-summary';
import { devProdConfig, threeEnvironmentConfig } from './support/fixtures';
import { REPO_ROOT } from './support/platform';

describe('the summary cdk synth prints on stderr', () => {
  test('names each environment with its stage, stacks, models and what the next stage adds', () => {
    // GIVEN the three-environment fixture at stage 2
    const config = resolveConfig(threeEnvironmentConfig(), { maturity: 2 }, 'fixture', REPO_ROOT);
    const stackIds = ['Foundation', 'Network', 'Workbench', 'Registry', 'Model-churn'];

    // WHEN
    const lines = synthSummary(
      config,
      config.environments.map((environment) => ({ environment, stackIds })),
      { outdir: 'cdk.out' },
    );

    // THEN
    expect(lines[0]).toBe('mlops: 3 environments synthesized into cdk.out');
    expect(lines).toContain('  Prod (prod, account 333333333333, eu-west-1): stage 2, First deployment');
    expect(lines).toContain(`    5 stacks: ${stackIds.join(', ')}`);
    expect(lines).toContain('    models: churn');
    expect(lines).toContain('    next: stage 3 (IT does the serving) would add trainingPipeline, containerRegistry');
    expect(lines.at(-1)).toBe("Deploy an environment with: npx cdk deploy 'Dev/*'");
  });

  test('before stage 2 lists no models; names the delivery stack when there is one', () => {
    // GIVEN
    const stageOne = resolveConfig(devProdConfig(), { maturity: 1 }, 'fixture', REPO_ROOT);

    // WHEN
    const lines = synthSummary(
      stageOne,
      stageOne.environments.map((environment) => ({ environment, stackIds: ['Foundation'] })),
      { outdir: 'cdk.out', deliveryStackNames: ['acme-delivery'] },
    );

    // THEN
    expect(lines.some((l) => l.includes('models:'))).toBe(false);
    expect(lines).toContain(
      '    next: stage 2 (First deployment) would add modelRegistry, realtimeServing, batchScoring',
    );
    expect(lines).toContain('  Delivery: the delivery pipeline, stack acme-delivery in the tooling account');
  });

  test('GIVEN chained delivery pipelines THEN it names each stack and how to deploy them all once', () => {
    // GIVEN
    const config = resolveConfig(devProdConfig(), { maturity: 4 }, 'fixture', REPO_ROOT);

    // WHEN
    const lines = synthSummary(
      config,
      config.environments.map((environment) => ({ environment, stackIds: ['Foundation'] })),
      { outdir: 'cdk.out', deliveryStackNames: ['acme-delivery', 'acme-delivery-prod'] },
    );

    // THEN
    expect(lines).toContain(
      "  Delivery: 2 delivery pipelines, each handing over to the next, stacks acme-delivery, acme-delivery-prod in the tooling account (deploy them once with npx cdk deploy 'Delivery*')",
    );
  });
});
