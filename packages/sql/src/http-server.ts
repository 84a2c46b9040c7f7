import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * An HTTP server whose idle keep-alive connections stay open for `idleTimeoutMs` while clients are
 * told a quarter of it. Closing an idle connection races with a request the client sends on it at
 * that moment: the request meets a closed socket and gets no answer. Only the client knows when it
 * will send, so the client must be the side that closes: clients that read the `Keep-Alive` header
 * close at a quarter of the timeout (Node's fetch at the announced time less 2 s, so a client
 * running a few seconds late stays safe), and those that do not (Go's 90 s in docker, skopeo and
 * containerd, a balancer's pool) close within a timeout of 120 s. Node 24 added the same idea as
 * `keepAliveTimeoutBuffer`; Node 20 announces exactly the timeout it enforces.
 */
export function createKeepAliveServer(idleTimeoutMs: number, listener: RequestListener): Server {
  const announced = `timeout=${Math.floor(idleTimeoutMs / 4000)}`;
  return createServer({ keepAliveTimeout: idleTimeoutMs }, (req, res) => {
    res.setHeader('Keep-Alive', announced);
    listener(req, res);
  });
}
