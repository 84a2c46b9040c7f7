import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/domain/duration.js';
import { compileTagRules, planTagCleanup, type TagFacts, type TagRules } from '../src/domain/tag-rules.js';
import { AppError } from '../src/errors.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A tag published `ageMs` before NOW. */
const tag = (name: string, ageMs: number): TagFacts => ({
  name,
  publishedAt: new Date(NOW.getTime() - ageMs).toISOString(),
});

const NO_RULES: TagRules = { nameRegexDelete: null, nameRegexKeep: null, keepN: null, olderThan: null };

function plan(tags: TagFacts[], rules: Partial<TagRules>) {
  const result = planTagCleanup(tags, compileTagRules({ ...NO_RULES, ...rules }), NOW);
  return {
    deleted: result.delete.map((t) => t.name),
    kept: Object.fromEntries(result.keep.map((t) => [t.name, t.reason])),
  };
}

function badRequestMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('bad_request');
    return (error as AppError).message;
  }
  throw new Error('expected a 400');
}

describe('the duration grammar (GitLab older_than / cadence)', () => {
  it.each([
    ['1h', HOUR],
    ['7d', 7 * DAY],
    ['14d', 14 * DAY],
    ['30d', 30 * DAY],
    ['90d', 90 * DAY],
    ['1month', 30 * DAY],
    ['3month', 90 * DAY],
    ['2 months', 60 * DAY],
    ['1w', 7 * DAY],
    ['1y', 365.25 * DAY],
    ['45m', 45 * 60_000],
    ['90s', 90_000],
    ['120', 120_000],
    ['1d 12h', 36 * HOUR],
    ['2 weeks and 1 day', 15 * DAY],
    ['1.5h', 1.5 * HOUR],
    ['1D', DAY],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '   ', 'soon', '7x', '0d', '-1d', '1h;drop', '1 fortnight', 'd7?'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('planTagCleanup, in GitLab order', () => {
  const tags = [
    tag('latest', 100 * DAY),
    tag('v1', 50 * DAY),
    tag('v2', 40 * DAY),
    tag('v3', 10 * DAY),
    tag('v10', 2 * DAY),
    tag('main', HOUR),
    tag('stable-1', 60 * DAY),
  ];

  it('deletes nothing when no delete regex is given (GitLab: a nil name_regex matches no tag)', () => {
    expect(plan(tags, {}).deleted).toEqual([]);
    expect(plan(tags, { nameRegexDelete: '' }).deleted).toEqual([]);
  });

  it('never deletes latest, even with .*', () => {
    const result = plan(tags, { nameRegexDelete: '.*' });
    expect(result.deleted).not.toContain('latest');
    expect(result.kept).toEqual({ latest: 'latest' });
    expect(result.deleted).toEqual(['main', 'v10', 'v3', 'v2', 'v1', 'stable-1']);
  });

  it('matches the whole name only', () => {
    expect(plan(tags, { nameRegexDelete: 'v1' }).deleted).toEqual(['v1']);
    expect(plan(tags, { nameRegexDelete: 'v' }).deleted).toEqual([]);
    expect(plan(tags, { nameRegexDelete: 'v.' }).deleted).toEqual(['v3', 'v2', 'v1']);
    // An alternation is anchored as a whole: `v1|main` does not match `v10`.
    expect(plan(tags, { nameRegexDelete: 'v1|main' }).deleted).toEqual(['main', 'v1']);
  });

  it('keeps names fully matching name_regex_keep, which wins over the delete regex', () => {
    const result = plan(tags, { nameRegexDelete: '.*', nameRegexKeep: 'v\\d+|stable-.*' });
    expect(result.deleted).toEqual(['main']);
    expect(result.kept).toMatchObject({ v1: 'name', v10: 'name', 'stable-1': 'name' });
    // `v` alone does not fully match any name, so it keeps nothing.
    expect(plan(tags, { nameRegexDelete: 'v.*', nameRegexKeep: 'v' }).deleted).toEqual([
      'v10',
      'v3',
      'v2',
      'v1',
    ]);
  });

  it('keeps the newest keep_n of the candidates, counting only candidates', () => {
    const result = plan(tags, { nameRegexDelete: 'v.*', keepN: 2 });
    expect(result.kept).toMatchObject({ v10: 'keep_n', v3: 'keep_n' });
    expect(result.deleted).toEqual(['v2', 'v1']);
    expect(plan(tags, { nameRegexDelete: 'v.*', keepN: 0 }).deleted).toEqual(['v10', 'v3', 'v2', 'v1']);
    expect(plan(tags, { nameRegexDelete: 'v.*', keepN: 10 }).deleted).toEqual([]);
  });

  it('keeps tags published within older_than', () => {
    const result = plan(tags, { nameRegexDelete: '.*', olderThan: '30d' });
    expect(result.deleted).toEqual(['v2', 'v1', 'stable-1']);
    expect(result.kept).toMatchObject({ main: 'older_than', v10: 'older_than', v3: 'older_than' });
  });

  it('applies every rule together in order', () => {
    // candidates v10, v3, v2, v1, stable-1 minus stable-*; newest 1 kept; then only older than 20 days go.
    const result = plan(tags, {
      nameRegexDelete: 'v.*|stable-.*',
      nameRegexKeep: 'stable-.*',
      keepN: 1,
      olderThan: '20d',
    });
    expect(result.deleted).toEqual(['v2', 'v1']);
    expect(result.kept).toEqual({
      latest: 'latest',
      main: 'name',
      'stable-1': 'name',
      v10: 'keep_n',
      v3: 'older_than',
    });
  });

  it('orders equal published times by name, so the result does not depend on the input order', () => {
    const same = ['c', 'a', 'd', 'b'].map((name) => tag(name, DAY));
    const forward = plan(same, { nameRegexDelete: '.*', keepN: 2 });
    const backward = plan([...same].reverse(), { nameRegexDelete: '.*', keepN: 2 });
    expect(forward.deleted).toEqual(['c', 'd']);
    expect(backward).toEqual(forward);
  });

  it('treats a tag without a published time as brand new', () => {
    const undated: TagFacts = { name: 'v0', publishedAt: null };
    const result = plan([undated, tag('v9', 5 * DAY)], { nameRegexDelete: '.*', keepN: 1 });
    expect(result.kept).toEqual({ v0: 'keep_n' });
    expect(plan([undated], { nameRegexDelete: '.*', olderThan: '1h' }).deleted).toEqual([]);
  });
});

describe('rule errors name the parameter', () => {
  it('a bad regex is a 400 naming the parameter', () => {
    expect(badRequestMessage(() => compileTagRules({ ...NO_RULES, nameRegexDelete: '(a' }))).toMatch(
      /^name_regex_delete is an invalid regexp: /,
    );
    expect(badRequestMessage(() => compileTagRules({ ...NO_RULES, nameRegexKeep: '[z-a]' }))).toMatch(
      /^name_regex_keep is an invalid regexp: /,
    );
    // Backtracking-only syntax is not RE2.
    expect(badRequestMessage(() => compileTagRules({ ...NO_RULES, nameRegexDelete: '(a)\\1' }))).toMatch(
      /^name_regex_delete is an invalid regexp/,
    );
    const aliased = {
      nameRegexDelete: 'name_regex',
      nameRegexKeep: 'name_regex_keep',
      olderThan: 'older_than',
    };
    expect(badRequestMessage(() => compileTagRules({ ...NO_RULES, nameRegexDelete: '*' }, aliased))).toMatch(
      /^name_regex is an invalid regexp: /,
    );
  });

  it('a bad duration or keep_n is a 400 naming the parameter', () => {
    expect(badRequestMessage(() => compileTagRules({ ...NO_RULES, olderThan: 'ages' }))).toMatch(
      /^older_than /,
    );
    expect(badRequestMessage(() => compileTagRules({ ...NO_RULES, keepN: -1 }))).toMatch(/^keep_n /);
  });
});

describe('linear-time matching', () => {
  it('runs the catastrophic pattern (a+)+$ over 10,000 tag names without backtracking', () => {
    // Each name is a run of `a` ending in `!`: a backtracking engine needs 2^n steps per name.
    const tags = Array.from({ length: 10_000 }, (_, i) => tag(`${'a'.repeat(40 + (i % 50))}!`, i * 1000));
    const rules = compileTagRules({ ...NO_RULES, nameRegexDelete: '(a+)+$', nameRegexKeep: '(a|aa)+$' });
    const started = performance.now();
    const result = planTagCleanup(tags, rules, NOW);
    const elapsed = performance.now() - started;
    expect(result.delete).toEqual([]);
    expect(result.keep).toHaveLength(10_000);
    // A generous bound on a shared machine; `pnpm bench` records the real figure.
    expect(elapsed).toBeLessThan(5_000);
  });
});
