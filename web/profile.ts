/**
 * The viewer's profile id: `?profile=` when given (kept for later visits), else the one stored
 * in this browser, else a new random one.
 */
export function currentProfile(): string {
  const fromQuery = new URLSearchParams(location.search).get('profile');
  const stored = localStorage.getItem('h3edge.profile');
  const profile = fromQuery ?? stored ?? `web-${Math.random().toString(36).slice(2, 10)}`;
  if (profile !== stored) localStorage.setItem('h3edge.profile', profile);
  return profile;
}

/** GET a JSON API answer; throws with the server's error code on a non-2xx status. */
export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}
