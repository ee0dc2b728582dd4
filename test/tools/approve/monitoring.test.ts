import {
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { resolveConfig } from '../../../lib/config/loader';
import { approveModelVersion } from '../../../tools/approve/approve';
import {
  awsError,
  CONFIG,
  cloudformationMock,
  deps,
  givenDeployed,
  lines,
  MONITORING_STACK,
  PARAMETER,
  putValues,
  rejectionOf,
  request,
  resetApproveMocks,
  STACK,
  sleep,
  updatedStacks,
  VERSION_2,
  VERSION_3,
} from './support';

// The monitoring stack (stage 4), refreshed once the endpoint serves the version (tools/approve/bind.ts).

beforeEach(resetApproveMocks);

describe('the monitoring stack (stage 4)', () => {
  const event = (LogicalResourceId: string, ResourceType: string, ResourceStatus: string, reason?: string) =>
    ({ LogicalResourceId, ResourceType, ResourceStatus, ResourceStatusReason: reason }) as StackEvent;
  const MONITORING_UPDATE = [
    `  aws cloudformation update-stack --stack-name ${MONITORING_STACK} --use-previous-template`,
    '--parameters ParameterKey=ApprovedModelPackageArn,UsePreviousValue=true ParameterKey=BootstrapVersion,UsePreviousValue=true',
    '--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --region eu-west-1',
  ].join(' ');

  test('that is not deployed (stages 1 to 3) leaves the approval a success, and says so', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toBeUndefined();
    expect(lines[lines.length - 1]).toBe(
      `monitoring stack ${MONITORING_STACK} is not deployed (it comes with stage 4): no Model Monitor to refresh`,
    );
    expect(updatedStacks()).toEqual([STACK]);
  });

  test('with Model Monitor is updated after the serving stack completes, and waited for', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
      monitoringStatuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
    });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toEqual({
      outcome: 'refreshed',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(updatedStacks()).toEqual([STACK, MONITORING_STACK]);
    const [servingUpdate, monitoringUpdate] = cloudformationMock.commandCalls(UpdateStackCommand);
    expect(monitoringUpdate?.args[0].input).toEqual({
      StackName: MONITORING_STACK,
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true },
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    // the monitoring stack is looked at only once the serving stack reported UPDATE_COMPLETE
    const servingLooks = cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: STACK });
    const monitoringLooks = cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: MONITORING_STACK });
    expect(servingLooks).toHaveLength(3);
    expect(monitoringLooks).toHaveLength(3);
    expect(servingLooks[2]?.calledBefore(monitoringLooks[0] as (typeof monitoringLooks)[number])).toBe(true);
    expect(servingUpdate?.calledBefore(monitoringUpdate as NonNullable<typeof servingUpdate>)).toBe(true);
    expect(lines.slice(-6)).toEqual([
      `  [0:15] ${STACK} UPDATE_COMPLETE`,
      `approved: stack ${STACK} is UPDATE_COMPLETE and endpoint mlops-test-churn serves ${VERSION_3}`,
      `started the update of monitoring stack ${MONITORING_STACK}, so Model Monitor uses the baselines of ${VERSION_3}`,
      `  [0:00] ${MONITORING_STACK} UPDATE_IN_PROGRESS`,
      `  [0:15] ${MONITORING_STACK} UPDATE_COMPLETE`,
      `monitoring refreshed: stack ${MONITORING_STACK} is UPDATE_COMPLETE; Model Monitor uses the baselines of ${VERSION_3}`,
    ]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('that already uses the version ("No updates are to be performed") is a success', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });
    cloudformationMock
      .on(UpdateStackCommand, { StackName: MONITORING_STACK })
      .rejects(awsError('ValidationError', 'No updates are to be performed.'));

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toEqual({
      outcome: 'up-to-date',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(lines).toContain(
      `monitoring stack ${MONITORING_STACK} already uses the baselines of ${VERSION_3}; no update needed`,
    );
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('is refreshed too when the serving stack already serves the version', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });
    cloudformationMock
      .on(UpdateStackCommand, { StackName: STACK })
      .rejects(awsError('ValidationError', 'No updates are to be performed.'));

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring?.outcome).toBe('refreshed');
    expect(updatedStacks()).toEqual([STACK, MONITORING_STACK]);
    expect(lines).toContain(`stack ${STACK} already serves ${VERSION_3}; no update needed`);
  });

  test('without Model Monitor (serverless endpoint or no data capture) is skipped, and says so', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'without-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toEqual({
      outcome: 'no-model-monitor',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(updatedStacks()).toEqual([STACK]);
    expect(lines[lines.length - 1]).toBe(
      `monitoring stack ${MONITORING_STACK} has no Model Monitor (serverless endpoint, or no data capture): nothing to refresh`,
    );
  });

  test('whose update rolls back fails the approval with its own kind, and the parameter keeps the new version', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      monitoringStatuses: ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
    });
    const missing = `model package ${VERSION_3} cannot be monitored: DriftCheckBaselines.ModelDataQuality.Statistics is missing`;
    cloudformationMock.on(DescribeStackEventsCommand, { StackName: MONITORING_STACK }).resolves({
      // newest first, as CloudFormation returns them
      StackEvents: [
        event(MONITORING_STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
        event(MONITORING_STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_IN_PROGRESS', 'failed: [Baselines]'),
        event('Baselines', 'Custom::ModelPackageBaselines', 'UPDATE_FAILED', missing),
        event(MONITORING_STACK, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      ],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.exitCode).toBe(3);
    expect(error.message.split('\n')).toEqual([
      `version ${VERSION_3} is approved and served: endpoint mlops-test-churn serves it and ${PARAMETER} holds it. But monitoring stack "${MONITORING_STACK}" was not refreshed:`,
      `CloudFormation rolled back the update of monitoring stack "${MONITORING_STACK}" (UPDATE_ROLLBACK_COMPLETE)`,
      'what failed, first to last:',
      `  - Baselines (Custom::ModelPackageBaselines) UPDATE_FAILED: ${missing}`,
      `Model Monitor of endpoint mlops-test-churn still compares traffic with the baselines of ${VERSION_2}.`,
      `Do not set ${PARAMETER} back: it must name the version the endpoint serves. Once the cause is fixed, refresh the monitoring stack with`,
      MONITORING_UPDATE,
      'or, from a checkout of the deployed version,',
      "  npx cdk deploy --exclusively 'Test/Monitoring-churn'",
      '(running npm run approve again answers "already approved" and does not refresh it); see "Monitoring not refreshed" in docs/runbooks/approve-and-rollback.md',
    ]);
    // not restored: the endpoint serves the new version, and the parameter must name it
    expect(putValues()).toEqual([VERSION_3]);
    expect(updatedStacks()).toEqual([STACK, MONITORING_STACK]);
  });

  test('whose update cannot start fails the approval with its own kind, and the parameter keeps the new version', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });
    cloudformationMock
      .on(UpdateStackCommand, { StackName: MONITORING_STACK })
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudformation:UpdateStack'));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.message.split('\n').slice(1, 3)).toEqual([
      `could not start the update of monitoring stack "${MONITORING_STACK}": AccessDenied: User is not authorized to perform: cloudformation:UpdateStack`,
      `Model Monitor of endpoint mlops-test-churn still compares traffic with the baselines of ${VERSION_2}.`,
    ]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('that is busy is not updated, and the approval says how to refresh it later', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor', monitoringStatuses: ['UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.message.split('\n')[1]).toBe(`monitoring stack "${MONITORING_STACK}" is busy (UPDATE_IN_PROGRESS)`);
    expect(error.message).toContain(MONITORING_UPDATE);
    expect(updatedStacks()).toEqual([STACK]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('whose update does not finish in time is reported, with how to follow it', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      monitoringStatuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'],
    });

    // WHEN
    const error = await rejectionOf(
      approveModelVersion(request({ timeoutMs: 60_000, pollIntervalMs: 30_000 }), deps()),
    );

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.message.split('\n').slice(1, 4)).toEqual([
      `gave up waiting after 1 minute: monitoring stack "${MONITORING_STACK}" is still UPDATE_IN_PROGRESS. The update goes on in CloudFormation; follow it with`,
      `  aws cloudformation describe-stacks --stack-name ${MONITORING_STACK} --region eu-west-1 --query 'Stacks[0].StackStatus'`,
      'If it ends in UPDATE_COMPLETE, monitoring is refreshed and nothing is left to do.',
    ]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('is not touched when the serving stack update rolls back', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      statuses: ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('rolled-back');
    expect(cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: MONITORING_STACK })).toHaveLength(0);
    expect(updatedStacks()).toEqual([STACK]);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
  });

  test('is named in the follow-up of a serving stack update that does not finish in time', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor', statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain(
      `If it ends in UPDATE_COMPLETE, refresh monitoring stack ${MONITORING_STACK} if there is one (stage 4): see "Monitoring not refreshed" in docs/runbooks/approve-and-rollback.md`,
    );
    expect(updatedStacks()).toEqual([STACK]);
  });

  test('is left to the operator with --no-wait, with the command that refreshes it', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request({ wait: false }), deps());

    // THEN
    expect(result.outcome).toBe('update-started');
    expect(result.monitoring).toEqual({
      outcome: 'pending',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(updatedStacks()).toEqual([STACK]);
    expect(sleep).not.toHaveBeenCalled();
    expect(lines.slice(-3)).toEqual([
      `once stack ${STACK} is UPDATE_COMPLETE, and not before, refresh monitoring stack ${MONITORING_STACK},`,
      'so Model Monitor uses the baselines of the new version:',
      MONITORING_UPDATE,
    ]);
  });

  test('is listed as step 3 of a dry run, and nothing is changed', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.outcome).toBe('dry-run');
    expect(result.monitoring).toEqual({
      outcome: 'pending',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(lines.slice(-6)).toEqual([
      'dry run: nothing is changed. The approval would:',
      `  1. set SSM parameter ${PARAMETER}: ${VERSION_2} -> ${VERSION_3}`,
      `  2. update stack ${STACK} (now UPDATE_COMPLETE, serving ${VERSION_2}),`,
      `     which reads the parameter again and rolls the version out to endpoint mlops-test-churn`,
      `  3. once the endpoint serves it, update stack ${MONITORING_STACK} (now UPDATE_COMPLETE, baselines of ${VERSION_2}),`,
      '     so Model Monitor of endpoint mlops-test-churn uses the baselines of the new version',
    ]);
    expect(putValues()).toEqual([]);
    expect(updatedStacks()).toEqual([]);
  });

  test('is not a step of a dry run when it is not deployed', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.monitoring).toBeUndefined();
    expect(lines.some((line) => line.startsWith('  3. '))).toBe(false);
    expect(lines[lines.length - 1]).toBe(
      `  (no monitoring stack ${MONITORING_STACK}: it comes with stage 4, so there is no Model Monitor to refresh)`,
    );
  });

  test('is not looked at for a batch-only model, which has no endpoint to monitor', async () => {
    // GIVEN
    const config = resolveConfig({
      ...CONFIG.config,
      models: [{ name: 'churn', serving: 'batch', batch: { schedule: 'cron(0 3 * * ? *)', inputPrefix: 'scoring/' } }],
    });
    givenDeployed({ monitoring: 'without-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request({ config }), deps());

    // THEN
    expect(result.outcome).toBe('parameter-set');
    expect(result.monitoring).toBeUndefined();
    expect(putValues()).toEqual([VERSION_3]);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });
});
