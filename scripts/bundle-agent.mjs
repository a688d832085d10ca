// Bundles the node agent into one file that Debian 12's nodejs (18) runs without node_modules.
import { build } from "esbuild";

await build({
  entryPoints: ["src/agent/bin.ts"],
  outfile: "dist/agent/maekin-agent.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18",
  logLevel: "warning",
});
