/**
 * The value of a setting the function cannot run without, read once at module scope so that a missing one fails
 * the cold start, naming the variable and what sets it, instead of every request.
 */
export function requiredEnvironmentVariable(
  name: string,
  setBy: string,
  environment: NodeJS.ProcessEnv = process.env,
): string {
  const value = environment[name]?.trim();
  if (!value) throw new Error(`${name} is not set: ${setBy}`);
  return value;
}
