import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createJwksKeySource,
  createTokenVerifier,
  jwkThumbprint,
  type KeySource,
  readPublicKeyFile,
} from '../../src/auth/index.js';
import { generateTestKeyPair, mintTestToken, TEST_ISSUER, TEST_SERVICE } from '../support/tokens.js';

const pem = (key: KeyObject) => key.export({ format: 'pem', type: 'spki' }).toString();
const jwkOf = (key: KeyObject) => ({ ...key.export({ format: 'jwk' }), kid: jwkThumbprint(key), use: 'sig' });
const verifierWith = (keys: KeySource | KeyObject[]) =>
  createTokenVerifier({ issuer: TEST_ISSUER, service: TEST_SERVICE, keys });

describe('readPublicKeyFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-auth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('reads every public key block, so old and new keys are trusted side by side', async () => {
    const ec = generateTestKeyPair();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const path = await file(
      'two.pem',
      `# rotation\n${pem(ec.publicKey)}\n${rsa.publicKey.export({ format: 'pem', type: 'pkcs1' })}`,
    );
    const keys = await readPublicKeyFile(path);
    expect(keys.map((key) => key.asymmetricKeyType)).toEqual(['ec', 'rsa']);
    const verifier = verifierWith(keys);
    expect((await verifier.verify(mintTestToken(ec.privateKey))).ok).toBe(true);
    expect((await verifier.verify(mintTestToken(rsa.privateKey))).ok).toBe(true);
  });

  it('refuses a private key, an unsupported curve, a short RSA key and a file without keys', async () => {
    const ec = generateTestKeyPair();
    const privatePem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect(readPublicKeyFile(await file('private.pem', privatePem))).rejects.toThrow(
      /private\.pem: PEM block 1 is a PRIVATE KEY/,
    );
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    await expect(readPublicKeyFile(await file('p384.pem', pem(ec.publicKey) + pem(p384)))).rejects.toThrow(
      /PEM block 2 is not an EC P-256 or RSA/,
    );
    const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    await expect(readPublicKeyFile(await file('short.pem', pem(shortRsa)))).rejects.toThrow(
      /not an EC P-256 or RSA/,
    );
    await expect(readPublicKeyFile(await file('empty.pem', 'nothing here\n'))).rejects.toThrow(
      /no PEM public key/,
    );
  });
});

describe('createJwksKeySource', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: unknown };
  let fetches: number;
  let clock: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      fetches += 1;
      if (request.url === '/slow') return; // never answers
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    clock = 0;
    fetches = 0;
  });

  const serve = (...keys: KeyObject[]) => {
    answer = { status: 200, body: { keys: keys.map(jwkOf) } };
  };
  const source = (options: { onError?: (error: Error) => void } = {}) =>
    createJwksKeySource({ url: `${url}/jwt/jwks`, now: () => clock, ...options });

  it('fetches once, then serves from the cache', async () => {
    const current = generateTestKeyPair();
    serve(current.publicKey);
    const verifier = verifierWith(source());
    expect((await verifier.verify(mintTestToken(current.privateKey))).ok).toBe(true);
    expect((await verifier.verify(mintTestToken(current.privateKey))).ok).toBe(true);
    expect(fetches).toBe(1);
  });

  it('follows a key rotation with one refetch per unknown kid, at most every 60 s', async () => {
    const old = generateTestKeyPair();
    const next = generateTestKeyPair();
    serve(old.publicKey);
    const verifier = verifierWith(source());
    expect((await verifier.verify(mintTestToken(old.privateKey))).ok).toBe(true);
    expect(fetches).toBe(1);

    serve(next.publicKey);
    clock = 59_999;
    expect(await verifier.verify(mintTestToken(next.privateKey))).toEqual({
      ok: false,
      reason: 'unknown key',
    });
    expect(fetches).toBe(1);

    clock = 60_000;
    const results = await Promise.all([1, 2, 3].map(() => verifier.verify(mintTestToken(next.privateKey))));
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(fetches).toBe(2);
    // The retired key is gone with the refetch.
    expect(await verifier.verify(mintTestToken(old.privateKey))).toEqual({
      ok: false,
      reason: 'unknown key',
    });

    // A forged kid right after cannot make the registry hammer the token service.
    const stranger = generateTestKeyPair();
    clock = 90_000;
    expect(await verifier.verify(mintTestToken(stranger.privateKey))).toEqual({
      ok: false,
      reason: 'unknown key',
    });
    expect(fetches).toBe(2);
    clock = 120_000;
    expect(await verifier.verify(mintTestToken(stranger.privateKey))).toEqual({
      ok: false,
      reason: 'unknown key',
    });
    expect(fetches).toBe(3);
  });

  it('keeps the cached keys when a refetch fails and reports the error', async () => {
    const current = generateTestKeyPair();
    serve(current.publicKey);
    const errors: Error[] = [];
    const verifier = verifierWith(source({ onError: (error) => errors.push(error) }));
    expect((await verifier.verify(mintTestToken(current.privateKey))).ok).toBe(true);

    answer = { status: 503, body: {} };
    clock = 60_000;
    expect(await verifier.verify(mintTestToken(generateTestKeyPair().privateKey))).toEqual({
      ok: false,
      reason: 'unknown key',
    });
    expect(fetches).toBe(2);
    expect(errors.map((error) => error.message)).toEqual([`JWKS ${url}/jwt/jwks answered 503`]);
    expect((await verifier.verify(mintTestToken(current.privateKey))).ok).toBe(true);
  });

  it('throws while it has never fetched keys, so the registry answers an error rather than 401', async () => {
    answer = { status: 404, body: {} };
    await expect(source()()).rejects.toThrow(/answered 404/);
    answer = { status: 200, body: { nokeys: [] } };
    await expect(source()()).rejects.toThrow(/not a JSON Web Key Set/);
  });

  it('gives up on a JWKS URL that does not answer within the timeout', async () => {
    const started = Date.now();
    const slow = createJwksKeySource({ url: `${url}/slow`, timeoutMs: 200 });
    await expect(slow()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps only public signing keys Berth verifies with', async () => {
    const good = generateTestKeyPair();
    const leaked = generateTestKeyPair();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    const encryption = generateTestKeyPair();
    const mislabelled = generateTestKeyPair();
    answer = {
      status: 200,
      body: {
        keys: [
          jwkOf(good.publicKey),
          { ...leaked.privateKey.export({ format: 'jwk' }), use: 'sig' },
          jwkOf(p384),
          { ...jwkOf(encryption.publicKey), use: 'enc' },
          { ...jwkOf(mislabelled.publicKey), alg: 'RS256' },
          { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' },
          'not a key',
        ],
      },
    };
    const keys = await source()();
    expect(keys.map((key) => [key.type, jwkThumbprint(key)])).toEqual([
      ['public', good.kid],
      ['public', leaked.kid],
    ]);
  });
});
