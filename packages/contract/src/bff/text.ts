import { z } from 'zod';

/** Tabs and line breaks: text in a description, where every other control character is refused. */
const LINE_BREAKS = new Set([0x09, 0x0a, 0x0d]);
/** The bidirectional controls (embeddings, overrides, isolates, marks) that make text read unlike what it stores. */
const BIDI_CONTROLS = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);

/** C0 and C1 control characters: NUL, CR, LF, ESC, DEL, … */
const isControl = (code: number) => code <= 0x1f || (code >= 0x7f && code <= 0x9f);

function refuseHiddenCharacters(allowLineBreaks: boolean) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    let control = false;
    let bidi = false;
    for (const char of value) {
      const code = char.codePointAt(0) ?? 0;
      if (isControl(code) && !(allowLineBreaks && LINE_BREAKS.has(code))) control = true;
      if (BIDI_CONTROLS.has(code)) bidi = true;
    }
    if (control) ctx.addIssue({ code: 'custom', message: 'must not contain control characters' });
    if (bidi) ctx.addIssue({ code: 'custom', message: 'must not contain bidirectional override characters' });
  };
}

/** A display name (user, group, project, token): free Unicode text on one line, 1–255 characters. */
export const displayNameSchema = z.string().trim().min(1).max(255).superRefine(refuseHiddenCharacters(false));

/** A description: free Unicode text that may span lines, at most 2000 characters. */
export const descriptionSchema = z.string().max(2000).superRefine(refuseHiddenCharacters(true));

/**
 * User names that the credential routing treats specially (`/jwt/auth` sends `gitlab-ci-token` to job
 * tokens and `oauth2` to OAuth tokens) or that name the built-in admin. Compared case-insensitively.
 */
export const RESERVED_USERNAMES = ['root', 'gitlab-ci-token', 'oauth2'] as const;

export function isReservedUsername(name: string): boolean {
  return (RESERVED_USERNAMES as readonly string[]).includes(name.toLowerCase());
}
