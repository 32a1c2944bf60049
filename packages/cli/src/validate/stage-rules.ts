// What a stage's stacks do to its data when deleted or replaced (serverless.yml custom.dataStorePolicyByStage): prod
// keeps every data store and turns on deletion protection where AWS has one; every other stage deletes them all, so
// `npm run remove` leaves nothing behind.
import type { CloudFormationResource, PackagedStack } from '../deploy/package-stacks';
import type { TemplateFinding } from './template-findings';

/** The stages whose data outlives their stacks. */
export const RETAINING_STAGES: readonly string[] = ['prod'];

const DATA_STORE_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::RedshiftServerless::Namespace',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
];
/** Buckets that hold no data, each with why: they go with their stack on every stage. */
export const BUCKETS_WITHOUT_DATA: readonly { bucket: string; reason: string }[] = [
  { bucket: 'ServerlessDeploymentBucket', reason: "osls's deployment artifacts: `sls remove` empties and deletes it" },
  { bucket: 'ArtifactsBucket', reason: 'the Glue script and its files, uploaded again by every deploy' },
];
/** The property that makes AWS refuse a delete, per type that has one. */
const DELETION_PROTECTION: Record<string, string> = { 'AWS::DynamoDB::Table': 'DeletionProtectionEnabled' };

export const isDataStore = (logicalId: string, resource: CloudFormationResource): boolean =>
  DATA_STORE_TYPES.includes(resource.Type) && !BUCKETS_WITHOUT_DATA.some(({ bucket }) => bucket === logicalId);

export function checkStagePolicies(stacks: readonly PackagedStack[]): TemplateFinding[] {
  const findings: TemplateFinding[] = [];
  for (const stack of stacks) {
    const retains = RETAINING_STAGES.includes(stack.stage);
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (!isDataStore(logicalId, resource)) continue;
      const finding = (rule: string, message: string) =>
        findings.push({ stack: stack.stackName, resource: logicalId, rule, message });
      const policies = [resource.DeletionPolicy, resource.UpdateReplacePolicy];
      const protection = DELETION_PROTECTION[resource.Type];
      if (retains) {
        if (policies.some((policy) => policy !== 'Retain'))
          finding(
            'stage/retain-data',
            `stage ${stack.stage} must keep its data: DeletionPolicy and UpdateReplacePolicy Retain (\${self:custom.dataStorePolicy})`,
          );
        if (protection && resource.Properties?.[protection] !== true)
          finding('stage/deletion-protection', `stage ${stack.stage} needs ${protection}: true`);
      } else {
        if (policies.some((policy) => policy !== undefined && policy !== 'Delete'))
          finding(
            'stage/clean-removal',
            `stage ${stack.stage} is removed with its data, but this is kept (${policies.join('/')}): \`npm run remove\` would leave it behind`,
          );
        if (protection && resource.Properties?.[protection] === true)
          finding('stage/clean-removal', `${protection} makes \`npm run remove\` fail on stage ${stack.stage}`);
      }
    }
  }
  return findings;
}
