'use strict';
// serverless-esbuild loads this file with require(): it is CommonJS.
/* eslint-disable @typescript-eslint/no-require-imports */

// serverless-esbuild plugins file (custom.esbuild.plugins): `import script from 'dashboard-page:<entry.ts>'` is that
// browser entry bundled by the same esbuild (minified, ES2022, tree-shaken) as text, so the page ships in the
// function's own bundle and `sls offline`, `sls package` and deploy need no separate build step.
const path = require('node:path');
const esbuild = require('esbuild');

const PREFIX = 'dashboard-page:';

module.exports = [
  {
    name: 'dashboard-page',
    setup(build) {
      build.onResolve({ filter: /^dashboard-page:/ }, (args) => ({
        path: path.resolve(args.resolveDir, args.path.slice(PREFIX.length)),
        namespace: 'dashboard-page',
      }));
      build.onLoad({ filter: /.*/, namespace: 'dashboard-page' }, async (args) => {
        const result = await esbuild.build({
          entryPoints: [args.path],
          bundle: true,
          minify: true,
          format: 'esm',
          target: 'es2022',
          platform: 'browser',
          write: false,
          metafile: true,
          legalComments: 'none',
        });
        return {
          contents: result.outputFiles[0].text,
          loader: 'text',
          watchFiles: Object.keys(result.metafile.inputs).map((input) => path.resolve(input)),
        };
      });
    },
  },
];
