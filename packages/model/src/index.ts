export * from './attribute-value.js';
export * from './number.js';
export * from './limits.js';
export * from './errors.js';
export * from './item-size.js';
export * from './attribute-validation.js';
export * from './raw-json.js';
