import { currentProfile, getJson } from '../profile.js';
import type { HomePage, RowPage } from '../../src/home/api-shapes.js';
import { revealImage, tileElement } from './tile.js';

const profile = currentProfile();
const rowsEl = document.getElementById('rows') as HTMLElement;
const moreRows = document.getElementById('more-rows') as HTMLElement;
const q = (extra: Record<string, string> = {}): string => new URLSearchParams({ profile, ...extra }).toString();

// Images load when a tile is on screen (clipped by its row's scroller), not before.
const imageObserver = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    revealImage(e.target);
    imageObserver.unobserve(e.target);
  }
});

// A row's next tiles load when its end sentinel comes within one tile of the scroller's edge.
const tileSentinels = new WeakMap<Element, () => Promise<void>>();
const tileObserver = new IntersectionObserver((entries) => {
  for (const e of entries) if (e.isIntersecting) void tileSentinels.get(e.target)?.();
});

function appendTiles(scroller: HTMLElement, page: RowPage): void {
  const sentinel = scroller.querySelector('.row-end') as HTMLElement;
  for (const tile of page.tiles) {
    const el = tileElement(tile, profile);
    el.addEventListener('click', () => sessionStorage.setItem('h3edge.playIntentAt', String(Date.now())));
    scroller.insertBefore(el, sentinel);
    imageObserver.observe(el);
  }
  if (!page.next) {
    tileObserver.unobserve(sentinel);
    sentinel.remove();
    return;
  }
  let loading = false;
  const next = page.next;
  tileSentinels.set(sentinel, async () => {
    if (loading) return;
    loading = true;
    appendTiles(scroller, await getJson<RowPage>(`/v1/home/rows/${encodeURIComponent(page.id)}?${q({ cursor: next })}`));
  });
}

function appendRow(page: RowPage): void {
  const section = document.createElement('section');
  section.className = 'row';
  section.dataset.rowId = page.id;
  const h2 = document.createElement('h2');
  h2.textContent = page.title;
  const scroller = document.createElement('div');
  scroller.className = 'scroller';
  const sentinel = document.createElement('div');
  sentinel.className = 'row-end';
  scroller.append(sentinel);
  section.append(h2, scroller);
  rowsEl.append(section);
  appendTiles(scroller, page);
  if (page.next) tileObserver.observe(sentinel);
}

// More rows load when the bottom of the page comes near the viewport.
let nextRows: string | undefined;
let loadingRows = false;
async function loadRows(): Promise<void> {
  if (loadingRows) return;
  loadingRows = true;
  const home = await getJson<HomePage>(`/v1/home?${q(nextRows ? { cursor: nextRows } : {})}`);
  home.rows.forEach(appendRow);
  nextRows = home.next;
  loadingRows = false;
  document.body.dataset.rows = String(rowsEl.children.length);
  if (!nextRows) rowObserver.disconnect();
}
const rowObserver = new IntersectionObserver(
  (entries) => {
    if (entries.some((e) => e.isIntersecting) && nextRows) void loadRows();
  },
  { rootMargin: '0px 0px 200px 0px' },
);

loadRows()
  .then(() => {
    document.body.dataset.ready = '1';
    rowObserver.observe(moreRows);
  })
  .catch((err: unknown) => {
    rowsEl.textContent = `Could not load the home page: ${String(err)}`;
  });
