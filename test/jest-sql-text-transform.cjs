// Jest's counterpart of esbuild's text loader (resources/service-defaults.yml): an imported .sql file is its text.
module.exports = {
  process(sourceText) {
    return { code: `module.exports = { __esModule: true, default: ${JSON.stringify(sourceText)} };` };
  },
};
