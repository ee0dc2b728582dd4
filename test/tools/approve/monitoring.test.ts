import { DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { approveModelVersion } from '../../../tools/approve/approve';
import { ApproveError, type ApproveErrorKind } from '../../../tools/approve/errors';
import {
  cloudformationMock,
  deps,
  givenDeployed,
  lines,
  PARAMETER,
  putValues,
  rejectionOf,
  request,
  resetApproveMocks,
  STACK,
  updatedStacks,
  VERSION_2,
  VERSION_3,
} from './support';

// Model Monitor (stage 4) lives in the model's one stack, beside the endpoint (ADR 0018): the one update that
// rolls the version out also moves Model Monitor to its baselines, after the endpoint (the schedules depend on
// it). There is no second stack to refresh, and so no "served but monitoring not refreshed" outcome (exit code 3).

beforeEach(resetApproveMocks);

describe('monitoring in the model stack (stage 4)', () => {
  const describedStacks = () =>
    cloudformationMock.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName);

  test('GIVEN a deployed model stack WHEN a version is approved THEN only that stack is updated, once', async () => {
    // GIVEN
    givenDeployed({ statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'] });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(updatedStacks()).toEqual([STACK]);
    expect(new Set(describedStacks())).toEqual(new Set([STACK]));
    expect(lines.join('\n')).not.toMatch(/monitoring stack/);
  });

  test('GIVEN a dry run THEN the one update is said to refresh Model Monitor too, and nothing is changed', async () => {
    // GIVEN
    givenDeployed();

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.outcome).toBe('dry-run');
    expect(lines).toContain(`  2. update stack ${STACK} (now UPDATE_COMPLETE, serving ${VERSION_2}),`);
    expect(lines).toContain(
      '     then points Model Monitor, if the stack has it (stage 4), at the baselines of the version',
    );
    expect(lines.some((line) => line.startsWith('  3.'))).toBe(false);
    expect(updatedStacks()).toEqual([]);
    expect(putValues()).toEqual([]);
  });

  test('GIVEN the update rolls back THEN serving and monitoring roll back together and the parameter is put back', async () => {
    // GIVEN
    givenDeployed({ statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('rolled-back');
    expect(error.exitCode).toBe(1);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
    expect(updatedStacks()).toEqual([STACK]);
    expect(error.message).toContain(PARAMETER);
  });

  test('no failure of an approval exits with 3 any more', () => {
    const kinds: ApproveErrorKind[] = [
      'invalid-request',
      'not-found',
      'not-approved',
      'not-deployed',
      'stack-not-ready',
      'aws',
      'update-failed',
      'rolled-back',
      'timeout',
    ];
    expect(kinds.map((kind) => new ApproveError('x', kind).exitCode)).toEqual(kinds.map(() => 1));
    expect(new ApproveError('x', 'usage').exitCode).toBe(2);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});
