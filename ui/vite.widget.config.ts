import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The client's web widget: a second entry of this project, served by the line server at
// /widget/ (embedded in the linedesk-server binary from dist-widget, see crates/server/build.rs).
// Its page has a strict CSP (no inline script or style): external files only.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  base: "/widget/",
  build: {
    target: "es2020",
    outDir: "dist-widget",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: "widget.html" },
  },
});
