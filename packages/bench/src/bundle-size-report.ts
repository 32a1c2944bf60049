import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '@retail/cli';
import { listServiceDirs, SERVERLESS_CLI } from '@retail/local-platform';

/**
 * `npm run bundle-size`: `sls package --stage dev` of every service (offline, fake credentials, into a temporary
 * folder so no service's .serverless/ is touched), then each artifact's zipped size and what its zip holds: the
 * functions' bundles (JavaScript) and their source maps.
 */

interface ZipEntry {
  name: string;
  compressed: number;
  uncompressed: number;
}

interface Artifact {
  service: string;
  zip: string;
  bytes: number;
  entries: ZipEntry[];
}

const PACKAGE_TIMEOUT_MS = 300_000;
// Two at a time: each `sls package` runs esbuild on every function, and CPUs are few.
const PACKAGES_IN_FLIGHT = 2;

async function main(): Promise<number> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'bundle-size-'));
  try {
    const services = await servicesWithConfig();
    const artifacts: Artifact[] = [];
    const queue = [...services];
    const worker = async () => {
      for (let service = queue.shift(); service !== undefined; service = queue.shift())
        artifacts.push(...(await packageService(service, outDir)));
    };
    await Promise.all(Array.from({ length: PACKAGES_IN_FLIGHT }, worker));
    printReport(artifacts.sort((a, b) => `${a.service}/${a.zip}`.localeCompare(`${b.service}/${b.zip}`)));
    return 0;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

async function servicesWithConfig(): Promise<string[]> {
  const dirs = await listServiceDirs();
  const hasConfig = await Promise.all(dirs.map(async (dir) => (await readdir(dir)).includes('serverless.yml')));
  return dirs.filter((_, index) => hasConfig[index]);
}

async function packageService(serviceDir: string, outDir: string): Promise<Artifact[]> {
  const service = path.basename(serviceDir);
  const target = path.join(outDir, service);
  const began = Date.now();
  await promisify(execFile)(process.execPath, [SERVERLESS_CLI, 'package', '--stage', 'dev', '--package', target], {
    cwd: serviceDir,
    // The framework resolves ${aws:...} with credentials present; `package` never calls AWS.
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
    timeout: PACKAGE_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(
      `sls package failed in ${serviceDir}: ${error.message}\n${error.stderr ?? ''}${error.stdout ?? ''}`.trim(),
    );
  });
  console.error(`packaged ${service} in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  const zips = (await readdir(target)).filter((file) => file.endsWith('.zip'));
  return Promise.all(
    zips.map(async (zip) => {
      const bytes = await readFile(path.join(target, zip));
      return { service, zip, bytes: bytes.length, entries: zipEntries(bytes) };
    }),
  );
}

/** The entries of a zip, from its central directory (what `unzip -l` lists). */
function zipEntries(zip: Buffer): ZipEntry[] {
  const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
  const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER)
      throw new Error(`zip central directory entry ${index} is malformed`);
    const nameLength = zip.readUInt16LE(offset + 28);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      compressed: zip.readUInt32LE(offset + 20),
      uncompressed: zip.readUInt32LE(offset + 24),
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

function printReport(artifacts: readonly Artifact[]): void {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const header = ['service', 'artifact', 'zipped', 'unzipped', 'bundle (.js)', 'source map'];
  const rows = artifacts.flatMap((artifact) => {
    const sum = (test: (entry: ZipEntry) => boolean) =>
      artifact.entries.filter(test).reduce((total, entry) => total + entry.uncompressed, 0);
    const bundles = artifact.entries.filter((entry) => entry.name.endsWith('.js'));
    return [
      [
        artifact.service,
        artifact.zip,
        kib(artifact.bytes),
        kib(sum(() => true)),
        kib(sum((e) => e.name.endsWith('.js'))),
        kib(sum((e) => e.name.endsWith('.map'))),
      ],
      // A service packaged as one zip holds every function's bundle: list them.
      ...(bundles.length > 1
        ? bundles.map((entry) => ['', `  ${entry.name}`, '', '', kib(entry.uncompressed), ''])
        : []),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

runCommand(main);
