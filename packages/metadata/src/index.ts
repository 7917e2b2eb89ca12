export * from './table.js';
export { Catalog, CatalogTransaction } from './catalog.js';
