/* global process, module */
// mocha's settings. `npm test` runs every test; `npx mocha test/some.test.ts` runs only the files named
// (with the spec in a JSON config, mocha would add the named files to the whole suite).
const named = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg));

module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  ...(named ? {} : { spec: ['test/**/*.test.ts'] }),
  timeout: 20000,
  exit: true,
};
