/** What every `npm run emulator:<name>` main does once its emulator listens. */

/** Prints `lines` (how to point chat2crm at the sandbox) and closes the emulator on Ctrl-C or SIGTERM, then exits 0. */
export const runSandbox = (lines: readonly string[], close: () => Promise<void>): void => {
  process.stdout.write(lines.join('\n'));
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};
