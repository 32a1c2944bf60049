// Run before every test file (jest.config.ts setupFiles), so that a passing test prints nothing.
// - A handler under test publishes no EMF metrics unless its test reads them: Powertools would print one JSON line per
//   invocation, with "Namespace should be defined, default used" where the test gave no namespace. A test that reads
//   them sets EMF_TO_CONSOLE_ENVIRONMENT (@retail/test-support), whose POWERTOOLS_METRICS_DISABLED=false overrides
//   this default, and captures them with captureEmittedMetrics.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// - On Node 20 the AWS SDK warns that its releases after early 2027 need Node 22 (README: Node 20.19+ or 22), once
//   per module registry, which jest makes anew for every test file: said once in the README, not 70 times here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
