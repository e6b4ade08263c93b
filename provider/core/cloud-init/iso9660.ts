/**
 * A small ISO 9660 (ECMA-119) image writer and reader, for read-only seed disks such as cloud-init's
 * NoCloud "cidata" volume: one flat root directory, listed twice over the same file data, once with
 * level-1 8.3 names (the Primary Volume Descriptor) and once with Joliet's UCS-2 names (a
 * Supplementary Volume Descriptor), which are the names Linux and cloud-init see.
 *
 * Pure (Buffer only) and deterministic: the same volume id, files and date give the same bytes, so
 * an unchanged seed is never seen as a change.
 */

export interface IsoFile {
  name: string;
  data: Buffer;
}

export interface IsoImage {
  volumeId: string;
  files: Map<string, Buffer>;
}

const SECTOR = 2048;
/** ECMA-119 6.2.1: sectors 0 to 15 are the System Area; the volume descriptor set starts at 16. */
const PVD_SECTOR = 16;
const SVD_SECTOR = 17;
const TERMINATOR_SECTOR = 18;
/** One sector per path table: a root-only table is 10 bytes (ECMA-119 9.4). */
const PATH_TABLES = { primaryL: 19, primaryM: 20, jolietL: 21, jolietM: 22 };
const FIRST_DIRECTORY_SECTOR = 23;
const PATH_TABLE_BYTES = 10;
const DIRECTORY_FLAG = 0x02;
const MULTI_EXTENT_FLAG = 0x80;
/** Joliet's UCS-2 level 3 escape sequence, in the SVD's escape sequences field (ECMA-119 8.5.6). */
const JOLIET_ESCAPES = ["%/@", "%/C", "%/E"];
const APPLICATION_ID = "PULUMI-SEV";
/** The timestamp every record carries when no date is given: fixed, so the image is reproducible. */
export const ISO_EPOCH = new Date(Date.UTC(2000, 0, 1));

const VOLUME_ID = /^[A-Za-z0-9_]{1,32}$/;
const JOLIET_MAX_CHARS = 64;
/** Joliet forbids control characters and * / : ; ? \ in names. */
const JOLIET_FORBIDDEN = /[\p{Cc}*/:;?\\]/u;

interface Entry {
  name: string;
  shortName: string;
  /** ECMA-119 9.3's order: the name, then the extension, each padded with spaces. */
  shortKey: string;
  data: Buffer;
  extent: number;
}

interface Tree {
  root: number;
  rootBytes: number;
  pathL: number;
  pathM: number;
}

/** The image: system area, PVD, Joliet SVD, terminator, four path tables, the two root directories, then the files. */
export function buildIso9660(volumeId: string, files: IsoFile[], date: Date = ISO_EPOCH): Buffer {
  checkVolumeId(volumeId);
  checkFiles(files);
  checkDate(date);
  const entries = [...files].sort((a, b) => compare(a.name, b.name)).map(entryOf(new Set()));
  const primaryFiles = [...entries].sort((a, b) => compare(a.shortKey, b.shortKey)).map((entry) => ({ id: Buffer.from(entry.shortName, "ascii"), entry }));
  const jolietFiles = entries.map((entry) => ({ id: ucs2(entry.name), entry }));
  const primary: Tree = { root: FIRST_DIRECTORY_SECTOR, rootBytes: directoryBytes(primaryFiles), pathL: PATH_TABLES.primaryL, pathM: PATH_TABLES.primaryM };
  const joliet: Tree = {
    root: primary.root + primary.rootBytes / SECTOR,
    rootBytes: directoryBytes(jolietFiles),
    pathL: PATH_TABLES.jolietL,
    pathM: PATH_TABLES.jolietM,
  };
  const total = placeFiles(entries, joliet.root + joliet.rootBytes / SECTOR);

  const image = Buffer.alloc(total * SECTOR);
  const put = (sector: number, bytes: Buffer) => bytes.copy(image, sector * SECTOR);
  put(PVD_SECTOR, volumeDescriptor(false, volumeId, primary, total, date));
  put(SVD_SECTOR, volumeDescriptor(true, volumeId, joliet, total, date));
  put(TERMINATOR_SECTOR, terminator());
  for (const tree of [primary, joliet]) {
    put(tree.pathL, pathTable(tree.root, false));
    put(tree.pathM, pathTable(tree.root, true));
  }
  put(primary.root, directory(primary, primaryFiles, date));
  put(joliet.root, directory(joliet, jolietFiles, date));
  for (const e of entries) put(e.extent, e.data);
  return image;
}

function checkVolumeId(volumeId: string): void {
  if (!VOLUME_ID.test(volumeId)) {
    throw new Error(`ISO 9660 volume id ${JSON.stringify(volumeId)} is invalid: it must be 1 to 32 of A-Z, a-z, 0-9 and _`);
  }
}

function checkFiles(files: IsoFile[]): void {
  const seen = new Set<string>();
  for (const { name, data } of files) {
    const problem = nameProblem(name);
    if (problem) throw new Error(`ISO 9660 file name ${JSON.stringify(name)} is invalid: ${problem}`);
    if (seen.has(name)) throw new Error(`ISO 9660 file name ${JSON.stringify(name)} is given twice: names must be unique`);
    seen.add(name);
    if (data.length > 0xffffffff) throw new Error(`ISO 9660 file ${name} is ${data.length} bytes: one extent holds at most 4 GiB - 1`);
  }
}

function nameProblem(name: string): string | null {
  if (name.length === 0) return "it is empty";
  if (name.length > JOLIET_MAX_CHARS) return `it is ${name.length} characters long, Joliet allows at most ${JOLIET_MAX_CHARS}`;
  if (/[\ud800-\udfff]/.test(name)) return "Joliet (UCS-2) has no characters beyond U+FFFF";
  if (JOLIET_FORBIDDEN.test(name)) return "Joliet forbids control characters and * / : ; ? \\";
  // Linux drops trailing dots from Joliet names, so such a name would not read back as written.
  if (name.endsWith(".")) return "it ends with a dot";
  return null;
}

function checkDate(date: Date): void {
  const year = date.getUTCFullYear();
  // ECMA-119 9.1.5: a directory record holds the year as years since 1900 in one byte.
  if (!Number.isFinite(date.getTime()) || year < 1900 || year > 2155) throw new Error(`ISO 9660 date ${String(date)} is outside 1900 to 2155`);
}

/** Code-unit order: for Joliet's UCS-2 names, the order of their bytes. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A level-1 name (ECMA-119 7.5.1: up to 8 d-characters, a dot, up to 3, then ";1"), made unique with a number. */
function entryOf(used: Set<string>): (file: IsoFile) => Entry {
  return ({ name, data }) => {
    const dot = name.lastIndexOf(".");
    const dchars = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
    const base = dchars(dot > 0 ? name.slice(0, dot) : name).slice(0, 8);
    const ext = dot > 0 ? dchars(name.slice(dot + 1)).slice(0, 3) : "";
    let stem = base;
    for (let n = 1; used.has(`${stem}.${ext}`); n++) stem = base.slice(0, 8 - String(n).length - 1) + "_" + n;
    used.add(`${stem}.${ext}`);
    return { name, shortName: `${stem}.${ext};1`, shortKey: stem.padEnd(8) + ext.padEnd(3), data, extent: 0 };
  };
}

/** Each file from `first` on, at a sector boundary; returns the volume's size in sectors. */
function placeFiles(entries: Entry[], first: number): number {
  let next = first;
  for (const e of entries) {
    // ECMA-119 leaves an empty file's location open; 0 marks that it has no data.
    e.extent = e.data.length === 0 ? 0 : next;
    next += sectors(e.data.length);
  }
  return next;
}

function sectors(bytes: number): number {
  return Math.ceil(bytes / SECTOR);
}

function ucs2(text: string): Buffer {
  return Buffer.from(text, "utf16le").swap16();
}

function fromUcs2(bytes: Buffer): string {
  return Buffer.from(bytes.subarray(0, bytes.length & ~1))
    .swap16()
    .toString("utf16le");
}

function both16(buf: Buffer, at: number, value: number): void {
  buf.writeUInt16LE(value, at);
  buf.writeUInt16BE(value, at + 2);
}

function both32(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32LE(value, at);
  buf.writeUInt32BE(value, at + 4);
}

/** ECMA-119 8.4 (PVD) and 8.5 (SVD): the same layout, Joliet's with UCS-2 text and its escape sequence. */
function volumeDescriptor(joliet: boolean, volumeId: string, tree: Tree, total: number, date: Date): Buffer {
  const d = Buffer.alloc(SECTOR);
  const text = joliet ? ucs2Field : asciiField;
  d[0] = joliet ? 2 : 1;
  d.write("CD001", 1, "ascii");
  d[6] = 1;
  text(d, 8, 32, "");
  // The PVD holds d-characters only (upper case); the Joliet SVD keeps the label as given, in 16 UCS-2 characters.
  text(d, 40, 32, joliet ? volumeId.slice(0, 16) : volumeId.toUpperCase());
  both32(d, 80, total);
  if (joliet) d.write(JOLIET_ESCAPES[2], 88, "ascii");
  both16(d, 120, 1);
  both16(d, 124, 1);
  both16(d, 128, SECTOR);
  both32(d, 132, PATH_TABLE_BYTES);
  d.writeUInt32LE(tree.pathL, 140);
  d.writeUInt32BE(tree.pathM, 148);
  directoryRecord(Buffer.of(0), tree.root, tree.rootBytes, DIRECTORY_FLAG, date).copy(d, 156);
  for (const [at, size] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ])
    text(d, at, size, "");
  text(d, 574, 128, APPLICATION_ID);
  decDateTime(date).copy(d, 813);
  decDateTime(date).copy(d, 830);
  decDateTime(null).copy(d, 847);
  decDateTime(null).copy(d, 864);
  d[881] = 1;
  return d;
}

function asciiField(d: Buffer, at: number, size: number, value: string): void {
  d.fill(0x20, at, at + size);
  d.write(value, at, size, "ascii");
}

function ucs2Field(d: Buffer, at: number, size: number, value: string): void {
  const padded = ucs2(value.padEnd(Math.floor(size / 2), " "));
  padded.copy(d, at, 0, size);
}

/** ECMA-119 8.4.26.1: 16 digits and a time zone byte; all zeros says "not specified". */
function decDateTime(date: Date | null): Buffer {
  const out = Buffer.alloc(17);
  if (date === null) {
    out.write("0".repeat(16), 0, "ascii");
    return out;
  }
  const two = (n: number) => String(n).padStart(2, "0");
  const digits = String(date.getUTCFullYear()).padStart(4, "0") + two(date.getUTCMonth() + 1) + two(date.getUTCDate());
  out.write(digits + two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + "00", 0, "ascii");
  return out;
}

/** ECMA-119 8.6: the set ends with a terminator descriptor. */
function terminator(): Buffer {
  const d = Buffer.alloc(SECTOR);
  d[0] = 255;
  d.write("CD001", 1, "ascii");
  d[6] = 1;
  return d;
}

/** ECMA-119 9.4: the root's own entry only (identifier 0x00, parent 1), L little-endian, M big-endian. */
function pathTable(root: number, bigEndian: boolean): Buffer {
  const t = Buffer.alloc(PATH_TABLE_BYTES);
  t[0] = 1;
  if (bigEndian) {
    t.writeUInt32BE(root, 2);
    t.writeUInt16BE(1, 6);
  } else {
    t.writeUInt32LE(root, 2);
    t.writeUInt16LE(1, 6);
  }
  return t;
}

/** ECMA-119 9.1: a record is 33 bytes and its identifier, padded to an even length. */
function directoryRecord(id: Buffer, extent: number, bytes: number, flags: number, date: Date): Buffer {
  const r = Buffer.alloc(recordLength(id.length));
  r[0] = r.length;
  both32(r, 2, extent);
  both32(r, 10, bytes);
  r.set([date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0], 18);
  r[25] = flags;
  both16(r, 28, 1);
  r[32] = id.length;
  id.copy(r, 33);
  return r;
}

function recordLength(idBytes: number): number {
  return 33 + idBytes + (idBytes % 2 === 0 ? 1 : 0);
}

/** Where each record goes: ECMA-119 6.8.1.1 lets no record cross a sector, so one that would starts the next. */
function recordOffsets(lengths: number[]): { offsets: number[]; bytes: number } {
  let at = 0;
  const offsets = lengths.map((n) => {
    if ((at % SECTOR) + n > SECTOR) at = sectors(at) * SECTOR;
    const here = at;
    at += n;
    return here;
  });
  return { offsets, bytes: sectors(at) * SECTOR };
}

/** A directory's size in bytes: "." and ".." (one-byte identifiers) and a record for each file. */
function directoryBytes(files: { id: Buffer }[]): number {
  return recordOffsets([1, 1, ...files.map(({ id }) => id.length)].map(recordLength)).bytes;
}

/** The root directory: "." (0x00) and ".." (0x01) both name the root itself (ECMA-119 6.8.2.2), then the files in order. */
function directory(tree: Tree, files: { id: Buffer; entry: Entry }[], date: Date): Buffer {
  const records = [
    directoryRecord(Buffer.of(0), tree.root, tree.rootBytes, DIRECTORY_FLAG, date),
    directoryRecord(Buffer.of(1), tree.root, tree.rootBytes, DIRECTORY_FLAG, date),
    ...files.map(({ id, entry }) => directoryRecord(id, entry.extent, entry.data.length, 0, date)),
  ];
  const { offsets, bytes } = recordOffsets(records.map((r) => r.length));
  const out = Buffer.alloc(bytes);
  records.forEach((r, i) => r.copy(out, offsets[i]));
  return out;
}

/** The volume id and files of the Joliet tree, by their Joliet names (a trailing ";1" dropped, as Linux does). */
export function readIso9660Joliet(buf: Buffer): IsoImage {
  const d = findDescriptor(buf, (v) => v[0] === 2 && JOLIET_ESCAPES.includes(v.toString("ascii", 88, 91)), "Joliet supplementary volume descriptor");
  return readTree(buf, d, (id) => fromUcs2(id).replace(/;1$/, ""));
}

/** The volume id and files of the primary tree, by their level-1 identifiers as recorded (e.g. "USER_DAT.;1"). */
export function readIso9660Primary(buf: Buffer): IsoImage {
  const d = findDescriptor(buf, (v) => v[0] === 1, "primary volume descriptor");
  return readTree(buf, d, (id) => id.toString("ascii"));
}

function findDescriptor(buf: Buffer, wanted: (d: Buffer) => boolean, what: string): Buffer {
  for (let sector = PVD_SECTOR; ; sector++) {
    const d = slice(buf, sector * SECTOR, SECTOR, `volume descriptor at sector ${sector}`);
    if (d.toString("ascii", 1, 6) !== "CD001") throw new Error(`not an ISO 9660 image: sector ${sector} holds no volume descriptor (CD001)`);
    if (wanted(d)) return d;
    if (d[0] === 255) throw new Error(`the ISO 9660 image has no ${what}`);
  }
}

function readTree(buf: Buffer, d: Buffer, decode: (id: Buffer) => string): IsoImage {
  const text = d[0] === 2 ? fromUcs2 : (b: Buffer) => b.toString("ascii");
  const volumeId = text(d.subarray(40, 72)).replace(/ +$/, "");
  const root = d.subarray(156, 190);
  const dir = slice(buf, root.readUInt32LE(2) * SECTOR, root.readUInt32LE(10), "root directory");
  const files = new Map<string, Buffer>();
  for (const r of records(dir)) {
    const id = r.subarray(33, 33 + r[32]);
    if (id.length === 1 && id[0] <= 1) continue;
    const name = decode(id);
    if (r[25] & DIRECTORY_FLAG) throw new Error(`the ISO 9660 image has a subdirectory ${name}: only a flat root directory is read`);
    if (r[25] & MULTI_EXTENT_FLAG) throw new Error(`the ISO 9660 image's file ${name} spans several extents, which is not read`);
    if (files.has(name)) throw new Error(`the ISO 9660 image lists ${name} twice`);
    const bytes = r.readUInt32LE(10);
    files.set(name, bytes === 0 ? Buffer.alloc(0) : Buffer.from(slice(buf, r.readUInt32LE(2) * SECTOR, bytes, `file ${name}`)));
  }
  return { volumeId, files };
}

/** A directory's records; a zero length byte means the rest of that sector is padding (ECMA-119 6.8.1.1). */
function records(dir: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < dir.length;) {
    const length = dir[at];
    if (length === 0) {
      at = (Math.floor(at / SECTOR) + 1) * SECTOR;
      continue;
    }
    if (length < 34 || at + length > dir.length || 33 + dir[at + 32] > length)
      throw new Error(`the ISO 9660 image has a malformed directory record at byte ${at}`);
    out.push(dir.subarray(at, at + length));
    at += length;
  }
  return out;
}

function slice(buf: Buffer, at: number, length: number, what: string): Buffer {
  if (at + length > buf.length)
    throw new Error(`the ISO 9660 image is cut short: its ${what} (bytes ${at} to ${at + length}) ends past its ${buf.length} bytes`);
  return buf.subarray(at, at + length);
}
