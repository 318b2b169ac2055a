import assert from 'node:assert/strict';
import { SANDBOX_PORTS, sandboxPort } from '../../emulators/sandbox-port';

describe('sandbox ports (npm run emulator:<name>)', () => {
  it('each sandbox has its own default, none is chat2crm’s 3000', () => {
    const ports = Object.values(SANDBOX_PORTS);
    assert.equal(new Set(ports).size, ports.length);
    assert.deepEqual(SANDBOX_PORTS, {
      HUBSPOT_EMULATOR_PORT: 4010,
      SALESFORCE_EMULATOR_PORT: 4020,
      IADVIZE_EMULATOR_PORT: 4030,
      LIVECHAT_EMULATOR_PORT: 4040,
      LIVESUPPORTI_EMULATOR_PORT: 4050,
    });
  });

  it('takes the port from its own key only, never PORT (chat2crm’s)', () => {
    assert.equal(sandboxPort({ PORT: '3000' }, 'LIVECHAT_EMULATOR_PORT'), 4040);
    assert.equal(sandboxPort({ PORT: '3000', LIVESUPPORTI_EMULATOR_PORT: '5055' }, 'LIVESUPPORTI_EMULATOR_PORT'), 5055);
    assert.equal(sandboxPort({ IADVIZE_EMULATOR_PORT: '' }, 'IADVIZE_EMULATOR_PORT'), 4030);
  });

  it('a value that is no port stops the sandbox, naming the key', () => {
    assert.throws(
      () => sandboxPort({ LIVECHAT_EMULATOR_PORT: 'abc' }, 'LIVECHAT_EMULATOR_PORT'),
      /^Error: LIVECHAT_EMULATOR_PORT must be a port number from 1 to 65535, got "abc"$/,
    );
    assert.throws(() => sandboxPort({ LIVECHAT_EMULATOR_PORT: '70000' }, 'LIVECHAT_EMULATOR_PORT'), /LIVECHAT_EMULATOR_PORT/);
  });
});
