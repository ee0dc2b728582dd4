/** `npm run test:integration`: tests against a local moto_server (an AWS API emulator) started by the tests. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['**/test/integration/**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 120000,
};
