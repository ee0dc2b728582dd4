import { UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { resolveConfig } from '../../../lib/config/loader';
import { approveModelVersion } from '../../../tools/approve/approve';
import type { RolloutClient, RolloutExecution } from '../../../tools/approve/step-functions';
import { threeEnvironmentConfig } from '../../support/fixtures';
import {
  cloudformationMock,
  deps,
  givenDeployed,
  lines,
  PARAMETER,
  parameterHistory,
  REPO_ROOT,
  rejectionOf,
  request,
  resetApproveMocks,
  sleep,
  ssmMock,
  VERSION_2,
  VERSION_3,
} from './support';

// Stage 5: the approve command starts the model's rollout state machine, the same path an approval takes by
// itself, instead of binding the version itself (ADR 0023). Below stage 5 it binds it itself, with the same
// compare-and-swap write.

const STAGE_5 = resolveConfig(threeEnvironmentConfig(), { maturity: 5 }, 'config', REPO_ROOT);
const STATE_MACHINE = [
  'arn',
  'aws',
  'states',
  'eu-west-1',
  '222222222222',
  'stateMachine:mlops-test-churn-rollout',
].join(':');

/** A Step Functions fake: records the started executions and answers DescribeExecution from `statuses`. */
function rolloutClient(statuses: RolloutExecution[]) {
  const started: Array<{ stateMachineArn: string; name: string; input: unknown }> = [];
  const client: RolloutClient = {
    start: async (stateMachineArn, name, input) => {
      started.push({ stateMachineArn, name, input });
      return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    },
    describe: async () => statuses.shift() ?? { status: 'RUNNING' },
  };
  return { client, started };
}

beforeEach(resetApproveMocks);

describe('npm run approve at stage 5', () => {
  test('GIVEN an approved version WHEN approved THEN it starts the rollout state machine and follows it to success', async () => {
    // GIVEN
    givenDeployed();
    const { client, started } = rolloutClient([{ status: 'RUNNING' }, { status: 'SUCCEEDED' }]);

    // WHEN
    const result = await approveModelVersion(request({ config: STAGE_5 }), { ...deps(), rollouts: client });

    // THEN
    expect(result.outcome).toBe('rolled-out');
    expect(started).toEqual([
      {
        stateMachineArn: STATE_MACHINE,
        name: expect.stringMatching(/^approve-v3-\d+$/),
        input: { state: { modelPackageArn: VERSION_3, force: false, requestedBy: 'npm run approve' } },
      },
    ]);
    // the state machine binds the version: the command writes nothing and updates no stack itself
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  test('GIVEN --force WHEN approved THEN the execution carries it (break glass)', async () => {
    // GIVEN
    givenDeployed();
    const { client, started } = rolloutClient([{ status: 'SUCCEEDED' }]);

    // WHEN
    await approveModelVersion(request({ config: STAGE_5, force: true }), { ...deps(), rollouts: client });

    // THEN
    expect(started[0]?.input).toMatchObject({ state: { force: true } });
    expect(lines).toContain(
      `started the rollout ${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${started[0]?.name} (forced: break glass)`,
    );
  });

  test('GIVEN the rollout fails WHEN followed THEN the command fails with the error and cause of the execution', async () => {
    // GIVEN
    givenDeployed();
    const { client } = rolloutClient([
      { status: 'FAILED', error: 'SilentRollback', cause: 'endpoint mlops-test-churn serves version 2' },
    ]);

    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ config: STAGE_5 }), { ...deps(), rollouts: client }));

    // THEN
    expect(error.kind).toBe('rollout-failed');
    expect(error.message).toContain('ended FAILED: SilentRollback');
    expect(error.message).toContain('docs/runbooks/promotion-and-rollout.md');
  });
});

describe('npm run approve below stage 5', () => {
  test('GIVEN another approval lands between the read and the write WHEN approved THEN it is left in place', async () => {
    // GIVEN version 4 is written by someone else right before this command's write
    givenDeployed();
    const other = VERSION_3.replace(/\/3$/, '/4');
    ssmMock
      .on(PutParameterCommand)
      .callsFakeOnce((input: { Value: string }) => {
        parameterHistory.push(other, input.Value);
        return { Version: parameterHistory.length };
      })
      .callsFake((input: { Value: string }) => {
        parameterHistory.push(input.Value);
        return { Version: parameterHistory.length };
      });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('concurrent');
    expect(parameterHistory).toEqual([VERSION_2, other, VERSION_3, other]);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  test('GIVEN another approval after this write WHEN the update rolls back THEN the newer approval is not overwritten', async () => {
    // GIVEN
    givenDeployed({ statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'] });
    const other = VERSION_3.replace(/\/3$/, '/4');
    sleep.mockImplementationOnce(async () => {
      parameterHistory.push(other);
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('rolled-back');
    expect(error.message).toContain(`left ${PARAMETER} at ${other}`);
    expect(parameterHistory).toEqual([VERSION_2, VERSION_3, other]);
  });
});
