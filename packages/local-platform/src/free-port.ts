import { createServer, type AddressInfo, type Server } from 'node:net';
import { LOOPBACK_HOST } from './platform-settings';

/** A port nothing listens on right now (the OS picks it), for children that must be told their port up front. */
export function findFreePort(host: string = LOOPBACK_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('No port assigned.')),
      );
    });
  });
}

/** Fails with what to change when `port` is taken, before a child process fails on it less clearly. */
export function assertPortFree(port: number, setting: string, host: string = LOOPBACK_HOST): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} on ${host} is already in use (${setting}): stop what listens there (another \`npm start\`?) or choose another port.`,
            )
          : error,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** Starts `server` listening; resolves with the port it got (the OS picks one for port 0). */
export function listenOn(server: Server, port: number, host: string = LOOPBACK_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
