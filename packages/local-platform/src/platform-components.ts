import { platformResourcesComponent } from './cloudformation/create-local-resources';
import { emulatorComponents } from './emulators/emulator-components';
import { kinesisEventSourceMappingsComponent } from './event-source-mapping';
import { localFirehoseComponent, type LocalFirehoseSettings } from './firehose';
import { gatewayComponent } from './gateway';
import { localGlueComponent } from './glue';
import type { PlatformComponent } from './platform-component';
import type { PlatformPorts } from './platform-settings';
import { localRedshiftDataComponent } from './redshift-data';
import { localSchedulerComponent } from './scheduler';
import { serverlessOfflineServicesComponent, type ServiceSlot } from './serverless-offline-service';
import { localWarehouseComponent } from './warehouse';

/**
 * The local platform, in start-up phases: a phase starts together once the previous one runs, and stops in reverse.
 * To add a component (a Firehose emulator, the Kinesis -> Lambda poller...), implement PlatformComponent and put it
 * in the first phase that has what it needs: phase 2 sees the emulators' endpoints, phase 3 also the created
 * resources and every service's Lambda endpoint. A component that creates a CloudFormation type lists it in
 * `resourceTypes`. Services get the `environment` of earlier phases only: an emulator they call (Firehose, whose
 * AWS_ENDPOINT_URL_FIREHOSE they need) that itself needs S3 goes in a new phase between the emulators and the services.
 */
export function platformComponentPhases(
  ports: PlatformPorts,
  serviceSlots: Promise<ServiceSlot[]>,
  firehose: LocalFirehoseSettings = {},
  scheduleRateSeconds?: number,
): PlatformComponent[][] {
  return [
    [...emulatorComponents(ports), localWarehouseComponent(ports.warehouse)],
    // Firehose delivers to S3 and the services call Firehose: between the two.
    [
      platformResourcesComponent(),
      localFirehoseComponent(ports.firehose, firehose),
      localRedshiftDataComponent(ports.redshiftData),
    ],
    // The local Glue crawls the buckets created in phase 2; the schedules call the Data API of phase 2.
    [
      serverlessOfflineServicesComponent(serviceSlots, ports.serviceBase),
      localGlueComponent(ports.glue),
      localSchedulerComponent(scheduleRateSeconds),
    ],
    [gatewayComponent(ports.api), kinesisEventSourceMappingsComponent(serviceSlots)],
  ];
}
