export { encodeKey, keyValueBytes, isKeyValue, type KeyValue } from './key-encoding.js';
export { partitionToken, murmur3 } from './token.js';
