import { App, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { invalidPropsError, known, quoted, throwIfInvalid } from '../../lib/constructs/validation';

describe('construct props validation (lib/constructs/validation.ts)', () => {
  const givenAConstruct = () => {
    const stack = new Stack(new App(), 'Stack');
    return { stack, construct: new Construct(stack, 'Thing') };
  };

  test('GIVEN problems WHEN thrown THEN one lowercase error names the kind and the path and lists each problem', () => {
    const { construct } = givenAConstruct();
    expect(() =>
      throwIfInvalid(construct, 'platform thing', [
        `name must be lowercase, got ${quoted('Bad')}`,
        'size must be 1, got 2',
      ]),
    ).toThrow(
      new Error("invalid platform thing 'Stack/Thing':\n- name must be lowercase, got 'Bad'\n- size must be 1, got 2"),
    );
  });

  test('GIVEN no problems THEN nothing is thrown', () => {
    const { construct } = givenAConstruct();
    expect(() => throwIfInvalid(construct, 'platform thing', [])).not.toThrow();
  });

  test('GIVEN a construct not made yet THEN its path is built from its scope and id', () => {
    const { stack } = givenAConstruct();
    expect(invalidPropsError([stack, 'Bucket'], 'secure bucket', ['p']).message).toBe(
      "invalid secure bucket 'Stack/Bucket':\n- p",
    );
  });

  test('GIVEN tokens THEN they are not known at synth, so checks skip them', () => {
    expect(known('value')).toBe(true);
    expect(known(0)).toBe(true);
    expect(known(undefined)).toBe(false);
    expect(known(Token.asString({ Ref: 'Name' }))).toBe(false);
    expect(known(Token.asNumber({ Ref: 'Size' }))).toBe(false);
  });
});
