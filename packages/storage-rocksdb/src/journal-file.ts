import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalFile } from '@shoal/storage';

/** A new journal file starts this large, zero-filled; it grows as its laps need. */
const JOURNAL_INITIAL_BYTES = 1024 * 1024;
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

/**
 * The journal's file on disk. Every byte a record may land on was written (zeros) and its length
 * made durable beforehand, so a record's fdatasync writes data only, never the inode. A new file
 * is zero-filled under a temporary name and renamed into place: a crash while creating it leaves
 * no half-made journal behind.
 */
export function openJournalFile(path: string): JournalFile {
  if (!existsSync(path)) {
    const temporary = `${path}.new`;
    const fd = openSync(temporary, 'w');
    try {
      writeZeros(fd, 0, JOURNAL_INITIAL_BYTES);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    syncDirectory(dirname(path));
  }
  return new DiskJournalFile(openSync(path, 'r+'));
}

class DiskJournalFile implements JournalFile {
  size: number;

  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }

  readAll(): Uint8Array {
    const bytes = Buffer.allocUnsafe(this.size);
    let read = 0;
    while (read < this.size) {
      const count = readSync(this.fd, bytes, read, this.size - read, read);
      if (count === 0) break;
      read += count;
    }
    return bytes.subarray(0, read);
  }

  write(bytes: Uint8Array, offset: number): void {
    writeFully(this.fd, bytes, offset);
  }

  sync(): void {
    fdatasyncSync(this.fd);
  }

  extend(size: number): void {
    if (size <= this.size) return;
    writeZeros(this.fd, this.size, size);
    fsyncSync(this.fd);
    this.size = size;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function writeZeros(fd: number, from: number, to: number): void {
  for (let offset = from; offset < to; offset += ZERO_CHUNK.length) {
    writeFully(fd, ZERO_CHUNK.subarray(0, Math.min(ZERO_CHUNK.length, to - offset)), offset);
  }
}

function writeFully(fd: number, bytes: Uint8Array, offset: number): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, offset + written);
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
