import { DIGEST_PATTERN } from '@berth/contract';
import { z } from 'zod';
import type { ManifestRecord } from '../meta/metadata-store.js';
import { digestOf } from './digest.js';
import { registryError } from './errors.js';
import { IMAGE_MANIFEST_TYPES, MANIFEST_TYPES } from './media-types.js';

const annotationsSchema = z.record(z.string(), z.string());

const descriptorSchema = z.object({
  mediaType: z.string().min(1),
  digest: z.string().regex(DIGEST_PATTERN, 'descriptor digest must be sha256:<64 hex> or sha512:<128 hex>'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: annotationsSchema.optional(),
  artifactType: z.string().optional(),
  platform: z
    .object({
      architecture: z.string(),
      os: z.string(),
      variant: z.string().optional(),
      'os.version': z.string().optional(),
    })
    .optional(),
});

const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});

/**
 * Parses and checks a pushed manifest. `contentType` is the request's Content-Type;
 * when the body names its own mediaType the two must agree.
 */
export function parseManifest(payload: Buffer, contentType: string | undefined): ManifestRecord {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    throw registryError('MANIFEST_INVALID', 'manifest is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw registryError('MANIFEST_INVALID', 'manifest must be a JSON object');
  }
  const declared = (json as { mediaType?: unknown }).mediaType;
  const headerType = contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
  const bodyType = typeof declared === 'string' ? declared : undefined;
  if (bodyType && headerType && MANIFEST_TYPES.has(headerType) && bodyType !== headerType) {
    throw registryError('MANIFEST_INVALID', 'Content-Type does not match the manifest mediaType', {
      detail: { contentType: headerType, mediaType: bodyType },
    });
  }
  const mediaType = bodyType ?? headerType;
  if (!mediaType || !MANIFEST_TYPES.has(mediaType)) {
    throw registryError('MANIFEST_INVALID', 'unsupported manifest media type', {
      detail: { mediaType: mediaType ?? null, supported: [...MANIFEST_TYPES] },
    });
  }
  const digest = digestOf(payload);

  if (IMAGE_MANIFEST_TYPES.has(mediaType)) {
    const manifest = checked(imageManifestSchema, json);
    // Foreign (non-distributable) layers live elsewhere and are not pushed to the registry.
    const layers = manifest.layers.filter((layer) => !(layer.urls && layer.urls.length > 0));
    return {
      digest,
      mediaType,
      artifactType: manifest.artifactType ?? null,
      configDigest: manifest.config.digest,
      configMediaType: manifest.config.mediaType,
      subjectDigest: manifest.subject?.digest ?? null,
      annotations: manifest.annotations ?? null,
      payload,
      blobDigests: [manifest.config.digest, ...layers.map((layer) => layer.digest)],
      children: [],
    };
  }
  const index = checked(indexSchema, json);
  return {
    digest,
    mediaType,
    artifactType: index.artifactType ?? null,
    configDigest: null,
    configMediaType: null,
    subjectDigest: index.subject?.digest ?? null,
    annotations: index.annotations ?? null,
    payload,
    blobDigests: [],
    children: index.manifests.map((child) => ({
      digest: child.digest,
      platform: child.platform
        ? [child.platform.os, child.platform.architecture, child.platform.variant].filter(Boolean).join('/')
        : null,
    })),
  };
}

function checked<T>(schema: z.ZodType<T>, json: unknown): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    throw registryError('MANIFEST_INVALID', 'manifest does not follow its media type', {
      detail: result.error.issues
        .slice(0, 10)
        .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data;
}
