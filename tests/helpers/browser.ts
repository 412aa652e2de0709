import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with no background traffic (the machines have no network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** The live charts ECharts drew in the browser. */
export const LIVE_CHARTS = '[_echarts_instance_]';
/** The pictures of the charts drawn into a prerendered page (hidden ones have no box). */
export const CHART_PICTURES = '.chart > svg[role=img]';

/**
 * The text labels drawn in a page's SVG charts (`charts`: the live ones unless told) that overlap
 * another label of the same chart, as "a ∩ b" pairs: on a readable chart, there are none. Boxes
 * touching by under a pixel do not count; hidden labels have none, and a label is only the part
 * of it its clip paths show (a scrolling legend's items beyond its pager are clipped away).
 */
export function overlappingChartLabels(page: Page, charts = LIVE_CHARTS): Promise<string[]> {
  // A string, not a function: the tests compile without the DOM's types.
  return page.evaluate(`(() => {
    const intersect = (a, b) => ({ left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) });
    // The screen box of the clip path an element is drawn through (userSpaceOnUse: the clip
    // shape is in the coordinates of the element that refers to it).
    const clipBox = (clipped) => {
      const shape = document.getElementById(clipped.getAttribute('clip-path').slice(5, -1))?.firstElementChild;
      if (!shape) return undefined;
      const box = shape.getBBox();
      const matrix = clipped.getScreenCTM().multiply(shape.transform.baseVal.consolidate()?.matrix ?? new DOMMatrix());
      const corners = [[box.x, box.y], [box.x + box.width, box.y + box.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(matrix));
      return { left: Math.min(corners[0].x, corners[1].x), top: Math.min(corners[0].y, corners[1].y), right: Math.max(corners[0].x, corners[1].x), bottom: Math.max(corners[0].y, corners[1].y) };
    };
    const shown = (text) => {
      let box = text.getBoundingClientRect();
      for (let element = text; element && element.tagName.toLowerCase() !== 'svg'; element = element.parentElement) {
        if (!element.hasAttribute('clip-path')) continue;
        const clip = clipBox(element);
        if (clip) box = intersect(box, clip);
      }
      return box;
    };
    const pairs = [];
    for (const chart of document.querySelectorAll(${JSON.stringify(charts)})) {
      const boxes = [...chart.querySelectorAll('svg text')]
        .map((text) => ({ text: text.textContent ?? '', box: shown(text) }))
        .filter(({ text, box }) => text.trim() !== '' && box.right - box.left > 0 && box.bottom - box.top > 0);
      for (let i = 0; i < boxes.length; i += 1) {
        for (let j = i + 1; j < boxes.length; j += 1) {
          const overlap = intersect(boxes[i].box, boxes[j].box);
          if (overlap.right - overlap.left > 1 && overlap.bottom - overlap.top > 1) pairs.push(boxes[i].text + ' ∩ ' + boxes[j].text);
        }
      }
    }
    return pairs;
  })()`);
}

/**
 * How each shown chart picture fits its box: `scale` is its drawn width over the width it was
 * drawn for (under 1, its text is drawn smaller than the live chart's), `filled` its drawn height
 * over its box's (under 1, a gap below it).
 */
export function pictureFits(page: Page): Promise<{ scale: number; filled: number }[]> {
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(CHART_PICTURES)})]
    .filter((svg) => svg.getBoundingClientRect().width > 0)
    .map((svg) => {
      // preserveAspectRatio="meet": the picture is drawn at the smaller of the two scales its
      // element's box allows.
      const element = svg.getBoundingClientRect();
      const box = svg.parentElement.getBoundingClientRect();
      const scale = Math.min(element.width / svg.viewBox.baseVal.width, element.height / svg.viewBox.baseVal.height);
      return { scale: Math.round(scale * 100) / 100, filled: Math.round((svg.viewBox.baseVal.height * scale / box.height) * 100) / 100 };
    })`);
}
