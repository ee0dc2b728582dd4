/**
 * The delivery planner: how the environments' stacks are laid out over CodePipeline pipelines and their stages,
 * within CodePipeline's quotas. Pure: no CDK, no synthesis; the delivery stack feeds it each environment's stacks.
 */
import type { EnvironmentKind } from '../config/defaults';
import { CODEPIPELINE_QUOTAS } from '../service-quotas';

/** CDK Pipelines deploys each stack with two actions: create the change set, then execute it (`useChangeSets`). */
export const ACTIONS_PER_STACK = 2;

/** Environment kinds in the order the pipeline promotes through them. */
export const KIND_ORDER: readonly EnvironmentKind[] = ['dev', 'test', 'prod'];

/** One stack of an environment, as the delivery planner sees it. */
export interface StackToDeliver {
  /** The stack's name, unique within its environment. */
  readonly name: string;
  /** Names of the stacks of the same environment it depends on. */
  readonly dependencies: readonly string[];
  /**
   * The model whose stacks it belongs to; the stacks of one model are kept together where the quota allows.
   * @default - a shared stack of the environment
   */
  readonly model?: string;
}

/** One environment, as the delivery planner sees it. */
export interface EnvironmentToDeliver {
  readonly name: string;
  readonly kind: EnvironmentKind;
  readonly stacks: readonly StackToDeliver[];
  /**
   * Actions that run before its first stack, such as the manual approval.
   * @default 0
   */
  readonly preActions?: number;
  /**
   * Actions that run after its last stack, such as the training check.
   * @default 0
   */
  readonly postActions?: number;
  /**
   * The types of the assets its stacks publish (`file`, `docker-image`): a pipeline publishes each type with one action.
   * @default - no asset
   */
  readonly assetTypes?: readonly string[];
}

/** The part of one environment that one pipeline stage deploys. */
export interface PlannedDeployment {
  readonly environment: string;
  /** Stack names, each after the stacks it depends on. */
  readonly stacks: readonly string[];
  /** Whether it is the environment's first part: the pre actions (approval) run here. */
  readonly first: boolean;
  /** Whether it is the environment's last part: the post actions (training check) run here. */
  readonly last: boolean;
  /** Actions: two per stack, plus the pre and post actions it carries. */
  readonly actions: number;
}

/** One stage of the delivery pipeline (a CDK Pipelines wave): parts of environments of one kind, in parallel. */
export interface PlannedPipelineStage {
  /** `Dev`, `Dev-2`, ...: the first keeps the name of the kind. */
  readonly name: string;
  readonly kind: EnvironmentKind;
  readonly deployments: readonly PlannedDeployment[];
  /** Actions that run after every deployment of the stage: on the last stage, the start of the next pipeline. */
  readonly finalActions: number;
  readonly actions: number;
}

/** How the delivery pipeline lays the environments out over its stages. */
export interface DeliveryPlan {
  readonly stages: readonly PlannedPipelineStage[];
  /** Actions of all deploy stages. */
  readonly actions: number;
}

interface PlanItem {
  readonly environment: string;
  readonly stack: string;
  readonly actions: number;
}

/** How {@link planDelivery} lays environments out. */
export interface PlanOptions {
  /**
   * Actions that deploy one stack.
   * @default ACTIONS_PER_STACK
   */
  readonly actionsPerStack?: number;
  /**
   * Actions a pipeline stage holds.
   * @default CODEPIPELINE_QUOTAS.actionsPerStage
   */
  readonly maxActionsPerStage?: number;
  /**
   * Actions that run once every environment is deployed, such as the start of the next pipeline.
   * @default 0
   */
  readonly finalActions?: number;
}

/**
 * Lays the environments out over as few pipeline stages as CodePipeline's actions-per-stage quota allows. Kinds are
 * promoted in order (dev, test, prod), each over one or more stages. Within a kind, each environment's shared stacks
 * come first, then each model's stacks as one group; a group moves whole to the next stage when it does not fit,
 * and is split only when it alone is larger than a stage. Every stack lands in the same stage as the stacks it depends
 * on (where CDK Pipelines orders them) or in a later one. Pure: no CDK, no synthesis.
 */
export function planDelivery(environments: readonly EnvironmentToDeliver[], options: PlanOptions = {}): DeliveryPlan {
  const perStack = options.actionsPerStack ?? ACTIONS_PER_STACK;
  const capacity = options.maxActionsPerStage ?? CODEPIPELINE_QUOTAS.actionsPerStage;
  const stages: PlannedPipelineStage[] = [];
  for (const kind of KIND_ORDER) {
    const ofKind = environments.filter((e) => e.kind === kind && e.stacks.length > 0);
    const groupsPerEnvironment = ofKind.map((e) => groupsOf(e, perStack));
    // round robin: the shared stacks of every environment of the kind, then their first models, ...
    const groups: PlanItem[][] = [];
    const rounds = Math.max(0, ...groupsPerEnvironment.map((g) => g.length));
    for (let i = 0; i < rounds; i++) {
      for (const environmentGroups of groupsPerEnvironment) {
        const group = environmentGroups[i];
        if (group) groups.push(group);
      }
    }
    const bins: PlanItem[][] = [];
    let bin: PlanItem[] = [];
    let used = 0;
    const place = (item: PlanItem) => {
      if (item.actions > capacity) {
        throw new Error(
          `delivery plan: stack ${item.stack} of ${item.environment} needs ${item.actions} actions, above the ${capacity} of a pipeline stage`,
        );
      }
      if (used + item.actions > capacity) {
        bins.push(bin);
        bin = [];
        used = 0;
      }
      bin.push(item);
      used += item.actions;
    };
    for (const group of groups) {
      const size = group.reduce((sum, item) => sum + item.actions, 0);
      if (used > 0 && used + size > capacity && size <= capacity) {
        bins.push(bin);
        bin = [];
        used = 0;
      }
      for (const item of group) place(item);
    }
    if (bin.length > 0) bins.push(bin);

    const firstBin = new Map<string, number>();
    const lastBin = new Map<string, number>();
    bins.forEach((items, index) => {
      for (const { environment } of items) {
        if (!firstBin.has(environment)) firstBin.set(environment, index);
        lastBin.set(environment, index);
      }
    });
    bins.forEach((items, index) => {
      const deployments = ofKind
        .filter((e) => items.some((item) => item.environment === e.name))
        .map((e): PlannedDeployment => {
          const mine = items.filter((item) => item.environment === e.name);
          return {
            environment: e.name,
            stacks: mine.map((item) => item.stack),
            first: firstBin.get(e.name) === index,
            last: lastBin.get(e.name) === index,
            actions: mine.reduce((sum, item) => sum + item.actions, 0),
          };
        });
      stages.push({
        name: index === 0 ? capitalize(kind) : `${capitalize(kind)}-${index + 1}`,
        kind,
        deployments,
        finalActions: 0,
        actions: deployments.reduce((sum, d) => sum + d.actions, 0),
      });
    });
  }
  // the final actions run after the last stage's deployments, in that stage when it has room, else in one of their own
  const finalActions = options.finalActions ?? 0;
  const last = stages[stages.length - 1];
  if (finalActions > 0 && last) {
    if (last.actions + finalActions <= capacity) {
      stages[stages.length - 1] = { ...last, finalActions, actions: last.actions + finalActions };
    } else {
      const ofKind = stages.filter((s) => s.kind === last.kind).length;
      stages.push({
        name: `${capitalize(last.kind)}-${ofKind + 1}`,
        kind: last.kind,
        deployments: [],
        finalActions,
        actions: finalActions,
      });
    }
  }
  return { stages, actions: stages.reduce((sum, s) => sum + s.actions, 0) };
}

/**
 * The stacks of one environment as groups in deployment order: its shared stacks, then one group per model, each
 * stack after its dependencies and each group after the groups it depends on. The first stack carries the pre
 * actions and the last one the post actions.
 */
function groupsOf(environment: EnvironmentToDeliver, perStack: number): PlanItem[][] {
  const byName = new Map(environment.stacks.map((s) => [s.name, s]));
  const keyOf = (stack: StackToDeliver) => (stack.model === undefined ? '' : `model:${stack.model}`);
  const keys = [...new Set(['', ...environment.stacks.map(keyOf)])].filter((k) =>
    environment.stacks.some((s) => keyOf(s) === k),
  );
  const members = new Map(keys.map((k) => [k, environment.stacks.filter((s) => keyOf(s) === k)]));
  const groupDependencies = (key: string) =>
    (members.get(key) ?? []).flatMap((s) =>
      s.dependencies.flatMap((d) => {
        const dependency = byName.get(d);
        return dependency && keyOf(dependency) !== key ? [keyOf(dependency)] : [];
      }),
    );
  const orderedKeys = topologicalOrder(keys, groupDependencies, `groups of ${environment.name}`);
  const ordered = orderedKeys.map((key) =>
    topologicalOrder(
      (members.get(key) ?? []).map((s) => s.name),
      (name) =>
        (byName.get(name)?.dependencies ?? []).filter(
          (d) => byName.get(d) && keyOf(byName.get(d) as StackToDeliver) === key,
        ),
      `stacks of ${environment.name}`,
    ),
  );
  const all = ordered.flat();
  return ordered.map((names) =>
    names.map((stack) => ({
      environment: environment.name,
      stack,
      actions:
        perStack +
        (stack === all[0] ? (environment.preActions ?? 0) : 0) +
        (stack === all[all.length - 1] ? (environment.postActions ?? 0) : 0),
    })),
  );
}

/** A stable topological order: each item after those it depends on, otherwise in the given order. */
function topologicalOrder(
  items: readonly string[],
  dependenciesOf: (item: string) => readonly string[],
  what: string,
): string[] {
  const known = new Set(items);
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: string[] = [];
  const visit = (item: string) => {
    if (done.has(item)) return;
    if (visiting.has(item))
      throw new Error(`delivery plan: the ${what} depend on each other in a cycle through ${item}`);
    visiting.add(item);
    for (const dependency of dependenciesOf(item)) if (known.has(dependency)) visit(dependency);
    visiting.delete(item);
    done.add(item);
    order.push(item);
  };
  for (const item of items) visit(item);
  return order;
}

/** CodePipeline's structural quotas, as the planner checks them. */
export interface PipelineQuotas {
  readonly actionsPerStage: number;
  readonly stagesPerPipeline: number;
  readonly actionsPerPipeline: number;
}

/** The stages and actions a pipeline has besides its deploy stages. */
export interface FixedPipelinePart {
  /** `Source`, `Build`, `UpdatePipeline`, `Assets`. */
  readonly stages: number;
  /** The source, synth and self-mutation actions, and one asset-publishing action per asset type. */
  readonly actions: number;
}

/**
 * The stages before the deploy stages of a pipeline that deploys `environments`: `Source`, `Build` and
 * `UpdatePipeline` with one action each, and `Assets` with one publishing action per asset type.
 */
export function fixedPipelinePart(environments: readonly EnvironmentToDeliver[]): FixedPipelinePart {
  const assetTypes = new Set(environments.flatMap((e) => e.assetTypes ?? []));
  return { stages: 3 + (assetTypes.size > 0 ? 1 : 0), actions: 3 + assetTypes.size };
}

const QUOTA_FIX =
  'split the models across several platform configs (projects, one pipeline each), or remove tooling.connection and deploy with cdk deploy';

/**
 * Every CodePipeline quota the plan of one pipeline would exceed, each naming the pipeline, the count, the quota and
 * the fix. An empty list means CodePipeline accepts the pipeline.
 */
export function deliveryPlanProblems(
  plan: DeliveryPlan,
  fixed: FixedPipelinePart,
  options: { readonly quotas?: PipelineQuotas; readonly pipeline?: string; readonly fix?: string } = {},
): string[] {
  const quotas = options.quotas ?? CODEPIPELINE_QUOTAS;
  const pipeline = options.pipeline ?? 'the delivery pipeline';
  const fix = options.fix ?? QUOTA_FIX;
  const problems: string[] = [];
  for (const stage of plan.stages) {
    if (stage.actions > quotas.actionsPerStage) {
      problems.push(
        `tooling.connection: the ${stage.name} stage of ${pipeline} would hold ${stage.actions} actions, above CodePipeline's ${quotas.actionsPerStage} per stage; ${fix}`,
      );
    }
  }
  const stages = fixed.stages + plan.stages.length;
  if (stages > quotas.stagesPerPipeline) {
    problems.push(
      `tooling.connection: ${pipeline} would have ${stages} stages (${plan.stages.length} to deploy the environments, ${ACTIONS_PER_STACK} actions per stack and at most ${quotas.actionsPerStage} per stage), above CodePipeline's ${quotas.stagesPerPipeline} stages per pipeline; ${fix}`,
    );
  }
  const actions = fixed.actions + plan.actions;
  if (actions > quotas.actionsPerPipeline) {
    problems.push(
      `tooling.connection: ${pipeline} would have ${actions} actions (${plan.actions} to deploy the environments, ${ACTIONS_PER_STACK} per stack), above CodePipeline's ${quotas.actionsPerPipeline} actions per pipeline; ${fix}`,
    );
  }
  return problems;
}

/** One pipeline of a delivery layout. */
export interface PlannedPipeline {
  /** The environment kinds it deploys, in promotion order. */
  readonly kinds: readonly EnvironmentKind[];
  /** The environments it deploys, in the order they were given. */
  readonly environments: readonly string[];
  readonly plan: DeliveryPlan;
  readonly fixed: FixedPipelinePart;
  /** Whether it starts the next pipeline of the layout once it has deployed its environments (one final action). */
  readonly startsNext: boolean;
}

/** The delivery pipelines, in promotion order: each starts the next one with the revision it has deployed. */
export interface DeliveryLayout {
  readonly pipelines: readonly PlannedPipeline[];
  /** Every quota a pipeline of the layout passes; empty when CodePipeline accepts them all. */
  readonly problems: readonly string[];
}

/**
 * Lays the environments out over as few pipelines as CodePipeline's per-pipeline quotas allow: one pipeline while
 * everything fits, else one per run of environment kinds (dev and test, then prod; then one per kind). A pipeline
 * never splits an environment kind, so each kind is promoted as a whole and prod keeps its own approval. When even
 * one pipeline per kind passes a quota, the layout of one pipeline per kind is returned with its problems.
 */
export function layOutDelivery(
  environments: readonly EnvironmentToDeliver[],
  options: { readonly quotas?: PipelineQuotas } = {},
): DeliveryLayout {
  const quotas = options.quotas ?? CODEPIPELINE_QUOTAS;
  const kinds = KIND_ORDER.filter((kind) => environments.some((e) => e.kind === kind));
  let layout: DeliveryLayout = { pipelines: [], problems: [] };
  for (const parts of splitsOf(kinds)) {
    const pipelines = parts.map((partKinds, index): PlannedPipeline => {
      const mine = environments.filter((e) => partKinds.includes(e.kind));
      const startsNext = index < parts.length - 1;
      return {
        kinds: partKinds,
        environments: mine.map((e) => e.name),
        plan: planDelivery(mine, { maxActionsPerStage: quotas.actionsPerStage, finalActions: startsNext ? 1 : 0 }),
        fixed: fixedPipelinePart(mine),
        startsNext,
      };
    });
    const fix = parts.length < kinds.length ? undefined : `even with one pipeline per environment kind; ${QUOTA_FIX}`;
    layout = {
      pipelines,
      problems: pipelines.flatMap((p) =>
        deliveryPlanProblems(p.plan, p.fixed, {
          quotas,
          pipeline: parts.length === 1 ? undefined : `the ${p.kinds.join(' and ')} pipeline`,
          fix,
        }),
      ),
    };
    if (layout.problems.length === 0) break;
  }
  return layout;
}

/**
 * Every way to cut the kinds, kept in order, into consecutive runs: fewest runs first, and among as many runs, the
 * later cuts first (dev and test together before test and prod together).
 */
function splitsOf(kinds: readonly EnvironmentKind[]): EnvironmentKind[][][] {
  const cuts = Math.max(0, kinds.length - 1);
  const masks = Array.from({ length: 2 ** cuts }, (_, mask) => mask);
  const ones = (mask: number) => mask.toString(2).replace(/0/g, '').length;
  masks.sort((a, b) => ones(a) - ones(b) || b - a);
  return masks.map((mask) => {
    const parts: EnvironmentKind[][] = [[]];
    kinds.forEach((kind, index) => {
      parts[parts.length - 1].push(kind);
      if (index < cuts && mask & (1 << index)) parts.push([]);
    });
    return parts;
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
