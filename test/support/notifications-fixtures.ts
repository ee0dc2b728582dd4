import type { PlatformConfigInput } from '../../lib/config/schema';
import { threeEnvironmentConfig } from './fixtures';

/** The partition of eu-west-1, the region of every account here. */
const PARTITION = 'aws';

/** A CodeConnections connection of the tooling account: with it, stage 4 builds the delivery pipeline. */
export const TOOLING_CONNECTION = {
  connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/0123abcd-0123-4567-89ab-0123456789ab`,
  repository: 'acme/mlops-platform',
  branch: 'main',
};

export const SLACK_CHANNEL = { workspaceId: 'T07EA123LEP', channelId: 'C0123456789' };

export const TEAMS_CHANNEL = {
  teamId: '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  tenantId: '9f8e7d6c-5b4a-3210-fedc-ba9876543210',
  channelId: '19%3a0123456789abcdef%40thread.tacv2',
};

/** Every kind of target: an email and Slack at the top level (every severity), a pager that hears only critical. */
export function everyTarget(team: string): NonNullable<PlatformConfigInput['tooling']>['notifications'] {
  return {
    emails: [`${team}@example.com`],
    slack: [SLACK_CHANNEL],
    teams: [TEAMS_CHANNEL],
    critical: { httpsEndpoints: [`https://events.example.com/sns/${team}`] },
  };
}

/**
 * The reference shape (dev, test, prod, the churn model) with the delivery pipeline connected, and notifications for
 * every environment and for the tooling account.
 */
export function notifiedConfig(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return {
    ...base,
    environments: base.environments.map((env) => ({ ...env, notifications: everyTarget(`ml-${env.name}`) })),
    tooling: {
      account: '444444444444',
      region: 'eu-west-1',
      connection: TOOLING_CONNECTION,
      notifications: everyTarget('ml-delivery'),
    },
  };
}

/** The same platform without any notifications: every alarm and pipeline event reaches nobody. */
export function unnotifiedConfig(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return { ...base, tooling: { account: '444444444444', region: 'eu-west-1', connection: TOOLING_CONNECTION } };
}
