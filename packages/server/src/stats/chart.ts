import { statisticsChartSpec, type StatisticsReport } from '@haven/safety';
import { parse as parseVega, View } from 'vega';
import { compile } from 'vega-lite';

/**
 * The statistics as an SVG bar chart (one bar per force, surface or method, stacked by the breakdown),
 * rendered on the server by Vega from the Vega-Lite specification @haven/safety builds. No network: the
 * data is inline, and Vega's loader is never asked for a URL.
 */
export async function statisticsSvg(report: StatisticsReport): Promise<string> {
  const spec = compile(statisticsChartSpec(report) as unknown as Parameters<typeof compile>[0]).spec;
  const view = new View(parseVega(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
