import { ConfigError, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import {
  CAPABILITY_DEFINITIONS,
  type Capability,
  capabilitiesAtStage,
  MATURITY_LADDER,
  type MaturityStage,
  stageOfCapability,
} from '../../lib/maturity';

// The offline job of `npm run maturity`: where each environment stands on the ladder of lib/maturity.ts, what the
// next stage adds, the risk of the five-stage model it answers, and the config changes that get there. The changes
// are found by validating the config with that one environment raised a stage: every problem the validation would
// report then is a change to make, and every new warning is one to consider.

/** A capability as the report shows it. */
export interface CapabilityLine {
  readonly capability: Capability;
  readonly summary: string;
  /** The stage that includes it. */
  readonly stage: MaturityStage;
}

export interface NextStage {
  readonly stage: MaturityStage;
  readonly name: string;
  readonly adds: readonly CapabilityLine[];
  /** The risk of the five-stage model that the next stage answers. */
  readonly risk: string;
  /** Config changes that raising the environment needs, each starting with its field path; the first sets the stage. */
  readonly changes: readonly string[];
  /** What synth would warn about after raising it (new warnings only). */
  readonly considerations: readonly string[];
}

export interface EnvironmentMaturity {
  readonly environment: string;
  readonly kind: string;
  readonly account: string;
  readonly region: string;
  readonly stage: MaturityStage;
  readonly stageName: string;
  /** The risk the current stage answers. */
  readonly answers: string;
  readonly capabilities: readonly CapabilityLine[];
  /** Capabilities switched on before their stage (config `capabilities`). */
  readonly early: readonly Capability[];
  /** @default - at the top of the ladder */
  readonly next?: NextStage;
}

export interface MaturityReport {
  readonly project: string;
  readonly environments: readonly EnvironmentMaturity[];
}

const line = (capability: Capability): CapabilityLine => ({
  capability,
  summary: CAPABILITY_DEFINITIONS[capability].summary,
  stage: stageOfCapability(capability),
});

/** Validates a config; returns its problems (none when valid) and its warnings. */
function validate(input: PlatformConfigInput, source: string, baseDir: string) {
  try {
    const resolved = resolveConfig(input, {}, source, baseDir);
    return { problems: [] as readonly string[], warnings: resolved.warnings, resolved };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems, warnings: [] as readonly string[], resolved: undefined };
  }
}

/**
 * The report of a config file's content. Throws a {@link ConfigError} when the config itself is invalid: the
 * report needs a valid starting point.
 */
export function maturityReport(input: PlatformConfigInput, source: string, baseDir: string): MaturityReport {
  const resolved = resolveConfig(input, {}, source, baseDir);
  const environments = resolved.allEnvironments.map((env, i): EnvironmentMaturity => {
    const stage = env.maturity.effective;
    const current = MATURITY_LADDER.find((s) => s.stage === stage) ?? MATURITY_LADDER[0];
    const atStage = new Set(capabilitiesAtStage(stage));
    const capabilities = [...env.maturity.capabilities];
    const nextDefinition = MATURITY_LADDER.find((s) => s.stage === stage + 1);
    let next: NextStage | undefined;
    if (nextDefinition) {
      const raised: PlatformConfigInput = {
        ...input,
        environments: input.environments.map((e, j) => (j === i ? { ...e, maturity: nextDefinition.stage } : e)),
      };
      const after = validate(raised, source, baseDir);
      const before = new Set(resolved.warnings);
      const own = input.environments[i]?.maturity !== undefined;
      const setStage = `environments[${i}].maturity: ${stage} -> ${nextDefinition.stage}${own ? '' : ` (the environment has no maturity of its own, so it follows the top-level maturity; set it on the environment to raise ${env.name} alone)`}`;
      next = {
        stage: nextDefinition.stage,
        name: nextDefinition.name,
        adds: nextDefinition.adds.filter((c) => !env.maturity.capabilities.has(c)).map(line),
        risk: nextDefinition.risk,
        changes: [setStage, ...after.problems],
        considerations: after.warnings.filter((w) => !before.has(w)),
      };
    }
    return {
      environment: env.name,
      kind: env.kind,
      account: env.account,
      region: env.region,
      stage,
      stageName: current?.name ?? '',
      answers: current?.risk ?? '',
      capabilities: capabilities.map(line),
      early: capabilities.filter((c) => !atStage.has(c)),
      next,
    };
  });
  return { project: resolved.project, environments };
}
