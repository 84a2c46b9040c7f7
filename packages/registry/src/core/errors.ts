/**
 * The OCI distribution error codes Berth answers with: the spec's table, plus
 * distribution's `PAGINATION_NUMBER_INVALID`, `TAG_INVALID`, `RANGE_INVALID`, `UNKNOWN` and
 * `UNAVAILABLE` and, for the `/berth/v1/` API, GitLab's `INVALID_QUERY_PARAMETER_VALUE` and
 * `INVALID_REQUEST_BODY`.
 */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'PAGINATION_NUMBER_INVALID'
  | 'RANGE_INVALID'
  | 'TAG_INVALID'
  | 'INVALID_QUERY_PARAMETER_VALUE'
  | 'INVALID_REQUEST_BODY'
  | 'UNKNOWN'
  | 'UNAVAILABLE';

/**
 * The one place that gives every refusal its code and HTTP status. Most kinds are a code with
 * the spec's status; the named ones below answer a code with the status that case needs.
 */
export const ERROR_TABLE = {
  BLOB_UNKNOWN: { code: 'BLOB_UNKNOWN', status: 404 },
  BLOB_UPLOAD_INVALID: { code: 'BLOB_UPLOAD_INVALID', status: 400 },
  BLOB_UPLOAD_UNKNOWN: { code: 'BLOB_UPLOAD_UNKNOWN', status: 404 },
  DIGEST_INVALID: { code: 'DIGEST_INVALID', status: 400 },
  MANIFEST_BLOB_UNKNOWN: { code: 'MANIFEST_BLOB_UNKNOWN', status: 400 },
  MANIFEST_INVALID: { code: 'MANIFEST_INVALID', status: 400 },
  MANIFEST_UNKNOWN: { code: 'MANIFEST_UNKNOWN', status: 404 },
  NAME_INVALID: { code: 'NAME_INVALID', status: 400 },
  NAME_UNKNOWN: { code: 'NAME_UNKNOWN', status: 404 },
  SIZE_INVALID: { code: 'SIZE_INVALID', status: 400 },
  TAG_INVALID: { code: 'TAG_INVALID', status: 400 },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', status: 401 },
  DENIED: { code: 'DENIED', status: 403 },
  UNSUPPORTED: { code: 'UNSUPPORTED', status: 405 },
  TOOMANYREQUESTS: { code: 'TOOMANYREQUESTS', status: 429 },
  PAGINATION_NUMBER_INVALID: { code: 'PAGINATION_NUMBER_INVALID', status: 400 },
  RANGE_INVALID: { code: 'RANGE_INVALID', status: 416 },
  INVALID_QUERY_PARAMETER_VALUE: { code: 'INVALID_QUERY_PARAMETER_VALUE', status: 400 },
  INVALID_REQUEST_BODY: { code: 'INVALID_REQUEST_BODY', status: 400 },
  UNKNOWN: { code: 'UNKNOWN', status: 500 },
  UNAVAILABLE: { code: 'UNAVAILABLE', status: 503 },

  /** A path no API serves (GitLab answers a registry without its database the same way). */
  ENDPOINT_UNKNOWN: { code: 'UNSUPPORTED', status: 404 },
  /** Bytes the HTTP parser could not read as a request. */
  REQUEST_MALFORMED: { code: 'UNSUPPORTED', status: 400 },
  /** A request body that ended before its Content-Length. */
  BODY_TRUNCATED: { code: 'SIZE_INVALID', status: 400 },
  /** A manifest or JSON body above its limit. */
  BODY_TOO_LARGE: { code: 'SIZE_INVALID', status: 413 },
  /** A chunk that does not continue the upload, a bad Content-Range, or a second writer. */
  CHUNK_OUT_OF_ORDER: { code: 'BLOB_UPLOAD_INVALID', status: 416 },
  /** A manifest delete refused while an index of the repository references it. */
  MANIFEST_REFERENCED: { code: 'DENIED', status: 409 },
  /** A rename whose target name is taken. */
  NAME_TAKEN: { code: 'DENIED', status: 409 },
} as const satisfies Record<string, { code: RegistryErrorCode; status: number }>;

export type RegistryErrorKind = keyof typeof ERROR_TABLE;

export interface RegistryErrorEntry {
  code: RegistryErrorCode;
  message: string;
  detail?: unknown;
}

/** A refusal (or, for UNKNOWN, a failure), with the status its kind has in ERROR_TABLE. */
export class RegistryError extends Error {
  constructor(
    readonly entries: [RegistryErrorEntry, ...RegistryErrorEntry[]],
    readonly status: number,
  ) {
    super(entries[0].message);
  }

  get code(): RegistryErrorCode {
    return this.entries[0].code;
  }
}

export function registryError(
  kind: RegistryErrorKind,
  message: string,
  options: { detail?: unknown } = {},
): RegistryError {
  const { code, status } = ERROR_TABLE[kind];
  const entry: RegistryErrorEntry =
    options.detail === undefined ? { code, message } : { code, message, detail: options.detail };
  return new RegistryError([entry], status);
}

/** Several refusals of one kind in one answer, e.g. every blob a manifest lacks. */
export function registryErrors(
  kind: RegistryErrorKind,
  refusals: { message: string; detail: unknown }[],
): RegistryError {
  const { code, status } = ERROR_TABLE[kind];
  const [first, ...rest] = refusals.map((refusal) => ({ code, ...refusal }));
  if (!first) throw new Error('registryErrors needs at least one refusal');
  return new RegistryError([first, ...rest], status);
}
