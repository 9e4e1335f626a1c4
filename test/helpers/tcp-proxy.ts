import net from 'node:net';
import type { ExecutionContext } from 'ava';

/**
 * A TCP proxy in front of one real service, so a test can take "its" ZooKeeper or Redis away
 * (or make it go silent) without touching the instance every other test uses.
 */
export interface TcpProxy {
  /** host:port of the proxy. */
  address: string;
  port: number;
  /** Connections stay open but carry nothing, new ones too: a silent network. */
  freeze(): void;
  /** All connections are closed and new ones refused at once: the service is down. */
  cut(): void;
  /** Frozen or cut connections break; new connections pass again. */
  heal(): void;
}

/** `target` is `host:port` (the first of a ZooKeeper connect string) or a URL like redis://host:port. */
export interface TcpProxyOptions {
  /** Sees every chunk a client sends towards the service, per connection (numbered from 1). */
  tapUpstream?: (connection: number, data: Buffer) => void;
}

export async function startTcpProxy(t: ExecutionContext, target: string, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const { hostname: host, port } = target.includes('://') ? new URL(target) : new URL(`tcp://${target.split(',')[0]}`);
  const sockets = new Set<net.Socket>();
  let mode: 'pass' | 'frozen' | 'cut' = 'pass';
  let connections = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = net.createServer((downstream) => {
    track(downstream);
    if (mode === 'cut') return void downstream.destroy();
    if (mode === 'frozen') return; // accepted, never answered
    const upstream = net.connect(Number(port), host);
    const connection = ++connections;
    track(upstream);
    const pass = () => mode === 'pass';
    upstream.on('close', () => pass() && downstream.destroy());
    downstream.on('close', () => pass() && upstream.destroy());
    downstream.on('data', (data: Buffer) => {
      if (!pass()) return;
      options.tapUpstream?.(connection, data);
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => pass() && downstream.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = () => [...sockets].forEach((s) => s.destroy());
  t.teardown(() => {
    destroyAll();
    server.close();
  });
  const proxyPort = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${proxyPort}`,
    port: proxyPort,
    freeze: () => void (mode = 'frozen'),
    cut: () => {
      mode = 'cut';
      destroyAll();
    },
    heal: () => {
      mode = 'pass';
      destroyAll();
    },
  };
}
