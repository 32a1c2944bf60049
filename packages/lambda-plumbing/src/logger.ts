import { Logger } from '@aws-lambda-powertools/logger';

let logger: Logger | undefined;

/**
 * The function's one Powertools logger, created on first use: by then the environment is complete, so its service
 * name and level come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (serverless.yml, or a test's setup).
 */
export function serviceLogger(): Logger {
  logger ??= new Logger();
  return logger;
}
