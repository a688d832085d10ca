#!/usr/bin/env node
// The maekin executable: runs the compiled CLI from dist/ (build with `npm run build`).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
