import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformRole } from './platform-role';
import { quoted, throwIfInvalid } from './validation';

/** One kind of event to forward. */
export interface ForwardedEvents {
  /** Id of the rule, fixed: it names the rule's logical id. */
  readonly id: string;
  /** What the events are, as the rule's description. */
  readonly description: string;
  readonly eventPattern: events.EventPattern;
}

export interface EventForwardingProps {
  /** The bus the events go to, usually in another account (`EventBus.fromEventBusArn`). */
  readonly targetBus: events.IEventBus;
  /**
   * Name of the role EventBridge sends with. The target bus's resource policy admits the role by this name, so it
   * is fixed rather than generated.
   */
  readonly roleName: string;
  /** The rules, one per kind of event, all to the same bus. */
  readonly forwarded: readonly ForwardedEvents[];
  /** Encrypts the dead-letter queue. */
  readonly deadLetterKey: kms.IKey;
  /** Topic the dead-letter queue's alarm notifies. */
  readonly alarmTopic: sns.ITopic;
  /** What is forwarded where, for the role's description and the alarm (for example "model events to the portfolio"). */
  readonly purpose: string;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Forwards events of this account to an event bus, usually another account's: one rule per kind of event, each
 * targeting the bus through one role that may put events on that bus and nowhere else. EventBridge retries a
 * failed delivery with its default policy (24 hours, with backoff: an event bus target takes no retry policy of
 * its own), then leaves the event in an encrypted dead-letter queue whose alarm pages.
 */
export class EventForwarding extends Construct {
  /** The role EventBridge puts the events with. */
  readonly role: PlatformRole;
  readonly rules: ReadonlyMap<string, events.Rule>;
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: EventForwardingProps) {
    super(scope, id);
    throwIfInvalid(this, 'event forwarding', validate(props));
    const account = Stack.of(this).account;
    this.role = new PlatformRole(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: `EventBridge forwards ${props.purpose}`,
    });
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      encryptionKey: props.deadLetterKey,
      alarmTopic: props.alarmTopic,
      purpose: props.purpose,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const rules = new Map<string, events.Rule>();
    for (const forwarded of props.forwarded) {
      rules.set(
        forwarded.id,
        new events.Rule(this, forwarded.id, {
          description: forwarded.description,
          eventPattern: forwarded.eventPattern,
          targets: [
            // the target grants the role events:PutEvents on this one bus
            new targets.EventBus(props.targetBus, { role: this.role, deadLetterQueue: this.deadLetters.queue }),
          ],
        }),
      );
    }
    this.rules = rules;
  }
}

function validate(props: EventForwardingProps): string[] {
  const problems: string[] = [];
  if (props.forwarded.length === 0) problems.push('forwarded: expected at least one kind of event to forward');
  const ids = props.forwarded.map((f) => f.id);
  for (const [i, id] of ids.entries()) {
    if (ids.indexOf(id) !== i) problems.push(`forwarded[${i}].id: duplicate rule id ${quoted(id)}`);
  }
  if (!/^[\w+=,.@-]{1,64}$/.test(props.roleName)) {
    problems.push(`roleName: expected an IAM role name of at most 64 characters, got ${quoted(props.roleName)}`);
  }
  return problems;
}
