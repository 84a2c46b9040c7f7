/**
 * The OCI distribution error codes Berth answers with: the spec's table, plus
 * distribution's `PAGINATION_NUMBER_INVALID`, `TAG_INVALID`, `RANGE_INVALID` and, for the
 * `/berth/v1/` API, GitLab's `INVALID_QUERY_PARAMETER_VALUE` and `INVALID_REQUEST_BODY`.
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
  | 'INVALID_REQUEST_BODY';

export interface RegistryErrorEntry {
  code: RegistryErrorCode;
  message: string;
  detail?: unknown;
}

/**
 * A refusal the client caused. `status` overrides the code's default status
 * (e.g. 416 for an out-of-order chunk, 413 for an oversized manifest).
 */
export class RegistryError extends Error {
  constructor(
    readonly entries: [RegistryErrorEntry, ...RegistryErrorEntry[]],
    readonly status?: number,
  ) {
    super(entries[0].message);
  }

  get code(): RegistryErrorCode {
    return this.entries[0].code;
  }
}

export function registryError(
  code: RegistryErrorCode,
  message: string,
  options: { detail?: unknown; status?: number } = {},
): RegistryError {
  const entry: RegistryErrorEntry =
    options.detail === undefined ? { code, message } : { code, message, detail: options.detail };
  return new RegistryError([entry], options.status);
}
