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
  let text = '{';
  for (const name in document) {
    const value = document[name];
    if (value === undefined || typeof value === 'function') continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(name)}:${encodeMember(value)}`;
  }
  return Buffer.from(`${text}}`, 'utf8');
}

function encodeMember(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((element) => (element instanceof RawJson ? element.text : (JSON.stringify(element) ?? 'null'))).join(',')}]`;
  return JSON.stringify(value);
}
