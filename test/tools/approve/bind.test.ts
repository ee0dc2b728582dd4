import {
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { approveModelVersion, DEFAULT_POLL_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from '../../../tools/approve/approve';
import {
  awsError,
  cloudformationMock,
  deps,
  givenDeployed,
  lines,
  PARAMETER,
  parameterHistory,
  putValues,
  rejectionOf,
  request,
  resetApproveMocks,
  STACK,
  sleep,
  ssmMock,
  stackIn,
  VERSION_2,
  VERSION_3,
} from './support';

// The dry run and the approval: parameter write, stack update, wait, restore (tools/approve/bind.ts, approve.ts).

beforeEach(resetApproveMocks);

describe('a dry run', () => {
  test('reports the plan, old value to new value and the stack, and changes nothing', async () => {
    // GIVEN
    givenDeployed({ current: 'none' });

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result).toEqual({
      outcome: 'dry-run',
      modelPackageArn: VERSION_3,
      previousModelPackageArn: 'none',
      parameterName: PARAMETER,
      stackName: STACK,
      endpointName: 'mlops-test-churn',
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'dry run: nothing is changed. The approval would:',
        `  1. set SSM parameter ${PARAMETER}: none -> ${VERSION_3}`,
        `  2. update stack ${STACK} (now UPDATE_COMPLETE, serving ${VERSION_2}),`,
      ]),
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});

describe('an approval', () => {
  test('of the version already approved is a no-op', async () => {
    // GIVEN
    givenDeployed({ current: VERSION_3 });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('already-approved');
    expect(result.previousModelPackageArn).toBe(VERSION_3);
    expect(lines).toContain(`already approved: ${PARAMETER} holds ${VERSION_3}; nothing to do`);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test('writes the parameter, then updates the stack, and waits through UPDATE_IN_PROGRESS to UPDATE_COMPLETE', async () => {
    // GIVEN
    givenDeployed({
      statuses: [
        'UPDATE_COMPLETE',
        'UPDATE_IN_PROGRESS',
        'UPDATE_IN_PROGRESS',
        'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_COMPLETE',
      ],
    });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result).toEqual({
      outcome: 'updated',
      modelPackageArn: VERSION_3,
      previousModelPackageArn: VERSION_2,
      parameterName: PARAMETER,
      stackName: STACK,
      endpointName: 'mlops-test-churn',
      stackStatus: 'UPDATE_COMPLETE',
    });
    const puts = ssmMock.commandCalls(PutParameterCommand);
    const updates = cloudformationMock.commandCalls(UpdateStackCommand);
    expect(puts.map((call) => call.args[0].input)).toEqual([
      { Name: PARAMETER, Value: VERSION_3, Type: 'String', Overwrite: true },
    ]);
    expect(updates.map((call) => call.args[0].input)).toEqual([
      {
        StackName: STACK,
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true }],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      },
    ]);
    expect(puts[0]?.calledBefore(updates[0] as (typeof updates)[number])).toBe(true);
    // one look before the change, then one per status until UPDATE_COMPLETE
    expect(cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: STACK })).toHaveLength(5);
    expect(sleep.mock.calls).toEqual([
      [DEFAULT_POLL_INTERVAL_MS],
      [DEFAULT_POLL_INTERVAL_MS],
      [DEFAULT_POLL_INTERVAL_MS],
    ]);
    expect(lines.filter((line) => line.startsWith('  ['))).toEqual([
      `  [0:00] ${STACK} UPDATE_IN_PROGRESS`,
      `  [0:30] ${STACK} UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`,
      `  [0:45] ${STACK} UPDATE_COMPLETE`,
    ]);
  });

  test('keeps the previous value of every other parameter of the stack', async () => {
    // GIVEN
    givenDeployed();
    cloudformationMock
      .on(DescribeStacksCommand, { StackName: STACK })
      .resolves(
        stackIn('UPDATE_COMPLETE', [
          { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
        ]),
      );

    // WHEN
    await approveModelVersion(request(), deps());

    // THEN
    expect(cloudformationMock.commandCalls(UpdateStackCommand)[0]?.args[0].input.Parameters).toEqual([
      { ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true },
      { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
    ]);
  });

  test('with --no-wait starts the update and returns without polling', async () => {
    // GIVEN
    givenDeployed();

    // WHEN
    const result = await approveModelVersion(request({ wait: false }), deps());

    // THEN
    expect(result.outcome).toBe('update-started');
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(1);
    expect(cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: STACK })).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
    expect(lines).toContain(
      `  aws ssm put-parameter --name ${PARAMETER} --value ${VERSION_2} --type String --overwrite --region eu-west-1`,
    );
  });

  test('whose stack update cannot start puts the old value back and reports the error', async () => {
    // GIVEN
    givenDeployed();
    cloudformationMock
      .on(UpdateStackCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: iam:PassRole'));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('update-failed');
    expect(error.message.split('\n')).toEqual([
      `could not start the update of stack "${STACK}": AccessDenied: User is not authorized to perform: iam:PassRole`,
      `set ${PARAMETER} back to ${VERSION_2}, so the next stack update does not pick up the rejected version`,
      'see docs/runbooks/approve-and-rollback.md',
    ]);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
    expect(cloudformationMock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  test('whose restore fails too tells how to restore by hand', async () => {
    // GIVEN
    givenDeployed();
    cloudformationMock.on(UpdateStackCommand).rejects(awsError('ValidationError', 'Template format error'));
    // the write lands (version 2), the restore is throttled
    ssmMock
      .on(PutParameterCommand)
      .callsFakeOnce((input: { Value: string }) => {
        parameterHistory.push(input.Value);
        return { Version: parameterHistory.length };
      })
      .rejects(awsError('ThrottlingException', 'Rate exceeded'));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.message.split('\n')).toEqual([
      `could not start the update of stack "${STACK}": ValidationError: Template format error`,
      `could NOT set ${PARAMETER} back to ${VERSION_2} (ThrottlingException: Rate exceeded); do it by hand before anything updates the stack again:`,
      `  aws ssm put-parameter --name ${PARAMETER} --value ${VERSION_2} --type String --overwrite --region eu-west-1`,
      'see docs/runbooks/approve-and-rollback.md',
    ]);
  });

  test('that CloudFormation rolls back puts the old value back and reports the rollback and its cause', async () => {
    // GIVEN
    givenDeployed({
      statuses: [
        'UPDATE_COMPLETE',
        'UPDATE_IN_PROGRESS',
        'UPDATE_ROLLBACK_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE',
      ],
    });
    const event = (LogicalResourceId: string, ResourceType: string, ResourceStatus: string, reason?: string) =>
      ({ LogicalResourceId, ResourceType, ResourceStatus, ResourceStatusReason: reason }) as StackEvent;
    cloudformationMock.on(DescribeStackEventsCommand).resolves({
      // newest first, as CloudFormation returns them
      StackEvents: [
        event(STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
        event(
          STACK,
          'AWS::CloudFormation::Stack',
          'UPDATE_ROLLBACK_IN_PROGRESS',
          'The following resource(s) failed to update: [Endpoint]. ',
        ),
        event('Alarm', 'AWS::CloudWatch::Alarm', 'UPDATE_FAILED', 'Resource update cancelled'),
        event(
          'Endpoint',
          'AWS::SageMaker::Endpoint',
          'UPDATE_FAILED',
          'Endpoint update rolled back: alarm mlops-test-churn-5xx is in ALARM',
        ),
        event(STACK, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
        event('Endpoint', 'AWS::SageMaker::Endpoint', 'UPDATE_FAILED', 'an older update'),
      ],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('rolled-back');
    expect(error.message.split('\n')).toEqual([
      `CloudFormation rolled back the update of stack "${STACK}" (UPDATE_ROLLBACK_COMPLETE): the deployment guardrails of endpoint mlops-test-churn rolled the new version back (a rollback alarm fired), or a resource failed to update. The endpoint keeps serving the previous version.`,
      'what failed, first to last:',
      '  - Endpoint (AWS::SageMaker::Endpoint) UPDATE_FAILED: Endpoint update rolled back: alarm mlops-test-churn-5xx is in ALARM',
      `set ${PARAMETER} back to ${VERSION_2}, so the next stack update does not pick up the rejected version`,
      'see docs/runbooks/approve-and-rollback.md',
    ]);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
    expect(lines).toContain(`  [0:15] ${STACK} UPDATE_ROLLBACK_IN_PROGRESS`);
  });

  test('whose rollback fails too is reported as such, with the old value back', async () => {
    // GIVEN
    givenDeployed({
      statuses: ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('update-failed');
    expect(error.message).toMatch(/^the update of stack "mlops-test-model-churn" failed and so did its rollback/);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
  });

  test('that does not finish in the default 60 minutes is reported, and the new value stays', async () => {
    // GIVEN
    givenDeployed({ statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('timeout');
    expect(error.message.split('\n').slice(0, 3)).toEqual([
      `gave up waiting after 60 minutes: stack "${STACK}" is still UPDATE_IN_PROGRESS.`,
      'The update goes on in CloudFormation, and the parameter keeps the new value. Follow it with',
      `  aws cloudformation describe-stacks --stack-name ${STACK} --region eu-west-1 --query 'Stacks[0].StackStatus'`,
    ]);
    const waited = sleep.mock.calls.reduce((total, [ms]) => total + ms, 0);
    expect(waited).toBe(DEFAULT_TIMEOUT_MS);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('honours an injected timeout and poll interval', async () => {
    // GIVEN
    givenDeployed({ statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(
      approveModelVersion(request({ timeoutMs: 90_000, pollIntervalMs: 30_000 }), deps()),
    );

    // THEN
    expect(error.message).toMatch(/^gave up waiting after 90 seconds/);
    expect(sleep.mock.calls).toEqual([[30_000], [30_000], [30_000]]);
  });
});
