import { resolveConfig } from '../../lib/config/loader';
import { notificationsBySeverity } from '../../lib/config/notifications';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { everyTarget, SLACK_CHANNEL, TEAMS_CHANNEL, TOOLING_CONNECTION } from '../support/notifications-fixtures';
import { REPO_ROOT } from '../support/platform';

type Notifications = NonNullable<PlatformConfigInput['environments'][number]['notifications']>;

/** One dev environment whose notifications are `notifications` (none when undefined). */
function devWith(notifications: unknown): PlatformConfigInput {
  return {
    project: 'acme',
    environments: [
      { name: 'dev', account: '111111111111', region: 'eu-west-1', notifications: notifications as Notifications },
    ],
  };
}

const resolve = (input: PlatformConfigInput, maturity?: number) =>
  resolveConfig(input, maturity === undefined ? {} : { maturity }, 'config', REPO_ROOT);

describe('notifications in the config', () => {
  test('GIVEN targets at the top level and under critical WHEN resolved THEN critical reaches both and warning only the top level', () => {
    // GIVEN
    const input = devWith(everyTarget('ml-dev'));

    // WHEN
    const [dev] = resolve(input).environments;

    // THEN
    expect(dev?.notifications).toEqual({
      critical: {
        emails: ['ml-dev@example.com'],
        httpsEndpoints: ['https://events.example.com/sns/ml-dev'],
        slack: [SLACK_CHANNEL],
        teams: [TEAMS_CHANNEL],
      },
      warning: { emails: ['ml-dev@example.com'], httpsEndpoints: [], slack: [SLACK_CHANNEL], teams: [TEAMS_CHANNEL] },
    });
  });

  test('GIVEN only critical targets WHEN resolved THEN warnings reach nobody', () => {
    // WHEN
    const resolved = notificationsBySeverity({ critical: { emails: ['pager@example.com'] } });

    // THEN
    expect(resolved.critical.emails).toEqual(['pager@example.com']);
    expect(resolved.warning).toEqual({ emails: [], httpsEndpoints: [], slack: [], teams: [] });
  });

  test.each([
    [
      'a malformed email',
      { emails: ['ml-oncall'] },
      'environments[0].notifications.emails[0]: expected an email address such as "ml-oncall@example.com", got "ml-oncall"',
    ],
    [
      'an http URL',
      { httpsEndpoints: ['http://events.example.com/sns'] },
      'environments[0].notifications.httpsEndpoints[0]: expected an https:// URL (over http the alerts would travel unencrypted), got "http://events.example.com/sns"; use "https://events.example.com/sns"',
    ],
    [
      'a URL that is not one',
      { httpsEndpoints: ['events.example.com/sns'] },
      'environments[0].notifications.httpsEndpoints[0]: expected an https:// URL such as "https://events.example.com/sns", got "events.example.com/sns"',
    ],
    [
      'a Slack workspace URL instead of its id',
      { slack: [{ workspaceId: 'acme.slack.com', channelId: 'C0123456789' }] },
      'environments[0].notifications.slack[0].workspaceId: expected the Slack workspace id that the AWS Chatbot console shows once the workspace is authorized, such as "T07EA123LEP", got "acme.slack.com"',
    ],
    [
      'a Slack channel name instead of its id',
      { slack: [{ workspaceId: 'T07EA123LEP', channelId: '#ml-alerts' }] },
      `environments[0].notifications.slack[0].channelId: expected a Slack channel id such as "C0123456789" (in Slack: the channel's details, at the bottom), not the channel name, got "#ml-alerts"`,
    ],
    [
      'a Teams team id that is no UUID',
      { teams: [{ ...TEAMS_CHANNEL, teamId: 'ml-team' }] },
      'environments[0].notifications.teams[0].teamId: expected the team id that the AWS Chatbot console shows once the team is authorized, a UUID such as "0a1b2c3d-4e5f-6789-abcd-ef0123456789", got "ml-team"',
    ],
    [
      'a decoded Teams channel id',
      { teams: [{ ...TEAMS_CHANNEL, channelId: '19:0123abcd@thread.tacv2' }] },
      `environments[0].notifications.teams[0].channelId: expected the channel id URL-encoded, as in the channel's link, got "19:0123abcd@thread.tacv2"; use "19%3a0123abcd%40thread.tacv2"`,
    ],
    [
      'no target at all',
      {},
      'environments[0].notifications: expected at least one target in emails, httpsEndpoints, slack, teams or critical; remove notifications to go without (synth then warns)',
    ],
    [
      'an empty critical',
      { emails: ['ml-oncall@example.com'], critical: {} },
      'environments[0].notifications.critical: expected at least one target in emails, httpsEndpoints, slack or teams; or remove critical',
    ],
    [
      'an unknown kind of target',
      { emails: ['ml-oncall@example.com'], pager: ['+4912345'] },
      'environments[0].notifications.pager: unknown key; remove it or check its spelling',
    ],
  ])(
    'GIVEN %s WHEN resolved THEN the config is refused naming the field, the value and the fix',
    (_, notifications, problem) => {
      // WHEN
      const problems = problemsOf(() => resolve(devWith(notifications)));

      // THEN
      expect(problems).toEqual([problem]);
    },
  );

  test('GIVEN a target listed twice, or at the top level and under critical WHEN resolved THEN each repetition is refused', () => {
    // GIVEN
    const notifications = {
      emails: ['ml-oncall@example.com', 'ML-Oncall@example.com'],
      slack: [SLACK_CHANNEL, SLACK_CHANNEL],
      critical: { emails: ['ml-oncall@example.com'] },
    };

    // WHEN
    const problems = problemsOf(() => resolve(devWith(notifications)));

    // THEN
    expect(problems).toEqual([
      'environments[0].notifications.emails[1]: "ML-Oncall@example.com" is listed twice (also emails[0]); remove one',
      'environments[0].notifications.critical.emails[0]: "ml-oncall@example.com" already receives every severity at emails[0]; remove it here',
      'environments[0].notifications.slack[1]: channel "C0123456789" is listed twice (also slack[0]); remove one',
    ]);
  });

  test('GIVEN tooling.notifications with a bad value WHEN resolved THEN the field path starts at tooling', () => {
    // GIVEN
    const input: PlatformConfigInput = {
      ...devWith(everyTarget('ml-dev')),
      tooling: { account: '444444444444', region: 'eu-west-1', notifications: { emails: ['ml-delivery'] } },
    };

    // THEN
    expect(problemsOf(() => resolve(input))).toEqual([
      'tooling.notifications.emails[0]: expected an email address such as "ml-oncall@example.com", got "ml-delivery"',
    ]);
  });
});

describe('synth warns when alarms reach nobody', () => {
  const threeEnvironments = (notified: readonly string[]): PlatformConfigInput => ({
    project: 'acme',
    environments: ['dev', 'test', 'prod'].map((name, i) => ({
      name,
      account: `${i + 1}`.repeat(12),
      region: 'eu-west-1',
      ...(notified.includes(name) ? { notifications: everyTarget(`ml-${name}`) } : {}),
    })),
  });
  const unnotified = (name: string, index: number) =>
    `environments[${index}].notifications: not set, so the alarms and failure events of "${name}" reach nobody (its alerts topic has no subscription); add emails, httpsEndpoints, slack or teams (docs/configuration.md#notifications)`;

  test('GIVEN environments without notifications WHEN resolved THEN it warns once for each of them, and not for the others', () => {
    // WHEN
    const { warnings } = resolve(threeEnvironments(['test']));

    // THEN
    expect(warnings.filter((w) => w.includes('.notifications:'))).toEqual([
      unnotified('dev', 0),
      unnotified('prod', 2),
    ]);
  });

  test('GIVEN every environment with notifications WHEN resolved THEN nothing warns about them', () => {
    expect(
      resolve(threeEnvironments(['dev', 'test', 'prod'])).warnings.filter((w) => w.includes('notifications')),
    ).toEqual([]);
  });

  test('GIVEN -c environments WHEN resolved THEN only the synthesized environments are warned about', () => {
    // WHEN
    const { warnings } = resolveConfig(threeEnvironments([]), { environments: 'prod' }, 'config', REPO_ROOT);

    // THEN
    expect(warnings.filter((w) => w.includes('.notifications:'))).toEqual([unnotified('prod', 2)]);
  });

  test('GIVEN a delivery pipeline without tooling.notifications WHEN resolved at stage 4 THEN it warns once', () => {
    // GIVEN
    const input: PlatformConfigInput = {
      ...threeEnvironments(['dev', 'test', 'prod']),
      tooling: { account: '444444444444', region: 'eu-west-1', connection: TOOLING_CONNECTION },
    };

    // WHEN
    const { warnings } = resolve(input, 4);

    // THEN
    expect(warnings.filter((w) => w.startsWith('tooling.notifications'))).toEqual([
      'tooling.notifications: not set, so failed runs and pending approvals of the delivery pipeline reach nobody; add emails, httpsEndpoints, slack or teams (docs/configuration.md#notifications)',
    ]);
    // below stage 4 there is no delivery pipeline to hear from
    expect(resolve(input, 3).warnings.filter((w) => w.startsWith('tooling.notifications'))).toEqual([]);
  });

  test('GIVEN tooling.notifications with critical targets only WHEN resolved at stage 4 THEN it warns that approvals reach nobody', () => {
    // GIVEN
    const input: PlatformConfigInput = {
      ...threeEnvironments(['dev', 'test', 'prod']),
      tooling: {
        account: '444444444444',
        region: 'eu-west-1',
        connection: TOOLING_CONNECTION,
        notifications: { critical: { emails: ['pager@example.com'] } },
      },
    };

    // THEN
    expect(resolve(input, 4).warnings.filter((w) => w.startsWith('tooling.notifications'))).toEqual([
      'tooling.notifications: every target is under critical, so pending approvals of the delivery pipeline (warnings) reach nobody; list a target at the top level of tooling.notifications too',
    ]);
  });
});
