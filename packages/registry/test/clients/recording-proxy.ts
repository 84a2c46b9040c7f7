import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** path and query, as the client sent it */
  url: string;
  status: number;
}

export interface RecordingProxy {
  /** e.g. 127.0.0.1:40123: point the client here instead of at the registry */
  host: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * A loopback pass-through in front of a registry that records what a real client asked and what
 * the registry answered, so a test can prove which protocol path (mount, PATCH upload…) was taken.
 * The Host header is passed unchanged, so absolute Location URLs point back at the proxy.
 */
export async function startRecordingProxy(target: { host: string }): Promise<RecordingProxy> {
  const [hostname, port] = target.host.split(':') as [string, string];
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const upstream = request(
      {
        hostname,
        port: Number(port),
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        requests.push({
          method: incoming.method ?? '',
          url: incoming.url ?? '',
          status: response.statusCode ?? 0,
        });
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
