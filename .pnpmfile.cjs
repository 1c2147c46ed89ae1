// pnpm's install hook (https://pnpm.io/pnpmfile). The API reference page serves
// @scalar/api-reference's browser bundle, dist/browser/standalone.js, which carries everything it
// needs: its ~280 npm dependencies (Vue, the API client, editors; ~300 MB) would only be installed
// to lie unused, so they are not installed at all.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === "@scalar/api-reference") pkg.dependencies = {};
      return pkg;
    },
  },
};
