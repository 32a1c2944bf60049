import { awsEnvironmentOf } from '@retail/adapters';
import { LOCAL_CREDENTIALS } from './platform-settings';

/** Region and credentials every local client uses; the emulator components add their AWS_ENDPOINT_URL_* variables. */
export function localAwsEnvironment(region: string): Record<string, string> {
  return { ...awsEnvironmentOf({ region, credentials: LOCAL_CREDENTIALS }), AWS_DEFAULT_REGION: region };
}

// A developer's own AWS identity must not leak into local processes: the SDK would mix it with the local credentials.
const DEVELOPER_AWS_VARIABLES = [
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

/** The environment of a child process: ours, minus a real AWS identity, plus the local platform's variables. */
export function childProcessEnvironment(localVariables: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DEVELOPER_AWS_VARIABLES) delete environment[name];
  return { ...environment, ...localVariables };
}
