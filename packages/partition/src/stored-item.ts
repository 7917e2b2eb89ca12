import { itemSizeBytes, RawJson, type Item } from '@shoal/model';

/**
 * How an item (or an index entry) is stored, as UTF-8 text: a \x01 byte, the item's DynamoDB size
 * in decimal digits, then its JSON (which starts with `{`). The size lets a Query count its 1 MB
 * page, and the JSON lets the gateway answer with the stored text, without parsing the item. Text
 * throughout, so an engine can hand values over as strings (cheaper than byte arrays in the
 * RocksDB binding). Values written before the header existed are bare JSON.
 */
const SIZED_FORMAT = 0x01;
const OPEN_BRACE = 0x7b;

export function encodeItem(item: Item, size = itemSizeBytes(item)): Uint8Array {
  return Buffer.from(`\x01${size}${JSON.stringify(item)}`, 'utf8');
}

export function decodeItem(bytes: Uint8Array): Item {
  return StoredItem.fromBytes(bytes).item;
}

/** A storage key and the stored item (or index entry) under it. */
export type StoredEntry = [Uint8Array, StoredItem];

/** A stored item as read, from bytes or from text; decoded only if something needs its attributes. */
export class StoredItem {
  private decoded: Item | undefined;

  private constructor(
    private storedBytes: Uint8Array | undefined,
    private storedText: string | undefined,
  ) {}

  static fromBytes(bytes: Uint8Array): StoredItem {
    return new StoredItem(bytes, undefined);
  }

  static fromText(text: string): StoredItem {
    return new StoredItem(undefined, text);
  }

  get bytes(): Uint8Array {
    return (this.storedBytes ??= Buffer.from(this.storedText!, 'utf8'));
  }

  private get text(): string {
    if (this.storedText === undefined) {
      const bytes = this.storedBytes!;
      this.storedText = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    }
    return this.storedText;
  }

  get item(): Item {
    return (this.decoded ??= JSON.parse(this.jsonText()) as Item);
  }

  /** DynamoDB's size of the item. */
  get size(): number {
    if (this.storedText === undefined) {
      const bytes = this.storedBytes!;
      if (bytes[0] !== SIZED_FORMAT) return itemSizeBytes(this.item);
      let size = 0;
      for (let i = 1; i < bytes.length && bytes[i] !== OPEN_BRACE; i++) size = size * 10 + bytes[i]! - 48;
      return size;
    }
    const text = this.storedText;
    if (text.charCodeAt(0) !== SIZED_FORMAT) return itemSizeBytes(this.item);
    let size = 0;
    for (let i = 1; i < text.length && text.charCodeAt(i) !== OPEN_BRACE; i++) size = size * 10 + text.charCodeAt(i) - 48;
    return size;
  }

  /** The item's JSON, to answer with as is. */
  get json(): RawJson {
    return new RawJson(this.jsonText());
  }

  private jsonText(): string {
    const text = this.text;
    return text.charCodeAt(0) === SIZED_FORMAT ? text.slice(text.indexOf('{')) : text;
  }
}
