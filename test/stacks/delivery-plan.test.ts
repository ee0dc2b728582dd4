import type { EnvironmentKind } from '../../lib/config/defaults';
import { CODEPIPELINE_QUOTAS } from '../../lib/service-quotas';
import { type EnvironmentToDeliver, layOutDelivery, planDelivery } from '../../lib/stacks/delivery-plan';

/** An environment shaped as the platform makes it: 6 shared stacks, then one stack per model that needs them. */
function environment(name: string, kind: EnvironmentKind, models: number): EnvironmentToDeliver {
  const shared = ['foundation', 'network', 'workbench', 'registry', 'feature-store', 'container-registry'].map(
    (stack, index, all) => ({ name: `${name}-${stack}`, dependencies: all.slice(0, index).map((s) => `${name}-${s}`) }),
  );
  return {
    name,
    kind,
    stacks: [
      ...shared,
      ...Array.from({ length: models }, (_, i) => ({
        name: `${name}-model-m${i + 1}`,
        model: `m${i + 1}`,
        dependencies: [`${name}-foundation`, `${name}-registry`],
      })),
    ],
    preActions: kind === 'prod' ? 1 : 0,
    postActions: kind === 'test' ? 1 : 0,
    assetTypes: ['file'],
  };
}

const threeEnvironments = (models: number) => [
  environment('dev', 'dev', models),
  environment('test', 'test', models),
  environment('prod', 'prod', models),
];

const totals = (layout: ReturnType<typeof layOutDelivery>) =>
  layout.pipelines.map((p) => ({
    kinds: p.kinds.join('+'),
    actions: p.fixed.actions + p.plan.actions,
    stages: p.fixed.stages + p.plan.stages.length,
    busiest: Math.max(...p.plan.stages.map((s) => s.actions)),
  }));

describe('layOutDelivery', () => {
  test('GIVEN twenty models in three environments WHEN laid out THEN one pipeline deploys them all, as before', () => {
    // WHEN
    const layout = layOutDelivery(threeEnvironments(20));

    // THEN
    expect(layout.problems).toEqual([]);
    expect(totals(layout)).toEqual([{ kinds: 'dev+test+prod', actions: 162, stages: 10, busiest: 50 }]);
    expect(layout.pipelines[0]?.startsNext).toBe(false);
  });

  test('GIVEN a hundred models in three environments WHEN laid out THEN dev and test share the first pipeline, which hands over to a prod pipeline', () => {
    // GIVEN 106 stacks per environment: 636 change-set actions, more than one pipeline's 500

    // WHEN
    const layout = layOutDelivery(threeEnvironments(100));

    // THEN every pipeline and every stage is within CodePipeline's quotas
    expect(layout.problems).toEqual([]);
    expect(totals(layout)).toEqual([
      // 4 own actions (source, build, self-mutation, assets) + 424 deploy + the check + the hand-off
      { kinds: 'dev+test', actions: 430, stages: 14, busiest: 50 },
      // 4 own actions + the approval + 212 deploy
      { kinds: 'prod', actions: 217, stages: 9, busiest: 50 },
    ]);
    expect(layout.pipelines.map((p) => p.startsNext)).toEqual([true, false]);
    const [first] = layout.pipelines;
    expect(first?.plan.stages.at(-1)?.finalActions).toBe(1);
  });

  test('GIVEN more models than two pipelines hold WHEN laid out THEN each environment kind gets its own pipeline', () => {
    // WHEN
    const layout = layOutDelivery(threeEnvironments(150));

    // THEN
    expect(layout.problems).toEqual([]);
    expect(totals(layout).map((t) => `${t.kinds}:${t.actions}`)).toEqual(['dev:317', 'test:318', 'prod:317']);
    expect(layout.pipelines.map((p) => p.startsNext)).toEqual([true, true, false]);
  });

  test('GIVEN more models than one pipeline per kind holds WHEN laid out THEN it returns one pipeline per kind with each quota it passes', () => {
    // WHEN
    const layout = layOutDelivery(threeEnvironments(250));

    // THEN
    expect(layout.pipelines.map((p) => p.kinds.join('+'))).toEqual(['dev', 'test', 'prod']);
    expect(layout.problems).toEqual([
      "tooling.connection: the dev pipeline would have 517 actions (513 to deploy the environments, 2 per stack), above CodePipeline's 500 actions per pipeline; even with one pipeline per environment kind; split the models across several platform configs (projects, one pipeline each), or remove tooling.connection and deploy with cdk deploy",
      expect.stringMatching(/^tooling\.connection: the test pipeline would have 518 actions/),
      expect.stringMatching(/^tooling\.connection: the prod pipeline would have 517 actions/),
    ]);
  });

  test('GIVEN only dev and prod WHEN two pipelines are needed THEN the cut falls between them', () => {
    // WHEN
    const layout = layOutDelivery([environment('dev', 'dev', 150), environment('prod', 'prod', 150)], {
      quotas: CODEPIPELINE_QUOTAS,
    });

    // THEN
    expect(layout.pipelines.map((p) => [p.kinds.join('+'), p.environments.join('+')])).toEqual([
      ['dev', 'dev'],
      ['prod', 'prod'],
    ]);
  });
});

describe('planDelivery final actions', () => {
  const dev: EnvironmentToDeliver = {
    name: 'dev',
    kind: 'dev',
    stacks: ['a', 'b', 'c'].map((name) => ({ name, dependencies: [] })),
  };

  test('GIVEN room in the last stage WHEN planned THEN the final action runs there, after its deployments', () => {
    const plan = planDelivery([dev], { maxActionsPerStage: 7, finalActions: 1 });
    expect(plan.stages.map((s) => [s.name, s.actions, s.finalActions])).toEqual([['Dev', 7, 1]]);
    expect(plan.actions).toBe(7);
  });

  test('GIVEN a full last stage WHEN planned THEN the final action gets a stage of its own, with no deployment', () => {
    const plan = planDelivery([dev], { maxActionsPerStage: 6, finalActions: 1 });
    expect(plan.stages.map((s) => [s.name, s.actions, s.finalActions, s.deployments.length])).toEqual([
      ['Dev', 6, 0, 1],
      ['Dev-2', 1, 1, 0],
    ]);
  });
});
