import { describe, expect, it } from 'vitest';
import { digestSchema, repositoryNameSchema, tagSchema } from '../src/index.js';

describe('name grammar', () => {
  it.each(['a', 'acme/shop', 'my-group/my_project/app', 'a.b/c__d/e---f', 'x'.repeat(255)])(
    'accepts %s',
    (name) => {
      expect(repositoryNameSchema.safeParse(name).success).toBe(true);
    },
  );
  it.each(['', 'Acme/shop', '_lead', 'trail-', 'a//b', '../etc', 'a/./b', 'x'.repeat(256), 'a/b/'])(
    'refuses %s',
    (name) => {
      expect(repositoryNameSchema.safeParse(name).success).toBe(false);
    },
  );
  it('accepts 128-character tags and refuses 129', () => {
    expect(tagSchema.safeParse(`v${'1'.repeat(127)}`).success).toBe(true);
    expect(tagSchema.safeParse(`v${'1'.repeat(128)}`).success).toBe(false);
    expect(tagSchema.safeParse('.hidden').success).toBe(false);
  });
  it('accepts lowercase sha256/sha512 digests only', () => {
    expect(digestSchema.safeParse(`sha256:${'a'.repeat(64)}`).success).toBe(true);
    expect(digestSchema.safeParse(`sha512:${'0'.repeat(128)}`).success).toBe(true);
    expect(digestSchema.safeParse(`sha256:${'A'.repeat(64)}`).success).toBe(false);
    expect(digestSchema.safeParse(`md5:${'a'.repeat(32)}`).success).toBe(false);
  });
});
