import type { Readable } from 'node:stream';
import { registryError } from '../core/errors.js';
import { assertRepositoryName } from '../core/names.js';
import type { ByteRange } from '../core/registry.js';
import { headerValue, methodNotAllowed } from './request.js';
import type { RequestContext } from './request-context.js';
import { sendEmpty, sendRegistryError } from './respond.js';

export async function handleBlob(context: RequestContext, method: string, name: string, digest: string) {
  const { registry, req, res } = context;
  if (method === 'DELETE') {
    await registry.deleteBlob(name, digest);
    return sendEmpty(res, 202, { 'Docker-Content-Digest': digest });
  }
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, ['GET', 'HEAD', 'DELETE']);
  const { size } = await registry.statBlob(name, digest);
  if (method === 'GET') {
    // The bytes come straight from storage (a presigned URL): the registry only checked access.
    const redirect = await registry.blobRedirect(digest);
    if (redirect) return sendEmpty(res, 307, { Location: redirect, 'Docker-Content-Digest': digest });
  }
  const range = parseRange(headerValue(req, 'range'), size);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    ETag: `"${digest}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  if (range === 'unsatisfiable') {
    const error = registryError('RANGE_INVALID', 'requested range not satisfiable', {
      detail: { size, range: headerValue(req, 'range')?.slice(0, 100) },
    });
    // RFC 9110: a 416 names the current size, so a resuming client can start over.
    return sendRegistryError(res, error, { 'Content-Range': `bytes */${size}` });
  }
  const length = range ? range.end - range.start + 1 : size;
  if (method === 'HEAD') {
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Length': length,
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    res.end();
    return;
  }
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Length': length,
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  });
  // An empty range read is impossible to express; a zero-byte blob is sent as an empty 200.
  if (size > 0) await registry.sendBlob(name, digest, res, range);
  res.end();
}

/** `Range: bytes=a-b | a- | -n` (a single range); undefined means "send it all". */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export async function handleUploads(context: RequestContext, method: string, name: string) {
  const { registry, req, res, query } = context;
  if (method !== 'POST') throw methodNotAllowed(method, ['POST']);
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount !== null && from !== null) {
    assertRepositoryName(from);
    if ((await context.may(from, ['pull'])) && (await registry.mountBlob(name, mount, from))) {
      return sendBlobCreated(context, name, mount);
    }
  }
  const digest = query.get('digest');
  if (digest !== null) {
    await registry.putBlob(name, digest, req);
    return sendBlobCreated(context, name, digest);
  }
  req.resume();
  const upload = await registry.startUpload(name);
  sendEmpty(res, 202, uploadHeaders(name, upload.id, upload.size));
}

export async function handleUpload(context: RequestContext, method: string, name: string, id: string) {
  const { registry, req, res, query } = context;
  switch (method) {
    case 'GET': {
      const upload = await registry.getUpload(name, id);
      return sendEmpty(res, 204, uploadHeaders(name, id, upload.size));
    }
    case 'PATCH': {
      const range = chunkRange(context);
      const upload = await registry.appendUpload(name, id, req, range);
      return sendEmpty(res, 202, uploadHeaders(name, id, upload.size));
    }
    case 'PUT': {
      const digest = query.get('digest');
      if (digest === null) {
        throw registryError('DIGEST_INVALID', 'the digest query parameter is required to complete an upload');
      }
      const range = chunkRange(context);
      const hasBody =
        Number(headerValue(req, 'content-length') ?? 0) > 0 || headerValue(req, 'transfer-encoding');
      await registry.completeUpload(name, id, digest, hasBody ? (req as Readable) : undefined, range);
      return sendBlobCreated(context, name, digest);
    }
    case 'DELETE':
      await registry.cancelUpload(name, id);
      return sendEmpty(res, 204);
    default:
      throw methodNotAllowed(method, ['GET', 'PATCH', 'PUT', 'DELETE']);
  }
}

/** `Content-Range: <start>-<end>` of a chunk, checked against `Content-Length`. */
function chunkRange({ req }: RequestContext): ByteRange | undefined {
  const header = headerValue(req, 'content-range');
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(header.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || end < start) {
    throw registryError('CHUNK_OUT_OF_ORDER', 'Content-Range must be <start>-<end>', {
      detail: { contentRange: header.slice(0, 100) },
    });
  }
  const length = headerValue(req, 'content-length');
  if (length !== undefined && Number(length) !== end - start + 1) {
    throw registryError('SIZE_INVALID', 'Content-Length does not match Content-Range', {
      detail: { contentRange: header.slice(0, 100), contentLength: length.slice(0, 30) },
    });
  }
  return { start, end };
}

function uploadHeaders(name: string, id: string, size: number) {
  return {
    Location: `/v2/${name}/blobs/uploads/${id}`,
    // The distribution convention: an empty upload reports 0-0.
    Range: `0-${Math.max(size - 1, 0)}`,
    'Docker-Upload-UUID': id,
  };
}

function sendBlobCreated({ res }: RequestContext, name: string, digest: string): void {
  sendEmpty(res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}
