import type { Figure } from "./_report.js";
import type { BenchContext } from "./_topology.js";
export async function benchDhcp(_ctx: BenchContext): Promise<Figure[]> { return []; }
