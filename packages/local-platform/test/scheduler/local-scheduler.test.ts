import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformTemplate } from '../../src/cloudformation/read-platform-template';
import { readScheduleDefinitions, ScheduleDefinitionError, startLocalScheduler } from '../../src/scheduler';

const ACCOUNT = '000000000000';

/** A template holding one schedule, its properties as declared (intrinsics already resolved). */
function templateWith(properties: Record<string, unknown>): PlatformTemplate {
  return {
    service: 'retail-platform',
    stage: 'test',
    region: 'eu-west-2',
    resources: { Merge: { Type: 'AWS::Scheduler::Schedule', Properties: properties } },
  };
}

const MERGE_SCHEDULE = {
  Name: 'retail-test-warehouse-merge',
  ScheduleExpression: 'rate(15 minutes)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: {
    Arn: 'arn:aws:scheduler:::aws-sdk:redshiftdata:executeStatement',
    RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
    RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 3 },
    Input: '{"WorkgroupName":"retail-test","Database":"retail","Sql":"CALL retail.merge_landing()"}',
  },
};

/** An endpoint that records each call's target and body and answers with the next status of `statuses`. */
async function recordingEndpoint(statuses: number[]) {
  const calls: { target: string; body: unknown }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      calls.push({ target: String(request.headers['x-amz-target']), body: JSON.parse(body) as unknown });
      response.writeHead(statuses.shift() ?? 200, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { calls, endpoint, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the local EventBridge Scheduler', () => {
  it('reads a rate schedule with a universal target: the action, its Input, its retry policy', () => {
    expect(readScheduleDefinitions(templateWith(MERGE_SCHEDULE), ACCOUNT)).toEqual([
      {
        logicalId: 'Merge',
        name: 'retail-test-warehouse-merge',
        rateSeconds: 900,
        service: 'redshiftdata',
        action: 'ExecuteStatement',
        input: { WorkgroupName: 'retail-test', Database: 'retail', Sql: 'CALL retail.merge_landing()' },
        maximumRetryAttempts: 3,
        maximumEventAgeSeconds: 600,
      },
    ]);
    expect(readScheduleDefinitions(templateWith({ ...MERGE_SCHEDULE, State: 'DISABLED' }), ACCOUNT)).toEqual([]);
  });

  it('refuses by name what it cannot run as AWS would', () => {
    const refused = (properties: Record<string, unknown>) => () =>
      readScheduleDefinitions(templateWith({ ...MERGE_SCHEDULE, ...properties }), ACCOUNT);
    expect(refused({ ScheduleExpression: 'cron(0 * * * ? *)' })).toThrow(/rate\(<n> minutes\|hours\|days\) only/);
    expect(refused({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 } })).toThrow(
      /FlexibleTimeWindow\.Mode is FLEXIBLE/,
    );
    expect(refused({ GroupName: 'other' })).toThrow(/Merge\.GroupName is not emulated/);
    expect(refused({ Target: { ...MERGE_SCHEDULE.Target, DeadLetterConfig: { Arn: 'x' } } })).toThrow(
      /Merge\.Target\.DeadLetterConfig is not emulated/,
    );
    expect(refused({ Target: { ...MERGE_SCHEDULE.Target, Arn: 'arn:aws:lambda:eu-west-2:0:function:f' } })).toThrow(
      ScheduleDefinitionError,
    );
    const [sqs] = readScheduleDefinitions(
      templateWith({
        ...MERGE_SCHEDULE,
        Target: { ...MERGE_SCHEDULE.Target, Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage' },
      }),
      ACCOUNT,
    );
    expect(() => startLocalScheduler([sqs!], {}, { log: () => undefined })).toThrow(/calls sqs:SendMessage/);
  });

  it('calls the action on the local endpoint at the rate, with the declared Input', async () => {
    const endpoint = await recordingEndpoint([]);
    const [schedule] = readScheduleDefinitions(templateWith(MERGE_SCHEDULE), ACCOUNT);
    const scheduler = startLocalScheduler(
      [schedule!],
      { redshiftData: endpoint.endpoint },
      {
        rateSeconds: 0.2,
        log: () => undefined,
      },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    } finally {
      await scheduler.stop();
      await endpoint.close();
    }
    // About five ticks in 1.1 s; none before the first rate has passed, as a rate schedule starts.
    expect(endpoint.calls.length).toBeGreaterThanOrEqual(3);
    expect(endpoint.calls.length).toBeLessThanOrEqual(6);
    expect(endpoint.calls[0]).toEqual({ target: 'RedshiftData.ExecuteStatement', body: schedule!.input });
  });

  it('retries a failed call within its RetryPolicy, then gives up with a line', async () => {
    const endpoint = await recordingEndpoint([500, 500, 500, 500, 500]);
    const [schedule] = readScheduleDefinitions(
      templateWith({
        ...MERGE_SCHEDULE,
        Target: { ...MERGE_SCHEDULE.Target, RetryPolicy: { MaximumRetryAttempts: 1 } },
      }),
      ACCOUNT,
    );
    const lines: string[] = [];
    const scheduler = startLocalScheduler(
      [schedule!],
      { redshiftData: endpoint.endpoint },
      {
        log: (line) => lines.push(line),
      },
    );
    try {
      await scheduler.invokeAll();
    } finally {
      await scheduler.stop();
      await endpoint.close();
    }
    expect(endpoint.calls).toHaveLength(2);
    expect(lines).toEqual([
      expect.stringMatching(/failed \(500 \{\}\); retrying in 1 s\.$/),
      expect.stringMatching(/failed \(500 \{\}\); given up after 2 attempts\.$/),
    ]);
  });
});
