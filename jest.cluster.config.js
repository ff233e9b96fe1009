// @ts-check
/** The scenarios on a Temporal cluster on PostgreSQL (`npm run test:cluster`), apart from the default run. */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
};
