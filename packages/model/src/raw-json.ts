/**
 * A JSON value already serialised (an item as stored), carried through a response so the gateway
 * copies its text instead of parsing and re-serialising it. `JSON.stringify` of a response holding
 * one still gives the right text, through `toJSON`.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * The UTF-8 JSON of a response document whose top-level members may be RawJson values or arrays
 * holding them (a Query's Items, a GetItem's Item): their text is copied, everything else goes
 * through JSON.stringify. The same text as `JSON.stringify(document)`.
 */
export function encodeJsonDocument(document: Record<string, unknown>): Buffer {
  if (!hasRawMember(document)) return Buffer.from(JSON.stringify(document), 'utf8');
  let text = '{';
  for (const name in document) {
    const value = document[name];
    if (value === undefined || typeof value === 'function') continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(name)}:`;
    if (value instanceof RawJson) text += value.text;
    else if (isRawArray(value)) text += `[${value.map((element) => (element instanceof RawJson ? element.text : JSON.stringify(element ?? null))).join(',')}]`;
    else text += JSON.stringify(value);
  }
  return Buffer.from(`${text}}`, 'utf8');
}

function hasRawMember(document: Record<string, unknown>): boolean {
  for (const name in document) {
    const value = document[name];
    if (value instanceof RawJson || isRawArray(value)) return true;
  }
  return false;
}

function isRawArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.some((element) => element instanceof RawJson);
}
