/**
 * The server's TLS certificate chain and private key, read once at start and checked by building a
 * secure context, so a wrong file is a clear start-up error (naming the flag and file, never the key).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

export interface TlsFiles { cert: Buffer; key: Buffer }

export class TlsFileError extends Error { override name = 'TlsFileError'; }

export async function loadTlsFiles(certFile: string, keyFile: string): Promise<TlsFiles> {
  const read = async (file: string, flag: string) => {
    try {
      return await readFile(file);
    } catch (e) {
      throw new TlsFileError(`cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
    }
  };
  const files = { cert: await read(certFile, '--tls-cert'), key: await read(keyFile, '--tls-key') };
  try {
    createSecureContext(files);
  } catch (e) {
    const reason = (e as Error).message.replace(/^error:[0-9A-F]+:/i, '');
    throw new TlsFileError(`--tls-cert ${certFile} / --tls-key ${keyFile} are not a usable PEM certificate and matching key (${reason})`);
  }
  return files;
}
