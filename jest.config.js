/** Tests run through swc (no type check); `npm run typecheck` does the type checking. */
module.exports = {
  testEnvironment: 'node',
  // CDK tests are CPU-bound and start slowly (loading aws-cdk-lib); use both cores of a 2-core machine.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.js'],
  // one temporary directory per run, removed at the end: CDK writes a cloud assembly there per synthesis
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
