'use strict';
// osls loads plugins with require(): this file is CommonJS.
/* eslint-disable @typescript-eslint/no-require-imports */

const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

/**
 * Uploads files of the repository to a bucket of the stack after `sls deploy`: the Glue job's script and the files it
 * reads (custom.artifacts in the root serverless.yml; the local Glue uploads the same list to the local S3 before each
 * job run). osls deploys only the stack and the functions' code; the bucket is the stack's own, found by its output
 * `bucketOutput`. A missing file stops `sls deploy` before it deploys; `sls package` (offline inspection) only warns.
 *
 * custom:
 *   artifacts:
 *     bucketOutput: ArtifactsBucketName
 *     files:
 *       glueScript: { source: resources/glue/load-raw-to-warehouse.py, key: glue/load-raw-to-warehouse.py }
 */
class UploadArtifacts {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = {
      'before:package:finalize': () => this.checkFiles({ fail: false }),
      'before:deploy:deploy': () => this.checkFiles({ fail: true }),
      'after:deploy:deploy': () => this.upload(),
    };
  }

  settings() {
    const artifacts = this.serverless.service.custom?.artifacts;
    if (!artifacts || typeof artifacts.bucketOutput !== 'string' || typeof artifacts.files !== 'object') {
      throw this.error('custom.artifacts needs bucketOutput (a stack output naming the bucket) and files');
    }
    const root = this.serverless.serviceDir;
    const files = Object.entries(artifacts.files).map(([name, file]) => {
      if (!file || typeof file.source !== 'string' || typeof file.key !== 'string')
        throw this.error(`custom.artifacts.files.${name} needs source (a repository path) and key`);
      return { name, source: path.resolve(root, file.source), key: file.key };
    });
    return { bucketOutput: artifacts.bucketOutput, files };
  }

  checkFiles({ fail }) {
    const missing = this.settings().files.filter((file) => !existsSync(file.source));
    if (missing.length === 0) return;
    const list = missing.map((file) => `${file.name} (${path.relative(this.serverless.serviceDir, file.source)})`);
    const message = `custom.artifacts.files that do not exist: ${list.join(', ')}`;
    if (fail) throw this.error(message);
    this.serverless.cli.log(`upload-artifacts: warning: ${message}; the deploy would stop here`);
  }

  async upload() {
    const { bucketOutput, files } = this.settings();
    const provider = this.serverless.getProvider('aws');
    const stackName = provider.naming.getStackName();
    const { Stacks } = await provider.request('CloudFormation', 'describeStacks', { StackName: stackName });
    const bucket = (Stacks?.[0]?.Outputs ?? []).find((output) => output.OutputKey === bucketOutput)?.OutputValue;
    if (!bucket) throw this.error(`stack ${stackName} has no output ${bucketOutput}`);
    for (const file of files) {
      await provider.request('S3', 'putObject', {
        Bucket: bucket,
        Key: file.key,
        Body: readFileSync(file.source),
        ServerSideEncryption: 'AES256',
      });
      this.serverless.cli.log(
        `upload-artifacts: ${path.relative(this.serverless.serviceDir, file.source)} -> s3://${bucket}/${file.key}`,
      );
    }
  }

  error(message) {
    return new this.serverless.classes.Error(`upload-artifacts: ${message}`);
  }
}

module.exports = UploadArtifacts;
