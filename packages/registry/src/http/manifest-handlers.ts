import type { IncomingMessage } from 'node:http';
import { registryError } from '../core/errors.js';
import { MANIFEST_MAX_BYTES } from '../core/media-types.js';
import { headerValue, methodNotAllowed } from './request.js';
import type { RequestContext } from './request-context.js';
import { sendEmpty } from './respond.js';

export async function handleManifest(
  context: RequestContext,
  method: string,
  name: string,
  reference: string,
) {
  const { registry, req, res } = context;
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const manifest = await registry.getManifest(name, reference);
      if (!accepts(headerValue(req, 'accept'), manifest.mediaType)) {
        throw registryError(
          'MANIFEST_UNKNOWN',
          'the manifest exists only in a media type the client does not accept',
          {
            detail: { mediaType: manifest.mediaType, accept: headerValue(req, 'accept')?.slice(0, 300) },
          },
        );
      }
      res.writeHead(200, {
        'Content-Type': manifest.mediaType,
        'Content-Length': manifest.payload.length,
        'Docker-Content-Digest': manifest.digest,
        ETag: `"${manifest.digest}"`,
      });
      res.end(method === 'GET' ? manifest.payload : undefined);
      return;
    }
    case 'PUT': {
      const payload = await readManifestBody(req);
      const { digest, subject } = await registry.putManifest(
        name,
        reference,
        headerValue(req, 'content-type'),
        payload,
      );
      return sendEmpty(res, 201, {
        Location: `/v2/${name}/manifests/${digest}`,
        'Docker-Content-Digest': digest,
        ...(subject ? { 'OCI-Subject': subject } : {}),
      });
    }
    case 'DELETE':
      await registry.deleteManifest(name, reference);
      return sendEmpty(res, 202);
    default:
      throw methodNotAllowed(method, ['GET', 'HEAD', 'PUT', 'DELETE']);
  }
}

/**
 * Manifests are served as stored; a client that lists types and none matches
 * gets MANIFEST_UNKNOWN rather than bytes it cannot parse.
 */
function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(',').map((entry) => entry.split(';')[0]!.trim().toLowerCase());
  return types.some(
    (type) => type === mediaType || type === '*/*' || type === 'application/*' || type === '',
  );
}

async function readManifestBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(headerValue(req, 'content-length') ?? Number.NaN);
  if (declared > MANIFEST_MAX_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MANIFEST_MAX_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge() {
  return registryError('BODY_TOO_LARGE', `manifest is larger than ${MANIFEST_MAX_BYTES} bytes`, {
    detail: { limit: MANIFEST_MAX_BYTES },
  });
}
