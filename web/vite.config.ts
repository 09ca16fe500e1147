// The castad web app. `npm run dev:web` serves it with hot reload and proxies /graphql (HTTP,
// SSE and WebSocket) to the API at CASTAD_API (default http://127.0.0.1:4000, i.e. `npm start`).
// `npm run build:web` writes web/dist, which the API serves at / (src/http/static.ts).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = process.env.CASTAD_API ?? "http://127.0.0.1:4000";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    proxy: { "/graphql": { target: api, ws: true, changeOrigin: true } },
  },
});
