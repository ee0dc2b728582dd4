import { Stack } from 'aws-cdk-lib';
import type { ResolvedEnvironment, ResolvedPlatformConfig } from './config/loader';
import type { PlatformEnvironment } from './environment';
import { CAPABILITY_DEFINITIONS, MATURITY_LADDER, type MaturityStage } from './maturity';

/** What one synthesized environment holds, as the summary reports it. */
export interface EnvironmentSummary {
  readonly environment: ResolvedEnvironment;
  /** Construct ids of its stacks, in creation order, e.g. `Foundation`, `Model-churn`. */
  readonly stackIds: readonly string[];
}

/** The stacks of one synthesized environment. */
export function summarizeEnvironment(stage: PlatformEnvironment, environment: ResolvedEnvironment): EnvironmentSummary {
  return { environment, stackIds: stage.node.children.filter(Stack.isStack).map((s) => s.node.id) };
}

function stageName(stage: number): string {
  return MATURITY_LADDER.find((s) => s.stage === stage)?.name ?? '';
}

/** One line on what the stage above an environment's would add, or that it is at the top. */
function nextStageLine(environment: ResolvedEnvironment): string {
  const next = environment.maturity.requested + 1;
  const definition = MATURITY_LADDER.find((s) => s.stage === next);
  if (!definition) return 'top of the ladder: stage 5 is the last';
  const adds = definition.adds.map((c) => (CAPABILITY_DEFINITIONS[c].implemented ? c : `${c} (planned)`));
  return `stage ${next} (${definition.name}) would add ${adds.join(', ')}`;
}

/**
 * The few lines `cdk synth` prints on stderr: per environment its stage, stacks and models and what the next stage
 * would add, then the delivery pipeline and how to deploy. Pure, so tests read it without an app.
 */
export function synthSummary(
  config: ResolvedPlatformConfig,
  environments: readonly EnvironmentSummary[],
  options: { readonly outdir: string; readonly deliveryStackNames?: readonly string[] },
): string[] {
  const lines = [
    `${config.project}: ${environments.length} environment${environments.length === 1 ? '' : 's'} synthesized into ${options.outdir}`,
  ];
  for (const { environment, stackIds } of environments) {
    const { maturity } = environment;
    const stage = maturity.requested as MaturityStage;
    const capped = maturity.effective < stage ? `; stage ${maturity.effective} is complete, see the warning above` : '';
    lines.push(
      `  ${environment.stageId} (${environment.kind}, account ${environment.account}, ${environment.region}): stage ${stage}, ${stageName(stage)}${capped}`,
    );
    lines.push(`    ${stackIds.length} stacks: ${stackIds.join(', ')}`);
    const models = environment.models.map((m) => m.name);
    if (maturity.capabilities.has('modelRegistry')) {
      lines.push(
        `    models: ${models.length > 0 ? models.join(', ') : 'none (add one with npm run new-model -- <name>)'}`,
      );
    }
    lines.push(`    next: ${nextStageLine(environment)}`);
  }
  const delivery = options.deliveryStackNames ?? [];
  if (delivery.length === 1) {
    lines.push(`  Delivery: the delivery pipeline, stack ${delivery[0]} in the tooling account`);
  } else if (delivery.length > 1) {
    lines.push(
      `  Delivery: ${delivery.length} delivery pipelines, each handing over to the next, stacks ${delivery.join(', ')} in the tooling account (deploy them once with npx cdk deploy 'Delivery*')`,
    );
  }
  const [first] = environments;
  if (first) {
    lines.push(`Deploy an environment with: npx cdk deploy '${first.environment.stageId}/*'`);
  }
  return lines;
}
