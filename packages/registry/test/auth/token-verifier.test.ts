import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, jwkThumbprint } from '../../src/auth/index.js';
import {
  encodeJson,
  generateTestKeyPair,
  mintTestToken,
  TEST_ISSUER,
  TEST_SERVICE,
} from '../support/tokens.js';

const trusted = generateTestKeyPair();
const attacker = generateTestKeyPair();

function verifierFor(keys: KeyObject[] = [trusted.publicKey], now?: () => number) {
  return createTokenVerifier({ issuer: TEST_ISSUER, service: TEST_SERVICE, keys, ...(now ? { now } : {}) });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Re-signs a token's first two parts with a tampered header, keeping it otherwise well-formed. */
function withHeader(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature: Buffer,
): string {
  return `${encodeJson(header)}.${encodeJson(claims)}.${signature.toString('base64url')}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('token verifier', () => {
  it('accepts a token signed like the BFF signs and returns its claims', async () => {
    const access = [{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }];
    const result = await verifierFor().verify(mintTestToken(trusted.privateKey, { sub: 'alice', access }));
    expect(result).toMatchObject({ ok: true, claims: { sub: 'alice', iss: TEST_ISSUER, access } });
  });

  it('accepts an audience array that contains the service and a token without kid', async () => {
    const token = mintTestToken(trusted.privateKey, { aud: ['other', TEST_SERVICE] }, { kid: undefined });
    expect((await verifierFor().verify(token)).ok).toBe(true);
  });

  it('accepts an RS256 token when the trusted key is RSA', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = mintTestToken(rsa.privateKey);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg).toBe('RS256');
    expect((await verifierFor([rsa.publicKey]).verify(token)).ok).toBe(true);
  });

  it.each([
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['non-base64url characters', 'ab$c.def.ghi'],
    ['an empty signature', 'eyJhbGciOiJFUzI1NiJ9.e30.'],
    ['a header that is not JSON', `${Buffer.from('{nope').toString('base64url')}.e30.AAAA`],
    ['a header that is a JSON array', `${encodeJson(['ES256'])}.e30.AAAA`],
  ])('refuses a malformed token: %s', async (_, token) => {
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'malformed token' });
  });

  it('refuses a token whose signature does not match its content', async () => {
    const token = mintTestToken(trusted.privateKey, { access: [] });
    const [header, , signature] = token.split('.');
    const escalated = encodeJson({
      ...claimsOf(token),
      access: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
    });
    expect(await verifierFor().verify(`${header}.${escalated}.${signature}`)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it('refuses a token signed by another key, even when its kid names the trusted key', async () => {
    const forged = mintTestToken(attacker.privateKey, {}, { kid: trusted.kid });
    expect(await verifierFor().verify(forged)).toEqual({ ok: false, reason: 'bad signature' });
    const ownKid = mintTestToken(attacker.privateKey);
    expect(await verifierFor().verify(ownKid)).toEqual({ ok: false, reason: 'unknown key' });
  });

  it('refuses alg none', async () => {
    const claims = claimsOf(mintTestToken(trusted.privateKey));
    const token = `${encodeJson({ alg: 'none', typ: 'JWT' })}.${encodeJson(claims)}.`;
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'malformed token' });
    const withSignature = withHeader({ alg: 'none', typ: 'JWT' }, claims, Buffer.from('x'));
    expect(await verifierFor().verify(withSignature)).toEqual({ ok: false, reason: 'algorithm not allowed' });
  });

  it('refuses HS256 keyed with the trusted public key PEM', async () => {
    const pem = trusted.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const claims = claimsOf(mintTestToken(trusted.privateKey));
    const input = `${encodeJson({ alg: 'HS256', typ: 'JWT', kid: trusted.kid })}.${encodeJson(claims)}`;
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'algorithm not allowed' });
  });

  it('refuses an algorithm that does not match the key type', async () => {
    const es384 = mintTestToken(trusted.privateKey, {}, { alg: 'ES384' });
    expect(await verifierFor().verify(es384)).toEqual({ ok: false, reason: 'algorithm not allowed' });
    // RS256 is allowed in general, but never with an EC key.
    const rs256 = mintTestToken(trusted.privateKey, {}, { alg: 'RS256' });
    expect(await verifierFor().verify(rs256)).toEqual({ ok: false, reason: 'unknown key' });
  });

  it('never verifies with a key embedded in the header', async () => {
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const token = mintTestToken(attacker.privateKey, {}, { jwk });
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'embedded key not trusted' });
    // Not even when the embedded key is the trusted one.
    const trustedJwk = mintTestToken(
      trusted.privateKey,
      {},
      { jwk: trusted.publicKey.export({ format: 'jwk' }) },
    );
    expect(await verifierFor().verify(trustedJwk)).toEqual({ ok: false, reason: 'embedded key not trusted' });
  });

  it.each([
    ['x5c', { x5c: ['MIIB'] }],
    ['jku', { jku: 'https://attacker.example/jwks' }],
    ['x5u', { x5u: 'https://attacker.example/cert' }],
  ])('refuses a header carrying %s', async (_, header) => {
    const token = mintTestToken(attacker.privateKey, {}, header);
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'embedded key not trusted' });
  });

  it('refuses a header with crit extensions it does not understand', async () => {
    const token = mintTestToken(trusted.privateKey, {}, { crit: ['exp'] });
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'critical header not supported' });
  });

  it('uses kid to pick among several trusted keys', async () => {
    const second = generateTestKeyPair();
    const verifier = verifierFor([trusted.publicKey, second.publicKey]);
    expect((await verifier.verify(mintTestToken(second.privateKey))).ok).toBe(true);
    expect((await verifier.verify(mintTestToken(trusted.privateKey))).ok).toBe(true);
    expect(jwkThumbprint(second.publicKey)).not.toBe(trusted.kid);
  });

  it('refuses an ES256 signature in DER instead of raw r‖s', async () => {
    const token = mintTestToken(trusted.privateKey);
    const input = token.slice(0, token.lastIndexOf('.'));
    const der = sign('sha256', Buffer.from(input), trusted.privateKey);
    expect(await verifierFor().verify(`${input}.${der.toString('base64url')}`)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it('refuses the wrong issuer', async () => {
    const token = mintTestToken(trusted.privateKey, { iss: 'someone-else' });
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'wrong issuer' });
  });

  it.each([
    ['another service', 'other_registry'],
    ['an array without the service', ['a', 'b']],
  ])('refuses an audience naming %s', async (_, aud) => {
    const token = mintTestToken(trusted.privateKey, { aud });
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'wrong audience' });
  });

  it('refuses an expired token once the clock skew has passed', async () => {
    const exp = nowSeconds() - 10;
    const token = mintTestToken(trusted.privateKey, { iat: exp - 300, nbf: exp - 300, exp });
    expect((await verifierFor(undefined, () => (exp + 59) * 1000).verify(token)).ok).toBe(true);
    expect(await verifierFor(undefined, () => (exp + 60) * 1000).verify(token)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a token that is not valid yet beyond the clock skew', async () => {
    const nbf = nowSeconds() + 600;
    const token = mintTestToken(trusted.privateKey, { nbf, exp: nbf + 300 });
    expect(await verifierFor(undefined, () => (nbf - 61) * 1000).verify(token)).toEqual({
      ok: false,
      reason: 'not yet valid',
    });
    expect((await verifierFor(undefined, () => (nbf - 60) * 1000).verify(token)).ok).toBe(true);
  });

  it('honours a configured clock skew', async () => {
    const exp = nowSeconds() - 10;
    const token = mintTestToken(trusted.privateKey, { nbf: exp - 300, exp });
    const strict = createTokenVerifier({
      issuer: TEST_ISSUER,
      service: TEST_SERVICE,
      keys: [trusted.publicKey],
      clockSkewSeconds: 0,
    });
    expect(await strict.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['missing exp', { exp: undefined }],
    ['exp as a string', { exp: '9999999999' }],
    ['missing iss', { iss: undefined }],
    ['access as an object', { access: { type: 'repository', name: 'acme/app', actions: ['pull'] } }],
    ['access as null', { access: null }],
    ['an access entry without actions', { access: [{ type: 'repository', name: 'acme/app' }] }],
    [
      'an access entry with a numeric action',
      { access: [{ type: 'repository', name: 'acme/app', actions: [1] }] },
    ],
    ['an access entry with an empty name', { access: [{ type: 'repository', name: '', actions: ['pull'] }] }],
  ])('refuses claims with %s', async (_, claims) => {
    const token = mintTestToken(trusted.privateKey, claims);
    expect(await verifierFor().verify(token)).toEqual({ ok: false, reason: 'invalid claims' });
  });

  it('reads a token without an access claim as granting nothing', async () => {
    const result = await verifierFor().verify(mintTestToken(trusted.privateKey, { access: undefined }));
    expect(result).toMatchObject({ ok: true, claims: { access: [] } });
  });

  it('asks a key source for the keys of the token kid', async () => {
    const asked: (string | undefined)[] = [];
    const verifier = createTokenVerifier({
      issuer: TEST_ISSUER,
      service: TEST_SERVICE,
      keys: async (kid) => {
        asked.push(kid);
        return [trusted.publicKey];
      },
    });
    expect((await verifier.verify(mintTestToken(trusted.privateKey))).ok).toBe(true);
    expect(asked).toEqual([trusted.kid]);
  });
});
