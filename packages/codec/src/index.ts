export { encodeKey, keyValueBytes, isKeyValue, type KeyValue } from './key-encoding.js';
export { partitionToken } from './token.js';
