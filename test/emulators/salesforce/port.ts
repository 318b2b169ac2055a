/** The sandbox's port: SALESFORCE_EMULATOR_PORT, else 4020. PORT is the service's, never read here. */
export const DEFAULT_EMULATOR_PORT = 4020;

export const emulatorPort = (
  env: Readonly<Record<string, string | undefined>>,
): { readonly ok: true; readonly port: number } | { readonly ok: false; readonly message: string } => {
  const raw = env['SALESFORCE_EMULATOR_PORT']?.trim();
  if (raw === undefined || raw === '') return { ok: true, port: DEFAULT_EMULATOR_PORT };
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  return port >= 0 && port <= 65535
    ? { ok: true, port }
    : { ok: false, message: `SALESFORCE_EMULATOR_PORT must be a port number (0-65535; default ${DEFAULT_EMULATOR_PORT})` };
};
