/**
 * The one engine that decides which tags a bulk delete or a cleanup policy removes (DESIGN §6), in
 * GitLab's order: never `latest`; candidates are names fully matching the delete regex and not fully
 * matching the keep regex; newest first, the newest `keep_n` stay; those published within `older_than`
 * stay; the rest go. Pure: the API, the scheduler and the preview all call `planTagCleanup` with the
 * same inputs, which is what makes the preview exact.
 */
import { RE2JS } from 're2js';
import { badRequest } from '../errors.js';
import { parseDuration } from './duration.js';

export interface TagFacts {
  name: string;
  /** ISO-8601; null when the registry has no time for it (GitLab then treats it as brand new). */
  publishedAt: string | null;
}

export interface TagRules {
  /** `name_regex_delete` (or its alias `name_regex`); null or absent matches no tag. */
  nameRegexDelete: string | null;
  nameRegexKeep: string | null;
  keepN: number | null;
  olderThan: string | null;
}

/** Which parameter each rule came from, so a 400 names what the caller sent. */
export interface RuleParameterNames {
  nameRegexDelete: string;
  nameRegexKeep: string;
  olderThan: string;
}

const API_PARAMETERS: RuleParameterNames = {
  nameRegexDelete: 'name_regex_delete',
  nameRegexKeep: 'name_regex_keep',
  olderThan: 'older_than',
};

export type KeepReason = 'latest' | 'name' | 'keep_n' | 'older_than';

export interface TagPlan {
  /** Newest first (published time, then name). */
  delete: TagFacts[];
  /** Newest first, each with the first rule that kept it. */
  keep: Array<TagFacts & { reason: KeepReason }>;
}

export interface CompiledTagRules {
  matchesDelete(name: string): boolean;
  matchesKeep(name: string): boolean;
  keepN: number | null;
  olderThanMs: number | null;
}

/** Regex text is bounded so compiling it stays cheap; GitLab stores policy regexes in 255 characters. */
const MAX_REGEX_LENGTH = 255;

function compileRegex(pattern: string | null, parameter: string): (name: string) => boolean {
  if (pattern === null || pattern === '') return () => false;
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw badRequest(`${parameter} is an invalid regexp: longer than ${MAX_REGEX_LENGTH} characters`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badRequest(`${parameter} is an invalid regexp: ${reason}`);
  }
  // A full match: the whole name, as if the pattern were `\A(?:pattern)\z`.
  return (name) => compiled.testExact(name);
}

/** Checks and compiles the rules; a bad regex or duration is a 400 that names its parameter. */
export function compileTagRules(
  rules: TagRules,
  parameters: RuleParameterNames = API_PARAMETERS,
): CompiledTagRules {
  let olderThanMs: number | null = null;
  if (rules.olderThan !== null && rules.olderThan !== '') {
    const parsed = parseDuration(rules.olderThan);
    if (parsed === undefined) {
      throw badRequest(
        `${parameters.olderThan} is not a duration: use a number and a unit, such as 1h, 7d or 1month`,
      );
    }
    olderThanMs = parsed;
  }
  if (rules.keepN !== null && (!Number.isInteger(rules.keepN) || rules.keepN < 0)) {
    throw badRequest('keep_n must be a whole number, 0 or more');
  }
  return {
    matchesDelete: compileRegex(rules.nameRegexDelete, parameters.nameRegexDelete),
    matchesKeep: compileRegex(rules.nameRegexKeep, parameters.nameRegexKeep),
    keepN: rules.keepN,
    olderThanMs,
  };
}

/** Which tags go and which stay, and why each stays. */
export function planTagCleanup(tags: readonly TagFacts[], rules: CompiledTagRules, now: Date): TagPlan {
  // An unknown time counts as now, as in GitLab; equal times are ordered by name so runs are repeatable.
  const timed = tags.map((tag) => {
    const parsed = tag.publishedAt === null ? Number.NaN : Date.parse(tag.publishedAt);
    return { tag, time: Number.isNaN(parsed) ? now.getTime() : parsed };
  });
  timed.sort((a, b) => b.time - a.time || (a.tag.name < b.tag.name ? -1 : a.tag.name > b.tag.name ? 1 : 0));
  const cutoff = rules.olderThanMs === null ? null : now.getTime() - rules.olderThanMs;
  const plan: TagPlan = { delete: [], keep: [] };
  let candidates = 0;
  for (const { tag, time } of timed) {
    const keep = (reason: KeepReason) => plan.keep.push({ ...tag, reason });
    if (tag.name === 'latest') {
      keep('latest');
    } else if (!rules.matchesDelete(tag.name) || rules.matchesKeep(tag.name)) {
      keep('name');
    } else if (rules.keepN !== null && candidates++ < rules.keepN) {
      keep('keep_n');
    } else if (cutoff !== null && time >= cutoff) {
      keep('older_than');
    } else {
      plan.delete.push(tag);
    }
  }
  return plan;
}
