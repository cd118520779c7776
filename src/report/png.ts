import sharp from 'sharp';
import { writeFileAtomic } from '../core/fs.js';

/**
 * Renders an SVG chart to PNG with sharp (libvips + librsvg, bundled with sharp: no browser, no
 * canvas build). `scale` 2 gives crisp text on high-density screens.
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
}

/** Writes `name.svg` and `name.png` (atomically) and returns their paths. */
export async function writeChart(
  svg: string,
  basePath: string,
): Promise<{ svg: string; png: string }> {
  await writeFileAtomic(`${basePath}.svg`, svg);
  await writeFileAtomic(`${basePath}.png`, await svgToPng(svg));
  return { svg: `${basePath}.svg`, png: `${basePath}.png` };
}
