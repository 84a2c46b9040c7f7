import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Empty when the body was discarded. */
  body: Buffer;
  bodyBytes: number;
}

export interface RequestOptions {
  headers?: http.OutgoingHttpHeaders;
  body?: Buffer;
  /** Write the body in slices this big, waiting for 'drain' (socket backpressure) between them. */
  writeSlice?: number;
  /** Count the response bytes without keeping them (blob pulls). */
  discardBody?: boolean;
}

const MAX_SOCKETS = 64;

/** 64 KiB slices: a multiple of the stream highWaterMark, small enough to keep backpressure real. */
const DEFAULT_SLICE = 64 * 1024;

/**
 * A minimal OCI distribution client on node:http with keep-alive: the same code drives both
 * registries, and node:http is much lighter than fetch for many small requests.
 */
export class OciClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

  constructor(readonly baseUrl: string) {}

  close() {
    this.agent.destroy();
  }

  /**
   * One request. A kept-alive socket may have been closed by the server while this process was
   * busy (the machine-limits family blocks it for seconds); a request sent on such a socket, and
   * only such a request, is sent again, as Node's documentation advises. Each attempt uses up one
   * of the pool's stale sockets, so there are at most as many retries as the pool holds.
   */
  async request(method: string, target: string | URL, options: RequestOptions = {}): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(method, target, options);
      } catch (error) {
        if (!(error instanceof StaleSocketError) || attempt >= MAX_SOCKETS) throw error;
      }
    }
  }

  private send(method: string, target: string | URL, options: RequestOptions): Promise<Reply> {
    const url = new URL(target, this.baseUrl);
    const body = options.body;
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request(url, {
        method,
        agent: this.agent,
        headers: { 'content-length': body?.length ?? 0, ...options.headers },
      });
      req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      let answered = false;
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && error.code === 'ECONNRESET' && !answered;
        reject(stale ? new StaleSocketError(error.message) : error);
      });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let bodyBytes = 0;
        res.on('data', (chunk: Buffer) => {
          bodyBytes += chunk.length;
          if (!options.discardBody) chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            bodyBytes,
          }),
        );
      });
      if (!body || body.length === 0) {
        req.end();
        return;
      }
      const slice = options.writeSlice ?? DEFAULT_SLICE;
      (async () => {
        for (let offset = 0; offset < body.length; offset += slice) {
          if (!req.write(body.subarray(offset, offset + slice))) await once(req, 'drain');
        }
        req.end();
      })().catch(reject);
    });
  }

  /** Like request, but throws unless the status is the expected one. */
  async expect(status: number, method: string, target: string | URL, options?: RequestOptions) {
    const reply = await this.request(method, target, options);
    if (reply.status !== status) {
      const path = new URL(target, this.baseUrl).pathname;
      throw new Error(
        `${method} ${path}: expected ${status}, got ${reply.status} ${reply.body.toString().slice(0, 300)}`,
      );
    }
    return reply;
  }

  /** Opens an upload session; returns its Location. */
  async startUpload(repo: string): Promise<URL> {
    return this.location(await this.expect(202, 'POST', `/v2/${repo}/blobs/uploads/`));
  }

  /** Monolithic push: POST, then one PUT carrying the whole blob. */
  async pushBlob(repo: string, data: Buffer, digest: string, writeSlice?: number) {
    const upload = await this.startUpload(repo);
    await this.expect(201, 'PUT', withDigest(upload, digest), {
      body: data,
      writeSlice,
      headers: { 'content-type': 'application/octet-stream' },
    });
  }

  /** Chunked push: PATCH each chunk with its Content-Range, following each new Location, then PUT. */
  async pushBlobChunked(repo: string, data: Buffer, digest: string, chunkBytes: number, writeSlice?: number) {
    let upload = await this.startUpload(repo);
    for (let start = 0; start < data.length; start += chunkBytes) {
      const chunk = data.subarray(start, start + chunkBytes);
      const reply = await this.expect(202, 'PATCH', upload, {
        body: chunk,
        writeSlice,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${start}-${start + chunk.length - 1}`,
        },
      });
      upload = this.location(reply);
    }
    await this.expect(201, 'PUT', withDigest(upload, digest));
  }

  /** Cross-repository mount when the registry offers it, a plain upload when it answers 202. */
  async mountBlob(repo: string, from: string, data: Buffer, digest: string) {
    const query = new URLSearchParams({ mount: digest, from });
    const reply = await this.request('POST', `/v2/${repo}/blobs/uploads/?${query}`);
    if (reply.status === 201) return;
    if (reply.status !== 202) throw new Error(`mount into ${repo}: ${reply.status} ${reply.body}`);
    await this.expect(201, 'PUT', withDigest(this.location(reply), digest), { body: data });
  }

  async putManifest(repo: string, reference: string, manifest: Buffer, mediaType = OCI_MANIFEST) {
    await this.expect(201, 'PUT', `/v2/${repo}/manifests/${reference}`, {
      body: manifest,
      headers: { 'content-type': mediaType },
    });
  }

  /** GETs path and each `Link: <…>; rel="next"` after it; returns the parsed pages. */
  async walk<T>(path: string): Promise<T[]> {
    const pages: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const reply = await this.expect(200, 'GET', next);
      pages.push(JSON.parse(reply.body.toString()) as T);
      next = nextLink(reply.headers.link);
    }
    return pages;
  }

  private location(reply: Reply): URL {
    const location = reply.headers.location;
    if (!location) throw new Error(`no Location in a ${reply.status} reply`);
    return new URL(location, this.baseUrl);
  }
}

/** The server had closed the kept-alive socket a request went out on. */
class StaleSocketError extends Error {}

export function withDigest(upload: URL, digest: string): URL {
  const url = new URL(upload);
  url.searchParams.set('digest', digest);
  return url;
}

export function nextLink(link: string | string[] | undefined): string | undefined {
  const value = Array.isArray(link) ? link.join(', ') : link;
  return value ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(value)?.[1] : undefined;
}
