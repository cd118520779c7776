/**
 * The static web demo (`exprsim build-web`): writes a site that runs exprsim/browser on the
 * user's photos. Node-side; the page itself is web/demo/ and src/browser/.
 */
export {
  buildWebDemo,
  formatBuildWeb,
  type BuildWebOptions,
  type BuildWebResult,
} from './build-web.js';
