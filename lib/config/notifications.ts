import { z } from 'zod';
import { checkedString, quoted } from './fields';

/**
 * Who receives the platform's notifications: `environments[].notifications` (the alarms and failure events of an
 * environment) and `tooling.notifications` (the delivery pipeline). Targets at the top level receive every severity;
 * targets under `critical` receive only critical notifications, such as a pager that must not ring for a pending
 * approval.
 */

/**
 * How urgent a notification is. `critical`: something failed or crossed a threshold and needs someone now (every
 * alarm and failure event of an environment, a failed delivery pipeline run). `warning`: someone should act soon,
 * not at night (a delivery pipeline approval that waits).
 */
export const SEVERITIES = ['critical', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const UUID = /^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
// as CloudFormation checks a Teams channel id: URL-encoded, with %3a and %40 for ':' and '@'
const TEAMS_CHANNEL = /^[\w\-=+/.,]*%3[aA][\w\-=+/.,]*%40[\w\-=+/.,]*$/;

export function emailProblem(value: string): string | undefined {
  if (EMAIL.test(value)) return undefined;
  return `expected an email address such as "ml-oncall@example.com", got ${quoted(value)}`;
}

export function httpsEndpointProblem(value: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol === 'https:' && url.hostname !== '' && !/\s/.test(value)) return undefined;
  if (url?.protocol === 'http:') {
    return `expected an https:// URL (over http the alerts would travel unencrypted), got ${quoted(value)}; use ${quoted(value.replace(/^http:/i, 'https:'))}`;
  }
  return `expected an https:// URL such as "https://events.example.com/sns", got ${quoted(value)}`;
}

export function slackChannelIdProblem(value: string): string | undefined {
  if (/^[A-Za-z0-9]{1,256}$/.test(value)) return undefined;
  const name = value.startsWith('#') ? ', not the channel name' : '';
  return `expected a Slack channel id such as "C0123456789" (in Slack: the channel's details, at the bottom)${name}, got ${quoted(value)}`;
}

export function teamsChannelIdProblem(value: string): string | undefined {
  if (TEAMS_CHANNEL.test(value) && value.length <= 256) return undefined;
  if (/^[^:@\s]*:[^:@\s]*@[^:@\s]+$/.test(value)) {
    return `expected the channel id URL-encoded, as in the channel's link, got ${quoted(value)}; use ${quoted(value.replace(':', '%3a').replace('@', '%40'))}`;
  }
  return `expected a Microsoft Teams channel id, URL-encoded as in the channel's link, such as "19%3a0123456789abcdef%40thread.tacv2", got ${quoted(value)}`;
}

const uuid = (what: string) =>
  z.string().regex(UUID, {
    error: (iss) =>
      `expected the ${what} that the AWS Chatbot console shows once the team is authorized, a UUID such as "0a1b2c3d-4e5f-6789-abcd-ef0123456789", got ${quoted(iss.input)}`,
  });

const slackChannel = z
  .strictObject({
    workspaceId: z
      .string()
      .regex(/^[0-9A-Z]{1,255}$/, {
        error: (iss) =>
          `expected the Slack workspace id that the AWS Chatbot console shows once the workspace is authorized, such as "T07EA123LEP", got ${quoted(iss.input)}`,
      })
      .describe('The workspace id that the AWS Chatbot console shows once the workspace is authorized.'),
    channelId: checkedString(slackChannelIdProblem)
      .meta({ examples: ['C0123456789'], pattern: '^[A-Za-z0-9]{1,256}$' })
      .describe("The channel id (in Slack: the channel's details, at the bottom); invite @aws to a private channel."),
  })
  .describe('A Slack channel of a workspace authorized in AWS Chatbot (docs/configuration.md#notifications).');

const teamsChannel = z
  .strictObject({
    teamId: uuid('team id').describe('The team id that the AWS Chatbot console shows once the team is authorized.'),
    tenantId: uuid('tenant id').describe('The Microsoft Entra tenant id of the team, from the AWS Chatbot console.'),
    channelId: checkedString(teamsChannelIdProblem)
      .meta({ examples: ['19%3a0123456789abcdef%40thread.tacv2'] })
      .describe("The channel id, URL-encoded as in the channel's link."),
  })
  .describe('A Microsoft Teams channel of a team authorized in AWS Chatbot (docs/configuration.md#notifications).');

const targetFields = {
  emails: z
    .array(checkedString(emailProblem).meta({ examples: ['ml-oncall@example.com'] }))
    .optional()
    .describe('Email addresses; each must confirm the subscription from the message SNS sends it.'),
  httpsEndpoints: z
    .array(
      checkedString(httpsEndpointProblem).meta({
        examples: ['https://events.example.com/sns'],
        pattern: '^https://\\S+$',
      }),
    )
    .optional()
    .describe(
      'HTTPS endpoints that take SNS messages, such as an incident tool integration; each must confirm the subscription. The URL is in the templates in clear text.',
    ),
  slack: z.array(slackChannel).optional().describe('Slack channels, through AWS Chatbot.'),
  teams: z.array(teamsChannel).optional().describe('Microsoft Teams channels, through AWS Chatbot.'),
};

type TargetsInput = Partial<ResolvedNotificationTargets>;
const TARGET_FIELDS = Object.keys(targetFields) as (keyof typeof targetFields)[];

/** What identifies a target in its list: duplicates are found by it. */
function targetKeys(targets: TargetsInput): Record<keyof typeof targetFields, string[]> {
  return {
    emails: (targets.emails ?? []).map((e) => e.toLowerCase()),
    httpsEndpoints: [...(targets.httpsEndpoints ?? [])],
    slack: (targets.slack ?? []).map((c) => `${c.workspaceId}/${c.channelId}`),
    teams: (targets.teams ?? []).map((c) => `${c.tenantId}/${c.teamId}/${c.channelId.toLowerCase()}`),
  };
}

function shown(field: keyof typeof targetFields, targets: TargetsInput, index: number): string {
  const value = targets[field]?.[index];
  return typeof value === 'string' ? quoted(value) : `channel ${quoted((value as { channelId: string }).channelId)}`;
}

export const notifications = z
  .strictObject({
    ...targetFields,
    critical: z
      .strictObject(targetFields)
      .optional()
      .describe('Targets that receive only critical notifications, such as a pager (the top-level ones receive all).'),
  })
  .check((ctx) => {
    const problem = (path: PropertyKey[], message: string) =>
      ctx.issues.push({ code: 'custom', message, input: ctx.value, path });
    const { critical, ...all } = ctx.value;
    const allKeys = targetKeys(all);
    const count = (keys: Record<string, string[]>) => Object.values(keys).reduce((n, list) => n + list.length, 0);
    if (count(allKeys) === 0 && count(targetKeys(critical ?? {})) === 0) {
      problem(
        [],
        'expected at least one target in emails, httpsEndpoints, slack, teams or critical; remove notifications to go without (synth then warns)',
      );
    } else if (critical && count(targetKeys(critical)) === 0) {
      problem(
        ['critical'],
        'expected at least one target in emails, httpsEndpoints, slack or teams; or remove critical',
      );
    }
    for (const field of TARGET_FIELDS) {
      allKeys[field].forEach((key, i) => {
        const first = allKeys[field].indexOf(key);
        if (first !== i)
          problem([field, i], `${shown(field, all, i)} is listed twice (also ${field}[${first}]); remove one`);
      });
      const criticalKeys = targetKeys(critical ?? {})[field];
      criticalKeys.forEach((key, i) => {
        const first = criticalKeys.indexOf(key);
        const everywhere = allKeys[field].indexOf(key);
        if (everywhere >= 0) {
          problem(
            ['critical', field, i],
            `${shown(field, critical ?? {}, i)} already receives every severity at ${field}[${everywhere}]; remove it here`,
          );
        } else if (first !== i) {
          problem(
            ['critical', field, i],
            `${shown(field, critical ?? {}, i)} is listed twice (also critical.${field}[${first}]); remove one`,
          );
        }
      });
    }
  })
  .describe(
    'Who receives notifications: email addresses, HTTPS endpoints, and Slack or Microsoft Teams channels through AWS Chatbot. Top-level targets receive every severity; those under critical only critical ones.',
  )
  // one definition in the JSON Schema for environments[].notifications and tooling.notifications
  .meta({ id: 'notifications' });

/** `notifications` as written in the config, after validation. */
export type NotificationsConfig = z.output<typeof notifications>;

/** The targets of one severity, with every list present. */
export interface ResolvedNotificationTargets {
  readonly emails: readonly string[];
  readonly httpsEndpoints: readonly string[];
  readonly slack: readonly { readonly workspaceId: string; readonly channelId: string }[];
  readonly teams: readonly { readonly teamId: string; readonly tenantId: string; readonly channelId: string }[];
}

/** Who receives each severity. */
export type ResolvedNotifications = Readonly<Record<Severity, ResolvedNotificationTargets>>;

/** The targets of each severity: the top-level ones receive both, those under `critical` only critical ones. */
export function notificationsBySeverity(config: NotificationsConfig): ResolvedNotifications {
  const warning: ResolvedNotificationTargets = {
    emails: config.emails ?? [],
    httpsEndpoints: config.httpsEndpoints ?? [],
    slack: config.slack ?? [],
    teams: config.teams ?? [],
  };
  const only = config.critical ?? {};
  return {
    critical: {
      emails: [...warning.emails, ...(only.emails ?? [])],
      httpsEndpoints: [...warning.httpsEndpoints, ...(only.httpsEndpoints ?? [])],
      slack: [...warning.slack, ...(only.slack ?? [])],
      teams: [...warning.teams, ...(only.teams ?? [])],
    },
    warning,
  };
}

/** Whether the targets of a severity reach anyone. */
export function reachesAnyone(targets: ResolvedNotificationTargets): boolean {
  return TARGET_FIELDS.some((field) => targets[field].length > 0);
}
