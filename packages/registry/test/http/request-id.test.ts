import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(() => registry?.stop());

/** GET /v2/ with a raw X-Request-Id value (bytes fetch would refuse to send). */
function requestIdAnswer(value: Buffer): Promise<{ status: number; requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${registry.url}/v2/`,
      { headers: { 'X-Request-Id': value.toString('latin1') } },
      (res) => {
        res.resume();
        const id = res.headers['x-request-id'];
        resolve({ status: res.statusCode ?? 0, requestId: Array.isArray(id) ? id[0] : id });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('request ids', () => {
  it('echoes a plain caller id', async () => {
    expect(await requestIdAnswer(Buffer.from('build-42.step_3'))).toEqual({
      status: 200,
      requestId: 'build-42.step_3',
    });
  });

  it('replaces an id it should not echo, and keeps serving', async () => {
    for (const value of [
      Buffer.from('a'.repeat(129)),
      Buffer.from('has space'),
      Buffer.from([0x61, 0xff, 0x62]),
    ]) {
      const answer = await requestIdAnswer(value);
      expect(answer.status).toBe(200);
      expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
  });
});
