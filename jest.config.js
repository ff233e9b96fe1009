// @ts-check
/** Three layers (unit, activities, workflows, scenarios) against a real Temporal dev server and PostgreSQL. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The cluster scenarios need the Temporal server binaries: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 180_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Workflow bundling and the dev server share two cores: one suite at a time.
  maxWorkers: 1,
};
