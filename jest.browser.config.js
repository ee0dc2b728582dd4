/** The browser test of the portfolio report (`npm run test:browser`): needs Chromium, so it is not part of `npm test`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  // Chromium starts in a few seconds; a loaded CI machine may take longer
  testTimeout: 60_000,
};
