import { describe, expect, it } from 'vitest';
import { bulkDeleteTagsRequestSchema, cleanupPreviewSchema } from '../src/index.js';

describe('bulk tag delete parameters', () => {
  it('reads form and query strings as GitLab scripts send them', () => {
    expect(bulkDeleteTagsRequestSchema.parse({ name_regex_delete: '.*', keep_n: '5' })).toEqual({
      name_regex_delete: '.*',
      keep_n: 5,
    });
    expect(bulkDeleteTagsRequestSchema.parse({ name_regex: 'v.+', older_than: '1month' })).toEqual({
      name_regex: 'v.+',
      older_than: '1month',
    });
    // Empty form fields are absent, not zero.
    expect(bulkDeleteTagsRequestSchema.parse({ name_regex: '.*', keep_n: '', older_than: '' })).toEqual({
      name_regex: '.*',
    });
  });

  it('needs a delete regex and refuses a negative or fractional keep_n', () => {
    const missing = bulkDeleteTagsRequestSchema.safeParse({ keep_n: 1 });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]?.message).toBe(
      'name_regex, name_regex_delete are missing, at least one parameter must be provided',
    );
    expect(bulkDeleteTagsRequestSchema.safeParse({ name_regex: '.*', keep_n: '-1' }).success).toBe(false);
    expect(bulkDeleteTagsRequestSchema.safeParse({ name_regex: '.*', keep_n: '1.5' }).success).toBe(false);
    expect(bulkDeleteTagsRequestSchema.safeParse({ name_regex: 'x'.repeat(256) }).success).toBe(false);
  });
});

describe('cleanup preview', () => {
  it('carries the rule that keeps each tag, and refuses an unknown one', () => {
    const repository = {
      id: 1,
      path: 'acme/app',
      delete: [{ name: 'v1', published_at: '2026-01-01T00:00:00.000Z' }],
      keep: [{ name: 'latest', published_at: '2026-01-02T00:00:00.000Z', reason: 'latest' }],
    };
    expect(cleanupPreviewSchema.parse({ repositories: [repository] })).toEqual({
      repositories: [repository],
    });
    const unknown = { ...repository, keep: [{ ...repository.keep[0], reason: 'luck' }] };
    expect(cleanupPreviewSchema.safeParse({ repositories: [unknown] }).success).toBe(false);
  });
});
