import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The assistant's window (crates/assist-window) loads ui/dist-assist/assist.html. Its own
// config, so the app's and the widget's builds stay as they are; the same rules: no dev
// server, external files only (the strict CSP forbids inline scripts).
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: "safari15",
    outDir: "dist-assist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: { assist: "assist.html" } },
  },
});
