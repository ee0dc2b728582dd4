import { z } from 'zod';
import { checkedString, quoted } from './fields';
import { regionProblem } from './regions';

/**
 * Where the model portfolio lives (stage 5, capability `modelPortfolio`): the account and region of the portfolio
 * bus, the inventory and its updater. Every environment forwards its models' events there. By default it is the
 * tooling account; a governance account may hold it instead.
 */
export const portfolio = z
  .strictObject({
    account: z
      .string()
      .regex(/^\d{12}$/, { error: (iss) => `expected a 12-digit account id, got ${quoted(iss.input)}` })
      .optional()
      .describe('Account of the portfolio bus and inventory, such as a governance account. Default tooling.account.'),
    region: checkedString(regionProblem)
      .optional()
      .describe('Region of the portfolio bus and inventory. Default tooling.region, or the first environment region.'),
  })
  .describe(
    "Where the model portfolio's bus and inventory live (stage 5): the tooling account unless an account is named.",
  );

export type PortfolioConfig = z.output<typeof portfolio>;

/** The account and region of the portfolio, or undefined when neither `portfolio.account` nor `tooling` names one. */
export function portfolioLocation(config: {
  readonly portfolio?: PortfolioConfig;
  readonly tooling?: { readonly account: string; readonly region: string };
  readonly environments: readonly { readonly region: string }[];
}): { readonly account: string; readonly region: string } | undefined {
  const account = config.portfolio?.account ?? config.tooling?.account;
  if (account === undefined) return undefined;
  const region = config.portfolio?.region ?? config.tooling?.region ?? config.environments[0]?.region;
  return region === undefined ? undefined : { account, region };
}

/** What synth says when environments are at the portfolio's stage but the config names no account for it. */
export function portfolioWarnings(
  config: Parameters<typeof portfolioLocation>[0],
  environmentsWithPortfolio: readonly string[],
): string[] {
  if (environmentsWithPortfolio.length === 0 || portfolioLocation(config) !== undefined) return [];
  return [
    `the model portfolio (stage 5) is left out: ${environmentsWithPortfolio.join(', ')} would forward their models' events, but neither tooling nor portfolio.account names the account of the portfolio bus; set tooling (account, region) or portfolio.account`,
  ];
}
