import { modelCardStatus, modelCardUpdate, rolloutCardCheck } from '../../../lambda/shared/model-card';

const content = JSON.stringify({ model_overview: { model_creator: 'churn-team@example.com' } });

describe('the model card follows the verdict and the approval', () => {
  test.each([
    ['pending', 'PendingManualApproval', 'Draft'],
    ['passed', 'PendingManualApproval', 'PendingReview'],
    ['passed', 'Approved', 'Approved'],
    ['passed', 'Rejected', 'Archived'],
    ['failed', 'PendingManualApproval', 'Archived'],
    ['failed', 'Approved', 'Archived'],
  ] as const)('GIVEN verdict %s and approval %s THEN the card is %s', (verdict, approval, status) => {
    expect(modelCardStatus(verdict, approval)).toBe(status);
  });

  test('GIVEN a PendingReview card WHEN the version is approved THEN the update approves the card', () => {
    expect(modelCardUpdate({ ModelCardStatus: 'PendingReview' }, 'passed', 'Approved')).toEqual({
      ModelCardStatus: 'Approved',
    });
  });

  test('GIVEN an archived card or none WHEN the approval changes THEN nothing is sent (an archived card is frozen)', () => {
    expect(modelCardUpdate({ ModelCardStatus: 'Archived' }, 'passed', 'Approved')).toBeUndefined();
    expect(modelCardUpdate(undefined, 'passed', 'Approved')).toBeUndefined();
    expect(modelCardUpdate({ ModelCardStatus: 'Approved' }, 'passed', 'Approved')).toBeUndefined();
  });
});

describe('a prod rollout requires an approved card', () => {
  test('GIVEN an approved card with an owner THEN prod accepts it', () => {
    expect(rolloutCardCheck({ ModelCardStatus: 'Approved', ModelCardContent: content }, 'prod')).toEqual({
      allowed: true,
      reason: 'model card Approved, owner churn-team@example.com',
    });
  });

  test.each([
    [undefined, 'the version has no model card'],
    [{ ModelCardStatus: 'PendingReview', ModelCardContent: content }, 'the model card is PendingReview, not Approved'],
    [{ ModelCardStatus: 'Approved', ModelCardContent: '{}' }, 'names no owner'],
    [{ ModelCardStatus: 'Approved', ModelCardContent: 'not json' }, 'names no owner'],
  ])('GIVEN card %j THEN prod refuses it and says why', (card, reason) => {
    const check = rolloutCardCheck(card, 'prod');
    expect(check.allowed).toBe(false);
    expect(check.reason).toContain(reason);
  });

  test('GIVEN a card pending review THEN test accepts it and says so', () => {
    expect(rolloutCardCheck({ ModelCardStatus: 'PendingReview' }, 'test')).toEqual({
      allowed: true,
      reason: 'model card PendingReview (allowed in test)',
    });
  });
});
