/**
 * Where each sandbox (`npm run emulator:<name>`) listens: its own `<NAME>_EMULATOR_PORT`, never
 * `PORT`, which is chat2crm's own key (the two often share a shell). The defaults differ, so all
 * the sandboxes and chat2crm (3000) can run at once. test/emulators/README.md lists them.
 */
export const SANDBOX_PORTS = {
  HUBSPOT_EMULATOR_PORT: 4010,
  SALESFORCE_EMULATOR_PORT: 4020,
  IADVIZE_EMULATOR_PORT: 4030,
  LIVECHAT_EMULATOR_PORT: 4040,
  LIVESUPPORTI_EMULATOR_PORT: 4050,
} as const;

export type SandboxPortKey = keyof typeof SANDBOX_PORTS;

/** The port from `key` in `env`, else its default; a value that is no port stops the sandbox, naming the key. */
export const sandboxPort = (env: NodeJS.ProcessEnv, key: SandboxPortKey): number => {
  const text = env[key];
  if (text === undefined || text.trim() === '') return SANDBOX_PORTS[key];
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${key} must be a port number from 1 to 65535, got "${text.slice(0, 20)}"`);
  return port;
};
