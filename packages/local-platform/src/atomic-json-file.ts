import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes the value as JSON to a temporary file and renames it over `file`: a reader never sees half a file. */
export async function writeJsonFileAtomically(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(value, null, 2)}\n`);
  await rename(partial, file);
}

/** The file's JSON, or undefined when there is no file; a file that is not JSON fails with its path. */
export async function readJsonFileIfExists<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(
      `${file} is not JSON (${(error as Error).message}): delete it, or run \`npm start -- --fresh\` to recreate local state.`,
    );
  }
}
