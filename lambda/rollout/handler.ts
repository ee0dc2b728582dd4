import { Logger } from '@aws-lambda-powertools/logger';
import { clients } from './clients';
import { type RolloutAction, type RolloutSettings, type RolloutState, runStep } from './rollout';

const logger = new Logger({ serviceName: 'rollout' });

/** The model this function rolls out, from its environment (lib/constructs/model-rollout.ts). */
export function settingsFrom(env: NodeJS.ProcessEnv): RolloutSettings {
  const required = (key: string) => {
    const value = env[key];
    if (value === undefined || value === '') throw new Error(`environment variable ${key} is not set`);
    return value;
  };
  return {
    project: required('PROJECT'),
    environment: required('ENVIRONMENT'),
    model: required('MODEL'),
    parameterName: required('PARAMETER_NAME'),
    modelPackageGroupName: required('MODEL_PACKAGE_GROUP'),
    stackName: required('STACK_NAME'),
    endpointName: required('ENDPOINT_NAME'),
    realtime: required('REALTIME') === 'true',
    requireVerdict: required('REQUIRE_VERDICT') === 'true',
    requireBaselines: required('REQUIRE_BASELINES') === 'true',
    requireApprovedCard: required('REQUIRE_APPROVED_CARD') === 'true',
  };
}

const settings = settingsFrom(process.env);

/** The Lambda entry point of each rollout step: wiring only. */
export async function handler(event: { action: RolloutAction; state: RolloutState }): Promise<RolloutState> {
  logger.info('rollout step', { action: event.action, modelPackageArn: event.state?.modelPackageArn });
  const state = await runStep(event.action, event.state, { ...clients, settings });
  logger.info('rollout step done', { action: event.action, progress: state.progress });
  return state;
}
