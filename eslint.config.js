// ESLint for the pages' own scripts, exports/static/*.js: `make lint-js` (run by `make test`).
// They are classic browser scripts, inlined in each page after the libraries that page carries.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  js.configs.recommended,
  {
    files: ["exports/static/**/*.js"],
    languageOptions: {sourceType: "script", globals: {...globals.browser}},
  },
  // dom.js defines PM (window.PM) for the page scripts; each page script also sees its page's library
  {files: ["exports/static/map.js"], languageOptions: {globals: {PM: "readonly", L: "readonly"}}},  // Leaflet
  {files: ["exports/static/panel.js"], languageOptions: {globals: {PM: "readonly"}}},  // the map page's side panel
  {files: ["exports/static/orientation.js"], languageOptions: {globals: {PM: "readonly", L: "readonly"}}},  // map.js's
  {files: ["exports/static/network.js"], languageOptions: {globals: {PM: "readonly", vis: "readonly"}}},  // vis-network
  {files: ["eslint.config.js"], languageOptions: {sourceType: "commonjs", globals: {...globals.node}}},
];
