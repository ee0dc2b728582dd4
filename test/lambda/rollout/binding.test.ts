import { APPROVED_STACK_PARAMETER, servesExactly, stackProgress } from '../../../lambda/rollout/binding';
import { APPROVED_MODEL_STACK_PARAMETER, NO_APPROVED_MODEL } from '../../../lib/naming';

// The binding never imports lib/ (it is bundled alone): the names it repeats must stay those of lib/naming.ts.

test('GIVEN the binding WHEN it names the stack parameter THEN it is the one the model stacks declare', () => {
  expect(APPROVED_STACK_PARAMETER).toBe(APPROVED_MODEL_STACK_PARAMETER);
  expect(NO_APPROVED_MODEL).toBe('none');
});

test.each([
  ['UPDATE_IN_PROGRESS', 'in-progress'],
  ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'in-progress'],
  ['UPDATE_COMPLETE', 'complete'],
  ['UPDATE_ROLLBACK_COMPLETE', 'rolled-back'],
  ['UPDATE_ROLLBACK_FAILED', 'failed'],
])('GIVEN stack status %s WHEN judged THEN the rollout reads %s', (status, progress) => {
  expect(stackProgress(status)).toBe(progress);
});

test('GIVEN an endpoint with two variants WHEN one serves another package THEN it does not serve exactly the version', () => {
  expect(servesExactly({ status: 'InService', modelPackages: ['a', 'b'] }, 'a')).toBe(false);
  expect(servesExactly({ status: 'InService', modelPackages: [] }, 'a')).toBe(false);
  expect(servesExactly({ status: 'InService', modelPackages: ['a'] }, 'a')).toBe(true);
});
