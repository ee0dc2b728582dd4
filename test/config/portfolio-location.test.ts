import { resolveConfig } from '../../lib/config/loader';
import { portfolioLocation } from '../../lib/config/portfolio-location';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { REPO_ROOT } from '../support/platform';

const base = (extra: Partial<PlatformConfigInput> = {}): PlatformConfigInput => ({
  project: 'acme',
  environments: [
    { name: 'dev', account: '111111111111', region: 'eu-west-1' },
    { name: 'prod', account: '333333333333', region: 'eu-central-1' },
  ],
  ...extra,
});
const resolve = (input: PlatformConfigInput, maturity = 5) => resolveConfig(input, { maturity }, 'config', REPO_ROOT);

describe('config portfolio', () => {
  test('GIVEN a tooling account WHEN the portfolio is located THEN it is the tooling account and region', () => {
    const { config } = resolve(base({ tooling: { account: '444444444444', region: 'us-east-1' } }));
    expect(portfolioLocation(config)).toEqual({ account: '444444444444', region: 'us-east-1' });
  });

  test('GIVEN portfolio.account WHEN the portfolio is located THEN that account wins, in its region or the tooling region', () => {
    const tooling = { account: '444444444444', region: 'us-east-1' };
    expect(portfolioLocation(resolve(base({ tooling, portfolio: { account: '555555555555' } })).config)).toEqual({
      account: '555555555555',
      region: 'us-east-1',
    });
    expect(
      portfolioLocation(resolve(base({ portfolio: { account: '555555555555', region: 'eu-north-1' } })).config),
    ).toEqual({ account: '555555555555', region: 'eu-north-1' });
    expect(portfolioLocation(resolve(base({ portfolio: { account: '555555555555' } })).config)).toEqual({
      account: '555555555555',
      region: 'eu-west-1',
    });
  });

  test('GIVEN stage 5 without tooling or portfolio.account WHEN resolved THEN synth warns that the portfolio is left out', () => {
    expect(resolve(base()).warnings).toContainEqual(
      "the model portfolio (stage 5) is left out: dev, prod would forward their models' events, but neither tooling nor portfolio.account names the account of the portfolio bus; set tooling (account, region) or portfolio.account",
    );
    expect(resolve(base(), 4).warnings.join('\n')).not.toContain('model portfolio');
  });

  test('GIVEN a bad portfolio block WHEN resolved THEN each problem names its field and value', () => {
    const input = base({ portfolio: { account: '12345', region: 'mars-1' } as never });
    expect(problemsOf(() => resolve(input))).toEqual([
      'portfolio.account: expected a 12-digit account id, got "12345"',
      expect.stringMatching(/^portfolio\.region: .*"mars-1"/),
    ]);
  });
});
