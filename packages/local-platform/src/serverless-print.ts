import { execFile, execFileSync } from 'node:child_process';
import { LOCAL_CREDENTIALS, SERVERLESS_CLI } from './platform-settings';

// About 2 s on an idle machine; generous because several run at once, next to the emulators starting.
const PRINT_TIMEOUT_MS = 180_000;

/**
 * The configuration of the Serverless service in `directory` with every variable resolved for `stage`
 * (`sls print --format json`): the same source the deploy reads, so local and AWS cannot drift.
 */
export function printServerlessConfiguration(directory: string, stage: string, signal?: AbortSignal): Promise<unknown> {
  const environment = printEnvironment();
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = execFile(
      process.execPath,
      [SERVERLESS_CLI, 'print', '--stage', stage, '--format', 'json'],
      // SIGKILL: `print` writes nothing, and osls busy loading its modules can take seconds to act on SIGTERM.
      {
        cwd: directory,
        env: environment,
        timeout: PRINT_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        signal?.removeEventListener('abort', abort);
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        if (error) {
          const output = `${stderr}\n${stdout}`.trim().split('\n').slice(-20).join('\n');
          const reason = error.killed ? `timed out after ${PRINT_TIMEOUT_MS / 1000} s` : `exit code ${error.code}`;
          reject(new Error(`\`sls print --stage ${stage}\` failed in ${directory} (${reason}):\n${output}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(
            new Error(`\`sls print --stage ${stage}\` in ${directory} did not print JSON:\n${stdout.slice(0, 2000)}`),
          );
        }
      },
    );
    // Not execFile's own `signal` option: that sends SIGTERM whatever killSignal says.
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort);
  });
}

/** printServerlessConfiguration for callers that cannot wait (test fixtures read at module scope); blocks about 2 s. */
export function printServerlessConfigurationSync(directory: string, stage: string): unknown {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [SERVERLESS_CLI, 'print', '--stage', stage, '--format', 'json'], {
      cwd: directory,
      env: printEnvironment(),
      timeout: PRINT_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
      killSignal: 'SIGKILL',
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stderr, stdout: output } = error as { stderr?: string; stdout?: string };
    const tail = `${stderr ?? ''}\n${output ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`\`sls print --stage ${stage}\` failed in ${directory}:\n${tail}`);
  }
  return JSON.parse(stdout);
}

function printEnvironment(): NodeJS.ProcessEnv {
  // The framework resolves ${aws:...} variables with credentials present; it never calls AWS for `print`.
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}
