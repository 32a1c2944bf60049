/**
 * Debian's chromium (`apt-get install chromium`; .ci/run installs it), which playwright-core drives: /usr/bin/chromium
 * is a wrapper script, so the binary itself.
 */
export const DEBIAN_CHROMIUM = '/usr/lib/chromium/chromium';
