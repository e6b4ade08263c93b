/**
 * A TCP proxy that puts a round-trip time in front of a port: every chunk is passed on half the RTT
 * after it arrived, in each direction, in order. What a hypervisor one to fifty milliseconds away
 * costs, on loopback (Toxiproxy's latency toxic does the same; this needs no daemon).
 */
import { createServer, connect, Socket, AddressInfo } from "net";

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

/** Writes what `from` sends to `to`, each chunk delayed by delayMs; order kept. */
function delayed(from: Socket, to: Socket, delayMs: number): void {
  from.on("data", (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
  from.on("end", () => setTimeout(() => to.end(), delayMs));
  from.on("error", () => to.destroy());
  from.on("close", () => setTimeout(() => to.destroy(), delayMs + 1));
}

export function startDelayProxy(targetPort: number, rttMs: number, host = "127.0.0.1"): Promise<DelayProxy> {
  const half = rttMs / 2;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ port: targetPort, host, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    delayed(client, upstream, half);
    delayed(upstream, client, half);
  });
  return new Promise((resolve) =>
    server.listen(0, host, () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}
