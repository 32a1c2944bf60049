/**
 * Gives this process the variables a handler reads at module scope, as AWS and the local platform give them to a
 * function; returns what puts the previous values back. The one place a test writes process.env: code of our own
 * takes its settings as values (awsEnvironmentOf turns client settings into these variables).
 */
export function useHandlerEnvironment(variables: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
