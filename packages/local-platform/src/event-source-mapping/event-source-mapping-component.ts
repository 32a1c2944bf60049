import type { PlatformComponent } from '../platform-component';
import type { ServiceSlot } from '../serverless-offline-service';
import { KINESIS_MAPPING_LIMITS, type KinesisEventSourceMapping } from './kinesis-event-source-mapping';
import { readKinesisEventSourceMappings } from './read-kinesis-event-source-mappings';
import { startKinesisEventSourceMappings } from './start-kinesis-event-source-mappings';

/**
 * Replaces every mapping's declared MaximumRecordAgeInSeconds, for a local run that must see records expire (e.g. 60:
 * RecordAgeExceeded after a minute instead of the declared hours). Unset: the declared value.
 */
export const MAXIMUM_RECORD_AGE_VARIABLE = 'RETAIL_STREAM_MAXIMUM_RECORD_AGE_SECONDS';

/** The mappings with MAXIMUM_RECORD_AGE_VARIABLE applied; a value AWS would refuse fails the start, naming it. */
export function withLocalRecordAge(
  mappings: KinesisEventSourceMapping[],
  environment: NodeJS.ProcessEnv = process.env,
): KinesisEventSourceMapping[] {
  const text = environment[MAXIMUM_RECORD_AGE_VARIABLE]?.trim();
  if (!text) return mappings;
  const { min, max } = KINESIS_MAPPING_LIMITS.maximumRecordAgeInSeconds;
  const seconds = Number(text);
  if (!/^-?\d+$/.test(text) || (seconds !== -1 && (seconds < min || seconds > max)))
    throw new Error(
      `${MAXIMUM_RECORD_AGE_VARIABLE} is '${text}': give -1 or whole seconds from ${min} to ${max}, as AWS accepts.`,
    );
  return mappings.map((mapping) => ({ ...mapping, maximumRecordAgeInSeconds: seconds }));
}

/**
 * Lambda's Kinesis event-source mappings, as each service's serverless config declares them, invoking the functions
 * through their serverless-offline Lambda endpoint: needs the services (and so the stream) in earlier phases.
 */
export function kinesisEventSourceMappingsComponent(serviceSlots: Promise<ServiceSlot[]>): PlatformComponent {
  return {
    name: 'kinesis event-source mappings',
    async start({ platform, stack, log }) {
      const { kinesis, s3 } = stack.endpoints;
      if (kinesis === undefined)
        throw new Error('The event-source mappings need the Kinesis emulator started in an earlier phase.');
      const declared = (await serviceSlots).flatMap(({ definition }) => {
        const lambdaEndpoint = definition && stack.serviceEndpoints[definition.name]?.lambda;
        return definition && lambdaEndpoint
          ? readKinesisEventSourceMappings(definition.configuration, { lambdaEndpoint, log })
          : [];
      });
      const mappings = withLocalRecordAge(declared);
      const running = await startKinesisEventSourceMappings({
        kinesisEndpoint: kinesis,
        s3Endpoint: s3,
        region: platform.region,
        stateDir: platform.stateDir,
        mappings,
        log,
      });
      for (const mapping of mappings) {
        const retries =
          mapping.maximumRetryAttempts === -1 ? 'retries until expiry' : `${mapping.maximumRetryAttempts} retries`;
        const age =
          mapping.maximumRecordAgeInSeconds === -1
            ? 'no age limit'
            : `records given up on after ${mapping.maximumRecordAgeInSeconds} s`;
        log.info(`  ${mapping.streamName} -> ${mapping.functionName} (batch ${mapping.batchSize}, ${retries}, ${age})`);
      }
      return { contribution: {}, stop: () => running.stop() };
    },
  };
}
