// A file the page fetches once and keeps, read into what its user needs. A failed fetch is
// forgotten, so the next ask tries again (a replica restarting, a dropped connection).

export function fetchedOnce(cache, url, read, what) {
  if (!cache.has(url)) {
    const loading = fetch(url, { cache: "force-cache" })
      .then((response) => {
        if (!response.ok) throw new Error(`${what}: HTTP ${response.status}`);
        return read(response);
      });
    loading.catch(() => cache.delete(url));
    cache.set(url, loading);
  }
  return cache.get(url);
}
