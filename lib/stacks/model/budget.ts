import { Annotations } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import { Construct } from 'constructs';
import type { ModelBudgetConfig } from '../../config/portfolio';
import { modelBudgetName } from '../../naming';
import { MODEL_TAG_KEY } from '../../tagging';
import type { ModelPartProps } from './part';

/** Most subscribers AWS Budgets accepts on one notification. */
const MAX_SUBSCRIBERS = 10;

export interface ModelBudgetProps extends ModelPartProps {
  readonly budget: ModelBudgetConfig;
}

/**
 * The monthly cost budget of one model in one environment (stage 5, ADR 0030): AWS Budgets, filtered on the
 * cost-allocation tag `model`, alerting the environment's notification emails when the month's actual spend passes
 * `alertAtPercent` of the limit and when the forecast passes the limit. Budgets only sees a tag once it is
 * activated as a cost-allocation tag in the payer account (docs/stage-5-portfolio-governance.md).
 */
export class ModelBudget extends Construct {
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: ModelBudgetProps) {
    super(scope, id);
    const { project, envConfig, model, budget } = props;
    const notifications = envConfig.notifications;
    // a budget alert asks for action soon, not at night: the warning emails, or the critical ones if that is all
    const emails = (
      notifications?.warning.emails.length ? notifications.warning.emails : (notifications?.critical.emails ?? [])
    ).slice(0, MAX_SUBSCRIBERS);
    if (emails.length === 0) {
      Annotations.of(this).addWarningV2(
        '@mlops/platform:budget-unrouted',
        `models "${model.name}".budget: ${envConfig.name} has no notification emails, so the budget alerts reach nobody (AWS Budgets emails or publishes to SNS); add emails to environments[].notifications`,
      );
    }
    const subscribers = emails.map((address) => ({ subscriptionType: 'EMAIL', address }));
    const alert = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });
    this.budget = new budgets.CfnBudget(this, 'Resource', {
      budget: {
        budgetName: modelBudgetName(project, envConfig.name, model.name),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: budget.monthlyUsd, unit: 'USD' },
        // user-defined cost-allocation tags are filtered as "user:<key>$<value>"
        costFilters: { TagKeyValue: [`user:${MODEL_TAG_KEY}$${model.name}`] },
      },
      notificationsWithSubscribers:
        subscribers.length === 0 ? undefined : [alert('ACTUAL', budget.alertAtPercent), alert('FORECASTED', 100)],
    });
  }
}
