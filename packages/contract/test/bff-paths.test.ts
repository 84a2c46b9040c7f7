import { describe, expect, it } from 'vitest';
import { explainPathSegmentProblem, pathSegmentSchema, REPOSITORY_NAME_PATTERN } from '../src/index.js';

describe('group and project path segments', () => {
  // Every string over a small alphabet up to length 4: explanations must agree with the grammar exactly.
  const alphabet = ['a', '1', '.', '_', '-', 'A', ' '];
  const samples: string[] = [''];
  for (let length = 1; length <= 4; length++) {
    for (const prefix of samples.filter((s) => s.length === length - 1)) {
      for (const c of alphabet) samples.push(prefix + c);
    }
  }

  it('explains a problem exactly when the segment is not a valid image name component', () => {
    for (const segment of samples) {
      const valid = segment !== '' && REPOSITORY_NAME_PATTERN.test(segment) && !segment.includes('/');
      expect(explainPathSegmentProblem(segment) === undefined, JSON.stringify(segment)).toBe(valid);
    }
  });

  it.each([
    ['Shop', /lowercase/],
    ['_shop', /start with a letter or digit/],
    ['shop-', /end with a letter or digit/],
    ['a___b', /"___"/],
    ['a._b', /"\._"/],
    ['a/b', /only lowercase letters/],
  ])('says why %s is refused', (segment, why) => {
    const result = pathSegmentSchema.safeParse(segment);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(why);
  });

  it('accepts the separators the grammar allows', () => {
    for (const segment of ['a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'my-group.v2']) {
      expect(pathSegmentSchema.safeParse(segment).success).toBe(true);
    }
  });
});
