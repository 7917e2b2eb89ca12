export * from './table.js';
export { Catalog, CatalogTransaction } from './catalog.js';
export * from './indexes.js';
