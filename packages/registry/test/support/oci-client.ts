import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** Media types the conformance tests push and negotiate. */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Every manifest type, for an `Accept` header that takes whatever is stored. */
export const ACCEPT_ALL_MANIFESTS = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
].join(', ');

/** The OCI empty descriptor's content (`{}`), whose digest the image spec fixes. */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface OciErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Random bytes: every test blob is unique, so no test sees another's content by accident. */
export function randomBlob(size = 64): Buffer {
  return randomBytes(size);
}

export function descriptorOf(mediaType: string, content: Uint8Array | string): Descriptor {
  return { mediaType, digest: sha256(content), size: Buffer.byteLength(content) };
}

/** A lowercase random name segment, valid in repository names and tags. */
export function randomName(prefix = 'repo'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Parses the spec's error body; throws (failing the test) if the body is not `{ errors: [{ code }] }`. */
export async function readOciErrors(response: Response): Promise<OciErrorEntry[]> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${response.status} body is not JSON: ${text.slice(0, 200)}`);
  }
  return ociErrorsOf(body, response.status);
}

export function ociErrorsOf(body: unknown, status: number): OciErrorEntry[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    throw new Error(`${status} body has no errors array: ${JSON.stringify(body).slice(0, 200)}`);
  }
  for (const entry of errors) {
    if (typeof entry?.code !== 'string' || !/^[A-Z_]+$/.test(entry.code)) {
      throw new Error(`${status} error entry has no upper-case code: ${JSON.stringify(entry)}`);
    }
  }
  return errors as OciErrorEntry[];
}

export interface ImageManifestInput {
  config: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  mediaType?: string;
}

export function imageManifest(input: ImageManifestInput): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: input.mediaType ?? MediaType.ociManifest,
    ...(input.artifactType ? { artifactType: input.artifactType } : {}),
    config: input.config,
    layers: input.layers ?? [],
    ...(input.subject ? { subject: input.subject } : {}),
    ...(input.annotations ? { annotations: input.annotations } : {}),
  };
}

export function imageIndex(input: {
  manifests: Descriptor[];
  mediaType?: string;
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: input.mediaType ?? MediaType.ociIndex,
    ...(input.artifactType ? { artifactType: input.artifactType } : {}),
    manifests: input.manifests,
    ...(input.subject ? { subject: input.subject } : {}),
    ...(input.annotations ? { annotations: input.annotations } : {}),
  };
}

export interface PushedManifest {
  digest: string;
  body: Buffer;
  mediaType: string;
  descriptor: Descriptor;
  response: Response;
}

export interface PushedImage extends PushedManifest {
  config: Buffer;
  layers: Buffer[];
}

/** A small client for the distribution API; it asserts nothing, the tests do. */
export class OciClient {
  constructor(readonly baseUrl: string) {}

  /** Resolves a (possibly relative) `Location` against the registry. */
  url(pathOrLocation: string): URL {
    return new URL(pathOrLocation, this.baseUrl);
  }

  fetch(pathOrLocation: string | URL, init: RequestInit = {}): Promise<Response> {
    return fetch(typeof pathOrLocation === 'string' ? this.url(pathOrLocation) : pathOrLocation, {
      redirect: 'manual',
      ...init,
    });
  }

  /** `Location` plus extra query parameters, keeping any the registry put there (e.g. a signed state). */
  withQuery(location: string, params: Record<string, string>): URL {
    const url = this.url(location);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url;
  }

  /** POST /blobs/uploads/ and the session `Location`; throws unless 202. */
  async startUpload(repo: string): Promise<string> {
    const response = await this.fetch(`/v2/${repo}/blobs/uploads/`, {
      method: 'POST',
      headers: { 'content-length': '0' },
    });
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (response.status !== 202 || !location) {
      throw new Error(`POST upload in ${repo}: ${response.status}, location ${location}`);
    }
    return location;
  }

  patchChunk(location: string, chunk: Buffer, start?: number): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (start !== undefined) headers['content-range'] = `${start}-${start + chunk.length - 1}`;
    return this.fetch(location, { method: 'PATCH', headers, body: chunk });
  }

  putUpload(location: string, digest: string, body?: Buffer, extraHeaders: Record<string, string> = {}) {
    return this.fetch(this.withQuery(location, { digest }), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', ...extraHeaders },
      body: body ?? Buffer.alloc(0),
    });
  }

  /** POST then PUT (the monolithic upload); returns the blob's digest; throws unless 201. */
  async pushBlob(repo: string, data: Buffer): Promise<string> {
    const digest = sha256(data);
    const location = await this.startUpload(repo);
    const response = await this.putUpload(location, digest, data);
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`PUT blob in ${repo}: ${response.status}`);
    return digest;
  }

  /** POST, PATCH chunks with Content-Range, PUT with no body; throws unless every step succeeds. */
  async pushBlobChunked(repo: string, data: Buffer, chunkSize: number): Promise<string> {
    const digest = sha256(data);
    let location = await this.startUpload(repo);
    for (let start = 0; start < data.length; start += chunkSize) {
      const response = await this.patchChunk(location, data.subarray(start, start + chunkSize), start);
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`PATCH at ${start} in ${repo}: ${response.status}`);
      location = response.headers.get('location') ?? location;
    }
    const response = await this.putUpload(location, digest);
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`closing PUT in ${repo}: ${response.status}`);
    return digest;
  }

  /** PUT a manifest (an object is serialised as-is, a Buffer sent byte for byte); does not throw on refusal. */
  async putManifest(
    repo: string,
    reference: string | undefined,
    manifest: Record<string, unknown> | Buffer,
    mediaType?: string,
  ): Promise<PushedManifest> {
    const body = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
    const type =
      mediaType ??
      (Buffer.isBuffer(manifest)
        ? MediaType.ociManifest
        : String(manifest.mediaType ?? MediaType.ociManifest));
    const digest = sha256(body);
    const response = await this.fetch(`/v2/${repo}/manifests/${reference ?? digest}`, {
      method: 'PUT',
      headers: { 'content-type': type },
      body,
    });
    return {
      digest,
      body,
      mediaType: type,
      descriptor: { mediaType: type, digest, size: body.length },
      response,
    };
  }

  /** Like putManifest, but throws unless 201 (for setting up state other tests read). */
  async pushManifest(
    repo: string,
    reference: string | undefined,
    manifest: Record<string, unknown> | Buffer,
    mediaType?: string,
  ): Promise<PushedManifest> {
    const pushed = await this.putManifest(repo, reference, manifest, mediaType);
    if (pushed.response.status !== 201) {
      throw new Error(
        `PUT manifest ${repo}:${reference}: ${pushed.response.status} ${await pushed.response.text()}`,
      );
    }
    await pushed.response.arrayBuffer();
    return pushed;
  }

  /** Pushes a random config and layers, then an OCI (or Docker) image manifest under `reference`. */
  async pushImage(
    repo: string,
    reference: string | undefined,
    options: {
      layers?: number;
      docker?: boolean;
      annotations?: Record<string, string>;
      subject?: Descriptor;
    } = {},
  ): Promise<PushedImage> {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomName('c') }),
    );
    const layers = Array.from({ length: options.layers ?? 1 }, () => randomBlob(128));
    await this.pushBlob(repo, config);
    for (const layer of layers) await this.pushBlob(repo, layer);
    const docker = options.docker ?? false;
    const manifest = imageManifest({
      mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
      config: descriptorOf(docker ? MediaType.dockerConfig : MediaType.ociConfig, config),
      layers: layers.map((layer) => descriptorOf(docker ? MediaType.dockerLayer : MediaType.ociLayer, layer)),
      subject: options.subject,
      annotations: options.annotations,
    });
    const pushed = await this.pushManifest(repo, reference, manifest);
    return { ...pushed, config, layers };
  }

  /** GET /tags/list; the parsed body and the response. */
  async listTags(
    repo: string,
    query = '',
  ): Promise<{ response: Response; tags: string[] | null | undefined }> {
    const response = await this.fetch(`/v2/${repo}/tags/list${query}`);
    const body =
      response.status === 200 ? ((await response.json()) as { tags?: string[] | null }) : undefined;
    return { response, tags: body?.tags };
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request with the path sent exactly as given (fetch would normalise `..` and
 * percent-escapes). A response that arrives before the body is fully written still
 * counts; a connection closed with no response resolves with status 0.
 */
export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: RawResponse) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', () =>
          finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', () => setTimeout(() => finish({ status: 0, headers: {}, body: Buffer.alloc(0) }), 50));
    if (options.body) req.write(options.body);
    req.end();
  });
}

/** Parses the `<url>; rel="next"` of a `Link` header into a path with query. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  if (!match?.[1]) return undefined;
  const url = new URL(match[1], 'http://registry.invalid');
  return `${url.pathname}${url.search}`;
}
