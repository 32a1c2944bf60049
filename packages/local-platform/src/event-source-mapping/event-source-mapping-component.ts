import type { PlatformComponent } from '../platform-component';
import type { ServiceSlot } from '../serverless-offline-service';
import { readKinesisEventSourceMappings } from './read-kinesis-event-source-mappings';
import { startKinesisEventSourceMappings } from './start-kinesis-event-source-mappings';

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
      const mappings = (await serviceSlots).flatMap(({ definition }) => {
        const lambdaEndpoint = definition && stack.serviceEndpoints[definition.name]?.lambda;
        return definition && lambdaEndpoint
          ? readKinesisEventSourceMappings(definition.configuration, { lambdaEndpoint, log })
          : [];
      });
      const running = await startKinesisEventSourceMappings({
        kinesisEndpoint: kinesis,
        s3Endpoint: s3,
        region: platform.region,
        stateDir: platform.stateDir,
        mappings,
        log,
      });
      for (const mapping of mappings)
        log.info(`  ${mapping.streamName} -> ${mapping.functionName} (batch ${mapping.batchSize ?? 'default'})`);
      return { contribution: {}, stop: () => running.stop() };
    },
  };
}
