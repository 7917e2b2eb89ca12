export { validateRequest, isKnownOperation, OPERATIONS } from './validate.js';
